"""Video meetings, pure rules: who may join a meeting, where a signal may go, and the timeline events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.events import DomainEvent, events_from_change
from chalicelib.domain.video import (
    Endpoint,
    InterpreterGrant,
    Meeting,
    MeetingState,
    Signal,
    interpreter_subject,
    may_join,
    parse_signal,
    relay_targets,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MEETING = Meeting(
    tenant="t",
    meeting_id="m1",
    case_id="c1",
    unit_id="U1",
    patient_ref="patient",
    submitted_by="guardian",
    started_by="SE-S1",
    started_by_name="Syster Sara",
    started_at=NOW,
)
PATIENT = Endpoint("conn-p", "patient", "citizen")
NURSE = Endpoint("conn-n", "SE-S1", "staff")
TOLK = Endpoint("conn-t", interpreter_subject("m1", "g1"), "interpreter")
GRANT = InterpreterGrant("m1", "g1", NOW + timedelta(hours=4))


def _join(
    endpoint: Endpoint,
    meeting: Meeting = MEETING,
    *,
    staff: bool = False,
    grant: InterpreterGrant | None = None,
    now: datetime = NOW,
) -> bool:
    return may_join(meeting, endpoint, staff_can_handle=staff, grant=grant, now=now)


def test_the_patient_and_the_guardian_who_sent_the_case_may_join_but_another_citizen_may_not() -> None:
    assert _join(PATIENT)
    assert _join(Endpoint("conn-g", "guardian", "citizen"))
    assert not _join(Endpoint("conn-x", "someone-else", "citizen"))


def test_staff_join_only_when_they_can_handle_the_case() -> None:
    assert _join(NURSE, staff=True)
    assert not _join(NURSE, staff=False)


def test_an_interpreter_joins_only_the_meeting_of_their_grant_while_it_is_valid() -> None:
    assert _join(TOLK, grant=GRANT)
    assert not _join(TOLK, grant=None)
    assert not _join(TOLK, grant=GRANT, now=GRANT.expires_at)  # expired
    other_meeting = Meeting(**{**MEETING.__dict__, "meeting_id": "m2"})
    assert not _join(TOLK, other_meeting, grant=InterpreterGrant("m2", "g1", GRANT.expires_at))
    # a grant of another meeting does not open this one, even with a matching grant id
    assert not _join(Endpoint("conn-t2", interpreter_subject("m2", "g1"), "interpreter"), grant=GRANT)


def test_nobody_joins_an_ended_meeting() -> None:
    ended = MEETING.end("SE-S1", NOW + timedelta(minutes=20))
    assert ended.state is MeetingState.ENDED and ended.ended_at == NOW + timedelta(minutes=20)
    assert not _join(PATIENT, ended)
    assert not _join(NURSE, ended, staff=True)
    assert not _join(TOLK, ended, grant=GRANT)
    assert ended.end("SE-S1", NOW + timedelta(hours=1)) is ended  # a retried hang-up changes nothing


JOINED = {e.connection_id: e for e in (PATIENT, NURSE, TOLK)}


def test_an_addressed_signal_goes_to_that_participant_only() -> None:
    offer = Signal("m1", "offer", "conn-p", {"sdp": "v=0"})
    assert relay_targets(MEETING, "conn-n", JOINED, offer) == ["conn-p"]


def test_hello_and_bye_go_to_every_other_participant_and_never_back_to_the_sender() -> None:
    hello = Signal("m1", "hello", None, {})
    assert relay_targets(MEETING, "conn-t", JOINED, hello) == ["conn-n", "conn-p"]


def test_a_connection_outside_the_meeting_can_neither_send_nor_be_addressed() -> None:
    with pytest.raises(Forbidden):
        relay_targets(MEETING, "conn-stranger", JOINED, Signal("m1", "offer", "conn-p", {}))
    with pytest.raises(NotFound):
        relay_targets(MEETING, "conn-n", JOINED, Signal("m1", "offer", "conn-stranger", {}))
    with pytest.raises(NotFound):
        relay_targets(MEETING, "conn-n", JOINED, Signal("m1", "offer", "conn-n", {}))


def test_no_signal_is_relayed_after_the_meeting_ended() -> None:
    with pytest.raises(Conflict):
        relay_targets(MEETING.end("SE-S1", NOW), "conn-n", JOINED, Signal("m1", "candidate", "conn-p", {}))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "offer", "to": "x"}, "meeting_id"),
        ({"meeting_id": "m1", "kind": "shout"}, "kind"),
        ({"meeting_id": "m1", "kind": "offer"}, "to"),
        ({"meeting_id": "m1", "kind": "answer", "to": "x", "data": "sdp"}, "data"),
    ],
)
def test_a_malformed_signal_is_refused_naming_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_signal(body)
    assert refused.value.field == field


def test_video_start_and_end_become_timeline_events_of_the_case() -> None:
    started = {
        "type": "video_meeting",
        "tenant": "t",
        "case_id": "c1",
        "meeting_id": "m1",
        "state": "started",
        "started_by": "SE-S1",
        "started_at": "2026-11-26T09:00:00.000000+0000",
    }
    ended = {**started, "state": "ended", "ended_by": "SE-S1", "ended_at": "2026-11-26T09:20:00.000000+0000"}
    [start] = events_from_change(event_id="e1", entity="video_meeting", old=None, new=started)
    [end] = events_from_change(event_id="e2", entity="video_meeting", old=started, new=ended)
    assert (start.type, start.case_id, start.occurred_at) == ("VideoStarted", "c1", started["started_at"])
    assert (end.type, end.occurred_at, end.data["meeting_id"]) == ("VideoEnded", ended["ended_at"], "m1")
    assert DomainEvent.from_dict(end.to_dict()) == end  # the event queue accepts them
    assert events_from_change(event_id="e3", entity="video_meeting", old=ended, new=ended) == []
