"""The region's data stack: CloudFormation rendered from ``TenantResources``, the same definitions as the local stack.

Everything that holds patient data lives here, apart from the code: the tables, the queues (each with a DLQ), the
photo bucket, the customer-managed KMS key that encrypts all of them, the two application secrets and the secrets
of the region's login methods (BankID, Freja eID+, SITHS). Data resources are retained when the stack or the resource
goes away. The app stack reads what it needs from this stack's exports (:func:`export_name`), so the two can be
deployed and rolled back separately.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.adapters import tables
from infrastructure.definitions import QueueDef, TenantResources

TENANT_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,29}$")  # it becomes part of bucket, table and export names
WORK_QUEUE_RETENTION_SECONDS = 4 * 24 * 3600  # the SQS default, explicit: a long weekend of a stuck consumer
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to notice, fix and redrive
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
KEY_ARN = {"Fn::GetAtt": ["DataKey", "Arn"]}
# Every bucket: encrypted with the region's key, never public, objects owned by the bucket owner (no ACLs).
PRIVATE_BUCKET = {
    "BucketEncryption": {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                "BucketKeyEnabled": True,
            }
        ]
    },
    "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    },
    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
}
# (logical id, secret name after nara/<tenant>/, description). Each secret is created with a generated value, so no
# value is ever written in a template. Never change a secret's GenerateSecretString: CloudFormation would generate a
# new value over the one in use (for the patient key, or a value a region put, that is data loss).
APP_SECRETS = (
    ("SessionKeySecret", "session-key", "Signs session tokens. Rotating it signs everybody out."),
    ("PatientKeySecret", "patient-key", "Keys the hash standing for a personnummer in keys. NEVER rotate it."),
)
# What the region's identity providers gave it. They start as a random placeholder that the region replaces with
# `aws secretsmanager put-secret-value` (docs/deploy.md); a method is offered only once the app stack's parameters
# switch it on, so a placeholder is never used. The BankID PEMs are read at cold start (too large for Lambda's 4 KB of
# environment), the OIDC client secrets reach the functions as dynamic references like the session key.
_PLACEHOLDER = " Created as a random placeholder: put the real value (docs/deploy.md)."
IDENTITY_SECRETS = (
    ("BankIdCertSecret", "bankid/cert", "BankID relying-party client certificate, PEM." + _PLACEHOLDER),
    ("BankIdKeySecret", "bankid/key", "Private key of the BankID client certificate, unencrypted PEM." + _PLACEHOLDER),
    ("BankIdCaSecret", "bankid/ca", "BankID's SSL root CA certificate for the BankID environment, PEM." + _PLACEHOLDER),
    ("FrejaClientSecret", "freja/client_secret", "Freja eID+ OIDC client secret." + _PLACEHOLDER),
    ("SithsClientSecret", "siths/client_secret", "OIDC client secret at the region's SITHS IdP." + _PLACEHOLDER),
)
# The region's TURN server (video meetings, docs/video.md) shares this secret with Nara: short-lived TURN credentials
# are made from it. Used only once the region's `video` setting names TURN urls.
VIDEO_SECRETS = (
    ("TurnSecret", "turn/shared_secret", "The TURN server's shared secret (static-auth-secret)." + _PLACEHOLDER),
    # and a region's own SMS gateway (sms_provider {"http": ...}, docs/notifications.md): its bearer token
    ("SmsTokenSecret", "sms/token", "Bearer token of the region's HTTP SMS gateway." + _PLACEHOLDER),
    # and the region's listing register (identity.listing_register_url, docs/listing.md): its bearer token
    ("ListingTokenSecret", "listing/token", "Bearer token of the region's listing register." + _PLACEHOLDER),
    # and the key signing its requests to partner regions (referral to another region, docs/referral-across-regions.md)
    (
        "RegionKeySecret",
        "interregion/signing_key",
        "EC P-256 private key (PKCS#8 PEM) signing referrals to partner regions." + _PLACEHOLDER,
    ),
)
# The CreateTable parameters this renderer understands; anything else in ``tables.py`` must be taught here first.
# Browsers upload photos straight to the bucket (presigned POST) from the region's origin; CORS allows that origin
# only. The app stack has the same setting as its own parameter (both stacks are deployed with the same value).
PUBLIC_ORIGIN_PARAMETER = {
    "Type": "String",
    "Default": "",
    "MaxLength": 128,
    "AllowedPattern": r"(https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?)?",
    "ConstraintDescription": "empty, or like https://nara.region.se",
    "Description": "The https origin where citizens reach Nara, without a trailing slash: the photo bucket accepts "
    "uploads (presigned POST) from browsers on this origin only. Empty: no browser uploads.",
}
UPLOAD_DAYS = 1  # an upload is processed within minutes; whatever is left under uploads/ is abandoned
PHOTO_RETENTION_DAYS = 365  # the default of a region's retention.photos_days
MAX_PHOTO_RETENTION_DAYS = 3650
ACCESS_LOG_RETENTION_YEARS = 5  # the access log archive (below): the default, and the least a region may configure
MIN_ACCESS_LOG_RETENTION_YEARS = 5
MAX_OBJECT_LOCK_YEARS = 100  # S3 Object Lock's limit on a default retention
_TABLE_KEYS = {
    "TableName",
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "StreamSpecification",
}


def stack_name(tenant: str) -> str:
    return f"nara-{tenant}-data"


def export_name(tenant: str, output: str) -> str:
    """The name under which the data stack exports ``output``; the app stack imports it by this name."""
    return f"{stack_name(tenant)}-{output}"


def check_tenant(tenant: str) -> str:
    if not TENANT_PATTERN.match(tenant):
        raise ValueError(f"tenant {tenant!r} must match {TENANT_PATTERN.pattern}")
    return tenant


def logical_id(resources: TenantResources, name: str) -> str:
    """``nara-jonkoping-events`` -> ``Events``: the CloudFormation name part of a resource name."""
    short = name.removeprefix(f"nara-{resources.tenant}-")
    return "".join(part.capitalize() for part in short.split("-"))


def stream_dlq_name(table_name: str) -> str:
    """Where the stream handler's failed batches are recorded (a Lambda on-failure destination)."""
    return f"{table_name}-stream-dlq"


def render(
    resources: TenantResources,
    *,
    access_log_years: int = ACCESS_LOG_RETENTION_YEARS,
    photos_days: int = PHOTO_RETENTION_DAYS,
) -> dict[str, Any]:
    """The data stack's template as a dict (``json.dumps`` it to deploy).

    ``access_log_years`` is how long the access log archive locks each record (at least five years), ``photos_days``
    how long a photo is kept; a region's configuration gives both (``retention`` in ``infrastructure/regions``)."""
    check_tenant(resources.tenant)
    if not MIN_ACCESS_LOG_RETENTION_YEARS <= access_log_years <= MAX_OBJECT_LOCK_YEARS:
        raise ValueError(
            f"access log retention {access_log_years} years: give {MIN_ACCESS_LOG_RETENTION_YEARS} to "
            f"{MAX_OBJECT_LOCK_YEARS} years (HSLF-FS 2016:40 asks for at least five)"
        )
    if not UPLOAD_DAYS <= photos_days <= MAX_PHOTO_RETENTION_DAYS:
        raise ValueError(f"photo retention {photos_days} days: give {UPLOAD_DAYS} to {MAX_PHOTO_RETENTION_DAYS} days")
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Nara data stack of region {resources.tenant}: tables, queues, buckets, key, secrets",
        "Parameters": {"PublicOrigin": PUBLIC_ORIGIN_PARAMETER},
        "Conditions": {"BrowserUploads": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicOrigin"}, ""]}]}},
        "Resources": {},
        "Outputs": {},
    }
    res, out = template["Resources"], template["Outputs"]
    res["DataKey"] = _key(resources)
    res["DataKeyAlias"] = {
        "Type": "AWS::KMS::Alias",
        "Properties": {"AliasName": f"alias/nara-{resources.tenant}-data", "TargetKeyId": {"Ref": "DataKey"}},
    }
    out["Tenant"] = resources.tenant
    out["DataKeyArn"] = KEY_ARN

    for params in (resources.main_table, resources.audit_table):
        name = logical_id(resources, params["TableName"]) + "Table"
        res[name] = _table(params, ttl=params["TableName"] in resources.ttl_tables)
        out[f"{name}Name"] = {"Ref": name}
        out[f"{name}Arn"] = {"Fn::GetAtt": [name, "Arn"]}
        if params.get("StreamSpecification", {}).get("StreamEnabled"):
            out[f"{name}StreamArn"] = {"Fn::GetAtt": [name, "StreamArn"]}
            res[f"{name}StreamDlq"] = _dlq(stream_dlq_name(params["TableName"]))
            res[f"{name}StreamDlqAlarm"] = _dlq_alarm(f"{name}StreamDlq", f"{name}'s stream handler")
            out[f"{name}StreamDlqArn"] = {"Fn::GetAtt": [f"{name}StreamDlq", "Arn"]}

    _event_fanout(resources, res, out)

    for bucket in resources.buckets:
        name = logical_id(resources, bucket) + "Bucket"
        res[name] = _bucket(bucket, uploads=f"{resources.tenant}/uploads/", keep_days=photos_days)
        res[f"{name}Policy"] = _tls_only_bucket_policy(name)
        out[f"{name}Name"] = {"Ref": name}
        out[f"{name}Arn"] = {"Fn::GetAtt": [name, "Arn"]}

    _access_log_archive(resources, res, out, years=access_log_years)

    for name, secret, why in (*APP_SECRETS, *IDENTITY_SECRETS, *VIDEO_SECRETS):
        res[name] = _secret(f"nara/{resources.tenant}/{secret}", why)
        out[f"{name}Arn"] = {"Ref": name}

    template["Outputs"] = {
        key: {"Value": value, "Export": {"Name": export_name(resources.tenant, key)}} for key, value in out.items()
    }
    return template


def _key(resources: TenantResources) -> dict[str, Any]:
    account_root = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
    # by name: a Ref to the topic would make a cycle (the topic is encrypted with this key)
    events_topic_arn = f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{resources.events_topic}"
    return {
        "Type": "AWS::KMS::Key",
        **RETAIN,
        "Properties": {
            "Description": f"Encrypts the data of Nara region {resources.tenant}",
            "EnableKeyRotation": True,
            "PendingWindowInDays": 30,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        # The account (and so IAM policies in it) manages and uses the key; without this
                        # statement the key could become unmanageable. In a key policy "*" means "this key".
                        "Sid": "AccountManagesKeyThroughIam",
                        "Effect": "Allow",
                        "Principal": {"AWS": account_root},
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        # SNS encrypts what it keeps of an event and sends it to the (encrypted) consumer queues.
                        "Sid": "EventsTopicUsesKey",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                        "Resource": "*",
                        "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::Sub": events_topic_arn}}},
                    },
                ],
            },
        },
    }


def _table(params: dict[str, Any], *, ttl: bool) -> dict[str, Any]:
    unknown = set(params) - _TABLE_KEYS
    if unknown:
        raise ValueError(f"{params['TableName']}: no CloudFormation rendering for {sorted(unknown)}")
    props = {key: params[key] for key in _TABLE_KEYS - {"StreamSpecification"} if key in params}
    stream = params.get("StreamSpecification", {})
    if stream.get("StreamEnabled"):
        props["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    props["SSESpecification"] = {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": KEY_ARN}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    props["DeletionProtectionEnabled"] = True
    if ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": tables.TTL_ATTRIBUTE, "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", **RETAIN, "Properties": dict(sorted(props.items()))}


def _queue(name: str, **props: Any) -> dict[str, Any]:
    encrypted = {"KmsMasterKeyId": KEY_ARN, "KmsDataKeyReusePeriodSeconds": 300}
    # Retained like the tables: a replaced or deleted queue would lose domain events still in it.
    return {"Type": "AWS::SQS::Queue", **RETAIN, "Properties": {"QueueName": name, **encrypted, **props}}


def _work_queue(queue: QueueDef, dlq: str) -> dict[str, Any]:
    redrive = {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": queue.max_receive_count}
    return _queue(
        queue.name,
        VisibilityTimeout=queue.visibility_timeout,
        MessageRetentionPeriod=WORK_QUEUE_RETENTION_SECONDS,
        RedrivePolicy=redrive,
    )


def _dlq(name: str, *, serves: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"MessageRetentionPeriod": DLQ_RETENTION_SECONDS}
    if serves is not None:
        # Only the queue it serves may use this DLQ (its ARN by name: a Ref would make a cycle).
        source = {"Fn::Sub": f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{serves}"}
        props["RedriveAllowPolicy"] = {"redrivePermission": "byQueue", "sourceQueueArns": [source]}
    return _queue(name, **props)


# --- Domain events: one topic, fanned out to a queue per consumer (docs/events.md) ---------------------------------


def _event_fanout(resources: TenantResources, res: dict[str, Any], out: dict[str, Any]) -> None:
    """The events topic; per consumer a queue subscribed to it with raw delivery (the body is the event), a policy
    letting only that topic send to it, a DLQ, and an alarm when anything waits in the DLQ. Alarms notify the
    ``Alarms`` topic, which the region subscribes its operators to (docs/events.md)."""
    res["EventsTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": resources.events_topic, "KmsMasterKeyId": KEY_ARN},
    }
    out["EventsTopicArn"] = {"Ref": "EventsTopic"}
    # No customer key here: CloudWatch cannot publish to a topic encrypted with one it has no grant on, and an alarm
    # says only which queue holds failed events, never what is in them.
    res["AlarmsTopic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"nara-{resources.tenant}-alarms"}}
    out["AlarmsTopicArn"] = {"Ref": "AlarmsTopic"}
    for queue in resources.queues:
        name = logical_id(resources, queue.name)
        res[f"{name}Dlq"] = _dlq(queue.dlq_name, serves=queue.name)
        res[f"{name}Queue"] = _work_queue(queue, dlq=f"{name}Dlq")
        res[f"{name}QueuePolicy"] = _topic_may_send(f"{name}Queue")
        res[f"{name}Subscription"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "EventsTopic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": [f"{name}Queue", "Arn"]},
                "RawMessageDelivery": True,
                **({"FilterPolicy": queue.filter_policy} if queue.filter_policy else {}),
            },
        }
        res[f"{name}DlqAlarm"] = _dlq_alarm(f"{name}Dlq", f"the {queue.consumer} consumer")
        out[f"{name}QueueName"] = {"Fn::GetAtt": [f"{name}Queue", "QueueName"]}
        out[f"{name}QueueUrl"] = {"Ref": f"{name}Queue"}
        out[f"{name}QueueArn"] = {"Fn::GetAtt": [f"{name}Queue", "Arn"]}
        out[f"{name}DlqArn"] = {"Fn::GetAtt": [f"{name}Dlq", "Arn"]}


def _topic_may_send(queue: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": queue}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "EventsTopicDelivers",
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
                        "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "EventsTopic"}}},
                    }
                ],
            },
        },
    }


def _dlq_alarm(dlq: str, what: str) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": f"Events {what} could not handle wait in {dlq}: fix the cause, then replay the DLQ "
            "(docs/events.md)",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}],
            "Statistic": "Maximum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmsTopic"}],
            "OKActions": [{"Ref": "AlarmsTopic"}],
        },
    }


def _bucket(name: str, *, uploads: str, keep_days: int) -> dict[str, Any]:
    cors = {
        "CorsRules": [
            {
                "Id": "photo-uploads-from-the-region-origin",
                "AllowedMethods": ["GET", "POST"],
                "AllowedOrigins": [{"Ref": "PublicOrigin"}],
                "MaxAge": 600,
            }
        ]
    }
    return {
        "Type": "AWS::S3::Bucket",
        **RETAIN,
        "Properties": {
            "BucketName": name,
            **PRIVATE_BUCKET,
            "CorsConfiguration": {"Fn::If": ["BrowserUploads", cors, {"Ref": "AWS::NoValue"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-uploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                    {
                        # Uploads the app never processed (the citizen left); processed ones it deletes itself.
                        "Id": "expire-abandoned-uploads",
                        "Status": "Enabled",
                        "Prefix": uploads,
                        "ExpirationInDays": UPLOAD_DAYS,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": UPLOAD_DAYS},
                    },
                    {
                        "Id": "expire-replaced-versions",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                    {
                        # The region's retention of photos (retention.photos_days): then the photo is deleted (its
                        # version expires 30 days later by the rule above).
                        "Id": "expire-photos-after-retention",
                        "Status": "Enabled",
                        "ExpirationInDays": keep_days,
                    },
                ]
            },
        },
    }


def _tls_only_bucket_policy(bucket: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyPlainHttp",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def _secret(name: str, description: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SecretsManager::Secret",
        **RETAIN,
        "Properties": {
            "Name": name,
            "Description": description,
            "KmsKeyId": KEY_ARN,
            "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
        },
    }


# --- The access log kept five years (patientdatalagen, HSLF-FS 2016:40; docs/access-log.md) -----------------------
# The audit table streams every new record (DynamoDB's Kinesis streaming destination) into a Kinesis data stream;
# Kinesis Data Firehose delivers the stream in batches to a bucket with S3 Object Lock in COMPLIANCE mode: no one, the
# account's root user included, can delete or overwrite an archived record before its retention (the region's
# retention.access_log_years, at least five) is out.
ACCESS_LOG_STREAM_HOURS = 7 * 24  # the stream holds a week: time to notice and fix a stalled delivery
ACCESS_LOG_BUFFER_SECONDS = 300


def access_log_archive_name(tenant: str) -> str:
    return f"nara-{tenant}-access-log"


def _access_log_archive(resources: TenantResources, res: dict[str, Any], out: dict[str, Any], *, years: int) -> None:
    """Add the stream, the Object Lock bucket (each record locked ``years``) and the delivery stream; the audit table
    streams into the first."""
    stream_arn = {"Fn::GetAtt": ["AccessLogStream", "Arn"]}
    bucket_arn = {"Fn::GetAtt": ["AccessLogBucket", "Arn"]}
    res["AuditTable"]["Properties"]["KinesisStreamSpecification"] = {"StreamArn": stream_arn}
    res["AccessLogStream"] = {
        "Type": "AWS::Kinesis::Stream",
        **RETAIN,
        "Properties": {
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
            "RetentionPeriodHours": ACCESS_LOG_STREAM_HOURS,
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": KEY_ARN},
        },
    }
    res["AccessLogBucket"] = {
        "Type": "AWS::S3::Bucket",
        **RETAIN,
        "Properties": {
            "BucketName": access_log_archive_name(resources.tenant),
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": years}},
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            **PRIVATE_BUCKET,
        },
    }
    res["AccessLogBucketPolicy"] = _tls_only_bucket_policy("AccessLogBucket")
    res["AccessLogDeliveryRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": "Kinesis Data Firehose delivers the access log stream to its Object Lock bucket",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "firehose.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}},
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "deliver-access-log",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "ReadTheStream",
                                "Effect": "Allow",
                                "Action": [
                                    "kinesis:DescribeStream",
                                    "kinesis:GetShardIterator",
                                    "kinesis:GetRecords",
                                    "kinesis:ListShards",
                                ],
                                "Resource": stream_arn,
                            },
                            {
                                # Put only: the archive is never read, changed or deleted through this role.
                                "Sid": "WriteTheArchive",
                                "Effect": "Allow",
                                "Action": [
                                    "s3:AbortMultipartUpload",
                                    "s3:GetBucketLocation",
                                    "s3:ListBucket",
                                    "s3:ListBucketMultipartUploads",
                                    "s3:PutObject",
                                ],
                                "Resource": [bucket_arn, {"Fn::Sub": "${AccessLogBucket.Arn}/*"}],
                            },
                            {
                                "Sid": "UseTheDataKey",
                                "Effect": "Allow",
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Resource": KEY_ARN,
                            },
                        ],
                    },
                }
            ],
        },
    }
    res["AccessLogDelivery"] = {
        "Type": "AWS::KinesisFirehose::DeliveryStream",
        "Properties": {
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {
                "KinesisStreamARN": stream_arn,
                "RoleARN": {"Fn::GetAtt": ["AccessLogDeliveryRole", "Arn"]},
            },
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": bucket_arn,
                "RoleARN": {"Fn::GetAtt": ["AccessLogDeliveryRole", "Arn"]},
                "Prefix": "access-log/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
                "ErrorOutputPrefix": "failed/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/",
                "BufferingHints": {"IntervalInSeconds": ACCESS_LOG_BUFFER_SECONDS, "SizeInMBs": 64},
                "CompressionFormat": "GZIP",
                "EncryptionConfiguration": {"KMSEncryptionConfig": {"AWSKMSKeyARN": KEY_ARN}},
            },
        },
    }
    out["AccessLogBucketName"] = {"Ref": "AccessLogBucket"}
    out["AccessLogStreamArn"] = stream_arn
