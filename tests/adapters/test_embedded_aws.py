"""The local stack's embedded AWS keeps what the event pump relies on: a table's stream goes on after a cancelled
transaction (moto alone swaps in a copy of the table and its stream, and a reader's iterator then sees nothing more)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _records(streams: Any, iterator: str) -> tuple[list[str], str]:
    answer = streams.get_records(ShardIterator=iterator, Limit=100)
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in answer["Records"]]
    return keys, answer["NextShardIterator"]


def test_a_stream_reader_sees_the_writes_after_a_cancelled_transaction_and_none_of_its_own(aws_server: Any) -> None:
    ddb, streams = aws_server.client("dynamodb"), aws_server.client("dynamodbstreams")
    table = f"stream-{uuid.uuid4().hex[:8]}"
    created = ddb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    arn = created["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    seen, iterator = _records(streams, iterator)
    assert seen == ["before"]

    # the first write of this transaction succeeds inside moto, the second's condition fails: all is cancelled
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "rolled-back"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": "before"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})

    seen, _ = _records(streams, iterator)
    assert seen == ["after"]  # the reader goes on, and the cancelled write never happened
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "rolled-back"}})


def _table(ddb: Any) -> str:
    name = f"txn-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    return name


def _item(ddb: Any, table: str, pk: str) -> dict[str, Any] | None:
    found = ddb.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "x"}}, ConsistentRead=True)
    return found.get("Item")


def test_a_transaction_writes_all_or_nothing_and_names_the_operation_whose_condition_failed(aws_server: Any) -> None:
    """Transactions are made without copying tables (their cost no longer grows with what is stored): every condition
    is checked first, against the state before the transaction, as DynamoDB does."""
    ddb = aws_server.client("dynamodb")
    table = _table(ddb)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "x"}, "n": {"N": "1"}})
    bump = {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "a"}, "sk": {"S": "x"}},
            "UpdateExpression": "SET n = n + :one",
            "ConditionExpression": "n = :was",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":was": {"N": "1"}},
        }
    }
    new = {
        "Put": {
            "TableName": table,
            "Item": {"pk": {"S": "b"}, "sk": {"S": "x"}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    gone = {
        "Delete": {
            "TableName": table,
            "Key": {"pk": {"S": "c"}, "sk": {"S": "x"}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }

    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(TransactItems=[bump, new, gone])  # "c" does not exist: nothing is written
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert _item(ddb, table, "a")["n"] == {"N": "1"} and _item(ddb, table, "b") is None  # type: ignore[index]

    ddb.transact_write_items(TransactItems=[bump, new])
    assert _item(ddb, table, "a")["n"] == {"N": "2"} and _item(ddb, table, "b") is not None  # type: ignore[index]
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(TransactItems=[bump])  # n is 2 now: the same condition no longer holds
    same_item = {"ConditionCheck": {k: v for k, v in bump["Update"].items() if k != "UpdateExpression"}}
    with pytest.raises(ClientError, match="ValidationException"):  # two operations on one item
        ddb.transact_write_items(TransactItems=[same_item, bump])


def test_a_write_refused_after_others_were_made_puts_them_back(aws_server: Any) -> None:
    ddb = aws_server.client("dynamodb")
    table = _table(ddb)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "x"}, "v": {"S": "old"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": "a"}, "sk": {"S": "x"}, "v": {"S": "new"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": "d"}, "sk": {"S": "x"}}}},
                {  # refused only when written: adding a number to a string
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "a2"}, "sk": {"S": "x"}},
                        "UpdateExpression": "ADD v :one",
                        "ExpressionAttributeValues": {":one": {"S": "not a number"}},
                    }
                },
            ]
        )
    assert _item(ddb, table, "a")["v"] == {"S": "old"}  # type: ignore[index]
    assert _item(ddb, table, "d") is None and _item(ddb, table, "a2") is None


# Every kind of attribute value, nested as the case item nests its triage record.
EVERY_KIND: dict[str, Any] = {
    "pk": {"S": "item"},
    "text": {"S": "Förkyld – ont i halsen"},
    "empty": {"S": ""},
    "number": {"N": "-12.50"},
    "binary": {"B": b"\x00\xffbild"},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "binaries": {"BS": [b"\x01", b"\x02"]},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "list": {"L": [{"S": "x"}, {"N": "3"}, {"L": []}, {"M": {}}, {"B": b"\x03"}, {"NULL": True}]},
    "map": {"M": {"answers": {"M": {"fever": {"S": "no"}, "days": {"N": "3"}}}, "rules": {"L": [{"SS": ["r1"]}]}}},
}


def test_an_item_of_every_kind_of_value_reads_back_as_written_from_the_table_an_index_and_the_stream(
    aws_server: Any,
) -> None:
    """The embedded AWS writes item values straight into its answers (``attribute_values_written_directly``):
    GetItem, Query, an index Query and the stream's new image give back exactly what was put."""
    ddb, streams = aws_server.client("dynamodb"), aws_server.client("dynamodbstreams")
    table = f"kinds-{uuid.uuid4().hex[:8]}"
    arn = ddb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "text", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-text",
                "KeySchema": [{"AttributeName": "text", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item=EVERY_KIND)

    assert ddb.get_item(TableName=table, Key={"pk": {"S": "item"}})["Item"] == EVERY_KIND
    by_key = ddb.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "item"}}
    )
    assert by_key["Items"] == [EVERY_KIND]
    assert by_key["Count"] == 1
    by_text = ddb.query(
        TableName=table,
        IndexName="by-text",
        KeyConditionExpression="#t = :t",
        ExpressionAttributeNames={"#t": "text"},
        ExpressionAttributeValues={":t": EVERY_KIND["text"]},
    )
    assert by_text["Items"] == [EVERY_KIND]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    (record,) = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert record["dynamodb"]["NewImage"] == EVERY_KIND
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "item"}}


def test_item_values_are_serialised_as_moto_itself_serialises_them() -> None:
    """The same JSON as moto's own walk of the output shape, for an item of every kind of value."""
    import json

    from moto.core.responses import get_service_model
    from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import dynamo_to_dict

    from infrastructure.local.embedded_aws import attribute_values_written_directly

    attribute_values_written_directly()
    model = get_service_model("dynamodb")
    stored = {name: DynamoType(value) for name, value in EVERY_KIND.items()}
    result = dynamo_to_dict({"Items": [stored, stored], "Count": 2, "LastEvaluatedKey": {"pk": stored["pk"]}})

    def body(walk: Any) -> Any:
        saved = BaseJSONSerializer._serialize_type_structure
        BaseJSONSerializer._serialize_type_structure = walk  # type: ignore[method-assign]
        try:
            serializer = JSONSerializer(model.operation_model("Query"), value_picker=XFormedAttributePicker())
            return json.loads(serializer.serialize(result)["body"])
        finally:
            BaseJSONSerializer._serialize_type_structure = saved  # type: ignore[method-assign]

    direct = BaseJSONSerializer._serialize_type_structure
    assert direct.writes_attribute_values  # type: ignore[attr-defined]
    assert body(direct) == body(direct.__wrapped__)  # type: ignore[attr-defined]
    assert body(direct)["Items"][0]["binary"] == {"B": "AP9iaWxk"}
