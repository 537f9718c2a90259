"""Session tokens: JWTs signed with the region's session key (HS256, PyJWT).

A token names a server-side session (``sid``) and carries the principal: subject, kind, name, authentication
method and level, and the staff member's roles per unit. It is valid only for this region (``aud``) and until
the session's absolute expiry (``exp``); idle timeout and logout are enforced on the session itself
(``services/sessions.py``), so a token of a closed session is worthless even before it expires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jwt

from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.principal import Principal, PrincipalKind, UnitRole, Ward

ALGORITHM = "HS256"
ISSUER = "nara"
MIN_KEY_LENGTH = 32


class SessionTokens:
    def __init__(self, *, tenant: str, signing_key: str) -> None:
        if len(signing_key) < MIN_KEY_LENGTH:
            raise ValueError(f"the session signing key must be at least {MIN_KEY_LENGTH} characters")
        self._tenant = tenant
        self._key = signing_key

    def issue(self, principal: Principal, *, now: datetime, expires_at: datetime) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": self._tenant,
            "sub": principal.subject,
            "sid": principal.session_id,
            "kind": principal.kind.value,
            "name": principal.display_name,
            "amr": principal.auth_method,
            "loa": principal.auth_level,
            "roles": [{"unit_id": r.unit_id, "role": r.role} for r in principal.roles],
            "wards": [
                {
                    "ref": w.ref,
                    "name": w.name,
                    "born": w.birth_date,
                    **({"listed": w.listed_unit_id} if w.listed_unit_id else {}),
                }
                for w in principal.wards
            ],
            "born": principal.birth_date,
            **({"listed": principal.listed_unit_id} if principal.listed_unit_id else {}),
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
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
                options={"require": ["exp", "iat", "sub", "aud", "iss", "sid"], "verify_exp": False},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("The session is not valid; please log in again.") from error
        if int(claims["exp"]) <= int(now.timestamp()):
            raise Unauthenticated("The session has expired; please log in again.")
        try:
            kind = PrincipalKind(claims["kind"])
            roles = tuple(UnitRole(str(r["unit_id"]), str(r["role"])) for r in claims.get("roles", []))
            wards = tuple(
                Ward(str(w["ref"]), str(w["name"]), str(w["born"]), str(w.get("listed") or ""))
                for w in claims.get("wards", [])
            )
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
            session_id=str(claims["sid"]),
            wards=wards,
            birth_date=str(claims.get("born") or ""),
            listed_unit_id=str(claims.get("listed") or ""),
        )


def _ward_claims(ward: Ward) -> dict[str, str]:
    claims = {"ref": ward.ref, "name": ward.name, "born": ward.birth_date}
    if ward.listed_unit_id:
        claims["listed"] = ward.listed_unit_id
    return claims
