"""Staff routes for a unit's schedule: availability (who can be booked when, week after week) and exceptions
(holidays, absence). Not patient data (no access log).

Who may: staff holding ``admin`` at the unit change everyone's availability and every exception; other staff of the
unit their own availability (in a profession they hold there) and their own absence; others 403, and 404 for a unit
one does not work at. Idempotency as for phrase templates: the client makes the id (``PUT`` creates or replaces), a
replace carries the ``version`` it was made on (a change made by someone else in between is 409), the same ``PUT``
again changes nothing, and a retried ``DELETE`` is 204 again. After every change the unit's slots are brought in line
at once; booked times are never removed and are listed in ``slots.bookings_affected``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import Field, StrictInt

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.booking import SlotView
from chalicelib.api.core_models import ApiModel, Strict
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.booking import Availability, ScheduleEntry, ScheduleException, may_edit_schedule
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.model import Principal

if TYPE_CHECKING:
    from chalicelib.services.booking import ScheduleChange, SlotSync, UnitSchedule

bp = Blueprint(__name__)


class ChangedBy(ApiModel):
    version: int = Field(description="Send it with a change or removal; a change made since then is refused (409)")
    updated_by: str = Field(description="HSA-id of who last changed it")
    updated_by_name: str
    updated_at: datetime | None
    can_edit: bool = Field(description="Whether the caller may change or remove it")


class AvailabilityView(ChangedBy):
    availability_id: str
    staff_hsa_id: str
    staff_name: str
    profession: str
    form: str = Field(description="physical, video or phone")
    length_minutes: int
    location: str
    weekdays: list[str] = Field(description="mon … sun")
    start: str = Field(description="HH:MM, Swedish time")
    end: str
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, e: ScheduleEntry[Availability], who: Principal) -> AvailabilityView:
        a = e.value
        return cls(
            availability_id=e.entry_id,
            staff_hsa_id=a.staff_hsa_id,
            staff_name=a.staff_name,
            profession=a.profession,
            form=a.form,
            length_minutes=a.length_minutes,
            location=a.location,
            weekdays=list(a.weekdays),
            start=f"{a.start:%H:%M}",
            end=f"{a.end:%H:%M}",
            valid_from=a.valid_from,
            valid_to=a.valid_to,
            **_changed_by(e, may_edit_schedule(who, a.unit_id, a.staff_hsa_id, a.profession)),
        )


class ExceptionView(ChangedBy):
    exception_id: str
    first_day: date
    last_day: date
    staff_hsa_id: str | None = Field(description="null: the whole unit (a holiday); else one person's absence")
    staff_name: str | None
    start: str | None = Field(description="HH:MM; null with end: whole days")
    end: str | None
    reason: str

    @classmethod
    def of(cls, e: ScheduleEntry[ScheduleException], unit_id: str, who: Principal) -> ExceptionView:
        x = e.value
        return cls(
            exception_id=e.entry_id,
            first_day=x.first_day,
            last_day=x.last_day,
            staff_hsa_id=x.staff_hsa_id,
            staff_name=(x.staff_name or x.staff_hsa_id) if x.staff_hsa_id else None,
            start=f"{x.start:%H:%M}" if x.start else None,
            end=f"{x.end:%H:%M}" if x.end else None,
            reason=x.reason,
            **_changed_by(e, may_edit_schedule(who, unit_id, x.staff_hsa_id, None)),
        )


class StaffChoice(ApiModel):
    hsa_id: str
    name: str
    professions: list[str] = Field(description="The roles held at the unit")


class UnitScheduleView(ApiModel):
    unit_id: str
    unit_name: str
    can_edit_all: bool = Field(description="An administrator of the unit: may change everyone's schedule")
    availability: list[AvailabilityView]
    exceptions: list[ExceptionView]
    staff: list[StaffChoice] = Field(description="Whom the caller may schedule (only themselves unless admin)")


class SlotSyncView(ApiModel):
    created: int = Field(description="Slots made bookable")
    changed: int = Field(description="Free slots whose place or visit form changed")
    removed: int = Field(description="Free slots removed")
    bookings_affected: list[SlotView] = Field(
        description="Booked times the schedule no longer gives; they stay booked — move or cancel them in Tidbok"
    )

    @classmethod
    def of(cls, sync: SlotSync) -> SlotSyncView:
        return cls(
            created=sync.created,
            changed=sync.changed,
            removed=sync.removed,
            bookings_affected=[SlotView.of(s) for s in sync.affected],
        )


class AvailabilitySaved(ApiModel):
    availability: AvailabilityView
    slots: SlotSyncView


class ExceptionSaved(ApiModel):
    exception: ExceptionView
    slots: SlotSyncView


class Removed(ApiModel):
    slots: SlotSyncView


class AvailabilityRequest(Strict):
    version: StrictInt | None = Field(default=None, description="null to create; else the version it was made on")
    staff_hsa_id: str = Field(min_length=1, max_length=64, description="Who is booked (the caller, unless admin)")
    profession: str = Field(description="A role the person holds at the unit")
    form: str = Field(description="physical, video or phone")
    length_minutes: StrictInt = Field(description="5–240")
    location: str = Field(default="", max_length=200, description="Where (an address and room, or 'Videomöte')")
    weekdays: list[str] = Field(max_length=7, description="mon, tue, wed, thu, fri, sat, sun")
    start: time = Field(description="HH:MM, Swedish time")
    end: time
    valid_from: date
    valid_to: date | None = Field(default=None, description="Inclusive; null: until further notice")


class ExceptionRequest(Strict):
    version: StrictInt | None = Field(default=None, description="null to create; else the version it was made on")
    first_day: date
    last_day: date
    staff_hsa_id: str | None = Field(default=None, max_length=64, description="null: the whole unit (admin only)")
    start: time | None = Field(default=None, description="HH:MM; leave start and end out for whole days")
    end: time | None = None
    reason: str = Field(default="", max_length=200, description="Shown to staff (e.g. 'Jul', 'Utbildning')")


def _changed_by(e: ScheduleEntry[Any], can_edit: bool) -> dict[str, Any]:
    return {
        "version": e.version,
        "updated_by": e.updated_by,
        "updated_by_name": e.updated_by_name,
        "updated_at": e.updated_at,
        "can_edit": can_edit,
    }


def _schedule_view(schedule: UnitSchedule, who: Principal) -> UnitScheduleView:
    return UnitScheduleView(
        unit_id=schedule.unit_id,
        unit_name=schedule.unit_name,
        can_edit_all=schedule.can_edit_all,
        availability=[AvailabilityView.of(e, who) for e in schedule.availability],
        exceptions=[ExceptionView.of(e, schedule.unit_id, who) for e in schedule.exceptions],
        staff=[StaffChoice(hsa_id=s.hsa_id, name=s.name, professions=list(s.professions)) for s in schedule.staff],
    )


def _version_query() -> int:
    request = bp.current_request
    if http.query(request, "version") is None:
        raise ValidationFailed(
            "Give the version you mean to remove (?version=…).",
            field="version",
            message_sv="Ange vilken version som ska tas bort.",
        )
    return http.int_query(request, "version", 0)


def _saved_status(change: ScheduleChange[Any]) -> int:
    return 201 if change.created else 200


@operation(
    bp,
    "/staff/units/{unit_id}/schedule",
    "GET",
    summary="The unit's availability and exceptions, and whom the caller may schedule",
    tag="schedule",
    access=Access.STAFF,
    response=UnitScheduleView,
    errors=(404,),
)
def get_schedule(unit_id: str) -> Response:
    who = http.who()
    return http.respond(_schedule_view(bootstrap.container().booking.schedule(who, unit_id), who))


@operation(
    bp,
    "/staff/units/{unit_id}/schedule/availability/{availability_id}",
    "PUT",
    summary="Create (201) or replace an availability; the unit's slots follow at once (booked ones stay)",
    tag="schedule",
    access=Access.STAFF,
    request=AvailabilityRequest,
    response=AvailabilitySaved,
    also=(201,),
    errors=(403, 404, 409, 422),
)
def put_availability(unit_id: str, availability_id: str) -> Response:
    who = http.who()
    body = http.parse_body(AvailabilityRequest, bp.current_request)
    fields = body.model_dump(exclude={"version"})
    fields["weekdays"] = tuple(dict.fromkeys(body.weekdays))
    change = bootstrap.container().booking.save_availability(
        who, unit_id, availability_id, version=body.version, **fields
    )
    assert change.entry is not None  # saved, not removed
    saved = AvailabilitySaved(availability=AvailabilityView.of(change.entry, who), slots=SlotSyncView.of(change.sync))
    return http.respond(saved, _saved_status(change))


@operation(
    bp,
    "/staff/units/{unit_id}/schedule/availability/{availability_id}",
    "DELETE",
    summary="Remove an availability at `version` (409 if it changed since; a retried removal is 200 again)",
    tag="schedule",
    access=Access.STAFF,
    response=Removed,
    errors=(403, 404, 409),
    query=(("version", "the version seen when removing", True),),
)
def delete_availability(unit_id: str, availability_id: str) -> Response:
    change = bootstrap.container().booking.remove_availability(
        http.who(), unit_id, availability_id, version=_version_query()
    )
    return http.respond(Removed(slots=SlotSyncView.of(change.sync)))


@operation(
    bp,
    "/staff/units/{unit_id}/schedule/exceptions/{exception_id}",
    "PUT",
    summary="Create (201) or replace an exception (holiday or absence); the unit's slots follow at once",
    tag="schedule",
    access=Access.STAFF,
    request=ExceptionRequest,
    response=ExceptionSaved,
    also=(201,),
    errors=(403, 404, 409, 422),
)
def put_exception(unit_id: str, exception_id: str) -> Response:
    who = http.who()
    body = http.parse_body(ExceptionRequest, bp.current_request)
    exception = ScheduleException(
        first_day=body.first_day,
        last_day=body.last_day,
        staff_hsa_id=body.staff_hsa_id or None,
        start=body.start,
        end=body.end,
        reason=body.reason,
    )
    change = bootstrap.container().booking.save_exception(who, unit_id, exception_id, exception, version=body.version)
    assert change.entry is not None  # saved, not removed
    saved = ExceptionSaved(exception=ExceptionView.of(change.entry, unit_id, who), slots=SlotSyncView.of(change.sync))
    return http.respond(saved, _saved_status(change))


@operation(
    bp,
    "/staff/units/{unit_id}/schedule/exceptions/{exception_id}",
    "DELETE",
    summary="Remove an exception at `version`; the times it blocked become bookable at once",
    tag="schedule",
    access=Access.STAFF,
    response=Removed,
    errors=(403, 404, 409),
    query=(("version", "the version seen when removing", True),),
)
def delete_exception(unit_id: str, exception_id: str) -> Response:
    change = bootstrap.container().booking.remove_exception(http.who(), unit_id, exception_id, version=_version_query())
    return http.respond(Removed(slots=SlotSyncView.of(change.sync)))
