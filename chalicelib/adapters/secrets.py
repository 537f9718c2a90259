"""A secret read from AWS Secrets Manager when first needed, and kept for a few minutes.

For secrets that only some requests need (the TURN server's shared secret: only ``GET /video/ice-servers``), so they
need not sit in every function's environment, whose 4 KB Lambda limit is nearly full.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

CACHE_SECONDS = 300.0  # a value the region puts anew is used within five minutes, without a redeploy


class CachedSecret:
    """The string value of one secret; "" while the secret does not exist (e.g. a region without TURN)."""

    def __init__(self, secret_id: str, *, region: str, endpoint: str | None = None) -> None:
        self._secret_id = secret_id
        self._region = region
        self._endpoint = endpoint
        self._client: Any = None
        self._value = ""
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._read_at is None or time.monotonic() - self._read_at >= CACHE_SECONDS:
                self._value = self._read()
                self._read_at = time.monotonic()
            return self._value

    def _read(self) -> str:
        if self._client is None:
            self._client = boto3.client("secretsmanager", region_name=self._region, endpoint_url=self._endpoint)
        try:
            return str(self._client.get_secret_value(SecretId=self._secret_id).get("SecretString") or "")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return ""
            raise
