from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.adapters.tokens import SessionTokens
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
KEY = "k" * 40
NURSE = Principal(
    "jonkoping",
    PrincipalKind.STAFF,
    "SE-S1",
    "Anna Lind",
    "siths",
    "loa3",
    (UnitRole("VC01", "nurse"), UnitRole("VC01", "midwife")),
    session_id="s-1",
)
LATER = NOW + timedelta(hours=8)


def test_a_verified_token_carries_tenant_units_and_roles() -> None:
    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    principal = tokens.verify(tokens.issue(NURSE, now=NOW, expires_at=LATER), now=NOW + timedelta(minutes=5))
    assert principal == NURSE
    assert principal.professions_at("VC01") == {"nurse", "midwife"}


def test_expired_token_is_refused() -> None:
    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    token = tokens.issue(NURSE, now=NOW, expires_at=NOW + timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(token, now=NOW + timedelta(hours=1, seconds=1))


def test_token_of_another_region_is_refused() -> None:
    token = SessionTokens(tenant="kalmar", signing_key=KEY).issue(NURSE, now=NOW, expires_at=LATER)
    with pytest.raises(Unauthenticated):
        SessionTokens(tenant="jonkoping", signing_key=KEY).verify(token, now=NOW)


def test_token_with_changed_roles_is_refused() -> None:
    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    claims = jwt.decode(tokens.issue(NURSE, now=NOW, expires_at=LATER), options={"verify_signature": False})
    claims["roles"] = [{"unit_id": "VC99", "role": "doctor"}]
    forged = jwt.encode(claims, "x" * 40, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        tokens.verify(forged, now=NOW)


def test_unsigned_token_is_refused() -> None:
    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    claims = jwt.decode(tokens.issue(NURSE, now=NOW, expires_at=LATER), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthenticated):
        tokens.verify(unsigned, now=NOW)


def test_a_short_signing_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        SessionTokens(tenant="jonkoping", signing_key="short")


def test_the_children_a_guardian_may_act_for_survive_the_token() -> None:
    from dataclasses import replace

    from chalicelib.domain.model import Ward

    parent = replace(NURSE, kind=PrincipalKind.CITIZEN, roles=(), wards=(Ward("child-ref", "Lilly", "2018-03-14"),))
    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    assert tokens.verify(tokens.issue(parent, now=NOW, expires_at=LATER), now=NOW).wards == parent.wards


def test_a_citizens_token_carries_where_they_and_their_children_are_listed_and_never_the_personnummer() -> None:
    from chalicelib.domain.principal import Ward

    tokens = SessionTokens(tenant="jonkoping", signing_key=KEY)
    citizen = Principal(
        "jonkoping",
        PrincipalKind.CITIZEN,
        "hash-of-anna",
        "Anna",
        "bankid",
        "loa3",
        session_id="s-2",
        wards=(
            Ward("hash-of-lilly", "Lilly", "2018-03-14", "SE2321000057-VC01"),
            Ward("hash-of-noah", "Noah", "2022-06-01"),
        ),
        birth_date="1912-12-12",
        listed_unit_id="SE2321000057-VC02",
    )
    token = tokens.issue(citizen, now=NOW, expires_at=LATER)
    back = tokens.verify(token, now=NOW)
    assert back == citizen
    assert back.listed_unit_of("hash-of-anna") == "SE2321000057-VC02"
    assert back.listed_unit_of("hash-of-lilly") == "SE2321000057-VC01"
    assert back.listed_unit_of("hash-of-noah") is None and back.listed_unit_of("someone-else") is None
    assert "191212" not in jwt.decode(token, options={"verify_signature": False}).__repr__()
