"""Routes anyone may call: health, the OpenAPI document, the region's units, and who am I."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import Health, Me, RoleView, Unit, UnitList
from chalicelib.api.http import Access
from chalicelib.api.openapi import document, operation

bp = Blueprint(__name__)
API_VERSION = "0.1.0"


@operation(bp, "/health", "GET", summary="Liveness", tag="meta", access=Access.PUBLIC, response=Health)
def health() -> Response:
    return http.respond(Health(status="ok", tenant=bootstrap.settings().tenant))


@operation(bp, "/openapi.json", "GET", summary="This API as OpenAPI 3", tag="meta", access=Access.PUBLIC)
def openapi() -> Response:
    body = document(title="Nära API", version=API_VERSION)
    return Response(body=body, status_code=200, headers=dict(http.JSON))


@operation(
    bp, "/units", "GET", summary="The care units of this region", tag="meta", access=Access.PUBLIC, response=UnitList
)
def units() -> Response:
    found = bootstrap.container().directory.units(bootstrap.settings().tenant)
    return http.respond(UnitList(units=[Unit.model_validate(u) for u in found]))


@operation(bp, "/me", "GET", summary="The logged-in person and their roles", tag="meta", access=Access.ANY, response=Me)
def me() -> Response:
    who = http.who()
    roles = [RoleView(unit_id=r.unit_id, role=r.role) for r in who.roles]
    return http.respond(
        Me(
            kind=who.kind.value,
            hsa_id=who.subject if who.is_staff else None,
            display_name=who.display_name,
            auth_method=who.auth_method,
            roles=roles,
        )
    )
