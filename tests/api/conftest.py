from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
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


@pytest.fixture
def api(container: Any) -> Iterator[Api]:
    import app as app_module

    container.directory.put_unit("testregion", UNIT_A, "Vårdcentralen A", {"professions": ["nurse", "doctor"]})
    container.directory.put_unit("testregion", UNIT_B, "Vårdcentralen B", {"professions": ["nurse"]})
    with Client(app_module.app) as client:
        yield Api(client, container)
