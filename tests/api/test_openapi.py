"""The OpenAPI document is generated from the routes and their models, and describes every route."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def test_openapi_describes_exactly_the_routes_the_app_serves(api: Api) -> None:
    import app as app_module

    status, doc = api.call("GET", "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.")
    served = {(path, method.lower()) for path, methods in app_module.app.routes.items() for method in methods}
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert described == served


def test_every_operation_names_its_models_and_errors(api: Api) -> None:
    doc: dict[str, Any] = api.call("GET", "/openapi.json")[1]
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["operationId"] and op["summary"], (path, method)
            for response in op["responses"].values():
                ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                if ref:
                    assert ref.split("/")[-1] in schemas
            if op.get("security"):
                assert "401" in op["responses"], (path, method)
    assert "ErrorBody" in schemas
    intake = schemas["BeginTriage"]
    assert intake["additionalProperties"] is False
    assert set(intake["required"]) == {"reason"}  # without a unit, routing finds it (docs/operations.md, "Routing")
    assert "post" not in doc["paths"]["/citizen/cases"]  # a case is made only through the triage


def test_the_documented_copy_in_docs_is_current(api: Api) -> None:
    import json
    from pathlib import Path

    copy = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8"))
    served = api.call("GET", "/openapi.json")[1]
    assert copy == served, "docs/openapi.json is stale: python -m chalicelib.api > docs/openapi.json"
