"""Rate limits with 429: login steps per client address, chat messages per sender; and no-store on the API's answers.

Requests go to the Lambda entry point as API Gateway proxy events, so each can come from its own client address
(``requestContext.identity.sourceIp``). The region's clock is a test clock, so a window can end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher

from chalicelib.adapters.bankid import AuthStarted
from chalicelib.domain import rate_limits
from tests.api.conftest import UNIT_A, Api, People, _serve, send_case

LOGINS = rate_limits.LOGIN_PER_MINUTE
MESSAGES = rate_limits.MESSAGES_PER_MINUTE


class Clock:
    """The region's clock, 15 s into a minute: the window has 45 s left. A few minutes behind the real time, so that
    moving it on never puts it ahead (session tokens' issue times are checked against the real time)."""

    def __init__(self) -> None:
        self.now = (datetime.now(UTC) - timedelta(minutes=3)).replace(second=15, microsecond=0)

    def __call__(self) -> datetime:
        return self.now


class BankIdAlwaysStarts:
    """BankID's RP API: every start is an order (what happens next is not these tests' concern)."""

    def auth(self, end_user_ip: str, *, user_visible_data: str | None = None) -> AuthStarted:
        return AuthStarted("order-1", "auto-1", "qr-token", "qr-secret")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(aws: dict[str, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The app with the region's clock under the test's control, and a BankID that starts orders."""
    from chalicelib import bootstrap

    monkeypatch.setattr(bootstrap, "utc_now", clock)
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    container = bootstrap.container()
    monkeypatch.setattr(container.login, "_bankid", BankIdAlwaysStarts())
    yield from _serve(container)
    bootstrap.container.cache_clear()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


def from_address(ip: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
    """One request through the Lambda entry point as API Gateway sends it, from client address ``ip``."""
    import app as app_module

    converter = LambdaEventConverter(RouteMatcher(list(app_module.app.routes)))
    raw = json.dumps(body).encode() if body is not None else b""
    sent = {"content-type": "application/json", **(headers or {})} if raw else dict(headers or {})
    event = converter.create_lambda_event(method, path, sent, raw or None)
    if isinstance(event["body"], bytes):
        event["body"] = event["body"].decode()
    event["requestContext"]["identity"]["sourceIp"] = ip
    result = app_module.app(event, LambdaContext("api_handler", 512))
    text = result.get("body") or ""
    return Answer(int(result["statusCode"]), dict(result.get("headers") or {}), json.loads(text) if text else None)


def start_bankid(ip: str) -> Answer:
    return from_address(ip, "POST", "/auth/bankid/start", {"same_device": True})


def test_too_many_login_starts_from_one_address_get_429_and_another_address_is_unaffected(api: Api) -> None:
    assert all(start_bankid("198.51.100.7").status == 201 for _ in range(LOGINS))
    refused = start_bankid("198.51.100.7")
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "45"  # the window's end
    error = refused.body["error"]
    assert error["code"] == "rate_limited"
    assert "45 sekunder" in error["message_sv"] and "45 seconds" in error["message"]
    assert start_bankid("203.0.113.9").status == 201


def test_login_limit_counts_each_step_per_address_whatever_the_method(api: Api) -> None:
    ip = "198.51.100.8"
    for _ in range(LOGINS):
        assert from_address(ip, "GET", "/auth/oidc/freja/start").status == 404  # not offered here, but counted
    assert start_bankid(ip).status == 429  # BankID and OIDC starts share the address's limit
    assert from_address(ip, "GET", "/auth/oidc/siths/start").status == 429
    # the code exchange is a step of its own: not yet used up
    exchanged = from_address(ip, "POST", "/auth/exchange", {"code": "not-a-code"})
    assert exchanged.status == 401
    for _ in range(LOGINS - 1):
        from_address(ip, "POST", "/auth/exchange", {"code": "not-a-code"})
    assert from_address(ip, "POST", "/auth/exchange", {"code": "not-a-code"}).status == 429


def test_the_login_limit_resets_when_the_window_ends(api: Api, clock: Clock) -> None:
    for _ in range(LOGINS):
        start_bankid("198.51.100.9")
    refused = start_bankid("198.51.100.9")
    assert refused.status == 429
    clock.now += timedelta(seconds=int(refused.headers["Retry-After"]))
    assert start_bankid("198.51.100.9").status == 201


def _post(api: Api, who: Any, case_id: str, client_id: str, text: str = "Hej") -> Any:
    response = api.client.http.post(
        f"/cases/{case_id}/messages",
        headers={"Authorization": f"Bearer {api.token(who)}", "Content-Type": "application/json"},
        body=json.dumps({"text": text, "client_id": client_id}).encode(),
    )
    return response


def test_too_many_messages_from_one_sender_get_429_and_others_can_still_write(api: Api, people: People) -> None:
    case_id = send_case(api, people.anna, unit_id=UNIT_A)["case_id"]
    for n in range(MESSAGES):
        assert _post(api, people.nurse_a, case_id, f"nurse-{n}").status_code == 201
    refused = _post(api, people.nurse_a, case_id, "nurse-one-too-many")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 45
    body = json.loads(refused.body)["error"]
    assert body["code"] == "rate_limited" and "meddelanden" in body["message_sv"]
    # nothing stored for the refused message; the patient can still answer
    assert _post(api, people.anna, case_id, "anna-1").status_code == 201
    status, listed = api.call("GET", f"/cases/{case_id}/messages", who=people.anna)
    client_ids = [m["client_id"] for m in listed["messages"]]
    assert status == 200 and "nurse-one-too-many" not in client_ids and len(client_ids) == MESSAGES + 1


def test_a_retried_message_is_not_counted_twice(api: Api, people: People) -> None:
    case_id = send_case(api, people.anna, unit_id=UNIT_A)["case_id"]
    for _ in range(3):  # the same message sent three times (a flaky network): one message, one count
        assert _post(api, people.anna, case_id, "anna-same").status_code in (200, 201)
    for n in range(MESSAGES - 1):
        assert _post(api, people.anna, case_id, f"anna-{n}").status_code == 201
    assert _post(api, people.anna, case_id, "anna-too-many").status_code == 429
    # a retry of a message already counted in this window still gets its stored message back
    again = _post(api, people.anna, case_id, "anna-same")
    assert again.status_code == 200 and json.loads(again.body)["client_id"] == "anna-same"


def test_the_message_limit_resets_when_the_window_ends(api: Api, people: People, clock: Clock) -> None:
    case_id = send_case(api, people.anna, unit_id=UNIT_A)["case_id"]
    for n in range(MESSAGES):
        _post(api, people.anna, case_id, f"anna-{n}")
    assert _post(api, people.anna, case_id, "anna-late").status_code == 429
    clock.now += timedelta(seconds=45)
    assert _post(api, people.anna, case_id, "anna-late").status_code == 201


def test_answers_with_patient_data_are_never_stored_by_a_cache(api: Api, people: People) -> None:
    case_id = send_case(api, people.anna, unit_id=UNIT_A)["case_id"]
    token = api.token(people.anna)
    for path in (f"/cases/{case_id}/messages", f"/citizen/cases/{case_id}", "/citizen/cases", "/me"):
        response = api.client.http.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    refused = api.client.http.get(f"/citizen/cases/{case_id}")
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "no-store"
