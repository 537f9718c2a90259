"""Publishes domain events to the tenant's event queue (SQS), in batches of ten."""

from __future__ import annotations

import json
from typing import Any

import boto3

from chalicelib.domain.events import DomainEvent


class SqsEventPublisher:
    def __init__(
        self, *, queue_url: str, region: str, endpoint: str | None, session: boto3.session.Session | None = None
    ) -> None:
        session = session or boto3.session.Session()
        self._client: Any = session.client("sqs", region_name=region, endpoint_url=endpoint)
        self._queue_url = queue_url

    def publish(self, events: list[DomainEvent]) -> None:
        for start in range(0, len(events), 10):
            batch = events[start : start + 10]
            result = self._client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "MessageBody": json.dumps(e.to_dict(), ensure_ascii=False)}
                    for i, e in enumerate(batch)
                ],
            )
            if result.get("Failed"):
                # Raising makes the stream batch retry; consumers are idempotent by event id.
                raise RuntimeError(f"could not publish {len(result['Failed'])} domain events")
