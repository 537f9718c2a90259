"""From stored changes to domain events, and the consumers of those events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, decode_stream_image
from chalicelib.domain.events import DomainEvent, events_from_change
from chalicelib.services.ports import EventPublisher

logger = Logger(child=True)


class EventService:
    def __init__(
        self,
        cases: DynamoCases,
        publisher: EventPublisher,
        *,
        on_draft_expired: Callable[[str, str], object] | None = None,
    ) -> None:
        self._cases = cases
        self._publisher = publisher
        self._on_draft_expired = on_draft_expired

    def on_stream_records(self, records: list[dict[str, Any]]) -> list[DomainEvent]:
        """Translate a batch of DynamoDB stream records and publish the domain events they mean."""
        events: list[DomainEvent] = []
        for record in records:
            change = record.get("dynamodb", {})
            new = decode_stream_image(change.get("NewImage"))
            old = decode_stream_image(change.get("OldImage"))
            entity = str((new or old or {}).get("type", ""))
            if entity == "triage_draft" and new is None and old is not None and not old.get("case_id"):
                self._draft_expired(old)
            events.extend(events_from_change(event_id=str(record.get("eventID")), entity=entity, old=old, new=new))
        if events:
            self._publisher.publish(events)
            logger.info("domain events published", extra={"types": [e.type for e in events]})
        return events

    def _draft_expired(self, old: dict[str, Any]) -> None:
        """A triage draft left unsent until its TTL removed it: what was attached to it goes too."""
        if self._on_draft_expired is not None:
            self._on_draft_expired(str(old.get("tenant", "")), str(old.get("draft_id", "")))
            logger.info("expired draft cleaned up", extra={"draft_id": old.get("draft_id")})

    def record_on_timeline(self, event: DomainEvent) -> bool:
        """Consumer: the case timeline shows what happened. Idempotent by event id."""
        return self._cases.add_timeline(
            event.tenant, event.case_id, event.event_id, event.type, event.occurred_at, event.data
        )
