"""One-time secrets handed to people (login codes, tickets, interpreter and phone-invite links).

Only a secret's hash is stored, so a copy of the table opens nothing. Links that must come out the same for a retried
request (same Idempotency-Key) are keyed hashes of what identifies the request, under a key derived from the
deployment's session key for that one purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def secret_hash(secret: str) -> str:
    """The stored form of a one-time secret: SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def purpose_key(root_key: str, purpose: str) -> bytes:
    """A key for one purpose only, derived from the deployment's root key (HMAC-SHA256)."""
    return hmac.new(root_key.encode(), purpose.encode(), hashlib.sha256).digest()


def keyed_token(key: bytes, *parts: str) -> str:
    """A URL-safe token that is the same for the same parts and key, and unguessable without the key."""
    digest = hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
