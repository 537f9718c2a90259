"""What the fuzzing tier found, kept as plain tests (each failed before its fix)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import UNIT_A
from tests.fuzz.conftest import OPENAPI, Stage

DOCUMENT: dict[str, Any] = json.loads(OPENAPI.read_text())


@pytest.mark.parametrize("field", ["reason", "free_text"])
def test_a_null_in_the_intake_change_is_refused_with_422_not_a_server_error(stage: Stage, field: str) -> None:
    world = stage.world  # the fuzzing stage's app and moto (one moto per worker)
    body = {"unit_id": UNIT_A, "reason": "Ont i halsen", "free_text": "Sedan i går"}
    draft = world.ok("citizen_a", "POST", "/citizen/triage", body, key=True)

    status, answer = world.as_("citizen_a", "PATCH", f"/citizen/triage/{draft['draft_id']}", {field: None})

    assert status == 422, answer
    assert answer["error"]["field"] == field and answer["error"]["message_sv"]
    status, kept = world.as_("citizen_a", "GET", f"/citizen/triage/{draft['draft_id']}")
    assert status == 200 and kept["reason"] == "Ont i halsen" and kept["free_text"] == "Sedan i går"


def test_the_document_names_every_success_status_a_route_answers() -> None:
    """A repeated create answers 200, a first save of a schedule entry 201: both are in the document."""
    paths = DOCUMENT["paths"]
    both = {"200", "201"}
    assert both <= set(paths["/staff/units/{unit_id}/schedule/exceptions/{exception_id}"]["put"]["responses"])
    assert both <= set(paths["/staff/units/{unit_id}/schedule/availability/{availability_id}"]["put"]["responses"])
    assert both <= set(paths["/staff/templates"]["post"]["responses"])
    assert both <= set(paths["/cases/{case_id}/messages"]["post"]["responses"])
    assert both <= set(paths["/staff/region/units/{unit_id}"]["put"]["responses"])


def test_the_document_names_the_422_of_a_missing_idempotency_key() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
                assert "422" in operation["responses"], (method, path)


def test_the_document_is_openapi_3_1_as_its_json_schemas_are() -> None:
    """The models' schemas are JSON Schema 2020-12 (``anyOf`` with ``null``, numeric ``exclusiveMinimum``)."""
    assert DOCUMENT["openapi"] == "3.1.0"
