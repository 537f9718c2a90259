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
