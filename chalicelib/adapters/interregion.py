"""Requests between the stacks of two regions (referral to another region), signed by the sending region.

Each region has its own signing key (EC P-256, the Secrets Manager secret ``nara/<tenant>/interregion/signing_key``)
and publishes the public half at ``GET /interregion/jwks.json``. A request to a partner region carries a short-lived
JWT (ES256, PyJWT) in ``Authorization: Bearer``: issuer the sending region, audience the receiving one, and the SHA-256
of the exact body, so a token cannot be used for another body or at another region. The receiver trusts only the
partner regions its configuration names, and fetches each one's keys from the address configured for it (over
HTTPS in AWS), so both ends are authenticated: the body by the sender's key, the receiver by its address and TLS.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.domain.errors import Unauthenticated

ALGORITHM = "ES256"
TOKEN_SECONDS = 300
JWKS_PATH = "/interregion/jwks.json"
JWKS_CACHE_SECONDS = 300.0


def new_signing_key() -> str:
    """A new private key, PEM (what a region puts in its secret at onboarding)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Partner:
    """Another region this one refers to and receives referrals from."""

    tenant: str
    name: str
    url: str  # the base of its API, e.g. https://api.nara.regionkalmar.se


class RegionSigner:
    """Signs this region's requests with its private key (read when first needed, from the secret store)."""

    def __init__(self, tenant: str, private_pem: Callable[[], str]) -> None:
        self._tenant = tenant
        self._pem = private_pem

    def _key(self) -> ec.EllipticCurvePrivateKey:
        pem = self._pem()
        if not pem.strip():
            raise RuntimeError(f"region {self._tenant} has no signing key for referrals to other regions")
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise RuntimeError("the signing key for referrals to other regions must be an EC P-256 key")
        return key

    def jwks(self) -> dict[str, Any]:
        """The public keys partner regions verify this region's requests with."""
        public = self._key().public_key()
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public))
        jwk.update(kid=key_id(jwk), use="sig", alg=ALGORITHM)
        return {"keys": [jwk]}

    def token(self, audience: str, body: bytes, *, now: datetime) -> str:
        key = self._key()
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        claims = {
            "iss": self._tenant,
            "aud": audience,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + TOKEN_SECONDS,
            "jti": str(uuid.uuid4()),
            "body_sha256": body_digest(body),
        }
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": key_id(jwk)})


def key_id(jwk: dict[str, Any]) -> str:
    """The JWK thumbprint (RFC 7638) of an EC public key."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class PartnerKeys:
    """The public keys of partner regions, fetched from the address configured for each and kept a few minutes (an
    unknown key id fetches again: the partner may have rotated its key)."""

    def __init__(self, fetch: Callable[[str], dict[str, Any]] | None = None) -> None:
        self._fetch = fetch or _fetch_jwks
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def key(self, partner: Partner, kid: str) -> Any:
        for fresh in (False, True):
            with self._lock:
                cached = self._cache.get(partner.url)
                if fresh or cached is None or time.monotonic() - cached[0] >= JWKS_CACHE_SECONDS:
                    cached = (time.monotonic(), self._fetch(partner.url + JWKS_PATH))
                    self._cache[partner.url] = cached
            for jwk in cached[1].get("keys", []):
                if jwk.get("kid") == kid:
                    return jwt.PyJWK.from_dict(jwk, algorithm=ALGORITHM).key
        return None


def _fetch_jwks(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        found = response.json()
    except (httpx.HTTPError, ValueError):
        return {"keys": []}
    return found if isinstance(found, dict) else {"keys": []}


class RegionVerifier:
    """Checks that a request comes from a partner region and carries the body it signed."""

    def __init__(self, tenant: str, keys: PartnerKeys) -> None:
        self._tenant = tenant
        self._keys = keys

    def sender(self, authorization: str, body: bytes, partners: dict[str, Partner], *, now: datetime) -> Partner:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("A request from another region must carry its signed token.")
        try:
            header = jwt.get_unverified_header(token)
            issuer = str(jwt.decode(token, options={"verify_signature": False}).get("iss", ""))
        except jwt.PyJWTError as error:
            raise Unauthenticated("The other region's token cannot be read.") from error
        partner = partners.get(issuer)
        key = self._keys.key(partner, str(header.get("kid", ""))) if partner is not None else None
        if partner is None or key is None or header.get("alg") != ALGORITHM:
            raise Unauthenticated("The request is not signed by a partner region of this region.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._tenant,
                issuer=partner.tenant,
                options={"require": ["exp", "iat", "iss", "aud", "body_sha256"], "verify_exp": False},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("The other region's signature is not valid for this region.") from error
        if not int(claims["iat"]) - 60 <= int(now.timestamp()) < int(claims["exp"]):
            raise Unauthenticated("The other region's token has expired.")
        if claims["body_sha256"] != body_digest(body):
            raise Unauthenticated("The body is not the one the other region signed.")
        return partner


class RegionClient:
    """Sends a signed JSON request to a partner region; answers (status, JSON body)."""

    def __init__(
        self, tenant: str, signer: RegionSigner, *, clock: Callable[[], datetime], timeout: float = 15
    ) -> None:
        self._tenant = tenant
        self._signer = signer
        self._clock = clock
        self._timeout = timeout

    def post(self, partner: Partner, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        token = self._signer.token(partner.tenant, body, now=self._clock())
        response = httpx.post(
            partner.url + path,
            content=body,
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            timeout=self._timeout,
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}
