"""Keeping a unit's slots in line with its schedule: times the schedule no longer gives are removed while free, a
booked time is never removed (it is listed for staff instead), and who may change the schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from chalicelib.domain.booking import (
    Availability,
    ScheduleException,
    Slot,
    may_edit_schedule,
    plan_slots,
    require_may_edit_schedule,
    slots_for,
)
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole
from chalicelib.services.booking import BookingService

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 in Sweden
MONDAY = date(2026, 11, 23)


def availability(**changes: Any) -> Availability:
    fields: dict[str, Any] = {
        "availability_id": "a1",
        "unit_id": "U1",
        "staff_hsa_id": "SE-DOC-1",
        "staff_name": "Dr Berg",
        "profession": "doctor",
        "form": "physical",
        "length_minutes": 60,
        "location": "Mottagning 3",
        "weekdays": ("mon", "tue", "wed", "thu", "fri"),
        "start": time(8, 0),
        "end": time(12, 0),
        "valid_from": date(2026, 1, 1),
    }
    fields.update(changes)
    return Availability(**fields)


class FakeBookings:
    """The storage port of materialising, in memory. ``book_before_removal``: a citizen books these slots at the
    moment between the plan and the conditional delete."""

    def __init__(self, availability: list[Availability], exceptions: list[ScheduleException]) -> None:
        self.availability = availability
        self.exceptions = exceptions
        self.slots: dict[str, tuple[Slot, bool]] = {}
        self.book_before_removal: set[str] = set()

    def schedule_of(self, tenant: str, unit_id: str) -> tuple[list[Availability], list[ScheduleException]]:
        return self.availability, self.exceptions

    def unit_slots(self, tenant: str, unit_id: str, start: datetime, end: datetime) -> list[tuple[Slot, bool]]:
        return [(s, taken) for s, taken in self.slots.values() if start <= s.start <= end]

    def create_slots(self, tenant: str, unit_id: str, slots: list[Slot]) -> int:
        new = [s for s in slots if s.slot_id not in self.slots]
        self.slots.update({s.slot_id: (s, False) for s in new})
        return len(new)

    def change_free_slot(self, tenant: str, slot: Slot) -> bool:
        if self.slots[slot.slot_id][1]:
            return False
        self.slots[slot.slot_id] = (slot, False)
        return True

    def remove_free_slot(self, tenant: str, slot_id: str) -> bool:
        if slot_id in self.book_before_removal:
            self.book(slot_id)
        if self.slots[slot_id][1]:
            return False
        del self.slots[slot_id]
        return True

    def book(self, slot_id: str) -> None:
        self.slots[slot_id] = (self.slots[slot_id][0], True)


def service(store: FakeBookings) -> BookingService:
    unused: Any = None
    return BookingService(store, unused, unused, unused, unused, unused, clock=lambda: NOW)  # type: ignore[arg-type]


def starts(store: FakeBookings) -> list[str]:
    return sorted(f"{s.start:%m-%d %H:%M}" for s, _ in store.slots.values())


def test_a_new_holiday_removes_the_free_times_but_keeps_the_booked_one_and_lists_it() -> None:
    store = FakeBookings([availability()], [])
    jobs = service(store)
    first = jobs.materialise_unit("t", "U1", weeks=1)
    assert first.created == 5 * 4 and first.removed == 0 and first.affected == ()
    tuesday = [s for s, _ in store.slots.values() if s.start.date() == date(2026, 11, 24)]
    booked = sorted(tuesday, key=lambda s: s.start)[1]
    store.book(booked.slot_id)

    store.exceptions = [ScheduleException(first_day=date(2026, 11, 24), last_day=date(2026, 11, 24), reason="Kurs")]
    sync = jobs.materialise_unit("t", "U1", weeks=1)
    assert sync.removed == 3 and sync.created == 0
    assert [s.slot_id for s in sync.affected] == [booked.slot_id]
    left_on_tuesday = [s for s, _ in store.slots.values() if s.start.date() == date(2026, 11, 24)]
    assert left_on_tuesday == [booked] and store.slots[booked.slot_id][1]

    # removing the holiday brings the free times back; the booked one is untouched and no longer affected
    store.exceptions = []
    back = jobs.materialise_unit("t", "U1", weeks=1)
    assert back.created == 3 and back.affected == ()


def test_a_slot_booked_while_it_is_being_removed_stays_booked() -> None:
    store = FakeBookings([availability()], [])
    jobs = service(store)
    jobs.materialise_unit("t", "U1", weeks=1)
    racing = next(iter(store.slots))
    store.book_before_removal = {racing}
    store.availability = []
    sync = jobs.materialise_unit("t", "U1", weeks=1)
    assert [s.slot_id for s in sync.affected] == [racing]
    assert list(store.slots) == [racing] and store.slots[racing][1]
    assert sync.removed == 5 * 4 - 1


def test_shorter_days_and_a_new_place_change_only_the_free_slots() -> None:
    store = FakeBookings([availability()], [])
    jobs = service(store)
    jobs.materialise_unit("t", "U1", weeks=1)
    ten_monday = next(s for s, _ in store.slots.values() if f"{s.start:%d %H:%M}" == "23 09:00")  # 10:00 local
    store.book(ten_monday.slot_id)
    store.availability = [availability(end=time(10, 0), location="Mottagning 4")]
    sync = jobs.materialise_unit("t", "U1", weeks=1)
    assert sync.changed == 5 * 2  # every day's 08:00 and 09:00 (local), all free: now in Mottagning 4
    assert sync.removed == 5 * 2 - 1  # 10:00 and 11:00 on five days, less Monday 10:00 (booked)
    assert [s.slot_id for s in sync.affected] == [ten_monday.slot_id]
    assert {s.location for s, taken in store.slots.values() if not taken} == {"Mottagning 4"}
    assert store.slots[ten_monday.slot_id] == (ten_monday, True)


def test_times_that_have_passed_are_neither_made_nor_removed() -> None:
    late = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 local
    slots = slots_for(availability(), [], MONDAY, 1)
    plan = plan_slots(slots, [(s, False) for s in slots[:2]], late)
    assert [f"{s.start:%H:%M}" for s in plan.create] == ["10:00"]  # 11:00 local; 10:00 local started already
    assert plan.remove == [] and plan.change == [] and plan.affected == []
    gone = plan_slots([], [(s, False) for s in slots], late)
    assert [f"{s.start:%H:%M}" for s in gone.remove] == ["10:00"]


def staff(hsa: str, *roles: tuple[str, str]) -> Principal:
    return Principal("t", PrincipalKind.STAFF, hsa, hsa, "siths", "loa3", tuple(UnitRole(u, r) for u, r in roles))


def test_admins_change_everyones_schedule_staff_only_their_own() -> None:
    admin = staff("A", ("U1", "admin"))
    nurse = staff("N", ("U1", "nurse"))
    outsider = staff("X", ("U2", "admin"))
    assert may_edit_schedule(admin, "U1", "D", "doctor") and may_edit_schedule(admin, "U1", None, None)
    assert may_edit_schedule(nurse, "U1", "N", "nurse") and may_edit_schedule(nurse, "U1", "N", None)
    assert not may_edit_schedule(nurse, "U1", "N", "doctor")
    with pytest.raises(Forbidden):
        require_may_edit_schedule(nurse, "U1", "D", "doctor")
    with pytest.raises(Forbidden):
        require_may_edit_schedule(nurse, "U1", None, None)  # a holiday for the whole unit
    with pytest.raises(NotFound):
        require_may_edit_schedule(outsider, "U1", "X", None)


def test_overlapping_availability_of_one_person_is_found_and_bad_exceptions_are_refused() -> None:
    mornings = availability()
    assert mornings.overlaps(availability(availability_id="a2", form="video", start=time(11, 0), end=time(13, 0)))
    assert not mornings.overlaps(availability(availability_id="a2", start=time(12, 0), end=time(14, 0)))
    assert not mornings.overlaps(availability(availability_id="a2", staff_hsa_id="SE-DOC-2"))
    assert not mornings.overlaps(availability(availability_id="a2", weekdays=("sat",)))
    ended = availability(valid_to=date(2026, 6, 30))
    assert not ended.overlaps(availability(availability_id="a2", valid_from=date(2026, 7, 1)))
    with pytest.raises(ValidationFailed) as error:
        ScheduleException(first_day=MONDAY, last_day=MONDAY - timedelta(days=1))
    assert error.value.message_sv == "Slutdatumet är före startdatumet."
    with pytest.raises(ValidationFailed):
        ScheduleException(first_day=MONDAY, last_day=MONDAY, start=time(10, 0))
    with pytest.raises(ValidationFailed) as error:
        availability(start=time(8, 0), end=time(8, 30))
    assert error.value.field == "length_minutes"
