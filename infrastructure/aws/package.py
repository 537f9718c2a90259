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
consumer's own queue, found by its name), and the grants of domain events: only the stream handler publishes to the
events topic, and each consumer reads only its own queue. (An SQS event source has no on-failure destination: a
message that keeps failing goes to the queue's own DLQ through the queue's RedrivePolicy, in the data stack.)
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


# The region's non-secret settings: parameters of the app stack, given when it is deployed. Empty leaves a login
# method (or the custody lookup) off: the app offers only what it is configured for; RULES refuse a half-configured
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
    _grant_notices(template["Resources"])
    _grant_events(template["Resources"], names)
    tenant = data["Outputs"]["Tenant"]["Value"]
    _name_apis(template["Resources"], tenant)
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


# Only the notices consumer of domain events (and the schedule sending held notices) send notices to citizens, so
# only their roles may (Chalice gives every function the same policy file). An SMS to a phone number has no resource
# ARN in SNS: "*", limited to direct (non-topic) publish.
NOTICE_STATEMENTS = [
    {
        "Sid": "NoticesBySms",
        "Effect": "Allow",
        "Action": ["sns:Publish"],
        "Resource": "*",
        "Condition": {"Null": {"sns:TopicArn": "true"}},
    },
    {
        "Sid": "NoticesByEmail",
        "Effect": "Allow",
        "Action": ["ses:SendEmail"],
        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"},
    },
]


NOTICES_ROLE = "OnEventForNotifyRole"  # the notices consumer of domain events
HELD_NOTICES_ROLE = "SendHeldNoticesRole"  # the schedule sending SMS held by quiet hours, when app.py has it


def notice_roles(resources: dict[str, Any]) -> tuple[str, ...]:
    """The roles that send notices (of those the app stack has)."""
    return tuple(role for role in (NOTICES_ROLE, HELD_NOTICES_ROLE) if role in resources)


def _grant_notices(resources: dict[str, Any]) -> None:
    for name in notice_roles(resources):
        role = resources[name]["Properties"]
        role["Policies"][0]["PolicyDocument"]["Statement"].extend(copy.deepcopy(NOTICE_STATEMENTS))


def _grant_events(resources: dict[str, Any], names: _Names) -> None:
    """Only the stream handler publishes domain events (to the topic, encrypted with the data key), and each consumer
    reads and deletes messages of its own queue only."""
    for resource in resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        role = resources[resource["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
        statements = role["Policies"][0]["PolicyDocument"]["Statement"]
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "DynamoDB":
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
