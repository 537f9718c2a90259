"""Each function's role allows every AWS call its code makes: the handlers of app.py run in-process against moto,
driven as Lambda drives them (the REST API through Chalice's test client, the WebSocket handlers with API Gateway's
events, the stream handler with the table's stream records, each consumer with an SQS batch of its queue's messages,
each schedule with its scheduled event), while every AWS call is recorded with the function it was made in. Each
call is mapped to the IAM action and resource ARN AWS authorises it as, and checked against the statements of that
function's role in the app stack rendered for the test region.

The evaluator is small: Allow and Deny statements with ``*``/``?`` wildcards in Action and Resource, a Deny wins,
nothing is allowed unless a statement allows it. Conditions are ignored (the KMS grants through a service and the
SMS grant's "no topic" are conditioned; no call here is made to KMS directly). Two things AWS authorises that are
not SDK calls are included: a presigned URL or POST form is used by the browser with the signer's rights, so signing
one records the S3 action it grants; and S3 answers a HEAD or GET of a missing key with 404 only to who may
``s3:ListBucket`` (403 otherwise), which the photo adapter relies on, so such a 404 records that action too.

Not covered here (declared in ``infrastructure/aws/package.py`` from reading the code, and checked only by
``test_function_grants.py``): OIDC login (needs an identity provider), the BankID login beyond building its client
(the three secrets are read then), the region's own HTTP SMS gateway (its token secret), TURN credentials (the TURN
secret), and what Lambda itself does with a role (reading the stream, polling the queues, the stream DLQ).
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.signers
import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from chalice.local import LambdaContext
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.adapters.dynamo import DynamoConnections
from chalicelib.adapters.interregion import new_signing_key
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case
from chalicelib.domain.notices import SWEDISH_TIME
from infrastructure.aws import data_stack, package
from infrastructure.definitions import CONSUMERS, TenantResources
from tests.api.conftest import COLD, UNIT_A, UNIT_B, Api, citizen, staff
from tests.conftest import TEST_TENANT
from tests.infra.templates import Stacks, of_type

REGION = "eu-north-1"
ACCOUNT = "123456789012"  # moto's
WS_API = "wsapi00001"
WS_ENDPOINT = f"https://{WS_API}.execute-api.{REGION}.amazonaws.com/api"
SECRET_SUFFIX = "-AbCdEf"  # Secrets Manager's random suffix of a secret's ARN, one for all here
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": f"nara-{TEST_TENANT}-app",
    "AWS::URLSuffix": "amazonaws.com",
    "WebsocketAPI": WS_API,
}
SENDER = "no-reply@nara.example"
ANNA = citizen("191212121212", "Anna")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
COORDINATOR_A = staff("SE-S9", (UNIT_A, "coordinator"), name="Samordnare A")
ADMIN_A = staff("SE-ADM-1", (UNIT_A, "admin"), name="Johan Ek")
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=SWEDISH_TIME).astimezone(UTC)
NIGHT = datetime(2026, 11, 25, 22, 0, tzinfo=SWEDISH_TIME).astimezone(UTC)
MORNING = datetime(2026, 11, 26, 8, 5, tzinfo=SWEDISH_TIME).astimezone(UTC)


# --- The role of each function, resolved for the test region ------------------------------------------------------


def _resolve_data(node: Any, data: dict[str, Any]) -> str:
    """A data-stack output's value as the ARN (or name) it stands for in the test region."""
    resource, attribute = (node["Fn::GetAtt"][0], node["Fn::GetAtt"][1]) if "Fn::GetAtt" in node else (node["Ref"], "")
    props = data["Resources"][resource]["Properties"]
    kind = data["Resources"][resource]["Type"]
    if kind == "AWS::DynamoDB::Table":
        table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{props['TableName']}"
        return {"Arn": table, "StreamArn": f"{table}/stream/*", "": str(props["TableName"])}[attribute]
    if kind == "AWS::SQS::Queue":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{props['QueueName']}"
    if kind == "AWS::SNS::Topic":
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{props['TopicName']}"
    if kind == "AWS::S3::Bucket":
        return f"arn:aws:s3:::{props['BucketName']}" if attribute == "Arn" else str(props["BucketName"])
    if kind == "AWS::SecretsManager::Secret":
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{props['Name']}{SECRET_SUFFIX}"
    if kind == "AWS::KMS::Key":
        return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{resource}"
    raise AssertionError(f"no ARN for the data stack's {resource} ({kind})")


def _resolve(node: Any, data: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolve(n, data) for n in node]
    if not isinstance(node, dict):
        return node
    if "Fn::ImportValue" in node:
        output = str(node["Fn::ImportValue"]).split("-data-", 1)[1]
        return _resolve_data(data["Outputs"][output]["Value"], data)
    if "Fn::Sub" in node:
        sub = node["Fn::Sub"]
        text, variables = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])
        values = {**PSEUDO, **{k: _resolve(v, data) for k, v in variables.items()}}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(values[m.group(1)]), text)
    return {k: _resolve(v, data) for k, v in node.items()}


def function_roles(template: dict[str, Any], data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Handler in app.py -> its role's statements, every ARN concrete."""
    found = {}
    for function in of_type(template, "AWS::Serverless::Function").values():
        role = template["Resources"][function["Properties"]["Role"]["Fn::GetAtt"][0]]
        (policy,) = role["Properties"]["Policies"]
        found[package.handler_of(function)] = _resolve(policy["PolicyDocument"]["Statement"], data)
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """IAM's answer for one request, Conditions ignored: a matching Deny wins, else a matching Allow allows."""

    def hits(statement: dict[str, Any]) -> bool:
        return any(_matches(a, action, ignore_case=True) for a in _listed(statement["Action"])) and any(
            _matches(r, resource) for r in _listed(statement["Resource"])
        )

    matching = [s["Effect"] for s in statements if hits(s)]
    return "Deny" not in matching and "Allow" in matching


# --- Recording the AWS calls of each function ---------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    function: str
    service: str
    operation: str
    params: dict[str, Any]
    endpoint: str
    status: int | None = None  # the HTTP status of a failed call

    def authorised_as(self) -> list[tuple[str, str]]:
        """The (IAM action, resource ARN) pairs AWS checks for this call."""
        p, op = self.params, self.operation
        if self.service == "dynamodb":
            return _dynamodb(op, p)
        if self.service == "s3":
            bucket, key = p["Bucket"], p.get("Key", "")
            obj = f"arn:aws:s3:::{bucket}/{key}"
            actions = {
                "PutObject": "s3:PutObject",
                "GetObject": "s3:GetObject",
                "HeadObject": "s3:GetObject",
                "DeleteObject": "s3:DeleteObjectVersion" if p.get("VersionId") else "s3:DeleteObject",
                "presigned get_object": "s3:GetObject",
                "presigned put_object": "s3:PutObject",
                "presigned post": "s3:PutObject",
            }
            pairs = [(actions[op], obj)]
            if op in ("HeadObject", "GetObject") and self.status == 404:
                pairs.append(("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
            return pairs
        if self.service == "sns" and op in ("Publish", "PublishBatch"):
            return [("sns:Publish", p["TopicArn"] if p.get("TopicArn") else "*")]
        if self.service == "sqs":
            return [(f"sqs:{op}", _queue_arn(p["QueueUrl"]))]
        if self.service == "ses" and op == "SendEmail":
            return [("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{p['Source']}")]
        if self.service == "secretsmanager" and op == "GetSecretValue":
            return [("secretsmanager:GetSecretValue", _secret_arn(p["SecretId"]))]
        if self.service == "apigatewaymanagementapi":
            api, stage = re.fullmatch(r"https://([^.]+)\.execute-api\.[^/]+/(.+)", self.endpoint).groups()  # type: ignore[union-attr]
            method = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}[op]
            arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{method}/@connections/{p['ConnectionId']}"
            return [("execute-api:ManageConnections", arn)]
        raise AssertionError(f"{self.function} calls {self.service}.{op}: teach Call.authorised_as its IAM action")


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "TransactWriteItems":
        kinds = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
        }
        return [
            (f"dynamodb:{kinds[kind]}", _table(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [("dynamodb:GetItem", _table(i["Get"]["TableName"])) for i in params["TransactItems"]]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", _table(t)) for t in params["RequestItems"]]
    return [(f"dynamodb:{operation}", _table(params["TableName"], params.get("IndexName")))]


def _queue_arn(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def _secret_arn(secret_id: str) -> str:
    if secret_id.startswith("arn:"):  # the ARN Secrets Manager gave it: its own random suffix
        secret_id = re.sub(r"-[A-Za-z0-9]{6}$", "", secret_id.split(":secret:", 1)[1])
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret_id}{SECRET_SUFFIX}"


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    function: str | None = None
    invoked: set[str] = field(default_factory=set)

    @contextlib.contextmanager
    def within(self, function: str) -> Iterator[None]:
        """Calls made meanwhile are the function's (outside, the test's own setup: not recorded)."""
        self.function = function
        self.invoked.add(function)
        try:
            yield
        finally:
            self.function = None

    def record(self, service: str, operation: str, params: dict[str, Any], endpoint: str, status: int | None) -> None:
        if self.function is not None:
            self.calls.append(Call(self.function, service, operation, dict(params), endpoint, status))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    make_api_call = BaseClient._make_api_call
    presign_url, presign_post = botocore.signers.generate_presigned_url, botocore.signers.generate_presigned_post

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service, endpoint = client.meta.service_model.service_name, client.meta.endpoint_url
        try:
            result = make_api_call(client, operation, params)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            recorder.record(service, operation, params, endpoint, status)
            raise
        recorder.record(service, operation, params, endpoint, None)
        return result

    def signing_url(client: Any, ClientMethod: str, Params: Any = None, **kw: Any) -> Any:
        recorder.record("s3", f"presigned {ClientMethod}", Params or {}, client.meta.endpoint_url, None)
        return presign_url(client, ClientMethod, Params, **kw)

    def signing_post(client: Any, Bucket: str, Key: str, *args: Any, **kw: Any) -> Any:
        recorder.record("s3", "presigned post", {"Bucket": Bucket, "Key": Key}, client.meta.endpoint_url, None)
        return presign_post(client, Bucket, Key, *args, **kw)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    # S3 clients get these when their class is made: the photo adapter's clients are made after this
    monkeypatch.setattr(botocore.signers, "generate_presigned_url", signing_url)
    monkeypatch.setattr(botocore.signers, "generate_presigned_post", signing_post)
    return recorder


# --- The region, as deployed: the functions' settings and the data stack's resources in moto -----------------------


@pytest.fixture
def region(aws: dict[str, Any], recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    import app as app_module

    resources: TenantResources = aws["resources"]
    s3 = boto3.client("s3", region_name=REGION)
    bucket = f"nara-{resources.tenant}-photos"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arns = {}
    for name, value in (
        ("bankid/cert", "-----BEGIN CERTIFICATE-----"),
        ("bankid/key", "-----BEGIN PRIVATE KEY-----"),
        ("bankid/ca", "-----BEGIN CERTIFICATE-----"),
        ("interregion/signing_key", new_signing_key()),
    ):
        arns[name] = secrets.create_secret(Name=f"nara/{resources.tenant}/{name}", SecretString=value)["ARN"]
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    for variable, value in {
        "NARA_WS_ENDPOINT": WS_ENDPOINT,
        "NARA_PHOTO_BUCKET": bucket,
        "NARA_SMS_SENDER_ID": "Nara",
        "NARA_EMAIL_SENDER": SENDER,
        "NARA_PUBLIC_ORIGIN": "https://nara.example",
        # the simulator's address: the login service is built (reading the three secrets) without reaching BankID
        "NARA_BANKID_URL": "http://127.0.0.1:9/rp/v6.0",
        "NARA_BANKID_CERT_SECRET_ARN": arns["bankid/cert"],
        "NARA_BANKID_KEY_SECRET_ARN": arns["bankid/key"],
        "NARA_BANKID_CA_SECRET_ARN": arns["bankid/ca"],
    }.items():
        monkeypatch.setenv(variable, value)
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    container = bootstrap.container()
    # what app.py does at import when NARA_WS_ENDPOINT is set (it may have been imported by another test without it)
    monkeypatch.setattr(app_module.app.websocket_api, "session", boto3.session.Session())
    monkeypatch.setattr(app_module.app.websocket_api, "_endpoint", WS_ENDPOINT)
    monkeypatch.setattr(app_module.app.websocket_api, "_client", None)
    tenant = container.settings.tenant
    container.directory.put_unit(tenant, UNIT_A, "Vårdcentralen A", {"professions": ["nurse", "doctor"]})
    container.directory.put_unit(tenant, UNIT_B, "Vårdcentralen B", {"professions": ["nurse"]})
    for who in (NURSE_A, COORDINATOR_A, ADMIN_A):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        container.directory.put_staff(tenant, who.subject, who.display_name, roles)
    built = bootstrap.container
    with Client(app_module.app) as client:
        yield Api(client, container)
    bootstrap.settings.cache_clear()
    built.cache_clear()


# --- Driving each function as Lambda does -------------------------------------------------------------------------


class Lambda:
    """Each function runs in a container of its own, as in its own Lambda (a secret one function read is not in
    another's cache); the test's own setup uses the region fixture's."""

    def __init__(self, api: Api, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
        self.api, self.recorder = api, recorder
        self.containers: dict[str, bootstrap.Container] = {}
        monkeypatch.setattr(bootstrap, "container", self.container)
        settings = api.container.settings
        endpoint = f"https://streams.dynamodb.{REGION}.amazonaws.com"  # moto in-process answers Streams only there
        self.streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=endpoint)
        self.sqs = boto3.client("sqs", region_name=REGION)
        table = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=settings.table_name)
        self.stream_arn = table["Table"]["LatestStreamArn"]
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        self.iterators = {
            s["ShardId"]: self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for s in shards
        }

    def container(self, function: str | None = None) -> bootstrap.Container:
        """The container of a function (by default the one running now), built on its first use."""
        function = function or self.recorder.function
        if function is None:
            setup: bootstrap.Container = self.api.container
            return setup
        if function not in self.containers:
            self.containers[function] = bootstrap.build(bootstrap.settings())
        return self.containers[function]

    def call(self, method: str, path: str, *, expect: int = 200, **kw: Any) -> Any:
        """A request to the REST API (its token is made outside the function: a login made it)."""
        who = kw.pop("who", None)
        headers = dict(kw.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.api.token(who)}"
        with self.recorder.within("app"):
            status, body = self.api.call(method, path, headers=headers, **kw)
        assert status == expect, (method, path, status, body)
        return body

    def invoke(self, handler: str, event: dict[str, Any]) -> Any:
        with self.recorder.within(handler):
            return self.api.client.lambda_.invoke(handler, event).payload

    def websocket(self, handler: str, connection_id: str, **event: Any) -> Any:
        import app as app_module

        context = {"apiId": WS_API, "stage": "api", "connectionId": connection_id}
        full = {"requestContext": {**context, "domainName": f"{WS_API}.execute-api.{REGION}.amazonaws.com"}, **event}
        with self.recorder.within(handler):
            return getattr(app_module, handler)(full, LambdaContext(handler, 256))

    def schedule(self, handler: str) -> None:
        self.invoke(handler, self.api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, []))

    def stream(self) -> None:
        """What the table stored since the last time reaches the stream handler (one batch), whose events fan out to
        every consumer's queue; each consumer then gets its queue's messages as one SQS batch (or several)."""
        records: list[dict[str, Any]] = []
        for shard, iterator in self.iterators.items():
            while True:
                page = self.streams.get_records(ShardIterator=iterator)
                records.extend({**r, "eventSourceARN": self.stream_arn} for r in page["Records"])
                iterator = page["NextShardIterator"]
                if not page["Records"]:
                    break
            self.iterators[shard] = iterator
        if records:
            self.invoke("on_table_change", {"Records": json.loads(json.dumps(records, default=_epoch))})
        for consumer in CONSUMERS:
            self.deliver(consumer, self._drain(consumer))

    def deliver(self, consumer: str, bodies: list[str]) -> None:
        queue = self.api.container.settings.queue_of(consumer)
        for start in range(0, len(bodies), 10):
            batch = self.api.client.events.generate_sqs_event(
                message_bodies=bodies[start : start + 10], queue_name=queue
            )
            assert self.invoke(f"on_event_for_{consumer}", batch) == {"batchItemFailures": []}, consumer

    def _drain(self, consumer: str) -> list[str]:
        url = self.sqs.get_queue_url(QueueName=self.api.container.settings.queue_of(consumer))["QueueUrl"]
        bodies = []
        while got := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in got:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies


def _epoch(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else str(value)


def _case_at(lam: Lambda, case_id: str, *, priority: str, due_in: timedelta, **notify: Any) -> Case:
    """A queued case of Anna's at unit A, as the triage leaves it (stored by the test, not by a function)."""
    now = bootstrap.utc_now()
    case = Case.submit(
        case_id=case_id,
        tenant=TEST_TENANT,
        unit_id=UNIT_A,
        patient_ref=ANNA.subject,
        reason="Andfådd",
        free_text="Svårt att andas sedan i morse",
        priority=priority,
        profession="nurse",
        now=now - timedelta(hours=1),
        triage={"deadline": (now + due_in).isoformat()},
        patient_name=ANNA.display_name,
        **notify,
    )
    store = lam.api.container.cases._cases
    return store.create(case, now=now, idempotency=(ANNA.subject, f"key-{case_id}", "h", {}))  # type: ignore[no-any-return]


def _journey(lam: Lambda, monkeypatch: pytest.MonkeyPatch) -> None:
    """A region's day in miniature: every function runs at least once on its main path."""
    container = lam.api.container
    now = bootstrap.utc_now()
    # staff's pages and Anna's are connected (the connections are the test's: $connect is driven below too)
    for connection_id, who in (("c-nurse-a", NURSE_A), ("c-coord-a", COORDINATOR_A)):
        DynamoConnections().add(TEST_TENANT, connection_id, who.subject, "staff", now=now, ttl_seconds=600)

    # --- the REST API: login methods, a citizen's triage with a photo, staff handling it -------------------------
    assert lam.call("GET", "/auth/methods")  # builds the login service: BankID's three secrets are read
    assert lam.call("GET", "/interregion/jwks.json")["keys"]  # the region's signing key, its public half
    body = {"unit_id": UNIT_A, "reason": "Utslag", "free_text": "Röda prickar", "notify_sms": "+46701234567"}
    body["notify_email"] = "anna@exempel.se"
    draft = lam.call("POST", "/citizen/triage", who=ANNA, body=body, headers=_key("draft-0001"), expect=201)
    draft_id = draft["draft_id"]
    jpeg = {"content_type": "image/jpeg", "size": 5000}
    slot = lam.call("POST", f"/citizen/triage/{draft_id}/photos", who=ANNA, body=jpeg, expect=201)
    _browser_upload(container, slot["upload"], _jpeg())
    lam.call("POST", f"/citizen/triage/{draft_id}/photos/{slot['photo_id']}/complete", who=ANNA)
    while draft["step"] is not None:
        answer = {"step_id": draft["step"]["id"], "value": COLD.get(draft["step"]["id"], "no")}
        draft = lam.call("POST", f"/citizen/triage/{draft_id}/answers", who=ANNA, body=answer)
    case = lam.call("POST", f"/citizen/triage/{draft_id}/submit", who=ANNA, body={"choose_contact": True}, expect=201)
    case_id = case["case_id"]
    lam.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)
    lam.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)
    lam.call("POST", f"/staff/cases/{case_id}/claim", who=NURSE_A)
    lam.call(
        "POST", f"/cases/{case_id}/messages", who=NURSE_A, body={"text": "Hej Anna!", "client_id": "m-1"}, expect=201
    )
    lam.call("GET", f"/cases/{case_id}/messages", who=ANNA)
    photos = lam.call("GET", f"/staff/cases/{case_id}/photos", who=NURSE_A)["photos"]
    lam.call("GET", f"/staff/cases/{case_id}/photos/{photos[0]['photo_id']}", who=NURSE_A)
    lam.call("GET", f"/staff/units/{UNIT_A}/access-log?staff={NURSE_A.subject}", who=ADMIN_A)
    invite = {"phone": "070-123 45 67"}
    headers = {"Idempotency-Key": "invite-0001"}
    lam.call("POST", f"/staff/units/{UNIT_A}/phone-invites", who=NURSE_A, body=invite, headers=headers, expect=201)
    # a draft with a photo left unsent: when the table's TTL removes it, the stream handler deletes its photo
    left = lam.call("POST", "/citizen/triage", who=ANNA, body=body, headers=_key("draft-0002"), expect=201)
    slot = lam.call("POST", f"/citizen/triage/{left['draft_id']}/photos", who=ANNA, body=jpeg, expect=201)
    _browser_upload(container, slot["upload"], _jpeg())
    lam.call("POST", f"/citizen/triage/{left['draft_id']}/photos/{slot['photo_id']}/complete", who=ANNA)

    # --- WebSocket: Anna's page connects with a ticket, pings, a video meeting's signals, disconnect ------------
    ticket = lam.call("POST", "/auth/ws-ticket", who=ANNA, expect=201)["ticket"]
    assert lam.websocket("ws_connect", "c-anna", queryStringParameters={"ticket": ticket})["statusCode"] == 200
    lam.websocket("ws_message", "c-anna", body=json.dumps({"action": "ping"}))
    meeting = lam.call("POST", f"/staff/cases/{case_id}/video", who=NURSE_A, expect=201)["meeting_id"]
    hello = {"action": "signal", "meeting_id": meeting, "kind": "hello", "data": {}}
    lam.websocket("ws_message", "c-nurse-a", body=json.dumps(hello))  # staff joining: an access, logged
    lam.websocket("ws_message", "c-anna", body=json.dumps(hello))
    lam.websocket("ws_disconnect", "c-anna")

    # --- the stream handler and every consumer, with notices at noon ------------------------------------------
    notify, held = lam.container("on_event_for_notify"), lam.container("send_held_notices")
    monkeypatch.setattr(notify.notify, "_clock", lambda: NOON)
    lam.stream()
    removed = {"tenant": {"S": TEST_TENANT}, "draft_id": {"S": left["draft_id"]}, "type": {"S": "triage_draft"}}
    expiry = {"eventID": "ttl-1", "eventName": "REMOVE", "eventSourceARN": lam.stream_arn}
    lam.invoke("on_table_change", {"Records": [{**expiry, "dynamodb": {"OldImage": removed}}]})
    # a P2 case alerts the unit's connected staff; one past its deadline is escalated to the coordinator
    urgent = _case_at(lam, "case-p2", priority="P2", due_in=timedelta(minutes=30))
    data = {"unit_id": urgent.unit_id, "priority": "P2", "profession": "nurse"}
    submitted = DomainEvent(
        "ev-p2", "CaseSubmitted", TEST_TENANT, urgent.case_id, urgent.submitted_at.isoformat(), data
    )
    lam.deliver("alerts", [json.dumps(submitted.to_dict())])
    _case_at(lam, "case-late", priority="P2", due_in=timedelta(minutes=-5))
    lam.schedule("escalate_overdue_cases")
    # cases closed at night: an SMS waits for the morning (unless an e-mail can tell them at once)
    lam.call("POST", f"/staff/cases/{case_id}/close", who=NURSE_A, body={"outcome": "advice_given", "summary": "Råd."})
    monkeypatch.setattr(notify.notify, "_clock", lambda: NIGHT)
    lam.stream()
    quiet = _case_at(lam, "case-night", priority="P4", due_in=timedelta(hours=8), notify_sms="+46709876543")
    closed = DomainEvent("ev-night", "CaseClosed", TEST_TENANT, quiet.case_id, NIGHT.isoformat(), {"outcome": "x"})
    lam.deliver("notify", [json.dumps(closed.to_dict())])
    monkeypatch.setattr(held.notify, "_clock", lambda: MORNING)
    lam.schedule("send_held_notices")

    # --- a referral to another region: sent (signed) by the interregion consumer ------------------------------
    region = container.directory.region(TEST_TENANT)
    partner = {"tenant": "granne", "name": "Region Granne", "url": "https://api.granne.example"}
    container.directory.set_region(TEST_TENANT, {**region, "partner_regions": [partner]})
    units = [{"unit_id": "SE-GRANNE-VC1", "name": "Vårdcentralen Granne", "professions": ["nurse"]}]
    monkeypatch.setattr(lam.container("app").interregion, "_fetch_units", lambda url: units)
    other = _case_at(lam, "case-refer", priority="P3", due_in=timedelta(hours=3))
    sbar = {"situation": "Utslag", "background": "Inget", "assessment": "Lugnt", "recommendation": "Bedömning"}
    refer = {"to_region": "granne", "to_unit_id": "SE-GRANNE-VC1", "to_profession": "nurse", **sbar}
    refer |= {"consent": "chat", "personal_number": "191212121212"}
    lam.call("POST", f"/staff/cases/{other.case_id}/claim", who=NURSE_A)
    # Anna sends a photo in its chat: it travels with the referral (the consumer reads it from the bucket)
    slot = lam.call("POST", f"/citizen/cases/{other.case_id}/photos", who=ANNA, body=jpeg, expect=201)
    _browser_upload(container, slot["upload"], _jpeg())
    lam.call("POST", f"/citizen/cases/{other.case_id}/photos/{slot['photo_id']}/complete", who=ANNA)
    path = f"/staff/cases/{other.case_id}/refer-region"
    lam.call("POST", path, who=NURSE_A, body=refer, headers={"Idempotency-Key": "region-0001"})
    sent: list[str] = []

    def partner_answers(url: str, **kw: Any) -> httpx.Response:
        sent.append(url)
        return httpx.Response(201, json={"case_id": "remote-1"}, request=httpx.Request("POST", url))

    monkeypatch.setattr("chalicelib.adapters.interregion.httpx.post", partner_answers)
    lam.stream()
    assert sent == ["https://api.granne.example/interregion/referrals"]

    # --- the other schedules ------------------------------------------------------------------------------------
    for schedule in ("keep_slots_ready", "mark_booking_reminders", "offer_overflow"):
        lam.schedule(schedule)


def _key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 100)).save(out, "JPEG")
    return out.getvalue()


def _browser_upload(container: Any, form: dict[str, Any], data: bytes) -> None:
    """What the browser does with the presigned POST (the signer's rights are checked: its signing was recorded)."""
    fields = form["fields"]
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=container.settings.photo_bucket, Key=fields["key"], Body=data, ContentType=fields["Content-Type"]
    )


# --- The checks -----------------------------------------------------------------------------------------------------


def test_the_evaluator_allows_by_wildcard_and_lets_a_deny_win() -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/nara-x-audit"
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["dynamodb:*Item"], "Resource": [table, f"{table}/index/*"]},
        {"Effect": "Deny", "Action": "dynamodb:UpdateItem", "Resource": table},
    ]
    assert allowed(statements, "dynamodb:PutItem", table)
    assert allowed(statements, "DynamoDB:GetItem", table)  # actions are case-insensitive
    assert not allowed(statements, "dynamodb:UpdateItem", table)
    assert not allowed(statements, "dynamodb:Query", table)
    assert not allowed(statements, "dynamodb:PutItem", f"{table}-2")


def test_every_aws_call_of_every_function_is_allowed_by_its_own_role(
    stacks: Stacks, region: Api, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = data_stack.render(TenantResources(TEST_TENANT))
    roles = function_roles(package.merge(stacks.chalice, data), data)  # `chalice package` is the same in each region
    _journey(Lambda(region, recorder, monkeypatch), monkeypatch)

    assert recorder.invoked == set(roles), f"not exercised: {sorted(set(roles) - recorder.invoked)}"
    refused = sorted(
        {
            (call.function, action, resource)
            for call in recorder.calls
            for action, resource in call.authorised_as()
            if not allowed(roles[call.function], action, resource)
        }
    )
    assert refused == [], "calls the function's role does not allow:\n" + "\n".join(map(str, refused))
    made: dict[str, set[str]] = {}  # function -> the IAM actions its calls needed
    for call in recorder.calls:
        made.setdefault(call.function, set()).update(a for a, _ in call.authorised_as())
    # the journey reached what the roles are for (else the check above proves little)
    assert {"s3:PutObject", "s3:GetObject", "s3:ListBucket", "secretsmanager:GetSecretValue"} <= made["app"]
    assert {"dynamodb:Query", "execute-api:ManageConnections", "sns:Publish"} <= made["app"]
    assert {"s3:DeleteObjectVersion", "s3:ListBucket", "sns:Publish"} <= made["on_table_change"]
    assert {"sns:Publish", "ses:SendEmail"} <= made["on_event_for_notify"]
    assert "sns:Publish" in made["send_held_notices"]
    assert "execute-api:ManageConnections" in made["on_event_for_alerts"] & made["escalate_overdue_cases"]
    assert {"dynamodb:PutItem", "execute-api:ManageConnections"} <= made["ws_message"]
    assert "secretsmanager:GetSecretValue" in made["on_event_for_interregion"]
    # and a role of another function would refuse some of them: the check can fail
    photo_reads = [c for c in recorder.calls if c.function == "app" and c.service == "s3"]
    assert photo_reads and not all(
        allowed(roles["keep_slots_ready"], a, r) for c in photo_reads for a, r in c.authorised_as()
    )
