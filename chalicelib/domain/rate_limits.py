"""Rate limits: how many login steps one client address, and how many chat messages one sender, may make per window.

A fixed window: time is cut into windows of ``window`` length (09:00:00–09:00:59, 09:01:00–...); each window has
its own counter (``chalicelib.adapters.ratelimit``), so a new window starts from zero. Over the limit the service
raises :class:`LimitReached` (a ``RateLimited``, HTTP 429) saying, in Swedish and English, when to try again; the
API sends that as ``Retry-After``.

The defaults below are each region's unless its deployment builds the services with others (``bootstrap.py``):

- login: 30 per client address per minute for each step (BankID or OIDC start, OIDC callback, code exchange), so
  30 logins a minute from one address. Many people share an address (a care unit's staff behind its firewall at
  the start of a shift, a mobile operator's carrier-grade NAT), so the limit stops machines, not a busy unit.
- chat messages: 30 per sender (citizen or staff member) per minute, over all their cases. A retry of a message
  (the same client id in the same case) is counted once per window: retrying is not abuse.
Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.domain.errors import RateLimited

MINUTE = timedelta(minutes=1)


class LimitReached(RateLimited):
    """RateLimited with the number of seconds until the window ends (the ``Retry-After`` header)."""

    def __init__(self, message: str, *, message_sv: str, retry_after: int) -> None:
        super().__init__(message, message_sv=message_sv)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """The window's name in the counter's key: its start in whole seconds since the epoch."""
        return str(int(self.start.timestamp()))


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_window`` of ``kind`` per key (a client address, a sender) in each window; ``about`` names
    what is counted, in English and Swedish, for the message to the person who hit the limit."""

    kind: str
    per_window: int
    window: timedelta = MINUTE
    about: tuple[str, str] = ("requests", "förfrågningar")

    def __post_init__(self) -> None:
        if self.per_window < 1 or self.window.total_seconds() < 1:
            raise ValueError(f"rate limit {self.kind}: at least 1 per window of at least 1 s")

    def window_at(self, now: datetime) -> Window:
        length = int(self.window.total_seconds())
        start = int(now.timestamp()) // length * length
        begins = datetime.fromtimestamp(start, UTC)
        return Window(begins, begins + self.window)

    def refused(self, window: Window, now: datetime) -> LimitReached:
        """The error for one request too many in ``window``: try again when it ends."""
        seconds = max(1, math.ceil((window.end - now).total_seconds()))
        what_en, what_sv = self.about
        return LimitReached(
            f"Too many {what_en} in a short time; please wait {seconds} seconds and try again.",
            message_sv=f"För många {what_sv} på kort tid. Vänta {seconds} sekunder och försök igen.",
            retry_after=seconds,
        )


LOGIN_PER_MINUTE = 30
MESSAGES_PER_MINUTE = 30
_LOGINS = ("login attempts from your network", "inloggningsförsök från ditt nätverk")


def login_steps(per_minute: int = LOGIN_PER_MINUTE) -> dict[str, RateLimit]:
    """The limit of each login step per client address; each step counts on its own."""
    return {step: RateLimit(f"login_{step}", per_minute, about=_LOGINS) for step in ("start", "callback", "exchange")}


def messages(per_minute: int = MESSAGES_PER_MINUTE) -> RateLimit:
    """The limit of chat messages per sender."""
    return RateLimit("message", per_minute, about=("messages", "meddelanden"))
