"""Booking rules (pure): availability, exceptions, slot generation, bookings and the rules that govern them.

Times: an :class:`Availability` is written in Swedish wall-clock time (08:00–12:00 is 08:00–12:00 both in winter
and in summer); slots are stored and compared in UTC. ``slots_for`` steps through the wall clock of the given time
zone with ``zoneinfo``, so a slot at 08:00 is at 07:00 UTC in January and at 06:00 UTC in July, and wall-clock times
that do not exist on the night clocks go forward are skipped.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import PRIORITIES, PROFESSIONS, Case, Principal

SWEDISH_TIME = "Europe/Stockholm"
VISIT_FORMS = ("physical", "video", "phone")
BOOKABLE_DISPOSITIONS = ("physical", "video")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_CANCEL_LIMIT_HOURS = 24
REMINDER_BEFORE = timedelta(hours=24)
STAFF_MESSAGE_MAX = 500
EXCEPTION_MAX_DAYS = 365
EXCEPTION_REASON_MAX = 200


class BookingState(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class SlotTaken(Conflict):
    """The slot was booked by someone else a moment ago; ``alternatives`` are free slots to offer instead."""

    code = "slot_taken"

    def __init__(self, alternatives: list[Slot] | None = None) -> None:
        super().__init__(
            "The time was just taken by someone else; choose another.",
            message_sv="Tiden togs precis av någon annan. Välj en annan tid.",
            field="slot_id",
        )
        self.alternatives = list(alternatives or [])


@dataclass(frozen=True)
class Availability:
    """When one staff member can be booked for one profession and visit form, week after week."""

    availability_id: str
    unit_id: str
    staff_hsa_id: str
    staff_name: str
    profession: str
    form: str
    length_minutes: int
    location: str
    weekdays: tuple[str, ...]
    start: time  # Swedish local time
    end: time
    valid_from: date
    valid_to: date | None = None  # inclusive; None: until further notice

    def __post_init__(self) -> None:
        if self.profession not in PROFESSIONS:
            raise ValidationFailed(
                f"Unknown profession {self.profession!r}.", field="profession", message_sv="Okänd yrkesroll."
            )
        if self.form not in VISIT_FORMS:
            raise ValidationFailed(
                f"Visit form must be one of {', '.join(VISIT_FORMS)}.",
                field="form",
                message_sv="Välj besök, video eller telefon.",
            )
        if not 5 <= self.length_minutes <= 240:
            raise ValidationFailed(
                "A slot is 5–240 minutes long.",
                field="length_minutes",
                message_sv="En tid är 5–240 minuter lång.",
            )
        unknown = [d for d in self.weekdays if d not in WEEKDAYS]
        if not self.weekdays or unknown:
            raise ValidationFailed(
                f"Weekdays are among {', '.join(WEEKDAYS)}" + (f"; unknown: {', '.join(unknown)}." if unknown else "."),
                field="weekdays",
                message_sv="Välj minst en veckodag." if not unknown else f"Okänd veckodag: {', '.join(unknown)}.",
            )
        if self.end <= self.start:
            raise ValidationFailed(
                "The end time must be after the start time.",
                field="end",
                message_sv="Sluttiden måste vara efter starttiden.",
            )
        if (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute) < self.length_minutes:
            raise ValidationFailed(
                "The times are shorter than one slot.",
                field="length_minutes",
                message_sv="Tiden mellan start och slut är kortare än en bokningsbar tid.",
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationFailed(
                "valid_to is before valid_from.",
                field="valid_to",
                message_sv="Slutdatumet är före startdatumet.",
            )

    def overlaps(self, other: Availability) -> bool:
        """The same person would be bookable twice at once: same weekday, overlapping times and dates."""
        if other.staff_hsa_id != self.staff_hsa_id or not set(self.weekdays) & set(other.weekdays):
            return False
        if self.start >= other.end or other.start >= self.end:
            return False
        last, other_last = self.valid_to or date.max, other.valid_to or date.max
        return self.valid_from <= other_last and other.valid_from <= last

    def to_dict(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw.update(
            weekdays=list(self.weekdays),
            start=self.start.strftime("%H:%M"),
            end=self.end.strftime("%H:%M"),
            valid_from=self.valid_from.isoformat(),
            valid_to=self.valid_to.isoformat() if self.valid_to else None,
        )
        return raw

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> Availability:
        return Availability(
            availability_id=str(raw["availability_id"]),
            unit_id=str(raw["unit_id"]),
            staff_hsa_id=str(raw["staff_hsa_id"]),
            staff_name=str(raw.get("staff_name") or ""),
            profession=str(raw["profession"]),
            form=str(raw["form"]),
            length_minutes=int(raw["length_minutes"]),
            location=str(raw.get("location") or ""),
            weekdays=tuple(raw["weekdays"]),
            start=time.fromisoformat(str(raw["start"])),
            end=time.fromisoformat(str(raw["end"])),
            valid_from=date.fromisoformat(str(raw["valid_from"])),
            valid_to=date.fromisoformat(str(raw["valid_to"])) if raw.get("valid_to") else None,
        )


@dataclass(frozen=True)
class ScheduleException:
    """No bookable time: a holiday (``staff_hsa_id`` None: the whole unit) or one person's absence; whole days, or
    only between ``start`` and ``end`` (local time) on each day of the range."""

    first_day: date
    last_day: date
    staff_hsa_id: str | None = None
    start: time | None = None
    end: time | None = None
    reason: str = ""
    staff_name: str = ""  # of ``staff_hsa_id``, for showing

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValidationFailed(
                "last_day is before first_day.", field="last_day", message_sv="Slutdatumet är före startdatumet."
            )
        if (self.last_day - self.first_day).days > EXCEPTION_MAX_DAYS:
            raise ValidationFailed(
                f"An exception covers at most {EXCEPTION_MAX_DAYS + 1} days.",
                field="last_day",
                message_sv=f"Ett undantag gäller högst {EXCEPTION_MAX_DAYS + 1} dagar.",
            )
        if (self.start is None) != (self.end is None):
            raise ValidationFailed(
                "Give both a start and an end time, or neither (whole days).",
                field="end" if self.end is None else "start",
                message_sv="Ange både start- och sluttid, eller ingen av dem (hela dagar).",
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationFailed(
                "The end time must be after the start time.",
                field="end",
                message_sv="Sluttiden måste vara efter starttiden.",
            )
        if len(self.reason) > EXCEPTION_REASON_MAX:
            raise ValidationFailed(
                f"The reason is at most {EXCEPTION_REASON_MAX} characters.",
                field="reason",
                message_sv=f"Orsaken får vara högst {EXCEPTION_REASON_MAX} tecken.",
            )

    def blocks(self, staff_hsa_id: str, start_local: datetime, end_local: datetime) -> bool:
        if self.staff_hsa_id is not None and self.staff_hsa_id != staff_hsa_id:
            return False
        if not self.first_day <= start_local.date() <= self.last_day:
            return False
        if self.start is None or self.end is None:
            return True
        return start_local.time() < self.end and end_local.time() > self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "staff_hsa_id": self.staff_hsa_id,
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "reason": self.reason,
            "staff_name": self.staff_name,
        }

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> ScheduleException:
        return ScheduleException(
            first_day=date.fromisoformat(str(raw["first_day"])),
            last_day=date.fromisoformat(str(raw.get("last_day") or raw["first_day"])),
            staff_hsa_id=raw.get("staff_hsa_id") or None,
            start=time.fromisoformat(str(raw["start"])) if raw.get("start") else None,
            end=time.fromisoformat(str(raw["end"])) if raw.get("end") else None,
            reason=str(raw.get("reason") or ""),
            staff_name=str(raw.get("staff_name") or ""),
        )


@dataclass(frozen=True)
class Slot:
    """One bookable time. ``slot_id`` is derived from staff and start, so materialising again finds the same slot."""

    slot_id: str
    unit_id: str
    profession: str
    form: str
    start: datetime  # UTC
    end: datetime  # UTC
    location: str
    staff_hsa_id: str
    staff_name: str

    def to_dict(self) -> dict[str, Any]:
        raw = dataclasses.asdict(self)
        raw.update(start=self.start.isoformat(), end=self.end.isoformat())
        return raw

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> Slot:
        return Slot(
            slot_id=str(raw["slot_id"]),
            unit_id=str(raw["unit_id"]),
            profession=str(raw["profession"]),
            form=str(raw["form"]),
            start=datetime.fromisoformat(str(raw["start"])),
            end=datetime.fromisoformat(str(raw["end"])),
            location=str(raw.get("location") or ""),
            staff_hsa_id=str(raw.get("staff_hsa_id") or ""),
            staff_name=str(raw.get("staff_name") or ""),
        )


def slot_id_for(staff_hsa_id: str, start: datetime) -> str:
    """Deterministic: the same person at the same instant is the same slot, however often it is materialised."""
    stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return hashlib.sha256(f"{staff_hsa_id}#{stamp}".encode()).hexdigest()[:24]


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """False for wall-clock times skipped when clocks go forward (02:00–03:00 on the last Sunday of March)."""
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def slots_for(
    availability: Availability,
    exceptions: list[ScheduleException],
    from_date: date,
    days: int,
    tz: str = SWEDISH_TIME,
) -> list[Slot]:
    """The slots of ``availability`` on ``days`` days from ``from_date`` (local dates), less the exceptions."""
    zone = ZoneInfo(tz)
    step = timedelta(minutes=availability.length_minutes)
    found: list[Slot] = []
    for offset in range(days):
        day = from_date + timedelta(days=offset)
        if day < availability.valid_from or (availability.valid_to is not None and day > availability.valid_to):
            continue
        if WEEKDAYS[day.weekday()] not in availability.weekdays:
            continue
        wall = datetime.combine(day, availability.start)
        day_end = datetime.combine(day, availability.end)
        while wall + step <= day_end:
            start_local = wall.replace(tzinfo=zone)
            end_local = (wall + step).replace(tzinfo=zone)
            wall += step
            if not _exists(start_local, zone) or not _exists(end_local, zone):
                continue
            if any(e.blocks(availability.staff_hsa_id, start_local, end_local) for e in exceptions):
                continue
            start = start_local.astimezone(UTC)
            found.append(
                Slot(
                    slot_id=slot_id_for(availability.staff_hsa_id, start),
                    unit_id=availability.unit_id,
                    profession=availability.profession,
                    form=availability.form,
                    start=start,
                    end=end_local.astimezone(UTC),
                    location=availability.location,
                    staff_hsa_id=availability.staff_hsa_id,
                    staff_name=availability.staff_name,
                )
            )
    return found


T = TypeVar("T", Availability, ScheduleException)

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class ScheduleEntry(Generic[T]):
    """An availability or exception as stored: its id, its version (for edits made on what one saw) and who changed
    it last, and when. ``removed``: it was deleted (kept a while, so that a retried delete is answered as done)."""

    entry_id: str
    value: T
    version: int = 0
    updated_by: str = ""
    updated_by_name: str = ""
    updated_at: datetime | None = None
    removed: bool = False


def require_works_at(principal: Principal, unit_id: str) -> None:
    """Staff of the unit see its schedule; anyone else is told it does not exist."""
    if not principal.is_staff or unit_id not in principal.units:
        raise NotFound("There is no such unit among yours.", message_sv="Du arbetar inte på den enheten.")


def may_edit_schedule(principal: Principal, unit_id: str, staff_hsa_id: str | None, profession: str | None) -> bool:
    try:
        require_may_edit_schedule(principal, unit_id, staff_hsa_id, profession)
    except (NotFound, Forbidden):
        return False
    return True


def require_may_edit_schedule(
    principal: Principal, unit_id: str, staff_hsa_id: str | None, profession: str | None
) -> None:
    """Who may change a unit's schedule. Staff holding ``admin`` at the unit: everyone's availability and every
    exception. Other staff of the unit: their own availability in a profession they hold there, and their own
    absence (an exception for themselves); not a colleague's, not the whole unit's. Not working at the unit:
    NotFound (nothing is revealed); working there without the right: Forbidden, saying why."""
    require_works_at(principal, unit_id)
    held = principal.professions_at(unit_id)
    if ADMIN_ROLE in held:
        return
    if staff_hsa_id != principal.subject:
        raise Forbidden(
            "Only the unit's administrators change a colleague's schedule or the whole unit's; you may change your "
            "own availability and absence.",
            message_sv="Bara enhetens administratörer ändrar en kollegas schema eller hela enhetens. Du kan ändra "
            "din egen tillgänglighet och frånvaro.",
        )
    if profession is not None and profession not in held:
        raise Forbidden(
            f"You do not hold the role {profession} at this unit.",
            message_sv="Du har inte den yrkesrollen på enheten.",
        )


def is_schedule_admin(principal: Principal, unit_id: str) -> bool:
    return principal.is_staff and ADMIN_ROLE in principal.professions_at(unit_id)


@dataclass(frozen=True)
class SlotPlan:
    """How to bring a unit's stored slots in line with its schedule (see :func:`plan_slots`)."""

    create: list[Slot]
    change: list[Slot]  # free slots at the same time whose details changed (location, form ...): the new details
    remove: list[Slot]  # free slots the schedule no longer gives
    affected: list[Slot]  # booked slots the schedule no longer gives (as they are): the booking stays


def _by_start(slot: Slot) -> tuple[datetime, str]:
    return slot.start, slot.slot_id


def plan_slots(wanted: list[Slot], stored: list[tuple[Slot, bool]], after: datetime) -> SlotPlan:
    """Compare the slots the schedule gives (``wanted``) with those stored (``(slot, taken)``) and starting after
    ``after``. A booked time is never removed or changed: it is listed in ``affected``, for staff to handle."""
    want: dict[str, Slot] = {}
    for slot in wanted:
        if slot.start > after:
            want.setdefault(slot.slot_id, slot)  # the first availability wins when two give the same person and time
    have = {slot.slot_id: (slot, taken) for slot, taken in stored if slot.start > after}
    create = [s for sid, s in want.items() if sid not in have]
    change: list[Slot] = []
    remove: list[Slot] = []
    affected: list[Slot] = []
    for sid, (slot, taken) in have.items():
        new = want.get(sid)
        if new == slot:
            continue
        if taken:
            affected.append(slot)
        elif new is None:
            remove.append(slot)
        else:
            change.append(new)
    return SlotPlan(
        sorted(create, key=_by_start),
        sorted(change, key=_by_start),
        sorted(remove, key=_by_start),
        sorted(affected, key=_by_start),
    )


@dataclass(frozen=True)
class SelfBookingRule:
    """The rule for open booking at a unit: the unit's own (unit setting ``self_booking``) when it has one, else the
    region's (region setting ``self_booking``). A unit's rule replaces the region's as a whole — professions,
    priorities and the cancellation limit — so "off at this unit" is a unit rule with nothing bookable."""

    professions: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    cancel_limit_hours: int = DEFAULT_CANCEL_LIMIT_HOURS

    @staticmethod
    def of_region(details: Mapping[str, Any]) -> SelfBookingRule:
        return SelfBookingRule._of(details.get("self_booking") or {})

    @staticmethod
    def of_unit(unit: Mapping[str, Any] | None, region: Mapping[str, Any]) -> SelfBookingRule:
        """The unit's rule if its settings (``unit``, as the directory keeps them) hold one, else the region's."""
        own = (unit or {}).get("self_booking")
        return SelfBookingRule._of(own) if isinstance(own, Mapping) else SelfBookingRule.of_region(region)

    @staticmethod
    def _of(raw: Mapping[str, Any]) -> SelfBookingRule:
        return SelfBookingRule(
            professions=frozenset(p for p in raw.get("professions") or () if p in PROFESSIONS),
            priorities=frozenset(p for p in raw.get("priorities") or () if p in PRIORITIES),
            cancel_limit_hours=int(raw.get("cancel_limit_hours", DEFAULT_CANCEL_LIMIT_HOURS)),
        )

    @property
    def cancel_limit(self) -> timedelta:
        return timedelta(hours=self.cancel_limit_hours)


def require_open_booking(case: Case, rule: SelfBookingRule) -> None:
    """Conflict (with the reason in Swedish) unless the citizen may book a time for this case themselves."""
    if case.disposition not in BOOKABLE_DISPOSITIONS:
        raise Conflict(
            "This case was not assessed as needing a visit or a video meeting, so there is no time to book.",
            message_sv="Ditt ärende gäller inte ett besök eller videomöte, så det finns ingen tid att boka.",
        )
    if not case.is_open:
        raise Conflict("The case is closed.", message_sv="Ärendet är avslutat; du kan inte boka en tid i det.")
    if case.profession not in rule.professions or (case.priority or "") not in rule.priorities:
        raise Conflict(
            "Self-booking is not offered for this case; the unit will contact you with a time.",
            message_sv="Du kan inte boka själv i det här ärendet. Mottagningen kontaktar dig med en tid.",
        )


def require_slot_fits(case: Case, slot: Slot, now: datetime, *, check_deadline: bool = True) -> None:
    """The slot is at the case's unit, for its profession, in the future, and (open booking) before its deadline."""
    if slot.unit_id != case.unit_id or slot.profession != case.profession:
        raise ValidationFailed(
            "This time is not for this case's unit or profession.",
            field="slot_id",
            message_sv="Tiden hör inte till ditt ärendes mottagning eller yrkesgrupp.",
        )
    if slot.start <= now:
        raise ValidationFailed(
            "This time has passed.", field="slot_id", message_sv="Tiden har redan passerat. Välj en annan tid."
        )
    deadline = case.deadline
    if check_deadline and deadline is not None and slot.start > deadline:
        raise ValidationFailed(
            "This time is later than your case allows; choose an earlier one.",
            field="slot_id",
            message_sv="Tiden är senare än ditt ärende kan vänta. Välj en tidigare tid.",
        )


@dataclass(frozen=True)
class Booking:
    """A case's booked time. ``booking_id`` is ``{case_id}.{n}``: the n-th booking of the case."""

    booking_id: str
    tenant: str
    case_id: str
    unit_id: str
    patient_ref: str
    slot: Slot
    state: BookingState
    created_at: datetime
    created_by: str
    version: int = 0
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    reason: str = ""  # staff's message when they cancel
    reminder_sent_at: datetime | None = None

    @staticmethod
    def new_id(case_id: str, previous: Booking | None) -> str:
        n = int(previous.booking_id.rsplit(".", 1)[1]) + 1 if previous is not None else 1
        return f"{case_id}.{n}"

    @staticmethod
    def case_of(booking_id: str) -> str:
        return booking_id.rsplit(".", 1)[0]

    @property
    def active(self) -> bool:
        return self.state is BookingState.BOOKED

    def _require_active(self) -> None:
        if not self.active:
            raise Conflict(
                f"The booking is {self.state.value}.", message_sv="Bokningen är redan avbokad eller avslutad."
            )

    def require_citizen_may_change(self, now: datetime, limit: timedelta) -> None:
        self._require_active()
        if now > self.slot.start - limit:
            hours = int(limit.total_seconds() // 3600)
            raise Conflict(
                f"Times can be changed or cancelled online up to {hours} hours before; call the unit instead.",
                message_sv=f"Tiden kan bara ändras eller avbokas här fram till {hours} timmar innan. "
                "Ring mottagningen i stället.",
            )

    def cancel_by_citizen(self, by: str, now: datetime, limit: timedelta) -> Booking:
        self.require_citizen_may_change(now, limit)
        return dataclasses.replace(
            self, state=BookingState.CANCELLED, cancelled_at=now, cancelled_by=by, updated_at=now
        )

    def cancel_by_staff(self, by: str, message: str, now: datetime) -> Booking:
        self._require_active()
        text = message.strip()
        if not text or len(text) > STAFF_MESSAGE_MAX:
            raise ValidationFailed(
                f"Write a message of 1–{STAFF_MESSAGE_MAX} characters to the patient.",
                field="message",
                message_sv="Skriv ett meddelande till patienten om varför tiden avbokas.",
            )
        return dataclasses.replace(
            self, state=BookingState.CANCELLED, cancelled_at=now, cancelled_by=by, reason=text, updated_at=now
        )

    def mark_no_show(self, by: str, now: datetime) -> Booking:
        self._require_active()
        if now < self.slot.start:
            raise Conflict(
                "The time has not started yet.",
                message_sv="Tiden har inte börjat än; det går inte att markera uteblivet.",
            )
        return dataclasses.replace(self, state=BookingState.NO_SHOW, cancelled_by=by, updated_at=now)

    def moved_to(self, slot: Slot, now: datetime) -> Booking:
        self._require_active()
        return dataclasses.replace(self, slot=slot, updated_at=now, reminder_sent_at=None)

    def reminder_due(self, now: datetime, before: timedelta = REMINDER_BEFORE) -> bool:
        return self.active and self.reminder_sent_at is None and now < self.slot.start <= now + before
