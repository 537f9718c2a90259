"""Least privilege per function: each role of the app stack grants exactly what its function's code uses.

The table below is written out by hand (not taken from ``package.FUNCTION_GRANTS``): a grant added to or dropped
from a function in ``infrastructure/aws/package.py`` fails here until it is declared here too. A grant is an
(action, resource) pair of an Allow statement, the resource named by the data-stack output or app-stack resource it
resolves to; a KMS grant names the service it must come through (its ``kms:ViaService`` condition). That the grants
are enough is checked by ``test_function_grants_suffice.py``, which runs the handlers and records their AWS calls.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from infrastructure.aws import package
from tests.infra.templates import Stacks, of_type

ITEM_ACTIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem", "Query")
LOGS = {
    ("logs:CreateLogStream", "logs:log-group:/aws/lambda/${AWS::StackName}-*:*"),
    ("logs:PutLogEvents", "logs:log-group:/aws/lambda/${AWS::StackName}-*:*"),
}
MAIN_TABLE = {(f"dynamodb:{a}", "MainTableArn") for a in ITEM_ACTIONS} | {("dynamodb:Query", "MainTableArn/index/*")}


def _key(*services: str, actions: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")) -> set[tuple[str, str]]:
    return {(a, f"DataKeyArn via {s}") for a in actions for s in services}


BASE = LOGS | MAIN_TABLE | _key("dynamodb")
AUDIT_APPEND = {("dynamodb:PutItem", "AuditTableArn")}
AUDIT_READ = {("dynamodb:Query", "AuditTableArn"), ("dynamodb:Query", "AuditTableArn/index/*")}
PHOTOS = {
    *{(f"s3:{a}", "PhotosBucketArn/*") for a in ("PutObject", "GetObject", "DeleteObject", "DeleteObjectVersion")},
    ("s3:ListBucket", "PhotosBucketArn"),
    *_key("s3"),
}
PHOTOS_READ = {("s3:GetObject", "PhotosBucketArn/*"), *_key("s3")}
PUSH = {("execute-api:ManageConnections", "execute-api:${WebsocketAPI}/api/POST/@connections/*")}
SMS = {("sns:Publish", "* (no topic: SMS to a phone number)")}
EMAIL = {("ses:SendEmail", "ses:identity/*")}


def _secrets(*names: str) -> set[tuple[str, str]]:
    return {("secretsmanager:GetSecretValue", n) for n in names} | _key("secretsmanager", actions=("kms:Decrypt",))


def _own_queue(consumer: str) -> set[tuple[str, str]]:
    queue = f"{consumer.capitalize()}QueueArn"
    actions = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "ChangeMessageVisibility")
    return {(f"sqs:{a}", queue) for a in actions} | _key("sqs", actions=("kms:Decrypt",))


STREAM = {
    *{(f"dynamodb:{a}", "MainTableStreamArn") for a in ("DescribeStream", "GetRecords", "GetShardIterator")},
    ("dynamodb:ListStreams", "MainTableArn/stream/*"),
    ("sqs:SendMessage", "MainTableStreamDlqArn"),
    *_key("sqs"),
    ("sns:Publish", "EventsTopicArn"),
    *_key("sns"),
}
BANKID = ("BankIdCertSecretArn", "BankIdKeySecretArn", "BankIdCaSecretArn")

# handler in app.py -> every (action, resource) its role allows
DECLARED: dict[str, set[tuple[str, str]]] = {
    "app": BASE
    | AUDIT_APPEND
    | AUDIT_READ
    | PHOTOS
    | PUSH
    | _secrets(*BANKID, "TurnSecretArn", "RegionKeySecretArn", "SmsTokenSecretArn", "ListingTokenSecretArn")
    | SMS,
    "ws_connect": BASE,
    "ws_message": BASE | AUDIT_APPEND | PUSH,
    "ws_disconnect": BASE,
    "on_table_change": BASE | PHOTOS | STREAM,
    "keep_slots_ready": BASE,
    "send_held_notices": BASE | _secrets("SmsTokenSecretArn") | SMS,
    "mark_booking_reminders": BASE,
    "escalate_overdue_cases": BASE | PUSH,
    "offer_overflow": BASE,
    "on_event_for_timeline": BASE | _own_queue("timeline"),
    "on_event_for_notify": BASE | _own_queue("notify") | _secrets("SmsTokenSecretArn") | SMS | EMAIL,
    "on_event_for_alerts": BASE | _own_queue("alerts") | PUSH,
    "on_event_for_stats": BASE | _own_queue("stats"),
    "on_event_for_interregion": BASE
    | _own_queue("interregion")
    | AUDIT_APPEND
    | PHOTOS_READ
    | PUSH
    | _secrets("RegionKeySecretArn"),
}
CONSUMERS = {h for h in DECLARED if h.startswith("on_event_for_")}
SCHEDULES = {
    "keep_slots_ready",
    "send_held_notices",
    "mark_booking_reminders",
    "escalate_overdue_cases",
    "offer_overflow",
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _name(resource: Any) -> str:
    """A resource as the table above names it: the data-stack output, or the ARN without partition, region, account."""
    if isinstance(resource, dict) and "Fn::ImportValue" in resource:
        return str(resource["Fn::ImportValue"]).split("-data-", 1)[1]
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        for variable, value in variables.items():
            text = text.replace(f"${{{variable}}}", _name(value))
        text = text.removeprefix("arn:${AWS::Partition}:")
        return re.sub(r"^([a-z-]+):\$\{AWS::Region\}:\$\{AWS::AccountId\}:", r"\1:", text)
    return str(resource)


def _via(statement: dict[str, Any]) -> list[str]:
    via = statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService")
    return [_name(v).split(".")[0] for v in _listed(via)] if via is not None else []


def grants(statements: list[dict[str, Any]], effect: str = "Allow") -> set[tuple[str, str]]:
    found = set()
    for statement in statements:
        if statement["Effect"] != effect:
            continue
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                name = _name(resource)
                if name == "*" and statement.get("Condition") == {"Null": {"sns:TopicArn": "true"}}:
                    name = "* (no topic: SMS to a phone number)"
                services: list[str | None] = [*_via(statement)] or [None]
                for service in services:
                    found.add((action, f"{name} via {service}" if service else name))
    return found


def roles(template: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Handler in app.py -> the statements of its function's role."""
    found = {}
    for function in of_type(template, "AWS::Serverless::Function").values():
        role = template["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
        (policy,) = role["Properties"]["Policies"]
        found[package.handler_of(function)] = policy["PolicyDocument"]["Statement"]
    return found


def test_every_function_of_app_py_is_declared(stacks: Stacks) -> None:
    assert set(roles(stacks.app)) == set(DECLARED)


@pytest.mark.parametrize("handler", sorted(DECLARED))
def test_each_function_is_granted_exactly_what_it_uses(stacks: Stacks, handler: str) -> None:
    granted = grants(roles(stacks.app)[handler])
    assert granted == DECLARED[handler], (
        f"{handler}: granted but not declared {sorted(granted - DECLARED[handler])}, "
        f"declared but not granted {sorted(DECLARED[handler] - granted)}"
    )


def _who(stacks: Stacks, action: str, resource: str) -> set[str]:
    return {h for h, statements in roles(stacks.app).items() if (action, resource) in grants(statements)}


def test_only_the_api_and_the_stream_handler_touch_photos(stacks: Stacks) -> None:
    # the stream handler deletes the photos of a triage draft that expired unsent; of the consumers and schedules only
    # the referral consumer reads one (a case's photos travel with its referral to another region)
    assert _who(stacks, "s3:GetObject", "PhotosBucketArn/*") == {"app", "on_table_change", "on_event_for_interregion"}
    assert _who(stacks, "s3:PutObject", "PhotosBucketArn/*") == {"app", "on_table_change"}


def test_only_the_stream_handler_reads_the_stream_sends_to_its_dlq_and_publishes_events(stacks: Stacks) -> None:
    assert _who(stacks, "dynamodb:GetRecords", "MainTableStreamArn") == {"on_table_change"}
    assert _who(stacks, "sqs:SendMessage", "MainTableStreamDlqArn") == {"on_table_change"}
    assert _who(stacks, "sns:Publish", "EventsTopicArn") == {"on_table_change"}
    assert not _who(stacks, "dynamodb:GetRecords", "MainTableStreamArn") & (SCHEDULES | CONSUMERS)


def test_only_what_pushes_may_post_to_websocket_connections(stacks: Stacks) -> None:
    (push,) = PUSH
    assert _who(stacks, *push) == {
        "app",
        "ws_message",
        "on_event_for_alerts",
        "on_event_for_interregion",
        "escalate_overdue_cases",
    }


def test_only_what_logs_an_access_writes_the_audit_table_and_only_the_api_reads_it(stacks: Stacks) -> None:
    assert _who(stacks, "dynamodb:PutItem", "AuditTableArn") == {"app", "ws_message", "on_event_for_interregion"}
    assert _who(stacks, "dynamodb:Query", "AuditTableArn") == {"app"}


def test_the_audit_table_is_append_only_for_every_function(stacks: Stacks) -> None:
    changes = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate"}
    for handler, statements in roles(stacks.app).items():
        allowed = {a for a, r in grants(statements) if r.startswith("AuditTableArn")}
        assert allowed <= {"dynamodb:PutItem", "dynamodb:Query"}, handler
        assert {a for a, r in grants(statements, "Deny") if r == "AuditTableArn"} >= changes, handler


def test_secrets_are_readable_only_where_they_are_read(stacks: Stacks) -> None:
    readers = {
        secret: _who(stacks, "secretsmanager:GetSecretValue", secret)
        for secret in (*BANKID, "TurnSecretArn", "SmsTokenSecretArn", "RegionKeySecretArn", "ListingTokenSecretArn")
    }
    assert readers == {
        **{secret: {"app"} for secret in BANKID},
        "TurnSecretArn": {"app"},
        "SmsTokenSecretArn": {"app", "on_event_for_notify", "send_held_notices"},
        "RegionKeySecretArn": {"app", "on_event_for_interregion"},
        "ListingTokenSecretArn": {"app"},  # asked when a citizen's triage is routed
    }


def test_no_function_is_granted_a_wildcard_action_or_an_unconditioned_wildcard_resource(stacks: Stacks) -> None:
    for handler, statements in roles(stacks.app).items():
        for action, resource in grants(statements):
            assert "*" not in action, (handler, action)
            assert resource != "*", (handler, action)  # the SMS "*" is conditioned on publishing to no topic


def test_a_function_without_declared_grants_fails_the_render(stacks: Stacks) -> None:
    broken = copy.deepcopy(stacks.chalice)
    function = next(iter(of_type(broken, "AWS::Serverless::Function").values()))
    function["Properties"]["Handler"] = "app.on_something_new"
    with pytest.raises(ValueError, match="on_something_new"):
        package.merge(broken, stacks.data)
