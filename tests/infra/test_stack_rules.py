"""Rules every region's stacks keep, whatever is added to them: encryption, recovery, least privilege, DLQs."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.adapters import queues
from infrastructure.aws import package
from infrastructure.definitions import CONSUMERS
from tests.infra.templates import Stacks, exported, function, of_type, walk

DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}

# (stack, resource, statement Sid) -> why a wildcard is right there. Keep this list short and each reason true.
WILDCARD_EXCEPTIONS = {
    ("data", "DataKey", "AccountManagesKeyThroughIam"): (
        "in a KMS key policy Resource '*' means the key itself; the account gets 'kms:*' (never '*', never to "
        "Principal '*') so that IAM policies can grant use of the key and it can never become unmanageable"
    ),
    ("data", "DataKey", "EventsTopicUsesKey"): (
        "in a key policy Resource '*' means the key itself; only SNS, only for the region's events topic (by "
        "aws:SourceArn), may encrypt and decrypt with it, to keep and deliver events to the encrypted queues"
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
    exceptions = dict(WILDCARD_EXCEPTIONS)
    for role in package.notice_roles(stacks.app["Resources"]):
        exceptions[("app", role, "NoticesBySms")] = (
            "an SMS to a phone number has no resource ARN in SNS; the statement is limited to publishing without a "
            "topic and given only to what texts citizens (the notices consumer, the held-notices schedule, and the "
            "API for staff's phone invites)"
        )
    seen = set()
    for where, statement in _statements(stacks):
        assert "NotAction" not in statement and "NotResource" not in statement, where
        if where in exceptions:
            seen.add(where)
            continue
        assert "*" not in _listed(statement.get("Action")), f"Action '*' in {where}"
        assert "*" not in _listed(statement.get("Resource", [])), f"Resource '*' in {where}"
    assert seen == set(exceptions), "an exception no longer matches a statement: remove it"


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


def _queue(consumer: str) -> str:
    return f"{consumer.capitalize()}Queue"


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_each_consumer_reads_its_own_queue_and_reports_partial_batch_failures(stacks: Stacks, consumer: str) -> None:
    source = _event(stacks, f"on_event_for_{consumer}", "SQS")
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert exported(stacks, source["Queue"]) == {"Fn::GetAtt": [_queue(consumer), "Arn"]}


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_queue_messages_stay_invisible_while_their_consumer_may_still_run(stacks: Stacks, consumer: str) -> None:
    # Lambda refuses an SQS event source whose queue hides a message for less time than the function may run.
    function_props = function(stacks.app, f"on_event_for_{consumer}")
    queue = stacks.data["Resources"][_queue(consumer)]["Properties"]
    assert queue["VisibilityTimeout"] >= function_props["Timeout"]


def _alarmed(stacks: Stacks) -> set[str]:
    """The queues an alarm watches (by logical id)."""
    watched = set()
    for alarm in of_type(stacks.data, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmsTopic"}]
        assert props["Threshold"] == 0 and props["ComparisonOperator"] == "GreaterThanThreshold"
        (dimension,) = props["Dimensions"]
        watched.add(dimension["Value"]["Fn::GetAtt"][0])
    return watched


def test_every_async_consumer_has_a_dlq_and_an_alarm_on_it(stacks: Stacks) -> None:
    dlqs = set()
    for resource in of_type(stacks.app, "AWS::Serverless::Function").values():
        for event in resource["Properties"].get("Events", {}).values():
            props = event["Properties"]
            if event["Type"] == "SQS":
                queue = exported(stacks, props["Queue"])["Fn::GetAtt"][0]
                redrive = stacks.data["Resources"][queue]["Properties"]["RedrivePolicy"]
                dlqs.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
            elif event["Type"] == "DynamoDB":
                dlqs.add(exported(stacks, props["DestinationConfig"]["OnFailure"]["Destination"])["Fn::GetAtt"][0])
    assert len(dlqs) == len(CONSUMERS) + 1  # one per consumer of domain events, one for the stream handler
    assert dlqs <= _alarmed(stacks)


def test_the_events_topic_fans_out_to_each_consumers_queue_and_only_the_topic_may_send_to_them(stacks: Stacks) -> None:
    (topic,) = [n for n, r in of_type(stacks.data, "AWS::SNS::Topic").items() if n == "EventsTopic"]
    assert stacks.data["Resources"][topic]["Properties"]["KmsMasterKeyId"] == DATA_KEY
    subscriptions = of_type(stacks.data, "AWS::SNS::Subscription").values()
    subscribed = {s["Properties"]["Endpoint"]["Fn::GetAtt"][0] for s in subscriptions}
    assert subscribed == {_queue(c) for c in CONSUMERS}
    for subscription in subscriptions:
        props = subscription["Properties"]
        assert props["TopicArn"] == {"Ref": topic} and props["Protocol"] == "sqs"
        assert props["RawMessageDelivery"] is True  # the message body is the event itself
    policies = {
        p["Properties"]["Queues"][0]["Ref"]: p["Properties"]
        for p in of_type(stacks.data, "AWS::SQS::QueuePolicy").values()
    }
    assert set(policies) == subscribed
    for queue, policy in policies.items():
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "sns.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
        assert statement["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": topic}}}


def test_only_the_stream_handler_publishes_events_and_each_consumer_reads_only_its_own_queue(stacks: Stacks) -> None:
    topic = {"Fn::ImportValue": "nara-jonkoping-data-EventsTopicArn"}
    publishers = {
        name
        for (which, name, _), statement in _statements(stacks)
        if which == "app" and statement.get("Resource") == topic
    }
    assert publishers == {"OnTableChangeRole"}
    for consumer in CONSUMERS:
        role = f"OnEventFor{consumer.capitalize()}Role"
        reads = [
            statement["Resource"]
            for (which, name, _), statement in _statements(stacks)
            if which == "app" and name == role and "sqs:ReceiveMessage" in _listed(statement.get("Action"))
        ]
        assert [exported(stacks, r) for r in reads] == [{"Fn::GetAtt": [_queue(consumer), "Arn"]}]


def test_each_consumer_may_put_off_the_messages_of_its_own_queue_only(stacks: Stacks) -> None:
    # the backoff of a failed event (chalicelib/adapters/queues.py) sets its next delivery with ChangeMessageVisibility
    changers: dict[str, list[Any]] = {}
    for (_, name, _), statement in _statements(stacks):
        if statement["Effect"] == "Allow" and "sqs:ChangeMessageVisibility" in _listed(statement.get("Action")):
            for resource in _listed(statement["Resource"]):
                imported = isinstance(resource, dict) and "Fn::ImportValue" in resource
                changers.setdefault(name, []).append(exported(stacks, resource) if imported else resource)
    assert changers == {
        f"OnEventFor{consumer.capitalize()}Role": [{"Fn::GetAtt": [_queue(consumer), "Arn"]}] for consumer in CONSUMERS
    }


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_a_failing_event_reaches_the_dlq_before_its_queue_would_drop_it(stacks: Stacks, consumer: str) -> None:
    # every wait of the backoff is at most MAX_RETRY_DELAY_SECONDS: all the attempts fit in the queue's retention,
    # so an event that keeps failing ends in the DLQ (kept 14 days), never expired unseen from its queue
    queue = stacks.data["Resources"][_queue(consumer)]["Properties"]
    attempts = queue["RedrivePolicy"]["maxReceiveCount"]
    assert queues.MAX_RETRY_DELAY_SECONDS * attempts < queue["MessageRetentionPeriod"]
    assert queue["VisibilityTimeout"] <= queues.MAX_RETRY_DELAY_SECONDS <= queues.SQS_MAX_VISIBILITY_SECONDS


def test_stream_consumer_retries_a_bounded_number_of_times_then_records_the_batch(stacks: Stacks) -> None:
    source = _event(stacks, "on_table_change", "DynamoDB")
    assert exported(stacks, source["Stream"]) == {"Fn::GetAtt": ["MainTable", "StreamArn"]}
    assert 0 < source["MaximumRetryAttempts"] <= 100
    assert source["BisectBatchOnFunctionError"] is True
    destination = exported(stacks, source["DestinationConfig"]["OnFailure"]["Destination"])
    assert stacks.data["Resources"][destination["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"


def test_photo_bucket_is_private_encrypted_tls_only_and_has_a_lifecycle(stacks: Stacks) -> None:
    # the photo bucket: the one without Object Lock (the access log archive has its own tests)
    buckets = of_type(stacks.data, "AWS::S3::Bucket").items()
    ((name, bucket),) = [(n, b) for n, b in buckets if not b["Properties"].get("ObjectLockEnabled")]
    props = bucket["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": DATA_KEY}
    assert props["LifecycleConfiguration"]["Rules"]
    (policy,) = [
        p for p in of_type(stacks.data, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": name}
    ]
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


def test_only_what_texts_or_mails_citizens_may_send_sms_or_e_mail(stacks: Stacks) -> None:
    # SMS: the notices consumer, the held-notices schedule, the API (phone invites); e-mail: the notices consumer
    senders = {
        name
        for (which, name, sid), statement in _statements(stacks)
        if which == "app"
        and {"sns:Publish", "ses:SendEmail"} & set(_listed(statement.get("Action")))
        and sid != "PublishDomainEvents"  # to the events topic only: not a notice
    }
    assert senders == set(package.notice_roles(stacks.app["Resources"])) and package.NOTICES_ROLE in senders
    assert senders == {"OnEventForNotifyRole", "SendHeldNoticesRole", "ApiHandlerRole"}
    mailers = {name for (which, name, sid), _ in _statements(stacks) if which == "app" and sid == "NoticesByEmail"}
    assert mailers == {"OnEventForNotifyRole"}
