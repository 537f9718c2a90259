"""One local origin in front of the Chalice app, behaving like API Gateway (REST + WebSocket) and CloudFront.

    /api/...                 REST: the request becomes an API Gateway proxy event for the Chalice app
    /ws?token=...            WebSocket: $connect (refused unless the app answers 200), $default, $disconnect
    /@connections/{id}       the management API: POST delivers, GET describes, DELETE closes; unknown id -> 410
    /citizen/, /staff/       the two static frontends; /config.js tells them where the API is
    /branding/{file}         the region's logo from its configuration file (``deploy`` puts it at the same path)
    /local/...               the local stack's simulators (BankID, Freja eID+, SITHS, population and listing registers)
    /local/s3/{bucket}/...   S3 as browsers reach it (see :func:`s3_proxy_routes`): photo uploads and reads

As CloudFront does in AWS, the pages, ``/config.js`` and the API's answers carry the security headers of
``infrastructure/security_headers.py`` (:class:`SecurityHeaders`); as API Gateway does, the app sees the client's own
address (``requestContext.identity.sourceIp``), which the login rate limit counts by.

Every call into the app runs in a worker thread: the app makes blocking boto3 calls.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from infrastructure import security_headers

log = logging.getLogger("nara.local.gateway")

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
API_ID = "localapi"
STAGE = "api"


# What CloudFront serves in AWS, and so gets its security headers here too (the simulators under /local/ stand for
# other services, which send their own).
AS_IN_AWS = ("/api/", "/citizen", "/staff", "/shared/", "/config.js", "/branding/")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")


class SecurityHeaders:
    """Adds the headers of ``infrastructure.security_headers`` to every answer of the origin's own paths, replacing
    any the app set (CloudFront's policy overrides them too). The WebSocket source is this origin's ``/ws``, photos
    come through this origin (``/local/s3``), and ``upgrade-insecure-requests`` is left out over plain HTTP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == "/" or path.startswith(AS_IN_AWS)):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        host = host if _HOST.match(host) else "localhost"
        https = scope.get("scheme") == "https"
        added = security_headers.headers(photos=[], websocket=f"{'wss' if https else 'ws'}://{host}", https=https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _client_address(connection: Request | WebSocket) -> str:
    return connection.client.host if connection.client else "127.0.0.1"


def _context(name: str) -> LambdaContext:
    return LambdaContext(function_name=name, memory_size=512, max_runtime_ms=29_000)


class Connections:
    """Open WebSocket connections by id, used by the management API."""

    def __init__(self) -> None:
        self._sockets: dict[str, WebSocket] = {}
        self._since: dict[str, datetime] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def add(self, connection_id: str, ws: WebSocket) -> None:
        self._sockets[connection_id] = ws
        self._since[connection_id] = datetime.now(UTC)

    def remove(self, connection_id: str) -> None:
        self._sockets.pop(connection_id, None)
        self._since.pop(connection_id, None)

    def get(self, connection_id: str) -> WebSocket | None:
        return self._sockets.get(connection_id)

    def since(self, connection_id: str) -> datetime | None:
        return self._since.get(connection_id)


def build_gateway(
    app_module: ModuleType,
    *,
    config_js: Callable[[Request], str],
    extra_routes: list[Any] | None = None,
    branding: dict[str, Path] | None = None,
) -> Starlette:
    """``branding``: the files served under ``/branding/`` by name (the region's logo beside its configuration);
    nothing else is."""
    chalice_app = app_module.app
    converter = LambdaEventConverter(RouteMatcher(list(chalice_app.routes)))
    connections = Connections()
    # A Lambda instance handles one event at a time, and Chalice relies on it: the request in flight is one
    # attribute of the app object (``app.current_request``). Two requests in threads at once would read each
    # other's body and token, so the app is entered by one thread at a time, as an instance would be.
    one_at_a_time = threading.Lock()

    def invoke(handler: Callable[..., Any], event: dict[str, Any], context: Any) -> Any:
        with one_at_a_time:
            return handler(event, context)

    def _ws_event(
        route_key: str,
        event_type: str,
        connection_id: str,
        host: str,
        body: str | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "requestContext": {
                "routeKey": route_key,
                "eventType": event_type,
                "connectionId": connection_id,
                "domainName": host,
                "stage": STAGE,
                "apiId": API_ID,
                "requestId": uuid.uuid4().hex,
                "connectedAt": int(now.timestamp() * 1000),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "messageDirection": "IN",
            },
            "queryStringParameters": query or None,
            "isBase64Encoded": False,
            "body": body,
        }

    def _handler_for(route_key: str) -> Callable[[dict[str, Any], Any], Any] | None:
        entry = chalice_app.websocket_handlers.get(route_key)
        if entry is None:
            return None
        return getattr(app_module, entry.handler_string.split(".")[-1], None)

    async def rest(request: Request) -> Response:
        path = "/" + request.path_params["path"]
        if request.url.query:
            path += "?" + request.url.query
        headers = dict(request.headers.items())
        body = await request.body()
        try:
            event = converter.create_lambda_event(request.method, path, headers, body or None)
        except ValueError:
            return JSONResponse(
                {"error": {"code": "not_found", "message": "There is no such API route."}}, status_code=404
            )
        if event["body"] is not None and isinstance(event["body"], bytes):
            try:
                event["body"] = event["body"].decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        event["requestContext"].update({"requestId": uuid.uuid4().hex, "stage": STAGE, "apiId": API_ID})
        event["requestContext"]["identity"]["sourceIp"] = _client_address(request)  # as API Gateway gives it
        result = await run_in_threadpool(invoke, chalice_app, event, _context("api_handler"))
        out_body = result.get("body") or ""
        raw = base64.b64decode(out_body) if result.get("isBase64Encoded") else out_body.encode("utf-8")
        response = Response(content=raw, status_code=int(result.get("statusCode", 200)))
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = value
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.append(name, value)
        return response

    async def websocket(ws: WebSocket) -> None:
        connection_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode().rstrip("=")
        host = ws.headers.get("host", "localhost")
        connections.loop = asyncio.get_running_loop()
        connect = _handler_for("$connect")
        if connect is not None:
            event = _ws_event("$connect", "CONNECT", connection_id, host, query=dict(ws.query_params))
            result = await run_in_threadpool(invoke, connect, event, _context("websocket_connect"))
            if int((result or {}).get("statusCode", 200)) != 200:
                await ws.close(code=1008)  # before accept: the handshake is refused with HTTP 403
                return
        await ws.accept()
        connections.add(connection_id, ws)
        default = _handler_for("$default")
        try:
            while True:
                text = await ws.receive_text()
                if default is not None:
                    event = _ws_event("$default", "MESSAGE", connection_id, host, body=text)
                    await run_in_threadpool(invoke, default, event, _context("websocket_message"))
        except WebSocketDisconnect:
            pass
        finally:
            connections.remove(connection_id)
            disconnect = _handler_for("$disconnect")
            if disconnect is not None:
                event = _ws_event("$disconnect", "DISCONNECT", connection_id, host)
                try:
                    await run_in_threadpool(invoke, disconnect, event, _context("websocket_disconnect"))
                except Exception:
                    log.exception("$disconnect handler failed")

    def _gone(connection_id: str) -> Response:
        return Response(
            content=json.dumps({"message": f"Connection {connection_id} is gone"}),
            status_code=410,
            headers={"x-amzn-ErrorType": "GoneException", "Content-Type": "application/json"},
        )

    async def management(request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        ws = connections.get(connection_id)
        if ws is None:
            return _gone(connection_id)
        if request.method == "POST":
            data = await request.body()
            try:
                await ws.send_text(data.decode("utf-8"))
            except Exception:
                connections.remove(connection_id)
                return _gone(connection_id)
            return Response(status_code=200)
        if request.method == "DELETE":
            connections.remove(connection_id)
            await ws.close(code=1000)
            return Response(status_code=204)
        since = connections.since(connection_id)
        return JSONResponse(
            {
                "connectedAt": since.isoformat() if since else None,
                "identity": {"sourceIp": "127.0.0.1"},
                "lastActiveAt": datetime.now(UTC).isoformat(),
            }
        )

    async def config(request: Request) -> Response:
        return Response(config_js(request), media_type="application/javascript")

    async def home(request: Request) -> Response:
        return RedirectResponse("/citizen/")

    served = dict(branding or {})

    async def branding_file(request: Request) -> Response:
        path = served.get(request.path_params["name"])
        if path is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        data = await run_in_threadpool(path.read_bytes)  # read each time: a changed file shows at the next load
        media_type = LOGO_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return Response(data, media_type=media_type, headers={"Cache-Control": "no-cache"})

    routes: list[Any] = [
        Route("/", home),
        Route("/config.js", config),
        Route("/branding/{name}", branding_file),
        Route("/api/{path:path}", rest, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        WebSocketRoute("/ws", websocket),
        Route("/@connections/{connection_id}", management, methods=["GET", "POST", "DELETE"]),
        *(extra_routes or []),
        Mount("/citizen", StaticFiles(directory=FRONTEND / "citizen", html=True), name="citizen"),
        Mount("/staff", StaticFiles(directory=FRONTEND / "staff", html=True), name="staff"),
        Mount("/shared", StaticFiles(directory=FRONTEND / "shared"), name="shared"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


# A presigned photo upload: the file (at most 10 MB, chalicelib.domain.photos.MAX_BYTES) and the form's fields.
S3_POST_MAX_BYTES = 10 * 1024 * 1024 + 64 * 1024
_S3_HEADERS = ("content-type", "etag", "last-modified", "cache-control", "location")


def s3_proxy_routes(prefix: str, endpoint: str) -> list[Route]:
    """S3 on this origin, so that the browser's presigned POST uploads and presigned GETs are same-origin (in AWS
    the browser goes to S3 itself, allowed by the photo bucket's CORS rule): ``{prefix}/{bucket}`` (POST, a
    presigned upload form) and ``{prefix}/{bucket}/{key}`` (GET) are forwarded to the embedded AWS; nothing else of
    S3 is reachable from the browser. The embedded AWS checks neither signatures nor a POST policy's conditions, so
    only the size is capped here; the app checks each upload's size and content itself anyway.
    """

    def _error(status: int, code: str, message: str) -> Response:
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return Response(body, status_code=status, media_type="application/xml")

    async def forward(method: str, path: str, query: str, headers: dict[str, str], body: bytes | None) -> Response:
        url = f"{endpoint}{path}" + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(method, url, headers=headers, content=body)
        out = Response(answer.content, status_code=answer.status_code)
        for name in _S3_HEADERS:
            if name in answer.headers:
                out.headers[name] = answer.headers[name]
        return out

    async def upload(request: Request) -> Response:
        received = bytearray()
        async for chunk in request.stream():
            received.extend(chunk)
            if len(received) > S3_POST_MAX_BYTES:
                return _error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        headers = {"content-type": request.headers.get("content-type", "")}
        return await forward("POST", f"/{request.path_params['bucket']}", "", headers, bytes(received))

    async def read(request: Request) -> Response:
        path = f"/{request.path_params['bucket']}/{request.path_params['key']}"
        return await forward("GET", path, request.url.query, {}, None)

    return [
        Route(f"{prefix}/{{bucket}}", upload, methods=["POST"]),
        Route(f"{prefix}/{{bucket}}/{{key:path}}", read, methods=["GET"]),
    ]
