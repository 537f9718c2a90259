"""Session tokens: short-lived JWTs signed by the tenant's session key (HS256, PyJWT).

Issued after a strong login (BankID, Freja eID+, SITHS — the identity issue) and verified on every REST call
and on the WebSocket handshake. The principal's tenant, units and roles are read from a verified token only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole

ALGORITHM = "HS256"
ISSUER = "nara"


class SessionTokens:
    def __init__(self, *, tenant: str, signing_key: str, ttl: timedelta = timedelta(hours=8)) -> None:
        if len(signing_key) < 32:
            raise ValueError("the session signing key must be at least 32 characters")
        self._tenant = tenant
        self._key = signing_key
        self._ttl = ttl

    def issue(self, principal: Principal, *, now: datetime) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": self._tenant,
            "sub": principal.subject,
            "kind": principal.kind.value,
            "name": principal.display_name,
            "amr": principal.auth_method,
            "loa": principal.auth_level,
            "roles": [{"unit_id": r.unit_id, "role": r.role} for r in principal.roles],
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str, *, now: datetime) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._tenant,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"], "verify_exp": False},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("The session is not valid; please log in again.") from error
        if int(claims["exp"]) <= int(now.timestamp()):
            raise Unauthenticated("The session has expired; please log in again.")
        try:
            kind = PrincipalKind(claims["kind"])
            roles = tuple(UnitRole(str(r["unit_id"]), str(r["role"])) for r in claims.get("roles", []))
        except (KeyError, ValueError, TypeError) as error:
            raise Unauthenticated("The session is not valid; please log in again.") from error
        return Principal(
            tenant=self._tenant,
            kind=kind,
            subject=str(claims["sub"]),
            display_name=str(claims.get("name", "")),
            auth_method=str(claims.get("amr", "")),
            auth_level=str(claims.get("loa", "")),
            roles=roles,
        )
