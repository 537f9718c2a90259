"""Demo login of the local stack: pick a demo citizen or staff member and get a session token.

This stands in for BankID, Freja eID+ and SITHS until the identity issue lands. It lives only here, in the
local stack, which is never packaged or deployed: the deployed app has no route that issues tokens without a
strong login. Sessions are opened by the app's own ``SessionService``, so everything after login is the
production path.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chalicelib.bootstrap import Container
from chalicelib.domain.identity import mask_personnummer, patient_ref
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole
from infrastructure.local import demo_region


def routes(container: Container) -> list[Any]:
    settings = container.settings
    patient_key = settings.patient_key.encode()

    async def people(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "region": demo_region.REGION_NAME,
                "citizens": [
                    {"id": c["personnummer"], "name": c["name"], "masked": mask_personnummer(c["personnummer"])}
                    for c in demo_region.CITIZENS
                ],
                "staff": [
                    {"id": s["hsa_id"], "name": s["name"], "title": s["title"], "roles": s["roles"]}
                    for s in demo_region.STAFF
                ],
            }
        )

    async def login(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"error": {"code": "validation_failed", "message": "Send a JSON object."}}, 422)
        kind, who = body.get("kind"), str(body.get("id", ""))
        if kind == "citizen":
            person = next((c for c in demo_region.CITIZENS if c["personnummer"] == who), None)
            if person is None:
                return JSONResponse({"error": {"code": "not_found", "message": "No such demo citizen."}}, 404)
            principal = Principal(
                tenant=settings.tenant,
                kind=PrincipalKind.CITIZEN,
                subject=patient_ref(person["personnummer"], patient_key),
                display_name=person["name"],
                auth_method="local-demo",
                auth_level="none",
            )
        elif kind == "staff":
            staff = container.directory.staff(settings.tenant, who)
            if staff is None:
                return JSONResponse({"error": {"code": "not_found", "message": "No such demo staff member."}}, 404)
            principal = Principal(
                tenant=settings.tenant,
                kind=PrincipalKind.STAFF,
                subject=staff["hsa_id"],
                display_name=staff["name"],
                auth_method="local-demo",
                auth_level="none",
                roles=tuple(UnitRole(r["unit_id"], r["role"]) for r in staff["roles"]),
            )
        else:
            return JSONResponse(
                {"error": {"code": "validation_failed", "message": "kind must be 'citizen' or 'staff'."}}, 422
            )
        token = container.sessions.open(principal)
        return JSONResponse({"token": token, "name": principal.display_name, "kind": principal.kind.value})

    return [
        Route("/local/demo-people", people),
        Route("/local/login", login, methods=["POST"]),
    ]
