"""``deploy``: a planned region into AWS, through CloudFormation change sets, showing what happens.

In order: the data stack; the web stack; the frontends (and the region's logo, at ``branding/<file>``) into the web
bucket; the app stack (its code and template uploaded to the web stack's artifacts bucket first); then, once the app
stack's API hosts are known, the web stack again if they changed (on the first deploy: the ``/api/*`` route and the
WebSocket host in the Content-Security-Policy) and ``/config.js``. Each stack gets a change set, which is shown and
(without ``--yes``) confirmed before it is executed; then the stack's events are printed until it is complete. A
failure prints the failing resources with CloudFormation's reasons and stops the deploy (``DeployError``). The data
stack gets a stack policy that refuses to replace or delete its retained resources.

AWS credentials, the endpoint (``AWS_ENDPOINT_URL``) and the profile are ordinary boto3 configuration; the AWS region
is the configuration's ``aws_region``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import mimetypes
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from infrastructure.aws import web_stack
from infrastructure.onboard.plan import Plan, Stack
from infrastructure.tenant_config import TenantConfig

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
TEMPLATE_BODY_LIMIT = 51_200  # bytes CloudFormation takes inline; a larger template goes through S3
SUCCEEDED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CANCELLED = ("Resource creation cancelled", "Resource update cancelled")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}
# Files are small and not fingerprinted: browsers and CloudFront revalidate each one (a 304 when unchanged), so a
# deploy is live at once and a page never mixes old and new modules.
CACHE_CONTROL = "no-cache"


class DeployError(RuntimeError):
    """The deploy stopped: a change set or a stack failed, or the operator said no."""


@dataclass
class Deployer:
    """Creates and executes change sets and follows the stacks' events. ``confirm`` asks the operator a yes/no
    question (``--yes``: always yes); ``say`` prints a line."""

    session: Any  # boto3.session.Session
    confirm: Callable[[str], bool]
    say: Callable[[str], None] = print
    poll_seconds: float = 5.0
    # Longer than any stack takes (a new CloudFront distribution: up to half an hour); then the deploy stops watching.
    give_up_seconds: float = 3 * 3600
    sleep: Callable[[float], None] = time.sleep
    cfn: Any = field(init=False)
    s3: Any = field(init=False)

    def __post_init__(self) -> None:
        self.cfn = self.session.client("cloudformation")
        self.s3 = self.session.client("s3")

    # --- stacks --------------------------------------------------------------------------------------------------

    def status(self, name: str) -> str | None:
        """The stack's status, or None when there is no such stack."""
        try:
            (stack,) = self.cfn.describe_stacks(StackName=name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        return str(stack["StackStatus"])

    def outputs(self, name: str) -> dict[str, str]:
        if self.status(name) in (None, "REVIEW_IN_PROGRESS"):
            return {}
        (stack,) = self.cfn.describe_stacks(StackName=name)["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def apply(self, stack: Stack, *, template_url: str | None = None) -> dict[str, str]:
        """Creates or updates ``stack`` through a change set; returns its outputs. Raises DeployError on failure."""
        status = self.status(stack.name)
        if status is not None and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            raise DeployError(f"{stack.name} is {status}: wait until it is done, then deploy again")
        if status == "ROLLBACK_COMPLETE":
            raise DeployError(
                f"{stack.name} is ROLLBACK_COMPLETE: its first creation failed and it cannot be updated. Delete it "
                f"(aws cloudformation delete-stack --stack-name {stack.name}; retained resources stay and must be "
                "deleted or imported by hand, docs/operations.md) and deploy again"
            )
        kind = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
        body = json.dumps(stack.template, separators=(",", ":"), ensure_ascii=False)
        source: dict[str, str]
        if template_url is not None:
            source = {"TemplateURL": template_url}
        elif len(body.encode()) <= TEMPLATE_BODY_LIMIT:
            source = {"TemplateBody": body}
        else:
            raise DeployError(
                f"{stack.name}: the template is {len(body.encode())} bytes, more than CloudFormation "
                f"takes inline ({TEMPLATE_BODY_LIMIT}); it must be given through S3"
            )
        change_set = f"nara-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.say(f"{stack.name}: creating change set {change_set} ({kind.lower()})")
        try:
            created = self.cfn.create_change_set(
                StackName=stack.name,
                ChangeSetName=change_set,
                ChangeSetType=kind,
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stack.parameters.items()],
                Capabilities=list(stack.capabilities),
                Tags=[
                    {"Key": "nara:tenant", "Value": stack.name.removeprefix("nara-").removesuffix(f"-{stack.role}")},
                    {"Key": "nara:stack", "Value": stack.role},
                ],
                Description=f"python -m infrastructure.onboard deploy ({stack.role} stack)",
                **source,
            )
        except ClientError as error:  # some endpoints refuse an empty update outright instead of failing the set
            if any(text in str(error) for text in NO_CHANGES):
                self.say(f"{stack.name}: no changes")
                return self.outputs(stack.name)
            raise DeployError(f"{stack.name}: CloudFormation refused the change set: {error}") from None
        change_set_id = created["Id"]
        described = self._wait_for_change_set(change_set_id)
        if described["Status"] == "FAILED":
            reason = str(described.get("StatusReason", ""))
            if any(text in reason for text in NO_CHANGES):
                self.say(f"{stack.name}: no changes")
                self.cfn.delete_change_set(ChangeSetName=change_set_id)
                return self.outputs(stack.name)
            raise DeployError(f"{stack.name}: the change set failed: {reason}")
        for line in self._changes(described):
            self.say(line)
        if not self.confirm(f"Execute change set {change_set} on {stack.name}?"):
            self.cfn.delete_change_set(ChangeSetName=change_set_id)
            raise DeployError(f"{stack.name}: not executed (the change set is deleted); nothing was changed")
        seen = {e["EventId"] for e in self._events(stack.name)}
        self.cfn.execute_change_set(ChangeSetName=change_set_id)
        self._follow(stack.name, seen)
        return self.outputs(stack.name)

    def _wait_for_change_set(self, change_set_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.give_up_seconds
        while True:
            described: dict[str, Any] = self.cfn.describe_change_set(ChangeSetName=change_set_id)
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return described
            if time.monotonic() > deadline:
                raise DeployError(f"change set {change_set_id} is still {described['Status']}: look in the console")
            self.sleep(self.poll_seconds)

    def _changes(self, described: dict[str, Any]) -> Iterator[str]:
        changes = list(described.get("Changes", []))
        token = described.get("NextToken")
        while token:
            page = self.cfn.describe_change_set(ChangeSetName=described["ChangeSetId"], NextToken=token)
            changes += page.get("Changes", [])
            token = page.get("NextToken")
        yield f"  {len(changes)} change(s):"
        for change in changes:
            c = change.get("ResourceChange", {})
            replacement = c.get("Replacement")
            extra = f"  (replacement: {replacement})" if c.get("Action") == "Modify" and replacement else ""
            action, logical = c.get("Action", "?"), c.get("LogicalResourceId", "?")
            yield f"    {action:<7} {logical:<40} {c.get('ResourceType', '')}{extra}"

    def _events(self, name: str) -> list[dict[str, Any]]:
        """The stack's most recent events, newest first."""
        try:
            return list(self.cfn.describe_stack_events(StackName=name)["StackEvents"])
        except ClientError:
            return []

    def _follow(self, name: str, seen: set[str]) -> None:
        """Prints each new event until the stack is no longer in progress; raises DeployError unless it succeeded."""
        failures: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.give_up_seconds
        while True:
            status = self.status(name) or "DELETED"
            fresh = [e for e in self._events(name) if e["EventId"] not in seen]
            for event in reversed(fresh):
                seen.add(event["EventId"])
                reason = event.get("ResourceStatusReason") or ""
                when = event["Timestamp"]
                when = when.strftime("%H:%M:%S") if isinstance(when, datetime) else str(when)
                self.say(
                    f"  {when} {event.get('LogicalResourceId', ''):<40} {event.get('ResourceType', ''):<38} "
                    f"{event.get('ResourceStatus', '')}{'  ' + reason if reason else ''}"
                )
                if str(event.get("ResourceStatus", "")).endswith("_FAILED") and not any(c in reason for c in CANCELLED):
                    failures.append(event)
            if not status.endswith("_IN_PROGRESS"):
                break
            if time.monotonic() > deadline:
                raise DeployError(f"{name} is still {status} after {self.give_up_seconds:.0f} s: stopped watching it")
            self.sleep(self.poll_seconds)
        if status in SUCCEEDED:
            self.say(f"{name}: {status}")
            return
        causes = [
            f"{e.get('LogicalResourceId')} ({e.get('ResourceType')}): {e.get('ResourceStatusReason')}"
            for e in failures
            if e.get("LogicalResourceId") != name
        ]
        raise DeployError(f"{name}: {status}" + "".join(f"\n  failed: {c}" for c in causes))

    def protect(self, stack: Stack) -> None:
        """A stack policy refusing to replace or delete the stack's retained resources (tables, key, buckets, queues,
        secrets, the access log stream), whatever a later template says."""
        retained = sorted(n for n, r in stack.template["Resources"].items() if r.get("DeletionPolicy") == "Retain")
        if not retained:
            return
        policy = {
            "Statement": [
                {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": ["Update:Replace", "Update:Delete"],
                    "Principal": "*",
                    "Resource": [f"LogicalResourceId/{n}" for n in retained],
                },
            ]
        }
        self.cfn.set_stack_policy(StackName=stack.name, StackPolicyBody=json.dumps(policy))
        self.say(f"{stack.name}: stack policy protects {len(retained)} retained resources from replacement")

    # --- the directory -------------------------------------------------------------------------------------------

    def load_directory(self, config: TenantConfig) -> None:
        """The region's settings, units and staff from its file into the data stack's main table (directory.py)."""
        from chalicelib.adapters import dynamo
        from infrastructure.definitions import TenantResources
        from infrastructure.onboard.directory import load_directory

        resources = TenantResources(config.tenant)
        dynamo.configure(
            dynamo.DynamoSettings(
                table_name=resources.main_table["TableName"],
                audit_table_name=resources.audit_table["TableName"],
                region=self.session.region_name or config.aws_region,
                endpoint=None,
            )
        )
        loaded = load_directory(config, dynamo.DynamoDirectory())
        self.say(
            f"directory: region settings {'updated from the file' if loaded.region_changed else 'as in the file'}; "
            f"{loaded.units} units and {loaded.staff} staff present (new ones created; existing ones are changed "
            "in the staff dashboard)"
        )

    # --- files ---------------------------------------------------------------------------------------------------

    def upload_code(
        self, app: dict[str, Any], code: tuple[Path, ...], bucket: str, tenant: str
    ) -> tuple[dict[str, Any], str]:
        """Uploads the zips (by content hash, once) and the app template; returns the template with S3 code URIs and
        the template's URL."""
        uris = {}
        for zip_file in code:
            key = f"app/{_sha256(zip_file.read_bytes())}-{zip_file.name}"
            if not self._exists(bucket, key):
                self.say(f"  uploading {zip_file.name} ({zip_file.stat().st_size // 1024} KiB) to s3://{bucket}/{key}")
                self.s3.upload_file(str(zip_file), bucket, key)
            uris[zip_file.name] = f"s3://{bucket}/{key}"
        template = with_code_uris(app, uris)
        body = json.dumps(template, separators=(",", ":"), ensure_ascii=False).encode()
        key = f"templates/nara-{tenant}-app-{_sha256(body)}.json"
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        region = self.session.region_name
        return template, f"https://{bucket}.s3.{region}.amazonaws.com/{key}"

    def _exists(self, bucket: str, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return False
        return True

    def upload_frontends(self, bucket: str, frontend: Path = FRONTEND, extra: dict[str, Path] | None = None) -> int:
        """Uploads citizen/, staff/ and shared/ and the ``extra`` files (key: file; the region's logo) and removes
        what is no longer there (config.js is left alone)."""
        wanted = set()
        files = [
            (path.relative_to(frontend).as_posix(), path)
            for directory in web_stack.FRONTENDS
            for path in sorted((frontend / directory).rglob("*"))
            if path.is_file() and not path.name.startswith(".") and path.suffix != ".md"
        ]
        for key, path in [*files, *sorted((extra or {}).items())]:
            wanted.add(key)
            self.s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=path.read_bytes(),
                ContentType=content_type(path),
                CacheControl=CACHE_CONTROL,
            )
        stale = [k for k in self._keys(bucket) if k not in wanted and k != "config.js"]
        for start in range(0, len(stale), 1000):
            self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start : start + 1000]]})
        self.say(f"  s3://{bucket}: {len(wanted)} frontend files" + (f", {len(stale)} removed" if stale else ""))
        return len(wanted)

    def _keys(self, bucket: str) -> Iterator[str]:
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                yield item["Key"]

    def upload_config(self, bucket: str, config: TenantConfig, websocket_url: str) -> None:
        self.s3.put_object(
            Bucket=bucket,
            Key="config.js",
            Body=config_js(config, websocket_url).encode(),
            ContentType=CONTENT_TYPES[".js"],
            CacheControl=CACHE_CONTROL,
        )
        self.say(f"  s3://{bucket}/config.js: wsUrl {websocket_url or '(none yet)'}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def branding_files(config: TenantConfig) -> dict[str, Path]:
    """The region's logo beside its configuration file, at the key the pages load it from (``branding/<file>``)."""
    logo = config.logo_file()
    return {f"branding/{config.branding.logo}": logo} if logo is not None else {}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def config_js(config: TenantConfig, websocket_url: str) -> str:
    """``/config.js``: where the pages find the API (under the same origin) and the WebSocket, and the region."""
    settings = {"apiBase": "/api", "wsUrl": websocket_url, **config.browser_settings()}
    return f"window.NARA_CONFIG = {json.dumps(settings, ensure_ascii=False)};\n"


def with_code_uris(app: dict[str, Any], uris: dict[str, str]) -> dict[str, Any]:
    """The app template with each function's ``CodeUri`` and the layer's ``ContentUri`` pointing at the uploaded zip
    of the same name (what ``aws cloudformation package`` does)."""
    template = copy.deepcopy(app)
    for name, resource in template["Resources"].items():
        prop = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}.get(
            resource["Type"]
        )
        if prop is None or prop not in resource["Properties"]:
            continue
        local = Path(str(resource["Properties"][prop])).name
        if local not in uris:
            raise DeployError(f"{name}: {prop} {resource['Properties'][prop]!r} is not one of the planned zips")
        resource["Properties"][prop] = uris[local]
    return template


def api_hosts(app_outputs: dict[str, str]) -> tuple[str, str, str]:
    """(REST API host, WebSocket API host, WebSocket URL) from the app stack's outputs (``chalice package``'s)."""
    rest = urlsplit(app_outputs.get("EndpointURL", "")).hostname or ""
    websocket_url = app_outputs.get("WebsocketConnectEndpointURL", "").rstrip("/")
    return rest, urlsplit(websocket_url).hostname or "", websocket_url


def _with_parameters(stack: Stack, **values: str) -> Stack:
    return Stack(stack.role, stack.name, stack.template, {**stack.parameters, **values}, stack.capabilities)


def deploy(plan: Plan, deployer: Deployer, *, frontend: Path = FRONTEND) -> dict[str, str]:
    """Deploys the planned stacks and the frontends; returns what the operator needs next (URLs, names)."""
    config = plan.config
    say = deployer.say
    data, web, app = plan.stack("data"), plan.stack("web"), plan.stack("app")

    say(f"== {data.name}")
    deployer.apply(data)
    deployer.protect(data)
    say("== directory")
    deployer.load_directory(config)

    rest, websocket, websocket_url = api_hosts(deployer.outputs(app.name))  # empty before the first app deploy
    web_now = _with_parameters(web, ApiDomain=rest, WebSocketDomain=websocket)
    if not web.parameters["CertificateArn"] and deployer.status(web.name) is not None:
        previous = _previous_parameters(deployer, web.name)
        web_now = _with_parameters(web_now, CertificateArn=previous.get("CertificateArn", ""))
    say(f"== {web.name}")
    web_outputs = deployer.apply(web_now)
    say("== frontends")
    deployer.upload_frontends(web_outputs["WebBucketName"], frontend, branding_files(config))
    deployer.upload_config(web_outputs["WebBucketName"], config, websocket_url)

    say(f"== {app.name}")
    template, url = deployer.upload_code(app.template, plan.code, web_outputs["ArtifactsBucketName"], config.tenant)
    app_outputs = deployer.apply(
        Stack(app.role, app.name, template, app.parameters, app.capabilities), template_url=url
    )

    new_rest, new_websocket, new_websocket_url = api_hosts(app_outputs)
    if (new_rest, new_websocket) != (rest, websocket) and new_rest:
        say(f"== {web.name} (the app stack's API hosts)")
        web_outputs = deployer.apply(_with_parameters(web_now, ApiDomain=new_rest, WebSocketDomain=new_websocket))
    if new_websocket_url != websocket_url:
        deployer.upload_config(web_outputs["WebBucketName"], config, new_websocket_url)

    site = web_outputs.get("DistributionDomainName", "")
    result = {
        "public_origin": config.public_origin,
        "cloudfront": f"https://{site}" if site else "",
        "api": new_rest,
        "websocket": new_websocket_url,
    }
    say(f"done: {config.tenant} is deployed; CloudFront https://{site}, public origin {config.public_origin}")
    if not web_now.parameters.get("CertificateArn"):
        say(
            f"  {config.public_origin} is not served until the web stack has its certificate: deploy again with "
            "--certificate-arn (ACM, us-east-1), then point the name at the CloudFront domain (docs/operations.md)"
        )
    return result


def _previous_parameters(deployer: Deployer, name: str) -> dict[str, str]:
    (stack,) = deployer.cfn.describe_stacks(StackName=name)["Stacks"]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
