"""What a unit's administrator may set about the unit, validated the same way in the region's configuration file
(``infrastructure/tenant_config.py``) and in the staff dashboard's administration: name, address, phone and phone
hours, opening hours per channel (Swedish time), the professions it offers, the minutes a case takes (for the
waiting room's estimate) and, when the unit wants one, its own open-booking rule (else the region's applies). Pure.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("chat", "video", "physical", "phone")
PROFESSIONS = (
    "nurse",
    "doctor",
    "midwife",
    "psychologist",
    "physiotherapist",
    "occupational_therapist",
    "counsellor",
    "dietitian",
    "medical_secretary",
)
UNIT_ROLES = (*PROFESSIONS, "admin", "coordinator")  # what a staff member may be at a unit
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
PHONE = r"^[0-9 +()-]{5,20}$"

Text = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    # defer_build: each model's validator is built on its first use, not when the module is imported (a Lambda cold
    # start imports these through the route modules but seldom validates settings).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Localized(Strict):
    sv: Text
    en: Text


Channel = Literal["chat", "video", "physical", "phone"]
OpeningHours = dict[Channel, dict[str, list[list[str]]]]


def check_hours(hours: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """One channel's week: {"mon": [["08:00", "16:30"]], ...}; times as HH:MM, 24:00 for midnight, each interval
    ending after it starts and not overlapping the day's others."""
    for day, intervals in hours.items():
        if day not in DAYS:
            raise ValueError(f"unknown day {day!r}; use {', '.join(DAYS)}")
        previous_end = ""
        for interval in sorted(intervals):
            if len(interval) != 2 or not all(CLOCK.match(str(t)) for t in interval):
                raise ValueError(f'{day}: give each interval as ["HH:MM", "HH:MM"] (24:00 for midnight)')
            start, end = interval
            if start >= end:
                raise ValueError(f"{day}: {start}–{end} ends before it starts")
            if previous_end and start < previous_end:
                raise ValueError(f"{day}: {start}–{end} overlaps the interval before it")
            previous_end = end
    return hours


class SelfBooking(Strict):
    """Open booking (webbtidbok): which professions and priorities a citizen may book themselves after the triage, and
    until how many hours before the time they may cancel or change it. The region's rule (``RegionSettings``) applies
    at every unit that has none of its own (``UnitSettings.self_booking``)."""

    professions: list[Literal[PROFESSIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    priorities: list[Literal[PRIORITIES]] = Field(default_factory=list)  # type: ignore[valid-type]
    cancel_limit_hours: int = Field(default=24, ge=0, le=168)

    @field_validator("professions", "priorities")
    @classmethod
    def _in_their_order(cls, value: list[str]) -> list[str]:
        """Each once, in the order of the lists above: the same choice is the same setting, however it was ticked."""
        order = (*PROFESSIONS, *PRIORITIES)
        return sorted(set(value), key=order.index)


class UnitSettings(Strict):
    """A unit's settings as its administrator keeps them."""

    name: Text
    address: Text
    phone: Annotated[str, Field(pattern=PHONE)]
    phone_hours: Localized | None = None
    opening_hours: OpeningHours
    professions: list[Literal[PROFESSIONS]] = Field(min_length=1)  # type: ignore[valid-type]
    minutes_per_case: float | None = Field(default=None, gt=0, le=240)
    # The unit's own open-booking rule, replacing the region's as a whole for this unit; None: the region's applies.
    self_booking: SelfBooking | None = None

    @field_validator("opening_hours")
    @classmethod
    def _check_hours(cls, value: OpeningHours) -> OpeningHours:
        for hours in value.values():
            check_hours(hours)
        return value

    @field_validator("professions")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("name each profession once")
        return value

    def details(self) -> dict[str, Any]:
        """What the directory keeps beside the unit's id and name (the app reads these)."""
        return self.model_dump(exclude={"name"}, exclude_none=True)
