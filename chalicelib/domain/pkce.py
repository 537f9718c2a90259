"""PKCE (RFC 7636) and the random values of an OpenID Connect login: pure functions, randomness injected.

The relying party sends ``code_challenge = BASE64URL(SHA256(code_verifier))`` with the authorization request and
the verifier itself with the token request, so a stolen authorization code is useless without the verifier.
Only the ``S256`` method exists here: ``plain`` gives no protection against an intercepted request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

RandomBytes = Callable[[int], bytes]
"""Returns n cryptographically random bytes; ``secrets.token_bytes`` outside tests."""

S256 = "S256"
VERIFIER_BYTES = 32  # 256 bits of entropy -> 43 characters, the RFC's recommendation
TOKEN_BYTES = 32

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as PKCE and JOSE use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def random_token(random_bytes: RandomBytes = secrets.token_bytes, nbytes: int = TOKEN_BYTES) -> str:
    """An unguessable URL-safe string, for ``state`` and ``nonce``."""
    if nbytes < 16:
        raise ValueError("a login token needs at least 128 bits of randomness")
    data = random_bytes(nbytes)
    if len(data) != nbytes:
        raise ValueError("the random source returned the wrong number of bytes")
    return b64url(data)


def new_code_verifier(random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """A fresh code verifier: 32 random bytes, base64url-encoded (43 characters)."""
    return random_token(random_bytes, VERIFIER_BYTES)


def is_valid_code_verifier(verifier: str) -> bool:
    """43-128 characters from the unreserved set ``[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"``."""
    return _VERIFIER.fullmatch(verifier) is not None


def is_valid_s256_challenge(challenge: str) -> bool:
    """An S256 challenge is always 43 base64url characters (a SHA-256 digest without padding)."""
    return _CHALLENGE.fullmatch(challenge) is not None


def code_challenge_s256(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))``."""
    if not is_valid_code_verifier(verifier):
        raise ValueError("a code verifier is 43-128 unreserved characters (RFC 7636 §4.1)")
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def verifier_matches(verifier: str, challenge: str, method: str = S256) -> bool:
    """Whether ``verifier`` answers ``challenge``; only S256 is accepted, and the comparison is constant-time."""
    if method != S256 or not is_valid_code_verifier(verifier) or not is_valid_s256_challenge(challenge):
        return False
    return hmac.compare_digest(code_challenge_s256(verifier), challenge)
