"""Counting the AWS calls Nära makes: every botocore client (boto3's and pynamodb's) goes through
``BaseClient._make_api_call``, so one wrapper sees them all — with their parameters, their response, how long they
took, and the DynamoDB item sizes they wrote and read."""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.client import BaseClient

KB = 1024


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any]
    seconds: float
    source: str  # "api" (a request's Lambda), "events" (stream and queue consumers), "esm" (the event pump's polls)
    written_bytes: list[int] = field(default_factory=list)  # per item written (DynamoDB)
    read_bytes: list[int] = field(default_factory=list)  # per item read (DynamoDB)
    transactional: bool = False
    consistent: bool = False
    failed: bool = False

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"

    @property
    def write_units(self) -> int:
        """DynamoDB write request units: 1 per started KB of each item, twice in a transaction."""
        units = sum(max(1, math.ceil(size / KB)) for size in self.written_bytes)
        if self.operation == "TransactWriteItems":
            units += len([i for i in self.params.get("TransactItems", []) if "ConditionCheck" in i])
        return units * (2 if self.transactional else 1)

    @property
    def read_units(self) -> float:
        """DynamoDB read request units: per started 4 KB (a Query sums its items first); eventually consistent
        reads cost half, transactional reads twice. A read that finds nothing still costs its minimum."""
        if self.service != "dynamodb" or self.operation not in _READS:
            return 0.0
        if self.operation in ("Query", "Scan"):
            blocks = max(1, math.ceil(sum(self.read_bytes) / (4 * KB)))
        else:
            blocks = sum(max(1, math.ceil(size / (4 * KB))) for size in self.read_bytes) or 1
        factor = 2.0 if self.transactional else (1.0 if self.consistent else 0.5)
        return blocks * factor


_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


def attribute_size(value: dict[str, Any]) -> int:
    """The size DynamoDB bills for one attribute value in its JSON wire form."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(Decimal(str(inner)).normalize()).lstrip("-").replace(".", "").lstrip("0")
        return 1 + math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + attribute_size(v) for k, v in inner.items())
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


class Recorder:
    """Collects the calls of the threads that run while it is active."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.esm_clients: set[int] = set()  # ids of the event pump's clients: Lambda's event source mappings
        self.source = "api"
        self.item_sizes = True  # look up the size of each item updated or deleted (not counted, not timed)
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    @contextmanager
    def phase(self, source: str) -> Iterator[None]:
        before, self.source = self.source, source
        try:
            yield
        finally:
            self.source = before

    def take(self) -> list[Call]:
        with self._lock:
            taken, self.calls = self.calls, []
        return taken


_active: Recorder | None = None
_original = BaseClient._make_api_call


def _stored_size(client: BaseClient, table: str, key: dict[str, Any]) -> int:
    """The size of the item stored under ``key`` now (0 if none), read without being counted."""
    try:
        found = _original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    except Exception:  # the call being counted failed for this table or key: its own error is what matters
        return 0
    return item_size(found["Item"]) if "Item" in found else 0


def _keyed(operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, table, key) of every item an UpdateItem, DeleteItem or transaction updates or deletes."""
    if operation in ("UpdateItem", "DeleteItem"):
        return [(operation, params["TableName"], params["Key"])]
    if operation == "TransactWriteItems":
        return [
            (kind, inner["TableName"], inner["Key"])
            for entry in params.get("TransactItems", [])
            for kind, inner in entry.items()
            if kind in ("Update", "Delete")
        ]
    return []


def _sizes_written(operation: str, params: dict[str, Any], changed: list[int]) -> list[int]:
    """Per item written: a put's size, or (``changed``, in order) the size of an updated or deleted item —
    DynamoDB bills an update or a delete by the size of the whole item, not by what changed."""
    if operation == "PutItem":
        return [item_size(params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return changed[:1]
    if operation == "BatchWriteItem":
        return [
            item_size(r["PutRequest"]["Item"]) if "PutRequest" in r else item_size(r["DeleteRequest"]["Key"])
            for requests in params.get("RequestItems", {}).values()
            for r in requests
        ]
    if operation == "TransactWriteItems":
        sizes, rest = [], iter(changed)
        for entry in params.get("TransactItems", []):
            if "Put" in entry:
                sizes.append(item_size(entry["Put"]["Item"]))
            elif "Update" in entry or "Delete" in entry:
                sizes.append(next(rest, 0))
        return sizes
    return []


def _sizes_read(operation: str, response: dict[str, Any]) -> list[int]:
    if operation == "GetItem":
        return [item_size(response["Item"])] if "Item" in response else []
    if operation in ("Query", "Scan"):
        return [item_size(i) for i in response.get("Items", [])]
    if operation == "BatchGetItem":
        return [item_size(i) for items in response.get("Responses", {}).values() for i in items]
    if operation == "TransactGetItems":
        return [item_size(r["Item"]) for r in response.get("Responses", []) if "Item" in r]
    return []


def _counting(self: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
    recorder = _active
    if recorder is None:
        return _original(self, operation_name, api_params)
    service = self.meta.service_model.service_name
    keyed = _keyed(operation_name, api_params) if service == "dynamodb" and recorder.item_sizes else []
    deleted = {i: _stored_size(self, t, k) for i, (kind, t, k) in enumerate(keyed) if kind.startswith("Delete")}
    started = time.perf_counter()
    failed = False
    response: dict[str, Any] = {}
    try:
        response = _original(self, operation_name, api_params)
        return response
    except Exception:
        failed = True
        raise
    finally:
        source = "esm" if id(self) in recorder.esm_clients else recorder.source
        call = Call(service, operation_name, api_params, time.perf_counter() - started, source, failed=failed)
        if service == "dynamodb":
            changed = [deleted[i] if i in deleted else _stored_size(self, t, k) for i, (_, t, k) in enumerate(keyed)]
            call.written_bytes = _sizes_written(operation_name, api_params, [max(1, c) for c in changed])
            call.read_bytes = _sizes_read(operation_name, response or {})
            call.transactional = operation_name.startswith("Transact")
            call.consistent = bool(api_params.get("ConsistentRead"))
        recorder.add(call)


@contextmanager
def recording() -> Iterator[Recorder]:
    """Counts every botocore call of the process while active."""
    global _active
    recorder = Recorder()
    BaseClient._make_api_call = _counting
    _active = recorder
    try:
        yield recorder
    finally:
        _active = None
        BaseClient._make_api_call = _original


def tally(calls: list[Call]) -> Counter[str]:
    return Counter(c.name for c in calls)
