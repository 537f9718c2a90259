"""What the services need from the outside world. Adapters implement these; tests may pass fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.events import DomainEvent

Clock = Callable[[], datetime]
IdGenerator = Callable[[], str]


class Pusher(Protocol):
    def push(self, connection_id: str, payload: dict[str, Any]) -> None: ...


class EventPublisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...


class ListingRegister(Protocol):
    """The region's listing register (listning): the vårdcentral each resident is listed at (docs/listing.md)."""

    def listed_unit(self, personal_number: str) -> str | None:
        """The HSA-id of the unit where the person (12-digit personnummer) is listed; None when they are listed
        nowhere in the region, when the region has no register configured, or when the register could not answer in
        time (the caller then routes without it). Raises ``ValueError`` only for a number that is not 12 digits."""
        ...
