"""Swedish personal identity numbers: personnummer and samordningsnummer (coordination numbers).

Accepted forms (whitespace around is ignored):

    YYYYMMDD-NNNC   YYYYMMDDNNNC     the long form; the century is written out
    YYMMDD-NNNC     YYMMDDNNNC       the short form of someone under 100 on ``today``
    YYMMDD+NNNC                      the short form of someone who has turned 100 on ``today``

``NNN`` is the birth number (never 000) and ``C`` the Luhn check digit over the ten digits YYMMDDNNN. A
samordningsnummer is the same with 60 added to the day (a person born on the 12th has day 72).

Written here rather than taken from the ``personnummer`` package (3.2.1): that package reads the clock itself
(``date.today()`` inside, so results change with the day a test runs and tests must patch a module global),
resolves the ``+``/``-`` century by year only (so it is wrong for part of every year), accepts birth dates in
the future and is untyped. The rules are short enough to own, with the clock injected.

Errors never repeat the number itself: messages end up in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.errors import ValidationFailed

__all__ = ["InvalidPersonalNumber", "PersonalNumber", "luhn_check_digit"]

_FORM = re.compile(
    r"(?P<century>\d{2})?(?P<yy>\d{2})(?P<mm>\d{2})(?P<dd>\d{2})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)",
    re.ASCII,
)
_COORDINATION_OFFSET = 60


class InvalidPersonalNumber(ValidationFailed):
    """The text is not a valid personnummer or samordningsnummer. Carries the reason in Swedish and English."""

    def __init__(self, sv: str, en: str) -> None:
        super().__init__(
            f"Ogiltigt personnummer: {sv} / Invalid personal identity number: {en}", field="personal_number"
        )
        self.message_sv = f"Ogiltigt personnummer: {sv}"
        self.message_en = f"Invalid personal identity number: {en}"


def luhn_check_digit(digits: str) -> int:
    """The check digit of Skatteverket's Luhn variant over YYMMDDNNN (weights 2, 1, 2, 1, ...)."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


@dataclass(frozen=True, repr=False)
class PersonalNumber:
    """A valid personnummer or samordningsnummer. ``str()`` and ``repr()`` are masked; use ``canonical``."""

    canonical: str  # 12 digits, YYYYMMDDNNNC (the day of a samordningsnummer keeps its +60)
    birth_date: date
    is_coordination_number: bool

    @classmethod
    def parse(cls, text: str, *, today: date) -> PersonalNumber:
        """Parse and validate; ``today`` resolves the century of the short forms and rules out future dates."""
        match = _FORM.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidPersonalNumber(
                "skriv det som ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN eller ÅÅMMDD+NNNN.",
                "write it as YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN or YYMMDD+NNNN.",
            )
        century, yy, mm, dd, sep = match["century"], match["yy"], match["mm"], match["dd"], match["sep"]
        serial, check = match["serial"], match["check"]
        if century is not None and sep == "+":
            raise InvalidPersonalNumber(
                "plustecken används bara med tvåsiffrigt år (ÅÅMMDD+NNNN).",
                "the plus sign is only used with a two-digit year (YYMMDD+NNNN).",
            )
        month, raw_day = int(mm), int(dd)
        coordination = raw_day > _COORDINATION_OFFSET
        day = raw_day - _COORDINATION_OFFSET if coordination else raw_day
        if century is None:
            year = _resolve_year(int(yy), month, day, today=today, centenarian=sep == "+")
        else:
            year = int(century + yy)
        try:
            birth = date(year, month, day)
        except ValueError:
            raise InvalidPersonalNumber(
                "födelsedatumet finns inte i kalendern.", "the date of birth does not exist in the calendar."
            ) from None
        if birth > today:
            raise InvalidPersonalNumber("födelsedatumet ligger i framtiden.", "the date of birth is in the future.")
        if serial == "000":
            raise InvalidPersonalNumber("födelsenumret 000 används inte.", "the birth number 000 is never issued.")
        if luhn_check_digit(yy + mm + dd + serial) != int(check):
            raise InvalidPersonalNumber("kontrollsiffran stämmer inte.", "the check digit does not match.")
        return cls(
            canonical=f"{year:04d}{mm}{dd}{serial}{check}",
            birth_date=birth,
            is_coordination_number=coordination,
        )

    @classmethod
    def is_valid(cls, text: str, *, today: date) -> bool:
        try:
            cls.parse(text, today=today)
        except InvalidPersonalNumber:
            return False
        return True

    def age_on(self, day: date) -> int:
        """Whole years on ``day``. Someone born on 29 February has their birthday on 28 February in other
        years (lag (1930:173) om beräkning av lagstadgad tid: a period ends on the month's last day)."""
        birthday_this_year = (self.birth_date.month, self.birth_date.day)
        if birthday_this_year == (2, 29) and not _is_leap(day.year):
            birthday_this_year = (2, 28)
        return day.year - self.birth_date.year - ((day.month, day.day) < birthday_this_year)

    def masked(self) -> str:
        """19121212-1212 -> "19121212-****": the date part only, for screens and logs."""
        return f"{self.canonical[:8]}-****"

    def formatted(self) -> str:
        """The long form with a hyphen, YYYYMMDD-NNNC, as shown to the person themself."""
        return f"{self.canonical[:8]}-{self.canonical[8:]}"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"PersonalNumber({self.masked()!r})"


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _resolve_year(yy: int, month: int, day: int, *, today: date, centenarian: bool) -> int:
    """The century of a short form: with ``-`` the latest year ending in ``yy`` whose birthday is not after
    ``today`` (under 100); with ``+`` the same minus 100 (has turned 100). Compared as (month, day) so that a
    date that only exists in some centuries (29 February) is judged by the validity check afterwards."""
    year = today.year - (today.year - yy) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    return year - 100 if centenarian else year
