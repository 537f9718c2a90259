"""Statistics counters in DynamoDB (the main table), written by the ``stats`` consumer exactly once per event.

Item layout (every key starts with the tenant):

    T#{t}#STATS#{unit}#{YYYY-MM}   C#{day}#{complaint}#{ruleset}#{priority}#{disposition}   a counter row (numbers)
                                   R#{day}#{at}#{case_id}#{event_id}                        an override, for review
    T#{t}#STATSSEEN#{event_id}     {unit}#{counter sort key}                                 "this event was counted"

One partition per unit and month: a period of statistics is one Query per month it touches; nothing scans cases.

Exactly once, without relying on the consumer's idempotency layer: each increment is one transaction of (a) a put of
the marker ``stats_seen`` (event id + counter) on condition that it does not exist, expiring after
``SEEN_FOR``, and (b) an ``UpdateItem`` that ADDs to the counter row, on condition that the item is a counter row
(or new). A redelivered event fails (a) and changes nothing. Review entries are conditional puts keyed by the event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.connection import Connection

from chalicelib.domain.stats import COUNTERS, Increment, OverrideEntry, Row, RowKey, months_of

COUNTER_TYPE = "stats_counter"
SEEN_TYPE = "stats_seen"
OVERRIDE_TYPE = "stats_override"
# Longer than a DLQ keeps a message (14 days) plus a day: a replay of the DLQ never counts an event twice.
SEEN_FOR = timedelta(days=15)
_OVERRIDE_FIELDS = (
    "case_id",
    "event_id",
    "at",
    "by",
    "complaint",
    "ruleset",
    "direction",
    "from_priority",
    "to_priority",
    "from_profession",
    "to_profession",
)


def stats_pk(tenant: str, unit_id: str, month: str) -> str:
    return f"T#{tenant}#STATS#{unit_id}#{month}"


def seen_pk(tenant: str, event_id: str) -> str:
    return f"T#{tenant}#STATSSEEN#{event_id}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DynamoStats:
    def __init__(self, connection: Connection, table_name: str) -> None:
        self._connection = connection
        self._table = table_name

    @property
    def _client(self) -> Any:
        return self._connection.client

    def increment(self, tenant: str, event_id: str, increment: Increment, *, now: datetime) -> bool:
        """Add the increment once per event: False when this event had already been counted on this counter."""
        counts = {name: int(n) for name, n in increment.counts.items() if n and name in COUNTERS}
        if not counts:
            return False
        key = increment.key
        names = {"#type": "type", "#tenant": "tenant", "#unit": "unit_id", "#day": "day"}
        values: dict[str, Any] = {
            ":type": _s(COUNTER_TYPE),
            ":tenant": _s(tenant),
            ":unit": _s(increment.unit_id),
            ":day": _s(key.day),
        }
        adds = []
        for i, (name, n) in enumerate(sorted(counts.items())):
            names[f"#c{i}"] = name
            values[f":c{i}"] = {"N": str(n)}
            adds.append(f"#c{i} :c{i}")
        seen = {
            "pk": _s(seen_pk(tenant, event_id)),
            "sk": _s(increment.counter_id),
            "type": _s(SEEN_TYPE),
            "ttl": {"N": str(int((now + SEEN_FOR).timestamp()))},
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": seen,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {
                                "pk": _s(stats_pk(tenant, increment.unit_id, key.month)),
                                "sk": _s(key.sort_key()),
                            },
                            "UpdateExpression": "SET #type = :type, #tenant = :tenant, #unit = :unit, #day = :day "
                            f"ADD {', '.join(adds)}",
                            "ConditionExpression": "attribute_not_exists(pk) OR #type = :type",
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False  # counted already: a redelivery
            raise
        return True

    def add_override(self, tenant: str, entry: OverrideEntry) -> bool:
        """List an override for clinical review, once (False when it was listed already)."""
        item: dict[str, Any] = {
            "pk": _s(stats_pk(tenant, entry.unit_id, entry.day[:7])),
            "sk": _s(entry.sort_key()),
            "type": _s(OVERRIDE_TYPE),
            "tenant": _s(tenant),
            "unit_id": _s(entry.unit_id),
            "day": _s(entry.day),
            **{name: _s(str(getattr(entry, name))) for name in _OVERRIDE_FIELDS},
        }
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def rows(self, tenant: str, unit_id: str, first: date, last: date) -> list[Row]:
        """The unit's counter rows of the days first..last: one Query per month partition."""
        rows = []
        for item in self._between(tenant, unit_id, first, last, "C#"):
            counts = {name: int(item[name]["N"]) for name in COUNTERS if name in item}
            rows.append(Row(RowKey.parse(item["sk"]["S"]), counts))
        return rows

    def overrides(self, tenant: str, unit_id: str, first: date, last: date, *, limit: int) -> list[OverrideEntry]:
        """The unit's overrides of cases submitted first..last, newest day first (at most ``limit``)."""
        found = [
            OverrideEntry(
                unit_id=unit_id,
                day=item["day"]["S"],
                **{name: item[name]["S"] for name in _OVERRIDE_FIELDS},
            )
            for item in self._between(tenant, unit_id, first, last, "R#")
        ]
        found.sort(key=lambda e: (e.day, e.at), reverse=True)
        return found[:limit]

    def _between(self, tenant: str, unit_id: str, first: date, last: date, prefix: str) -> Iterator[dict[str, Any]]:
        for month in months_of(first, last):
            start = max(first.isoformat(), f"{month}-01")
            end = min(last.isoformat(), f"{month}-31")
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
                "ExpressionAttributeValues": {
                    ":pk": _s(stats_pk(tenant, unit_id, month)),
                    ":from": _s(f"{prefix}{start}"),
                    ":to": _s(f"{prefix}{end}#\uffff"),
                },
            }
            while True:
                page = self._client.query(**request)
                yield from page.get("Items", [])
                if not page.get("LastEvaluatedKey"):
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
