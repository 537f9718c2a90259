"""Onboarding a region: ``python -m infrastructure.onboard validate|plan|deploy`` and the three stacks it renders.

The plans are rendered once per module from the ``chalice package`` the session's ``stacks`` fixture ran; the
``plan`` command itself (which runs ``chalice package`` again) is run once, for Region Kalmar län. ``deploy`` runs
against moto's in-process AWS (``mock_aws``); what moto's CloudFormation cannot create is listed in
``NOT_CREATED_BY_MOTO`` and checked against moto's own list of supported types.
"""

from __future__ import annotations

import builtins
import copy
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from chalicelib.adapters.dynamo import DynamoDirectory
from infrastructure.aws import data_stack, package
from infrastructure.definitions import CONSUMERS, TenantResources
from infrastructure.onboard import __main__ as cli
from infrastructure.onboard import deploy
from infrastructure.onboard import plan as planning
from infrastructure.tenant_config import REGIONS_DIR, load
from tests.infra.templates import Stacks, of_type, walk
from tests.infra.test_stack_rules import WILDCARD_EXCEPTIONS

DEMO_REGIONS = ("jonkoping", "kalmar")
DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def plans(stacks: Stacks, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[planning.Plan, Path]]:
    """Both demo regions planned from the session's ``chalice package`` and written to files, with its code."""
    code = tuple(sorted((stacks.app_path.parent / "chalice").glob("*.zip")))
    assert code, "the stacks fixture's chalice package wrote no zips"
    planned = {}
    for tenant in DEMO_REGIONS:
        out = tmp_path_factory.mktemp(f"plan-{tenant}")
        rendered = planning.render(load(REGIONS_DIR / f"{tenant}.yaml"), stacks.chalice)
        planned[tenant] = (planning.write(rendered, out, code=code), out)
    return planned


def _templates(plan: planning.Plan) -> Iterator[tuple[str, dict[str, Any]]]:
    for stack in plan.stacks:
        yield stack.role, stack.template


def _statements(plan: planning.Plan) -> Iterator[tuple[tuple[str, str, str], dict[str, Any]]]:
    for role, template in _templates(plan):
        for name, resource in template["Resources"].items():
            for _, node in walk(resource):
                if isinstance(node, dict) and isinstance(node.get("Statement"), list):
                    for statement in node["Statement"]:
                        yield (role, name, statement.get("Sid", "")), statement


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- validate ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", DEMO_REGIONS)
def test_validate_accepts_each_demo_region(tenant: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = load(REGIONS_DIR / f"{tenant}.yaml")
    assert cli.main(["validate", str(REGIONS_DIR / f"{tenant}.yaml")]) == 0
    out = capsys.readouterr().out
    assert out == f"ok: {tenant} ({len(config.units)} units, {len(config.staff)} staff)\n"


def _wrong_kalmar(tmp_path: Path, **changes: Any) -> Path:
    raw = yaml.safe_load((REGIONS_DIR / "kalmar.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = raw
        *path, last = dotted.split("__")
        for part in path:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    wrong = tmp_path / "region.yaml"
    wrong.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    logo = raw["branding"]["logo"]  # beside the file, as in the region's own folder
    (tmp_path / logo).write_bytes((REGIONS_DIR / logo).read_bytes())
    return wrong


def test_validate_on_a_wrong_file_exits_1_and_prints_each_wrong_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = _wrong_kalmar(
        tmp_path,
        retention__access_log_years=3,  # the access log is kept at least five years
        public_origin="http://nara.regionkalmar.example",
        units__0__unit_id="VC1",
        identity__siths__client_id="",
    )
    assert cli.main(["validate", str(wrong)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == f"{wrong}: 4 problem(s)"
    fields = sorted(line.strip().split(":")[0] for line in lines[1:])
    assert fields == ["identity.siths.client_id", "public_origin", "retention.access_log_years", "units[0].unit_id"]
    assert "greater than or equal to 5" in captured.err


def test_validate_names_branding_logo_when_the_logo_is_not_beside_the_file_or_not_a_plain_picture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = _wrong_kalmar(tmp_path)
    (tmp_path / "kalmar-logo.svg").unlink()
    assert cli.main(["validate", str(wrong)]) == 1
    assert "branding.logo: kalmar-logo.svg is not a file beside the configuration file" in capsys.readouterr().err
    (tmp_path / "kalmar-logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    assert cli.main(["validate", str(wrong)]) == 1
    assert "branding.logo: kalmar-logo.svg: the SVG holds a script" in capsys.readouterr().err


def test_plan_and_deploy_refuse_a_wrong_file_before_rendering_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = _wrong_kalmar(tmp_path, retention__access_log_years=3)
    for verb in ("plan", "deploy"):
        assert cli.main([verb, str(wrong), "--out", str(tmp_path / verb)]) == 1
        assert "retention.access_log_years" in capsys.readouterr().err
        assert not (tmp_path / verb).exists()


@pytest.mark.parametrize("setting", ["population_register_url", "listing_register_url"])
def test_a_setting_aws_would_refuse_is_named_by_its_field_at_plan_time(stacks: Stacks, setting: str) -> None:
    config = load(REGIONS_DIR / "kalmar.yaml")
    insecure = config.model_copy(
        update={"identity": config.identity.model_copy(update={setting: "http://pr.example/api"})}
    )
    with pytest.raises(planning.PlanError) as refused:
        planning.render(insecure, stacks.chalice)
    (problem,) = refused.value.problems
    assert problem.startswith(f"identity.{setting}: 'http://pr.example/api' is not empty, or like https")


def test_a_listing_register_url_too_long_for_aws_is_named_by_its_field_at_plan_time(stacks: Stacks) -> None:
    config = load(REGIONS_DIR / "kalmar.yaml")
    long_url = "https://listning.regionkalmar.example/" + "a" * 100
    too_long = config.model_copy(
        update={"identity": config.identity.model_copy(update={"listing_register_url": long_url})}
    )
    with pytest.raises(planning.PlanError) as refused:
        planning.render(too_long, stacks.chalice)
    assert refused.value.problems == [
        "identity.listing_register_url: at most 128 characters in AWS (the stack parameter ListingRegisterUrl)"
    ]


# --- plan: what the templates say ------------------------------------------------------------------------------


def test_plan_writes_three_stacks_with_parameters_files_and_the_code(tmp_path: Path) -> None:
    """The command itself, once (it runs ``chalice package``)."""
    config = REGIONS_DIR / "kalmar.yaml"
    assert cli.main(["plan", str(config), "--out", str(tmp_path)]) == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert {"data-stack.json", "web-stack.json", "app-stack.json"} <= written
    assert {"data-parameters.json", "web-parameters.json", "app-parameters.json"} <= written
    assert {"deployment.zip", "layer-deployment.zip"} <= written
    app = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads((tmp_path / "app-parameters.json").read_text())}
    assert app == {
        "PublicOrigin": "https://nara.regionkalmar.example",
        "BankIdUrl": "https://appapi2.bankid.com/rp/v6.0",
        "FrejaIssuer": "",  # Kalmar offers no Freja eID+
        "FrejaClientId": "",
        "SithsIssuer": "https://idp.inera.se/oidc",
        "SithsClientId": "nara-kalmar",
        "SmsSenderId": "",  # Kalmar sends SMS through its own HTTP gateway, not Amazon SNS
        "EmailSender": "no-reply@nara-kalmar.example",
        "PopulationRegisterUrl": "https://folkbokforing.regionkalmar.example/api",
        "ListingRegisterUrl": "https://listning.regionkalmar.example/api",
    }
    assert set(app) == set(package.PARAMETERS)
    web = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads((tmp_path / "web-parameters.json").read_text())}
    assert web["SiteDomain"] == "nara.regionkalmar.example"
    data = json.loads((tmp_path / "data-stack.json").read_text())
    lock = data["Resources"]["AccessLogBucket"]["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert lock == {"Mode": "COMPLIANCE", "Years": 7}


def test_every_generated_template_passes_cfn_lint(cfn_lint: Path, plans: dict[str, tuple[planning.Plan, Path]]) -> None:
    files = [str(out / s.template_file) for plan, out in plans.values() for s in plan.stacks]
    result = subprocess.run([str(cfn_lint), *files], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"cfn-lint found problems:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(("tenant", "years", "days"), [("jonkoping", 5, 365), ("kalmar", 7, 180)])
def test_the_configured_retention_reaches_the_data_stack(
    plans: dict[str, tuple[planning.Plan, Path]], tenant: str, years: int, days: int
) -> None:
    resources = plans[tenant][0].stack("data").template["Resources"]
    lock = resources["AccessLogBucket"]["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert lock == {"Mode": "COMPLIANCE", "Years": years}
    rules = {r["Id"]: r for r in resources["PhotosBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-photos-after-retention"] == {
        "Id": "expire-photos-after-retention",
        "Status": "Enabled",
        "ExpirationInDays": days,
    }


def test_the_data_stack_refuses_an_access_log_kept_less_than_five_years() -> None:
    with pytest.raises(ValueError, match="at least five"):
        data_stack.render(TenantResources("kalmar"), access_log_years=3)


@pytest.mark.parametrize("tenant", DEMO_REGIONS)
def test_every_table_has_point_in_time_recovery_and_the_regions_kms_key(
    plans: dict[str, tuple[planning.Plan, Path]], tenant: str
) -> None:
    plan = plans[tenant][0]
    for role, template in _templates(plan):
        tables = of_type(template, "AWS::DynamoDB::Table")
        assert bool(tables) == (role == "data"), f"tables belong in the data stack, not the {role} stack"
        for name, table in tables.items():
            props = table["Properties"]
            assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
            assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": DATA_KEY}
            assert props["TableName"].startswith(f"nara-{tenant}-"), name


@pytest.mark.parametrize("tenant", DEMO_REGIONS)
def test_no_policy_allows_every_action_or_every_resource(
    plans: dict[str, tuple[planning.Plan, Path]], tenant: str
) -> None:
    plan = plans[tenant][0]
    exceptions = set(WILDCARD_EXCEPTIONS)
    exceptions |= {
        ("app", role, "NoticesBySms") for role in package.notice_roles(plan.stack("app").template["Resources"])
    }
    seen = set()
    for where, statement in _statements(plan):
        if where in exceptions:
            seen.add(where)
            continue
        assert "NotAction" not in statement and "NotResource" not in statement, where
        assert "*" not in _listed(statement.get("Action")), f"Action '*' in {where}"
        assert "*" not in _listed(statement.get("Resource", [])), f"Resource '*' in {where}"
    assert seen == exceptions


def _dlq_behind(plan: planning.Plan, event: dict[str, Any]) -> str:
    """The data-stack DLQ (logical id) behind a function's asynchronous event source."""
    data = plan.stack("data").template
    exports = {o["Export"]["Name"]: o["Value"] for o in data["Outputs"].values()}
    props = event["Properties"]
    if event["Type"] == "SQS":
        queue = exports[props["Queue"]["Fn::ImportValue"]]["Fn::GetAtt"][0]
        redrive = data["Resources"][queue]["Properties"]["RedrivePolicy"]
        return str(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    return str(exports[destination["Fn::ImportValue"]]["Fn::GetAtt"][0])


@pytest.mark.parametrize("tenant", DEMO_REGIONS)
def test_a_dlq_with_an_alarm_is_behind_every_asynchronous_consumer(
    plans: dict[str, tuple[planning.Plan, Path]], tenant: str
) -> None:
    plan = plans[tenant][0]
    app, data = plan.stack("app").template, plan.stack("data").template
    dlqs = set()
    for name, function in of_type(app, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] in ("SQS", "DynamoDB"):
                dlq = _dlq_behind(plan, event)
                assert data["Resources"][dlq]["Type"] == "AWS::SQS::Queue", name
                dlqs.add(dlq)
    assert len(dlqs) == len(CONSUMERS) + 1  # a queue per consumer of domain events, and the stream handler's
    watched = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]: alarm["Properties"]
        for alarm in of_type(data, "AWS::CloudWatch::Alarm").values()
    }
    for dlq in dlqs:
        alarm = watched[dlq]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 0
        assert alarm["AlarmActions"] == [{"Ref": "AlarmsTopic"}]
    assert data["Resources"]["AlarmsTopic"]["Properties"]["TopicName"] == f"nara-{tenant}-alarms"


@pytest.mark.parametrize("tenant", DEMO_REGIONS)
def test_every_function_and_the_rest_api_alarm_on_errors_to_the_alarms_topic(
    plans: dict[str, tuple[planning.Plan, Path]], tenant: str
) -> None:
    app = plans[tenant][0].stack("app").template
    topic = [{"Fn::ImportValue": f"nara-{tenant}-data-AlarmsTopicArn"}]
    alarms = [a["Properties"] for a in of_type(app, "AWS::CloudWatch::Alarm").values()]
    assert all(a["AlarmActions"] == topic and a["OKActions"] == topic for a in alarms)
    on_errors = {
        a["Dimensions"][0]["Value"]["Ref"]
        for a in alarms
        if (a["Namespace"], a["MetricName"]) == ("AWS/Lambda", "Errors")
    }
    functions = set(of_type(app, "AWS::Serverless::Function"))
    assert on_errors == functions
    consumers = {f"app.on_event_for_{c}" for c in CONSUMERS}
    assert consumers <= {app["Resources"][f]["Properties"]["Handler"] for f in on_errors}
    (api_alarm,) = [a for a in alarms if a["Namespace"] == "AWS/ApiGateway"]
    assert api_alarm["MetricName"] == "5XXError"
    dimensions = {d["Name"]: d["Value"] for d in api_alarm["Dimensions"]}
    (api,) = of_type(app, "AWS::Serverless::Api").values()
    assert dimensions == {"ApiName": api["Properties"]["Name"], "Stage": "api"}
    assert api["Properties"]["Name"] == f"nara-{tenant}-api"


# Where each kind of resource that has a name of its own (unique in the account, or in the world for buckets) has it.
NAMED = {
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::KMS::Alias": ("AliasName",),
    "AWS::SecretsManager::Secret": ("Name",),
    "AWS::CloudFront::OriginAccessControl": ("OriginAccessControlConfig", "Name"),
    "AWS::CloudFront::ResponseHeadersPolicy": ("ResponseHeadersPolicyConfig", "Name"),
    "AWS::CloudFront::CachePolicy": ("CachePolicyConfig", "Name"),
    "AWS::CloudFront::Function": ("Name",),
    "AWS::Serverless::Api": ("Name",),
    "AWS::ApiGatewayV2::Api": ("Name",),
}


def test_the_two_demo_regions_have_distinct_resources_named_after_each_region(
    plans: dict[str, tuple[planning.Plan, Path]],
) -> None:
    names: dict[str, set[str]] = {}
    for tenant, other in (("jonkoping", "kalmar"), ("kalmar", "jonkoping")):
        plan, out = plans[tenant]
        written = "\n".join((out / f).read_text() for s in plan.stacks for f in (s.template_file, s.parameters_file))
        assert other not in written.lower(), f"{other} appears in {tenant}'s stacks"
        names[tenant] = {s.name for s in plan.stacks}
        for _, template in _templates(plan):
            for logical, resource in template["Resources"].items():
                if resource["Type"] not in NAMED:
                    continue
                node = resource["Properties"]
                for key in NAMED[resource["Type"]]:
                    node = node[key]
                assert isinstance(node, str) and tenant in node, f"{logical}: {node!r} is not named after {tenant}"
                names[tenant].add(node)
            for output in template.get("Outputs", {}).values():
                if "Export" in output:
                    assert output["Export"]["Name"].startswith(f"nara-{tenant}-")
                    names[tenant].add(output["Export"]["Name"])
        assert all(s.name.startswith(f"nara-{tenant}-") for s in plan.stacks)
    assert len(names["kalmar"]) > 30
    assert not names["jonkoping"] & names["kalmar"]


# --- the web stack -------------------------------------------------------------------------------------------------


def _web(plans: dict[str, tuple[planning.Plan, Path]], tenant: str = "kalmar") -> dict[str, Any]:
    return plans[tenant][0].stack("web").template


def _csp(web: dict[str, Any], websocket: str) -> dict[str, str]:
    """The Content-Security-Policy as CloudFront sends it, for a given WebSocketDomain, by directive."""
    policy = web["Resources"]["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    joined = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]

    def value(node: Any) -> str:
        if isinstance(node, str):
            return node
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return str(separator).join(value(p) for p in parts)
        if "Fn::If" in node:
            condition, yes, no = node["Fn::If"]
            assert condition == "HasWebSocket"
            return value(yes if websocket else no)
        text = node["Fn::Sub"]
        return str(
            text.replace("${AWS::Region}", "eu-north-1")
            .replace("${AWS::URLSuffix}", "amazonaws.com")
            .replace("${WebSocketDomain}", websocket)
        )

    directives = [d.strip().split(" ", 1) for d in value(joined).split(";")]
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_the_web_stack_sends_the_security_headers(plans: dict[str, tuple[planning.Plan, Path]]) -> None:
    web = _web(plans)
    config = web["Resources"]["SecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= ONE_YEAR and hsts["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] in ("no-referrer", "same-origin", "strict-origin")
    assert all(h["Override"] is True for h in headers.values())
    custom = {h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]}
    permissions = dict(p.strip().split("=", 1) for p in custom["Permissions-Policy"].split(","))
    assert permissions["camera"] == permissions["microphone"] == "(self)"  # video meetings, on Nära's pages only
    assert all(v == "()" for k, v in permissions.items() if k not in ("camera", "microphone"))

    ws = "abc123.execute-api.eu-north-1.amazonaws.com"
    csp = _csp(web, ws)
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    connect = csp["connect-src"].split()
    photos = "https://nara-kalmar-photos.s3.eu-north-1.amazonaws.com"
    assert connect[0] == "'self'" and f"wss://{ws}" in connect and photos in connect  # the API is under /api
    assert set(connect) <= {"'self'", f"wss://{ws}", photos, "https://nara-kalmar-photos.s3.amazonaws.com"}
    assert "wss://" not in " ".join(_csp(web, "").values())  # before the app stack exists: no WebSocket at all
    assert "unsafe" not in csp["script-src"] + csp["default-src"] + csp["connect-src"]
    assert csp["style-src"] == "'self'"  # stylesheets only: no style attributes, no <style> elements


def test_the_frontends_use_no_inline_script_or_style_so_the_policy_breaks_nothing() -> None:
    """The local stack does not send the CloudFront policy, so the browser tests cannot see a violation: the sources
    are checked instead (a width set through the CSSOM, ``el.style.width = …``, is allowed by the policy)."""
    patterns = {
        "a style attribute from h()": r"\bstyle:\s*[`'\"]",
        "a <style> element made in script": r"createElement\(\s*[\"']style",
        "a <style> element": r"<style\b",
        "a style attribute in HTML": r"\sstyle=\"",
        "an inline <script>": r"<script>\s*\S",
        "an inline event handler": r"\son[a-z]+=\"",
    }
    offenders = [
        (str(path.relative_to(deploy.FRONTEND)), what)
        for path in sorted(deploy.FRONTEND.rglob("*"))
        if path.suffix in (".js", ".html") and "vendor" not in path.parts
        for what, pattern in patterns.items()
        if re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_frontends_bucket_is_private_and_read_only_by_the_distribution(
    plans: dict[str, tuple[planning.Plan, Path]],
) -> None:
    web = _web(plans)
    resources = web["Resources"]
    for name, bucket in of_type(web, "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
        ), name
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), name
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        (policy,) = [
            p for p in of_type(web, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": name}
        ]
        statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
        assert statements["DenyPlainHttp"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statements["DenyPlainHttp"]["Effect"] == "Deny"
    read = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][1]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert "${Distribution}" in read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]

    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    web_origin, api_origin = config["Origins"]["Fn::If"][1]
    assert web_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert web_origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # OAC, not the legacy identity
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    oac = resources["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"], oac["OriginAccessControlOriginType"]) == (
        "always",
        "sigv4",
        "s3",
    )
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Fn::If"][1]]
    assert all(b["ViewerProtocolPolicy"] == "redirect-to-https" for b in behaviours)
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeaders"} for b in behaviours)
    assert config["CacheBehaviors"]["Fn::If"][1][0]["PathPattern"] == "/api/*"


def test_config_js_tells_the_pages_where_the_api_and_websocket_are() -> None:
    config = load(REGIONS_DIR / "kalmar.yaml")
    text = deploy.config_js(config, "wss://abc.execute-api.eu-north-1.amazonaws.com/api")
    assert text.startswith("window.NARA_CONFIG = ") and text.endswith(";\n")
    settings = json.loads(text.removeprefix("window.NARA_CONFIG = ").removesuffix(";\n"))
    assert settings == {
        "apiBase": "/api",
        "wsUrl": "wss://abc.execute-api.eu-north-1.amazonaws.com/api",
        "region": "Region Kalmar län",
        "languages": ["sv", "en"],
        "branding": {  # the pages wear it, and show the logo from where deploy uploads it
            "logo": "kalmar-logo.svg",
            "logo_url": "/branding/kalmar-logo.svg",
            "primary": "#6b1d5c",
            "on_primary": "#ffffff",
            "accent": "#6b1d5c",
        },
        "accessibilityContact": "tillganglighet@nara-kalmar.example",
    }


# --- deploy, against moto's in-process AWS -----------------------------------------------------------------------

# Resource types of the three stacks that moto's CloudFormation (5.2) does not create: it skips them with a warning,
# so their creation, and what depends on their attributes, is not exercised here. Everything else is created.
NOT_CREATED_BY_MOTO = {
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::Subscription",
    "AWS::CloudWatch::Alarm",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudFront::Function",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::Distribution",
    # the app stack is SAM: moto does not run the Serverless transform
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::LayerVersion",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGateway::Account",  # the account's CloudWatch role for the APIs' access logs
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's AWS in this process, with boto3's ordinary configuration pointing nowhere else.

    moto 5.2 computes a stack's outputs and exports only for ``create_stack``, not when a change set creates or
    updates it; the patch gives change sets the same (as CloudFormation does), so outputs and ``Fn::ImportValue``
    between the stacks are exercised."""
    from moto import mock_aws
    from moto.cloudformation import models

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    apply = models.ChangeSet.apply

    def apply_with_outputs(change_set: Any) -> None:
        stack = change_set.stack
        backend = models.cloudformation_backends[stack.account_id][stack.region_name]
        stack.cross_stack_resources = stack.resource_map.cross_stack_resources = backend.exports
        apply(change_set)
        stack.template = change_set.template
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            backend.exports[export.name] = export

    monkeypatch.setattr(models.ChangeSet, "apply", apply_with_outputs)
    with mock_aws():
        yield


def _references(node: Any) -> set[str]:
    """The resources and imported exports a part of a template names (Ref, Fn::GetAtt, ${...} in Fn::Sub)."""
    found: set[str] = set()
    for _, value in walk(node):
        if isinstance(value, dict):
            if isinstance(value.get("Ref"), str):
                found.add(value["Ref"])
            if isinstance(value.get("Fn::GetAtt"), list):
                found.add(value["Fn::GetAtt"][0])
            if isinstance(value.get("Fn::ImportValue"), str):
                found.add(value["Fn::ImportValue"])
            sub = value.get("Fn::Sub")
            text = sub[0] if isinstance(sub, list) else sub
            if isinstance(text, str):
                found |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", text)}
    return found


def _as_moto_creates_it(plan: planning.Plan) -> tuple[planning.Plan, dict[str, set[str]]]:
    """The plan without what moto cannot create (NOT_CREATED_BY_MOTO), what depends on it (resources and outputs
    naming it, app-stack resources importing an export that is gone), and the app stack's two API URLs as the
    values CloudFormation gives them (they are made from the SAM APIs). Returns the dropped resources per stack."""
    stacks, dropped, gone_exports = [], {}, set()
    for stack in plan.stacks:
        template = copy.deepcopy(stack.template)
        resources = template["Resources"]
        drop = {n for n, r in resources.items() if r["Type"] in NOT_CREATED_BY_MOTO}
        while True:
            more = {n for n, r in resources.items() if n not in drop and _references(r) & (drop | gone_exports)}
            if not more:
                break
            drop |= more
        for name in drop:
            del resources[name]
        outputs = template.get("Outputs", {})
        for key, output in list(outputs.items()):
            if _references(output["Value"]) & drop:
                del outputs[key]
                if "Export" in output:
                    gone_exports.add(output["Export"]["Name"])
        if stack.role == "app":
            api = {"Value": "https://abc123defg.execute-api.eu-north-1.amazonaws.com/api/"}
            ws = {"Value": "wss://hij456klmn.execute-api.eu-north-1.amazonaws.com/api/"}
            outputs.update(EndpointURL=api, WebsocketConnectEndpointURL=ws)
        stacks.append(planning.Stack(stack.role, stack.name, template, stack.parameters, stack.capabilities))
        dropped[stack.role] = drop
    return planning.Plan(plan.config, tuple(stacks), plan.code), dropped


def test_moto_creates_every_resource_type_of_the_stacks_but_those_listed(
    plans: dict[str, tuple[planning.Plan, Path]],
) -> None:
    from moto.cloudformation.parsing import get_model_map

    plan = plans["kalmar"][0]
    used = {r["Type"] for _, t in _templates(plan) for r in t["Resources"].values()}
    assert used - set(get_model_map()) == NOT_CREATED_BY_MOTO & used, "update NOT_CREATED_BY_MOTO (and the report)"
    reduced, dropped = _as_moto_creates_it(plan)
    kept = {role: {r["Type"] for r in reduced.stack(role).template["Resources"].values()} for role in dropped}
    # What the moto deploy below creates for real; the rest is exercised by cfn-lint and the template tests only.
    assert kept["data"] == {
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::S3::Bucket",
        "AWS::Kinesis::Stream",
        "AWS::IAM::Role",
    }
    assert kept["web"] == {"AWS::S3::Bucket"}
    # the roles of the functions that read no secret, API Gateway's logs role and the APIs' access log groups; the
    # roles that import a secret's ARN go with the secrets (not created), the rest with the SAM functions and APIs
    assert kept["app"] == {"AWS::IAM::Role", "AWS::Logs::LogGroup"}


def _deployer(lines: list[str], confirm: Any = None) -> deploy.Deployer:
    session = boto3.session.Session(region_name="eu-north-1")
    return deploy.Deployer(session, confirm=confirm or (lambda _question: True), say=lines.append, poll_seconds=0)


def test_deploy_creates_data_web_and_app_through_change_sets_and_uploads_the_frontends(
    aws: None, plans: dict[str, tuple[planning.Plan, Path]]
) -> None:
    plan, _ = _as_moto_creates_it(plans["kalmar"][0])
    lines: list[str] = []
    deploy.deploy(plan, _deployer(lines))
    said = "\n".join(lines)
    order = [said.index(f"== nara-kalmar-{role}") for role in ("data", "web", "app")]
    assert order == sorted(order)
    for role in ("data", "web", "app"):
        assert f"nara-kalmar-{role}: creating change set" in said and f"nara-kalmar-{role}: CREATE_COMPLETE" in said

    cfn = boto3.client("cloudformation", region_name="eu-north-1")
    for role, status in (("data", "CREATE_COMPLETE"), ("web", "UPDATE_COMPLETE"), ("app", "CREATE_COMPLETE")):
        (stack,) = cfn.describe_stacks(StackName=f"nara-kalmar-{role}")["Stacks"]
        assert stack["StackStatus"] == status, role
        assert {"Key": "nara:tenant", "Value": "kalmar"} in stack["Tags"]
    policy = json.loads(cfn.get_stack_policy(StackName="nara-kalmar-data")["StackPolicyBody"])
    assert "LogicalResourceId/AuditTable" in policy["Statement"][1]["Resource"]

    dynamodb = boto3.client("dynamodb", region_name="eu-north-1")
    assert sorted(dynamodb.list_tables()["TableNames"]) == ["nara-kalmar-audit", "nara-kalmar-main"]
    # the directory the app reads: the region's settings, units and staff from its file
    directory = DynamoDirectory()
    assert directory.region("kalmar")["name"] == "Region Kalmar län"
    assert {u["unit_id"] for u in directory.units("kalmar")} == {u.unit_id for u in plan.config.units}
    assert directory.staff("kalmar", "SE2321000081-S004")["roles"][0]["role"] == "admin"
    assert "directory: region settings updated from the file; 4 units and 5 staff present" in said
    s3 = boto3.client("s3", region_name="eu-north-1")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="nara-kalmar-web")["Contents"]}
    assert {"citizen/index.html", "staff/index.html", "shared/app.js", "config.js"} <= keys
    # the region's logo, beside its configuration file, at the path config.js gives the pages (branding.logo_url)
    logo = s3.get_object(Bucket="nara-kalmar-web", Key="branding/kalmar-logo.svg")
    assert logo["ContentType"] == "image/svg+xml" and logo["CacheControl"] == "no-cache"
    assert logo["Body"].read() == (REGIONS_DIR / "kalmar-logo.svg").read_bytes()
    assert not any(k.endswith(".md") for k in keys)
    page = s3.get_object(Bucket="nara-kalmar-web", Key="citizen/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == "no-cache"
    assert page["Body"].read() == (deploy.FRONTEND / "citizen" / "index.html").read_bytes()
    artifacts = {o["Key"] for o in s3.list_objects_v2(Bucket="nara-kalmar-artifacts")["Contents"]}
    assert any(k.startswith("app/") and k.endswith("-deployment.zip") for k in artifacts)
    assert any(k.startswith("templates/nara-kalmar-app-") for k in artifacts)

    # On the first deploy the web stack learns the app stack's API hosts afterwards, and the pages the WebSocket.
    assert "== nara-kalmar-web (the app stack's API hosts)" in said
    (web,) = cfn.describe_stacks(StackName="nara-kalmar-web")["Stacks"]
    given = {p["ParameterKey"]: p["ParameterValue"] for p in web["Parameters"]}
    assert given["ApiDomain"] == "abc123defg.execute-api.eu-north-1.amazonaws.com"
    assert given["WebSocketDomain"] == "hij456klmn.execute-api.eu-north-1.amazonaws.com"
    config_js = s3.get_object(Bucket="nara-kalmar-web", Key="config.js")["Body"].read().decode()
    assert '"wsUrl": "wss://hij456klmn.execute-api.eu-north-1.amazonaws.com/api"' in config_js

    # The whole app stack (moto was given the part it creates) gets its code from S3, not from the local zips.
    full = plans["kalmar"][0]
    template, url = _deployer([]).upload_code(full.stack("app").template, full.code, "nara-kalmar-artifacts", "kalmar")
    uris = {r["Properties"]["CodeUri"] for r in of_type(template, "AWS::Serverless::Function").values()}
    (layer,) = [r["Properties"]["ContentUri"] for r in of_type(template, "AWS::Serverless::LayerVersion").values()]
    assert len(uris) == 1 and {*uris, layer} <= {f"s3://nara-kalmar-artifacts/{k}" for k in artifacts}
    assert url.startswith("https://nara-kalmar-artifacts.s3.eu-north-1.amazonaws.com/templates/nara-kalmar-app-")

    # A second deploy with nothing changed changes nothing.
    again: list[str] = []
    deploy.deploy(plan, _deployer(again))
    assert [line for line in again if line.endswith(": no changes")] == [
        f"nara-kalmar-{role}: no changes" for role in ("data", "web", "app")
    ]


def test_without_yes_deploy_shows_the_change_set_and_changes_nothing_when_told_no(
    aws: None, plans: dict[str, tuple[planning.Plan, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions: list[str] = []

    def answer(question: str) -> str:
        questions.append(question)
        return "n"

    monkeypatch.setattr(builtins, "input", answer)
    lines: list[str] = []
    with pytest.raises(deploy.DeployError, match="not executed"):
        deploy.deploy(plans["kalmar"][0], _deployer(lines, confirm=cli._ask))
    (question,) = questions
    assert question.startswith("Execute change set nara-") and "on nara-kalmar-data?" in question
    said = "\n".join(lines)
    assert re.search(r"Add\s+MainTable\s+AWS::DynamoDB::Table", said), said
    assert boto3.client("dynamodb", region_name="eu-north-1").list_tables()["TableNames"] == []
    # The refused first change set leaves the stack in REVIEW_IN_PROGRESS, as CloudFormation does; the next deploy
    # creates it with a CREATE change set. (Not run here: moto then keeps a second stack of the same name.)
    cfn = boto3.client("cloudformation", region_name="eu-north-1")
    assert cfn.describe_stacks(StackName="nara-kalmar-data")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"


def test_a_failing_stack_prints_the_failing_resources_reason_and_stops(
    aws: None, plans: dict[str, tuple[planning.Plan, Path]]
) -> None:
    """CloudFormation's failure and rollback, as its API reports them (moto does not fail or roll back)."""
    lines: list[str] = []
    deployer = _deployer(lines)
    stack = plans["kalmar"][0].stack("web")
    name = stack.name
    now = datetime.now(UTC)

    def described(status: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": name, "StackStatus": status, "CreationTime": now}]}

    def event(n: int, logical: str, kind: str, status: str, reason: str = "") -> dict[str, Any]:
        found = {
            "StackId": name,
            "EventId": f"e{n}",
            "StackName": name,
            "LogicalResourceId": logical,
            "ResourceType": kind,
            "Timestamp": now,
            "ResourceStatus": status,
        }
        return {**found, "ResourceStatusReason": reason} if reason else found

    before = [event(1, name, "AWS::CloudFormation::Stack", "CREATE_COMPLETE")]
    failed = "Invalid request provided: The parameter CNAMEs... is already associated with a different resource."
    after = [
        event(5, name, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE"),
        event(
            4, "SecurityHeaders", "AWS::CloudFront::ResponseHeadersPolicy", "UPDATE_FAILED", "Resource update cancelled"
        ),
        event(3, "Distribution", "AWS::CloudFront::Distribution", "UPDATE_FAILED", failed),
        event(2, name, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated"),
        *before,
    ]
    change_set = "arn:aws:cloudformation:eu-north-1:123456789012:changeSet/nara-x/1"
    with Stubber(deployer.cfn) as stub:
        stub.add_response("describe_stacks", described("UPDATE_COMPLETE"), {"StackName": name})
        stub.add_response("create_change_set", {"Id": change_set, "StackId": name}, None)
        stub.add_response(
            "describe_change_set",
            {
                "ChangeSetId": change_set,
                "StackName": name,
                "Status": "CREATE_COMPLETE",
                "Changes": [
                    {
                        "Type": "Resource",
                        "ResourceChange": {
                            "Action": "Modify",
                            "LogicalResourceId": "Distribution",
                            "ResourceType": "AWS::CloudFront::Distribution",
                            "Replacement": "False",
                        },
                    }
                ],
            },
            {"ChangeSetName": change_set},
        )
        stub.add_response("describe_stack_events", {"StackEvents": before}, {"StackName": name})
        stub.add_response("execute_change_set", {}, {"ChangeSetName": change_set})
        stub.add_response("describe_stacks", described("UPDATE_ROLLBACK_IN_PROGRESS"), {"StackName": name})
        stub.add_response("describe_stack_events", {"StackEvents": after[2:]}, {"StackName": name})
        stub.add_response("describe_stacks", described("UPDATE_ROLLBACK_COMPLETE"), {"StackName": name})
        stub.add_response("describe_stack_events", {"StackEvents": after}, {"StackName": name})
        with pytest.raises(deploy.DeployError) as stopped:
            deployer.apply(stack)
        stub.assert_no_pending_responses()
    assert str(stopped.value) == (
        f"{name}: UPDATE_ROLLBACK_COMPLETE\n  failed: Distribution (AWS::CloudFront::Distribution): {failed}"
    )
    said = "\n".join(lines)
    assert "Modify  Distribution" in said and "UPDATE_FAILED  " + failed in said  # each event as it came


def test_the_deploy_command_exits_1_with_the_reason(
    aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack that fails ends the command with exit 1 and CloudFormation's reason (no traceback)."""

    def fail(self: deploy.Deployer, stack: planning.Stack, **_: Any) -> dict[str, str]:
        raise deploy.DeployError(f"{stack.name}: ROLLBACK_COMPLETE\n  failed: MainTable: limit exceeded")

    monkeypatch.setattr(deploy.Deployer, "apply", fail)
    assert cli.main(["deploy", str(REGIONS_DIR / "kalmar.yaml"), "--yes", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "error: nara-kalmar-data: ROLLBACK_COMPLETE\n  failed: MainTable: limit exceeded" in err


def test_deploy_stops_watching_a_stack_that_never_finishes(aws: None) -> None:
    deployer = _deployer([])
    deployer.give_up_seconds = -1
    name = "nara-kalmar-web"
    in_progress = {
        "Stacks": [{"StackName": name, "StackStatus": "UPDATE_IN_PROGRESS", "CreationTime": datetime.now(UTC)}]
    }
    with Stubber(deployer.cfn) as stub:
        stub.add_response("describe_stacks", in_progress, {"StackName": name})
        stub.add_response("describe_stack_events", {"StackEvents": []}, {"StackName": name})
        with pytest.raises(deploy.DeployError, match="still UPDATE_IN_PROGRESS"):
            deployer._follow(name, set())
