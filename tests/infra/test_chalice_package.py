"""`chalice package` turns app.py into a SAM template with every entry point, and the CLI writes both stacks."""

from __future__ import annotations

import json
from pathlib import Path

from infrastructure.aws import __main__ as cli
from infrastructure.definitions import CONSUMERS
from tests.infra.templates import ROOT, TENANT, Stacks, function, of_type


def test_package_is_a_sam_template_on_python_3_11_with_dependencies_in_a_layer(stacks: Stacks) -> None:
    assert stacks.chalice["Transform"] == "AWS::Serverless-2016-10-31"
    functions = of_type(stacks.chalice, "AWS::Serverless::Function")
    assert {f["Properties"]["Runtime"] for f in functions.values()} == {"python3.11"}
    assert all(f["Properties"]["Layers"] == [{"Ref": "ManagedLayer"}] for f in functions.values())


def test_package_has_the_rest_api_on_stage_api(stacks: Stacks) -> None:
    (api,) = of_type(stacks.chalice, "AWS::Serverless::Api").values()
    assert api["Properties"]["StageName"] == "api"
    assert "/health" in api["Properties"]["DefinitionBody"]["paths"]
    assert function(stacks.chalice, "app")  # the REST handler is Chalice's app object itself


def test_package_has_the_websocket_api_with_its_three_routes(stacks: Stacks) -> None:
    (api,) = of_type(stacks.chalice, "AWS::ApiGatewayV2::Api").values()
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    routes = {r["Properties"]["RouteKey"] for r in of_type(stacks.chalice, "AWS::ApiGatewayV2::Route").values()}
    assert routes == {"$connect", "$default", "$disconnect"}
    (stage,) = of_type(stacks.chalice, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["StageName"] == "api"


def test_package_has_the_stream_handler_and_a_queue_handler_per_consumer(stacks: Stacks) -> None:
    stream = function(stacks.chalice, "on_table_change")
    assert [e["Type"] for e in stream["Events"].values()] == ["DynamoDB"]
    for consumer in CONSUMERS:
        queue = function(stacks.chalice, f"on_event_for_{consumer}")
        assert [e["Type"] for e in queue["Events"].values()] == ["SQS"]


def test_every_function_role_carries_the_stage_policy_file(stacks: Stacks) -> None:
    policy = json.loads((ROOT / ".chalice" / "policy-prod.json").read_text())
    roles = of_type(stacks.chalice, "AWS::IAM::Role")
    assert len(roles) == len(of_type(stacks.chalice, "AWS::Serverless::Function"))
    for role in roles.values():
        assert [p["PolicyDocument"] for p in role["Properties"]["Policies"]] == [policy]


def test_cli_writes_both_stacks_and_the_code_they_deploy(tmp_path: Path, stacks: Stacks) -> None:
    assert cli.main(["package", "--tenant", TENANT, "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "data-stack.json").read_text()) == stacks.data
    assert json.loads((tmp_path / "app-stack.json").read_text()) == stacks.app
    for code in ("deployment.zip", "layer-deployment.zip"):  # the functions' CodeUri and the layer's ContentUri
        assert (tmp_path / code).stat().st_size > 0


def test_cli_refuses_a_tenant_that_cannot_name_resources(tmp_path: Path) -> None:
    assert cli.main(["package", "--tenant", "Jönköping", "--out", str(tmp_path)]) == 1
    assert not list(tmp_path.iterdir())
