"""Fuzzing (issue 10): schemathesis generates requests from ``docs/openapi.json`` for every operation, as each role
(no token, the unit's administrator, a nurse of the unit, a citizen with a case there), with valid data and with
data that breaks the schema; a fixed, derandomized seed. Every answer is checked:

- no server error (5xx),
- the status code is one the document names for the operation, and the body is of its content type and matches its
  schema (a 2xx its model, an error ``ErrorBody``),
- data that breaks the schema is refused (4xx), never accepted.

Path parameters are mostly the ids of real objects (``conftest.Stage.names``), so requests reach the handlers and
not only a 404; a share of them are generated. ``NARA_FUZZ_EXAMPLES`` sets the examples per operation, role and
mode: the default (1) is the sample in ``make test``; ``make fuzz`` runs the full run (more than 10,000 requests).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import BASE_URL, EXAMPLES, OPENAPI, ROLES, Stage

DOCUMENT: dict[str, Any] = json.loads(OPENAPI.read_text())
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item if method in METHODS
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Failure kinds by the three counts of the issue; anything else (a content type, a header) counts as a schema break.
KIND = {"ServerError": "server_errors", "AcceptedNegativeData": "accepted_invalid_input"}
SHOWN = 5  # failures shown per operation


def _strategies(operation: Any, mode: GenerationMode, real: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    """Three in four cases aim at real objects, the rest have generated path parameters too; the second strategy
    (only generated path parameters) is for invalid data where the real ids leave nothing else to break. The role's
    session is a fixed header: invalid data is made of the request's own parts, never by dropping the session."""
    fixed = {"headers": headers} if headers else {}
    free = operation.as_strategy(generation_mode=mode, **fixed)
    if not real:
        return [free]
    aimed = operation.as_strategy(generation_mode=mode, path_parameters=real, **fixed)
    return [st.one_of(aimed, aimed, aimed, free), free]


def _nothing_to_break(method: str, path: str, headers: dict[str, str]) -> bool:
    """No invalid request can be made: no body, no query or header parameters (a path parameter is any string),
    and no session left to break (the role's is fixed, or the route takes none). Hypothesis would look for one in
    vain for a thousand draws."""
    spec = DOCUMENT["paths"][path][method.lower()]
    parameters = [p for p in spec.get("parameters", []) if p["in"] != "path"]
    return "requestBody" not in spec and not parameters and (bool(headers) or not spec.get("security"))


def _fuzz(
    stage: Stage,
    operation: Any,
    role: str,
    mode: GenerationMode,
    real: dict[str, Any],
    counted: Counter[str],
    failures: list[str],
) -> None:
    """``NARA_FUZZ_EXAMPLES`` cases of the operation as the role, sent and checked; failures are collected."""
    token = stage.token(role, own=operation.path == "/auth/logout")
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        response = case.call(base_url=BASE_URL, session=stage.session, headers=headers)
        counted[f"{mode.value}_cases"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"base_url": BASE_URL})
        except FailureGroup as group:
            for failure in group.exceptions:
                counted[KIND.get(type(failure).__name__, "schema_breaks")] += 1
                if len(failures) < SHOWN:
                    failures.append(
                        f"{role} {mode.value} {type(failure).__name__}: {failure.title}\n"
                        f"  {case.as_curl_command(headers=headers)}\n"
                        f"  -> {response.status_code} {response.text[:300]}\n  {failure.message[:400]}"
                    )

    if mode is GenerationMode.NEGATIVE and _nothing_to_break(operation.method, operation.path, headers):
        counted["modes_without_invalid_data"] += 1
        return
    for strategy in _strategies(operation, mode, real, headers):
        try:
            given(case=strategy)(fuzz)()
            return
        except Unsatisfiable:
            continue
    counted["unexpectedly_without_invalid_data"] += 1  # should not happen: see _nothing_to_break


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_as_every_role(stage: Stage, method: str, path: str) -> None:
    operation = SCHEMA[path][method]
    names = stage.names(method, path)
    real = {p.name: names[p.name] for p in operation.path_parameters if p.name in names}
    failures: list[str] = []
    counted: Counter[str] = Counter()
    for role in ROLES:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(stage, operation, role, mode, real, counted, failures)
    counted["operations"] += 1
    stage.count.update(counted)
    for kind in ("server_errors", "schema_breaks", "accepted_invalid_input"):
        stage.count[kind] += 0
    total = sum(counted[kind] for kind in (*KIND.values(), "schema_breaks"))
    assert not failures, f"{method} {path}: {total} failures, the first:\n" + "\n".join(failures)
