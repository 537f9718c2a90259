"""From stored changes to domain events, and the consumers of those events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

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


# A delivery of an event already handled within this time does nothing; longer than a DLQ keeps a message (14 days),
# so replaying a DLQ never repeats what a consumer had done.
IDEMPOTENCY_SECONDS = 15 * 24 * 3600


class EventConsumers:
    """The consumers of domain events (``infrastructure.definitions.CONSUMERS``), each reading its own queue.

    Each handles an event once: Powertools idempotency keyed by the event id, a record per consumer and event. A
    consumer that fails leaves no record (Powertools deletes it), so the redelivery, or the replay of its DLQ after a
    fix, runs it again; a delivery while another is still running fails and comes back after the visibility timeout.
    """

    def __init__(
        self,
        handlers: Mapping[str, Callable[[DomainEvent], object]],
        store: Callable[[str], BasePersistenceLayer],
    ) -> None:
        self._configs: dict[str, IdempotencyConfig] = {}
        self._runs: dict[str, Callable[..., object]] = {}
        for name, handle in handlers.items():
            config = IdempotencyConfig(
                event_key_jmespath="event_id",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=IDEMPOTENCY_SECONDS,
            )

            def run(event: dict[str, Any], handle: Callable[[DomainEvent], object] = handle) -> None:
                handle(DomainEvent.from_dict(event))

            self._configs[name] = config
            self._runs[name] = idempotent_function(
                data_keyword_argument="event",
                config=config,
                persistence_store=store(name),
                key_prefix=f"event.{name}",
            )(run)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._runs)

    def handle(self, consumer: str, event: dict[str, Any], lambda_context: Any = None) -> None:
        """Run ``consumer`` on one delivered event (the message body); raises when it fails, so it is retried."""
        if lambda_context is not None:
            # a record left "in progress" by a consumer that timed out expires with the invocation
            self._configs[consumer].register_lambda_context(lambda_context)
        self._runs[consumer](event=event)
