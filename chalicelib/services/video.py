"""Video meetings within a case: start and end (staff), the live meeting (citizen), interpreter links, ICE
servers, and the WebRTC signalling relay over the WebSocket API.

Staff actions check scope like every case action (not the staff member's unit → NotFound; their unit but not the
case's profession → Forbidden) and write the access record first. The relay checks each signal against the
meeting: a connection joins with "hello" only if it belongs to a participant (the case's citizen, staff who can
handle the case, an interpreter holding a grant for this meeting), and a signal goes only to the other joined
connections of that meeting. Anything else gets an error frame back to the sender only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoConnections, DynamoDirectory, DynamoEphemeral
from chalicelib.adapters.video import DynamoVideo, MeetingRoom
from chalicelib.adapters.websocket import ConnectionGone
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from chalicelib.domain.model import Case, Principal, PrincipalKind, UnitRole
from chalicelib.domain.tokens import keyed_token
from chalicelib.domain.tokens import secret_hash as _hash
from chalicelib.domain.video import (
    INTERPRETER_KIND,
    INTERPRETER_LINK_LIFETIME,
    MAX_SIGNAL_BYTES,
    Endpoint,
    InterpreterGrant,
    Meeting,
    interpreter_subject,
    may_join,
    meeting_not_found,
    parse_interpreter_subject,
    parse_signal,
    relay_targets,
)
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock, IdGenerator, Pusher

logger = Logger(child=True)

INTERPRETER_TICKET = "TOLKTICKET"
TICKET_PREFIX = "tolk."  # an interpreter's WebSocket ticket, told apart from a session's at the handshake
TICKET_LIFETIME = timedelta(seconds=60)
CONNECTION_TTL_SECONDS = 4 * 3600
TURN_CREDENTIAL_LIFETIME = timedelta(hours=2)


def link_refused() -> NotFound:
    return NotFound(
        "This interpreter link has been used already, has expired, or its meeting has ended.",
        message_sv="Länken till videomötet har redan använts, har gått ut eller så har mötet avslutats.",
    )


@dataclass(frozen=True)
class InterpreterLink:
    token: str
    meeting_id: str
    expires_at: datetime


@dataclass(frozen=True)
class InterpreterSession:
    meeting_id: str
    session: str  # "{meeting_id}.{secret}"; the secret is stored only as a hash
    expires_at: datetime


class VideoService:
    def __init__(
        self,
        video: DynamoVideo,
        cases: DynamoCases,
        directory: DynamoDirectory,
        connections: DynamoConnections,
        ephemeral: DynamoEphemeral,
        pusher: Pusher,
        audit: AuditService,
        *,
        tenant: str,
        clock: Clock,
        ids: IdGenerator,
        link_key: bytes,
        turn_secret: Callable[[], str] = str,
    ) -> None:
        self._video = video
        self._link_key = link_key
        self._turn_secret = turn_secret
        self._cases = cases
        self._directory = directory
        self._connections = connections
        self._ephemeral = ephemeral
        self._pusher = pusher
        self._audit = audit
        self._tenant = tenant
        self._clock = clock
        self._ids = ids

    # --- staff and citizen (REST) ---

    def start(self, principal: Principal, case_id: str) -> Meeting:
        """Start the case's video meeting; while one is live, starting again gives that one (retry-safe)."""
        case = self._handled_case(principal, case_id, "start_video")
        live = self._video.live_of_case(principal.tenant, case_id)
        if live is not None:
            return live
        if not case.is_open:
            raise Conflict("The case is closed; a video meeting needs an open case.", message_sv="Ärendet är avslutat.")
        now = self._clock()
        meeting = Meeting(
            tenant=principal.tenant,
            meeting_id=self._ids(),
            case_id=case.case_id,
            unit_id=case.unit_id,
            patient_ref=case.patient_ref,
            submitted_by=case.submitted_by,
            started_by=principal.subject,
            started_by_name=principal.display_name,
            started_at=now,
        )
        stored = self._video.start(meeting, now=now)
        if stored is None:  # a parallel start won: that one is the meeting
            stored = self._video.live_of_case(principal.tenant, case_id)
            if stored is None:
                raise Conflict("The meeting changed at the same time; please try again.", message_sv="Försök igen.")
            return stored
        self._tell_citizens(stored)
        return stored

    def end(self, principal: Principal, case_id: str, meeting_id: str) -> Meeting:
        """End the meeting (Avsluta videomöte); ending an ended meeting again answers it as it is."""
        self._handled_case(principal, case_id, "end_video")
        meeting = self._video.get(principal.tenant, meeting_id)
        if meeting is None or meeting.case_id != case_id:
            raise meeting_not_found()
        ended = meeting.end(principal.subject, self._clock())
        if ended is meeting:
            return meeting
        stored = self._video.end(ended, now=self._clock())
        self._tell_citizens(stored)
        room = self._video.room(principal.tenant, meeting_id)
        for connection_id in room.joined if room else {}:
            self._push(connection_id, self._state_frame(stored), meeting_id=meeting_id)
        return stored

    def live_for_citizen(self, principal: Principal, case_id: str) -> Meeting | None:
        """The case's live meeting for its citizen (the patient or a guardian); another citizen's case: NotFound."""
        case = self._cases.get(principal.tenant, case_id)
        if principal.kind is not PrincipalKind.CITIZEN or case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        return self._video.live_of_case(principal.tenant, case_id)

    def invite_interpreter(
        self, principal: Principal, case_id: str, meeting_id: str, *, idempotency_key: str
    ) -> InterpreterLink:
        """A one-time link for an interpreter (tolk): this meeting only, until it ends or a few hours pass. A retry
        with the same Idempotency-Key answers the same link (its token is a keyed hash of who asked, the meeting
        and the key, so it is never stored; only the token's hash is)."""
        self._handled_case(principal, case_id, "invite_interpreter")
        meeting = self._video.get(principal.tenant, meeting_id)
        if meeting is None or meeting.case_id != case_id:
            raise meeting_not_found()
        if not meeting.is_live:
            raise Conflict("The meeting has ended.", message_sv="Videomötet har avslutats.")
        token = keyed_token(
            self._link_key, "interpreter-invite", principal.tenant, meeting_id, principal.subject, idempotency_key
        )
        wanted = self._clock() + INTERPRETER_LINK_LIFETIME
        expires_at = self._video.put_invite(principal.tenant, _hash(token), meeting_id, expires_at=wanted)
        return InterpreterLink(token, meeting_id, expires_at)

    def ice_servers(self, tenant: str, subject: str) -> list[dict[str, Any]]:
        """STUN/TURN servers from the region's settings ("video"); TURN with short-lived credentials made from the
        shared secret (the TURN REST API scheme coturn's use-auth-secret understands). None configured: []."""
        config = dict(self._directory.region(tenant).get("video") or {})
        servers: list[dict[str, Any]] = []
        stun = [str(u) for u in config.get("stun_urls") or []]
        if stun:
            servers.append({"urls": stun})
        turn = dict(config.get("turn") or {})
        turn_urls = [str(u) for u in turn.get("urls") or []]
        secret = self._turn_secret() if turn_urls else ""
        if secret:
            expires = int((self._clock() + TURN_CREDENTIAL_LIFETIME).timestamp())
            username = f"{expires}:{_hash(subject)[:16]}"
            digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
            credential = base64.b64encode(digest).decode()
            servers.append({"urls": turn_urls, "username": username, "credential": credential})
        return servers

    # --- the interpreter (no login: the one-time link) ---

    def open_interpreter_session(self, token: str) -> InterpreterSession:
        """Exchange a one-time link for a session that reaches this meeting only; a used, expired or ended
        link is refused."""
        if not token or len(token) > 100:
            raise link_refused()
        taken = self._video.take_invite(self._tenant, _hash(token), now=self._clock())
        if taken is None:
            raise link_refused()
        meeting_id, expires_at = taken
        meeting = self._video.get(self._tenant, meeting_id)
        now = self._clock()
        if meeting is None or not meeting.is_live or now >= expires_at:
            raise link_refused()
        secret = secrets.token_urlsafe(32)
        self._video.put_grant(self._tenant, InterpreterGrant(meeting_id, _hash(secret), expires_at))
        return InterpreterSession(meeting_id, f"{meeting_id}.{secret}", expires_at)

    def interpreter_ticket(self, session: str) -> tuple[str, str]:
        """A single-use WebSocket ticket for the interpreter's session: (ticket, meeting id)."""
        room, grant = self._interpreter_grant(session)
        ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
        self._ephemeral.put(
            self._tenant,
            INTERPRETER_TICKET,
            _hash(ticket),
            {"meeting_id": room.meeting.meeting_id, "grant_id": grant.grant_id},
            expires_at=self._clock() + TICKET_LIFETIME,
        )
        return ticket, room.meeting.meeting_id

    def interpreter_meeting(self, session: str) -> Meeting:
        return self._interpreter_grant(session)[0].meeting

    def connect_interpreter(self, connection_id: str, ticket: str) -> None:
        """The WebSocket handshake of an interpreter: the connection's subject names the meeting and grant only."""
        taken = self._ephemeral.take(self._tenant, INTERPRETER_TICKET, _hash(ticket)) if len(ticket) <= 100 else None
        if taken is None or self._clock() >= taken[1]:
            raise Unauthenticated("The connection ticket is unknown, used or expired.")
        data = taken[0]
        subject = interpreter_subject(str(data["meeting_id"]), str(data["grant_id"]))
        self._connections.add(
            self._tenant,
            connection_id,
            subject,
            INTERPRETER_KIND,
            now=self._clock(),
            ttl_seconds=CONNECTION_TTL_SECONDS,
        )

    def _interpreter_grant(self, session: str) -> tuple[MeetingRoom, InterpreterGrant]:
        meeting_id, _, secret = (session or "").partition(".")
        room = self._video.room(self._tenant, meeting_id) if meeting_id and secret and len(session) < 200 else None
        grant = room.grants.get(_hash(secret)) if room else None
        if room is None or grant is None:
            raise Unauthenticated(
                "The interpreter session is not valid.", message_sv="Sessionen gäller inte. Öppna länken igen."
            )
        if not grant.usable(room.meeting, self._clock()):
            raise link_refused()
        return room, grant

    # --- signalling (WebSocket) ---

    def signal(self, connection_id: str, body: dict[str, Any], *, size: int = 0) -> list[str]:
        """Relay one signal from a connection; returns the connection ids it went to. Errors go back to the sender
        as a frame of type "video_error" (and nowhere else)."""
        meeting_id = str(body.get("meeting_id") or "")[:64]
        try:
            if size > MAX_SIGNAL_BYTES:
                raise ValidationFailed("The signal is too large.", message_sv="Signalen är för stor.")
            return self._relay(connection_id, body)
        except DomainError as error:
            frame = {
                "type": "video_error",
                "meeting_id": meeting_id,
                "code": error.code,
                "message": error.message,
                "message_sv": error.message_sv,
            }
            self._push(connection_id, frame, meeting_id=None)
            return []

    def _relay(self, connection_id: str, body: dict[str, Any]) -> list[str]:
        signal = parse_signal(body)
        sender = self._video.endpoint(self._tenant, connection_id)
        room = self._video.room(self._tenant, signal.meeting_id)
        if sender is None or room is None:
            raise meeting_not_found()
        meeting, joined = room.meeting, dict(room.joined)
        if signal.kind == "hello" and connection_id not in joined:
            if not self._may_join(room, sender):
                raise meeting_not_found()  # not a participant: the meeting is not theirs to know of
            self._video.join(self._tenant, meeting.meeting_id, sender, now=self._clock())
            joined[connection_id] = sender
        elif connection_id not in joined and not meeting.is_live:
            raise Conflict("The video meeting has ended.", message_sv="Videomötet har avslutats.")
        elif connection_id not in joined:
            raise meeting_not_found()
        targets = relay_targets(meeting, connection_id, joined, signal)
        frame = {
            "type": "signal",
            "meeting_id": meeting.meeting_id,
            "from": connection_id,
            "from_kind": sender.kind,
            "kind": signal.kind,
            "data": signal.data,
        }
        for target in targets:
            self._push(target, frame, meeting_id=meeting.meeting_id)
        if signal.kind == "hello":
            self._push(
                connection_id,
                {"type": "video_joined", "meeting_id": meeting.meeting_id, "id": connection_id, "others": targets},
                meeting_id=None,
            )
        if signal.kind == "bye":
            self._video.leave(self._tenant, meeting.meeting_id, connection_id)
        return targets

    def _may_join(self, room: MeetingRoom, sender: Endpoint) -> bool:
        meeting = room.meeting
        staff_can_handle = False
        grant = None
        if sender.kind == PrincipalKind.STAFF.value:
            staff = self._staff_principal(sender.subject)
            case = self._cases.get(self._tenant, meeting.case_id)
            staff_can_handle = bool(staff and case and policy.can_handle_case(staff, case))
            if staff is not None and case is not None and staff_can_handle:
                self._audit.record_case_access(staff, case, "join_video")  # first, and fails closed
        elif sender.kind == INTERPRETER_KIND:
            parsed = parse_interpreter_subject(sender.subject)
            grant = room.grants.get(parsed[1]) if parsed else None
        return may_join(meeting, sender, staff_can_handle=staff_can_handle, grant=grant, now=self._clock())

    def _staff_principal(self, hsa_id: str) -> Principal | None:
        found = self._directory.staff(self._tenant, hsa_id)
        if found is None:
            return None
        roles = tuple(UnitRole(str(r["unit_id"]), str(r["role"])) for r in found["roles"])
        return Principal(self._tenant, PrincipalKind.STAFF, hsa_id, str(found["name"]), "siths", "", roles)

    # --- helpers ---

    def _handled_case(self, principal: Principal, case_id: str, action: str) -> Case:
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not principal.is_staff or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        if not policy.can_handle_case(principal, case):
            raise Forbidden(
                f"This case is for a {case.profession}; only staff with that role at the unit can hold its meetings.",
                message_sv="Ärendet gäller en annan yrkesroll än din på enheten.",
            )
        self._audit.record_case_access(principal, case, action)  # first: fails closed if it cannot be written
        return case

    @staticmethod
    def _state_frame(meeting: Meeting) -> dict[str, Any]:
        return {
            "type": "video",
            "case_id": meeting.case_id,
            "meeting_id": meeting.meeting_id,
            "state": meeting.state.value,
        }

    def _tell_citizens(self, meeting: Meeting) -> None:
        """Best effort: the citizen's case page shows (or drops) the join prompt; it also asks on load."""
        try:
            for subject in sorted(meeting.citizens):
                for connection_id in self._connections.of_subject(meeting.tenant, subject):
                    self._push(connection_id, self._state_frame(meeting), meeting_id=None)
        except Exception:
            logger.exception("video push failed", extra={"meeting_id": meeting.meeting_id})

    def _push(self, connection_id: str, frame: dict[str, Any], *, meeting_id: str | None) -> None:
        try:
            self._pusher.push(connection_id, frame)
        except ConnectionGone:
            self._connections.remove(self._tenant, connection_id)
            if meeting_id:
                self._video.leave(self._tenant, meeting_id, connection_id)
        except Exception:
            logger.exception("push failed", extra={"connection_id": connection_id})
