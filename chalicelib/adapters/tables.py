"""The one definition of Nära's DynamoDB tables.

Used by the pynamodb models (``dynamo.py``), by the local stack to create tables in the embedded AWS, and by
``infrastructure/aws`` to render CloudFormation. Change a key or an index here and all three follow.
"""

from __future__ import annotations

from typing import Any

MAIN_KEYS = ("pk", "sk")
QUEUE_INDEX = "gsi1"  # unit + profession -> priority, then submit time (sparse: only queued cases)
OWNER_INDEX = "gsi2"  # a subject's cases and WebSocket connections
QUEUE_VIEW_INDEX = "gsi3"  # as the unit queues of gsi1 (same keys, only queued cases), projecting only what the
# queue shows: the staff queue is read from it without reading whole cases (their triage, answers and free text)
QUEUE_VIEW_ATTRIBUTES = (  # a case's non-key attributes in the queue view index
    "profession",  # the queue's filter
    "message_seq",  # changed in place by each chat message
    "queue_card",  # the rest of what the queue shows, derived from the whole case when it is written (QueuedCase)
)
TTL_ATTRIBUTE = "ttl"


def _index(name: str, include: tuple[str, ...] = ()) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": "ALL"}
    if include:
        projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(include)}
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": f"{name}pk", "KeyType": "HASH"},
            {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
        ],
        "Projection": projection,
    }


def main_table(table_name: str) -> dict[str, Any]:
    """CreateTable parameters of the tenant's main table (single-table design)."""
    attrs = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            _index(QUEUE_INDEX),
            _index(OWNER_INDEX),
            _index(QUEUE_VIEW_INDEX, QUEUE_VIEW_ATTRIBUTES),
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


AUDIT_STAFF_INDEX = "gsi1"  # unit + staff member -> time: a unit admin's review of one staff member's accesses
AUDIT_UNIT_INDEX = "gsi2"  # unit -> time: the random sample of a period's records for the periodic review


def audit_table(table_name: str) -> dict[str, Any]:
    """CreateTable parameters of the append-only patient-data access log (PDL log): one partition per patient (the
    citizen's extract), and two indexes for the unit admins' review (by staff member, by period)."""
    attrs = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [_index(AUDIT_STAFF_INDEX), _index(AUDIT_UNIT_INDEX)],
    }


def ttl_enabled(table_name: str) -> dict[str, Any]:
    """UpdateTimeToLive parameters for tables that expire items (drafts, connections)."""
    return {
        "TableName": table_name,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    }
