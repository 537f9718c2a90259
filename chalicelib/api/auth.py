"""Session routes: log out, and get a single-use ticket to open the WebSocket."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import LoggedOut, WsTicket
from chalicelib.api.openapi import operation
from chalicelib.services.sessions import TICKET_LIFETIME

bp = Blueprint(__name__)


@operation(
    bp,
    "/auth/logout",
    "POST",
    summary="Log out: the session stops working at once",
    tag="auth",
    access=Access.ANY,
    response=LoggedOut,
)
def logout() -> Response:
    bootstrap.container().sessions.close(http.who())
    return http.respond(LoggedOut(logged_out=True))


@operation(
    bp,
    "/auth/ws-ticket",
    "POST",
    summary="A single-use ticket (60 s) to open the WebSocket",
    tag="auth",
    access=Access.ANY,
    response=WsTicket,
    status=201,
)
def ws_ticket() -> Response:
    ticket = bootstrap.container().sessions.issue_ws_ticket(http.who(), http.session_token())
    return http.respond(WsTicket(ticket=ticket, expires_in=int(TICKET_LIFETIME.total_seconds())), status=201)
