"""One cold start, run by ``bench.coldstart`` in a fresh interpreter: import the Lambda entry point, then serve
``GET /health`` and an authenticated ``GET /me`` by calling the handler with the API Gateway (REST, proxy) events
Lambda would give it. Prints the milliseconds of each part as JSON. ``python -m bench._coldchild app|bare TOKEN``

Chalice's test client is not used: it imports Chalice's command line (some 180 ms) that a Lambda never loads."""

from __future__ import annotations

import time

_started = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


class _Context:
    """What Lambda's context object offers (Powertools' logger reads these)."""

    function_name = "nara-dev"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-north-1:000000000000:function:nara-dev"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    log_group_name = "/aws/lambda/nara-dev"
    log_stream_name = "cold"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _event(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway REST API proxy event for ``GET /api{path}``."""
    sent = {"Host": "api.example", "Accept": "application/json", **headers}
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "cold-start",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def main() -> None:
    which, token = sys.argv[1], sys.argv[2]
    module = importlib.import_module("app" if which == "app" else "bench._bare_app")
    imported = time.perf_counter()
    health = module.app(_event("/health", {}), _Context())
    served_health = time.perf_counter()
    me = module.app(_event("/me", {"Authorization": f"Bearer {token}"}), _Context())
    served_me = time.perf_counter()
    if health["statusCode"] != 200 or me["statusCode"] != 200:
        raise SystemExit(f"{which}: /health {health['statusCode']}, /me {me['statusCode']}: {me['body'][:200]!r}")
    print(
        json.dumps(
            {
                "import": (imported - _started) * 1000,
                "health": (served_health - imported) * 1000,
                "me": (served_me - served_health) * 1000,
                "total": (served_me - _started) * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()
