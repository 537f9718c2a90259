"""Booking routes: a citizen's free times, booking, rescheduling, cancelling and the .ics file; staff's unit
calendar, no-show, cancelling with a message, and offering times in the chat. Request and response models live here.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.models import MessageView
from chalicelib.api.openapi import operation
from chalicelib.domain.booking import SWEDISH_TIME, Booking, SelfBookingRule, Slot, SlotTaken
from chalicelib.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from chalicelib.services.booking import CalendarEntry

bp = Blueprint(__name__)


class SlotView(ApiModel):
    slot_id: str
    unit_id: str
    profession: str
    form: str = Field(description="physical, video or phone")
    start: datetime
    end: datetime
    location: str
    staff_name: str

    @classmethod
    def of(cls, s: Slot) -> SlotView:
        return cls(
            slot_id=s.slot_id,
            unit_id=s.unit_id,
            profession=s.profession,
            form=s.form,
            start=s.start,
            end=s.end,
            location=s.location,
            staff_name=s.staff_name,
        )


class SlotList(ApiModel):
    slots: list[SlotView]
    deadline: datetime | None = Field(description="times are offered up to this (the case's deadline)")
    cancel_limit_hours: int = Field(description="the citizen can change or cancel online up to this many hours before")


class BookingView(ApiModel):
    booking_id: str
    case_id: str
    state: str = Field(description="booked, cancelled or no_show")
    slot: SlotView
    created_at: datetime
    cancelled_at: datetime | None = None
    message: str | None = Field(default=None, description="staff's message when they cancelled")
    can_change_until: datetime = Field(description="the citizen can reschedule or cancel online until then")

    @classmethod
    def of(cls, b: Booking, limit_hours: int) -> BookingView:
        return cls(
            booking_id=b.booking_id,
            case_id=b.case_id,
            state=b.state.value,
            slot=SlotView.of(b.slot),
            created_at=b.created_at,
            cancelled_at=b.cancelled_at,
            message=b.reason or None,
            can_change_until=b.slot.start - timedelta(hours=limit_hours),
        )


class CaseBooking(ApiModel):
    booking: BookingView | None = Field(description="the case's current (or last) booking; null: none yet")
    can_self_book: bool = Field(description="open booking: GET …/slots lists times for this case")
    offered_free: int = Field(description="times offered in the chat that are still free (GET …/offered-slots)")


class ChooseSlot(ApiModel):
    model_config = ConfigDict(extra="forbid")
    slot_id: str = Field(min_length=8, max_length=64)


class StaffCancel(ApiModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=500, description="to the patient: why the time is cancelled")


class OfferSlots(ApiModel):
    model_config = ConfigDict(extra="forbid")
    slot_ids: list[str] = Field(min_length=1, max_length=10)
    client_id: str = Field(min_length=1, max_length=64, description="Client-made id; a retry never duplicates")


class CalendarBooking(ApiModel):
    booking_id: str
    case_id: str
    state: str
    slot: SlotView
    patient_name: str
    reason: str = Field(description="the case's reason for contact")
    priority: str | None


class UnitCalendar(ApiModel):
    unit_id: str
    start: datetime
    end: datetime
    bookings: list[CalendarBooking]


def _limit_hours(unit_id: str) -> int:
    """The cancellation limit at the unit (its own open-booking rule's, else the region's), for a route whose
    service call did not read the rule already (a citizen's booking request answers with the one it read)."""
    return bootstrap.container().booking.rule(http.who().tenant, unit_id).cancel_limit_hours


def _booking(b: Booking, status: int = 200, *, rule: SelfBookingRule | None = None) -> Response:
    """The booking as the API shows it; ``rule``: the unit's, when the request has read it already."""
    hours = rule.cancel_limit_hours if rule is not None else _limit_hours(b.unit_id)
    return http.respond(BookingView.of(b, hours), status)


def _taken(error: SlotTaken) -> Response:
    """409 with the Swedish message and fresh alternatives, so the page can offer them at once."""
    body = {
        "error": {"code": error.code, "message": error.message, "message_sv": error.message_sv, "field": error.field},
        "alternatives": [json.loads(SlotView.of(s).model_dump_json()) for s in error.alternatives],
    }
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=409, headers=dict(http.JSON))


@operation(
    bp,
    "/citizen/cases/{case_id}/slots",
    "GET",
    summary="Free times for my case: its profession at its unit, before its deadline (409 if I cannot book myself)",
    tag="booking",
    access=Access.CITIZEN,
    response=SlotList,
    errors=(404, 409),
    query=(("form", "physical or video; defaults to the form the assessment chose", False),),
)
def case_slots(case_id: str) -> Response:
    service = bootstrap.container().booking
    case, slots, rule = service.free_slots(http.who(), case_id, http.query(bp.current_request, "form"))
    return http.respond(
        SlotList(
            slots=[SlotView.of(s) for s in slots], deadline=case.deadline, cancel_limit_hours=rule.cancel_limit_hours
        )
    )


@operation(
    bp,
    "/citizen/cases/{case_id}/offered-slots",
    "GET",
    summary="The times staff offered me in the case's chat that are still free",
    tag="booking",
    access=Access.CITIZEN,
    response=SlotList,
    errors=(404,),
)
def offered_slots(case_id: str) -> Response:
    case, slots = bootstrap.container().booking.offered_slots(http.who(), case_id)
    return http.respond(
        SlotList(
            slots=[SlotView.of(s) for s in slots], deadline=case.deadline, cancel_limit_hours=_limit_hours(case.unit_id)
        )
    )


@operation(
    bp,
    "/citizen/cases/{case_id}/booking",
    "GET",
    summary="My case's booking (or none), and whether there are times I can book",
    tag="booking",
    access=Access.CITIZEN,
    response=CaseBooking,
    errors=(404,),
)
def get_booking(case_id: str) -> Response:
    overview = bootstrap.container().booking.overview(http.who(), case_id)
    booking = overview.booking
    return http.respond(
        CaseBooking(
            booking=BookingView.of(booking, overview.rule.cancel_limit_hours) if booking is not None else None,
            can_self_book=overview.can_self_book,
            offered_free=overview.offered_free,
        )
    )


@operation(
    bp,
    "/citizen/cases/{case_id}/booking",
    "POST",
    summary="Book a time (an open-booking time or one offered in the chat); 409 with alternatives if just taken",
    tag="booking",
    access=Access.CITIZEN,
    request=ChooseSlot,
    response=BookingView,
    status=201,
    idempotency_key=True,
    errors=(404, 409),
)
def book(case_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(ChooseSlot, request)
    key = http.idempotency_key(request)
    try:
        booking, rule = bootstrap.container().booking.book(http.who(), case_id, body.slot_id, idempotency_key=key)
    except SlotTaken as error:
        return _taken(error)
    return _booking(booking, 201, rule=rule)


@operation(
    bp,
    "/citizen/cases/{case_id}/booking",
    "PUT",
    summary="Move my booking to another time, all at once or not at all (up to the unit's limit before the time)",
    tag="booking",
    access=Access.CITIZEN,
    request=ChooseSlot,
    response=BookingView,
    idempotency_key=True,
    errors=(404, 409),
)
def reschedule(case_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(ChooseSlot, request)
    key = http.idempotency_key(request)
    try:
        booking, rule = bootstrap.container().booking.reschedule(http.who(), case_id, body.slot_id, idempotency_key=key)
    except SlotTaken as error:
        return _taken(error)
    return _booking(booking, rule=rule)


@operation(
    bp,
    "/citizen/cases/{case_id}/booking",
    "DELETE",
    summary="Cancel my booking (up to the unit's limit before the time; cancelling again is fine)",
    tag="booking",
    access=Access.CITIZEN,
    response=BookingView,
    errors=(404, 409),
)
def cancel(case_id: str) -> Response:
    booking, rule = bootstrap.container().booking.cancel(http.who(), case_id)
    return _booking(booking, rule=rule)


@operation(
    bp,
    "/citizen/cases/{case_id}/booking.ics",
    "GET",
    summary="My booked time as an iCalendar file (time, place, unit; no health data)",
    tag="booking",
    access=Access.CITIZEN,
    errors=(404,),
)
def booking_ics(case_id: str) -> Response:
    body = bootstrap.container().booking.ics(http.who(), case_id)
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": 'attachment; filename="bokning.ics"',
    }
    return Response(body=body.decode(), status_code=200, headers=headers)


def _day(raw: str | None, name: str, default: datetime) -> datetime:
    """A local date (YYYY-MM-DD) as the start of that day in Swedish time, in UTC."""
    if raw is None:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise ValidationFailed(
            f"{name} must be a date like 2026-11-26.", field=name, message_sv="Ange ett datum som 2026-11-26."
        ) from error
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(SWEDISH_TIME)).astimezone(UTC)


@operation(
    bp,
    "/staff/units/{unit_id}/bookings",
    "GET",
    summary="The unit's bookings for a day or a week, by time (each patient shown is logged)",
    tag="booking",
    access=Access.STAFF,
    response=UnitCalendar,
    errors=(404,),
    query=(
        ("from", "first day, YYYY-MM-DD (default today)", False),
        ("to", "day after the last, YYYY-MM-DD (default the day after from)", False),
    ),
)
def unit_calendar(unit_id: str) -> Response:
    request = bp.current_request
    today = bootstrap.utc_now().astimezone(ZoneInfo(SWEDISH_TIME)).date().isoformat()
    start = _day(http.query(request, "from") or today, "from", bootstrap.utc_now())
    end = _day(http.query(request, "to"), "to", start + timedelta(days=1))
    entries = bootstrap.container().booking.calendar(http.who(), unit_id, start, end)
    return http.respond(UnitCalendar(unit_id=unit_id, start=start, end=end, bookings=[_entry(e) for e in entries]))


def _entry(e: CalendarEntry) -> CalendarBooking:
    return CalendarBooking(
        booking_id=e.booking.booking_id,
        case_id=e.case.case_id,
        state=e.booking.state.value,
        slot=SlotView.of(e.booking.slot),
        patient_name=e.case.patient_name,
        reason=e.case.reason,
        priority=e.case.priority,
    )


@operation(
    bp,
    "/staff/bookings/{booking_id}/no-show",
    "POST",
    summary="Mark that the patient did not come (after the start; again is fine)",
    tag="booking",
    access=Access.STAFF,
    response=BookingView,
    errors=(404, 409),
)
def no_show(booking_id: str) -> Response:
    return _booking(bootstrap.container().booking.no_show(http.who(), booking_id))


@operation(
    bp,
    "/staff/bookings/{booking_id}",
    "DELETE",
    summary="Cancel a booking at any time with a message to the patient (posted in the chat when it is open)",
    tag="booking",
    access=Access.STAFF,
    request=StaffCancel,
    response=BookingView,
    errors=(404, 409),
)
def staff_cancel(booking_id: str) -> Response:
    body = http.parse_body(StaffCancel, bp.current_request)
    return _booking(bootstrap.container().booking.cancel_by_staff(http.who(), booking_id, body.message))


@operation(
    bp,
    "/staff/cases/{case_id}/slots",
    "GET",
    summary="Free times to offer for a case (its unit and profession; logged)",
    tag="booking",
    access=Access.STAFF,
    response=SlotList,
    errors=(404,),
    query=(("form", "physical, video or phone (default: the case's form, or physical)", False),),
)
def staff_case_slots(case_id: str) -> Response:
    container = bootstrap.container()
    case = container.cases.get(http.who(), case_id)  # logged
    form = http.query(bp.current_request, "form") or (case.disposition if case.disposition == "video" else "physical")
    slots = container.booking.slots_to_offer(case, form)
    return http.respond(
        SlotList(
            slots=[SlotView.of(s) for s in slots], deadline=case.deadline, cancel_limit_hours=_limit_hours(case.unit_id)
        )
    )


@operation(
    bp,
    "/staff/cases/{case_id}/offer",
    "POST",
    summary="Offer times in the case's chat (a booking_offer message); the citizen books one from the chat",
    tag="booking",
    access=Access.STAFF,
    request=OfferSlots,
    response=MessageView,
    status=201,
    also=(200,),
    errors=(404, 409),
)
def offer(case_id: str) -> Response:
    body = http.parse_body(OfferSlots, bp.current_request)
    try:
        message, created = bootstrap.container().booking.offer(
            http.who(), case_id, body.slot_ids, client_id=body.client_id
        )
    except SlotTaken as error:
        return _taken(error)
    return http.respond(MessageView.of(message), 201 if created else 200)
