"""Domain events out and back: published once to the tenant's events topic (SNS), which fans them out to one SQS queue
per consumer (raw delivery: a message's body is the event). Also the redrive of a consumer's DLQ after a fix."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from chalicelib.adapters import tables
from chalicelib.domain.events import DomainEvent


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
