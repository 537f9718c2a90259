"""Routes anyone may call: health, the OpenAPI document, the region's units, and who am I.

``/health`` and ``/me`` are most of a Lambda's first requests, so they write their JSON themselves instead of
building their pydantic models (``core_models.Health`` and ``Me``, which the OpenAPI document describes them by):
a cold start that serves them does not import pydantic (some 70 ms). Their bodies are byte for byte what the models
would write (``tests/unit/test_route_table.py`` checks it).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.openapi import document, operation
from chalicelib.domain.principal import Principal

bp = Blueprint(__name__)
API_VERSION = "0.1.0"
MODELS = "chalicelib.api.core_models"


def health_body(tenant: str) -> dict[str, Any]:
    """The body of ``/health``: ``core_models.Health``'s fields, in its order."""
    return {"status": "ok", "tenant": tenant}


def me_body(who: Principal) -> dict[str, Any]:
    """The body of ``/me``: ``core_models.Me``'s fields, in its order (a citizen's identity is never in it)."""
    return {
        "kind": who.kind.value,
        "hsa_id": who.subject if who.is_staff else None,
        "display_name": who.display_name,
        "auth_method": who.auth_method,
        "roles": [{"unit_id": r.unit_id, "role": r.role} for r in who.roles],
    }


@operation(bp, "/health", "GET", summary="Liveness", tag="meta", access=Access.PUBLIC, response=f"{MODELS}.Health")
def health() -> Response:
    return http.respond_json(health_body(bootstrap.settings().tenant))


@operation(bp, "/openapi.json", "GET", summary="This API as OpenAPI 3", tag="meta", access=Access.PUBLIC)
def openapi() -> Response:
    body = document(title="Nära API", version=API_VERSION)
    return Response(body=body, status_code=200, headers=dict(http.JSON))


@operation(
    bp,
    "/units",
    "GET",
    summary="The care units of this region",
    tag="meta",
    access=Access.PUBLIC,
    response=f"{MODELS}.UnitList",
)
def units() -> Response:
    from chalicelib.api.core_models import Unit, UnitList

    found = bootstrap.container().directory.units(bootstrap.settings().tenant)
    return http.respond(UnitList(units=[Unit.model_validate(u) for u in found]))


@operation(
    bp,
    "/me",
    "GET",
    summary="The logged-in person and their roles",
    tag="meta",
    access=Access.ANY,
    response=f"{MODELS}.Me",
)
def me() -> Response:
    return http.respond_json(me_body(http.who()))
