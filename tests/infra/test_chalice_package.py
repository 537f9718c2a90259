"""`chalice package` turns app.py into a SAM template with every entry point, and the CLI writes both stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def test_each_function_has_a_role_of_its_own_whose_base_is_the_stage_policy_file(stacks: Stacks) -> None:
    # the file holds what every function needs (its logs, the audit table's Deny); the rest is granted per function
    # by the merge (tests/infra/test_function_grants.py)
    policy = json.loads((ROOT / ".chalice" / "policy-prod.json").read_text())
    assert {s["Sid"] for s in policy["Statement"]} == {"WriteLogs", "AuditTableIsAppendOnly"}
    functions = of_type(stacks.chalice, "AWS::Serverless::Function").values()
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions]
    assert len(set(roles)) == len(roles)
    for role in roles:
        (document,) = [p["PolicyDocument"] for p in stacks.chalice["Resources"][role]["Properties"]["Policies"]]
        assert document == policy, role


def _access_log_group(stacks: Stacks, destination: dict[str, Any]) -> dict[str, Any]:
    text = destination["Fn::Sub"]
    assert text.startswith("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${")
    assert not text.endswith(":*")  # API Gateway refuses the ":*" that a log group's Fn::GetAtt Arn ends with
    return dict(stacks.app["Resources"][text.rsplit("${", 1)[1].rstrip("}")])


def test_the_websocket_stage_is_throttled_and_logs_each_message_to_a_group_kept_90_days(stacks: Stacks) -> None:
    (stage,) = of_type(stacks.app, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    throttle = props["DefaultRouteSettings"]
    assert 0 < throttle["ThrottlingRateLimit"] <= throttle["ThrottlingBurstLimit"] <= 1000  # the account has 10,000
    group = _access_log_group(stacks, props["AccessLogSettings"]["DestinationArn"])
    assert group["Type"] == "AWS::Logs::LogGroup" and group["Properties"]["RetentionInDays"] == 90
    logged = json.loads(props["AccessLogSettings"]["Format"])
    assert {"$context.connectionId", "$context.routeKey", "$context.status"} <= set(logged.values())
    assert not any("sourceIp" in v or "identity" in v for v in logged.values())  # no client address: personal data
    assert "ApiGatewayAccount" in stage["DependsOn"]  # the account's CloudWatch role is set before logging starts


def test_the_rest_stage_is_throttled_and_logs_each_request_to_a_group_kept_90_days(stacks: Stacks) -> None:
    (api,) = of_type(stacks.app, "AWS::Serverless::Api").values()
    props = api["Properties"]
    (settings,) = props["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"] <= 5000
    group = _access_log_group(stacks, props["AccessLogSetting"]["DestinationArn"])
    assert group["Type"] == "AWS::Logs::LogGroup" and group["Properties"]["RetentionInDays"] == 90
    logged = json.loads(props["AccessLogSetting"]["Format"])
    assert {"$context.requestId", "$context.resourcePath", "$context.status"} <= set(logged.values())
    assert not any("sourceIp" in v or "identity" in v for v in logged.values())
    assert "ApiGatewayAccount" in api["DependsOn"]


def test_api_gateway_may_write_the_access_logs_with_a_role_that_outlives_the_stack(stacks: Stacks) -> None:
    account = stacks.app["Resources"]["ApiGatewayAccount"]
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}
    role = stacks.app["Resources"]["ApiGatewayLogsRole"]
    # one setting per account and AWS region: a removed region's stack must not leave it naming a deleted role
    assert account["DeletionPolicy"] == role["DeletionPolicy"] == "Retain"
    (trusted,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trusted["Principal"] == {"Service": "apigateway.amazonaws.com"}
    (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert all(a.startswith("logs:") for a in statement["Action"])
    assert statement["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
    }


def test_cli_writes_both_stacks_and_the_code_they_deploy(tmp_path: Path, stacks: Stacks) -> None:
    assert cli.main(["package", "--tenant", TENANT, "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "data-stack.json").read_text()) == stacks.data
    assert json.loads((tmp_path / "app-stack.json").read_text()) == stacks.app
    for code in ("deployment.zip", "layer-deployment.zip"):  # the functions' CodeUri and the layer's ContentUri
        assert (tmp_path / code).stat().st_size > 0


def test_cli_refuses_a_tenant_that_cannot_name_resources(tmp_path: Path) -> None:
    assert cli.main(["package", "--tenant", "Jönköping", "--out", str(tmp_path)]) == 1
    assert not list(tmp_path.iterdir())
