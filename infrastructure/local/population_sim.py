"""A simulated population register (custody of children) for the local stack; never deployed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infrastructure.local import demo_region


def routes(prefix: str = "/local/population") -> list[Any]:
    async def custody(request: Request) -> JSONResponse:
        guardian = request.path_params["personal_number"]
        if not guardian.isdigit() or len(guardian) != 12:
            return JSONResponse({"error": "personal_number must be 12 digits"}, status_code=400)
        return JSONResponse({"children": demo_region.CUSTODY.get(guardian, [])})

    return [Route(f"{prefix}/persons/{{personal_number}}/custody", custody, methods=["GET"])]
