"""Pushes to WebSocket connections through the API Gateway management API.

The same client works against AWS and against the local gateway in ``infrastructure/local``; only the endpoint
differs. A connection that is gone (HTTP 410) is reported so the caller can forget it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


class ConnectionGone(Exception):
    """The connection no longer exists (API Gateway answered 410 Gone)."""


class WebSocketPusher:
    def __init__(self, *, endpoint: str, region: str, session: boto3.session.Session | None = None) -> None:
        session = session or boto3.session.Session()
        self._client = session.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            region_name=region,
            config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2}),
        )

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "GoneException":
                raise ConnectionGone(connection_id) from error
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 410:
                raise ConnectionGone(connection_id) from error
            raise
