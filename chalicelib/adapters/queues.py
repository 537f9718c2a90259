"""Domain events out and back: published once to the tenant's events topic (SNS), which fans them out to one SQS queue
per consumer (raw delivery: a message's body is the event). Also the backoff of a consumer's failed events, and the
redrive of a consumer's DLQ after a fix."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from chalicelib.adapters import tables
from chalicelib.domain.events import DomainEvent

logger = Logger(child=True)

# A failed event comes back after its queue's visibility timeout (RETRY_AFTER_SECONDS in infrastructure/definitions.py),
# then twice as long each time it fails again, but never later than this ...
MAX_RETRY_DELAY_SECONDS = 15 * 60
# ... nor than this many times the queue's own wait (30 s in AWS: the 15 minutes; 1 s in the tests of the local stack:
# 30 s, so that they stay quick).
MAX_BACKOFF_FACTOR = 30
SQS_MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS refuses a longer visibility timeout


class SnsEventPublisher:
    """Publishes domain events to the events topic, in batches of ten."""

    def __init__(
        self, *, topic_arn: str, region: str, endpoint: str | None, session: boto3.session.Session | None = None
    ) -> None:
        session = session or boto3.session.Session()
        self._client: Any = session.client("sns", region_name=region, endpoint_url=endpoint)
        self._topic_arn = topic_arn

    def publish(self, events: list[DomainEvent]) -> None:
        for start in range(0, len(events), 10):
            batch = events[start : start + 10]
            result = self._client.publish_batch(
                TopicArn=self._topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": str(i),
                        "Message": json.dumps(e.to_dict(), ensure_ascii=False),
                        # consumers could filter on it; also shown by the console and the outbox of the local stack
                        "MessageAttributes": {"type": {"DataType": "String", "StringValue": e.type}},
                    }
                    for i, e in enumerate(batch)
                ],
            )
            if result.get("Failed"):
                # Raising makes the stream batch retry; consumers are idempotent by event id.
                raise RuntimeError(f"could not publish {len(result['Failed'])} domain events")


class EventMemory(DynamoDBPersistenceLayer):
    """Powertools' idempotency records, also when DynamoDB's answer to "this event is now in progress" is lost.

    The record is a conditional put (no record yet, or an expired one). When its answer is lost, botocore sends the
    put again and finds the record — its own — so Powertools would take the event as being handled by another
    delivery, and every later delivery as well until the record's in-progress time ran out (the invocation's whole
    timeout): the event would end in the DLQ unhandled. A record in progress with this put's own expiry times (to
    the millisecond of the invocation's deadline) is this put's, and the handling goes on."""

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError as error:
            found = error.old_data_record
            if found is None:
                try:
                    found = self._get_record(data_record.idempotency_key)
                except IdempotencyItemNotFoundError:
                    raise error from None
            if not (
                found.status == STATUS_CONSTANTS["INPROGRESS"]
                and found.in_progress_expiry_timestamp == data_record.in_progress_expiry_timestamp
                and found.expiry_timestamp == data_record.expiry_timestamp
            ):
                raise


def idempotency_store(*, table_name: str, tenant: str, consumer: str, region: str, endpoint: str | None) -> EventMemory:
    """Where a consumer remembers the events it has handled: items of the main table, one partition per consumer,
    expiring by the table's TTL."""
    client = boto3.session.Session().client("dynamodb", region_name=region, endpoint_url=endpoint)
    return EventMemory(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"T#{tenant}#IDEMPOTENCY#{consumer}",
        expiry_attr=tables.TTL_ATTRIBUTE,
        boto3_client=client,
    )


def retry_delay(receive_count: int, base: int, cap: int) -> int:
    """Seconds until the next attempt at a message that failed on its ``receive_count``-th receive: ``base`` after the
    first, then twice as long each time (base × 2^(n−1)), never more than ``cap``."""
    doublings = min(max(receive_count, 1) - 1, 40)  # 2^40 × any base is past any cap
    return max(0, min(cap, base << doublings))  # base × 2^doublings


@dataclass(frozen=True)
class _QueueTimes:
    url: str
    base: int  # the queue's visibility timeout: a failed message comes back after it on its own
    cap: int
    max_receives: int | None  # the redrive policy's maxReceiveCount: then the message goes to the DLQ


class RetryBackoff:
    """Puts off the next delivery of a consumer's failed message, longer each time it fails (``retry_delay``): SQS
    gives it back after ``ChangeMessageVisibility`` instead of the queue's fixed visibility timeout. Each queue's
    times come from the queue itself (its visibility timeout is the base; its retention and maxReceiveCount bound the
    cap so every attempt fits in the retention and a failing message reaches its DLQ), asked once per process.

    Never makes the handling fail: when SQS cannot be asked, the message keeps the queue's own wait (logged)."""

    def __init__(self, *, region: str, endpoint: str | None, session: boto3.session.Session | None = None) -> None:
        self._session = session
        self._region = region
        self._endpoint = endpoint
        self._queues: dict[str, _QueueTimes] = {}

    @functools.cached_property
    def _client(self) -> Any:  # made on the first failure: a consumer's cold start does not pay for it
        session = self._session or boto3.session.Session()
        return session.client("sqs", region_name=self._region, endpoint_url=self._endpoint)

    @contextlib.contextmanager
    def on_failure(self, record: Mapping[str, Any]) -> Iterator[None]:
        """Around the handling of one SQS record (as Lambda gives it): if the handling raises, the record's next
        delivery is put off, and the error goes on (the record is reported as failed)."""
        try:
            yield
        except Exception:
            self.retry_later(record)
            raise

    def retry_later(self, record: Mapping[str, Any]) -> int | None:
        """Puts off the next delivery of a failed record. Returns the seconds until it, or None when the record keeps
        its queue's own wait: after its first receive, on its last (it goes to the DLQ), or when SQS could not be
        asked (logged)."""
        try:
            receives = int(record["attributes"]["ApproximateReceiveCount"])
            queue = self._times(record["eventSourceARN"])
            if queue.max_receives is not None and receives >= queue.max_receives:
                return None  # its last attempt: waiting longer would only keep it from the DLQ
            delay = retry_delay(receives, queue.base, queue.cap)
            if delay <= queue.base:
                return None
            self._client.change_message_visibility(
                QueueUrl=queue.url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=delay
            )
            return delay
        except Exception:  # the handling's own failure matters, not this one: the message comes back anyway
            logger.warning(
                "could not put off the next delivery of a failed message; it comes back after the queue's own wait",
                extra={"message_id": record.get("messageId"), "queue": record.get("eventSourceARN")},
                exc_info=True,
            )
            return None

    def _times(self, queue_arn: str) -> _QueueTimes:
        times = self._queues.get(queue_arn)
        if times is None:
            url = url_of_queue(queue_arn, endpoint=self._endpoint)
            names = ["VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy"]
            found = self._client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            base = int(found["VisibilityTimeout"])
            redrive = found.get("RedrivePolicy")
            max_receives = int(json.loads(redrive)["maxReceiveCount"]) if redrive else None
            retention = int(found.get("MessageRetentionPeriod", 4 * 24 * 3600))  # the SQS default
            cap = min(
                MAX_RETRY_DELAY_SECONDS,
                MAX_BACKOFF_FACTOR * base,
                SQS_MAX_VISIBILITY_SECONDS,
                retention // (max_receives or 1),  # every attempt within the retention: failures reach the DLQ
            )
            times = self._queues[queue_arn] = _QueueTimes(url, base, cap, max_receives)
        return times


@functools.cache
def retry_backoff(region: str, endpoint: str | None) -> RetryBackoff:
    """The process's backoff (a warm Lambda keeps its client and the queues' times)."""
    return RetryBackoff(region=region, endpoint=endpoint)


def url_of_queue(queue_arn: str, *, endpoint: str | None) -> str:
    """The URL of the queue an ARN (``arn:aws:sqs:<region>:<account>:<name>``) names, at ``endpoint`` when given."""
    arn, partition, service, region, account, name = queue_arn.split(":")
    if arn != "arn" or service != "sqs" or not (region and account and name):
        raise ValueError(f"not the ARN of an SQS queue: {queue_arn!r}")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{account}/{name}"
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{suffix}/{account}/{name}"


def redrive(sqs: Any, *, dlq_url: str, queue_url: str, batch: int = 10) -> int:
    """Moves every message in ``dlq_url`` back to ``queue_url`` (each sent before it is deleted: a message is never
    lost, at worst delivered twice, which the consumers' idempotency absorbs). Returns how many were moved."""
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=batch, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return moved
        entries = [{"Id": str(i), "MessageBody": m["Body"], **_attributes(m)} for i, m in enumerate(messages)]
        sent = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        ok = {int(s["Id"]) for s in sent.get("Successful", [])}
        done = [m for i, m in enumerate(messages) if i in ok]
        if done:
            sqs.delete_message_batch(
                QueueUrl=dlq_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        moved += len(done)
        if len(done) < len(messages):
            raise RuntimeError(f"could not move {len(messages) - len(done)} messages; run the replay again")


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("MessageAttributes")
    return {"MessageAttributes": attributes} if attributes else {}
