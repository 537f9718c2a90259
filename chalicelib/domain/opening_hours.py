"""A unit's opening hours per channel (chat, video, physical), in Swedish time. Pure.

Shape, as units are configured: ``{"chat": {"mon": [["08:00", "16:30"]], ...}, "physical": {...}}``; an interval
may end at "24:00" (open to midnight; ``00:00``–``24:00`` every day is open around the clock).
A channel the unit does not list is closed; a day without intervals is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SWEDEN = ZoneInfo("Europe/Stockholm")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock_time(text: str) -> time:
    return time.max if text == "24:00" else time.fromisoformat(text)  # "24:00": to the end of the day


def _intervals(hours: Mapping[str, Any], channel: str, day: str) -> list[tuple[time, time]]:
    found = (hours.get(channel) or {}).get(day) or []
    return [(_clock_time(start), _clock_time(end)) for start, end in found]


def is_open(hours: Mapping[str, Any], channel: str, at: datetime) -> bool:
    local = at.astimezone(SWEDEN)
    now = local.time()
    return any(start <= now < end for start, end in _intervals(hours, channel, DAYS[local.weekday()]))


def next_opening(hours: Mapping[str, Any], channel: str, at: datetime, *, horizon_days: int = 14) -> datetime | None:
    """When the channel next opens after ``at`` (None if not within the horizon); ``at`` itself if open now."""
    if is_open(hours, channel, at):
        return at
    local = at.astimezone(SWEDEN)
    for offset in range(horizon_days + 1):
        day = (local + timedelta(days=offset)).date()
        for start, _ in sorted(_intervals(hours, channel, DAYS[day.weekday()])):
            opening = datetime.combine(day, start, tzinfo=SWEDEN)
            if opening > local:
                return opening
    return None
