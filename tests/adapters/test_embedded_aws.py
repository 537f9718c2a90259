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
