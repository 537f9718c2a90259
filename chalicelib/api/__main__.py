"""``python -m chalicelib.api``: print the OpenAPI document (kept in docs/openapi.json)."""

from __future__ import annotations

import json

import app  # noqa: F401  (importing the app registers every route)
from chalicelib.api.openapi import document
from chalicelib.api.public import API_VERSION

print(json.dumps(document(title="Nära API", version=API_VERSION), indent=2, ensure_ascii=False))
