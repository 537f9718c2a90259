"""Booking use cases: free times for a case, book, reschedule, cancel, the .ics confirmation, the unit's calendar,
no-show, offered times from the chat, and the scheduled jobs (slots kept ready, reminders due).

Citizens reach only their own cases (others: NotFound); staff only bookings of their units, and every staff read of
a booking is written to the access log first, one record per patient shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from chalicelib.adapters.booking import DynamoBookings
from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoIdempotency
from chalicelib.domain import policy
from chalicelib.domain.booking import (
    ADMIN_ROLE,
    BOOKABLE_DISPOSITIONS,
    SWEDISH_TIME,
    VISIT_FORMS,
    Availability,
    Booking,
    BookingState,
    ScheduleEntry,
    ScheduleException,
    SelfBookingRule,
    Slot,
    SlotTaken,
    is_schedule_admin,
    plan_slots,
    require_may_edit_schedule,
    require_open_booking,
    require_slot_fits,
    require_works_at,
    slots_for,
)
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Case, MessageKind, OfferedTime, Principal, PrincipalKind
from chalicelib.services.audit import AuditService
from chalicelib.services.cases import request_hash
from chalicelib.services.chat import ChatService
from chalicelib.services.ports import Clock

HORIZON_WEEKS = 4  # slots kept ready this far ahead
ALTERNATIVES = 5
MAX_OFFERED = 10
SEARCH_WITHOUT_DEADLINE = timedelta(weeks=HORIZON_WEEKS)
FORM_NAMES_SV = {"physical": "Besök", "video": "Videomöte", "phone": "Telefonsamtal"}
T = TypeVar("T", Availability, ScheduleException)
SCHEDULE_KIND_NAMES = {"availability": ("availability", "Tillgängligheten"), "exception": ("exception", "Undantaget")}
SCHEDULE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # client-made ids of availability and exceptions


@dataclass(frozen=True)
class BookingOverview:
    booking: Booking | None
    can_self_book: bool
    offered_free: int
    rule: SelfBookingRule  # the unit's, read once for the request


@dataclass(frozen=True)
class CalendarEntry:
    booking: Booking
    case: Case


@dataclass(frozen=True)
class SlotSync:
    """What bringing a unit's slots in line with its schedule did. ``affected``: booked times the schedule no
    longer gives; they stay booked, for staff to move or cancel."""

    created: int = 0
    changed: int = 0
    removed: int = 0
    affected: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class ScheduleStaff:
    hsa_id: str
    name: str
    professions: tuple[str, ...]  # held at the unit (not ``admin``)


@dataclass(frozen=True)
class UnitSchedule:
    unit_id: str
    unit_name: str
    can_edit_all: bool  # an administrator of the unit
    availability: list[ScheduleEntry[Availability]]
    exceptions: list[ScheduleEntry[ScheduleException]]
    staff: list[ScheduleStaff]  # whom the caller may schedule: the unit's staff (admin) or only themselves


@dataclass(frozen=True)
class ScheduleChange(Generic[T]):
    """A saved or removed availability or exception (``entry`` None: removed), whether it was new, and the slots
    brought in line at once."""

    entry: ScheduleEntry[T] | None
    created: bool
    sync: SlotSync


def _changed(kind_en: str, kind_sv: str, entry: ScheduleEntry[Any]) -> Conflict:
    name = entry.updated_by_name or entry.updated_by or "someone"
    if entry.removed:
        return Conflict(
            f"The {kind_en} was removed by {name}; reload the schedule.",
            message_sv=f"{kind_sv} har tagits bort av {name}. Läs in schemat igen.",
        )
    return Conflict(
        f"The {kind_en} was changed by {name} after you opened it. Reload it to see that change, then make yours.",
        message_sv=f"{kind_sv} har ändrats av {name} sedan du öppnade den. Läs in schemat igen och gör sedan "
        "din ändring.",
    )


def _require_schedule_id(value: str, name: str) -> None:
    if not SCHEDULE_ID.match(value or ""):
        raise ValidationFailed(
            f"{name} is 8–64 of A–Z a–z 0–9 - _.", field=name, message_sv="Id:t har fel form (8–64 tecken)."
        )


def _entry_not_found() -> NotFound:
    return NotFound(
        "There is no such entry in the unit's schedule (it may have been removed).",
        message_sv="Det finns inte i enhetens schema (det kan ha tagits bort).",
    )


class BookingService:
    def __init__(
        self,
        bookings: DynamoBookings,
        cases: DynamoCases,
        directory: DynamoDirectory,
        idempotency: DynamoIdempotency,
        audit: AuditService,
        chat: ChatService,
        *,
        clock: Clock,
    ) -> None:
        self._bookings = bookings
        self._cases = cases
        self._directory = directory
        self._idempotency = idempotency
        self._audit = audit
        self._chat = chat
        self._clock = clock

    # --- citizen ---

    def rule(self, tenant: str, unit_id: str) -> SelfBookingRule:
        """The open-booking rule at the unit: its own when its settings hold one, else the region's (a get each).
        A citizen's booking request reads it once and returns it with its answer (the cancellation limit)."""
        return self._rule_of(tenant, self._directory.unit(tenant, unit_id) or {})

    def _rule_of(self, tenant: str, unit: dict[str, Any]) -> SelfBookingRule:
        """The rule at a unit already read from the directory (the region is read only when the unit has none)."""
        region = {} if unit.get("self_booking") is not None else self._directory.region(tenant)
        return SelfBookingRule.of_unit(unit, region)

    def free_slots(
        self, principal: Principal, case_id: str, form: str | None
    ) -> tuple[Case, list[Slot], SelfBookingRule]:
        """The case, the free times of its profession at its unit before its deadline (one Query), and the unit's
        rule; Conflict when the citizen may not book themselves."""
        case = self._own_case(principal, case_id)
        rule = self.rule(case.tenant, case.unit_id)
        require_open_booking(case, rule)
        return case, self._free_for(case, self._form(case, form)), rule

    def slots_to_offer(self, case: Case, form: str) -> list[Slot]:
        """Free times staff can offer for a case they have opened (its access is logged by that read)."""
        if form not in VISIT_FORMS:
            raise ValidationFailed(f"form must be one of {', '.join(VISIT_FORMS)}.", field="form")
        now = self._clock()
        return self._bookings.free_slots(
            case.tenant, case.unit_id, case.profession, form, now, now + SEARCH_WITHOUT_DEADLINE
        )

    def offered_slots(self, principal: Principal, case_id: str) -> tuple[Case, list[Slot]]:
        """The times staff offered in the case's chat that are still free and ahead, by time."""
        case = self._own_case(principal, case_id)
        now = self._clock()
        found = [self._bookings.slot(case.tenant, slot_id) for slot_id in sorted(self.offered_slot_ids(case))]
        free = [slot for slot, taken in (f for f in found if f is not None) if taken is None and slot.start > now]
        return case, sorted(free, key=lambda s: s.start)

    def offered_slot_ids(self, case: Case) -> set[str]:
        """The times staff offered in the case's chat."""
        messages = self._cases.messages(case.tenant, case.case_id)
        return {s for m in messages if m.kind is MessageKind.BOOKING_OFFER for s in (m.slot_ids or ())}

    def overview(self, principal: Principal, case_id: str) -> BookingOverview:
        """What the case page shows: the booking (if any), whether the citizen may book themselves, and how many
        offered times are still free, so the page asks for times only when there are some to show."""
        case, offered = self.offered_slots(principal, case_id)
        rule = self.rule(case.tenant, case.unit_id)
        try:
            require_open_booking(case, rule)
            can_self_book = True
        except Conflict:
            can_self_book = False
        return BookingOverview(self._bookings.current(case.tenant, case.case_id), can_self_book, len(offered), rule)

    def book(
        self, principal: Principal, case_id: str, slot_id: str, *, idempotency_key: str
    ) -> tuple[Booking, SelfBookingRule]:
        """Take the slot for the case: open booking, or one of the times staff offered in the chat. SlotTaken (with
        fresh alternatives) when someone else was first; a retry with the same key returns the booking. With the
        unit's rule."""
        case = self._own_case(principal, case_id)
        rule = self.rule(case.tenant, case.unit_id)
        digest = request_hash({"kind": "book", "case_id": case_id, "slot_id": slot_id})
        replay = self._replay(principal, idempotency_key, digest, case)
        if replay is not None:
            return replay, rule
        current = self._bookings.current(case.tenant, case.case_id)
        if current is not None and current.active:
            if current.slot.slot_id == slot_id:
                return current, rule  # a double click with a new key: the same booking
            raise Conflict(
                "The case already has a booked time; change it instead.",
                message_sv="Du har redan en bokad tid i ärendet. Ändra den i stället.",
            )
        try:
            slot = self._bookable(case, slot_id, rule)
            now = self._clock()
            booking = Booking(
                booking_id=Booking.new_id(case.case_id, current),
                tenant=case.tenant,
                case_id=case.case_id,
                unit_id=case.unit_id,
                patient_ref=case.patient_ref,
                slot=slot,
                state=BookingState.BOOKED,
                created_at=now,
                created_by=principal.subject,
                version=current.version if current is not None else 0,
                updated_at=now,
            )
            try:
                booked = self._bookings.book(
                    booking, now=now, idempotency=(principal.subject, idempotency_key, digest, {"slot_id": slot_id})
                )
            except SlotTaken as taken:
                raise SlotTaken(self._alternatives(case, slot)) from taken
        except Conflict as lost:
            booked = self._booked_meanwhile(case, slot_id, lost)
        return booked, rule

    def reschedule(
        self, principal: Principal, case_id: str, slot_id: str, *, idempotency_key: str
    ) -> tuple[Booking, SelfBookingRule]:
        """Move the booking to another free time in one transaction (old slot released, new taken, booking
        changed), up to the unit's limit before the booked time. With the unit's rule."""
        case = self._own_case(principal, case_id)
        rule = self.rule(case.tenant, case.unit_id)
        digest = request_hash({"kind": "reschedule", "case_id": case_id, "slot_id": slot_id})
        replay = self._replay(principal, idempotency_key, digest, case)
        if replay is not None:
            return replay, rule
        current = self._bookings.current(case.tenant, case.case_id)
        if current is None or not current.active:
            raise NotFound("There is no booked time to change.", message_sv="Det finns ingen bokad tid att ändra.")
        if current.slot.slot_id == slot_id:
            return current, rule
        now = self._clock()
        current.require_citizen_may_change(now, rule.cancel_limit)
        try:
            slot = self._bookable(case, slot_id, rule)
            moved = current.moved_to(slot, now)
            try:
                rebooked = self._bookings.move(
                    current,
                    moved,
                    now=now,
                    idempotency=(principal.subject, idempotency_key, digest, {"slot_id": slot_id}),
                )
            except SlotTaken as taken:
                raise SlotTaken(self._alternatives(case, slot)) from taken
        except Conflict as lost:
            rebooked = self._booked_meanwhile(case, slot_id, lost)
        return rebooked, rule

    def cancel(self, principal: Principal, case_id: str) -> tuple[Booking, SelfBookingRule]:
        """The citizen cancels up to the unit's limit before the time; cancelling again returns the cancelled
        booking (DELETE is idempotent). With the unit's rule."""
        case = self._own_case(principal, case_id)
        current = self._bookings.current(case.tenant, case.case_id)
        if current is None:
            raise NotFound("There is no booked time.", message_sv="Det finns ingen bokad tid.")
        rule = self.rule(case.tenant, case.unit_id)
        if current.state is BookingState.CANCELLED:
            return current, rule
        now = self._clock()
        cancelled = current.cancel_by_citizen(principal.subject, now, rule.cancel_limit)
        try:
            ended = self._bookings.end(cancelled, now=now, release=True)
        except Conflict as lost:
            ended = self._ended_meanwhile(case, cancelled, lost, by=None)
        return ended, rule

    def ics(self, principal: Principal, case_id: str) -> bytes:
        """The booked time as an iCalendar file: when, where and with which unit; no health data."""
        from icalendar import Calendar, Event

        case = self._own_case(principal, case_id)
        booking = self._bookings.current(case.tenant, case.case_id)
        if booking is None or not booking.active:
            raise NotFound("There is no booked time.", message_sv="Det finns ingen bokad tid.")
        unit = self._directory.unit(case.tenant, case.unit_id) or {}
        unit_name = str(unit.get("name") or case.unit_id)
        slot = booking.slot
        hours = self._rule_of(case.tenant, unit).cancel_limit_hours
        calendar = Calendar()
        calendar.add("prodid", "-//Nära//Bokning//SV")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        event = Event()
        event.add("uid", f"{booking.booking_id}@nara")
        event.add("dtstamp", self._clock())
        event.add("dtstart", slot.start.astimezone(UTC))
        event.add("dtend", slot.end.astimezone(UTC))
        event.add("summary", f"{FORM_NAMES_SV.get(slot.form, 'Besök')} – {unit_name}")
        event.add("location", slot.location or unit_name)
        event.add(
            "description",
            f"Bokad tid i Nära. Ändra eller avboka i Nära senast {hours} timmar innan, annars ring mottagningen.",
        )
        calendar.add_component(event)
        return bytes(calendar.to_ical())

    # --- staff ---

    def calendar(self, principal: Principal, unit_id: str, start: datetime, end: datetime) -> list[CalendarEntry]:
        """The unit's bookings in [start, end] (one Query); each patient shown is logged first."""
        if principal.kind is not PrincipalKind.STAFF or unit_id not in principal.units:
            raise NotFound("There is no such calendar.", message_sv="Kalendern finns inte.")
        if end <= start or end - start > timedelta(days=31):
            raise ValidationFailed(
                "Choose a range of at most 31 days, with 'to' after 'from'.",
                field="to",
                message_sv="Välj högst 31 dagar, med slutet efter början.",
            )
        entries: list[CalendarEntry] = []
        for booking in self._bookings.of_unit(principal.tenant, unit_id, start, end):
            case = self._cases.get(principal.tenant, booking.case_id)
            if case is None or not policy.can_view_case(principal, case):
                continue
            self._audit.record_case_access(principal, case, "read_booking")  # first: fails closed
            entries.append(CalendarEntry(booking, case))
        return entries

    def no_show(self, principal: Principal, booking_id: str) -> Booking:
        case, booking = self._staff_booking(principal, booking_id, "booking_no_show")
        if booking.state is BookingState.NO_SHOW:
            return booking  # a retry
        now = self._clock()
        marked = booking.mark_no_show(principal.subject, now)
        try:
            return self._bookings.end(marked, now=now, release=False)
        except Conflict as lost:
            return self._ended_meanwhile(case, marked, lost, by=principal.subject)

    def cancel_by_staff(self, principal: Principal, booking_id: str, message: str) -> Booking:
        """Staff cancel at any time, with a message to the patient (also posted in the case's chat when open)."""
        case, booking = self._staff_booking(principal, booking_id, "booking_cancel")
        if booking.state is BookingState.CANCELLED and booking.cancelled_by == principal.subject:
            return booking  # a retry
        now = self._clock()
        wanted = booking.cancel_by_staff(principal.subject, message, now)
        try:
            cancelled = self._bookings.end(wanted, now=now, release=True)
        except Conflict as lost:
            return self._ended_meanwhile(case, wanted, lost, by=principal.subject)  # its message is posted by it
        if case.is_open:
            text = f"Din bokade tid har avbokats av mottagningen. {cancelled.reason}"
            self._chat.post_in_logged_case(principal, case, text=text[:2000], client_id=f"cancel-{booking_id}")
        return cancelled

    def offer(self, principal: Principal, case_id: str, slot_ids: list[str], *, client_id: str) -> tuple[Any, bool]:
        """Staff offer times in the chat: a ``booking_offer`` message naming free slots that fit the case."""
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not principal.is_staff or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet hittades inte.")
        if not policy.can_handle_case(principal, case):
            raise Forbidden(
                f"This case is for a {case.profession}; only staff with that role at the unit can offer times.",
                message_sv="Ärendet gäller en annan yrkesroll än din på enheten.",
            )
        unique = list(dict.fromkeys(slot_ids))
        if not 1 <= len(unique) <= MAX_OFFERED:
            raise ValidationFailed(
                f"Offer 1–{MAX_OFFERED} times.", field="slot_ids", message_sv=f"Erbjud 1–{MAX_OFFERED} tider."
            )
        self._audit.record_case_access(principal, case, "offer_booking")  # first: fails closed
        now = self._clock()
        offered: list[OfferedTime] = []
        for slot_id in unique:
            found = self._bookings.slot(case.tenant, slot_id)
            if found is None:
                raise ValidationFailed(
                    f"No such time: {slot_id}.", field="slot_ids", message_sv="En av tiderna finns inte."
                )
            slot, taken = found
            require_slot_fits(case, slot, now, check_deadline=False)
            if taken is not None:
                raise SlotTaken(self._alternatives(case, slot))
            offered.append(OfferedTime(slot.slot_id, slot.start, slot.end, slot.form, slot.location, slot.staff_name))
        return self._chat.offer_booking(principal, case, offered, client_id=client_id)

    # --- schedule (availability and exceptions) ---

    def schedule(self, principal: Principal, unit_id: str) -> UnitSchedule:
        """The unit's availability and exceptions, for anyone who works there (not patient data: no access log),
        and the staff the caller may schedule."""
        require_works_at(principal, unit_id)
        availability, exceptions = self._bookings.schedule_entries(principal.tenant, unit_id)
        unit = self._directory.unit(principal.tenant, unit_id) or {}
        return UnitSchedule(
            unit_id=unit_id,
            unit_name=str(unit.get("name") or unit_id),
            can_edit_all=is_schedule_admin(principal, unit_id),
            availability=sorted(availability, key=lambda e: (e.value.staff_name, e.value.start, e.entry_id)),
            exceptions=sorted(exceptions, key=lambda e: (e.value.first_day, e.entry_id)),
            staff=self._schedulable(principal, unit_id),
        )

    def save_availability(
        self, principal: Principal, unit_id: str, availability_id: str, *, version: int | None, **fields: Any
    ) -> ScheduleChange[Availability]:
        """Create (``version`` None) or replace (the ``version`` it was made on) an availability; the unit's slots
        are brought in line at once. The same request again changes nothing and answers the stored one."""
        _require_schedule_id(availability_id, "availability_id")
        staff_hsa_id, profession = str(fields["staff_hsa_id"]), str(fields["profession"])
        require_may_edit_schedule(principal, unit_id, staff_hsa_id, profession)
        stored = self._bookings.availability_entry(principal.tenant, unit_id, availability_id)
        if stored is not None and not stored.removed:
            require_may_edit_schedule(principal, unit_id, stored.value.staff_hsa_id, stored.value.profession)
        wanted = Availability(
            availability_id=availability_id,
            unit_id=unit_id,
            staff_name=self._staff_name(principal, unit_id, staff_hsa_id, profession),
            **fields,
        )
        live, _ = self._bookings.schedule_entries(principal.tenant, unit_id)
        clash = next((e for e in live if e.entry_id != availability_id and e.value.overlaps(wanted)), None)
        if clash is not None:
            raise ValidationFailed(
                f"{wanted.staff_name} is already bookable then ({clash.value.profession}, "
                f"{clash.value.start:%H:%M}–{clash.value.end:%H:%M}); change the times, days or dates.",
                field="start",
                message_sv=f"{wanted.staff_name} är redan bokningsbar då ({clash.value.start:%H:%M}–"
                f"{clash.value.end:%H:%M} samma veckodagar). Ändra tider, dagar eller datum.",
            )
        entry, created = self._save(
            principal,
            stored,
            ScheduleEntry(availability_id, wanted),
            version,
            lambda e, expected: self._bookings.save_availability(principal.tenant, e, expected=expected),
            lambda: self._bookings.availability_entry(principal.tenant, unit_id, availability_id),
            SCHEDULE_KIND_NAMES["availability"],
        )
        return ScheduleChange(entry, created, self.materialise_unit(principal.tenant, unit_id))

    def save_exception(
        self,
        principal: Principal,
        unit_id: str,
        exception_id: str,
        exception: ScheduleException,
        *,
        version: int | None,
    ) -> ScheduleChange[ScheduleException]:
        """Create or replace an exception (a holiday for the whole unit, or one person's absence), as
        :meth:`save_availability`."""
        _require_schedule_id(exception_id, "exception_id")
        require_may_edit_schedule(principal, unit_id, exception.staff_hsa_id, None)
        stored = self._bookings.exception_entry(principal.tenant, unit_id, exception_id)
        if stored is not None and not stored.removed:
            require_may_edit_schedule(principal, unit_id, stored.value.staff_hsa_id, None)
        if exception.staff_hsa_id is not None:  # one person's absence: someone who works at the unit
            exception = replace(
                exception, staff_name=self._staff_name(principal, unit_id, exception.staff_hsa_id, None)
            )
        entry, created = self._save(
            principal,
            stored,
            ScheduleEntry(exception_id, exception),
            version,
            lambda e, expected: self._bookings.save_exception(principal.tenant, unit_id, e, expected=expected),
            lambda: self._bookings.exception_entry(principal.tenant, unit_id, exception_id),
            SCHEDULE_KIND_NAMES["exception"],
        )
        return ScheduleChange(entry, created, self.materialise_unit(principal.tenant, unit_id))

    def remove_availability(
        self, principal: Principal, unit_id: str, availability_id: str, *, version: int
    ) -> ScheduleChange[Availability]:
        """Remove an availability seen at ``version``; its free slots go at once, booked ones stay (``affected``).
        Removing it again (a retry) is done."""
        require_works_at(principal, unit_id)
        stored = self._bookings.availability_entry(principal.tenant, unit_id, availability_id)
        if stored is None:
            raise _entry_not_found()
        require_may_edit_schedule(principal, unit_id, stored.value.staff_hsa_id, stored.value.profession)
        return self._remove(principal, unit_id, "availability", stored, version)

    def remove_exception(
        self, principal: Principal, unit_id: str, exception_id: str, *, version: int
    ) -> ScheduleChange[ScheduleException]:
        """Remove an exception seen at ``version``: the slots it blocked become bookable at once."""
        require_works_at(principal, unit_id)
        stored = self._bookings.exception_entry(principal.tenant, unit_id, exception_id)
        if stored is None:
            raise _entry_not_found()
        require_may_edit_schedule(principal, unit_id, stored.value.staff_hsa_id, None)
        return self._remove(principal, unit_id, "exception", stored, version)

    def _save(
        self,
        principal: Principal,
        stored: ScheduleEntry[Any] | None,
        wanted: ScheduleEntry[Any],
        version: int | None,
        write: Callable[[ScheduleEntry[Any], int | None], ScheduleEntry[Any]],
        reread: Callable[[], ScheduleEntry[Any] | None],
        kind: tuple[str, str],
    ) -> tuple[ScheduleEntry[Any], bool]:
        """The version rules shared by availability and exceptions; (entry, created)."""
        if stored is not None and not stored.removed and stored.value == wanted.value:
            return stored, False  # a retry, or no change: nothing is written
        if stored is None or stored.removed:
            if version is not None and stored is not None:
                raise _changed(*kind, stored)  # edited on a version someone has removed since
            if version is not None:
                raise _entry_not_found()
            expected = stored.version if stored is not None else None  # a removed id may be used again
        elif version is None:
            raise Conflict(
                f"There is already an {kind[0]} with this id; reload the schedule to change it.",
                message_sv=f"{kind[1]} finns redan. Läs in schemat igen för att ändra den.",
            )
        elif version != stored.version:
            raise _changed(*kind, stored)
        else:
            expected = version
        now = self._clock()
        signed = replace(wanted, updated_by=principal.subject, updated_by_name=principal.display_name, updated_at=now)
        try:
            return write(signed, expected), stored is None or stored.removed
        except Conflict:
            again = reread()
            if again is not None and not again.removed and again.value == wanted.value:
                return again, False
            raise _changed(*kind, again or stored or signed) from None

    def _remove(
        self, principal: Principal, unit_id: str, kind: str, stored: ScheduleEntry[T], version: int
    ) -> ScheduleChange[T]:
        """Remove at ``version``; a retry of a removal made at that version is done (a removal bumps the version by
        one). Then the unit's slots follow."""
        names = SCHEDULE_KIND_NAMES[kind]
        done = stored.removed and stored.version == version + 1
        if not done and (stored.removed or stored.version != version):
            raise _changed(*names, stored)
        if not done:
            try:
                self._bookings.remove_entry(
                    principal.tenant,
                    unit_id,
                    kind,
                    stored.entry_id,
                    version=version,
                    by=principal.subject,
                    by_name=principal.display_name,
                    now=self._clock(),
                )
            except Conflict:
                again = (
                    self._bookings.availability_entry(principal.tenant, unit_id, stored.entry_id)
                    if kind == "availability"
                    else self._bookings.exception_entry(principal.tenant, unit_id, stored.entry_id)
                )
                if again is None or not again.removed or again.version != version + 1:
                    raise _changed(*names, again or stored) from None
        return ScheduleChange(None, False, self.materialise_unit(principal.tenant, unit_id))

    def _staff_name(self, principal: Principal, unit_id: str, hsa_id: str, profession: str | None) -> str:
        """The name of a staff member of the unit who holds ``profession`` there (any role when None); else
        ValidationFailed naming the field."""
        if hsa_id == principal.subject:
            name, held = principal.display_name, principal.professions_at(unit_id)
        else:
            person = self._directory.staff(principal.tenant, hsa_id) or {}
            name = str(person.get("name") or "")
            held = frozenset(r["role"] for r in person.get("roles") or () if r.get("unit_id") == unit_id)
        if not held:
            raise ValidationFailed(
                f"{hsa_id} does not work at this unit.",
                field="staff_hsa_id",
                message_sv="Personen arbetar inte på enheten.",
            )
        if profession is not None and profession not in held:
            raise ValidationFailed(
                f"{name or hsa_id} does not hold the role {profession} at this unit.",
                field="profession",
                message_sv=f"{name or hsa_id} har inte den yrkesrollen på enheten.",
            )
        return name or hsa_id

    def _schedulable(self, principal: Principal, unit_id: str) -> list[ScheduleStaff]:
        """Whom the caller may schedule: an administrator the unit's staff (one Query, then a read each), others
        only themselves."""
        if not is_schedule_admin(principal, unit_id):
            own = tuple(sorted(principal.professions_at(unit_id) - {ADMIN_ROLE}))
            return [ScheduleStaff(principal.subject, principal.display_name, own)] if own else []
        found: list[ScheduleStaff] = []
        for hsa_id in self._directory.staff_of_unit(principal.tenant, unit_id):
            person = self._directory.staff(principal.tenant, hsa_id) or {}
            held = sorted({r["role"] for r in person.get("roles") or () if r.get("unit_id") == unit_id} - {ADMIN_ROLE})
            if held:
                found.append(ScheduleStaff(hsa_id, str(person.get("name") or hsa_id), tuple(held)))
        return sorted(found, key=lambda p: (p.name, p.hsa_id))

    # --- scheduled ---

    def materialise(self, tenant: str, *, weeks: int = HORIZON_WEEKS) -> int:
        """Keep every unit's slots for the next ``weeks`` weeks in line with its schedule (idempotent). Returns how
        many slots were created."""
        return sum(
            self.materialise_unit(tenant, str(u["unit_id"]), weeks=weeks).created for u in self._directory.units(tenant)
        )

    def materialise_unit(self, tenant: str, unit_id: str, *, weeks: int = HORIZON_WEEKS) -> SlotSync:
        """The unit's slots from now to the horizon, in line with its availability and exceptions: missing slots
        created, free slots it no longer gives removed (conditional deletes: only while still free), free slots
        whose place or form changed updated. Booked slots are never touched; those the schedule no longer gives
        are returned in ``affected``. Two Queries (schedule, stored slots) and one write per difference."""
        now = self._clock()
        zone = ZoneInfo(SWEDISH_TIME)
        today = now.astimezone(zone).date()
        horizon = datetime.combine(today + timedelta(days=weeks * 7), time(0), tzinfo=zone).astimezone(UTC)
        availability, exceptions = self._bookings.schedule_of(tenant, unit_id)
        wanted = [s for a in availability for s in slots_for(a, exceptions, today, weeks * 7)]
        plan = plan_slots(wanted, self._bookings.unit_slots(tenant, unit_id, now, horizon), now)
        affected = list(plan.affected)
        changed = removed = 0
        for slot in plan.change:
            if self._bookings.change_free_slot(tenant, slot):
                changed += 1
            else:
                affected.append(slot)  # booked meanwhile: it keeps what it was booked as
        for slot in plan.remove:
            if self._bookings.remove_free_slot(tenant, slot.slot_id):
                removed += 1
            else:
                affected.append(slot)  # booked meanwhile: it stays
        created = self._bookings.create_slots(tenant, unit_id, plan.create)
        return SlotSync(created, changed, removed, tuple(sorted(affected, key=lambda s: (s.start, s.slot_id))))

    def reminders_due(self, tenant: str) -> list[Booking]:
        """Mark bookings starting within 24 h whose reminder is not yet due; each mark becomes one
        AppointmentReminderDue event (through the table's stream). Returns those marked by this run."""
        now = self._clock()
        marked: list[Booking] = []
        for unit in self._directory.units(tenant):
            for booking in self._bookings.of_unit(tenant, str(unit["unit_id"]), now, now + timedelta(hours=24)):
                if booking.reminder_due(now) and self._bookings.mark_reminded(booking, now=now):
                    marked.append(booking)
        return marked

    # --- helpers ---

    def _own_case(self, principal: Principal, case_id: str) -> Case:
        if principal.kind is not PrincipalKind.CITIZEN:
            raise NotFound("The case could not be found.")
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        return case

    def _staff_booking(self, principal: Principal, booking_id: str, action: str) -> tuple[Case, Booking]:
        case = self._cases.get(principal.tenant, Booking.case_of(booking_id)) if principal.is_staff else None
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The booking could not be found.", message_sv="Bokningen finns inte.")
        booking = self._bookings.current(case.tenant, case.case_id)
        if booking is None or booking.booking_id != booking_id:
            raise NotFound("The booking could not be found.", message_sv="Bokningen finns inte.")
        self._audit.record_case_access(principal, case, action)
        return case, booking

    def _form(self, case: Case, form: str | None) -> str:
        wanted = form or case.disposition or ""
        if wanted != case.disposition:
            raise ValidationFailed(
                f"This case is for a {case.disposition} visit.",
                field="form",
                message_sv="Ditt ärende gäller en annan besöksform.",
            )
        return wanted

    def _free_for(self, case: Case, form: str, *, exclude: str = "", limit: int = 200) -> list[Slot]:
        now = self._clock()
        end = case.deadline or now + SEARCH_WITHOUT_DEADLINE
        found = self._bookings.free_slots(case.tenant, case.unit_id, case.profession, form, now, end, limit=limit)
        return [s for s in found if s.slot_id != exclude and now < s.start <= end]

    def _alternatives(self, case: Case, slot: Slot) -> list[Slot]:
        return self._free_for(case, slot.form, exclude=slot.slot_id, limit=ALTERNATIVES + 1)[:ALTERNATIVES]

    def _bookable(self, case: Case, slot_id: str, rule: SelfBookingRule) -> Slot:
        """The slot, if this case may take it: an offered time, or an open-booking time within the unit's rule."""
        offered = slot_id in self.offered_slot_ids(case)
        if not offered:
            require_open_booking(case, rule)
        found = self._bookings.slot(case.tenant, slot_id)
        if found is None:
            raise NotFound("The time could not be found.", message_sv="Tiden finns inte.")
        slot, taken = found
        require_slot_fits(case, slot, self._clock(), check_deadline=not offered)
        if not offered and (slot.form not in BOOKABLE_DISPOSITIONS or slot.form != case.disposition):
            raise ValidationFailed(
                "This time is for another visit form.", field="slot_id", message_sv="Tiden gäller en annan besöksform."
            )
        if taken is not None:
            raise SlotTaken(self._alternatives(case, slot))
        return slot

    def _booked_meanwhile(self, case: Case, slot_id: str, lost: Conflict) -> Booking:
        """After a lost race: the case's booking if it now holds this very slot (the same request sent again, or
        clicked twice, while the first was being stored: that one's booking is the answer); else ``lost``."""
        current = self._bookings.current(case.tenant, case.case_id)
        if current is not None and current.active and current.slot.slot_id == slot_id:
            return current
        raise lost

    def _ended_meanwhile(self, case: Case, ended: Booking, lost: Conflict, *, by: str | None) -> Booking:
        """After a lost race to end a booking: the stored booking if it has ended so already (the same cancel or
        no-show sent twice at once, done by the other send; ``by``: only if that was done by them); else ``lost``."""
        again = self._bookings.current(case.tenant, case.case_id)
        if (
            again is not None
            and again.booking_id == ended.booking_id
            and again.state is ended.state
            and by in (None, again.cancelled_by)
        ):
            return again
        raise lost

    def _replay(self, principal: Principal, key: str, digest: str, case: Case) -> Booking | None:
        found = self._idempotency.find(principal.tenant, principal.subject, key)
        if found is None:
            return None
        if found[0] != digest:
            raise Conflict(
                "This Idempotency-Key was already used for a different request; use a new key.",
                field="Idempotency-Key",
            )
        return self._bookings.current(case.tenant, case.case_id)
