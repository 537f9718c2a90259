"""Embedded AWS: moto's server in this process, on a free local port, with the tenant's resources created."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from infrastructure.definitions import TenantResources

REGION = "eu-north-1"
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


@dataclass
class CreatedResources:
    table_name: str
    audit_table_name: str
    table_stream_arn: str
    events_topic_arn: str
    queue_urls: dict[str, str]  # by queue name
    dlq_urls: dict[str, str]  # by the name of the queue they serve


@dataclass
class EventFanout:
    topic_arn: str
    queue_urls: dict[str, str]  # by queue name
    dlq_urls: dict[str, str]  # by the name of the queue they serve


def create_event_fanout(sns: Any, sqs: Any, resources: TenantResources) -> EventFanout:
    """The events topic and, per consumer, its queue (with its DLQ and redrive policy) subscribed with raw delivery,
    as the data stack makes them in AWS. Works with any boto3 clients: the embedded AWS, or moto in-process."""
    topic_arn = sns.create_topic(Name=resources.events_topic)["TopicArn"]
    fanout = EventFanout(topic_arn, {}, {})
    for queue in resources.queues:
        dlq_url = sqs.create_queue(QueueName=queue.dlq_name)["QueueUrl"]
        dlq_arn = _queue_arn(sqs, dlq_url)
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
        url = sqs.create_queue(
            QueueName=queue.name,
            Attributes={"VisibilityTimeout": str(queue.visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=_queue_arn(sqs, url),
            Attributes={"RawMessageDelivery": "true"},
        )
        fanout.queue_urls[queue.name] = url
        fanout.dlq_urls[queue.name] = dlq_url
    return fanout


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


class _OneAtATime:
    """moto's backends are not thread-safe (a transaction deep-copies a table while another thread writes it),
    so the embedded AWS handles one request at a time. Real DynamoDB is stronger than moto here, not weaker:
    every conditional write and transaction in Nära must hold either way."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def transactions_as_in_dynamodb() -> None:
    """Transactions in the embedded AWS, as DynamoDB does them, without copying tables.

    moto makes a transaction undoable by deep-copying every table it touches — each whole table, with every stream
    record ever written — before the first write: a transaction's cost grows with everything stored, and a test tier
    or a benchmark that writes many cases slows down as it goes. Here, as in DynamoDB, every condition is checked
    against the state before the transaction (no two operations touch the same item) and nothing is written unless
    all hold; then the writes are made, and if one of them still fails (a write moto refuses), the items written so
    far are put back as they were and their stream records forgotten: DynamoDB streams only committed transactions.

    It also keeps each table's own stream shard (moto's rollback put copies of the tables, and of their shards, in
    place: a reader's shard iterator still pointed at the old shard and the local event pump stalled for good after
    the first cancelled transaction). Requests are handled one at a time, so nothing else writes in between."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "keeps_streams", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        targets: set[tuple[str, str]] = set()
        reasons: list[tuple[Any, Any, Any]] = []
        for entry in transact_items:  # 1. every condition against the state before the transaction
            if len(entry) > 1:
                raise TransactWriteSingleOpException
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            else:
                key = op["Key"]
            target = (str(op["TableName"]), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            current = self.get_item(op["TableName"], key)
            condition = op.get("ConditionExpression")
            holds = condition is None or get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current)
            if holds:
                reasons.append((None, None, None))
            else:
                old = (
                    current.to_json()["Attributes"]
                    if current is not None and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                    else None
                )
                reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
            planned.append((op_type, op, key))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)

        written: list[tuple[Any, Any, Any, Any]] = []  # 2. the writes, each undoable
        try:
            for op_type, op, key in planned:
                if op_type == "ConditionCheck":
                    continue
                table = self.get_table(op["TableName"])
                hash_value, range_value = self.get_keys_value(table, key)
                written.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(
                        op["TableName"],
                        op["Item"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                        condition_expression=op.get("ConditionExpression"),
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        op["TableName"],
                        key,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                        condition_expression=op.get("ConditionExpression"),
                    )
                else:
                    self.update_item(
                        op["TableName"],
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                        condition_expression=op.get("ConditionExpression"),
                    )
        except Exception as error:
            for table, hash_value, range_value, before in reversed(written):
                place = table.items[hash_value] if range_value is not None else table.items
                slot = range_value if range_value is not None else hash_value
                if before is None:
                    place.pop(slot, None)
                else:
                    place[slot] = before
            if isinstance(error, MultipleTransactionsException | MockValidationException | ConditionalCheckFailed):
                raise
            failed = len(written) - 1
            raise TransactionCanceledException(
                [
                    (type(error).__name__, str(error), None) if i == failed else (None, None, None)
                    for i in range(len(planned))
                ]
            ) from error

    def keeping_streams(self: Any, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            transact_write_items(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    keeping_streams.keeps_streams = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = keeping_streams  # type: ignore[method-assign]
    _transactions_once_per_token()


IDEMPOTENCY_WINDOW = 600.0  # seconds: DynamoDB keeps a transaction's client request token for 10 minutes


def _transactions_once_per_token() -> None:
    """A transaction sent again with the same ``ClientRequestToken`` within 10 minutes is not done again: the answer
    is the first one's, as in DynamoDB (another request under the same token is refused). botocore gives every
    TransactWriteItems call a token and keeps it when it retries, so a transaction whose answer was lost (a timeout
    after DynamoDB made the writes) succeeds on the retry; moto would do it again, and find its own conditions
    broken."""
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.transact_write_items
    done: dict[str, tuple[float, str, Any]] = {}
    lock = threading.Lock()

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        fingerprint = json.dumps(self.body.get("TransactItems"), sort_keys=True)
        now = time.monotonic()
        with lock:
            for old in [t for t, (at, _, _) in done.items() if now - at > IDEMPOTENCY_WINDOW]:
                del done[old]
            seen = done.get(token)
        if seen is not None:
            if seen[1] != fingerprint:
                raise IdempotentParameterMismatch()
            return seen[2]
        result = original(self)
        with lock:
            done[token] = (now, fingerprint, result)
        return result

    DynamoHandler.transact_write_items = transact_write_items  # type: ignore[method-assign]


class EmbeddedAws:
    """moto's server on a free local port, in a thread of this process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or 0  # 0: the kernel picks a free port as the server binds, so none can take it first
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        transactions_as_in_dynamodb()
        app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-aws", daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        if not self.port:
            raise RuntimeError("the embedded AWS has no endpoint before it starts")
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint, **CREDENTIALS)

    def create(self, resources: TenantResources) -> CreatedResources:
        ddb = self.client("dynamodb")
        main = ddb.create_table(**resources.main_table)["TableDescription"]
        ddb.create_table(**resources.audit_table)
        for table in resources.ttl_tables:
            ddb.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
            )
        fanout = create_event_fanout(self.client("sns"), self.client("sqs"), resources)
        s3 = self.client("s3")
        for bucket in resources.buckets:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        return CreatedResources(
            table_name=main["TableName"],
            audit_table_name=resources.audit_table["TableName"],
            table_stream_arn=main["LatestStreamArn"],
            events_topic_arn=fanout.topic_arn,
            queue_urls=fanout.queue_urls,
            dlq_urls=fanout.dlq_urls,
        )
