"""Booking rules: slots from a weekly pattern in Swedish time (DST), exceptions, open booking, limits, events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from chalicelib.domain.booking import (
    Availability,
    Booking,
    BookingState,
    ScheduleException,
    SelfBookingRule,
    require_open_booking,
    require_slot_fits,
    slot_id_for,
    slots_for,
)
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.events import events_from_change
from chalicelib.domain.model import Case

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


def availability(**changes: object) -> Availability:
    fields: dict[str, object] = {
        "availability_id": "a1",
        "unit_id": "U1",
        "staff_hsa_id": "SE-DOC-1",
        "staff_name": "Dr Berg",
        "profession": "doctor",
        "form": "physical",
        "length_minutes": 30,
        "location": "Storgatan 1, Huskvarna",
        "weekdays": ("mon", "tue", "wed", "thu", "fri"),
        "start": time(8, 0),
        "end": time(10, 0),
        "valid_from": date(2026, 1, 1),
    }
    fields.update(changes)
    return Availability(**fields)  # type: ignore[arg-type]


def case(**changes: object) -> Case:
    deadline = (NOW + timedelta(days=7)).isoformat()
    made = Case.submit(
        case_id="c1",
        tenant="t",
        unit_id="U1",
        patient_ref="p1",
        reason="Ont i knät",
        free_text="",
        priority="P4",
        profession="doctor",
        now=NOW,
        disposition="physical",
        triage={"deadline": deadline},
    )
    for key, value in changes.items():
        object.__setattr__(made, key, value)
    return made


RULE = SelfBookingRule(professions=frozenset({"doctor"}), priorities=frozenset({"P3", "P4"}), cancel_limit_hours=24)


def test_a_weekday_morning_gives_slots_of_the_set_length_in_swedish_time() -> None:
    slots = slots_for(availability(), [], date(2026, 11, 23), 1)
    # 08:00–10:00 in November (UTC+1) is 07:00–09:00 UTC: four half hours
    assert [s.start.strftime("%H:%M") for s in slots] == ["07:00", "07:30", "08:00", "08:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert {s.location for s in slots} == {"Storgatan 1, Huskvarna"}


def test_weekends_and_days_outside_the_validity_have_no_slots() -> None:
    saturday = date(2026, 11, 28)
    assert slots_for(availability(), [], saturday, 2) == []
    ended = availability(valid_to=date(2026, 11, 22))
    assert slots_for(ended, [], date(2026, 11, 23), 5) == []


def test_the_same_wall_clock_time_moves_in_utc_across_the_change_to_summer_time() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday before is UTC+1, Monday after is UTC+2.
    every_day = availability(weekdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"), end=time(8, 30))
    slots = slots_for(every_day, [], date(2026, 3, 27), 4)
    assert [s.start.isoformat() for s in slots] == [
        "2026-03-27T07:00:00+00:00",
        "2026-03-28T07:00:00+00:00",
        "2026-03-29T06:00:00+00:00",
        "2026-03-30T06:00:00+00:00",
    ]


def test_wall_clock_times_that_do_not_exist_on_the_spring_night_are_skipped() -> None:
    night = availability(weekdays=("sun",), start=time(1, 0), end=time(4, 0), length_minutes=60)
    slots = slots_for(night, [], date(2026, 3, 29), 1)
    # 01:00 (UTC+1) and 03:00 (UTC+2) exist; 02:00 does not, and 01:00–02:00 ends in the gap
    assert [s.start.isoformat() for s in slots] == ["2026-03-29T01:00:00+00:00"]


def test_autumn_change_keeps_slots_at_the_same_local_time() -> None:
    slots = slots_for(availability(weekdays=("fri", "mon"), end=time(8, 30)), [], date(2026, 10, 23), 4)
    assert [s.start.strftime("%d %H:%M") for s in slots] == ["23 06:00", "26 07:00"]


def test_a_holiday_removes_the_whole_day_for_everyone_and_absence_only_that_person() -> None:
    holiday = ScheduleException(first_day=date(2026, 12, 24), last_day=date(2026, 12, 25), reason="Jul")
    week = slots_for(availability(), [holiday], date(2026, 12, 21), 5)
    assert {s.start.date() for s in week} == {date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23)}
    absence = ScheduleException(first_day=date(2026, 12, 21), last_day=date(2026, 12, 21), staff_hsa_id="SE-OTHER")
    assert len(slots_for(availability(), [absence], date(2026, 12, 21), 1)) == 4


def test_an_exception_with_times_removes_only_the_slots_it_overlaps() -> None:
    meeting = ScheduleException(
        first_day=date(2026, 11, 23),
        last_day=date(2026, 11, 23),
        staff_hsa_id="SE-DOC-1",
        start=time(8, 30),
        end=time(9, 15),
    )
    slots = slots_for(availability(), [meeting], date(2026, 11, 23), 1)
    # local 08:30 and 09:00 overlap 08:30–09:15; 08:00 and 09:30 (07:00 and 08:30 UTC) are left
    assert [s.start.strftime("%H:%M") for s in slots] == ["07:00", "08:30"]


def test_slot_ids_are_the_same_every_time_and_differ_per_person_and_time() -> None:
    first = slots_for(availability(), [], date(2026, 11, 23), 1)
    again = slots_for(availability(), [], date(2026, 11, 23), 1)
    assert [s.slot_id for s in first] == [s.slot_id for s in again]
    assert len({s.slot_id for s in first}) == 4
    assert slot_id_for("SE-A", first[0].start) != slot_id_for("SE-B", first[0].start)


def test_invalid_availability_is_refused_with_the_field_named() -> None:
    with pytest.raises(ValidationFailed) as error:
        availability(end=time(7, 0))
    assert error.value.field == "end"
    with pytest.raises(ValidationFailed):
        availability(form="telepathy")


def test_open_booking_needs_a_visit_disposition_and_the_tenants_rule() -> None:
    require_open_booking(case(), RULE)
    with pytest.raises(Conflict) as chat_case:
        require_open_booking(case(disposition="chat"), RULE)
    assert "besök" in (chat_case.value.message_sv or "")
    with pytest.raises(Conflict) as nurse:
        require_open_booking(case(profession="nurse"), RULE)
    assert "Mottagningen kontaktar dig" in (nurse.value.message_sv or "")
    with pytest.raises(Conflict):
        require_open_booking(case(priority="P2"), RULE)


def test_the_region_setting_becomes_the_rule_and_unknown_values_are_ignored() -> None:
    rule = SelfBookingRule.of_region(
        {"self_booking": {"professions": ["doctor", "wizard"], "priorities": ["P4"], "cancel_limit_hours": 48}}
    )
    assert rule.professions == frozenset({"doctor"})
    assert rule.cancel_limit == timedelta(hours=48)
    assert SelfBookingRule.of_region({}).professions == frozenset()  # nothing self-bookable by default


def test_a_units_own_rule_replaces_the_regions_and_without_one_the_regions_applies() -> None:
    region = {"self_booking": {"professions": ["doctor"], "priorities": ["P3", "P4"], "cancel_limit_hours": 24}}
    off = {"name": "VC Huskvarna", "self_booking": {"professions": [], "priorities": [], "cancel_limit_hours": 24}}
    rule = SelfBookingRule.of_unit(off, region)
    assert rule == SelfBookingRule(cancel_limit_hours=24)
    with pytest.raises(Conflict):
        require_open_booking(case(), rule)  # the region allows it; this unit does not
    own = {"self_booking": {"professions": ["doctor"], "priorities": ["P2"], "cancel_limit_hours": 2}}
    rule = SelfBookingRule.of_unit(own, {})  # the unit allows what the region (nothing) does not
    require_open_booking(case(priority="P2"), rule)
    assert rule.cancel_limit == timedelta(hours=2)
    with pytest.raises(Conflict):
        require_open_booking(case(), rule)  # P4: the region's priorities do not add to the unit's
    for without in ({"name": "VC Huskvarna"}, {"self_booking": None}, None):
        assert SelfBookingRule.of_unit(without, region) == SelfBookingRule.of_region(region)


def test_a_slot_after_the_deadline_or_in_the_past_or_elsewhere_does_not_fit() -> None:
    slots = slots_for(availability(), [], date(2026, 11, 24), 14)
    require_slot_fits(case(), slots[0], NOW)
    late = next(s for s in slots if s.start > NOW + timedelta(days=7))
    with pytest.raises(ValidationFailed) as error:
        require_slot_fits(case(), late, NOW)
    assert "senare" in (error.value.message_sv or "")
    require_slot_fits(case(), late, NOW, check_deadline=False)  # an offered time may be later
    with pytest.raises(ValidationFailed):
        require_slot_fits(case(), slots[0], slots[0].start)
    with pytest.raises(ValidationFailed):
        require_slot_fits(case(unit_id="U2"), slots[0], NOW)


def booking(start_in: timedelta) -> Booking:
    slot = slots_for(availability(), [], date(2026, 11, 23), 1)[0]
    moved = type(slot)(**{**slot.__dict__, "start": NOW + start_in, "end": NOW + start_in + timedelta(minutes=30)})
    return Booking("c1.1", "t", "c1", "U1", "p1", moved, BookingState.BOOKED, NOW, "p1")


def test_the_citizen_can_cancel_until_the_limit_and_the_refusal_names_it() -> None:
    early = booking(timedelta(hours=25)).cancel_by_citizen("p1", NOW, timedelta(hours=24))
    assert early.state is BookingState.CANCELLED and early.cancelled_at == NOW
    with pytest.raises(Conflict) as late:
        booking(timedelta(hours=23)).cancel_by_citizen("p1", NOW, timedelta(hours=24))
    assert "24 timmar" in (late.value.message_sv or "")


def test_staff_cancel_any_time_but_must_write_a_message() -> None:
    soon = booking(timedelta(minutes=10))
    cancelled = soon.cancel_by_staff("SE-DOC-1", "Doktorn är sjuk", NOW)
    assert cancelled.state is BookingState.CANCELLED and cancelled.reason == "Doktorn är sjuk"
    with pytest.raises(ValidationFailed):
        soon.cancel_by_staff("SE-DOC-1", "  ", NOW)
    with pytest.raises(Conflict):
        cancelled.cancel_by_staff("SE-DOC-1", "igen", NOW)


def test_no_show_only_once_the_time_has_started() -> None:
    with pytest.raises(Conflict):
        booking(timedelta(hours=1)).mark_no_show("SE-DOC-1", NOW)
    assert booking(timedelta(hours=-1)).mark_no_show("SE-DOC-1", NOW).state is BookingState.NO_SHOW


def test_reminder_is_due_within_a_day_once() -> None:
    assert booking(timedelta(hours=20)).reminder_due(NOW)
    assert not booking(timedelta(hours=30)).reminder_due(NOW)
    assert not booking(timedelta(hours=-1)).reminder_due(NOW)
    reminded = booking(timedelta(hours=20))
    object.__setattr__(reminded, "reminder_sent_at", NOW)
    assert not reminded.reminder_due(NOW)


def test_booking_ids_count_the_cases_bookings_and_name_the_case() -> None:
    first = booking(timedelta(hours=30))
    assert Booking.new_id("c1", None) == "c1.1"
    assert Booking.new_id("c1", first) == "c1.2"
    assert Booking.case_of("c1.2") == "c1"


def _image(state: str, slot_id: str = "s1", **extra: object) -> dict[str, object]:
    return {
        "tenant": "t",
        "case_id": "c1",
        "booking_id": "c1.1",
        "slot_id": slot_id,
        "starts_at": "2026-11-30T07:00:00+00:00",
        "form": "physical",
        "state": state,
        "updated_at": "2026-11-23T08:00:00+00:00",
        **extra,
    }


def test_booking_changes_become_timeline_events_without_health_data() -> None:
    def types(old: dict[str, object] | None, new: dict[str, object]) -> list[str]:
        return [e.type for e in events_from_change(event_id="e", entity="booking", old=old, new=new)]

    assert types(None, _image("booked")) == ["AppointmentBooked"]
    assert types(_image("booked"), _image("booked", "s2")) == ["AppointmentRescheduled"]
    assert types(_image("booked"), _image("cancelled")) == ["AppointmentCancelled"]
    assert types(_image("booked"), _image("no_show")) == ["AppointmentNoShow"]
    assert types(_image("booked"), _image("booked", reminder_sent_at="x")) == ["AppointmentReminderDue"]
    assert types(_image("cancelled"), _image("booked", booking_id="c1.2")) == ["AppointmentBooked"]
    assert types(_image("cancelled"), _image("cancelled")) == []
    event = events_from_change(event_id="e", entity="booking", old=None, new=_image("booked"))[0]
    assert set(event.data) == {"booking_id", "starts_at", "form"}
