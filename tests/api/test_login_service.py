"""The login service's decisions, with fake identity providers (the real protocols are tested in e2e)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

from chalicelib.adapters.bankid import AuthStarted, Collected, Completion
from chalicelib.adapters.oidc import LoginRequest, VerifiedIdentity
from chalicelib.bootstrap import utc_now
from chalicelib.domain.bankid import CollectStatus
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.model import PrincipalKind
from chalicelib.services.login import LoginService, OidcProvider


class FakeOidc:
    """Stands in for OidcClient: hands out a login request and 'verifies' whatever identity it is told to."""

    def __init__(self, subject: str, name: str = "Test Person") -> None:
        self.identity = VerifiedIdentity(subject, name, "Test", "Person", None, "loa3", {})

    def begin_login(self, now: datetime) -> LoginRequest:
        return LoginRequest(
            "https://idp.example/authorize?x",
            "state-1",
            "nonce-1",
            "verifier-1",
            "https://nara.example/api/auth/oidc/x/callback",
            "https://idp.example",
            now,
        )

    def complete_login(self, request: LoginRequest, params: Mapping[str, Any], now: datetime) -> VerifiedIdentity:
        assert params["state"] == request.state
        return self.identity


class FakeBankId:
    def __init__(self, personal_number: str) -> None:
        self.personal_number = personal_number

    def auth(self, end_user_ip: str, *, user_visible_data: str | None = None) -> AuthStarted:
        return AuthStarted("order-1", "auto-1", "qr-token", "qr-secret")

    def collect(self, order_ref: str) -> Collected:
        person = Completion(
            self.personal_number, "Test Person", "Test", "Person", "127.0.0.1", None, "2020-01-01", "c2ln", "b2NzcA=="
        )
        return Collected(order_ref, CollectStatus.COMPLETE, None, person)

    def cancel(self, order_ref: str) -> None:
        pass


def _service(container: Any, *, oidc: dict[str, OidcProvider] | None = None, bankid: Any = None) -> LoginService:
    return LoginService(
        tenant="testregion",
        sessions=container.sessions,
        ephemeral=container.login._ephemeral,
        directory=container.directory,
        patient_key=b"k",
        clock=utc_now,
        bankid_client=bankid,
        oidc=oidc or {},
    )


def test_siths_login_of_someone_not_registered_in_nara_opens_no_session(container: Any) -> None:
    provider = OidcProvider("siths", PrincipalKind.STAFF, FakeOidc("SE-UNKNOWN"), "https://nara.example/staff/")
    service = _service(container, oidc={"siths": provider})
    service.oidc_start("siths")
    landing = service.oidc_callback("siths", {"state": "state-1", "code": "c"})
    assert landing == "https://nara.example/staff/#login_error=not_registered"


def test_registered_staff_get_their_roles_from_nara_not_from_the_idp(container: Any) -> None:
    container.directory.put_staff("testregion", "SE-S9", "Sara", [{"unit_id": "U1", "role": "physiotherapist"}])
    provider = OidcProvider("siths", PrincipalKind.STAFF, FakeOidc("SE-S9"), "https://nara.example/staff/")
    service = _service(container, oidc={"siths": provider})
    service.oidc_start("siths")
    code = service.oidc_callback("siths", {"state": "state-1", "code": "c"}).split("#login=")[1]
    token = service.exchange(code)["token"]
    principal = container.sessions.verify(token)
    assert principal.kind is PrincipalKind.STAFF and principal.professions_at("U1") == {"physiotherapist"}


def test_freja_identity_without_a_valid_personnummer_fails_the_login(container: Any) -> None:
    provider = OidcProvider("freja", PrincipalKind.CITIZEN, FakeOidc("191212121213"), "https://nara.example/citizen/")
    service = _service(container, oidc={"freja": provider})
    service.oidc_start("freja")
    assert service.oidc_callback("freja", {"state": "state-1", "code": "c"}).endswith("#login_error=failed")


def test_callback_for_an_unknown_state_is_sent_back_to_start_again(container: Any) -> None:
    provider = OidcProvider("freja", PrincipalKind.CITIZEN, FakeOidc("191212121212"), "https://nara.example/citizen/")
    service = _service(container, oidc={"freja": provider})
    assert service.oidc_callback("freja", {"state": "forged", "code": "c"}).endswith("#login_error=expired")


def test_bankid_completion_with_an_invalid_personnummer_is_refused(container: Any) -> None:
    service = _service(container, bankid=FakeBankId("191212121213"))
    login_id = service.bankid_start(end_user_ip="127.0.0.1", same_device=True)["login_id"]
    with pytest.raises(Unauthenticated):
        service.bankid_collect(login_id)


def test_bankid_citizen_is_known_by_the_keyed_hash_only(container: Any) -> None:
    import jwt

    from chalicelib.domain.identity import patient_ref

    service = _service(container, bankid=FakeBankId("191212121212"))
    login_id = service.bankid_start(end_user_ip="127.0.0.1", same_device=True)["login_id"]
    done = service.bankid_collect(login_id)
    principal = container.sessions.verify(done["token"])
    assert principal.kind is PrincipalKind.CITIZEN
    assert principal.subject == patient_ref("191212121212", b"k")
    claims = jwt.decode(done["token"], options={"verify_signature": False})
    assert "191212121212" not in str(claims) and "1212121212" not in str(claims)
