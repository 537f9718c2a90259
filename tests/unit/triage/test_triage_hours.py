"""Routing by opening hours: a closed unit sends chat/video/physical to 1177 or the jourcentral."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.triage import Disposition, Library, Priority, choose_contact, route_for_hours

from .helpers import ADULT_MAN, COLD_UNCOMPLICATED, NOW, finish

URGENT_CHAT = {**COLD_UNCOMPLICATED, "breathing": "yes"}  # P2 chat


def test_open_unit_changes_nothing(library: Library) -> None:
    result = finish(library, URGENT_CHAT)
    assert route_for_hours(result, True, "call_1177") == result


@pytest.mark.parametrize(
    ("target", "disposition", "word"),
    [("call_1177", Disposition.CALL_1177, "1177"), ("jourcentral", Disposition.PHYSICAL, "jourcentral")],
)
def test_closed_unit_sends_chat_to_the_after_hours_target(
    library: Library, target: str, disposition: Disposition, word: str
) -> None:
    result = finish(library, URGENT_CHAT)
    routed = route_for_hours(result, False, target)  # type: ignore[arg-type]
    assert routed.disposition is disposition
    assert routed.priority is result.priority and routed.deadline == result.deadline
    assert word in routed.explanation.sv


def test_closed_unit_leaves_emergencies_and_self_care_alone(library: Library) -> None:
    emergency = finish(library, {**ADULT_MAN, "rf_stroke": "yes"})
    self_care = finish(library, COLD_UNCOMPLICATED)
    assert route_for_hours(emergency, False, "call_1177") == emergency
    assert route_for_hours(self_care, False, "call_1177") == self_care


def test_closed_unit_sends_a_p1_chat_to_112(library: Library) -> None:
    p1_chat = finish(library, COLD_UNCOMPLICATED, free_text="jag vill ta livet av mig")
    assert (p1_chat.priority, p1_chat.disposition) == (Priority.P1, Disposition.CHAT)
    assert route_for_hours(p1_chat, False, "jourcentral").disposition is Disposition.EMERGENCY_112


def test_what_can_wait_for_the_unit_to_open_is_not_rerouted(library: Library) -> None:
    routine = finish(library, {**COLD_UNCOMPLICATED, "duration_days": 30})  # P4 chat
    assert routine.priority is Priority.P4
    assert route_for_hours(routine, False, "call_1177", next_opening=NOW + timedelta(hours=12)) == routine
    urgent = finish(library, URGENT_CHAT)
    assert route_for_hours(urgent, False, "call_1177", next_opening=NOW + timedelta(hours=12)).disposition is (
        Disposition.CALL_1177
    )


def test_p5_contact_after_self_care_waits_for_the_unit(library: Library) -> None:
    p5 = choose_contact(finish(library, COLD_UNCOMPLICATED), NOW)
    assert route_for_hours(p5, False, "call_1177") == p5
