"""Faults on purpose: the local stack with a share of its AWS calls throttled, failed or timed out.

``python -m infrastructure.local --faults 0.1`` (or ``make run FAULTS=0.1``) makes about one in ten calls to
DynamoDB (and its streams), S3, SQS, SNS and the WebSocket management API fail, the way those services fail in AWS
now and then, so that anyone can see what Nära does then. Every call of every botocore session in the process passes
here before it is sent (the ``before-send`` event, which is where botocore would send it over HTTP); a chosen call
gets one of

- **throttled**: the service's own throttling answer (DynamoDB ``ThrottlingException``, S3 ``SlowDown``, elsewhere
  503) — nothing was done;
- **failed**: 500 Internal Server Error — nothing was done;
- **timed out before**: a read timeout before the request reached the service — nothing was done;
- **timed out after**: the request is sent and done by the service, and then its answer is lost in a read timeout.
  This is the fault that finds double writes: the caller cannot know that its write was made.

botocore retries all four as it retries them from AWS (its own attempts and backoff); a call whose every attempt
fails reaches the application as the error it would get from AWS. Choices come from a seeded random generator, so a
run can be repeated. ``GET /local/faults`` (a local-only route) tells what was injected so far.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

# botocore's service ids (hyphenated, lower case) of the calls that may fail
SERVICES = frozenset({"dynamodb", "dynamodb-streams", "s3", "sqs", "sns", "apigatewaymanagementapi"})
KINDS = ("throttled", "failed", "timed out before", "timed out after")

_THROTTLING = {
    "dynamodb": (
        400,
        {"Content-Type": "application/x-amz-json-1.0"},
        json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                "message": "Rate of requests exceeds the allowed throughput.",
            }
        ).encode(),
    ),
    "s3": (
        503,
        {"Content-Type": "application/xml"},
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    ),
}
_UNAVAILABLE = (503, {}, b"")
_INTERNAL = (500, {}, b"")


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


class FaultInjector:
    """Installed once per process, before any botocore session is made; does nothing until ``enable``."""

    def __init__(
        self,
        share: float,
        seed: int | None = None,
        services: frozenset[str] = SERVICES,
        kinds: tuple[str, ...] = KINDS,
        limit: int | None = None,
    ) -> None:
        """``kinds`` and ``limit`` (at most this many faults) choose one fault on purpose, e.g. one lost answer."""
        if not 0 <= share <= 1:
            raise ValueError("the share of faulty calls is between 0 and 1")
        self.share = share
        self.services = services
        self.kinds = kinds
        self.limit = limit
        self._random = random.Random(seed)  # noqa: S311 - which calls fail, not a secret
        self._lock = threading.Lock()
        self._enabled = False
        self._http = URLLib3Session()
        self.calls: Counter[str] = Counter()  # by service
        self.injected: Counter[str] = Counter()  # by kind
        self.by_service: Counter[str] = Counter()
        self.also_from: list[Path] = []  # reports of other processes' injectors (the event pump's) to add

    def install(self) -> None:
        injector = self
        original = botocore.session.Session.__init__
        if getattr(original, "injects_faults", False):
            return

        def __init__(session: Any, *args: Any, **kwargs: Any) -> None:
            original(session, *args, **kwargs)
            session.register("before-send", injector.before_send)

        __init__.injects_faults = True  # type: ignore[attr-defined]
        botocore.session.Session.__init__ = __init__  # type: ignore[method-assign]

    def enable(self) -> None:
        self._enabled = True

    def _choose(self, service: str) -> str | None:
        with self._lock:
            self.calls[service] += 1
            if not self._enabled or service not in self.services or self._random.random() >= self.share:
                return None
            if self.limit is not None and sum(self.injected.values()) >= self.limit:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] += 1
            self.by_service[service] += 1
            return kind

    def before_send(self, request: AWSPreparedRequest, event_name: str = "", **_: Any) -> AWSResponse | None:
        service = event_name.split(".")[1] if event_name.count(".") >= 1 else ""
        kind = self._choose(service)
        if kind is None:
            return None
        if kind == "throttled":
            status, headers, body = _THROTTLING.get(service, _UNAVAILABLE)
        elif kind == "failed":
            status, headers, body = _INTERNAL
        else:
            if kind == "timed out after":
                self._http.send(request)  # done by the service; its answer never reaches the caller
            raise ReadTimeoutError(endpoint_url=request.url)
        return AWSResponse(request.url, status, headers, _Body(body))

    def report(self) -> dict[str, Any]:
        """What was injected so far, in this process and in those of ``also_from`` (as far as they wrote it)."""
        with self._lock:
            eligible = sum(n for service, n in self.calls.items() if service in self.services)
            found = {
                "share": self.share,
                "enabled": self._enabled,
                "calls": eligible,
                "injected": sum(self.injected.values()),
                "by_kind": dict(self.injected),
                "by_service": dict(self.by_service),
            }
        for path in self.also_from:
            try:
                other = json.loads(path.read_text())
            except (OSError, ValueError):
                continue  # not written yet
            found["calls"] += other["calls"]
            found["injected"] += other["injected"]
            for field in ("by_kind", "by_service"):
                found[field] = dict(Counter(found[field]) + Counter(other[field]))
        return found

    def routes(self, path: str) -> list[Any]:
        """``GET <path>``: what was injected so far (the local stack only)."""
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def report(_: Request) -> JSONResponse:
            return JSONResponse(self.report())

        return [Route(path, report, methods=["GET"])]
