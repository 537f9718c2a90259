"""Two regions in the local stack, each a tenant with resources of its own (Region Jönköpings län and Region Kalmar
län): tokens and data of one are useless in the other. Every route of Jönköping's API is tried with Kalmar's
principals (401), Kalmar's API is asked for Jönköping's objects with its own principals (404), and nothing of one
region is found in the other's storage."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from infrastructure.local.embedded_aws import CREDENTIALS, REGION
from infrastructure.tenant_config import of_tenant
from tests.stack import RunningStack, start_stack

pytestmark = pytest.mark.e2e

HUSKVARNA = "SE2321000057-VC01"
KALMAR_CENTRUM = "SE2321000081-VC01"
TOLVAN = "191212121212"  # a citizen who has contacted both regions
ANNA_NURSE = "SE2321000057-S001"  # Jönköping
ELIN_NURSE = "SE2321000081-S001"  # Kalmar
LARS_ADMIN = "SE2321000081-S004"  # Kalmar, admin


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("regions"), timeout=90, regions=("jonkoping", "kalmar"))
    yield running
    running.stop()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _embedded_aws(stack: RunningStack, tenant: str) -> str:
    """The endpoint of a region's own embedded AWS, as its stack printed it."""
    log = stack.log_path.read_text(encoding="utf-8")
    name = re.escape(of_tenant(tenant).name)
    found = re.search(rf"Nära is running \({name}\).*?Embedded AWS:\s+(\S+)", log, re.DOTALL)
    assert found, f"{tenant}'s stack did not print its embedded AWS"
    return found.group(1)


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: ids.get(m.group(1), "x1"), path)


def test_every_route_of_one_region_refuses_the_other_regions_principals(regions: RunningStack) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    case = jonkoping.send_case(jonkoping.login("citizen", TOLVAN), unit_id=HUSKVARNA, reason="Halsont")
    strangers = {
        "citizen": kalmar.login("citizen", TOLVAN),
        "staff": kalmar.login("staff", ELIN_NURSE),
        "admin": kalmar.login("staff", LARS_ADMIN),
    }
    doc = httpx.get(f"{jonkoping.origin}/api/openapi.json").json()
    ids = {"case_id": str(case["case_id"]), "unit_id": HUSKVARNA, "token": "x1"}
    tried, wrong = 0, []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue  # public: the units, the emergency departments, the login endpoints
            for who, token in strangers.items():
                response = httpx.request(
                    method.upper(),
                    f"{jonkoping.origin}/api{_fill(path, ids)}",
                    headers={**_auth(token), "Idempotency-Key": "isolation-0001"},
                    json={},
                    timeout=15,
                )
                tried += 1
                if response.status_code != 401 or case["case_id"] in response.text or "Halsont" in response.text:
                    wrong.append((method.upper(), path, who, response.status_code, response.text[:120]))
    assert tried > 150 and not wrong, wrong


def test_a_region_answers_404_for_the_other_regions_objects_and_lists_none_of_them(regions: RunningStack) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    case_id = str(jonkoping.send_case(jonkoping.login("citizen", TOLVAN), unit_id=HUSKVARNA, reason="Hosta")["case_id"])
    own = str(kalmar.send_case(kalmar.login("citizen", TOLVAN), unit_id=KALMAR_CENTRUM, reason="Yrsel")["case_id"])
    citizen, nurse = kalmar.login("citizen", TOLVAN), kalmar.login("staff", ELIN_NURSE)
    api = f"{kalmar.origin}/api"
    assert httpx.get(f"{api}/citizen/cases/{case_id}", headers=_auth(citizen)).status_code == 404
    assert httpx.get(f"{api}/staff/cases/{case_id}", headers=_auth(nurse)).status_code == 404
    assert httpx.get(f"{api}/cases/{case_id}/messages", headers=_auth(nurse)).status_code == 404
    queue = httpx.get(f"{api}/staff/queue", params={"unit_id": HUSKVARNA}, headers=_auth(nurse))
    assert queue.status_code == 404 and HUSKVARNA not in queue.text
    mine = httpx.get(f"{api}/citizen/cases", headers=_auth(citizen)).json()
    assert [c["case_id"] for c in mine["cases"]] == [own]  # the same person: only what she sent to Kalmar
    units = {u["unit_id"] for u in httpx.get(f"{api}/units").json()["units"]}
    assert KALMAR_CENTRUM in units and HUSKVARNA not in units
    anna = jonkoping.login("staff", ANNA_NURSE)
    assert httpx.get(f"{jonkoping.origin}/api/staff/cases/{own}", headers=_auth(anna)).status_code == 404


def test_a_websocket_ticket_of_one_region_opens_nothing_in_the_other(regions: RunningStack) -> None:
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    token = kalmar.login("citizen", TOLVAN)

    async def connect() -> None:
        async with websockets.connect(kalmar.ws_connect_url(token).replace(kalmar.ws_url, jonkoping.ws_url)) as ws:
            await asyncio.wait_for(ws.recv(), timeout=5)

    with pytest.raises((InvalidStatus, ConnectionClosed)):
        asyncio.run(connect())


def test_nothing_of_one_region_is_in_the_other_regions_storage(regions: RunningStack) -> None:
    jonkoping = regions.region("jonkoping")
    case_id = str(jonkoping.send_case(jonkoping.login("citizen", TOLVAN), unit_id=HUSKVARNA, reason="Ont")["case_id"])
    # the other region's keys, units and cases (its name and address are known: it is a partner region)
    others = (("kalmar", ("T#jonkoping#", HUSKVARNA, case_id)), ("jonkoping", ("T#kalmar#", KALMAR_CENTRUM)))
    for tenant, foreign in others:
        client: Any = boto3.client(
            "dynamodb", region_name=REGION, endpoint_url=_embedded_aws(regions, tenant), **CREDENTIALS
        )
        tables = client.list_tables()["TableNames"]
        assert tables and all(t.startswith(f"nara-{tenant}-") for t in tables), tables
        for table in tables:
            items = json.dumps(client.scan(TableName=table)["Items"], ensure_ascii=False)
            assert not [f for f in foreign if f in items], (tenant, table)
        buckets = boto3.client(
            "s3", region_name=REGION, endpoint_url=_embedded_aws(regions, tenant), **CREDENTIALS
        ).list_buckets()
        assert all(b["Name"].startswith(f"nara-{tenant}-") for b in buckets["Buckets"])


def test_each_region_sends_its_texts_its_own_way(regions: RunningStack) -> None:
    """Kalmar sends SMS through its own HTTP gateway (here the simulator, with the region's token from Secrets
    Manager); Jönköping through Amazon SNS. A login link sent in Kalmar shows in Kalmar's outbox only."""
    jonkoping, kalmar = regions.region("jonkoping"), regions.region("kalmar")
    nurse = kalmar.login("staff", ELIN_NURSE)
    sent = httpx.post(
        f"{kalmar.origin}/api/staff/units/{KALMAR_CENTRUM}/phone-invites",
        json={"phone": "070-765 43 21"},
        headers={**_auth(nurse), "Idempotency-Key": "kalmar-invite-0001"},
    )
    assert sent.status_code == 201, sent.text
    outbox = httpx.get(f"{kalmar.origin}/local/outbox.json").json()["sms"]
    assert [(m["to"], m["kind"]) for m in outbox] == [("+46707654321", "phone_invite")]
    assert outbox[0]["text"].startswith(f"Logga in i Nära: {kalmar.origin}/citizen/#/ny-kontakt?inbjudan=")
    assert "+46707654321" not in httpx.get(f"{jonkoping.origin}/local/outbox.json").text
    forged = httpx.post(f"{kalmar.origin}/local/sms-gateway", json={"to": "+46700000000", "text": "x"})
    assert forged.status_code == 401  # the gateway takes only the region's token
