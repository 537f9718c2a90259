"""What Nära tells a citizen by SMS and e-mail, and when: the templates and the region's rules (pure).

A notice says only that there is something new, at which unit, and where to log in. It never carries the reason
for contact, free text, triage answers, protocol, priority or profession: a phone's lock screen and a shared inbox
are not private. A booking's time is in it (a time is not health data); its reason never is. A referral names the
unit the citizen chose, not the one the case went to (a unit's name can reveal the problem: "Barnmorskemottagning").

Templates are Swedish and English; a notice is in the citizen's language when known, else in both (Swedish first).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
DEFAULT_INTERVAL = timedelta(minutes=15)
DEFAULT_QUIET = (time(21, 0), time(8, 0))


class NoticeKind(enum.StrEnum):
    FIRST_REPLY = "first_reply"  # staff's first message in the case
    MESSAGE = "message"  # a later message from staff
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_MOVED = "booking_moved"
    BOOKING_REMINDER = "booking_reminder"
    BOOKING_CANCELLED = "booking_cancelled"
    VIDEO_STARTING = "video_starting"
    CASE_REFERRED = "case_referred"
    CASE_CLOSED = "case_closed"


MESSAGE_KINDS = frozenset({NoticeKind.FIRST_REPLY, NoticeKind.MESSAGE})
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class NoticeFacts:
    """All a template may use. Deliberately nothing about the case's content."""

    unit_name: str
    link: str
    starts_at: datetime | None = None  # bookings
    by_staff: bool = False  # a cancellation: by the unit (True) or as the citizen asked


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    sms: str
    subject: str
    email: str


def _when(at: datetime | None, language: str) -> str:
    if at is None:
        return ""
    local = at.astimezone(SWEDISH_TIME)
    if language == "sv":
        return f"{local:%Y-%m-%d} kl. {local:%H.%M}"
    return f"{local:%Y-%m-%d} at {local:%H:%M} (Swedish time)"


# kind -> language -> (subject, sentence); the sentence is formatted with unit and when
_TEXTS: dict[NoticeKind, dict[str, tuple[str, str]]] = {
    NoticeKind.FIRST_REPLY: {
        "sv": ("Svar från vården i Nära", "{unit} har svarat i ditt ärende."),
        "en": ("Your care unit has replied in Nära", "{unit} has replied in your case."),
    },
    NoticeKind.MESSAGE: {
        "sv": ("Nytt meddelande i Nära", "Du har ett nytt meddelande från {unit}."),
        "en": ("New message in Nära", "You have a new message from {unit}."),
    },
    NoticeKind.BOOKING_CONFIRMED: {
        "sv": ("Din tid är bokad", "Din tid hos {unit} är bokad {when}."),
        "en": ("Your appointment is booked", "Your appointment at {unit} is booked for {when}."),
    },
    NoticeKind.BOOKING_MOVED: {
        "sv": ("Din tid är flyttad", "Din tid hos {unit} är flyttad till {when}."),
        "en": ("Your appointment has moved", "Your appointment at {unit} has moved to {when}."),
    },
    NoticeKind.BOOKING_REMINDER: {
        "sv": ("Påminnelse om din tid", "Påminnelse: du har en tid hos {unit} {when}."),
        "en": ("Appointment reminder", "Reminder: you have an appointment at {unit} on {when}."),
    },
    NoticeKind.BOOKING_CANCELLED: {
        "sv": ("Din tid är avbokad", "Din tid hos {unit} {when} är avbokad."),
        "en": ("Your appointment is cancelled", "Your appointment at {unit} on {when} is cancelled."),
    },
    NoticeKind.VIDEO_STARTING: {
        "sv": ("Videomöte nu", "{unit} väntar på dig i ett videomöte nu."),
        "en": ("Video meeting now", "{unit} is waiting for you in a video meeting now."),
    },
    NoticeKind.CASE_REFERRED: {
        "sv": (
            "Ditt ärende har skickats vidare",
            "Ditt ärende hos {unit} har skickats vidare till en annan mottagning.",
        ),
        "en": ("Your case has been passed on", "Your case at {unit} has been passed on to another unit."),
    },
    NoticeKind.CASE_CLOSED: {
        "sv": ("Ditt ärende är avslutat", "Ditt ärende hos {unit} är avslutat."),
        "en": ("Your case is closed", "Your case at {unit} has been closed."),
    },
}

_CANCELLED_BY_STAFF = {
    "sv": "Din tid hos {unit} {when} har avbokats av mottagningen.",
    "en": "Your appointment at {unit} on {when} has been cancelled by the unit.",
}

_ACTION = {
    NoticeKind.VIDEO_STARTING: {"sv": "Logga in och anslut:", "en": "Log in and join:"},
    NoticeKind.FIRST_REPLY: {"sv": "Logga in för att läsa:", "en": "Log in to read it:"},
    NoticeKind.MESSAGE: {"sv": "Logga in för att läsa:", "en": "Log in to read it:"},
}
_DEFAULT_ACTION = {"sv": "Logga in för att se mer:", "en": "Log in to see more:"}

_EMAIL_GREETING = {"sv": "Hej!", "en": "Hello,"}
_EMAIL_FOOTER = {
    "sv": "Av säkerhetsskäl står ingenting om ditt ärende i det här meddelandet. Svara inte på det.",
    "en": "For your privacy this message says nothing about your case. Please do not reply to it.",
}


def _sentence(kind: NoticeKind, facts: NoticeFacts, language: str) -> str:
    template = _TEXTS[kind][language][1]
    if kind is NoticeKind.BOOKING_CANCELLED and facts.by_staff:
        template = _CANCELLED_BY_STAFF[language]
    return template.format(unit=facts.unit_name, when=_when(facts.starts_at, language))


def render(kind: NoticeKind, facts: NoticeFacts, language: str | None = None) -> Notice:
    """The SMS, e-mail subject and e-mail body of one notice; in ``language`` ("sv"/"en"), or both when None."""
    languages = (language,) if language in LANGUAGES else LANGUAGES
    lines = [f"{_sentence(kind, facts, lang)} {_ACTION.get(kind, _DEFAULT_ACTION)[lang]}" for lang in languages]
    sms = "Nära: " + "\n".join(lines) + f"\n{facts.link}"
    subject = " / ".join(_TEXTS[kind][lang][0] for lang in languages)
    parts = [
        f"{_EMAIL_GREETING[lang]}\n\n{line}\n{facts.link}\n\n{_EMAIL_FOOTER[lang]}\n"
        for lang, line in zip(languages, lines, strict=True)
    ]
    return Notice(kind, sms, f"Nära: {subject}", "\n---\n\n".join(parts))


PHONE_INVITE = "phone_invite"  # not a case notice: staff sent a caller a login link


def phone_invite_sms(link: str) -> str:
    """The SMS staff send a caller: the login link, nothing about why they called."""
    return f"Logga in i Nära: {link}\nLog in to Nära: {link}"


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.escape(template).replace(re.escape("{unit}"), ".+").replace(re.escape("{when}"), ".+"))


_RECOGNISE = [
    (kind, _pattern(template))
    for kind, texts in _TEXTS.items()
    for template in [t[1] for t in texts.values()]
    + ([*_CANCELLED_BY_STAFF.values()] if kind is NoticeKind.BOOKING_CANCELLED else [])
]


def kind_of(text: str) -> str:
    """Which notice a sent SMS or e-mail body is (for the local outbox); "" when it is none of ours."""
    if text.startswith("Logga in i Nära:"):
        return PHONE_INVITE
    return next((kind.value for kind, pattern in _RECOGNISE if pattern.search(text)), "")


@dataclass(frozen=True)
class QuietHours:
    """Hours (Swedish time) when a non-urgent SMS is not sent; start may be after end (over midnight)."""

    start: time = DEFAULT_QUIET[0]
    end: time = DEFAULT_QUIET[1]

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(SWEDISH_TIME).time()
        if self.start == self.end:
            return False  # a region that turned quiet hours off
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, at: datetime) -> datetime:
        """The first moment at or after ``at`` outside quiet hours (UTC)."""
        if not self.contains(at):
            return at
        local = at.astimezone(SWEDISH_TIME)
        end = datetime.combine(local.date(), self.end, tzinfo=SWEDISH_TIME)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=SWEDISH_TIME)
        return end.astimezone(UTC)


def _clock_time(raw: Any, default: time) -> time:
    try:
        return time.fromisoformat(str(raw)) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class NoticeRules:
    """The region's settings for notices (the region item's ``notices``; defaults when absent)."""

    interval: timedelta = DEFAULT_INTERVAL  # at most one message SMS per case within this
    quiet: QuietHours = QuietHours()

    @staticmethod
    def of_region(details: dict[str, Any]) -> NoticeRules:
        raw = details.get("notices") or {}
        quiet = raw.get("quiet_hours") or {}
        minutes = raw.get("sms_interval_minutes")
        return NoticeRules(
            interval=timedelta(minutes=int(minutes)) if minutes is not None else DEFAULT_INTERVAL,
            quiet=QuietHours(
                start=_clock_time(quiet.get("start"), DEFAULT_QUIET[0]),
                end=_clock_time(quiet.get("end"), DEFAULT_QUIET[1]),
            ),
        )

    def urgent(self, kind: NoticeKind, now: datetime, starts_at: datetime | None) -> bool:
        """Not held by quiet hours: "video now", and a reminder of a time that comes before quiet hours end."""
        if kind is NoticeKind.VIDEO_STARTING:
            return True
        if kind is NoticeKind.BOOKING_REMINDER and starts_at is not None:
            return starts_at <= self.quiet.ends_after(now) + timedelta(hours=2)
        return False

    def hold_sms(self, kind: NoticeKind, now: datetime, starts_at: datetime | None = None) -> bool:
        return self.quiet.contains(now) and not self.urgent(kind, now, starts_at)
