"""The event pump: delivers DynamoDB stream records, SQS messages and schedules to the Chalice handlers,
the way Lambda's event source mappings and EventBridge rules would.

- Streams: records in order per shard, in batches; a handler error retries the same batch (as Lambda does)
  until it succeeds or ``max_attempts`` is reached, then the batch is logged as dropped.
- SQS: a batch is received, the handler called; messages named in ``batchItemFailures`` (or all, when the
  handler raises) are left on the queue to come back after the visibility timeout and, after the queue's
  maxReceiveCount, go to its DLQ (logged, with how to replay it). The others are deleted. Each consumer of domain
  events has its queue; the events topic (SNS, inside moto) delivers to them.
- Schedules: ``Rate`` and ``Cron`` expressions of ``@app.schedule`` handlers.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

log = logging.getLogger("nara.local.pump")

Handler = Callable[[dict[str, Any], Any], Any]


def _context(name: str) -> LambdaContext:
    return LambdaContext(function_name=name, memory_size=512, max_runtime_ms=900_000)


class StreamSource:
    def __init__(
        self,
        streams: Any,
        stream_arn: str,
        handler: Handler,
        name: str,
        batch_size: int,
        region: str,
        max_attempts: int = 10,
    ) -> None:
        self._streams = streams
        self._arn = stream_arn
        self._handler = handler
        self._name = name
        self._batch = batch_size
        self._region = region
        self._max_attempts = max_attempts
        self._iterators: dict[str, str | None] = {}
        self._pending: dict[str, tuple[list[dict[str, Any]], str | None, int]] = {}
        self._next_discovery = 0.0

    def _discover(self) -> None:
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            sid = shard["ShardId"]
            if sid not in self._iterators:
                self._iterators[sid] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def poll(self) -> int:
        if time.monotonic() >= self._next_discovery:
            self._discover()
            self._next_discovery = time.monotonic() + 5.0  # new shards are rare; don't ask every poll
        delivered = 0
        for sid, iterator in list(self._iterators.items()):
            if sid in self._pending:
                records, next_iterator, attempts = self._pending.pop(sid)
            else:
                if iterator is None:
                    continue
                result = self._streams.get_records(ShardIterator=iterator, Limit=self._batch)
                records, next_iterator, attempts = result.get("Records", []), result.get("NextShardIterator"), 0
            if not records:
                self._iterators[sid] = next_iterator
                continue
            event = {"Records": [self._lambda_record(r) for r in records]}
            try:
                self._handler(event, _context(self._name))
            except Exception:
                attempts += 1
                if attempts < self._max_attempts:
                    log.exception("%s failed on a stream batch (attempt %d); retrying", self._name, attempts)
                    self._pending[sid] = (records, next_iterator, attempts)
                    continue
                log.error("%s dropped a stream batch of %d after %d attempts", self._name, len(records), attempts)
            self._iterators[sid] = next_iterator
            delivered += len(records)
        return delivered

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = created.timestamp()
        return {
            "eventID": record["eventID"],
            "eventName": record["eventName"],
            "eventVersion": record.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb",
            "awsRegion": self._region,
            "dynamodb": change,
            "eventSourceARN": self._arn,
        }


class QueueSource:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        handler: Handler,
        name: str,
        batch_size: int,
        region: str,
        max_receives: int | None = None,
    ) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._arn = queue_arn
        self._handler = handler
        self._name = name
        self._batch = min(batch_size, 10)
        self._region = region
        self._max_receives = max_receives  # the queue's maxReceiveCount: then SQS moves a message to the DLQ

    def poll(self) -> int:
        received = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = {"Records": [self._lambda_record(m) for m in received]}
        try:
            response = self._handler(event, _context(self._name))
            failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        except Exception:
            log.exception("%s failed on an SQS batch; all %d messages will be retried", self._name, len(received))
            failed = {m["MessageId"] for m in received}
        self._warn_last_attempts([m for m in received if m["MessageId"] in failed])
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return len(done)

    def _warn_last_attempts(self, failed: list[dict[str, Any]]) -> None:
        if self._max_receives is None:
            return
        for m in failed:
            if int(m.get("Attributes", {}).get("ApproximateReceiveCount", 0)) >= self._max_receives:
                log.warning(
                    "%s failed message %s on its last attempt: it goes to the DLQ; after a fix, replay it with "
                    "`make replay-dlq CONSUMER=<consumer> ENDPOINT=<embedded AWS>` (docs/events.md)",
                    self._name,
                    m["MessageId"],
                )

    def _lambda_record(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": self._region,
        }


_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def _cron_field_matches(expr: str, value: int) -> bool:
    if expr in ("*", "?"):
        return True
    for part in expr.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            low, high = 0, 10**6
        elif "-" in part:
            low_text, high_text = part.split("-", 1)
            low, high = int(low_text), int(high_text)
        else:
            low = high = int(part)
            if step != 1:
                high = 10**6
        if low <= value <= high and (value - low) % step == 0:
            return True
    return False


def cron_matches(expression: str, at: datetime) -> bool:
    """AWS cron: minutes hours day-of-month month day-of-week(1=SUN) year; numbers, *, ?, lists, ranges, steps."""
    minute, hour, dom, month, dow, year = expression.split()
    aws_dow = (at.isoweekday() % 7) + 1
    return (
        _cron_field_matches(minute, at.minute)
        and _cron_field_matches(hour, at.hour)
        and _cron_field_matches(dom, at.day)
        and _cron_field_matches(month, at.month)
        and _cron_field_matches(dow, aws_dow)
        and _cron_field_matches(year, at.year)
    )


class ScheduleSource:
    def __init__(self, expression: str, handler: Handler, name: str, region: str) -> None:
        self._expression = expression
        self._handler = handler
        self._name = name
        self._region = region
        self._last_run = time.monotonic()
        self._last_minute: str | None = None

    def _due(self) -> bool:
        if self._expression.startswith("rate("):
            amount, unit = self._expression[5:-1].split()
            if time.monotonic() - self._last_run >= int(amount) * _UNITS[unit]:
                self._last_run = time.monotonic()
                return True
            return False
        now = datetime.now(UTC)
        minute = now.strftime("%Y%m%d%H%M")
        if minute != self._last_minute and cron_matches(self._expression[5:-1], now):
            self._last_minute = minute
            return True
        return False

    def poll(self) -> int:
        if not self._due():
            return 0
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region,
            "resources": [],
            "detail": {},
        }
        try:
            self._handler(event, _context(self._name))
        except Exception:
            log.exception("scheduled handler %s failed", self._name)
        return 1


class EventPump:
    """Polls every source in one background thread until stopped."""

    def __init__(self, sources: list[Any], interval: float = 0.2) -> None:
        self._sources = sources
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-pump", daemon=True)

    @staticmethod
    def for_app(
        app_module: ModuleType, *, aws: Any, region: str, stream_arns: dict[str, str], queue_urls: dict[str, str]
    ) -> EventPump:
        """Build sources from the Chalice app's own event-source declarations."""
        app = app_module.app
        sources: list[Any] = []
        for config in app.event_sources:
            name = config.handler_string.split(".")[-1]
            handler = getattr(app_module, name)
            if isinstance(config, DynamoDBEventConfig):
                arn = stream_arns[config.stream_arn]
                sources.append(
                    StreamSource(aws.client("dynamodbstreams"), arn, handler, name, config.batch_size, region)
                )
            elif isinstance(config, SQSEventConfig):
                url = queue_urls[config.queue]
                sqs = aws.client("sqs")
                found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "RedrivePolicy"])
                arn = found["Attributes"]["QueueArn"]
                redrive = json.loads(found["Attributes"].get("RedrivePolicy") or "{}")
                max_receives = int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None
                sources.append(QueueSource(sqs, url, arn, handler, name, config.batch_size or 10, region, max_receives))
            elif isinstance(config, ScheduledEventConfig):
                expression = config.schedule_expression
                text = expression if isinstance(expression, str) else expression.to_string()
                sources.append(ScheduleSource(text, handler, name, region))
        return EventPump(sources)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = 0
            for source in self._sources:
                try:
                    busy += source.poll()
                except Exception:
                    log.exception("event pump: polling a source failed")
            if not busy:
                self._stop.wait(self._interval)
