"""The local gateway enters the Chalice app one request at a time, as a Lambda instance does: Chalice keeps the
request in flight on the app object, so two requests at once would read each other's body and token."""

from __future__ import annotations

import asyncio
import threading
import time
import types
from typing import Any

import httpx

from infrastructure.local.gateway import build_gateway


class RecordingApp:
    """Stands in for the Chalice app: stores the request on itself, as Chalice does, then reads it back."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {"/echo": {}}
        self.websocket_handlers: dict[str, Any] = {}
        self.current_request: Any = None
        self.inside = 0
        self.most_inside = 0
        self._count = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self._count:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.current_request = event
        time.sleep(0.02)  # the view runs: database calls, ...
        seen = self.current_request["headers"]["x-who"]
        with self._count:
            self.inside -= 1
        return {"statusCode": 200, "body": seen, "headers": {"Content-Type": "text/plain"}}


def test_parallel_requests_never_share_the_apps_current_request() -> None:
    app = RecordingApp()
    gateway = build_gateway(types.SimpleNamespace(app=app), config_js=lambda request: "")

    async def burst() -> list[tuple[str, str]]:
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            whos = [f"user-{i}" for i in range(12)]
            answers = await asyncio.gather(*(client.get("/api/echo", headers={"x-who": w}) for w in whos))
            return [(w, a.text) for w, a in zip(whos, answers, strict=True)]

    for who, seen in asyncio.run(burst()):
        assert seen == who
    assert app.most_inside == 1
