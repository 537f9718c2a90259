"""Queries in the embedded AWS read only their partition (an index kept beside each table) and still answer exactly
as moto did: random sequences of every kind of write are checked, Query by Query, against a model of the table and
against moto's own full-table query on the same items.

Every Query here is made twice: over HTTP through the embedded server (what the app sees, checked against the model:
the items of the partition in the index's order, page by page), and in this process on the same moto table, both
through the patched ``Table.query`` and through moto's original one (which reads every item), whose answers must be
the same to the last field: items, order, ScannedCount and LastEvaluatedKey."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

Key = tuple[str, str | None]  # (pk, sk or None)

VALUES = {"a": ["a0", "a1", "a2"], "b": ["b0", "b1", "b10", "b2"], "c": ["0", "1", "2"], "d": ["d0", "d1", "d2"]}
TYPES = {"a": "S", "b": "S", "c": "N", "d": "S"}
PKS = ["p0", "p1", "p2", "p3"]
SKS = ["s0", "s1", "s2", "s3"]


class Shape:
    """A table to test: its key, and its indexes as (name, hash attribute, range attribute or None)."""

    def __init__(self, with_range: bool) -> None:
        self.with_range = with_range
        self.indexes: list[tuple[str, str, str | None]] = [
            ("by_a_b", "a", "b"),  # sparse: only items with both a and b
            ("by_c", "c", None),  # no range key of its own, a number hash key
            ("by_b", "b", "a"),
        ]
        if with_range:
            self.indexes.append(("local_d", "pk", "d"))  # an LSI

    def create(self, ddb: Any, name: str) -> None:
        attributes = {"pk": "S", "a": "S", "b": "S", "c": "N"} | ({"sk": "S", "d": "S"} if self.with_range else {})
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
        if self.with_range:
            schema.append({"AttributeName": "sk", "KeyType": "RANGE"})

        def key_schema(hash_: str, range_: str | None) -> list[dict[str, str]]:
            keys = [{"AttributeName": hash_, "KeyType": "HASH"}]
            return keys + ([{"AttributeName": range_, "KeyType": "RANGE"}] if range_ else [])

        every = {"ProjectionType": "ALL"}
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
            KeySchema=schema,
            GlobalSecondaryIndexes=[
                {"IndexName": n, "KeySchema": key_schema(h, r), "Projection": every}
                for n, h, r in self.indexes
                if h != "pk"
            ],
            **(
                {
                    "LocalSecondaryIndexes": [
                        {"IndexName": n, "KeySchema": key_schema(h, r), "Projection": every}
                        for n, h, r in self.indexes
                        if h == "pk"
                    ]
                }
                if self.with_range
                else {}
            ),
        )

    def key(self, rng: random.Random) -> Key:
        return rng.choice(PKS), rng.choice(SKS) if self.with_range else None

    def low_level_key(self, key: Key) -> dict[str, Any]:
        pk, sk = key
        return {"pk": {"S": pk}} | ({"sk": {"S": sk}} if sk is not None else {})


def _typed(name: str, value: str) -> dict[str, str]:
    return {TYPES[name]: value}


def _plain(value: dict[str, str]) -> Any:
    (kind, raw), *_ = value.items()
    return float(raw) if kind == "N" else raw


class Model:
    """The table as a dict of items, and what a Query of it should answer (moto's order: the index's range key, then
    the table's hash and range keys, all ascending)."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.items: dict[Key, dict[str, Any]] = {}

    def expected(self, index: str | None, value: str, range_begins: str | None, forward: bool) -> list[dict[str, Any]]:
        if index is None:
            hash_, range_ = "pk", "sk" if self.shape.with_range else None
        else:
            _, hash_, range_ = next(i for i in self.shape.indexes if i[0] == index)
        found = [
            item
            for item in self.items.values()
            if hash_ in item
            and _plain(item[hash_]) == _plain(_typed(hash_, value) if hash_ in TYPES else {"S": value})
            and (range_ is None or range_ in item)
            and (range_begins is None or (range_ is not None and _plain(item[range_]).startswith(range_begins)))
        ]

        def order(item: dict[str, Any]) -> tuple[Any, ...]:
            table_keys = (item["pk"]["S"], item["sk"]["S"] if "sk" in item else "")
            if index is None:
                return table_keys
            if range_ is None:  # moto orders an index without a range key by the table's range key first
                return table_keys[::-1]
            return (_plain(item[range_]), *table_keys)

        found.sort(key=order, reverse=not forward)
        return found


def _moto_table(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    for regions in dynamodb_backends.values():
        for backend in regions.values():
            if name in backend.tables:
                return backend.tables[name]
    raise AssertionError(f"no moto table {name}")


def _both_queries_agree(
    name: str,
    index: str | None,
    hash_name: str,
    value: str,
    range_begins: str | None,
    ways: list[tuple[bool, int | None]],
) -> None:
    """moto's own query (every item read) and the narrowed one, called on the same moto table, answer the same."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = Table.query.__wrapped__  # type: ignore[attr-defined]
    table = _moto_table(name)
    hash_value = DynamoType(_typed(hash_name, value) if hash_name in TYPES else {"S": value})
    range_name = None
    if index is not None:
        schema = next(i.schema for i in table.all_indexes() if i.name == index)
        range_name = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
    elif table.range_key_attr:
        range_name = table.range_key_attr
    for forward, limit in ways:
        start = None
        for _ in range(30):
            arguments: dict[str, Any] = {
                "hash_key": hash_value,
                "range_comparison": "BEGINS_WITH" if range_begins else None,
                "range_objs": [DynamoType({"S": range_begins})] if range_begins else [],
                "limit": limit,
                "exclusive_start_key": start,
                "scan_index_forward": forward,
                "projection_expressions": None,
                "index_name": index,
                "hash_key_conditions": [(hash_name, hash_value)],
                "range_key_conditions": (
                    [(range_name, "BEGINS_WITH", [DynamoType({"S": range_begins})])] if range_begins else []
                ),
            }
            narrowed = table.query(**arguments)
            full = original(table, **arguments)
            as_json = [[item.to_json() for item in answer[0]] for answer in (narrowed, full)]
            assert as_json[0] == as_json[1], (index, value, forward, limit)
            assert narrowed[1:] == full[1:], (index, value, forward, limit)  # ScannedCount, LastEvaluatedKey
            start = narrowed[2]
            if start is None:
                break


class Checker:
    def __init__(self, ddb: Any, shape: Shape, name: str) -> None:
        self.ddb, self.shape, self.name = ddb, shape, name
        self.model = Model(shape)

    def query_all_pages(
        self, index: str | None, value: str, range_begins: str | None, forward: bool, limit: int | None
    ) -> list[dict[str, Any]]:
        hash_name = "pk" if index is None else next(i[1] for i in self.shape.indexes if i[0] == index)
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "#h = :h",
            "ExpressionAttributeNames": {"#h": hash_name},
            "ExpressionAttributeValues": {":h": _typed(hash_name, value) if hash_name in TYPES else {"S": value}},
            "ScanIndexForward": forward,
        }
        if index is not None:
            request["IndexName"] = index
        if range_begins is not None:
            range_name = "sk" if index is None else next(i[2] for i in self.shape.indexes if i[0] == index)
            request["KeyConditionExpression"] += " AND begins_with(#r, :r)"
            request["ExpressionAttributeNames"]["#r"] = range_name
            request["ExpressionAttributeValues"][":r"] = {"S": range_begins}
        if limit is not None:
            request["Limit"] = limit
        found: list[dict[str, Any]] = []
        for _ in range(50):
            page = self.ddb.query(**request)
            assert page["Count"] == len(page["Items"])
            assert limit is None or page["Count"] <= limit
            found.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        raise AssertionError("the pages never ended")

    def check(
        self, rng: random.Random, index: str | None = None, value: str | None = None, every_way: bool = False
    ) -> None:
        choices: list[str | None] = [None] + [i[0] for i in self.shape.indexes]
        index = index if index is not None else rng.choice(choices)
        hash_name = "pk" if index is None else next(i[1] for i in self.shape.indexes if i[0] == index)
        value = value if value is not None else rng.choice(PKS if hash_name == "pk" else VALUES[hash_name])
        range_name = (
            ("sk" if self.shape.with_range else None)
            if index is None
            else next(i[2] for i in self.shape.indexes if i[0] == index)
        )
        range_begins = None
        if range_name is not None and TYPES.get(range_name, "S") == "S" and rng.random() < 0.3:
            range_begins = rng.choice(VALUES.get(range_name, SKS))[:2]
        forward = rng.random() < 0.5
        limit = rng.choice([None, 1, 2, 3])
        expected = self.model.expected(index, value, range_begins, forward)
        got = self.query_all_pages(index, value, range_begins, forward, limit)
        assert got == expected, f"Query of {index or 'the table'} for {value} (begins {range_begins}, limit {limit})"
        ways = [(f, n) for f in (True, False) for n in (None, 1, 2, 5)] if every_way else [(forward, limit)]
        _both_queries_agree(self.name, index, hash_name, value, range_begins, ways)

    def check_everything(self) -> None:
        rng = random.Random(0)
        for index in [None] + [i[0] for i in self.shape.indexes]:
            hash_name = "pk" if index is None else next(i[1] for i in self.shape.indexes if i[0] == index)
            for value in PKS if hash_name == "pk" else VALUES[hash_name]:
                self.check(rng, index, value, every_way=True)


def _random_item(rng: random.Random, shape: Shape, key: Key) -> dict[str, Any]:
    item = shape.low_level_key(key) | {"payload": {"S": uuid.uuid4().hex}}
    for name in ("a", "b", "c") + (("d",) if shape.with_range else ()):
        if rng.random() < 0.7:
            item[name] = _typed(name, rng.choice(VALUES[name]))
    return item


def _random_update(rng: random.Random, shape: Shape) -> tuple[str, dict[str, str], dict[str, Any], list[str]]:
    """An update expression moving the item between index partitions or out of a sparse index, and what it sets."""
    names = ["a", "b", "c"] + (["d"] if shape.with_range else [])
    set_, remove = [], []
    attribute_names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for i, name in enumerate(rng.sample(names, rng.randint(1, len(names)))):
        attribute_names[f"#n{i}"] = name
        if rng.random() < 0.3:
            remove.append(name)
        else:
            values[f":v{i}"] = _typed(name, rng.choice(VALUES[name]))
            set_.append(f"#n{i} = :v{i}")
    expression = " ".join(
        part
        for part in (
            ("SET " + ", ".join(set_)) if set_ else "",
            ("REMOVE " + ", ".join(f"#n{list(attribute_names.values()).index(n)}" for n in remove)) if remove else "",
        )
        if part
    )
    return expression, attribute_names, values, remove


class Operations:
    def __init__(self, checker: Checker, rng: random.Random) -> None:
        self.checker, self.rng = checker, rng
        self.ddb, self.shape, self.model = checker.ddb, checker.shape, checker.model

    @property
    def name(self) -> str:
        return self.checker.name

    def put(self) -> None:
        key = self.shape.key(self.rng)
        item = _random_item(self.rng, self.shape, key)
        self.ddb.put_item(TableName=self.name, Item=item)
        self.model.items[key] = item

    def refused_put(self) -> None:
        key = self.shape.key(self.rng)
        if key not in self.model.items:
            return
        with pytest.raises(ClientError, match="ConditionalCheckFailed"):
            self.ddb.put_item(
                TableName=self.name,
                Item=_random_item(self.rng, self.shape, key),
                ConditionExpression="attribute_not_exists(pk)",
            )

    def update(self) -> None:
        key = self.shape.key(self.rng)
        expression, names, values, removed = _random_update(self.rng, self.shape)
        request = {
            "TableName": self.name,
            "Key": self.shape.low_level_key(key),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = values
        self.ddb.update_item(**request)
        item = dict(self.model.items.get(key, self.shape.low_level_key(key)))
        for placeholder, value in values.items():
            item[names["#n" + placeholder[2:]]] = value
        for name in removed:
            item.pop(name, None)
        self.model.items[key] = item

    def delete(self) -> None:
        key = self.shape.key(self.rng)
        self.ddb.delete_item(TableName=self.name, Key=self.shape.low_level_key(key))
        self.model.items.pop(key, None)

    def batch(self) -> None:
        requests: dict[Key, dict[str, Any]] = {}
        for _ in range(self.rng.randint(1, 5)):
            key = self.shape.key(self.rng)
            if self.rng.random() < 0.7:
                requests[key] = {"PutRequest": {"Item": _random_item(self.rng, self.shape, key)}}
            else:
                requests[key] = {"DeleteRequest": {"Key": self.shape.low_level_key(key)}}
        self.ddb.batch_write_item(RequestItems={self.name: list(requests.values())})
        for key, request in requests.items():
            if "PutRequest" in request:
                self.model.items[key] = request["PutRequest"]["Item"]
            else:
                self.model.items.pop(key, None)

    def _transaction(self, keys: list[Key]) -> tuple[list[dict[str, Any]], dict[Key, dict[str, Any] | None]]:
        operations, after = [], {}
        for key in keys:
            kind = self.rng.choice(["Put", "Delete", "Update"])
            if kind == "Put":
                item = _random_item(self.rng, self.shape, key)
                operations.append({"Put": {"TableName": self.name, "Item": item}})
                after[key] = item
            elif kind == "Delete":
                operations.append({"Delete": {"TableName": self.name, "Key": self.shape.low_level_key(key)}})
                after[key] = None
            else:
                value = self.rng.choice(VALUES["a"])
                update = {
                    "TableName": self.name,
                    "Key": self.shape.low_level_key(key),
                    "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": {"S": value}},
                }
                operations.append({"Update": update})
                after[key] = dict(self.model.items.get(key, self.shape.low_level_key(key))) | {"a": {"S": value}}
        return operations, after

    def _distinct_keys(self, count: int) -> list[Key]:
        keys: list[Key] = []
        count = min(count, len(PKS) * (len(SKS) if self.shape.with_range else 1))
        while len(keys) < count:
            key = self.shape.key(self.rng)
            if key not in keys:
                keys.append(key)
        return keys

    def transaction(self) -> None:
        operations, after = self._transaction(self._distinct_keys(self.rng.randint(1, 3)))
        self.ddb.transact_write_items(TransactItems=operations)
        for key, item in after.items():
            if item is None:
                self.model.items.pop(key, None)
            else:
                self.model.items[key] = item

    def cancelled_transaction(self) -> None:
        """Writes made inside moto, then one refused when written: they are put back, by hand, past put_item."""
        *keys, refused = self._distinct_keys(self.rng.randint(2, 4))
        operations, _ = self._transaction(keys)
        operations.append(
            {
                "Update": {  # refused only when written: adding a string to a number
                    "TableName": self.name,
                    "Key": self.shape.low_level_key(refused),
                    "UpdateExpression": "ADD c :s",
                    "ExpressionAttributeValues": {":s": {"S": "not a number"}},
                }
            }
        )
        with pytest.raises(ClientError):
            self.ddb.transact_write_items(TransactItems=operations)

    def condition_cancelled_transaction(self) -> None:
        keys = self._distinct_keys(2)
        operations, _ = self._transaction(keys[:1])
        operations.append(
            {
                "ConditionCheck": {
                    "TableName": self.name,
                    "Key": self.shape.low_level_key(keys[1]),
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(pk)",
                }
            }
        )
        with pytest.raises(ClientError, match="TransactionCanceled"):
            self.ddb.transact_write_items(TransactItems=operations)

    def recreate(self) -> None:
        """The table deleted and made again under the same name: nothing of the old one is found."""
        self.ddb.delete_table(TableName=self.name)
        self.shape.create(self.ddb, self.name)
        self.model.items.clear()


@pytest.fixture
def ddb(aws_server: Any) -> Iterator[Any]:
    yield aws_server.client("dynamodb")


def _new_table(ddb: Any, shape: Shape) -> Checker:
    name = f"idx-{uuid.uuid4().hex[:10]}"
    shape.create(ddb, name)
    return Checker(ddb, shape, name)


@pytest.mark.parametrize("with_range", [True, False], ids=["hash+range table", "hash-only table"])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_query_answers_as_a_full_read_would_through_any_sequence_of_writes(
    ddb: Any, with_range: bool, seed: int
) -> None:
    rng = random.Random(seed)
    checker = _new_table(ddb, Shape(with_range))
    operations = Operations(checker, rng)
    kinds = [
        (operations.put, 6),
        (operations.refused_put, 1),
        (operations.update, 6),
        (operations.delete, 2),
        (operations.batch, 2),
        (operations.transaction, 2),
        (operations.cancelled_transaction, 2),
        (operations.condition_cancelled_transaction, 1),
    ]
    checker.check_everything()  # an empty table, and the index built before any write
    for step in range(160):
        operation = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        operation()
        checker.check(rng)
        if step == 100:
            checker.check_everything()
            operations.recreate()
    checker.check_everything()


def test_an_update_moving_an_item_between_index_partitions_moves_it_in_the_answers(ddb: Any) -> None:
    checker = _new_table(ddb, Shape(with_range=True))
    key = {"pk": {"S": "p0"}, "sk": {"S": "s0"}}
    ddb.put_item(TableName=checker.name, Item=key | {"a": {"S": "a0"}, "b": {"S": "b0"}})
    assert [i["pk"]["S"] for i in checker.query_all_pages("by_a_b", "a0", None, True, None)] == ["p0"]

    ddb.update_item(
        TableName=checker.name, Key=key, UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": {"S": "a1"}}
    )
    assert checker.query_all_pages("by_a_b", "a0", None, True, None) == []
    assert [i["a"]["S"] for i in checker.query_all_pages("by_a_b", "a1", None, True, None)] == ["a1"]

    ddb.update_item(TableName=checker.name, Key=key, UpdateExpression="REMOVE b")  # out of the sparse index
    assert checker.query_all_pages("by_a_b", "a1", None, True, None) == []
    assert [i["pk"]["S"] for i in checker.query_all_pages("by_b", "b0", None, True, None)] == []


def test_the_patch_is_installed_once_however_often_the_embedded_aws_starts(aws_server: Any) -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    from infrastructure.local.embedded_aws import queries_read_only_their_partition

    installed = (Table.query, Table.all_items, Table.put_item, Table.delete_item, DynamoDBBackend.update_item)
    queries_read_only_their_partition()
    assert (Table.query, Table.all_items, Table.put_item, Table.delete_item, DynamoDBBackend.update_item) == installed


def _random_value(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    kind = rng.choice(["S", "N", "BOOL", "NULL", "M", "L"] if depth < 2 else ["S", "N", "BOOL"])
    if kind == "S":
        return {"S": rng.choice(["", "x", "åäö", '{"json": [1, 2]}'])}
    if kind == "N":
        return {"N": rng.choice(["0", "7", "-1.5", "12345678901234567890"])}
    if kind == "BOOL":
        return {"BOOL": rng.random() < 0.5}
    if kind == "NULL":
        return {"NULL": True}
    if kind == "M":
        return {"M": {f"k{i}": _random_value(rng, depth + 1) for i in range(rng.randrange(3))}}
    return {"L": [_random_value(rng, depth + 1) for _ in range(rng.randrange(3))]}


@pytest.mark.parametrize("kind", ["KEYS_ONLY", "INCLUDE", "ALL"])
def test_an_index_projects_its_attributes_as_moto_did_and_as_they_are_stored(aws_server: Any, kind: str) -> None:
    """``index_projections_by_name``: the projected item is the stored item's attributes of the index's names (the
    table's and the index's keys, and for INCLUDE its non-key attributes), values unchanged; and what moto's own
    projection gave for the same item."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import GlobalSecondaryIndex

    from infrastructure.local.embedded_aws import index_projections_by_name

    index_projections_by_name()
    projection: dict[str, Any] = {"ProjectionType": kind}
    if kind == "INCLUDE":
        projection["NonKeyAttributes"] = ["c", "m", "missing"]
    schema = [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}]
    index = GlobalSecondaryIndex("by_a_b", schema, projection, table_key_attrs=["pk", "sk"])
    rng = random.Random(5)
    for _ in range(200):
        stored = {"pk": {"S": "p0"}, "sk": {"S": "s0"}, "a": {"S": "a0"}, "b": {"S": "b0"}}
        for name in rng.sample(["c", "m", "d", "e"], rng.randrange(5)):
            stored[name] = _random_value(rng)
        item = Item(DynamoType(stored["pk"]), DynamoType(stored["sk"]), stored)
        names = {"pk", "sk", "a", "b"} | {"KEYS_ONLY": set(), "INCLUDE": {"c", "m"}, "ALL": set(stored)}[kind]
        projected = index.project(item)
        assert projected.to_json()["Attributes"] == {k: v for k, v in stored.items() if k in names}
        assert projected.to_json() == type(index).project.__wrapped__(index, item).to_json()  # type: ignore[attr-defined]
