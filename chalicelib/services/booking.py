"""Booking use cases: free times for a case, book, reschedule, cancel, the .ics confirmation, the unit's calendar,
no-show, offered times from the chat, and the scheduled jobs (slots kept ready, reminders due).

Citizens reach only their own cases (others: NotFound); staff only bookings of their units, and every staff read of
a booking is written to the access log first, one record per patient shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.adapters.booking import DynamoBookings
from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoIdempotency
from chalicelib.domain import policy
from chalicelib.domain.booking import (
    BOOKABLE_DISPOSITIONS,
    SWEDISH_TIME,
    VISIT_FORMS,
    Booking,
    BookingState,
    SelfBookingRule,
    Slot,
    SlotTaken,
    require_open_booking,
    require_slot_fits,
    slots_for,
)
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Case, MessageKind, Principal, PrincipalKind
from chalicelib.services.audit import AuditService
from chalicelib.services.chat import ChatService
from chalicelib.services.ports import Clock

HORIZON_WEEKS = 4  # slots kept ready this far ahead
ALTERNATIVES = 5
MAX_OFFERED = 10
SEARCH_WITHOUT_DEADLINE = timedelta(weeks=HORIZON_WEEKS)
FORM_NAMES_SV = {"physical": "Besök", "video": "Videomöte", "phone": "Telefonsamtal"}


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class BookingOverview:
    booking: Booking | None
    can_self_book: bool
    offered_free: int


@dataclass(frozen=True)
class CalendarEntry:
    booking: Booking
    case: Case


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

    def rule(self, tenant: str) -> SelfBookingRule:
        return SelfBookingRule.of_region(self._directory.region(tenant))

    def free_slots(self, principal: Principal, case_id: str, form: str | None) -> tuple[Case, list[Slot]]:
        """The case and the free times of its profession at its unit, before its deadline (one Query); Conflict
        when the citizen may not book themselves."""
        case = self._own_case(principal, case_id)
        require_open_booking(case, self.rule(case.tenant))
        return case, self._free_for(case, self._form(case, form))

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
        try:
            require_open_booking(case, self.rule(case.tenant))
            can_self_book = True
        except Conflict:
            can_self_book = False
        return BookingOverview(self._bookings.current(case.tenant, case.case_id), can_self_book, len(offered))

    def book(self, principal: Principal, case_id: str, slot_id: str, *, idempotency_key: str) -> Booking:
        """Take the slot for the case: open booking, or one of the times staff offered in the chat. SlotTaken (with
        fresh alternatives) when someone else was first; a retry with the same key returns the booking."""
        case = self._own_case(principal, case_id)
        digest = _hash({"kind": "book", "case_id": case_id, "slot_id": slot_id})
        replay = self._replay(principal, idempotency_key, digest, case)
        if replay is not None:
            return replay
        current = self._bookings.current(case.tenant, case.case_id)
        if current is not None and current.active:
            if current.slot.slot_id == slot_id:
                return current  # a double click with a new key: the same booking
            raise Conflict(
                "The case already has a booked time; change it instead.",
                message_sv="Du har redan en bokad tid i ärendet. Ändra den i stället.",
            )
        slot = self._bookable(case, slot_id)
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
            return self._bookings.book(
                booking, now=now, idempotency=(principal.subject, idempotency_key, digest, {"slot_id": slot_id})
            )
        except SlotTaken as taken:
            raise SlotTaken(self._alternatives(case, slot)) from taken

    def reschedule(self, principal: Principal, case_id: str, slot_id: str, *, idempotency_key: str) -> Booking:
        """Move the booking to another free time in one transaction (old slot released, new taken, booking
        changed), up to the tenant's limit before the booked time."""
        case = self._own_case(principal, case_id)
        digest = _hash({"kind": "reschedule", "case_id": case_id, "slot_id": slot_id})
        replay = self._replay(principal, idempotency_key, digest, case)
        if replay is not None:
            return replay
        current = self._bookings.current(case.tenant, case.case_id)
        if current is None or not current.active:
            raise NotFound("There is no booked time to change.", message_sv="Det finns ingen bokad tid att ändra.")
        if current.slot.slot_id == slot_id:
            return current
        now = self._clock()
        current.require_citizen_may_change(now, self.rule(case.tenant).cancel_limit)
        slot = self._bookable(case, slot_id)
        moved = current.moved_to(slot, now)
        try:
            return self._bookings.move(
                current, moved, now=now, idempotency=(principal.subject, idempotency_key, digest, {"slot_id": slot_id})
            )
        except SlotTaken as taken:
            raise SlotTaken(self._alternatives(case, slot)) from taken

    def cancel(self, principal: Principal, case_id: str) -> Booking:
        """The citizen cancels up to the tenant's limit before the time; cancelling again returns the cancelled
        booking (DELETE is idempotent)."""
        case = self._own_case(principal, case_id)
        current = self._bookings.current(case.tenant, case.case_id)
        if current is None:
            raise NotFound("There is no booked time.", message_sv="Det finns ingen bokad tid.")
        if current.state is BookingState.CANCELLED:
            return current
        now = self._clock()
        cancelled = current.cancel_by_citizen(principal.subject, now, self.rule(case.tenant).cancel_limit)
        return self._bookings.end(cancelled, now=now, release=True)

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
        hours = self.rule(case.tenant).cancel_limit_hours
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
        _, booking = self._staff_booking(principal, booking_id, "booking_no_show")
        if booking.state is BookingState.NO_SHOW:
            return booking  # a retry
        now = self._clock()
        return self._bookings.end(booking.mark_no_show(principal.subject, now), now=now, release=False)

    def cancel_by_staff(self, principal: Principal, booking_id: str, message: str) -> Booking:
        """Staff cancel at any time, with a message to the patient (also posted in the case's chat when open)."""
        case, booking = self._staff_booking(principal, booking_id, "booking_cancel")
        if booking.state is BookingState.CANCELLED and booking.cancelled_by == principal.subject:
            return booking  # a retry
        now = self._clock()
        cancelled = self._bookings.end(booking.cancel_by_staff(principal.subject, message, now), now=now, release=True)
        if case.is_open:
            text = f"Din bokade tid har avbokats av mottagningen. {cancelled.reason}"
            self._chat.post(principal, case.case_id, text=text[:2000], client_id=f"cancel-{booking_id}")
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
        return self._chat.offer_booking(principal, case, unique, client_id=client_id)

    # --- scheduled ---

    def materialise(self, tenant: str, *, weeks: int = HORIZON_WEEKS) -> int:
        """Keep slots ready for the next ``weeks`` weeks from every unit's availability (idempotent)."""
        today = self._clock().astimezone(ZoneInfo(SWEDISH_TIME)).date()
        created = 0
        for unit in self._directory.units(tenant):
            unit_id = str(unit["unit_id"])
            availability, exceptions = self._bookings.schedule_of(tenant, unit_id)
            slots = [s for a in availability for s in slots_for(a, exceptions, today, weeks * 7)]
            created += self._bookings.materialise(tenant, unit_id, slots)
        return created

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

    def _bookable(self, case: Case, slot_id: str) -> Slot:
        """The slot, if this case may take it: an offered time, or an open-booking time within the rules."""
        offered = slot_id in self.offered_slot_ids(case)
        if not offered:
            require_open_booking(case, self.rule(case.tenant))
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
