"""The fuzzing tier's stage: the app in Chalice's test client over moto (in-process), with real objects to aim at.

One stage per pytest worker, built once (the objects of the access matrix: citizen A's case with a booking, a
meeting and a draft at unit A, the unit's template, schedule entries and staff). Operations that change their object
get fresh objects of their own (see ``FRESH``), so the order of the operations decides little. Requests go through a
``requests`` session whose adapter hands them to Chalice's test client: schemathesis sends and checks them exactly as
it would over the network, without a server.
"""

from __future__ import annotations

import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

from tests.api import test_access_matrix as matrix
from tests.api.conftest import _serve

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
BASE_URL = "http://nara.test/api"  # the document's server is "/api" (CloudFront's path to the API)
# The roles every operation is fuzzed as (names of the access matrix's principals), in this order.
ROLES = ("no_token", "admin", "nurse_unit", "citizen_a")
# Examples per operation, role and generation mode (valid data, invalid data); `make test` runs the default.
EXAMPLES = int(os.environ.get("NARA_FUZZ_EXAMPLES", "1"))


class ChaliceAdapter(BaseAdapter):
    """A transport adapter for ``requests`` that serves each request with the app in Chalice's test client."""

    def __init__(self, client: Any, count: Counter[str]) -> None:
        super().__init__()
        self._client = client
        self._count = count
        self._builder = HTTPAdapter()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlsplit(request.url or "")
        path = url.path.removeprefix("/api") or "/"
        if url.query:
            path += "?" + url.query
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = {name: str(value) for name, value in request.headers.items()}
        self._count["requests"] += 1
        answer = self._client.http.request(request.method or "GET", path, headers=headers, body=body)
        self._count[f"status_{answer.status_code // 100}xx"] += 1
        raw = HTTPResponse(
            body=io.BytesIO(answer.body or b""),
            headers=HTTPHeaderDict(answer.headers),
            status=answer.status_code,
            version=11,
            preload_content=False,
        )
        return self._builder.build_response(request, raw)

    def close(self) -> None:
        self._builder.close()


@dataclass
class Stage:
    world: matrix.World
    session: requests.Session
    count: Counter[str]
    sessions: dict[str, str] = field(default_factory=dict)

    def token(self, role: str, *, own: bool = False) -> str | None:
        """The role's session; ``own``: a new one (``/auth/logout`` ends the session it is sent with)."""
        if role == "no_token":
            return None
        if own or role not in self.sessions:
            principal = replace(matrix.PRINCIPALS[role], tenant=matrix.TENANT)
            token = self.world.api.token(principal)
            if own:
                return token
            self.sessions[role] = token
        return self.sessions[role]

    def names(self, method: str, path: str) -> dict[str, Any]:
        """Real ids for the operation's path parameters: the shared objects of side A, or fresh ones when the
        operation changes its object (a fresh claimed case to close, a fresh booking to cancel...)."""
        names: dict[str, Any] = {**matrix.FIXED, **self.world.shared["A"]}
        prepare = FRESH.get((method, path))
        if prepare is not None:
            names |= prepare(self.world, "A")
        return names


def _fresh_case_with_meeting(world: matrix.World, side: str) -> dict[str, Any]:
    case_id, meeting_id = world.meeting(side)
    return {"case_id": case_id, "meeting_id": meeting_id}


def _fresh_staff(world: matrix.World, side: str) -> dict[str, Any]:
    """A staff member of the unit of their own, whose roles the operation may change."""
    hsa_id = world.next("SE2321000016-FZ")
    world.api.container.directory.put_staff(
        matrix.TENANT, hsa_id, "Fuzz Fuzzsson", [{"unit_id": matrix.UNIT[side], "role": "nurse"}]
    )
    return {"hsa_id": hsa_id}


FRESH: dict[tuple[str, str], Callable[[matrix.World, str], dict[str, Any]]] = {
    **matrix.PREPARE,
    ("POST", "/staff/bookings/{booking_id}/no-show"): matrix._fresh_booked,
    ("POST", "/cases/{case_id}/messages"): matrix._fresh_claimed_patient,
    ("POST", "/staff/cases/{case_id}/photo-request"): matrix._fresh_claimed_patient,
    ("POST", "/staff/cases/{case_id}/video/{meeting_id}/end"): _fresh_case_with_meeting,
    ("PUT", "/staff/units/{unit_id}/staff/{hsa_id}"): _fresh_staff,
    ("PUT", "/staff/region/admins/{hsa_id}"): _fresh_staff,
}


def _aws() -> Iterator[None]:
    """moto in-process with the test region's tables and queues (as ``tests/conftest.py``'s ``aws`` fixture)."""
    import boto3
    from moto import mock_aws

    from infrastructure.definitions import TenantResources
    from infrastructure.local.embedded_aws import create_event_fanout, transactions_as_in_dynamodb

    transactions_as_in_dynamodb()
    resources = TenantResources(matrix.TENANT)
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(**resources.main_table)
        ddb.create_table(**resources.audit_table)
        fanout = create_event_fanout(boto3.client("sns"), boto3.client("sqs"), resources)
        os.environ["NARA_EVENTS_TOPIC_ARN"] = fanout.topic_arn
        yield


@pytest.fixture(scope="session")
def stage() -> Iterator[Stage]:
    from chalicelib import bootstrap

    aws = _aws()
    next(aws)
    monkeypatch = pytest.MonkeyPatch()
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    serving = _serve(bootstrap.container())
    api = next(serving)
    world = matrix._build(api, monkeypatch)
    built = Stage(world, requests.Session(), _TOTALS)
    built.session.mount("http://nara.test", ChaliceAdapter(api.client, built.count))
    yield built
    built.session.close()
    serving.close()
    monkeypatch.undo()
    bootstrap.container.cache_clear()
    aws.close()


# --- the run's totals, printed at the end (summed over the xdist workers) ----------------------------------------

_TOTALS: Counter[str] = Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["nara_fuzz"] = json.dumps(dict(_TOTALS))


def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}).get("nara_fuzz")
    if output:
        _TOTALS.update(json.loads(output))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _TOTALS:
        return
    shown = ", ".join(f"{name} {value}" for name, value in sorted(_TOTALS.items()))
    terminalreporter.write_line(f"fuzz totals ({EXAMPLES} examples per operation, role and mode): {shown}")
