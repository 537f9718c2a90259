from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole

UNIT_A, UNIT_B = "SE-VC-A", "SE-VC-B"


@dataclass
class Api:
    client: Client
    container: Any

    def token(self, principal: Principal) -> str:
        """A live session for the principal, as a strong login would open it."""
        return str(self.container.sessions.open(principal))

    def call(
        self,
        method: str,
        path: str,
        *,
        who: Principal | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if who is not None:
            sent["Authorization"] = f"Bearer {self.token(who)}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        if payload:
            sent.setdefault("Content-Type", "application/json")
        response = self.client.http.request(method, path, headers=sent, body=payload)
        text = response.body.decode() if response.body else ""
        try:
            return response.status_code, json.loads(text) if text else None
        except ValueError:
            return response.status_code, text


def citizen(personnummer: str, name: str = "Test Testsson") -> Principal:
    return Principal(
        "testregion", PrincipalKind.CITIZEN, patient_ref(personnummer, b"test-patient-key"), name, "bankid", "loa3"
    )


def staff(hsa: str, *roles: tuple[str, str], name: str = "Vårdare") -> Principal:
    return Principal(
        "testregion", PrincipalKind.STAFF, hsa, name, "siths", "loa3", tuple(UnitRole(u, r) for u, r in roles)
    )


def _serve(container: Any) -> Iterator[Api]:
    """The app in Chalice's test client, with the region's two units."""
    import app as app_module

    tenant = container.settings.tenant
    container.directory.put_unit(tenant, UNIT_A, "Vårdcentralen A", {"professions": ["nurse", "doctor"]})
    container.directory.put_unit(tenant, UNIT_B, "Vårdcentralen B", {"professions": ["nurse"]})
    with Client(app_module.app) as client:
        yield Api(client, container)


@pytest.fixture
def api(container: Any) -> Iterator[Api]:
    yield from _serve(container)


@pytest.fixture
def server_api(server_container: Any) -> Iterator[Api]:
    """The same against the embedded AWS server, in a region of its own: real uploads to its S3, real threads."""
    yield from _serve(server_container)


@dataclass
class People:
    """Two citizens and staff at the two units, in the region the test's ``api`` serves."""

    anna: Principal
    bertil: Principal
    nurse_a: Principal
    doctor_a: Principal
    nurse_b: Principal


@pytest.fixture
def people(api: Api) -> People:
    def here(principal: Principal) -> Principal:
        return replace(principal, tenant=api.container.settings.tenant)

    return People(
        anna=here(citizen("191212121212", "Anna")),
        bertil=here(citizen("199001012385", "Bertil")),
        nurse_a=here(staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")),
        doctor_a=here(staff("SE-S2", (UNIT_A, "doctor"))),
        nurse_b=here(staff("SE-S3", (UNIT_B, "nurse"))),
    )


# A cold's answers from the protocol's own clinical test case: self-care, and "Jag vill ändå ha kontakt" queues it as
# P5 for a nurse's chat. The age is not asked when the session carries the birth date.
COLD = {
    "age": 34,
    "sex": "male",
    "self_rated_health": 70,
    "complaint": "cold",
    "duration_days": 3,
    "breathing": "no",
    "severely_ill": "no",
    "poor_intake": "no",
    "fever": "fever_under_39",
    "fever_days": 1,
    "worse_after_better": "no",
    "ear_or_sinus_pain": "no",
}


def send_case(
    api: Api,
    who: Principal,
    *,
    key: str = "case-key-0001",
    unit_id: str = UNIT_A,
    reason: str = "Halsont",
    free_text: str = "Ont i halsen sedan tre dagar",
    for_child: str | None = None,
    invite: str | None = None,
    choose_contact: bool = True,
) -> dict[str, Any]:
    """A case in the unit's queue, the way a citizen makes one: the triage, then "Jag vill ändå ha kontakt"."""
    body = {"unit_id": unit_id, "reason": reason, "free_text": free_text, "for_child": for_child}
    if invite is not None:
        body["invite"] = invite
    status, draft = api.call("POST", "/citizen/triage", who=who, body=body, headers={"Idempotency-Key": key})
    assert status == 201, draft
    while draft["step"] is not None:
        step = draft["step"]["id"]
        answer = {"step_id": step, "value": COLD.get(step, "no")}
        status, draft = api.call("POST", f"/citizen/triage/{draft['draft_id']}/answers", who=who, body=answer)
        assert status == 200, draft
    submit = {"choose_contact": choose_contact}
    status, case = api.call("POST", f"/citizen/triage/{draft['draft_id']}/submit", who=who, body=submit)
    assert status == 201 and case["status"] == ("queued" if choose_contact else "self_care"), case
    return dict(case)
