"""Login routes: BankID for citizens, OIDC (Freja eID+ for citizens, SITHS for staff), and the code exchange."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    BankIdLogin,
    BankIdQr,
    BankIdStart,
    BankIdState,
    Cancelled,
    LoggedIn,
    LoginCode,
    LoginMethods,
)
from chalicelib.api.openapi import operation

bp = Blueprint(__name__)


@operation(
    bp,
    "/auth/methods",
    "GET",
    summary="The login methods offered",
    tag="auth",
    access=Access.PUBLIC,
    response=LoginMethods,
)
def methods() -> Response:
    return http.respond(LoginMethods(**bootstrap.container().login.methods()))


@operation(
    bp,
    "/auth/bankid/start",
    "POST",
    summary="Start a BankID login",
    tag="auth",
    access=Access.PUBLIC,
    request=BankIdStart,
    response=BankIdState,
    status=201,
    errors=(404, 429),
)
def bankid_start() -> Response:
    request = bp.current_request
    body = http.parse_body(BankIdStart, request)
    ip = http.client_ip(request)
    login = bootstrap.container().login
    login.admit("start", ip)
    state = login.bankid_start(end_user_ip=ip, same_device=body.same_device)
    return http.respond(BankIdState(**state), status=201)


@operation(
    bp,
    "/auth/bankid/collect",
    "POST",
    summary="Poll a BankID login (about every 2 s)",
    tag="auth",
    access=Access.PUBLIC,
    request=BankIdLogin,
    response=BankIdState,
    errors=(404,),
)
def bankid_collect() -> Response:
    body = http.parse_body(BankIdLogin, bp.current_request)
    return http.respond(BankIdState(**bootstrap.container().login.bankid_collect(body.login_id)))


@operation(
    bp,
    "/auth/bankid/qr",
    "POST",
    summary="Fresh animated QR code (every second)",
    tag="auth",
    access=Access.PUBLIC,
    request=BankIdLogin,
    response=BankIdQr,
    errors=(404,),
)
def bankid_qr() -> Response:
    body = http.parse_body(BankIdLogin, bp.current_request)
    return http.respond(BankIdQr(**bootstrap.container().login.bankid_qr(body.login_id)))


@operation(
    bp,
    "/auth/bankid/cancel",
    "POST",
    summary="Cancel a BankID login",
    tag="auth",
    access=Access.PUBLIC,
    request=BankIdLogin,
    response=Cancelled,
)
def bankid_cancel() -> Response:
    body = http.parse_body(BankIdLogin, bp.current_request)
    bootstrap.container().login.bankid_cancel(body.login_id)
    return http.respond(Cancelled(cancelled=True))


@operation(
    bp,
    "/auth/oidc/{provider}/start",
    "GET",
    summary="Go to the identity provider (302)",
    tag="auth",
    access=Access.PUBLIC,
    status=302,
    errors=(404, 429),
)
def oidc_start(provider: str) -> Response:
    login = bootstrap.container().login
    login.admit("start", http.client_ip(bp.current_request))
    url = login.oidc_start(provider)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


@operation(
    bp,
    "/auth/oidc/{provider}/callback",
    "GET",
    summary="Back from the identity provider (302)",
    tag="auth",
    access=Access.PUBLIC,
    status=302,
    errors=(404, 429),
    query=(("code", "authorization code", False), ("state", "state", False), ("error", "error", False)),
)
def oidc_callback(provider: str) -> Response:
    params = dict(bp.current_request.query_params or {})
    login = bootstrap.container().login
    login.admit("callback", http.client_ip(bp.current_request))
    url = login.oidc_callback(provider, params)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


@operation(
    bp,
    "/auth/exchange",
    "POST",
    summary="Exchange a one-time login code for the session token",
    tag="auth",
    access=Access.PUBLIC,
    request=LoginCode,
    response=LoggedIn,
    errors=(401, 429),
)
def exchange() -> Response:
    body = http.parse_body(LoginCode, bp.current_request)
    login = bootstrap.container().login
    login.admit("exchange", http.client_ip(bp.current_request))
    return http.respond(LoggedIn(**login.exchange(body.code)))
