"""The AWS stacks and the local stack are made from one definition: ``infrastructure.definitions.TenantResources``."""

from __future__ import annotations

import json
import re

from infrastructure.aws import data_stack
from tests.infra.templates import ROOT, Stacks, function, of_type

LOCAL_ONLY_SETTINGS = {
    "NARA_AWS_ENDPOINT",  # the embedded AWS endpoint; in AWS the SDK's defaults apply
    "NARA_S3_PUBLIC_URL",  # where browsers reach the embedded S3 (the gateway's proxy); in AWS, S3 itself
    "NARA_PARTNER_URLS",  # partner regions at local ports; in AWS their addresses are in the region's configuration
    # Paths of the BankID PEM files. In AWS the PEMs are Secrets Manager secrets (three PEMs do not fit in Lambda's
    # 4 KB of environment): the functions get the secrets' ARNs, NARA_BANKID_*_SECRET_ARN, and write the files.
    "NARA_BANKID_CERT",
    "NARA_BANKID_KEY",
    "NARA_BANKID_CA",
}
# Given to the functions but not read by bootstrap.py yet: it is to fetch the BankID PEMs from these secrets at cold
# start (docs/deploy.md, "BankID"). Until it does, a region must not set the BankIdUrl parameter.
NOT_YET_READ: set[str] = set()


def _read_by_the_app() -> set[str]:
    return set(re.findall(r'"(NARA_[A-Z_]+)"', (ROOT / "chalicelib" / "bootstrap.py").read_text()))


def _same(left: list[dict[str, str]], right: list[dict[str, str]]) -> bool:
    return sorted(left, key=json.dumps) == sorted(right, key=json.dumps)


def test_tables_have_exactly_the_keys_and_indexes_of_the_definition(stacks: Stacks) -> None:
    for logical, definition in (
        ("MainTable", stacks.resources.main_table),
        ("AuditTable", stacks.resources.audit_table),
    ):
        rendered = stacks.data["Resources"][logical]["Properties"]
        assert rendered["TableName"] == definition["TableName"]
        assert rendered["KeySchema"] == definition["KeySchema"]
        assert _same(rendered["AttributeDefinitions"], definition["AttributeDefinitions"])
        assert rendered.get("GlobalSecondaryIndexes") == definition.get("GlobalSecondaryIndexes")
        stream = definition.get("StreamSpecification")
        assert rendered.get("StreamSpecification") == (stream and {"StreamViewType": stream["StreamViewType"]})


def test_queues_and_buckets_are_the_definitions(stacks: Stacks) -> None:
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in of_type(stacks.data, "AWS::SQS::Queue").values()}
    for queue in stacks.resources.queues:
        assert queue.dlq_name in queues
        assert queues[queue.name]["VisibilityTimeout"] == queue.visibility_timeout
        assert queues[queue.name]["RedrivePolicy"]["maxReceiveCount"] == queue.max_receive_count
    assert stacks.data["Resources"]["EventsTopic"]["Properties"]["TopicName"] == stacks.resources.events_topic
    buckets = {b["Properties"]["BucketName"] for b in of_type(stacks.data, "AWS::S3::Bucket").values()}
    assert buckets == {*stacks.resources.buckets, data_stack.access_log_archive_name(stacks.resources.tenant)}


def test_each_consumers_subscription_filters_the_event_types_of_the_definition(stacks: Stacks) -> None:
    queue_ids = {r["Properties"]["QueueName"]: n for n, r in of_type(stacks.data, "AWS::SQS::Queue").items()}
    subscriptions = {
        s["Properties"]["Endpoint"]["Fn::GetAtt"][0]: s["Properties"]
        for s in of_type(stacks.data, "AWS::SNS::Subscription").values()
    }
    for queue in stacks.resources.queues:
        subscription = subscriptions[queue_ids[queue.name]]
        assert subscription["TopicArn"] == {"Ref": "EventsTopic"} and subscription["RawMessageDelivery"] is True
        assert subscription.get("FilterPolicy") == queue.filter_policy
    assert sum(1 for q in stacks.resources.queues if q.filter_policy) == len(stacks.resources.queues) - 1  # timeline


def test_every_setting_the_app_reads_is_given_to_every_function(stacks: Stacks) -> None:
    read = _read_by_the_app()
    assert read, "bootstrap.py no longer reads NARA_* settings the way this test expects"
    for resource in of_type(stacks.app, "AWS::Serverless::Function").values():
        assert set(resource["Properties"]["Environment"]["Variables"]) >= read - LOCAL_ONLY_SETTINGS


def test_every_setting_given_to_the_functions_is_read_by_the_app(stacks: Stacks) -> None:
    read = _read_by_the_app()
    for resource in of_type(stacks.app, "AWS::Serverless::Function").values():
        given = {name for name in resource["Properties"]["Environment"]["Variables"] if name.startswith("NARA_")}
        assert given - read == NOT_YET_READ, (
            "a setting no code reads; or bootstrap.py now reads one of NOT_YET_READ: remove it from that set"
        )


def test_settings_point_at_the_regions_resources(stacks: Stacks) -> None:
    variables = function(stacks.app, "on_event_for_notify")["Environment"]["Variables"]
    prefix = "nara-jonkoping-data-"
    assert variables["NARA_TABLE"] == {"Fn::ImportValue": f"{prefix}MainTableName"}
    assert variables["NARA_AUDIT_TABLE"] == {"Fn::ImportValue": f"{prefix}AuditTableName"}
    assert variables["NARA_EVENTS_TOPIC_ARN"] == {"Fn::ImportValue": f"{prefix}EventsTopicArn"}
    assert variables["NARA_TABLE_STREAM_ARN"] == {"Fn::ImportValue": f"{prefix}MainTableStreamArn"}
    assert variables["NARA_WS_ENDPOINT"] == {
        "Fn::Sub": "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"
    }


def test_the_queue_view_index_projects_only_what_the_queue_shows_in_aws_locally_and_in_the_model(
    stacks: Stacks,
) -> None:
    """The staff queue is read from the queue view index (gsi3): in the data stack, in the local stack's tables and
    in the pynamodb model it projects the same few attributes (INCLUDE), never the whole case (ALL)."""
    from chalicelib.adapters import dynamo, tables

    rendered = stacks.data["Resources"]["MainTable"]["Properties"]["GlobalSecondaryIndexes"]
    index = next(i for i in rendered if i["IndexName"] == tables.QUEUE_VIEW_INDEX)
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(tables.QUEUE_VIEW_ATTRIBUTES)}
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["gsi3pk", "gsi3sk"]
    assert index in stacks.resources.main_table["GlobalSecondaryIndexes"]
    model = dynamo.Entity.queue_view_index.Meta.projection
    assert model.projection_type == "INCLUDE"
    assert set(model.non_key_attributes or ()) == set(tables.QUEUE_VIEW_ATTRIBUTES)
    assert set(dynamo.QUEUE_VIEW_READ) - {"gsi3sk"} <= set(tables.QUEUE_VIEW_ATTRIBUTES)
