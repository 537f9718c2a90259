from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.opening_hours import SWEDEN, is_open, next_opening

WEEKDAYS = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
HOURS = {"physical": WEEKDAYS, "chat": {d: [["08:00", "16:30"]] for d in WEEKDAYS}}


def _se(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SWEDEN)


def test_open_on_a_weekday_in_swedish_time_whatever_the_clock_zone() -> None:
    wednesday_10 = _se(2026, 11, 25, 10)
    assert is_open(HOURS, "chat", wednesday_10)
    assert is_open(HOURS, "chat", wednesday_10.astimezone(UTC))
    assert not is_open(HOURS, "chat", _se(2026, 11, 25, 16, 45))
    assert is_open(HOURS, "physical", _se(2026, 11, 25, 16, 45))


def test_closed_at_weekends_and_for_channels_the_unit_does_not_offer() -> None:
    saturday_10 = _se(2026, 11, 28, 10)
    assert not is_open(HOURS, "chat", saturday_10)
    assert not is_open(HOURS, "video", _se(2026, 11, 25, 10))


def test_next_opening_is_monday_morning_from_saturday_night() -> None:
    assert next_opening(HOURS, "chat", _se(2026, 11, 28, 22)) == _se(2026, 11, 30, 8)
    assert next_opening(HOURS, "chat", _se(2026, 11, 25, 7)) == _se(2026, 11, 25, 8)
    assert next_opening(HOURS, "video", _se(2026, 11, 25, 7)) is None


def test_a_unit_open_around_the_clock_is_open_at_midnight_and_late_on_sunday() -> None:
    always = {"chat": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    assert is_open(always, "chat", _se(2026, 11, 29, 23, 59))  # Sunday, a minute before midnight
    assert is_open(always, "chat", _se(2026, 11, 30, 0, 0))
    assert next_opening(always, "chat", _se(2026, 11, 28, 3)) == _se(2026, 11, 28, 3)
