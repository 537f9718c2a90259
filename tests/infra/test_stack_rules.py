"""Rules every region's stacks keep, whatever is added to them: encryption, recovery, least privilege, DLQs."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from infrastructure.aws import package
from tests.infra.templates import Stacks, exported, function, of_type, walk

DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}

# (stack, resource, statement Sid) -> why a wildcard is right there. Keep this list short and each reason true.
WILDCARD_EXCEPTIONS = {
    ("app", "OnDomainEventRole", "NoticesBySms"): (
        "an SMS to a phone number has no resource ARN in SNS; the statement is limited to publishing without a topic "
        "and given only to the consumer that sends citizens' notices"
    ),
    ("data", "DataKey", "AccountManagesKeyThroughIam"): (
        "in a KMS key policy Resource '*' means the key itself; the account gets 'kms:*' (never '*', never to "
        "Principal '*') so that IAM policies can grant use of the key and it can never become unmanageable"
    ),
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(stacks: Stacks) -> Iterator[tuple[tuple[str, str, str], dict[str, Any]]]:
    """Every IAM statement anywhere in both stacks: roles, key policies, bucket policies, trust policies."""
    for which, template in stacks.both():
        for name, resource in template["Resources"].items():
            for _, node in walk(resource):
                if isinstance(node, dict) and isinstance(node.get("Statement"), list):
                    for statement in node["Statement"]:
                        yield (which, name, statement.get("Sid", "")), statement


def _event(stacks: Stacks, handler: str, kind: str) -> dict[str, Any]:
    (event,) = [e for e in function(stacks.app, handler)["Events"].values() if e["Type"] == kind]
    return dict(event["Properties"])


def test_every_table_has_point_in_time_recovery_and_the_regions_kms_key(stacks: Stacks) -> None:
    assert not of_type(stacks.app, "AWS::DynamoDB::Table"), "tables belong in the data stack"
    tables = of_type(stacks.data, "AWS::DynamoDB::Table")
    assert len(tables) == 2
    for name, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": DATA_KEY}, name
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["DeletionProtectionEnabled"] is True, name
        assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain"), name


def test_main_table_streams_both_images_and_expires_items_by_ttl(stacks: Stacks) -> None:
    main = stacks.data["Resources"]["MainTable"]["Properties"]
    assert main["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert main["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert "TimeToLiveSpecification" not in stacks.data["Resources"]["AuditTable"]["Properties"]


def test_no_policy_statement_allows_every_action_or_every_resource(stacks: Stacks) -> None:
    seen = set()
    for where, statement in _statements(stacks):
        assert "NotAction" not in statement and "NotResource" not in statement, where
        if where in WILDCARD_EXCEPTIONS:
            seen.add(where)
            continue
        assert "*" not in _listed(statement.get("Action")), f"Action '*' in {where}"
        assert "*" not in _listed(statement.get("Resource", [])), f"Resource '*' in {where}"
    assert seen == set(WILDCARD_EXCEPTIONS), "an exception no longer matches a statement: remove it"


def test_key_policy_grants_nothing_to_everyone(stacks: Stacks) -> None:
    for statement in stacks.data["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]:
        principals = statement["Principal"]
        assert principals != "*" and "*" not in _listed(principals.get("AWS", [])), statement["Sid"]
        assert statement["Action"] != "*", statement["Sid"]


def test_audit_table_is_append_only_for_the_app(stacks: Stacks) -> None:
    granted: set[str] = set()
    denied: set[str] = set()
    for (which, _, _), statement in _statements(stacks):
        if which == "app" and "AuditTableArn" in str(statement.get("Resource")):
            actions = set(_listed(statement["Action"]))
            (granted if statement["Effect"] == "Allow" else denied).update(actions)
    assert granted == {"dynamodb:PutItem", "dynamodb:Query"}
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= denied


def test_every_queue_that_is_not_a_dlq_has_a_redrive_policy_and_all_are_encrypted(stacks: Stacks) -> None:
    queues = of_type(stacks.data, "AWS::SQS::Queue")
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    stream_failures = _event(stacks, "on_table_change", "DynamoDB")["DestinationConfig"]["OnFailure"]["Destination"]
    dlqs.add(exported(stacks, stream_failures)["Fn::GetAtt"][0])
    assert dlqs < set(queues)
    for name, queue in queues.items():
        props = queue["Properties"]
        assert props["KmsMasterKeyId"] == DATA_KEY, name
        if name in dlqs:
            assert "RedrivePolicy" not in props and props["MessageRetentionPeriod"] == 14 * 24 * 3600, name
        else:
            assert props["RedrivePolicy"]["maxReceiveCount"] >= 1, name


def test_queue_consumer_reports_partial_batch_failures(stacks: Stacks) -> None:
    source = _event(stacks, "on_domain_event", "SQS")
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert exported(stacks, source["Queue"]) == {"Fn::GetAtt": ["EventsQueue", "Arn"]}


def test_queue_messages_stay_invisible_while_their_consumer_may_still_run(stacks: Stacks) -> None:
    # Lambda refuses an SQS event source whose queue hides a message for less time than the function may run.
    consumer = function(stacks.app, "on_domain_event")
    queue = stacks.data["Resources"]["EventsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= consumer["Timeout"]


def test_stream_consumer_retries_a_bounded_number_of_times_then_records_the_batch(stacks: Stacks) -> None:
    source = _event(stacks, "on_table_change", "DynamoDB")
    assert exported(stacks, source["Stream"]) == {"Fn::GetAtt": ["MainTable", "StreamArn"]}
    assert 0 < source["MaximumRetryAttempts"] <= 100
    assert source["BisectBatchOnFunctionError"] is True
    destination = exported(stacks, source["DestinationConfig"]["OnFailure"]["Destination"])
    assert stacks.data["Resources"][destination["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"


def test_photo_bucket_is_private_encrypted_tls_only_and_has_a_lifecycle(stacks: Stacks) -> None:
    ((name, bucket),) = of_type(stacks.data, "AWS::S3::Bucket").items()
    props = bucket["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": DATA_KEY}
    assert props["LifecycleConfiguration"]["Rules"]
    (policy,) = of_type(stacks.data, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": name}
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_import_names_an_export_of_the_data_stack(stacks: Stacks) -> None:
    exports = {o["Export"]["Name"] for o in stacks.data["Outputs"].values()}
    imports = {
        node["Fn::ImportValue"] for _, node in walk(stacks.app) if isinstance(node, dict) and "Fn::ImportValue" in node
    }
    assert imports and imports <= exports


def test_no_placeholder_is_left_outside_fn_sub(stacks: Stacks) -> None:
    def loose(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "Fn::Sub":
                    yield from loose(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from loose(value, f"{path}/{i}")
        elif isinstance(node, str) and "${" in node:
            yield path

    assert list(loose(stacks.app, "")) == []


def test_a_placeholder_that_names_nothing_fails_the_render(stacks: Stacks) -> None:
    broken = copy.deepcopy(stacks.chalice)
    function_props = next(iter(of_type(broken, "AWS::Serverless::Function").values()))["Properties"]
    function_props["Environment"]["Variables"]["NARA_TABLE"] = "${MainTabelName}"
    with pytest.raises(ValueError, match="MainTabelName"):
        package.merge(broken, stacks.data)


def test_only_the_event_consumer_may_send_notices_to_citizens(stacks: Stacks) -> None:
    senders = {
        name
        for (which, name, sid), statement in _statements(stacks)
        if which == "app" and {"sns:Publish", "ses:SendEmail"} & set(_listed(statement.get("Action")))
    }
    assert senders == {"OnDomainEventRole"}
