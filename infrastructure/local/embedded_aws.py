"""Embedded AWS: moto's server in this process, on a free local port, with the tenant's resources created."""

from __future__ import annotations

import base64
import copy
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from infrastructure.definitions import TenantResources

log = logging.getLogger("nara.local.embedded_aws")
_REQUEST_LOG = logging.getLogger("werkzeug")

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
            Attributes={
                "RawMessageDelivery": "true",
                **({"FilterPolicy": json.dumps(queue.filter_policy)} if queue.filter_policy else {}),
            },
        )
        fanout.queue_urls[queue.name] = url
        fanout.dlq_urls[queue.name] = dlq_url
    return fanout


def _queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with each host's backend found once: moto looks it up for every request by listing its own
    package directory (``backends.list_of_moto_modules``: a directory listing and some 150 ``isdir`` calls) and then
    matching every service's URL patterns, which led the embedded AWS's profile of the staff queue. The answer
    depends only on the host."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backend_of_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backend_of_host:
            self._backend_of_host[host] = super().get_backend_for_host(host)
        return self._backend_of_host[host]


class _KeepAlive(MotoRequestHandler):
    """moto's request handler, with HTTP/1.1 keep-alive: AWS's endpoints keep a connection open for the next call,
    and botocore keeps its connections in a pool for that.

    werkzeug's development server closes every connection after one answer (``Connection: close``) and, before
    closing, waits 10 ms for stray request bytes, so each AWS call of the stack paid for a new TCP connection and a
    new server thread, and each handoff between those threads under the one interpreter lock. Here the request's
    body is read whole before the app sees it (exactly its ``Content-Length``, or a chunked body to its end), so
    nothing of it is left to be mistaken for the next request, and the answer carries its length; the connection
    then stays open for the next request. The app is :class:`_OneAtATime`, which gives its answer as one list."""

    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if _REQUEST_LOG.isEnabledFor(logging.INFO):  # the line is built only to be shown (the stack shows warnings)
            super().log_request(code, size)

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's reader stops at the last chunk
            body = environ["wsgi.input"].read()
        else:
            body = self.rfile.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            started[:] = [status, headers]
            return written.append

        try:
            answer = b"".join([*written, *self.server.app(environ, start_response)])
        except Exception:
            log.exception("the embedded AWS failed on a request")
            started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
            answer, self.close_connection = b"", True
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        head = self.command == "HEAD"  # its Content-Length is the object's, as the app gave it
        for name, value in headers:
            if name.lower() in ("connection", "transfer-encoding") or (name.lower() == "content-length" and not head):
                continue
            self.send_header(name, value)
        if not head and not (100 <= int(code) < 200 or int(code) in (204, 304)):
            self.send_header("Content-Length", str(len(answer)))
        if self.close_connection:
            self.send_header("Connection", "close")
        if self.command != "HEAD":  # headers and body in one write: a second small one would wait for an ACK
            self._headers_buffer.append(b"\r\n" + answer)  # type: ignore[attr-defined]
            self.flush_headers()
        else:
            self.end_headers()
        self.wfile.flush()


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
                _touched(table, (hash_value, range_value))  # written past put_item/delete_item: the index must know
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


_PrimaryKey = tuple[Any, Any]  # (hash value, range value or None), moto's DynamoTypes
_INDEX_LOCK = threading.RLock()  # the index's own bookkeeping; moto's state is guarded (or not) as before
_NARROWED = threading.local()  # the one Query this thread is answering: its table and that Query's candidates


class _Partitions:
    """Beside one moto table: for each set of attribute names an index Query asks equal (an index's hash key), the
    primary keys of the items by those attributes' values; and the primary keys written since it was last brought up
    to date ("dirty"). It is brought up to date at the start of each Query, for the dirty keys only."""

    def __init__(self) -> None:
        self.items_id = 0  # id of the table's ``items`` the index describes: another dict means rebuild everything
        self.dirty: set[_PrimaryKey] | None = None  # None: everything (nothing built yet)
        self.by_attributes: dict[tuple[str, ...], dict[tuple[Any, ...], set[_PrimaryKey]]] = {}
        self.placed: dict[_PrimaryKey, dict[tuple[str, ...], tuple[Any, ...]]] = {}  # where each key is filed

    def unplace(self, key: _PrimaryKey) -> None:
        for names, values in self.placed.pop(key, {}).items():
            keys = self.by_attributes[names].get(values)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_attributes[names][values]

    def place(self, key: _PrimaryKey, item: Any, only: tuple[str, ...] | None = None) -> None:
        for names, index in self.by_attributes.items():
            if only is not None and names != only:
                continue
            values = _values_of(item, names)
            if values is not None:
                index.setdefault(values, set()).add(key)
                self.placed.setdefault(key, {})[names] = values


def _values_of(item: Any, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The item's values of these attributes, if it has them all and they can be filed (scalars: an index key is S,
    N or B; a list, map or set never equals one)."""
    values = tuple(item.attrs.get(name) for name in names)
    if any(value is None for value in values):
        return None
    try:
        hash(values)
    except Exception:  # an unhashable list/map/set: it cannot equal the scalar a Query asks for
        return None
    return values


def _partitions(table: Any) -> _Partitions:
    state = table.__dict__.get("_nara_partitions")
    if state is None:
        state = table.__dict__["_nara_partitions"] = _Partitions()
    return state


def _touched(table: Any, key: _PrimaryKey) -> None:
    """Note that the item under this primary key may have changed (written, deleted, updated in place, restored)."""
    with _INDEX_LOCK:
        dirty = _partitions(table).dirty
        if dirty is not None:
            dirty.add(key)


def _everything_touched(table: Any) -> None:
    with _INDEX_LOCK:
        _partitions(table).dirty = None


def _stored_items(table: Any) -> Iterable[tuple[_PrimaryKey, Any]]:
    from moto.dynamodb.models.dynamo_type import Item

    for hash_value, stored in list(table.items.items()):
        if table.range_key_attr:
            for range_value, item in list(stored.items()):
                if isinstance(item, Item):
                    yield (hash_value, range_value), item
        elif isinstance(stored, Item):
            yield (hash_value, None), stored


def _stored_item(table: Any, key: _PrimaryKey) -> Any:
    from moto.dynamodb.models.dynamo_type import Item

    hash_value, range_value = key
    stored = table.items.get(hash_value)  # .get: ``items`` is a defaultdict, and a lookup must not add to it
    if table.range_key_attr:
        stored = stored.get(range_value) if isinstance(stored, dict) and range_value is not None else None
    elif range_value is not None:
        stored = None
    return stored if isinstance(stored, Item) else None


def _up_to_date(table: Any, names: tuple[str, ...]) -> dict[tuple[Any, ...], set[_PrimaryKey]]:
    """The table's index of these attribute names, with every write since the last Query taken into account."""
    state = _partitions(table)
    if state.items_id != id(table.items) or state.dirty is None:  # first use, or ``items`` replaced wholesale
        state.items_id, state.dirty, state.placed = id(table.items), set(), {}
        state.by_attributes = {known: {} for known in state.by_attributes}
        for key, item in _stored_items(table):
            state.place(key, item)
    elif state.dirty:
        dirty, state.dirty = state.dirty, set()
        for key in dirty:
            state.unplace(key)
            item = _stored_item(table, key)
            if item is not None:
                state.place(key, item)
    if names not in state.by_attributes:  # a Query of this key for the first time: file every item by it
        state.by_attributes[names] = {}
        for key, item in _stored_items(table):
            state.place(key, item, only=names)
    return state.by_attributes[names]


def _candidates(table: Any, hash_key: Any, index_name: str | None, hash_conditions: Any) -> list[Any] | None:
    """Every item moto's Query could return: the items of the partition asked for (of the table, or of the index's
    hash key). None when that cannot be told; moto then reads the whole table, as before."""
    from moto.dynamodb.models.dynamo_type import Item

    if index_name is None:
        if hash_key is None:
            return None
        stored = table.items.get(hash_key)  # .get: ``items`` is a defaultdict, and a lookup must not add to it
        if table.range_key_attr:
            return [item for item in stored.values() if isinstance(item, Item)] if isinstance(stored, dict) else []
        return [stored] if isinstance(stored, Item) else []
    if not any(index.name == index_name for index in table.all_indexes()) or not hash_conditions:
        return None  # moto says which indexes there are, or matches every item
    wanted = dict(hash_conditions)
    names = tuple(sorted(wanted))
    values = tuple(wanted[name] for name in names)
    try:
        hash(values)
    except Exception:
        return None
    with _INDEX_LOCK:
        keys = list(_up_to_date(table, names).get(values, ()))
        items = [item for item in (_stored_item(table, key) for key in keys) if item is not None]
    index = next(index for index in table.all_indexes() if index.name == index_name)
    if (index.projection or {}).get("ProjectionType") in ("KEYS_ONLY", "INCLUDE"):
        # as an index in DynamoDB holds them: the projected copies, which moto then sizes (the 1 MB page), copies
        # and filters, rather than whole items (``index_projections_by_name`` makes the projection cheap)
        items = [index.project(item) for item in items]
    return items


def queries_read_only_their_partition() -> None:
    """Queries in the embedded AWS that read only the partition they ask for, as DynamoDB's do.

    moto's ``Table.query`` reads (and sorts) every item of the table for every Query, of the table or of an index:
    a Query's cost grew with everything ever stored, and the local stack slowed down as it went. Here a Query of the
    table is given only its partition (``table.items[hash key]``), and a Query of an index only the items whose
    index hash-key attribute(s) equal the values asked for, found through an index kept beside each table. moto's
    own query then does everything else as before (key conditions, sort, paging, filter, projection, counts) on
    those candidates, so the answer is the one moto gave.

    The index is kept right without trusting any one write path to update it: every path that changes an item —
    ``Table.put_item`` and ``Table.delete_item`` (also under batch writes, PartiQL, transactions),
    ``DynamoDBBackend.update_item`` (which changes the item in place, index key included) and the transactions'
    rollback above — notes its primary key as dirty, and a Query first files the dirty keys again by their current
    items. A table created again is a new table with an index of its own; if a table's items are replaced wholesale
    (a restore) the index is built again. The narrowing is per thread (the Query being answered in this thread), so
    it holds whether requests come one at a time (the embedded server) or from many threads (moto in-process)."""
    import inspect

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "reads_partitions", False):
        return
    query, all_items, put_item, delete_item = Table.query, Table.all_items, Table.put_item, Table.delete_item
    update_item = DynamoDBBackend.update_item
    signature = inspect.signature(query)

    def narrowed_all_items(self: Any) -> list[Any]:
        narrowed = getattr(_NARROWED, "query", None)
        if narrowed is not None and narrowed[0] is self:
            return list(narrowed[1])
        return list(all_items(self))

    def partition_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        asked = signature.bind(self, *args, **kwargs).arguments
        candidates = _candidates(self, asked.get("hash_key"), asked.get("index_name"), asked.get("hash_key_conditions"))
        if candidates is None or getattr(_NARROWED, "query", None) is not None:
            return query(self, *args, **kwargs)
        candidates.sort(key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)  # as all_items()
        _NARROWED.query = (self, candidates)
        try:
            return query(self, *args, **kwargs)
        finally:
            _NARROWED.query = None

    def noting_put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        key: _PrimaryKey | None = None
        try:
            range_attr = self.range_key_attr
            key = (
                DynamoType(item_attrs[self.hash_key_attr]),
                DynamoType(item_attrs[range_attr]) if range_attr is not None else None,
            )
        except Exception:  # no key: put_item refuses the item before it writes anything
            key = None
        try:
            return put_item(self, item_attrs, *args, **kwargs)
        finally:
            if key is not None:
                _touched(self, key)

    def noting_delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return delete_item(self, hash_key, range_key)
        finally:
            if self.range_key_attr is not None and not range_key:
                _everything_touched(self)  # moto then drops the whole partition
            else:
                _touched(self, (hash_key, range_key if self.range_key_attr is not None else None))

    def noting_update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        try:  # the primary key as moto's update_item reads it
            if table.hash_key_attr in key and table.range_key_attr in key:
                primary: _PrimaryKey | None = (
                    DynamoType(key[table.hash_key_attr]),
                    DynamoType(key[table.range_key_attr]),
                )
            elif table.hash_key_attr in key:
                primary = (DynamoType(key[table.hash_key_attr]), None)
            else:
                primary = (DynamoType(key), None)
        except Exception:
            primary = None
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:
            if primary is not None:
                _touched(table, primary)
            else:
                _everything_touched(table)

    partition_query.reads_partitions = True  # type: ignore[attr-defined]
    partition_query.__wrapped__ = query  # type: ignore[attr-defined]  # moto's own, which reads every item
    Table.all_items = narrowed_all_items  # type: ignore[method-assign]
    Table.put_item = noting_put_item  # type: ignore[method-assign]
    Table.delete_item = noting_delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = noting_update_item  # type: ignore[method-assign]
    Table.query = partition_query  # type: ignore[method-assign]


def index_projections_by_name() -> None:
    """An index's projection (KEYS_ONLY, INCLUDE) in the embedded AWS keeps the projected attributes as they are
    stored, by name, as DynamoDB's copy of them in the index does.

    moto's ``SecondaryIndex.project`` converted the whole item to plain JSON once for every projected attribute and
    serialised the result back (``Item.project``): for the queue view index (``tables.QUEUE_VIEW_INDEX``, 18 names)
    that is 18 conversions of a whole case per case returned, the leading cost of reading the queue from it. Here
    the item's typed values of the projected names are taken as they are (an index projects top-level attributes
    only). ALL keeps the item, as before."""
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import SecondaryIndex

    if getattr(SecondaryIndex.project, "by_name", False):
        return

    def project(self: Any, item: Any) -> Any:
        projection = self.projection or {}
        kind = projection.get("ProjectionType")
        if kind not in ("KEYS_ONLY", "INCLUDE"):
            return item
        names = {*self.table_key_attrs, *(key["AttributeName"] for key in self.schema)}
        if kind == "INCLUDE":
            names.update(projection.get("NonKeyAttributes", []))
        projected = Item(hash_key=item.hash_key, range_key=item.range_key, attrs={})
        # the values themselves, not copies: moto projects its own deep copy of the item (Query and Scan), and
        # the candidates below are copied by moto before they are answered; and no size check (LimitedSizeDict
        # sums the whole item at each attribute set), as the projection of an item is never larger than the item
        dict.update(projected.attrs, {name: value for name, value in item.attrs.items() if name in names})
        return projected

    project.by_name = True  # type: ignore[attr-defined]
    project.__wrapped__ = SecondaryIndex.project  # type: ignore[attr-defined]  # moto's own
    SecondaryIndex.project = project  # type: ignore[method-assign]


def _attribute_value_on_the_wire(value: dict[str, Any]) -> dict[str, Any]:
    """One DynamoDB ``AttributeValue`` (``{"S": ...}``, ``{"M": {...}}``, ...) as moto's JSON serializer writes it:
    strings and numbers as text, binaries in base64, maps and lists member by member, ``BOOL``/``NULL`` as given."""
    out: dict[str, Any] = {}
    for kind, inner in value.items():
        if inner is None:
            continue
        if kind in ("S", "N"):
            out[kind] = str(inner)
        elif kind == "B":
            out[kind] = _base64(inner)
        elif kind in ("SS", "NS"):
            out[kind] = [str(v) for v in inner]
        elif kind == "BS":
            out[kind] = [_base64(v) for v in inner]
        elif kind == "M":
            out[kind] = {k: _attribute_value_on_the_wire(v) for k, v in inner.items()}
        elif kind == "L":
            out[kind] = [_attribute_value_on_the_wire(v) for v in inner]
        elif kind in ("BOOL", "NULL"):
            out[kind] = inner
    return out


def _base64(value: str | bytes) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).strip().decode("utf-8")


def attribute_values_written_directly() -> None:
    """DynamoDB's (and its stream's) item attributes leave the embedded AWS without moto's model-driven walk.

    moto 5.2 serialises every answer by walking the operation's output shape, looking each member up through a chain
    of alias providers (``AttributePicker``, ``XFormedAttributePicker``): for an ``AttributeValue`` that is ten
    look-ups of two spellings each, at every level of every attribute of every item. It was a third of the embedded
    AWS's time in the vertical slice's profile (a case is some 40 attributes, its triage record nested maps; a stream
    record carries the whole case twice). An item's values are already in DynamoDB's wire form, so they are written
    as they are (:func:`_attribute_value_on_the_wire`, the same JSON; ``tests/adapters/test_embedded_aws.py``
    compares it with moto's own walk); everything else of the answer is serialised by moto as before."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure
    if getattr(original, "writes_attribute_values", False):
        return

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and isinstance(value, dict) and key:
            self._default_serialize(serialized, _attribute_value_on_the_wire(value), shape, key)
            return
        original(self, serialized, value, shape, key)

    serialize_structure.writes_attribute_values = True  # type: ignore[attr-defined]
    serialize_structure.__wrapped__ = original  # type: ignore[attr-defined]  # moto's own
    BaseJSONSerializer._serialize_type_structure = serialize_structure  # type: ignore[method-assign]


def actions_of_a_service_found_once() -> None:
    """moto finds the operations a service's handler answers by listing the handler class's functions with
    ``inspect.getmembers`` on every request (``method_names_from_class``): some 5 % of the embedded AWS's time in the
    vertical slice. A class's functions do not change while the server runs, so each class is listed once."""
    from moto.core import responses

    if getattr(responses.method_names_from_class, "once_per_class", False):
        return
    listed: dict[type, frozenset[str]] = {}
    original = responses.method_names_from_class

    def method_names_from_class(clazz: Any) -> frozenset[str]:
        names = listed.get(clazz)
        if names is None:
            names = listed[clazz] = frozenset(original(clazz))
        return names

    method_names_from_class.once_per_class = True  # type: ignore[attr-defined]
    responses.method_names_from_class = method_names_from_class  # type: ignore[assignment]


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
        queries_read_only_their_partition()
        index_projections_by_name()
        attribute_values_written_directly()
        actions_of_a_service_found_once()
        app = _OneAtATime(_Dispatcher(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=_KeepAlive)
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
