"""``plan``: a region's three stacks, rendered from its configuration file, with the parameters each is deployed with.

- data, ``nara-<tenant>-data`` (``infrastructure/aws/data_stack.py``): tables, key, queues, topics, buckets, secrets,
  the access log archive, with the configuration's retention periods;
- web, ``nara-<tenant>-web`` (``infrastructure/aws/web_stack.py``): the frontends on S3 and CloudFront;
- app, ``nara-<tenant>-app`` (``chalice package`` merged by ``infrastructure/aws/package.py``): APIs and functions.

:func:`render` is pure (templates and parameters in memory); :func:`write` puts them into a directory, beside the app
stack's code; :func:`plan` runs ``chalice package`` and does both.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from infrastructure.aws import data_stack, package, web_stack
from infrastructure.definitions import TenantResources
from infrastructure.tenant_config import TenantConfig

IAM = ("CAPABILITY_IAM",)
SAM = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
ORDER = ("data", "web", "app")  # the order the stacks are deployed in: the app stack imports the data stack's outputs


@dataclass(frozen=True)
class Stack:
    role: str  # data, web or app
    name: str  # the CloudFormation stack name, nara-<tenant>-<role>
    template: dict[str, Any]
    parameters: dict[str, str]
    capabilities: tuple[str, ...] = ()

    @property
    def template_file(self) -> str:
        return f"{self.role}-stack.json"

    @property
    def parameters_file(self) -> str:
        return f"{self.role}-parameters.json"


@dataclass(frozen=True)
class Plan:
    config: TenantConfig
    stacks: tuple[Stack, ...]  # in ORDER
    code: tuple[Path, ...] = field(default=())  # the app stack's zips, once written

    def stack(self, role: str) -> Stack:
        (found,) = [s for s in self.stacks if s.role == role]
        return found


class PlanError(ValueError):
    """The configuration is valid but cannot be rendered into stacks; ``problems`` says why, field by field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


# The app stack's parameters, and the configuration field each comes from (docs/operations.md).
def app_parameters(config: TenantConfig) -> dict[str, str]:
    identity = config.identity
    return {
        "PublicOrigin": config.public_origin,
        "BankIdUrl": identity.bankid_url or "",
        "FrejaIssuer": identity.freja.issuer if identity.freja else "",
        "FrejaClientId": identity.freja.client_id if identity.freja else "",
        "SithsIssuer": identity.siths.issuer,
        "SithsClientId": identity.siths.client_id,
        # SMS through Amazon SNS needs the sender id; a region's own HTTP gateway is a region setting instead.
        "SmsSenderId": config.sms.sender_id if config.sms.provider == "sns" else "",
        "EmailSender": config.email_sender,
        "PopulationRegisterUrl": identity.population_register_url or "",
        "ListingRegisterUrl": identity.listing_register_url or "",
    }


# Where a problem with an app-stack parameter is in the configuration file.
FIELD_OF_PARAMETER = {
    "PublicOrigin": "public_origin",
    "BankIdUrl": "identity.bankid_url",
    "FrejaIssuer": "identity.freja.issuer",
    "FrejaClientId": "identity.freja.client_id",
    "SithsIssuer": "identity.siths.issuer",
    "SithsClientId": "identity.siths.client_id",
    "SmsSenderId": "sms.sender_id",
    "EmailSender": "email_sender",
    "PopulationRegisterUrl": "identity.population_register_url",
    "ListingRegisterUrl": "identity.listing_register_url",
}


def parameter_problems(parameters: dict[str, str], declared: dict[str, Any]) -> list[str]:
    """What CloudFormation would refuse in these parameter values (AllowedPattern, MaxLength), before it is asked."""
    problems = []
    for name, value in parameters.items():
        spec = declared[name]
        where = FIELD_OF_PARAMETER.get(name, name)
        if len(value) > spec.get("MaxLength", 4096):
            problems.append(f"{where}: at most {spec['MaxLength']} characters in AWS (the stack parameter {name})")
        elif "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
            problems.append(f"{where}: {value!r} is not {spec['ConstraintDescription']} (the stack parameter {name})")
    return problems


def render(
    config: TenantConfig,
    chalice: dict[str, Any],
    *,
    certificate_arn: str = "",
    api_domain: str = "",
    websocket_domain: str = "",
) -> Plan:
    """The three stacks of the region, from its configuration and what ``chalice package`` wrote (``sam.json``).

    ``certificate_arn`` (ACM, us-east-1) lets CloudFront serve the region's public origin; ``api_domain`` and
    ``websocket_domain`` are the app stack's API hosts once it exists (the deploy reads them from its outputs)."""
    resources = TenantResources(config.tenant)
    data = data_stack.render(
        resources,
        access_log_years=config.retention.access_log_years,
        photos_days=config.retention.photos_days,
    )
    app = package.merge(chalice, data)
    app_params = app_parameters(config)
    web_params = {
        "ApiDomain": api_domain,
        "WebSocketDomain": websocket_domain,
        "SiteDomain": urlsplit(config.public_origin).hostname or "",
        "CertificateArn": certificate_arn,
    }
    data_params = {"PublicOrigin": config.public_origin}
    problems = parameter_problems(app_params, package.PARAMETERS)
    problems += parameter_problems(web_params, web_stack.PARAMETERS)
    problems += parameter_problems(data_params, {"PublicOrigin": data_stack.PUBLIC_ORIGIN_PARAMETER})
    if problems:
        raise PlanError(list(dict.fromkeys(problems)))
    tenant = config.tenant
    return Plan(
        config,
        (
            Stack("data", data_stack.stack_name(tenant), data, data_params, IAM),
            Stack("web", web_stack.stack_name(tenant), web_stack.render(resources), web_params),
            Stack("app", f"nara-{tenant}-app", app, app_params, SAM),
        ),
    )


def parameters_file(parameters: dict[str, str]) -> list[dict[str, str]]:
    """The form ``aws cloudformation create-change-set --parameters file://...`` reads."""
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()]


def write(plan: Plan, out: Path, *, code: tuple[Path, ...] = ()) -> Plan:
    """Writes each stack's template and parameters file into ``out`` and copies the app stack's zips there."""
    out.mkdir(parents=True, exist_ok=True)
    for stack in plan.stacks:
        (out / stack.template_file).write_text(json.dumps(stack.template, indent=2, ensure_ascii=False) + "\n")
        (out / stack.parameters_file).write_text(json.dumps(parameters_file(stack.parameters), indent=2) + "\n")
    copied = tuple(Path(shutil.copy2(z, out / z.name)) for z in code)
    return Plan(plan.config, plan.stacks, copied or plan.code)


def plan(
    config: TenantConfig,
    out: Path,
    *,
    certificate_arn: str = "",
    api_domain: str = "",
    websocket_domain: str = "",
    stage: str = package.STAGE,
) -> Plan:
    """Runs ``chalice package`` and writes the region's stacks, parameters and code into ``out``."""
    with tempfile.TemporaryDirectory(prefix="nara-chalice-") as tmp:
        chalice = package.chalice_package(Path(tmp), stage=stage, region=config.aws_region)
        rendered = render(
            config,
            chalice,
            certificate_arn=certificate_arn,
            api_domain=api_domain,
            websocket_domain=websocket_domain,
        )
        return write(rendered, out, code=tuple(sorted(Path(tmp).glob("*.zip"))))


def summary(plan: Plan, out: Path) -> list[str]:
    """What ``plan`` wrote, a line each."""
    lines = [f"{plan.config.tenant}: {plan.config.name} -> {out}/"]
    for stack in plan.stacks:
        resources = stack.template["Resources"]
        kinds: dict[str, int] = {}
        for resource in resources.values():
            kind = resource["Type"].split("::")[-1]
            kinds[kind] = kinds.get(kind, 0) + 1
        most = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:6])
        lines.append(
            f"  {stack.name:<24} {stack.template_file} ({len(resources)} resources: {most}, ...), "
            f"{stack.parameters_file}"
        )
    for zip_file in plan.code:
        lines.append(f"  code                     {zip_file.name} ({zip_file.stat().st_size // 1024} KiB)")
    retention = plan.config.retention
    lines.append(
        f"  retention: access log {retention.access_log_years} years (Object Lock, compliance mode), "
        f"photos {retention.photos_days} days"
    )
    return lines
