"""The data resources of one region (tenant): one definition for the AWS stack and for the local stack.

Tables come from ``chalicelib.adapters.tables`` (the pynamodb models are checked against it by a test).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import tables

# The consumers of domain events (docs/events.md): each has its own queue, subscribed to the events topic, and its own
# DLQ. The name is the queue's last part and the consumer's handler in app.py is ``on_event_for_<name>``.
CONSUMERS = ("timeline", "notify", "alerts", "stats", "interregion")
# The event types each consumer's queue receives: the subscription's filter policy on the message attribute ``type``, so
# a consumer is not woken for events it would drop (None: every event). Each handler ignores every other type, and
# tests/unit/test_consumer_filters.py checks both ways against the handlers' own lists.
CONSUMED_EVENTS: dict[str, tuple[str, ...] | None] = {
    "timeline": None,  # the case's timeline shows everything that happened
    "notify": (
        "MessagePosted",
        "AppointmentBooked",
        "AppointmentRescheduled",
        "AppointmentReminderDue",
        "AppointmentCancelled",
        "VideoStarted",
        "CaseReferred",
        "CaseClosed",
    ),
    "alerts": ("CaseSubmitted", "CaseQueued", "OverflowOffered"),
    "stats": ("CaseSubmitted", "CaseQueued", "MessagePosted", "CaseClosed", "TriageOverridden"),
    "interregion": ("CaseReferred", "ReferralAccepted", "ReferralRejected"),
}
RETRY_AFTER_SECONDS = 30  # a failed message comes back after this long (the visibility timeout) ...
MAX_RECEIVES = 5  # ... at most this many times in all; then it goes to the consumer's DLQ


@dataclass(frozen=True)
class QueueDef:
    name: str
    visibility_timeout: int
    max_receive_count: int  # then the message goes to the queue's DLQ
    consumer: str = ""  # the consumer of domain events that reads this queue

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"

    @property
    def filter_policy(self) -> dict[str, list[str]] | None:
        """The events topic's filter on this queue's subscription: only the event types its consumer handles."""
        types = CONSUMED_EVENTS[self.consumer]
        return None if types is None else {"type": list(types)}


@dataclass(frozen=True)
class TenantResources:
    tenant: str
    # Only for tests of the local stack: failed messages come back after this many seconds instead of
    # RETRY_AFTER_SECONDS (in AWS a queue must hide a message at least as long as its consumer may run).
    retry_after: int | None = None

    @property
    def main_table(self) -> dict[str, Any]:
        return tables.main_table(f"nara-{self.tenant}-main")

    @property
    def audit_table(self) -> dict[str, Any]:
        return tables.audit_table(f"nara-{self.tenant}-audit")

    @property
    def events_topic(self) -> str:
        """The SNS topic the stream handler publishes every domain event to, once; the consumers' queues subscribe."""
        return f"nara-{self.tenant}-events"

    @property
    def queues(self) -> tuple[QueueDef, ...]:
        """One queue per consumer of domain events, each with its DLQ."""
        retry = self.retry_after or RETRY_AFTER_SECONDS
        return tuple(
            QueueDef(f"nara-{self.tenant}-{c}", visibility_timeout=retry, max_receive_count=MAX_RECEIVES, consumer=c)
            for c in CONSUMERS
        )

    def queue_of(self, consumer: str) -> QueueDef:
        (queue,) = [q for q in self.queues if q.consumer == consumer]
        return queue

    @property
    def buckets(self) -> tuple[str, ...]:
        return (f"nara-{self.tenant}-photos",)

    @property
    def ttl_tables(self) -> tuple[str, ...]:
        return (self.main_table["TableName"],)
