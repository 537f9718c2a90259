"""Strong login through the simulators of the local stack, over their real protocols."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.stack import RunningStack, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("login"))
    yield running
    running.stop()


def _me(stack: RunningStack, token: str) -> dict[str, object]:
    response = httpx.get(f"{stack.origin}/api/me", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return dict(response.json())


def test_region_offers_bankid_and_freja_to_citizens_and_siths_to_staff(stack: RunningStack) -> None:
    assert httpx.get(f"{stack.origin}/api/auth/methods").json() == {
        "citizen": ["bankid", "freja"],
        "staff": ["siths"],
    }


def test_citizen_logs_in_with_bankid_on_this_device(stack: RunningStack) -> None:
    me = _me(stack, stack.bankid_login("191212121212"))
    assert me == {
        "kind": "citizen",
        "hsa_id": None,  # a citizen's identity is never returned
        "display_name": "Tolvan Tolvansson",
        "auth_method": "bankid",
        "roles": [],
    }


def test_bankid_on_another_device_animates_the_qr_code_and_can_be_cancelled(stack: RunningStack) -> None:
    api = httpx.Client(base_url=stack.origin)
    started = api.post("/api/auth/bankid/start", json={"same_device": False}).json()
    assert started["qr_svg"].startswith("<svg") and "auto_start_token" not in {
        k for k, v in started.items() if v is not None
    }
    assert started["message"]["sv"] == "Starta BankID-appen."
    first = api.post("/api/auth/bankid/qr", json={"login_id": started["login_id"]}).json()["qr_svg"]
    time.sleep(1.1)
    second = api.post("/api/auth/bankid/qr", json={"login_id": started["login_id"]}).json()["qr_svg"]
    assert first != second, "the QR code must change every second"
    assert "qr_start_secret" not in str(started) and "qrStartSecret" not in str(started)
    assert api.post("/api/auth/bankid/cancel", json={"login_id": started["login_id"]}).json() == {"cancelled": True}
    after = api.post("/api/auth/bankid/collect", json={"login_id": started["login_id"]})
    assert after.status_code == 404 and "start again" in after.json()["error"]["message"]


def test_bankid_user_who_cancels_in_the_app_sees_the_recommended_message(stack: RunningStack) -> None:
    api = httpx.Client(base_url=stack.origin)
    started = api.post("/api/auth/bankid/start", json={"same_device": True}).json()
    ticket = api.post("/local/bankid/app/open", json={"autoStartToken": started["auto_start_token"]}).json()["ticket"]
    api.post("/local/bankid/app/cancel", json={"ticket": ticket}).raise_for_status()
    state = api.post("/api/auth/bankid/collect", json={"login_id": started["login_id"]}).json()
    assert state["status"] == "failed" and state["hint_code"] == "userCancel"
    assert state["message"] == {"id": "RFA6", "sv": "Åtgärden avbruten.", "en": "Action cancelled."}
    assert state["token"] is None


def test_citizen_logs_in_with_freja_eid_plus(stack: RunningStack) -> None:
    me = _me(stack, stack.oidc_login("freja", "199001012385"))
    assert me["display_name"] == "Greta Andersson" and me["auth_method"] == "freja"


def test_the_same_person_is_the_same_citizen_whichever_method_they_use(stack: RunningStack) -> None:
    by_bankid = stack.bankid_login("198505059876")
    by_freja = stack.oidc_login("freja", "198505059876")
    created = stack.send_case(by_bankid, unit_id="SE2321000057-VC01", reason="Ryggont")
    mine = httpx.get(f"{stack.origin}/api/citizen/cases", headers={"Authorization": f"Bearer {by_freja}"}).json()
    assert created["case_id"] in [c["case_id"] for c in mine["cases"]]


def test_staff_member_with_two_roles_logs_in_with_siths(stack: RunningStack) -> None:
    me = _me(stack, stack.login("staff", "SE2321000057-S002"))
    assert me["kind"] == "staff" and me["auth_method"] == "siths"
    assert sorted(r["role"] for r in me["roles"]) == ["midwife", "nurse"]  # type: ignore[union-attr]


def test_a_login_code_works_once(stack: RunningStack) -> None:
    api = httpx.Client(base_url=stack.origin)
    page = api.get("/api/auth/oidc/siths/start", follow_redirects=True)
    import re

    pending = re.search(r'name="pending" value="([^"]+)"', page.text)
    user = re.search(r'name="user" id="user-0" value="([^"]+)"', page.text)
    assert pending and user
    back = api.post("/local/siths/login", data={"pending": pending.group(1), "action": "login", "user": user.group(1)})
    landing = api.get(back.headers["location"])
    code = landing.headers["location"].split("#login=")[1]
    assert api.post("/api/auth/exchange", json={"code": code}).status_code == 200
    again = api.post("/api/auth/exchange", json={"code": code})
    assert again.status_code == 401
    replayed = api.get(back.headers["location"])  # the provider's redirect, replayed
    assert replayed.headers["location"].endswith("#login_error=expired")


def test_cancelling_at_the_identity_provider_returns_to_the_login_page_with_a_reason(stack: RunningStack) -> None:
    api = httpx.Client(base_url=stack.origin)
    page = api.get("/api/auth/oidc/freja/start", follow_redirects=True)
    import re

    pending = re.search(r'name="pending" value="([^"]+)"', page.text)
    assert pending
    back = api.post("/local/freja/login", data={"pending": pending.group(1), "action": "cancel"})
    landing = api.get(back.headers["location"])
    assert landing.status_code == 302
    assert landing.headers["location"] == f"{stack.origin}/citizen/#login_error=cancelled"


def test_after_logout_the_session_opens_no_websocket(stack: RunningStack) -> None:
    token = stack.login("citizen", "191212121212")
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{stack.origin}/api/auth/logout", headers=auth).status_code == 200
    assert httpx.post(f"{stack.origin}/api/auth/ws-ticket", headers=auth).status_code == 401


def test_guardian_acts_for_a_child_under_18_confirmed_by_the_population_register(stack: RunningStack) -> None:
    tolvan = {"Authorization": f"Bearer {stack.login('citizen', '191212121212')}"}
    children = httpx.get(f"{stack.origin}/api/citizen/children", headers=tolvan).json()["children"]
    assert [c["name"] for c in children] == ["Lilly Tolvansson"]  # Elsa is 21: no longer in custody
    lilly = children[0]["child_id"]
    token = tolvan["Authorization"].removeprefix("Bearer ")
    created = stack.send_case(token, unit_id="SE2321000057-VC01", reason="Feber", for_child=lilly)
    assert created["patient_name"] == "Lilly Tolvansson"
    case_id = created["case_id"]
    assert case_id in [
        c["case_id"] for c in httpx.get(f"{stack.origin}/api/citizen/cases", headers=tolvan).json()["cases"]
    ]

    greta = {"Authorization": f"Bearer {stack.login('citizen', '199001012385')}"}
    assert httpx.get(f"{stack.origin}/api/citizen/cases/{case_id}", headers=greta).status_code == 404
    not_hers = httpx.post(
        f"{stack.origin}/api/citizen/triage",
        json={"unit_id": "SE2321000057-VC01", "reason": "Feber", "for_child": lilly},
        headers={**greta, "Idempotency-Key": "child-case-2"},
    )
    assert not_hers.status_code == 422 and not_hers.json()["error"]["field"] == "for_child"
