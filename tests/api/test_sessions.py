"""Sessions: logout, idle and absolute timeouts, tampering, foreign regions, and single-use WebSocket tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from chalicelib.adapters.dynamo import DynamoEphemeral, DynamoSessions
from chalicelib.adapters.tokens import SessionTokens
from chalicelib.domain.errors import Unauthenticated
from chalicelib.services.sessions import SessionService
from tests.api.conftest import Api, citizen

ANNA = citizen("191212121212", "Anna")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(container: Any, clock: Clock) -> SessionService:
    tokens = SessionTokens(tenant="testregion", signing_key="test-session-key-of-at-least-32-characters")
    counter = iter(range(10**6))
    return SessionService(
        DynamoSessions(), DynamoEphemeral(), tokens, tenant="testregion", clock=clock, ids=lambda: f"s-{next(counter)}"
    )


def test_logout_ends_the_session_at_once(api: Api) -> None:
    token = api.token(ANNA)
    auth = {"Authorization": f"Bearer {token}"}
    assert api.call("GET", "/me", headers=auth)[0] == 200
    assert api.call("POST", "/auth/logout", headers=auth) == (200, {"logged_out": True})
    status, body = api.call("GET", "/me", headers=auth)
    assert status == 401 and "logged out" in body["error"]["message"]


def test_session_ends_after_idle_time_but_activity_keeps_it_alive(sessions: SessionService, clock: Clock) -> None:
    token = sessions.open(ANNA)
    for _ in range(4):  # active every 20 minutes for 80 minutes
        clock.now += timedelta(minutes=20)
        assert sessions.verify(token).subject == ANNA.subject
    clock.now += timedelta(minutes=31)
    with pytest.raises(Unauthenticated, match="without activity"):
        sessions.verify(token)


def test_session_ends_at_its_absolute_limit_even_when_active(sessions: SessionService, clock: Clock) -> None:
    token = sessions.open(ANNA)
    for _ in range(40):  # every 15 minutes for 10 hours
        clock.now += timedelta(minutes=15)
        try:
            sessions.verify(token)
        except Unauthenticated as ended:
            assert "expired" in ended.message
            break
    else:
        pytest.fail("the session outlived its absolute limit")
    assert clock.now - datetime(2026, 11, 25, 9, 0, tzinfo=UTC) == timedelta(hours=10)


def test_tampered_and_foreign_tokens_get_401_and_nothing_else(api: Api) -> None:
    token = api.token(ANNA)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "kind": "staff"}, "guessed-key-guessed-key-guessed-key!", algorithm="HS256")
    foreign = SessionTokens(tenant="kalmar", signing_key="test-session-key-of-at-least-32-characters").issue(
        ANNA, now=datetime.now(UTC), expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    for bad in (forged, foreign, token[:-3] + "abc", "", "Bearer"):
        status, body = api.call("GET", "/citizen/cases", headers={"Authorization": f"Bearer {bad}"})
        assert status == 401
        assert set(body) == {"error"} and "cases" not in str(body)


def test_a_token_for_a_session_that_does_not_exist_is_refused(api: Api, sessions: SessionService) -> None:
    tokens = SessionTokens(tenant="testregion", signing_key="test-session-key-of-at-least-32-characters")
    now = datetime.now(UTC)
    from dataclasses import replace

    invented = tokens.issue(replace(ANNA, session_id="never-opened"), now=now, expires_at=now + timedelta(hours=1))
    assert api.call("GET", "/me", headers={"Authorization": f"Bearer {invented}"})[0] == 401


def test_websocket_ticket_works_once(sessions: SessionService) -> None:
    token = sessions.open(ANNA)
    ticket = sessions.issue_ws_ticket(sessions.verify(token), token)
    assert sessions.redeem_ws_ticket(ticket).subject == ANNA.subject
    with pytest.raises(Unauthenticated, match="already used"):
        sessions.redeem_ws_ticket(ticket)


def test_websocket_ticket_expires_after_a_minute(sessions: SessionService, clock: Clock) -> None:
    token = sessions.open(ANNA)
    ticket = sessions.issue_ws_ticket(sessions.verify(token), token)
    clock.now += timedelta(seconds=61)
    with pytest.raises(Unauthenticated, match="expired"):
        sessions.redeem_ws_ticket(ticket)


def test_websocket_ticket_of_a_logged_out_session_is_refused(sessions: SessionService) -> None:
    token = sessions.open(ANNA)
    principal = sessions.verify(token)
    ticket = sessions.issue_ws_ticket(principal, token)
    sessions.close(principal)
    with pytest.raises(Unauthenticated):
        sessions.redeem_ws_ticket(ticket)


def test_ticket_route_gives_a_ticket_to_a_logged_in_user_only(api: Api) -> None:
    assert api.call("POST", "/auth/ws-ticket")[0] == 401
    status, body = api.call("POST", "/auth/ws-ticket", who=ANNA)
    assert status == 201 and len(body["ticket"]) >= 40 and body["expires_in"] == 60


def test_every_route_declares_who_may_call_it(api: Api) -> None:
    import app as app_module
    from chalicelib.api.http import Access
    from chalicelib.api.openapi import REGISTRY

    declared = {(op.path, op.method): op.access for op in REGISTRY}
    for path, methods in app_module.app.routes.items():
        for method in methods:
            assert isinstance(declared.get((path, method)), Access), f"{method} {path} declares no access rule"
    public = sorted(p for (p, _), a in declared.items() if a is Access.PUBLIC)
    assert public == [
        "/auth/bankid/cancel",
        "/auth/bankid/collect",
        "/auth/bankid/qr",
        "/auth/bankid/start",
        "/auth/exchange",
        "/auth/methods",
        "/auth/oidc/{provider}/callback",
        "/auth/oidc/{provider}/start",
        "/branding",  # the region's colours, applied by the pages (docs/administration.md)
        "/branding/uploads/{name}",  # a logo the region's administrators uploaded, shown by the pages
        "/emergency-departments",
        "/health",
        "/interregion/jwks.json",  # the public half of the region's key, for partner regions
        "/openapi.json",
        "/units",
        "/units/{unit_id}/qr.svg",  # a unit's QR code, for its waiting room and website (docs/operations.md)
        "/video/interpreter/session",  # the interpreter's one-time link (docs/video.md)
        "/video/interpreter/ws-ticket",  # checks the interpreter's meeting-scoped session itself
    ], "a route became public: is that intended?"
    # routes another region's stack calls: no session, its signature (checked by the view; tests/e2e)
    signed = sorted(p for (p, _), a in declared.items() if a is Access.REGION)
    assert signed == ["/interregion/referrals", "/interregion/referrals/{referral_id}/answer"]
