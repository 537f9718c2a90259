"""The access log is kept five years, out of reach of deletion: retention is enforced by the template itself."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.templates import Stacks, of_type, walk

DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}
FIVE_YEARS_IN_DAYS = 1826


def _archive(stacks: Stacks) -> tuple[str, dict[str, Any]]:
    """The one bucket with Object Lock: the access log archive."""
    locked = {
        n: b for n, b in of_type(stacks.data, "AWS::S3::Bucket").items() if b["Properties"].get("ObjectLockEnabled")
    }
    assert len(locked) == 1, f"expected one Object Lock bucket, found {sorted(locked)}"
    ((name, bucket),) = locked.items()
    return name, bucket


def test_the_archive_bucket_locks_every_object_in_compliance_mode_for_at_least_five_years(stacks: Stacks) -> None:
    _, bucket = _archive(stacks)
    props = bucket["Properties"]
    assert props["ObjectLockEnabled"] is True
    lock = props["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"  # GOVERNANCE could be lifted by a privileged user
    days = retention.get("Days", 0) or 365 * retention.get("Years", 0)
    assert days >= FIVE_YEARS_IN_DAYS or retention.get("Years", 0) >= 5
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_archive_is_encrypted_private_and_reached_over_tls_only(stacks: Stacks) -> None:
    name, bucket = _archive(stacks)
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": DATA_KEY}
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert set(props["PublicAccessBlockConfiguration"]) == {
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    }
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in of_type(stacks.data, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": name}
    ]
    (policy,) = policies
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "s3:*" and deny["Principal"] == "*"


def test_the_audit_table_is_protected_and_recoverable(stacks: Stacks) -> None:
    table = stacks.data["Resources"]["AuditTable"]
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert "TimeToLiveSpecification" not in props, "no record of the access log may expire in the table"
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_every_new_record_flows_from_the_audit_table_through_a_stream_and_firehose_into_the_archive(
    stacks: Stacks,
) -> None:
    resources = stacks.data["Resources"]
    archive, _ = _archive(stacks)
    stream_ref = resources["AuditTable"]["Properties"]["KinesisStreamSpecification"]["StreamArn"]
    assert stream_ref["Fn::GetAtt"][1] == "Arn"
    stream = resources[stream_ref["Fn::GetAtt"][0]]
    assert stream["Type"] == "AWS::Kinesis::Stream"
    assert stream["Properties"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": DATA_KEY}
    assert stream["Properties"]["RetentionPeriodHours"] >= 24
    (delivery,) = of_type(stacks.data, "AWS::KinesisFirehose::DeliveryStream").values()
    props = delivery["Properties"]
    assert props["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert props["KinesisStreamSourceConfiguration"]["KinesisStreamARN"] == stream_ref
    s3 = props["ExtendedS3DestinationConfiguration"]
    assert s3["BucketARN"] == {"Fn::GetAtt": [archive, "Arn"]}
    assert s3["EncryptionConfiguration"] == {"KMSEncryptionConfig": {"AWSKMSKeyARN": DATA_KEY}}


def test_the_delivery_role_can_only_add_to_the_archive(stacks: Stacks) -> None:
    (delivery,) = of_type(stacks.data, "AWS::KinesisFirehose::DeliveryStream").values()
    role_name = delivery["Properties"]["ExtendedS3DestinationConfiguration"]["RoleARN"]["Fn::GetAtt"][0]
    role = stacks.data["Resources"][role_name]["Properties"]
    actions = {a for p in role["Policies"] for s in p["PolicyDocument"]["Statement"] for a in s["Action"]}
    s3_actions = {a for a in actions if a.startswith("s3:")}
    assert "s3:PutObject" in s3_actions
    assert not {a for a in s3_actions if "Delete" in a or "Retention" in a or "LegalHold" in a or a == "s3:*"}
    trust = json.dumps(role["AssumeRolePolicyDocument"])
    assert "firehose.amazonaws.com" in trust


def test_the_app_may_only_append_to_and_read_the_audit_table(stacks: Stacks) -> None:
    """Every IAM statement of the app stack on the audit table: PutItem and Query (the table and its review indexes)
    allowed, nothing that changes or deletes a record."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for _, node in walk(stacks.app["Resources"]):
        if isinstance(node, dict) and isinstance(node.get("Statement"), list):
            for statement in node["Statement"]:
                if "AuditTableArn" not in json.dumps(statement.get("Resource")):
                    continue
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                (allowed if statement["Effect"] == "Allow" else denied).update(actions)
    assert allowed == {"dynamodb:PutItem", "dynamodb:Query"}
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLDelete"} <= denied
