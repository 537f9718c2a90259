"""A region's own settings: non-secret ones are app-stack parameters, secrets live in the data stack's Secrets Manager.

BankID, Freja eID+ and SITHS are configured per region. Their URLs and client ids are parameters of the app stack
(empty: the method is off); their client secrets, and BankID's client certificate, key and CA, are secrets encrypted
with the region's key that the region fills itself. No template ever holds a secret value.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from infrastructure.aws import package
from tests.infra.templates import Stacks, exported, of_type, walk

DATA_KEY = {"Fn::GetAtt": ["DataKey", "Arn"]}
BANKID_SECRETS = {"BankIdCertSecret", "BankIdKeySecret", "BankIdCaSecret"}
OIDC_SECRETS = {"FrejaClientSecret": "NARA_FREJA_CLIENT_SECRET", "SithsClientSecret": "NARA_SITHS_CLIENT_SECRET"}
# read by the functions themselves when needed (by ARN or by name), never put in the environment
READ_SECRETS = BANKID_SECRETS | {"TurnSecret", "SmsTokenSecret", "RegionKeySecret", "ListingTokenSecret"}
# what the region puts itself (created as placeholders)
IDENTITY_SECRETS = READ_SECRETS | set(OIDC_SECRETS)
PARAMETER_SETTINGS = {
    "NARA_PUBLIC_ORIGIN": "PublicOrigin",
    "NARA_BANKID_URL": "BankIdUrl",
    "NARA_FREJA_ISSUER": "FrejaIssuer",
    "NARA_FREJA_CLIENT_ID": "FrejaClientId",
    "NARA_SITHS_ISSUER": "SithsIssuer",
    "NARA_SITHS_CLIENT_ID": "SithsClientId",
    "NARA_POPULATION_REGISTER_URL": "PopulationRegisterUrl",
    "NARA_LISTING_REGISTER_URL": "ListingRegisterUrl",
    "NARA_SMS_SENDER_ID": "SmsSenderId",
    "NARA_EMAIL_SENDER": "EmailSender",
}
URL_PARAMETERS = {
    "PublicOrigin",
    "BankIdUrl",
    "FrejaIssuer",
    "SithsIssuer",
    "PopulationRegisterUrl",
    "ListingRegisterUrl",
}
LAMBDA_ENVIRONMENT_BYTES = 4096  # all keys and values of a function's environment together
LONGEST_IMPORT = 160  # a data-stack name, URL or ARN (a stream ARN, at most about 130, is the longest)
LONGEST_PUT_SECRET = 256  # an OIDC client secret or the TURN secret: docs/deploy.md tells regions so
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:\$\{(\w+)\}\}\}")


def _variables(stacks: Stacks) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]["Environment"]["Variables"]
        for name, r in of_type(stacks.app, "AWS::Serverless::Function").items()
    }


def _secret_behind(stacks: Stacks, value: Any) -> str | None:
    """The data-stack secret a ``{{resolve:secretsmanager:${...}}}`` setting resolves, if it is one."""
    if not (isinstance(value, dict) and isinstance(value.get("Fn::Sub"), list)):
        return None
    text, variables = value["Fn::Sub"]
    found = DYNAMIC_REFERENCE.fullmatch(text)
    if found is None:
        return None
    ref = exported(stacks, variables[found.group(1)])
    return str(ref["Ref"])


def test_every_identity_secret_is_a_secret_encrypted_with_the_regions_key(stacks: Stacks) -> None:
    resources = stacks.data["Resources"]
    for name in IDENTITY_SECRETS:
        secret = resources[name]
        assert secret["Type"] == "AWS::SecretsManager::Secret", name
        assert secret["Properties"]["KmsKeyId"] == DATA_KEY, name
        assert secret["Properties"]["Name"].startswith(f"nara/{stacks.resources.tenant}/"), name
        assert (secret["DeletionPolicy"], secret["UpdateReplacePolicy"]) == ("Retain", "Retain"), name
        assert stacks.data["Outputs"][f"{name}Arn"]["Value"] == {"Ref": name}, name
    assert all(
        s["Properties"]["KmsKeyId"] == DATA_KEY for s in of_type(stacks.data, "AWS::SecretsManager::Secret").values()
    )


def test_no_template_holds_a_secret_value(stacks: Stacks) -> None:
    for which, template in stacks.both():
        for path, node in walk(template):
            assert not path.endswith("/SecretString"), f"{which}{path}"
            assert not (isinstance(node, str) and "-----BEGIN" in node), f"{which}{path}"
    for name in IDENTITY_SECRETS:  # created with a generated placeholder the region replaces
        assert set(stacks.data["Resources"][name]["Properties"]["GenerateSecretString"]) <= {
            "PasswordLength",
            "ExcludePunctuation",
        }
    for function_name, variables in _variables(stacks).items():
        for setting, value in variables.items():
            if re.search(r"_(SECRET|KEY)$", setting):
                assert _secret_behind(stacks, value), f"{function_name} {setting} is not a dynamic reference"


def test_oidc_client_secrets_reach_the_functions_as_dynamic_references(stacks: Stacks) -> None:
    for variables in _variables(stacks).values():
        for secret, setting in OIDC_SECRETS.items():
            assert _secret_behind(stacks, variables[setting]) == secret


def test_bankid_credentials_are_read_at_cold_start_and_never_put_in_the_environment(stacks: Stacks) -> None:
    for variables in _variables(stacks).values():
        by_arn = {
            exported(stacks, variables[f"NARA_BANKID_{part}_SECRET_ARN"])["Ref"] for part in ("CERT", "KEY", "CA")
        }
        assert by_arn == BANKID_SECRETS
        assert not {_secret_behind(stacks, value) for value in variables.values()} & READ_SECRETS


def test_the_functions_may_read_only_the_bankid_turn_sms_gateway_listing_and_region_key_secrets(stacks: Stacks) -> None:
    # which function reads which: tests/infra/test_function_grants.py
    roles = of_type(stacks.app, "AWS::IAM::Role")
    readers = set()
    for name, role in roles.items():
        secret_reads, key_uses = [], []
        for policy in role["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = set(statement["Action"]) if isinstance(statement["Action"], list) else {statement["Action"]}
                if any(a.startswith("secretsmanager:") for a in actions):
                    secret_reads.append((statement["Effect"], actions, _secrets(stacks, statement["Resource"])))
                condition = statement.get("Condition", {}).get("StringEquals", {})
                if "secretsmanager" in str(condition.get("kms:ViaService")):
                    context = _secrets(stacks, condition["kms:EncryptionContext:SecretARN"])
                    key_uses.append((statement["Effect"], actions, context))
        if not secret_reads:
            assert key_uses == [], name
            continue
        ((effect, actions, secrets),) = secret_reads
        assert (effect, actions) == ("Allow", {"secretsmanager:GetSecretValue"}) and secrets <= READ_SECRETS, name
        assert key_uses == [("Allow", {"kms:Decrypt"}, secrets)], name  # the key only to decrypt those secrets
        readers.add(name)
    assert "ApiHandlerRole" in readers and len(readers) < len(roles)


def _secrets(stacks: Stacks, resources: Any) -> set[str]:
    return {exported(stacks, r)["Ref"] for r in (resources if isinstance(resources, list) else [resources])}


def test_every_function_environment_fits_in_lambdas_4_kb(stacks: Stacks) -> None:
    # cfn-lint counts a reference's text, not what it resolves to; this bounds the resolved size.
    generated = {
        name: s["Properties"]["GenerateSecretString"]["PasswordLength"]
        for name, s in of_type(stacks.data, "AWS::SecretsManager::Secret").items()
        if name not in IDENTITY_SECRETS
    }
    longest_secret = {**generated, **dict.fromkeys(OIDC_SECRETS, LONGEST_PUT_SECRET)}

    def longest(value: Any) -> int:
        if isinstance(value, str):
            return len(value)
        if "Ref" in value:
            return int(stacks.app["Parameters"][value["Ref"]]["MaxLength"])
        if "Fn::ImportValue" in value:
            return LONGEST_IMPORT
        secret = _secret_behind(stacks, value)
        if secret is not None:
            return int(longest_secret[secret])  # a KeyError: a secret of unknown size reaches the environment
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        return len(package.PLACEHOLDER.sub("x" * 32, text))

    for name, variables in _variables(stacks).items():
        size = sum(len(key) + longest(value) for key, value in variables.items())
        assert size <= LAMBDA_ENVIRONMENT_BYTES, f"{name}: up to {size} bytes of environment"


def test_region_settings_are_app_stack_parameters_with_descriptions(stacks: Stacks) -> None:
    parameters = stacks.app["Parameters"]
    assert set(parameters) == set(PARAMETER_SETTINGS.values())
    for name, parameter in parameters.items():
        assert parameter["Type"] == "String", name
        assert len(parameter["Description"]) > 20, name
        assert parameter["Default"] == "", name  # a region may leave a method off
        assert parameter["MaxLength"] > 0, name
        if name in URL_PARAMETERS:
            assert re.fullmatch(parameter["AllowedPattern"], ""), name
            assert parameter["ConstraintDescription"], name
    for variables in _variables(stacks).values():
        for setting, parameter in PARAMETER_SETTINGS.items():
            assert variables[setting] == {"Ref": parameter}, setting


@pytest.mark.parametrize(
    ("parameter", "value", "allowed"),
    [
        ("PublicOrigin", "https://nara.rjl.se", True),
        ("PublicOrigin", "https://nara.rjl.se:8443", True),
        ("PublicOrigin", "https://nara.rjl.se/", False),
        ("PublicOrigin", "https://nara.rjl.se/citizen", False),
        ("PublicOrigin", "http://nara.rjl.se", False),
        ("BankIdUrl", "https://appapi2.bankid.com/rp/v6.0", True),
        ("BankIdUrl", "https://appapi2.test.bankid.com/rp/v6.0", True),
        ("BankIdUrl", "https://appapi2.bankid.com/rp/v5.1", False),
        ("BankIdUrl", "http://appapi2.bankid.com/rp/v6.0", False),
        ("FrejaIssuer", "https://issuer.example.se/oidc", True),
        ("FrejaIssuer", "https://issuer.example.se/oidc/", True),
        ("FrejaIssuer", "https://issuer.example.se/oidc?x=1", False),
        ("SithsIssuer", "http://idp.rjl.se", False),
        ("SithsIssuer", " https://idp.rjl.se", False),
        ("PopulationRegisterUrl", "https://folkbokforing.rjl.se/api", True),
        ("PopulationRegisterUrl", "ftp://folkbokforing.rjl.se", False),
        ("ListingRegisterUrl", "https://listning.rjl.se/api", True),
        ("ListingRegisterUrl", "http://listning.rjl.se/api", False),
        ("ListingRegisterUrl", "https://listning.rjl.se/api?token=x", False),
    ],
)
def test_url_parameters_take_only_https_urls(stacks: Stacks, parameter: str, value: str, allowed: bool) -> None:
    # CloudFormation matches AllowedPattern against the whole value, as fullmatch does (the patterns are plain
    # enough to mean the same in Java's regex dialect).
    assert bool(re.fullmatch(stacks.app["Parameters"][parameter]["AllowedPattern"], value)) is allowed


def _holds(node: Any, values: dict[str, str]) -> Any:
    """Evaluates the rule functions the app stack uses (Fn::Equals, Fn::Not, Fn::And, Fn::Or on Refs)."""
    if not isinstance(node, dict):
        return node
    if "Ref" in node:
        return values[node["Ref"]]
    ((function_name, args),) = node.items()
    operands = [_holds(arg, values) for arg in args]
    if function_name == "Fn::Equals":
        return operands[0] == operands[1]
    if function_name == "Fn::Not":
        return not operands[0]
    if function_name == "Fn::And":
        return all(operands)
    assert function_name == "Fn::Or", function_name
    return any(operands)


def _refused(stacks: Stacks, **given: str) -> set[str]:
    values = {name: p["Default"] for name, p in stacks.app["Parameters"].items()} | given
    return {
        name
        for name, rule in stacks.app["Rules"].items()
        if _holds(rule.get("RuleCondition", True), values)
        and not all(_holds(a["Assert"], values) for a in rule["Assertions"])
    }


def test_rules_refuse_a_half_configured_login_method(stacks: Stacks) -> None:
    origin = {"PublicOrigin": "https://nara.rjl.se"}
    freja = {"FrejaIssuer": "https://issuer.example.se/oidc", "FrejaClientId": "nara-rjl"}
    siths = {"SithsIssuer": "https://idp.rjl.se/oidc", "SithsClientId": "nara"}
    assert _refused(stacks) == set()  # nothing configured: the defaults deploy
    assert _refused(stacks, BankIdUrl="https://appapi2.bankid.com/rp/v6.0") == set()  # BankID needs no origin
    assert _refused(stacks, **origin, **freja, **siths) == set()
    assert _refused(stacks, **origin, FrejaIssuer=freja["FrejaIssuer"]) == {"FrejaIssuerAndClientIdTogether"}
    assert _refused(stacks, **origin, SithsClientId="nara") == {"SithsIssuerAndClientIdTogether"}
    assert _refused(stacks, **siths) == {"OidcNeedsPublicOrigin"}


def test_parameter_placeholders_become_refs_or_fn_sub_and_a_misspelt_one_fails(stacks: Stacks) -> None:
    broken = copy.deepcopy(stacks.chalice)
    variables = next(iter(of_type(broken, "AWS::Serverless::Function").values()))["Properties"]["Environment"]
    variables["Variables"]["NARA_X"] = "${PublicOrigin}/api"
    merged = package.merge(broken, stacks.data)
    handler = next(iter(of_type(merged, "AWS::Serverless::Function").values()))["Properties"]
    assert handler["Environment"]["Variables"]["NARA_X"] == {"Fn::Sub": "${PublicOrigin}/api"}
    variables["Variables"]["NARA_X"] = "${PublicOrgin}"
    with pytest.raises(ValueError, match="PublicOrgin"):
        package.merge(broken, stacks.data)


def test_a_placeholder_in_the_policy_that_names_nothing_fails_the_render(stacks: Stacks) -> None:
    broken = copy.deepcopy(stacks.chalice)
    role = next(iter(of_type(broken, "AWS::IAM::Role").values()))
    (statement,) = [
        s
        for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        if s["Sid"] == "AuditTableIsAppendOnly"
    ]
    statement["Resource"] = ["${AuditTabelArn}"]
    with pytest.raises(ValueError, match="AuditTabelArn"):
        package.merge(broken, stacks.data)


def test_a_parameter_may_not_share_a_name_with_a_data_stack_output(stacks: Stacks) -> None:
    data = copy.deepcopy(stacks.data)
    data["Outputs"]["PublicOrigin"] = {"Value": "x", "Export": {"Name": "nara-jonkoping-data-PublicOrigin"}}
    with pytest.raises(ValueError, match="PublicOrigin"):
        package.merge(stacks.chalice, data)
