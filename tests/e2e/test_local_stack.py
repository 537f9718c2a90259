"""The real local stack as a subprocess: the vertical slice over HTTP and a real WebSocket."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
import websockets
from botocore.exceptions import ClientError

from chalicelib.domain import rate_limits
from infrastructure import security_headers
from tests.stack import RunningStack, start_stack

pytestmark = pytest.mark.e2e

HUSKVARNA = "SE2321000057-VC01"
NASSJO = "SE2321000057-VC02"
TOLVAN = "191212121212"
GRETA = "199001012385"
ANNA_NURSE = "SE2321000057-S001"
KARIN_NURSE_NASSJO = "SE2321000057-S006"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _submit(stack: RunningStack, token: str, reason: str = "Halsont") -> dict[str, object]:
    return stack.send_case(token, unit_id=HUSKVARNA, reason=reason, free_text="Ont i halsen sedan i måndags")


def test_serves_both_frontends_and_the_openapi_document(stack: RunningStack) -> None:
    for path in ("/citizen/", "/staff/"):
        page = httpx.get(stack.origin + path)
        assert page.status_code == 200 and "<html" in page.text.lower()
    doc = httpx.get(f"{stack.origin}/api/openapi.json").json()
    assert "/citizen/triage" in doc["paths"] and "post" not in doc["paths"]["/citizen/cases"]
    units = httpx.get(f"{stack.origin}/api/units").json()["units"]
    assert len(units) == 4 and all("vårdcentralen" in u["name"].lower() for u in units)
    departments = httpx.get(f"{stack.origin}/api/emergency-departments").json()["departments"]
    assert departments and all(d["name"].startswith("Akutmottagningen") and d["phone"] for d in departments)


def test_case_reaches_the_queue_and_staff_message_reaches_the_citizens_websocket(stack: RunningStack) -> None:
    citizen, nurse = stack.login("citizen", TOLVAN), stack.login("staff", ANNA_NURSE)
    case = _submit(stack, citizen)
    queue = httpx.get(f"{stack.origin}/api/staff/queue", params={"unit_id": HUSKVARNA}, headers=_auth(nurse)).json()
    assert case["case_id"] in [c["case_id"] for c in queue["cases"]]

    async def converse() -> dict[str, object]:
        async with websockets.connect(stack.ws_connect_url(citizen)) as ws:
            async with httpx.AsyncClient() as client:
                posted = await client.post(
                    f"{stack.origin}/api/cases/{case['case_id']}/messages",
                    json={"text": "Hej! Har du feber?", "client_id": "nurse-1"},
                    headers=_auth(nurse),
                )
                assert posted.status_code == 201
            return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout=10)))

    pushed = asyncio.run(converse())
    assert pushed["type"] == "message"
    assert pushed["message"] == {**pushed["message"], "seq": 1, "text": "Hej! Har du feber?", "sender_kind": "staff"}


def test_pages_and_api_answers_carry_the_security_headers_cloudfront_sends(stack: RunningStack) -> None:
    """The headers of the one definition CloudFront's policy is made from, locally over plain HTTP (so without
    upgrade-insecure-requests), and no-store on an answer with patient data."""
    host = stack.origin.removeprefix("http://")
    expected = security_headers.headers(photos=[], websocket=f"ws://{host}", https=False)
    citizen = stack.login("citizen", TOLVAN)
    case = _submit(stack, citizen)
    answers = [httpx.get(stack.origin + path) for path in ("/citizen/", "/staff/", "/config.js", "/api/units")]
    patient_data = httpx.get(f"{stack.origin}/api/citizen/cases/{case['case_id']}", headers=_auth(citizen))
    for answer in [*answers, patient_data]:
        assert answer.status_code == 200, answer.url
        assert {name: answer.headers.get(name) for name in expected} == expected, answer.url
    policy = dict(d.strip().split(" ", 1) for d in expected["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert "upgrade-insecure-requests" not in expected["Content-Security-Policy"]
    assert patient_data.headers["Cache-Control"] == "no-store" and "Ont i halsen" in patient_data.text


def test_login_starts_over_the_limit_from_one_address_get_429_and_other_addresses_can_log_in(
    stack: RunningStack,
) -> None:
    """The gateway passes the client's own address, as API Gateway does: this test's client comes from 127.0.0.2,
    every other test's from 127.0.0.1."""
    limit = rate_limits.LOGIN_PER_MINUTE
    for attempt in range(2):  # a second go only if a minute began during the first (each window counts from zero),
        # from another address (what the first go sent in the new minute counts there)
        elsewhere = httpx.Client(
            base_url=stack.origin, transport=httpx.HTTPTransport(local_address=f"127.0.0.{2 + attempt}")
        )
        minute = int(time.time()) // 60
        answers = [elsewhere.get("/api/auth/oidc/siths/start") for _ in range(limit + 1)]
        if int(time.time()) // 60 == minute:
            break
    assert [a.status_code for a in answers] == [302] * limit + [429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Vänta" in refused.json()["error"]["message_sv"]
    assert stack.login("staff", ANNA_NURSE)  # from 127.0.0.1: unaffected


def test_table_stream_reaches_the_event_handlers_through_the_pump(stack: RunningStack) -> None:
    citizen, nurse = stack.login("citizen", GRETA), stack.login("staff", ANNA_NURSE)
    case = _submit(stack, citizen, reason="Ryggont")
    httpx.post(
        f"{stack.origin}/api/cases/{case['case_id']}/messages",
        json={"text": "Hej Greta", "client_id": "m-1"},
        headers=_auth(nurse),
    ).raise_for_status()
    deadline, types = time.monotonic() + 15, []
    while time.monotonic() < deadline:
        opened = httpx.get(f"{stack.origin}/api/staff/cases/{case['case_id']}", headers=_auth(nurse)).json()
        types = [entry["type"] for entry in opened["timeline"]]
        if types == ["CaseSubmitted", "MessagePosted"]:
            break
        time.sleep(0.2)
    assert types == ["CaseSubmitted", "MessagePosted"]


def test_a_referral_and_an_override_travel_through_the_stream_to_the_receiving_units_timeline(
    stack: RunningStack,
) -> None:
    citizen = stack.login("citizen", GRETA)
    anna, karin = stack.login("staff", ANNA_NURSE), stack.login("staff", KARIN_NURSE_NASSJO)
    case_id = str(_submit(stack, citizen, reason="Hosta")["case_id"])
    api = f"{stack.origin}/api/staff/cases/{case_id}"
    httpx.post(f"{api}/claim", headers=_auth(anna)).raise_for_status()
    override = {"priority": "P3", "reason": "Hostan har varat i tre veckor."}
    httpx.post(f"{api}/override", json=override, headers=_auth(anna)).raise_for_status()
    sbar = {
        "situation": "Hosta i tre veckor",
        "background": "Frisk",
        "assessment": "Behöver bedömas på plats",
        "recommendation": "Erbjud besök i Nässjö, där hon bor",
    }
    referral = {"to_unit_id": NASSJO, "to_profession": "nurse", **sbar}
    headers = {**_auth(anna), "Idempotency-Key": uuid.uuid4().hex}
    httpx.post(f"{api}/refer", json=referral, headers=headers).raise_for_status()

    queue = httpx.get(f"{stack.origin}/api/staff/queue", params={"unit_id": NASSJO}, headers=_auth(karin)).json()
    [entry] = [c for c in queue["cases"] if c["case_id"] == case_id]
    assert entry["referral"]["from_unit_id"] == HUSKVARNA and entry["priority"] == "P3" and entry["overridden"]
    httpx.post(f"{api}/referral/accept", headers=_auth(karin)).raise_for_status()
    wanted = ["CaseSubmitted", "CaseClaimed", "TriageOverridden", "CaseReferred", "ReferralAccepted", "CaseClaimed"]
    deadline, types = time.monotonic() + 20, []
    while time.monotonic() < deadline:
        opened = httpx.get(api, headers=_auth(karin)).json()
        types = [entry["type"] for entry in opened["timeline"]]
        if types == wanted:
            break
        time.sleep(0.3)
    assert types == wanted
    assert opened["claimed_by"] == KARIN_NURSE_NASSJO and opened["referrals"][0]["state"] == "accepted"


def test_websocket_handshake_without_a_valid_single_use_ticket_is_refused(stack: RunningStack) -> None:
    async def attempt(url: str) -> None:
        async with websockets.connect(url):
            pass

    token = stack.login("citizen", TOLVAN)
    used = stack.ws_connect_url(token)
    asyncio.run(attempt(used))  # the first use opens the connection
    refused_urls = [
        used,  # a ticket works once
        stack.ws_url,  # no ticket
        f"{stack.ws_url}?ticket=garbage",
        f"{stack.ws_url}?token={token}",  # a session token is not a ticket
    ]
    for url in refused_urls:
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            asyncio.run(attempt(url))
        assert refused.value.response.status_code == 403


def test_management_api_delivers_to_open_connections_and_answers_410_for_gone_ones(stack: RunningStack) -> None:
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=stack.origin,
        region_name="eu-north-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    with pytest.raises(ClientError) as gone:
        client.post_to_connection(ConnectionId="no-such-connection", Data=b"{}")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert gone.value.response["Error"]["Code"] == "GoneException"

    async def ping_pong() -> str:
        async with websockets.connect(stack.ws_connect_url(stack.login("citizen", TOLVAN))) as ws:
            await ws.send(json.dumps({"action": "ping"}))
            return str(await asyncio.wait_for(ws.recv(), timeout=10))

    # $default -> app.websocket_api.send -> management API -> this connection
    assert json.loads(asyncio.run(ping_pong())) == {"type": "pong"}


def test_staff_of_another_unit_cannot_open_the_case(stack: RunningStack) -> None:
    case = _submit(stack, stack.login("citizen", TOLVAN))
    other = stack.login("staff", KARIN_NURSE_NASSJO)
    response = httpx.get(f"{stack.origin}/api/staff/cases/{case['case_id']}", headers=_auth(other))
    assert response.status_code == 404
    assert "Ont i halsen" not in response.text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stops_cleanly_and_starts_again(tmp_path: Path) -> None:
    first = start_stack(tmp_path, timeout=90, regions=("jonkoping", "kalmar"))  # as `make run`: one region a child
    deadline = time.monotonic() + 30
    while len(pumps := [int(p) for p in re.findall(r"Event pump:\s+process (\d+)", first.log_path.read_text())]) < 2:
        assert time.monotonic() < deadline, "each region's stack names its event pump's process"
        time.sleep(0.2)
    assert all(_alive(pid) for pid in pumps)
    first.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert first.process.wait(timeout=30) == 0
    log = first.log_path.read_text()
    assert "Nära stopped (Region Jönköpings län)." in log and "Nära stopped (Region Kalmar län)." in log
    assert not [pid for pid in pumps if _alive(pid)], "an event pump outlived its stack"
    second = start_stack(tmp_path)
    try:
        assert httpx.get(f"{second.origin}/api/health").json()["status"] == "ok"
    finally:
        second.stop()


def _walk_triage(stack: RunningStack, token: str, intake: dict[str, object], answers: dict[str, object]) -> str:
    """Through the triage over the API: unknown questions get "no"; returns the finished draft's id."""
    headers = {**_auth(token), "Idempotency-Key": uuid.uuid4().hex}
    draft = httpx.post(f"{stack.origin}/api/citizen/triage", json=intake, headers=headers).json()
    while draft["step"] is not None:
        step = draft["step"]["id"]
        body = {"step_id": step, "value": answers.get(step, "no")}
        answered = httpx.post(
            f"{stack.origin}/api/citizen/triage/{draft['draft_id']}/answers", json=body, headers=headers
        )
        assert answered.status_code == 200, answered.text
        draft = answered.json()
    return str(draft["draft_id"])


def test_a_staff_message_reaches_the_citizen_as_an_sms_in_the_outbox(stack: RunningStack) -> None:
    citizen, nurse = stack.login("citizen", GRETA), stack.login("staff", ANNA_NURSE)
    intake = {"unit_id": HUSKVARNA, "reason": "Förkyld", "free_text": "Snuva", "notify_sms": "070-111 22 33"}
    cold = {"sex": "female", "pregnant": "no", "self_rated_health": 75, "complaint": "cold", "duration_days": 3}
    cold |= {"fever": "fever_under_39", "fever_days": 1}
    draft_id = _walk_triage(stack, citizen, intake, cold)
    sent = httpx.post(
        f"{stack.origin}/api/citizen/triage/{draft_id}/submit", json={"choose_contact": True}, headers=_auth(citizen)
    ).json()
    assert (sent["status"], sent["priority"]) == ("queued", "P5")  # Jag vill ändå ha kontakt
    httpx.post(
        f"{stack.origin}/api/cases/{sent['case_id']}/messages",
        json={"text": "Hej Greta, hur mår du idag?", "client_id": "n-1"},
        headers=_auth(nurse),
    ).raise_for_status()
    deadline, texts = time.monotonic() + 15, []
    while time.monotonic() < deadline and not texts:
        outbox = httpx.get(f"{stack.origin}/local/outbox.json").json()
        texts = [m["text"] for m in outbox["sms"] if m["to"] == "+46701112233"]
        time.sleep(0.2)
    assert texts and f"#/arenden/{sent['case_id']}" in texts[0]
    assert "Snuva" not in texts[0] and "hur mår du" not in texts[0]  # nothing about the case itself
    assert "+46701112233" in httpx.get(f"{stack.origin}/local/outbox").text


def test_a_region_wide_case_goes_to_the_health_centre_the_listing_register_names(stack: RunningStack) -> None:
    greta = stack.login("citizen", GRETA)  # listed at Nässjö in the demo's simulated listing register
    listing = httpx.get(f"{stack.origin}/api/citizen/listing", headers=_auth(greta)).json()
    assert listing == {"unit_id": NASSJO, "unit_name": "Vårdcentralen Nässjö"}
    case = stack.send_case(greta, unit_id=None, reason="Snuva")
    assert case["unit_id"] == NASSJO
    karin = stack.login("staff", KARIN_NURSE_NASSJO)
    view = httpx.get(f"{stack.origin}/api/staff/cases/{case['case_id']}", headers=_auth(karin)).json()
    assert view["routing"]["rule"] == "listed_unit" and view["routing"]["listed_unit_id"] == NASSJO
    assert "Vårdcentralen Nässjö" in view["routing"]["explanation"]["sv"]
    ali = stack.login("citizen", "198505059876")  # listed nowhere
    assert httpx.get(f"{stack.origin}/api/citizen/listing", headers=_auth(ali)).json()["unit_id"] is None
