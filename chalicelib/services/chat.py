"""Chat within a case: a message is stored first (with the case's next sequence number), then pushed.

Besides text, staff may ask the citizen for a photo (a ``photo_request`` message, which the citizen's chat shows
with an upload button) and a photo the citizen adds to the case appears as a ``photo`` message.

Read marks (read receipts): each side of the conversation — the citizen's, and the care unit's staff together —
has a mark, the highest sequence number it has read. Marking read only moves a mark forward and is pushed to the
case's participants, so the citizen sees "Läst" when staff have read, and each page counts what is unread.
Marking read is not itself an audited read of patient data: it returns nothing but the marks, and the messages it
refers to were shown by ``history``, which wrote the staff member's access record first.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoConnections, DynamoQueueStats
from chalicelib.adapters.ratelimit import DynamoRateLimiter
from chalicelib.adapters.reads import SIDES, DynamoReads, ReadMark
from chalicelib.adapters.websocket import ConnectionGone
from chalicelib.domain import policy, rate_limits
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Case, Message, MessageKind, OfferedTime, Principal, SenderKind
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock, Pusher

logger = Logger(child=True)

CLIENT_ID_MAX = 64
ATTEMPTS = 12
# The chat message of a photo added to the case has this client id + the photo id: adding it again finds it.
PHOTO_CLIENT_PREFIX = "photo:"
PHOTO_REQUEST_TEXT = "Kan du skicka en bild? Använd knappen Skicka bild nedan."
BOOKING_OFFER_TEXT = "Här är några tider som passar. Välj den tid du vill boka."
PHOTO_TEXT = "Skickade en bild."  # what a text-only reader sees; the chat shows the photo itself


def message_payload(message: Message) -> dict[str, object]:
    return {
        "case_id": message.case_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "sender_kind": message.sender_kind.value,
        "sender_name": message.sender_name,
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
        "kind": message.kind.value,
        "photo_id": message.photo_id,
        "slot_ids": list(message.slot_ids),
        "slots": [slot.to_dict() for slot in message.slots],
    }


def side_of(principal: Principal) -> str:
    """The side of the conversation a principal reads for: staff read for the care unit, citizens for the patient."""
    return SenderKind.STAFF.value if principal.is_staff else SenderKind.CITIZEN.value


@dataclass(frozen=True)
class ReadState:
    """Both sides' read marks: the highest seq read (0: none) and when the mark last moved."""

    seq: dict[str, int]
    at: dict[str, datetime | None]

    @staticmethod
    def of(marks: dict[str, ReadMark]) -> ReadState:
        return ReadState(
            seq={side: marks[side].seq if side in marks else 0 for side in SIDES},
            at={side: marks[side].read_at if side in marks else None for side in SIDES},
        )


@dataclass(frozen=True)
class ChatHistory:
    messages: list[Message]
    reads: ReadState


class ChatService:
    def __init__(
        self,
        cases: DynamoCases,
        connections: DynamoConnections,
        pusher: Pusher,
        audit: AuditService,
        *,
        clock: Clock,
        stats: DynamoQueueStats | None = None,
        reads: DynamoReads | None = None,
        rates: DynamoRateLimiter | None = None,
        message_limit: rate_limits.RateLimit | None = None,
    ) -> None:
        self._rates = rates or DynamoRateLimiter()
        self._message_limit = message_limit or rate_limits.messages()
        self._stats = stats or DynamoQueueStats()
        self._reads = reads or DynamoReads()
        self._cases = cases
        self._connections = connections
        self._pusher = pusher
        self._audit = audit
        self._clock = clock

    def _case_in_scope(self, principal: Principal, case_id: str) -> Case:
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet hittades inte.")
        return case

    def post(self, principal: Principal, case_id: str, *, text: str, client_id: str) -> tuple[Message, bool]:
        """Store the message and push it to the case's open connections. Returns (message, created)."""
        text = Message.validate_text(text)
        _check_client_id(client_id)
        case = self._case_in_scope(principal, case_id)
        self._admit_message(principal, case, client_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "post_message")
        return self._store(principal, case, text=text, client_id=client_id)

    def _admit_message(self, principal: Principal, case: Case, client_id: str) -> None:
        """Count the message against its sender's limit; a retry (same case, same client id) is counted once."""
        limit, now = self._message_limit, self._clock()
        window = limit.window_at(now)
        hit = f"{case.case_id}#{client_id}"
        if not self._rates.take(principal.tenant, limit, principal.subject, window, hit_id=hit):
            logger.warning("message rate limit reached", extra={"case_id": case.case_id})
            raise limit.refused(window, now)

    def request_photo(
        self, principal: Principal, case_id: str, *, client_id: str, text: str | None = None
    ) -> tuple[Message, bool]:
        """Staff ask the citizen for a photo: a ``photo_request`` message (the Swedish default text unless given).
        Only staff who may handle the case: another unit's is NotFound, another profession's Forbidden."""
        text = Message.validate_text(text) if text and text.strip() else PHOTO_REQUEST_TEXT
        _check_client_id(client_id)
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not principal.is_staff or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet hittades inte.")
        if not policy.can_handle_case(principal, case):
            raise Forbidden(
                f"This case is for a {case.profession}; only staff with that role at the unit can ask for a photo.",
                message_sv="Ärendet gäller en annan yrkesroll än din på enheten.",
            )
        self._audit.record_case_access(principal, case, "request_photo")  # first: fails closed
        return self._store(principal, case, text=text, client_id=client_id, kind=MessageKind.PHOTO_REQUEST)

    def post_in_logged_case(
        self, principal: Principal, case: Case, *, text: str, client_id: str
    ) -> tuple[Message, bool]:
        """A message posted by a use case that has already logged this request's access to the case (one request,
        one access record), e.g. staff cancelling a booking."""
        _check_client_id(client_id)
        return self._store(principal, case, text=Message.validate_text(text), client_id=client_id)

    def offer_booking(
        self, principal: Principal, case: Case, slots: list[OfferedTime], *, client_id: str
    ) -> tuple[Message, bool]:
        """Staff's offered times as a ``booking_offer`` message (the booking service checked scope and slots)."""
        _check_client_id(client_id)
        return self._store(
            principal,
            case,
            text=BOOKING_OFFER_TEXT,
            client_id=client_id,
            kind=MessageKind.BOOKING_OFFER,
            slot_ids=tuple(s.slot_id for s in slots),
            slots=tuple(slots),
        )

    def post_photo(self, principal: Principal, case_id: str, photo_id: str) -> tuple[Message, bool]:
        """The citizen's chat message showing a photo they added to the case; once per photo (a retry finds it)."""
        if principal.is_staff:
            raise Forbidden("Photos are added by citizens.", message_sv="Bilder läggs till av invånaren.")
        case = self._case_in_scope(principal, case_id)
        return self._store(
            principal,
            case,
            text=PHOTO_TEXT,
            client_id=f"{PHOTO_CLIENT_PREFIX}{photo_id}",
            kind=MessageKind.PHOTO,
            photo_id=photo_id,
        )

    def history(self, principal: Principal, case_id: str, *, after: int = 0) -> ChatHistory:
        """The messages after ``after`` and both sides' read marks; staff's reading is logged first."""
        case = self._case_in_scope(principal, case_id)
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "read_messages")
        messages = self._cases.messages(principal.tenant, case.case_id, after=max(0, after))
        return ChatHistory(messages, ReadState.of(self._reads.of_case(case.tenant, case.case_id)))

    def mark_read(self, principal: Principal, case_id: str, seq: int) -> ReadState:
        """Mark the caller's side as having read up to ``seq``. Only ever moves forward (a lower or equal mark is
        a no-op, so a retry is harmless); a move is pushed to the case's participants. Returns both marks."""
        case = self._case_in_scope(principal, case_id)
        if seq < 0 or seq > case.message_seq:
            raise ValidationFailed(
                f"seq {seq} is not a message of this case: its messages are numbered 1–{case.message_seq}.",
                field="seq",
                message_sv=f"Meddelande {seq} finns inte i ärendet; det har {case.message_seq} meddelanden.",
            )
        side = side_of(principal)
        moved = seq > 0 and self._reads.advance(
            case.tenant, case.case_id, side, seq, by=principal.subject, at=self._clock()
        )
        marks = self._reads.of_case(case.tenant, case.case_id)
        if moved:
            mark = marks[side]
            payload: dict[str, object] = {
                "type": "read",
                "case_id": case.case_id,
                "side": side,
                "seq": mark.seq,
                "read_at": mark.read_at.isoformat() if mark.read_at else None,
            }
            self._push_to(case, payload, principal.subject)
        return ReadState.of(marks)

    def _store(
        self,
        principal: Principal,
        case: Case,
        *,
        text: str,
        client_id: str,
        kind: MessageKind = MessageKind.TEXT,
        photo_id: str | None = None,
        slot_ids: tuple[str, ...] = (),
        slots: tuple[OfferedTime, ...] = (),
    ) -> tuple[Message, bool]:
        for attempt in range(ATTEMPTS):
            if attempt:
                case = self._case_in_scope(principal, case.case_id)
            seq = case.next_message_seq()
            message = Message(
                case_id=case.case_id,
                seq=seq,
                client_id=client_id,
                sender_kind=SenderKind.STAFF if principal.is_staff else SenderKind.CITIZEN,
                sender_id=principal.subject,
                sender_name=principal.display_name,
                text=text,
                sent_at=self._clock(),
                kind=kind,
                photo_id=photo_id,
                slot_ids=slot_ids,
                slots=slots,
            )
            try:
                stored, created = self._cases.append_message(case, message, now=self._clock())
            except Conflict:
                # Someone else took this sequence number: back off a little (with jitter) and read again.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # noqa: S311 - jitter, not security
                continue
            if created:
                # pushed first: the other side is waiting for it; the waiting room's statistics can follow
                self._push_to(case, {"type": "message", "message": message_payload(stored)}, principal.subject)
                if principal.is_staff and case.first_contact_at is None:
                    self._record_first_contact(case, stored)
            return stored, created
        raise Conflict(
            "The chat is very busy right now; please send the message again.",
            message_sv="Chatten är mycket upptagen just nu; skicka meddelandet igen.",
        )

    def _record_first_contact(self, case: Case, message: Message) -> None:
        """The waiting room's estimate learns how fast this unit takes cases (best effort: the message stands)."""
        try:
            self._stats.record_first_contact(case.tenant, case.unit_id, case.profession, case.case_id, message.sent_at)
        except Exception:
            logger.exception("could not record the first contact", extra={"case_id": case.case_id})

    def _push_to(self, case: Case, payload: dict[str, object], actor: str) -> None:
        """Best effort to the case's participants: the patient, the guardian who sent it, the staff member holding
        it, and whoever acted (their other tabs), the actor last: the others are waiting for the change, the actor's
        own page has it already. The change is stored already; clients resync by seq."""
        others = [case.patient_ref, case.submitted_by, case.claimed_by]
        recipients = [*dict.fromkeys(s for s in others if s and s != actor), actor]
        for subject in recipients:
            for connection_id in self._connections.of_subject(case.tenant, subject):
                try:
                    self._pusher.push(connection_id, payload)
                except ConnectionGone:
                    self._connections.remove(case.tenant, connection_id)
                except Exception:  # best effort: the change is stored; clients resync
                    logger.exception("push failed", extra={"connection_id": connection_id})


def _check_client_id(client_id: str) -> None:
    if not client_id or len(client_id) > CLIENT_ID_MAX:
        raise ValidationFailed(f"client_id must be 1–{CLIENT_ID_MAX} characters.", field="client_id")
    if client_id.startswith(PHOTO_CLIENT_PREFIX):
        raise ValidationFailed(
            f"client_id must not start with {PHOTO_CLIENT_PREFIX!r} (kept for photo messages).", field="client_id"
        )
