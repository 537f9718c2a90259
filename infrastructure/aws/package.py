"""Renders a region's two stacks: the data stack, and the app stack (``chalice package`` plus what Chalice can't say).

``.chalice/config.json`` and ``.chalice/policy-<stage>.json`` are tenant-neutral. Where they need a resource they
write a ``${Name}`` placeholder, in CloudFormation's ``Fn::Sub`` syntax:

- ``${MainTableArn}``, ``${EventsTopicArn}``, ... name an output of the data stack: the merge turns them into
  ``Fn::ImportValue`` of that output's export;
- ``${PublicOrigin}``, ``${BankIdUrl}``, ... name a parameter of the app stack (:data:`PARAMETERS`, the region's
  non-secret settings, given at deploy time): a ``Ref`` when it is the whole value, else left to ``Fn::Sub``;
- ``${WebsocketAPI}``, ``${AWS::Region}``, ... name a resource of the app stack or a pseudo parameter: CloudFormation
  resolves them itself once the string is wrapped in ``Fn::Sub``.

Any other name is an error here, not at deploy time. The merge also wires what Chalice cannot express: the stream
handler's on-failure destination and retry limits, partial batch failures on each consumer's SQS event source (the
consumer's own queue, found by its name), each function's own least-privilege grants (:data:`FUNCTION_GRANTS`, on
top of the policy file, which holds only what every function needs), the grants of the event sources (only the
stream handler reads the stream, sends to its DLQ and publishes to the events topic; each consumer reads only its
own queue), and the throttling and access logs of both API stages. (An SQS event source has no on-failure
destination: a message that keeps failing goes to the queue's own DLQ through the queue's RedrivePolicy, in the data
stack.)
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrastructure.aws import data_stack
from infrastructure.definitions import CONSUMERS, TenantResources

ROOT = Path(__file__).resolve().parents[2]
STAGE = "prod"
DEFAULT_REGION = "eu-north-1"
STREAM_MAX_RETRIES = 10  # then the batch's position goes to the stream DLQ and the shard moves on
PLACEHOLDER = re.compile(r"\$\{([^}!][^}]*)\}")  # ${Name}, ${Name.Attr}, ${AWS::Region}; not ${!Literal}
# The queue of a consumer of domain events, as app.py names it when packaged (NARA_TENANT is "${Tenant}" then).
CONSUMER_QUEUE = re.compile(r":nara-\$\{Tenant\}-([a-z]+)$")

# CloudFormation matches AllowedPattern against the whole value (Java regex); "" is allowed: the setting is unused.
_HOST = r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?"
HTTPS_ORIGIN = rf"(https://{_HOST})?"
HTTPS_URL = rf"(https://{_HOST}(/[^\s?#]*)?)?"
BANKID_URL = rf"(https://{_HOST}(/[^\s?#]*)?/rp/v6\.0)?"
# MaxLength 128 keeps a function's whole environment under Lambda's 4 KB (tests/infra checks the sum).


def _parameter(description: str, *, pattern: str | None = None, example: str = "") -> dict[str, Any]:
    param: dict[str, Any] = {"Type": "String", "Default": "", "MaxLength": 128, "Description": description}
    if pattern is not None:
        param["AllowedPattern"] = pattern
        param["ConstraintDescription"] = f"empty, or like {example}"
    return param


# The region's non-secret settings: parameters of the app stack, given when it is deployed. Empty leaves a login method
# (or the custody or listing lookup) off: the app offers only what it is configured for; RULES refuse a half-configured
# login method. The secrets that go with them are in the data stack (data_stack.IDENTITY_SECRETS).
PARAMETERS: dict[str, Any] = {
    "PublicOrigin": _parameter(
        "The https origin where citizens and staff reach Nara (CloudFront), without a trailing slash. Freja eID+ and "
        "SITHS send users back to <origin>/api/auth/oidc/<freja|siths>/callback. Needed by any OIDC method.",
        pattern=HTTPS_ORIGIN,
        example="https://nara.region.se",
    ),
    "BankIdUrl": _parameter(
        "BankID RP API base ending in /rp/v6.0 (test: https://appapi2.test.bankid.com/rp/v6.0, production: "
        "https://appapi2.bankid.com/rp/v6.0). Empty: no BankID login. Put the bankid/cert, bankid/key and "
        "bankid/ca secrets first.",
        pattern=BANKID_URL,
        example="https://appapi2.bankid.com/rp/v6.0",
    ),
    "FrejaIssuer": _parameter(
        "OIDC issuer of Freja eID+ for this region. Empty: no Freja login. Put the freja/client_secret secret first.",
        pattern=HTTPS_URL,
        example="https://issuer.example.se/oidc",
    ),
    "FrejaClientId": _parameter("The region's OIDC client id at Freja eID+ (empty when FrejaIssuer is)."),
    "SithsIssuer": _parameter(
        "OIDC issuer of the region's SITHS eID identity provider (staff login). Empty: no SITHS login. Put the "
        "siths/client_secret secret first.",
        pattern=HTTPS_URL,
        example="https://idp.region.se/oidc",
    ),
    "SithsClientId": _parameter("Nara's OIDC client id at the SITHS IdP (empty when SithsIssuer is)."),
    "SmsSenderId": _parameter(
        "Sender id of the SMS notices to citizens (Amazon SNS; 1-11 letters and digits, e.g. the region's name). "
        "Empty: no SMS notices.",
        pattern=r"([A-Za-z0-9]{1,11})?",
        example="RegionJkpg",
    ),
    "EmailSender": _parameter(
        "Address the e-mail notices to citizens come from (an identity verified in Amazon SES in this account and "
        "region). Empty: no e-mail notices.",
        pattern=r"([^@\s]+@[^@\s]+)?",
        example="no-reply@nara.region.se",
    ),
    "PopulationRegisterUrl": _parameter(
        "Base URL of the region's population-register service (custody lookups, vardnadshavare). Empty: citizens "
        "act only for themselves.",
        pattern=HTTPS_URL,
        example="https://folkbokforing.region.se/api",
    ),
    "ListingRegisterUrl": _parameter(
        "Base URL of the region's listing register (listning: the vardcentral each resident is listed at; its bearer "
        "token is the data stack's secret listing/token). Empty: routing does without it.",
        pattern=HTTPS_URL,
        example="https://listning.region.se/api",
    ),
}


def _given(parameter: str) -> dict[str, Any]:
    return {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}


def _both_or_neither(left: str, right: str) -> dict[str, Any]:
    empty = [{"Fn::Equals": [{"Ref": name}, ""]} for name in (left, right)]
    return {"Fn::Or": [{"Fn::And": empty}, {"Fn::And": [_given(left), _given(right)]}]}


# Checked by CloudFormation before it changes anything: a method is configured whole or not at all.
RULES: dict[str, Any] = {
    **{
        f"{method}IssuerAndClientIdTogether": {
            "Assertions": [
                {
                    "Assert": _both_or_neither(f"{method}Issuer", f"{method}ClientId"),
                    "AssertDescription": f"{method}Issuer and {method}ClientId are both given or both empty",
                }
            ]
        }
        for method in ("Freja", "Siths")
    },
    "OidcNeedsPublicOrigin": {
        "RuleCondition": {"Fn::Or": [_given("FrejaIssuer"), _given("SithsIssuer")]},
        "Assertions": [
            {
                "Assert": _given("PublicOrigin"),
                "AssertDescription": "Freja eID+ and SITHS redirect back to PublicOrigin: give it",
            }
        ],
    },
}


@dataclass(frozen=True)
class Rendered:
    data_stack: Path
    app_stack: Path
    code: tuple[Path, ...]  # deployment.zip (app code) and layer-deployment.zip (requirements.txt)


def chalice_package(workdir: Path, *, stage: str = STAGE, region: str = DEFAULT_REGION) -> dict[str, Any]:
    """Runs the venv's ``chalice package`` into ``workdir`` and returns its ``sam.json``."""
    chalice = Path(sys.executable).parent / "chalice"
    if not chalice.exists():
        raise RuntimeError(f"no chalice next to {sys.executable}: run with the project's .venv/bin/python")
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", region),  # Chalice insists, though unused
        # Chalice zips chalicelib/ whole and keys its cache on it: bytecode written while it imports app.py would
        # ship in the zip and make every run a cache miss.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [str(chalice), "package", "--stage", stage, str(workdir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"chalice package failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    template: dict[str, Any] = json.loads((workdir / "sam.json").read_text())
    return template


def merge(app: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The app stack: Chalice's template with the data stack's outputs and the event-source settings merged in."""
    template = copy.deepcopy(app)
    imports = {name: {"Fn::ImportValue": output["Export"]["Name"]} for name, output in data["Outputs"].items()}
    for section, ours in (("Parameters", PARAMETERS), ("Rules", RULES)):
        clash = set(template.get(section, {})) & set(ours)
        if clash:
            raise ValueError(f"chalice package already has {section} {sorted(clash)}")
        template[section] = {**template.get(section, {}), **copy.deepcopy(ours)}
    _grant_functions(template["Resources"])  # in the policy file's ${Name} syntax: resolved with it below
    names = _Names(imports, set(template["Parameters"]), set(template["Resources"]))
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                policy["PolicyDocument"] = names.resolve(policy["PolicyDocument"])
        elif resource["Type"] == "AWS::Serverless::Function":
            if "Environment" in props:
                props["Environment"]["Variables"] = names.resolve(props["Environment"]["Variables"])
            for event in props.get("Events", {}).values():
                _wire_event_source(event, names)
    _repair_log_groups(template["Resources"])
    _grant_events(template["Resources"], names)
    tenant = data["Outputs"]["Tenant"]["Value"]
    _name_apis(template["Resources"], tenant)
    _settle_api_stages(template["Resources"], tenant)
    _alarm_on_errors(template["Resources"], names.imports["AlarmsTopicArn"], tenant)
    template["Description"] = f"Nara app stack of region {tenant}: APIs and functions"
    return template


FUNCTION_ERRORS_THRESHOLD = 1  # any failed invocation in five minutes: a handler raised, timed out or ran out of memory
API_5XX_THRESHOLD = 5  # answers 5xx in five minutes (a single 502 during a deploy is not worth waking anyone for)


def rest_api_name(tenant: str) -> str:
    return f"nara-{tenant}-api"


def _name_apis(resources: dict[str, Any], tenant: str) -> None:
    """Chalice names both APIs after the app and stage ("nara", "nara-prod-websocket-api") in every region; the 5xx
    alarm finds the REST API by name (ApiName), and two regions in one account must be told apart, so each region's
    APIs are named after the region."""
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Api":
            resource["Properties"]["Name"] = rest_api_name(tenant)
            body = resource["Properties"].get("DefinitionBody", {})
            if "info" in body:
                body["info"]["title"] = rest_api_name(tenant)
        elif resource["Type"] == "AWS::ApiGatewayV2::Api":
            resource["Properties"]["Name"] = f"nara-{tenant}-websocket"


def _alarm(description: str, topic: Any, **metric: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic],
            "OKActions": [topic],
            **metric,
        },
    }


def _alarm_on_errors(resources: dict[str, Any], topic: Any, tenant: str) -> None:
    """An alarm on every function's ``Errors`` and on the REST API's 5xx answers, to the data stack's alarms topic
    (``nara-<tenant>-alarms``, which the region subscribes its operators to). Derived from the functions Chalice
    packaged, so a new handler (a new consumer of domain events) gets its alarm without anyone listing it."""
    functions = sorted(n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function")
    for name in functions:
        resources[f"{name}ErrorsAlarm"] = _alarm(
            f"Nara {tenant}: the function {name} failed (an error, a timeout or out of memory); see its log group",
            topic,
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": {"Ref": name}}],
            Threshold=FUNCTION_ERRORS_THRESHOLD,
        )
    for name, resource in sorted(resources.items()):
        if resource["Type"] == "AWS::Serverless::Api":
            resources[f"{name}ServerErrorsAlarm"] = _alarm(
                f"Nara {tenant}: the REST API answered 5xx at least {API_5XX_THRESHOLD} times in five minutes",
                topic,
                Namespace="AWS/ApiGateway",
                MetricName="5XXError",
                Dimensions=[
                    {"Name": "ApiName", "Value": rest_api_name(tenant)},
                    {"Name": "Stage", "Value": resource["Properties"]["StageName"]},
                ],
                Threshold=API_5XX_THRESHOLD,
            )


# --- Least privilege: what each function's code may touch ---------------------------------------------------------
#
# `.chalice/policy-prod.json` is every role's base: its own logs, and the Deny that keeps the audit table append-only
# for everyone. The rest is granted per function, from this table keyed by the handler's name in app.py ("app" is the
# REST handler: Chalice's app object). Each entry says what the function's code reaches through
# `bootstrap.container()`; what its event source needs (the stream, the stream DLQ, the events topic, its own queue)
# is derived from the event source in `_grant_events`. A function that has no entry fails the render, as does an
# entry for a function app.py no longer has. tests/infra/test_function_grants.py holds the expected grants written out;
# tests/infra/test_function_grants_suffice.py runs every handler against moto, records each AWS call it makes and
# checks that its own role allows it.


@dataclass(frozen=True)
class Grants:
    """What one function may do beyond the main table, which every function reads and writes (sessions,
    connections, cases, the consumers' idempotency records: item actions, and Query on its indexes), with the
    region's key only through DynamoDB (and S3 for photos)."""

    audit: str = ""  # "append": writes access records (PutItem); "append+read": also reads the access log (Query)
    photos: str = ""  # "all": the photo objects put, read (also through URLs and forms it signs), deleted, listed;
    # "read": only read (GetObject)
    push: bool = False  # posts to WebSocket connections (execute-api:ManageConnections on the stack's own API)
    secrets: tuple[str, ...] = ()  # data-stack outputs of the secrets it reads when needed (GetSecretValue)
    sms: bool = False  # SMS to a phone number through SNS
    email: bool = False  # e-mail through SES


BANKID_SECRETS = ("BankIdCertSecretArn", "BankIdKeySecretArn", "BankIdCaSecretArn")

FUNCTION_GRANTS: dict[str, Grants] = {
    # The REST API: everything a request can do. Staff reads are logged first and the access log is read back
    # (review, extract); photos are uploaded through a presigned POST, re-encoded, stored, shown through presigned
    # GETs and discarded; chat, claims and video meetings push to connections. Secrets: BankID's certificate, key and
    # CA (read when the login service is built: the first login request after a cold start), the TURN secret
    # (GET /video/ice-servers), the region's signing key (GET /interregion/jwks.json publishes its public half) and
    # the SMS gateway's token with SNS SMS (staff's phone invites text the caller a login link) and the listing
    # register's token (where the citizen is listed, asked when a triage is routed). No e-mail: only notices are
    # e-mailed.
    "app": Grants(
        audit="append+read",
        photos="all",
        push=True,
        secrets=(*BANKID_SECRETS, "TurnSecretArn", "RegionKeySecretArn", "SmsTokenSecretArn", "ListingTokenSecretArn"),
        sms=True,
    ),
    # WebSocket $connect: checks the ticket (a session, or an interpreter's one-time ticket) and stores the
    # connection. Nothing is pushed and nothing is logged there.
    "ws_connect": Grants(),
    # WebSocket $default: answers "ping" with "pong" and relays video signals to the meeting's other connections;
    # a staff member's "hello" that joins a meeting is an access to the case, logged first.
    "ws_message": Grants(audit="append", push=True),
    # WebSocket $disconnect: forgets the connection.
    "ws_disconnect": Grants(),
    # The stream handler: turns changes into domain events (the publish and the stream are its event source's), and
    # when a triage draft expires unsent, deletes its photos' records and files (every version; head first).
    "on_table_change": Grants(photos="all"),
    # Schedules: slots kept ready from each unit's schedule (main table only).
    "keep_slots_ready": Grants(),
    # SMS held by quiet hours go out: SNS, or the region's HTTP gateway with its token. No e-mail is ever held.
    "send_held_notices": Grants(secrets=("SmsTokenSecretArn",), sms=True),
    # Bookings within 24 h marked for their reminder (the event follows through the stream): main table only.
    "mark_booking_reminders": Grants(),
    # Overdue queued cases escalated to the unit's connected coordinators: pushes.
    "escalate_overdue_cases": Grants(push=True),
    # Cases near their deadline offered to a partner unit: main table only (the partner sees it in its queue).
    "offer_overflow": Grants(),
    # Consumers of domain events (their own queue is their event source's):
    # the case's timeline: main table only.
    "on_event_for_timeline": Grants(),
    # notices to the citizen: SMS (SNS or the region's gateway with its token) and e-mail (SES); it only looks up
    # whether the citizen is connected, it pushes nothing.
    "on_event_for_notify": Grants(secrets=("SmsTokenSecretArn",), sms=True, email=True),
    # P1/P2 alerts to the unit's connected staff: pushes.
    "on_event_for_alerts": Grants(push=True),
    # statistics counters: main table only.
    "on_event_for_stats": Grants(),
    # referrals to another region: the disclosure is logged before the case leaves (append), the case's photos are
    # read to travel with it, and the request is signed with the region's key; the answer to a received referral is
    # signed the same way. The case's staff are told of its delivery (or of its coming back) at once: pushes.
    "on_event_for_interregion": Grants(audit="append", photos="read", push=True, secrets=("RegionKeySecretArn",)),
}

# Statements in the policy file's ${Name} syntax (resolved with it by the merge).
_MAIN_TABLE: list[dict[str, Any]] = [
    {
        "Sid": "MainTableItems",
        "Effect": "Allow",
        "Action": [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:Query",
        ],
        "Resource": "${MainTableArn}",
    },
    {"Sid": "MainTableIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": "${MainTableArn}/index/*"},
]
_AUDIT_APPEND: dict[str, Any] = {
    "Sid": "AuditTableAppend",
    "Effect": "Allow",
    "Action": ["dynamodb:PutItem"],
    "Resource": "${AuditTableArn}",
}
_AUDIT_READ: dict[str, Any] = {
    "Sid": "AuditTableRead",
    "Effect": "Allow",
    "Action": ["dynamodb:Query"],
    "Resource": ["${AuditTableArn}", "${AuditTableArn}/index/*"],
}
_PHOTOS: list[dict[str, Any]] = [
    {
        "Sid": "PhotoObjects",
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        "Resource": "${PhotosBucketArn}/*",
    },
    {
        # S3 answers a HEAD or GET of a missing key with 404 only to who may list the bucket (403 otherwise): the
        # photo adapter heads each file before deleting its versions and takes 404 as "already gone".
        "Sid": "PhotoBucketMissingKeysAre404",
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": "${PhotosBucketArn}",
    },
]
_PHOTO_READ: dict[str, Any] = {
    "Sid": "PhotoObjectsRead",
    "Effect": "Allow",
    "Action": ["s3:GetObject"],
    "Resource": "${PhotosBucketArn}/*",
}
_PUSH: dict[str, Any] = {
    "Sid": "PushToWebSocketConnections",
    "Effect": "Allow",
    "Action": ["execute-api:ManageConnections"],
    "Resource": (
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketAPI}/api/POST/@connections/*"
    ),
}
# An SMS to a phone number has no resource ARN in SNS: "*", limited to direct (non-topic) publish.
_SMS: dict[str, Any] = {
    "Sid": "NoticesBySms",
    "Effect": "Allow",
    "Action": ["sns:Publish"],
    "Resource": "*",
    "Condition": {"Null": {"sns:TopicArn": "true"}},
}
_EMAIL: dict[str, Any] = {
    "Sid": "NoticesByEmail",
    "Effect": "Allow",
    "Action": ["ses:SendEmail"],
    "Resource": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*",
}


def _data_key_through(*services: str) -> dict[str, Any]:
    return {
        "Sid": "DataKeyThroughDataServices",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "${DataKeyArn}",
        "Condition": {"StringEquals": {"kms:ViaService": [f"{s}.${{AWS::Region}}.amazonaws.com" for s in services]}},
    }


def _secret_reads(secrets: tuple[str, ...]) -> list[dict[str, Any]]:
    arns = [f"${{{name}}}" for name in secrets]
    return [
        {
            "Sid": "ReadSecretsReadWhenNeeded",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": arns,
        },
        {
            "Sid": "DataKeyForSecretsReadWhenNeeded",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": "${DataKeyArn}",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": "secretsmanager.${AWS::Region}.amazonaws.com",
                    "kms:EncryptionContext:SecretARN": list(arns),
                }
            },
        },
    ]


def grant_statements(grants: Grants) -> list[dict[str, Any]]:
    """The statements one function's entry in :data:`FUNCTION_GRANTS` adds to its role (placeholders unresolved)."""
    statements: list[dict[str, Any]] = copy.deepcopy(_MAIN_TABLE)
    if grants.audit not in ("", "append", "append+read"):
        raise ValueError(f"audit grant {grants.audit!r}: '', 'append' or 'append+read'")
    if grants.audit:
        statements.append(dict(_AUDIT_APPEND))
    if grants.audit == "append+read":
        statements.append(copy.deepcopy(_AUDIT_READ))
    if grants.photos not in ("", "read", "all"):
        raise ValueError(f"photos grant {grants.photos!r}: '', 'read' or 'all'")
    if grants.photos == "all":
        statements.extend(copy.deepcopy(_PHOTOS))
    elif grants.photos == "read":
        statements.append(dict(_PHOTO_READ))
    statements.append(_data_key_through("dynamodb", *(["s3"] if grants.photos else [])))
    if grants.push:
        statements.append(dict(_PUSH))
    if grants.secrets:
        statements.extend(_secret_reads(grants.secrets))
    if grants.sms:
        statements.append(copy.deepcopy(_SMS))
    if grants.email:
        statements.append(dict(_EMAIL))
    return statements


def handler_of(function: dict[str, Any]) -> str:
    """The name of a packaged function's handler in app.py (``app`` for the REST API)."""
    return str(function["Properties"]["Handler"]).removeprefix("app.")


def _functions(resources: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Handler name -> (the function's role's logical id, the role)."""
    found = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
            found[handler_of(resource)] = (role, resources[role])
    return found


def _grant_functions(resources: dict[str, Any]) -> None:
    functions = _functions(resources)
    if set(functions) != set(FUNCTION_GRANTS):
        missing, stale = sorted(set(functions) - set(FUNCTION_GRANTS)), sorted(set(FUNCTION_GRANTS) - set(functions))
        raise ValueError(
            f"FUNCTION_GRANTS must name exactly app.py's handlers: declare {missing}, remove {stale} "
            "(infrastructure/aws/package.py)"
        )
    for handler, (_, role) in functions.items():
        (policy,) = role["Properties"]["Policies"]
        policy["PolicyDocument"]["Statement"].extend(grant_statements(FUNCTION_GRANTS[handler]))


NOTICES_ROLE = "OnEventForNotifyRole"  # the notices consumer of domain events


def notice_roles(resources: dict[str, Any]) -> tuple[str, ...]:
    """The roles that may send SMS to phone numbers (of those the app stack has), by :data:`FUNCTION_GRANTS`."""
    return tuple(sorted(role for handler, (role, _) in _functions(resources).items() if FUNCTION_GRANTS[handler].sms))


# --- The API stages: throttling and access logs (Chalice sets neither) --------------------------------------------
#
# A stage's throttle is shared by all its clients: it keeps one region's runaway client (or an attack) from using up
# the account's API Gateway quota (10,000 requests/s per account and AWS region, shared by every region's stacks in
# it) and Lambda concurrency (1,000 by default, shared too), not one user from flooding (the app's own rate limits
# per sender and address do that).
# WebSocket: every open page pings every 25 s (frontend/shared/realtime.js), and a video meeting's join sends a
# burst of a few dozen signals (offer, answer, ICE candidates). A large region's peak of ~2,000 open pages (staff
# screens and citizens' case pages) is ~80 pings/s; 200 messages/s steady and bursts of 400 leave room for the
# largest region's video meetings and keep a flood to ~10 concurrent ws_message invocations (~50 ms each).
WEBSOCKET_RATE_LIMIT = 200.0  # messages per second, steady
WEBSOCKET_BURST_LIMIT = 400
# REST: a user action is one or a few requests (pages poll nothing: changes come by WebSocket). 500 requests/s is
# several times a large region's peak and ~50 concurrent API invocations at ~100 ms each, a twentieth of the
# account's default concurrency.
REST_RATE_LIMIT = 500.0
REST_BURST_LIMIT = 1000
API_LOG_RETENTION_DAYS = 90  # as the functions' logs (log_retention_in_days in .chalice/config.json)
# What each access-log line says: enough to follow a request or a connection through the function's logs. No
# client address and no identity: they are personal data, and the functions' logs and the access log of patient
# data (docs/access-log.md) say who did what.
WEBSOCKET_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "connectionId": "$context.connectionId",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "requestTime": "$context.requestTimeEpoch",
        "integrationLatency": "$context.integrationLatency",
        "error": "$context.error.messageString",
        "integrationError": "$context.integrationErrorMessage",
    },
    separators=(",", ":"),
)
REST_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "requestTime": "$context.requestTimeEpoch",
        "responseLatency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "error": "$context.error.messageString",
    },
    separators=(",", ":"),
)


def _log_group(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": name, "RetentionInDays": API_LOG_RETENTION_DAYS},
    }


def _log_group_arn(logical_id: str) -> dict[str, Any]:
    # API Gateway wants the group's ARN without the ":*" that Fn::GetAtt's Arn ends with
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{logical_id}}}"}


# API Gateway writes REST and WebSocket access logs with the account's CloudWatch role (one per account and AWS
# region: AWS::ApiGateway::Account). Every region's app stack sets it to a role of its own with the same rights;
# both are retained when a stack goes, so the account's setting never names a deleted role.
_API_GATEWAY_LOGS_ROLE = {
    "Type": "AWS::IAM::Role",
    "DeletionPolicy": "Retain",
    "UpdateReplacePolicy": "Retain",
    "Properties": {
        "Description": "API Gateway writes the APIs' access logs to CloudWatch Logs (the account's setting)",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "Policies": [
            {
                "PolicyName": "write-api-logs",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            # what AWS's AmazonAPIGatewayPushToCloudWatchLogs allows, on the account's log groups
                            # of this AWS region only (the role is the account's: it writes every API's logs)
                            "Sid": "WriteApiLogs",
                            "Effect": "Allow",
                            "Action": [
                                "logs:CreateLogGroup",
                                "logs:CreateLogStream",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                                "logs:PutLogEvents",
                                "logs:GetLogEvents",
                                "logs:FilterLogEvents",
                            ],
                            "Resource": {
                                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
                            },
                        }
                    ],
                },
            }
        ],
    },
}


def _settle_api_stages(resources: dict[str, Any], tenant: str) -> None:
    """Throttling and an access log (its own log group, kept API_LOG_RETENTION_DAYS) on the WebSocket stage and the
    REST API's stage."""
    resources["ApiGatewayLogsRole"] = copy.deepcopy(_API_GATEWAY_LOGS_ROLE)
    resources["ApiGatewayAccount"] = {
        "Type": "AWS::ApiGateway::Account",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}},
    }
    for name, resource in list(resources.items()):
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::ApiGatewayV2::Stage":
            resources[f"{name}AccessLogs"] = _log_group(f"/aws/apigateway/nara-{tenant}-websocket-access")
            props["DefaultRouteSettings"] = {
                "ThrottlingRateLimit": WEBSOCKET_RATE_LIMIT,
                "ThrottlingBurstLimit": WEBSOCKET_BURST_LIMIT,
            }
            props["AccessLogSettings"] = {
                "DestinationArn": _log_group_arn(f"{name}AccessLogs"),
                "Format": WEBSOCKET_ACCESS_LOG_FORMAT,
            }
            resource["DependsOn"] = sorted({*_listed(resource.get("DependsOn", [])), "ApiGatewayAccount"})
        elif resource["Type"] == "AWS::Serverless::Api":
            resources[f"{name}AccessLogs"] = _log_group(f"/aws/apigateway/nara-{tenant}-api-access")
            props["MethodSettings"] = [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": REST_RATE_LIMIT,
                    "ThrottlingBurstLimit": REST_BURST_LIMIT,
                }
            ]
            props["AccessLogSetting"] = {
                "DestinationArn": _log_group_arn(f"{name}AccessLogs"),
                "Format": REST_ACCESS_LOG_FORMAT,
            }
            resource["DependsOn"] = sorted({*_listed(resource.get("DependsOn", [])), "ApiGatewayAccount"})


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grant_events(resources: dict[str, Any], names: _Names) -> None:
    """What a function's event source needs, on its role (Lambda polls with it): only the stream handler reads the
    main table's stream, sends a failing batch's position to the stream DLQ and publishes domain events (to the
    topic, encrypted with the data key); each consumer reads and deletes messages of its own queue only (encrypted
    with the data key: decrypted through SQS)."""
    for resource in resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        role = resources[resource["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                statements.extend(_stream_statements(event["Properties"], names.imports))
                statements.extend(_publish_statements(names.imports))
            elif event["Type"] == "SQS":
                statements.append(
                    {
                        "Sid": "ConsumeOwnQueue",
                        "Effect": "Allow",
                        "Action": [
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:GetQueueAttributes",
                            "sqs:ChangeMessageVisibility",  # the backoff of a failed event (docs/events.md)
                        ],
                        "Resource": event["Properties"]["Queue"],
                    }
                )
                statements.append(_data_key_through_queues(names.imports, ["kms:Decrypt"]))


def _data_key_through_queues(imports: dict[str, Any], actions: list[str]) -> dict[str, Any]:
    return {
        "Sid": "DataKeyThroughQueues",
        "Effect": "Allow",
        "Action": actions,
        "Resource": imports["DataKeyArn"],
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"}}},
    }


def _stream_statements(source: dict[str, Any], imports: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "MainTableStream",
            "Effect": "Allow",
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            "Resource": source["Stream"],
        },
        {
            "Sid": "MainTableListStreams",
            "Effect": "Allow",
            "Action": ["dynamodb:ListStreams"],
            "Resource": {"Fn::Sub": ["${Table}/stream/*", {"Table": imports["MainTableArn"]}]},
        },
        {
            "Sid": "TableStreamFailures",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": source["DestinationConfig"]["OnFailure"]["Destination"],
        },
        _data_key_through_queues(imports, ["kms:Decrypt", "kms:GenerateDataKey"]),
    ]


def _publish_statements(imports: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "PublishDomainEvents",
            "Effect": "Allow",
            "Action": ["sns:Publish"],
            "Resource": imports["EventsTopicArn"],
        },
        {
            "Sid": "DataKeyThroughEventsTopic",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": imports["DataKeyArn"],
            "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"}}},
        },
    ]


def _repair_log_groups(resources: dict[str, Any]) -> None:
    """Chalice 1.34 renames the REST handler to ``APIHandler`` after naming it ``${ApiHandler}`` in its log group."""
    by_lower = {name.lower(): name for name in resources}
    for resource in resources.values():
        if resource["Type"] != "AWS::Logs::LogGroup":
            continue
        props = resource["Properties"]
        function = props["LogGroupName"]["Fn::Sub"].removeprefix("/aws/lambda/${").removesuffix("}")
        if function not in resources and function.lower() in by_lower:
            props["LogGroupName"] = {"Fn::Sub": f"/aws/lambda/${{{by_lower[function.lower()]}}}"}


def _wire_event_source(event: dict[str, Any], names: _Names) -> None:
    props = event["Properties"]
    if event["Type"] == "DynamoDB":
        stream = names.output_of(props["Stream"], suffix="StreamArn")
        props["Stream"] = names.imports[stream]
        props["MaximumRetryAttempts"] = STREAM_MAX_RETRIES
        props["BisectBatchOnFunctionError"] = True  # isolate a poison record instead of blocking the shard
        failures = names.imports[stream.removesuffix("Arn") + "DlqArn"]
        props["DestinationConfig"] = {"OnFailure": {"Destination": failures}}
    elif event["Type"] == "SQS":
        props["Queue"] = names.imports[_consumer_of(props["Queue"]).capitalize() + "QueueArn"]
        props["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    else:
        event["Properties"] = names.resolve(props)


def _consumer_of(queue: Any) -> str:
    """The consumer whose queue an SQS event source names (``infrastructure.definitions.CONSUMERS``)."""
    text = queue["Fn::Sub"] if isinstance(queue, dict) else queue
    found = CONSUMER_QUEUE.search(text if isinstance(text, str) else "")
    if found is None or found.group(1) not in CONSUMERS:
        raise ValueError(f"SQS event source {queue!r} is not the queue of a consumer in {CONSUMERS}")
    return found.group(1)


class _Names:
    """Resolves ``${Name}`` placeholders against the data stack's exports and the app stack's parameters and own
    resources. A name may mean only one of them."""

    def __init__(self, imports: dict[str, Any], parameters: set[str], resources: set[str]) -> None:
        for left, right in ((set(imports), parameters), (set(imports), resources), (parameters, resources)):
            if left & right:
                raise ValueError(f"ambiguous placeholder names {sorted(left & right)}")
        self.imports = imports
        self._parameters = parameters
        self._resources = resources

    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Fn::Sub"}:
                return self._sub(node["Fn::Sub"])
            return {key: self.resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if isinstance(node, str) and PLACEHOLDER.search(node):
            if PLACEHOLDER.fullmatch(node) and node[2:-1] in self.imports:
                return self.imports[node[2:-1]]
            if PLACEHOLDER.fullmatch(node) and node[2:-1] in self._parameters:
                return {"Ref": node[2:-1]}
            return self._sub(node)
        return node

    def output_of(self, node: Any, *, suffix: str) -> str:
        """The one data-stack output an event source names, e.g. ``MainTableStreamArn``."""
        text = node["Fn::Sub"] if isinstance(node, dict) else node
        found: list[str] = [n for n in PLACEHOLDER.findall(text) if n in self.imports and n.endswith(suffix)]
        if len(found) != 1:
            raise ValueError(f"event source {node!r} must name one data-stack output ending in {suffix}")
        return found[0]

    def _sub(self, value: str | list[Any]) -> dict[str, Any]:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], dict(value[1]))
        for name in PLACEHOLDER.findall(text):
            if name in self.imports:
                variables[name] = self.imports[name]
            elif not (
                name.startswith("AWS::")
                or name in self._parameters
                or name.split(".")[0] in self._resources
                or name in variables
            ):
                raise ValueError(f"unknown placeholder ${{{name}}} in {text!r}")
        return {"Fn::Sub": [text, variables] if variables else text}


def package(tenant: str, out: Path, *, stage: str = STAGE, region: str = DEFAULT_REGION) -> Rendered:
    """Writes ``data-stack.json``, ``app-stack.json`` and the zips the app stack's functions and layer use."""
    data = data_stack.render(TenantResources(tenant))
    with tempfile.TemporaryDirectory(prefix="nara-chalice-") as tmp:
        app = merge(chalice_package(Path(tmp), stage=stage, region=region), data)
        out.mkdir(parents=True, exist_ok=True)
        code = tuple(Path(shutil.copy2(z, out / z.name)) for z in sorted(Path(tmp).glob("*.zip")))
    rendered = Rendered(out / "data-stack.json", out / "app-stack.json", code)
    rendered.data_stack.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    rendered.app_stack.write_text(json.dumps(app, indent=2, ensure_ascii=False) + "\n")
    return rendered
