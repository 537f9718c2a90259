"""Video meetings within a case, and who may relay WebRTC signalling to whom. Pure: standard library only.

A meeting belongs to one case. Staff who can handle the case start and end it. Its participants are the patient
(or the guardian who sent the case), staff who can handle the case, and interpreters holding a grant for this
meeting. A signal (offer, answer, ICE candidate, hello, bye) is relayed only between connections that have joined
this meeting, and only while it is live.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed

INTERPRETER_LINK_LIFETIME = timedelta(hours=4)  # a link, and the session made from it, live at most this long
SIGNAL_KINDS = frozenset({"hello", "offer", "answer", "candidate", "bye"})
MAX_SIGNAL_BYTES = 32 * 1024  # an SDP offer is a few kB; API Gateway frames are at most 32 kB
INTERPRETER_KIND = "interpreter"  # the kind of an interpreter's WebSocket connection


class MeetingState(enum.StrEnum):
    STARTED = "started"
    ENDED = "ended"


@dataclass(frozen=True)
class Meeting:
    tenant: str
    meeting_id: str
    case_id: str
    unit_id: str
    patient_ref: str
    started_by: str
    started_by_name: str
    started_at: datetime
    state: MeetingState = MeetingState.STARTED
    submitted_by: str | None = None  # the guardian who sent the case for their child
    ended_at: datetime | None = None
    ended_by: str | None = None
    version: int = 0

    @property
    def is_live(self) -> bool:
        return self.state is MeetingState.STARTED

    @property
    def citizens(self) -> frozenset[str]:
        """The citizens who may join: the patient, and the guardian who sent the case."""
        return frozenset(s for s in (self.patient_ref, self.submitted_by) if s)

    def end(self, by: str, now: datetime) -> Meeting:
        """The meeting as ended; ending an ended meeting again changes nothing (a retried hang-up)."""
        if not self.is_live:
            return self
        return replace(self, state=MeetingState.ENDED, ended_at=now, ended_by=by)


@dataclass(frozen=True)
class InterpreterGrant:
    """The meeting-scoped session an interpreter got for a one-time link: this meeting only, until it expires."""

    meeting_id: str
    grant_id: str
    expires_at: datetime

    def usable(self, meeting: Meeting, now: datetime) -> bool:
        return meeting.meeting_id == self.meeting_id and meeting.is_live and now < self.expires_at


def interpreter_subject(meeting_id: str, grant_id: str) -> str:
    """The subject an interpreter's connection carries: it names the one meeting and grant, nothing else."""
    return f"interpreter:{meeting_id}:{grant_id}"


def parse_interpreter_subject(subject: str) -> tuple[str, str] | None:
    parts = subject.split(":")
    if len(parts) != 3 or parts[0] != "interpreter" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


@dataclass(frozen=True)
class Endpoint:
    """A WebSocket connection as the relay sees it: whose it is."""

    connection_id: str
    subject: str
    kind: str  # "citizen", "staff" or "interpreter"


@dataclass(frozen=True)
class Signal:
    meeting_id: str
    kind: str
    to: str | None  # a participant's connection id; None for hello and bye (to everyone else in the meeting)
    data: dict[str, object]


def parse_signal(body: dict[str, object]) -> Signal:
    """A signalling frame from a client; ValidationFailed says what is wrong with it."""
    meeting_id = body.get("meeting_id")
    kind = body.get("kind")
    to = body.get("to")
    data = body.get("data", {})
    if not isinstance(meeting_id, str) or not 1 <= len(meeting_id) <= 64:
        raise ValidationFailed("A signal names its meeting_id.", field="meeting_id")
    if kind not in SIGNAL_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(sorted(SIGNAL_KINDS))}.", field="kind")
    if to is not None and (not isinstance(to, str) or not 1 <= len(to) <= 128):
        raise ValidationFailed("to must be a participant id.", field="to")
    if kind in ("offer", "answer", "candidate") and not to:
        raise ValidationFailed(f"An {kind} is sent to one participant: give to.", field="to")
    if not isinstance(data, dict):
        raise ValidationFailed("data must be an object.", field="data")
    return Signal(meeting_id, str(kind), to if isinstance(to, str) else None, dict(data))


def may_join(
    meeting: Meeting, endpoint: Endpoint, *, staff_can_handle: bool, grant: InterpreterGrant | None, now: datetime
) -> bool:
    """Whether a connection may join the meeting: the case's citizen, staff who can handle the case, or an
    interpreter whose grant is for this meeting and still valid. Nobody joins an ended meeting."""
    if not meeting.is_live:
        return False
    if endpoint.kind == "citizen":
        return endpoint.subject in meeting.citizens
    if endpoint.kind == "staff":
        return staff_can_handle
    if endpoint.kind == INTERPRETER_KIND:
        parsed = parse_interpreter_subject(endpoint.subject)
        return grant is not None and parsed == (meeting.meeting_id, grant.grant_id) and grant.usable(meeting, now)
    return False


def relay_targets(meeting: Meeting, sender: str, joined: dict[str, Endpoint], signal: Signal) -> list[str]:
    """The connection ids a signal goes to: the other joined participants of this meeting (one when it is
    addressed), never anyone else. The sender must have joined; the addressee must be in the meeting."""
    if not meeting.is_live:
        raise Conflict("The video meeting has ended.", message_sv="Videomötet har avslutats.")
    if sender not in joined:
        raise Forbidden("You are not a participant of this meeting.", message_sv="Du deltar inte i det här mötet.")
    if signal.to is not None:
        if signal.to == sender or signal.to not in joined:
            raise NotFound("That participant is not in the meeting.", message_sv="Deltagaren finns inte i mötet.")
        return [signal.to]
    return sorted(c for c in joined if c != sender)


def meeting_not_found() -> NotFound:
    return NotFound("The video meeting could not be found.", message_sv="Videomötet finns inte.")
