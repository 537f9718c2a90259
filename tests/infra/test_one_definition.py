"""The AWS stacks and the local stack are made from one definition: ``infrastructure.definitions.TenantResources``."""

from __future__ import annotations

import json
import re

from tests.infra.templates import ROOT, Stacks, function, of_type

LOCAL_ONLY_SETTINGS = {"NARA_AWS_ENDPOINT"}  # the embedded AWS endpoint; in AWS the SDK's defaults apply


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
    buckets = {b["Properties"]["BucketName"] for b in of_type(stacks.data, "AWS::S3::Bucket").values()}
    assert buckets == set(stacks.resources.buckets)


def test_every_setting_the_app_reads_is_given_to_every_function(stacks: Stacks) -> None:
    read = set(re.findall(r'"(NARA_[A-Z_]+)"', (ROOT / "chalicelib" / "bootstrap.py").read_text()))
    assert read, "bootstrap.py no longer reads NARA_* settings the way this test expects"
    for resource in of_type(stacks.app, "AWS::Serverless::Function").values():
        assert set(resource["Properties"]["Environment"]["Variables"]) >= read - LOCAL_ONLY_SETTINGS


def test_settings_point_at_the_regions_resources(stacks: Stacks) -> None:
    variables = function(stacks.app, "on_domain_event")["Environment"]["Variables"]
    prefix = "nara-jonkoping-data-"
    assert variables["NARA_TABLE"] == {"Fn::ImportValue": f"{prefix}MainTableName"}
    assert variables["NARA_AUDIT_TABLE"] == {"Fn::ImportValue": f"{prefix}AuditTableName"}
    assert variables["NARA_EVENTS_QUEUE_URL"] == {"Fn::ImportValue": f"{prefix}EventsQueueUrl"}
    assert variables["NARA_TABLE_STREAM_ARN"] == {"Fn::ImportValue": f"{prefix}MainTableStreamArn"}
    assert variables["NARA_WS_ENDPOINT"] == {
        "Fn::Sub": "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"
    }
