"""A simulated listing register (listning) for the local stack; never deployed. It speaks the protocol of
docs/listing.md: ``GET {prefix}/listings/{personnummer}`` with the region's bearer token answers 200
``{"unit_id", "listed_since"}`` or 404 (listed nowhere); a wrong or missing token is 401.

Each region of the local stack serves its own listings (``demo_region.LISTINGS[tenant]``); a region without demo
listings lists nobody."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infrastructure.local import demo_region


def routes(prefix: str, tenant: str, *, token: str) -> list[Any]:
    listings = demo_region.LISTINGS.get(tenant, {})

    async def listing(request: Request) -> JSONResponse:
        given = request.headers.get("authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        personal_number = request.path_params["personal_number"]
        if not (personal_number.isascii() and personal_number.isdigit() and len(personal_number) == 12):
            return JSONResponse({"error": "personal_number must be 12 digits"}, status_code=400)
        found = listings.get(personal_number)
        if found is None:
            return JSONResponse({"error": "not listed in this region"}, status_code=404)
        return JSONResponse({"unit_id": found["unit_id"], "listed_since": found["listed_since"]})

    return [Route(f"{prefix}/listings/{{personal_number}}", listing, methods=["GET"])]
