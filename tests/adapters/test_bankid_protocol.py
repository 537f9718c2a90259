"""The real BankID client against the BankID v6.0 simulator, served by uvicorn on 127.0.0.1 over real HTTP.

The simulator's clock is a fake one that the tests move, so timeouts take no time; one more simulator on a
second prefix runs on the real clock with a half-second start timeout.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from chalicelib.adapters.bankid import AuthStarted, BankIdClient, BankIdError, BankIdUnavailable, Collected
from chalicelib.domain.bankid import CollectStatus, Flow, message_for_collect, qr_data, user_message
from infrastructure.local.bankid_sim import BankIdSimulator, routes
from tests.serving import serving

PREFIX = "/local/bankid"
REAL_TIME_PREFIX = "/realtime/bankid"
CLIENT_IP = "192.0.2.10"
TOLVAN, GRETA, ALI = "191212121212", "199001012385", "198505059876"


class FakeClock:
    def __init__(self) -> None:
        self._now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass
class Sim:
    origin: str
    clock: FakeClock
    simulator: BankIdSimulator
    client: BankIdClient
    app: httpx.Client

    def rp_url(self, prefix: str = PREFIX) -> str:
        return f"{self.origin}{prefix}/rp/v6.0"

    def app_call(self, action: str, body: dict[str, Any], prefix: str = PREFIX) -> httpx.Response:
        return self.app.post(f"{self.origin}{prefix}/app/{action}", json=body)

    def ok(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.app_call(action, body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def scan_fresh(self, order: AuthStarted, seconds: int) -> dict[str, Any]:
        return self.ok("scan", {"qrData": qr_data(order.qr_start_token, order.qr_start_secret, seconds)})


@pytest.fixture(scope="module")
def sim() -> Iterator[Sim]:
    clock = FakeClock()
    simulator = BankIdSimulator(clock=clock, today=lambda: date(2026, 11, 25))
    real_time = BankIdSimulator(start_timeout=0.5)
    app = Starlette(routes=[*routes(PREFIX, simulator=simulator), *routes(REAL_TIME_PREFIX, simulator=real_time)])
    with (
        serving(app) as origin,
        BankIdClient(f"{origin}{PREFIX}/rp/v6.0", timeout=5) as client,
        httpx.Client(timeout=5) as app_client,
    ):
        yield Sim(origin, clock, simulator, client, app_client)


@pytest.fixture(autouse=True)
def _service_is_up(sim: Sim) -> Iterator[None]:
    sim.simulator.outage = None
    yield
    sim.simulator.outage = None


def _collect(sim: Sim, order: AuthStarted) -> Collected:
    return sim.client.collect(order.order_ref)


# --- the happy paths ---------------------------------------------------------------------------------------


def test_qr_login_goes_from_outstanding_to_started_to_usersign_to_complete_with_the_chosen_person(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP, user_visible_data="Logga in på Nära")
    first = _collect(sim, order)
    assert (first.status, first.hint_code, first.completion) == (CollectStatus.PENDING, "outstandingTransaction", None)

    sim.clock.advance(2)
    view = sim.scan_fresh(order, 2)
    assert view["state"] == "started"
    assert view["userVisibleData"] == "Logga in på Nära"
    assert _collect(sim, order).hint_code == "started"

    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": GRETA})
    assert _collect(sim, order).hint_code == "userSign"

    sim.ok("approve", {"ticket": view["ticket"]})
    done = _collect(sim, order)
    assert done.status is CollectStatus.COMPLETE
    assert done.hint_code is None
    completion = done.completion
    assert completion is not None
    assert (completion.personal_number, completion.name, completion.given_name, completion.surname) == (
        GRETA,
        "Greta Andersson",
        "Greta",
        "Andersson",
    )
    assert completion.ip_address == "127.0.0.1"  # the device the "app" ran on
    assert completion.uhi
    assert date.fromisoformat(completion.bankid_issue_date) <= date(2026, 11, 25)
    assert b"Signature" in base64.b64decode(completion.signature)
    assert base64.b64decode(completion.ocsp_response)
    assert GRETA not in repr(completion)


def test_a_finished_order_can_be_collected_only_once(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    view = sim.scan_fresh(order, 0)
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": TOLVAN})
    sim.ok("approve", {"ticket": view["ticket"]})
    assert _collect(sim, order).status is CollectStatus.COMPLETE
    with pytest.raises(BankIdError) as caught:
        _collect(sim, order)
    assert caught.value.error_code == "invalidParameters"


def test_same_device_login_tries_to_start_the_app_then_asks_the_user_to_start_it(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    pending = _collect(sim, order)
    assert pending.hint_code == "outstandingTransaction"
    assert message_for_collect(pending.status, pending.hint_code, flow=Flow.SAME_DEVICE) == "RFA13"

    sim.clock.advance(sim.simulator.no_client_after + 1)
    no_client = _collect(sim, order)
    assert (no_client.status, no_client.hint_code) == (CollectStatus.PENDING, "noClient")
    assert message_for_collect(no_client.status, no_client.hint_code, flow=Flow.SAME_DEVICE) == "RFA1"

    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    assert view["state"] == "started"
    assert _collect(sim, order).hint_code == "started"


def test_a_typed_personal_number_that_is_not_in_the_list_is_used_with_the_given_name(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": "701063-2391", "name": "Sam Ordning"})
    sim.ok("approve", {"ticket": view["ticket"]})
    completion = _collect(sim, order).completion
    assert completion is not None
    assert (completion.personal_number, completion.given_name, completion.surname) == ("197010632391", "Sam", "Ordning")


def test_orders_without_a_personal_number_are_independent(sim: Sim) -> None:
    first, second = sim.client.auth(CLIENT_IP), sim.client.auth(CLIENT_IP)
    view = sim.ok("open", {"autoStartToken": first.auto_start_token})
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": ALI})
    sim.ok("approve", {"ticket": view["ticket"]})
    assert _collect(sim, first).status is CollectStatus.COMPLETE
    assert _collect(sim, second).hint_code == "outstandingTransaction"


# --- failures the user or the relying party causes -----------------------------------------------------------


def test_user_cancelling_in_the_app_fails_the_order_with_usercancel(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    view = sim.scan_fresh(order, 0)
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": TOLVAN})
    assert sim.ok("cancel", {"ticket": view["ticket"]})["state"] == "failed"
    result = _collect(sim, order)
    assert (result.status, result.hint_code) == (CollectStatus.FAILED, "userCancel")


def test_an_order_cancelled_by_the_relying_party_is_gone(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    view = sim.scan_fresh(order, 0)
    sim.client.cancel(order.order_ref)
    with pytest.raises(BankIdError) as caught:
        _collect(sim, order)
    assert (caught.value.error_code, caught.value.http_status) == ("invalidParameters", 400)
    with pytest.raises(BankIdError):
        sim.client.cancel(order.order_ref)
    # the app sees that the service gave up and cannot approve any more
    assert sim.ok("status", {"ticket": view["ticket"]})["state"] == "cancelled"
    refused = sim.app_call("identify", {"ticket": view["ticket"], "personalNumber": TOLVAN})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "order_cancelled")


def test_an_order_not_started_in_time_expires(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    sim.clock.advance(sim.simulator.start_timeout + 1)
    result = _collect(sim, order)
    assert (result.status, result.hint_code) == (CollectStatus.FAILED, "expiredTransaction")


def test_an_order_started_but_not_approved_in_time_expires(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": TOLVAN})
    sim.clock.advance(sim.simulator.sign_timeout + 1)
    assert _collect(sim, order).hint_code == "expiredTransaction"
    refused = sim.app_call("approve", {"ticket": view["ticket"]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "order_expired")


def test_the_start_timeout_runs_on_the_real_clock_too(sim: Sim) -> None:
    with BankIdClient(sim.rp_url(REAL_TIME_PREFIX), timeout=5) as client:
        order = client.auth(CLIENT_IP)
        assert client.collect(order.order_ref).hint_code == "outstandingTransaction"
        time.sleep(0.7)
        assert client.collect(order.order_ref).hint_code == "expiredTransaction"


def test_an_app_that_cannot_start_fails_the_order_with_startfailed(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    assert sim.ok("fail-start", {"autoStartToken": order.auto_start_token})["hintCode"] == "startFailed"
    result = _collect(sim, order)
    assert (result.status, result.hint_code) == (CollectStatus.FAILED, "startFailed")


def test_a_second_order_for_the_same_personal_number_cancels_both(sim: Sim) -> None:
    first = sim.client.auth(CLIENT_IP, personal_number=ALI)
    with pytest.raises(BankIdError) as caught:
        sim.client.auth(CLIENT_IP, personal_number=ALI)
    assert caught.value.error_code == "alreadyInProgress"
    assert caught.value.message_id == "RFA4"
    result = _collect(sim, first)
    assert (result.status, result.hint_code) == (CollectStatus.FAILED, "cancelled")


def test_the_app_refuses_another_person_than_the_order_requires(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP, personal_number=TOLVAN)
    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    refused = sim.app_call("identify", {"ticket": view["ticket"], "personalNumber": GRETA})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "wrong_person")
    sim.client.cancel(order.order_ref)


# --- QR codes that must not work -------------------------------------------------------------------------------


def test_forged_qr_data_is_refused_and_the_order_stays_pending(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    forged = qr_data(order.qr_start_token, "not-the-secret", 0)
    refused = sim.app_call("scan", {"qrData": forged})
    error = refused.json()["error"]
    assert (refused.status_code, error["code"]) == (400, "qr_forged")
    assert "inte äkta" in error["message_sv"] and "not genuine" in error["message_en"]
    assert _collect(sim, order).hint_code == "outstandingTransaction"


def test_qr_data_with_a_time_ahead_of_the_real_time_is_refused(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    refused = sim.app_call("scan", {"qrData": qr_data(order.qr_start_token, order.qr_start_secret, 20)})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "qr_forged")


def test_stale_qr_data_is_refused_but_the_current_code_works(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    old = qr_data(order.qr_start_token, order.qr_start_secret, 0)
    sim.clock.advance(sim.simulator.qr_max_age + 2)
    refused = sim.app_call("scan", {"qrData": old})
    error = refused.json()["error"]
    assert (refused.status_code, error["code"]) == (400, "qr_stale")
    assert "för gammal" in error["message_sv"] and "too old" in error["message_en"]
    assert sim.scan_fresh(order, int(sim.simulator.qr_max_age + 2))["state"] == "started"


def test_qr_data_of_an_order_already_started_is_refused(sim: Sim) -> None:
    order = sim.client.auth(CLIENT_IP)
    sim.scan_fresh(order, 0)
    again = sim.app_call("scan", {"qrData": qr_data(order.qr_start_token, order.qr_start_secret, 0)})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "order_in_use")


def test_text_that_is_not_bankid_qr_data_is_refused(sim: Sim) -> None:
    refused = sim.app_call("scan", {"qrData": "https://example.com"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "qr_unreadable")


# --- protocol errors -------------------------------------------------------------------------------------------


def test_an_unknown_order_ref_is_refused_as_no_such_order(sim: Sim) -> None:
    # The real service answers 400 invalidParameters "No such order"; notFound is for a wrong URL (below).
    with pytest.raises(BankIdError) as caught:
        sim.client.collect("00000000-0000-4000-8000-000000000000")
    error = caught.value
    assert (error.error_code, error.details, error.http_status) == ("invalidParameters", "No such order", 400)
    assert not error.retryable
    assert error.message_id == "RFA22"


def test_a_wrong_url_is_notfound_and_a_wrong_method_is_methodnotallowed(sim: Sim) -> None:
    missing = sim.app.post(f"{sim.rp_url()}/nothing-here", json={})
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "notFound")
    wrong_method = sim.app.get(f"{sim.rp_url()}/collect")
    assert (wrong_method.status_code, wrong_method.json()["errorCode"]) == (405, "methodNotAllowed")


def test_a_body_that_is_not_json_is_unsupported_media_type(sim: Sim) -> None:
    response = sim.app.post(
        f"{sim.rp_url()}/auth",
        content=b"endUserIp=1.2.3.4",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (response.status_code, response.json()["errorCode"]) == (415, "unsupportedMediaType")


@pytest.mark.parametrize("ip", ["", "not-an-ip", "300.1.1.1", "192.0.2.1/24"])
def test_an_invalid_end_user_ip_is_invalid_parameters(sim: Sim, ip: str) -> None:
    with pytest.raises(BankIdError) as caught:
        sim.client.auth(ip)
    assert (caught.value.error_code, caught.value.details) == ("invalidParameters", "Invalid endUserIp")


def test_ipv6_end_user_ip_is_accepted(sim: Sim) -> None:
    order = sim.client.auth("2001:db8::1")
    sim.client.cancel(order.order_ref)


def test_maintenance_is_retryable_and_asks_the_user_to_try_again(sim: Sim) -> None:
    sim.simulator.outage = "maintenance"
    with pytest.raises(BankIdUnavailable) as caught:
        sim.client.auth(CLIENT_IP)
    assert (caught.value.error_code, caught.value.http_status) == ("maintenance", 503)
    assert caught.value.retryable
    assert caught.value.message_id == "RFA5"


def test_an_internal_error_is_not_retried_automatically(sim: Sim) -> None:
    sim.simulator.outage = "internalError"
    with pytest.raises(BankIdError) as caught:
        sim.client.auth(CLIENT_IP)
    assert caught.value.error_code == "internalError"
    assert not caught.value.retryable
    assert caught.value.message_id == "RFA5"


def test_an_unreachable_service_is_a_retryable_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with (
        BankIdClient(f"http://127.0.0.1:{closed_port}/rp/v6.0", timeout=2) as client,
        pytest.raises(BankIdUnavailable) as caught,
    ):
        client.collect("x")
    assert caught.value.error_code == "connectionError"


def test_a_slow_answer_is_a_retryable_client_timeout() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with (
        BankIdClient("http://127.0.0.1/rp/v6.0", transport=httpx.MockTransport(hang)) as client,
        pytest.raises(BankIdUnavailable) as caught,
    ):
        client.collect("x")
    assert caught.value.error_code == "clientTimeout"


def test_a_gateway_error_without_a_bankid_body_is_retryable() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text="<html>Bad gateway</html>"))
    with (
        BankIdClient("http://127.0.0.1/rp/v6.0", transport=transport) as client,
        pytest.raises(BankIdUnavailable) as caught,
    ):
        client.collect("x")
    assert caught.value.http_status == 502


def test_the_client_sends_the_v6_request_shapes() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"orderRef": "o", "autoStartToken": "a", "qrStartToken": "q", "qrStartSecret": "s"}
        )

    with BankIdClient("https://appapi2.test.bankid.com/rp/v6.0", transport=httpx.MockTransport(record)) as client:
        client.auth("192.0.2.1", user_visible_data="Logga in på Nära", personal_number=TOLVAN)
    request = seen[0]
    assert str(request.url) == "https://appapi2.test.bankid.com/rp/v6.0/auth"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "endUserIp": "192.0.2.1",
        "userVisibleData": base64.b64encode("Logga in på Nära".encode()).decode(),
        "requirement": {"personalNumber": TOLVAN},
    }


@pytest.mark.parametrize(
    ("base_url", "kwargs", "problem"),
    [
        ("https://appapi2.test.bankid.com/rp/v6.0", {}, "client_cert, client_key and ca_bundle"),
        ("http://appapi2.test.bankid.com/rp/v6.0", {}, "HTTPS"),
        ("http://10.0.0.5/local/bankid/rp/v6.0", {}, "HTTPS"),
        ("https://appapi2.test.bankid.com/rp/v5.1", {}, "/rp/v6.0"),
    ],
)
def test_a_misconfigured_client_is_refused_at_construction(base_url: str, kwargs: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace(".", r"\.")):
        BankIdClient(base_url, **kwargs)


# --- what the user is told, in Swedish and English, for each hint the simulator produces ----------------------


def _to_outstanding(sim: Sim) -> AuthStarted:
    return sim.client.auth(CLIENT_IP)


def _to_no_client(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    sim.clock.advance(sim.simulator.no_client_after + 0.5)
    return order


def _to_started(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    sim.ok("open", {"autoStartToken": order.auto_start_token})
    return order


def _to_user_sign(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    sim.ok("identify", {"ticket": view["ticket"], "personalNumber": TOLVAN})
    return order


def _to_user_cancel(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    view = sim.ok("open", {"autoStartToken": order.auto_start_token})
    sim.ok("cancel", {"ticket": view["ticket"]})
    return order


def _to_expired(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    sim.clock.advance(sim.simulator.start_timeout + 1)
    return order


def _to_start_failed(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP)
    sim.ok("fail-start", {"autoStartToken": order.auto_start_token})
    return order


def _to_cancelled(sim: Sim) -> AuthStarted:
    order = sim.client.auth(CLIENT_IP, personal_number=GRETA)
    with pytest.raises(BankIdError):
        sim.client.auth(CLIENT_IP, personal_number=GRETA)
    return order


@pytest.mark.parametrize(
    ("drive", "flow", "hint", "message_id", "sv", "en"),
    [
        (
            _to_outstanding,
            Flow.SAME_DEVICE,
            "outstandingTransaction",
            "RFA13",
            "Försöker starta BankID-appen.",
            "Trying to start your BankID app.",
        ),
        (
            _to_outstanding,
            Flow.OTHER_DEVICE,
            "outstandingTransaction",
            "RFA1",
            "Starta BankID-appen.",
            "Start your BankID app.",
        ),
        (_to_no_client, Flow.OTHER_DEVICE, "noClient", "RFA1", "Starta BankID-appen.", "Start your BankID app."),
        (_to_started, Flow.SAME_DEVICE, "started", "RFA15A", "Söker efter BankID", "Searching for BankID"),
        (
            _to_user_sign,
            Flow.OTHER_DEVICE,
            "userSign",
            "RFA9",
            "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
            "Enter your security code in the BankID app and select Identify or Sign.",
        ),
        (_to_user_cancel, Flow.OTHER_DEVICE, "userCancel", "RFA6", "Åtgärden avbruten.", "Action cancelled."),
        (
            _to_expired,
            Flow.OTHER_DEVICE,
            "expiredTransaction",
            "RFA8",
            "BankID-appen svarar inte.",
            "The BankID app is not responding.",
        ),
        (
            _to_start_failed,
            Flow.SAME_DEVICE,
            "startFailed",
            "RFA17A",
            "BankID-appen verkar inte finnas i din dator eller telefon.",
            "The BankID app couldn’t be found on your computer or mobile device.",
        ),
        (
            _to_start_failed,
            Flow.OTHER_DEVICE,
            "startFailed",
            "RFA17B",
            "Misslyckades att läsa av QR-koden.",
            "Failed to scan the QR code.",
        ),
        (
            _to_cancelled,
            Flow.OTHER_DEVICE,
            "cancelled",
            "RFA3",
            "Åtgärden avbruten. Försök igen.",
            "Action cancelled. Please try again.",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("RFA") else None,
)
def test_each_hint_from_the_service_gives_the_recommended_message_in_swedish_and_english(
    sim: Sim,
    drive: Callable[[Sim], AuthStarted],
    flow: Flow,
    hint: str,
    message_id: str,
    sv: str,
    en: str,
) -> None:
    result = _collect(sim, drive(sim))
    assert result.hint_code == hint
    chosen = message_for_collect(result.status, result.hint_code, flow=flow)
    assert chosen == message_id
    assert chosen is not None
    assert user_message(chosen, "sv").startswith(sv)
    assert user_message(chosen, "en").startswith(en)


def test_the_app_page_is_served_in_swedish_with_labelled_fields(sim: Sim) -> None:
    page = sim.app.get(f"{sim.origin}{PREFIX}/app")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="sv">' in html
    for field in ("qr", "token", "other-pn", "other-name"):
        assert f'<label for="{field}">' in html
    assert 'role="alert"' in html and 'role="status"' in html
    people = sim.app.get(f"{sim.origin}{PREFIX}/app/people").json()["people"]
    assert [p["personalNumber"] for p in people] == [TOLVAN, GRETA, ALI]
