"""Races against the embedded AWS server over HTTP: exactly one winner, nothing lost, nothing doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.model import Case, Principal, PrincipalKind, UnitRole

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_parallel_posts_never_share_or_skip_a_sequence_number(server_container: Any) -> None:
    tenant = server_container.settings.tenant
    cases = server_container.cases._cases
    case = Case.submit(
        case_id="c1",
        tenant=tenant,
        unit_id="u1",
        patient_ref="p1",
        reason="Halsont",
        free_text="",
        priority="P3",
        profession="nurse",
        now=NOW,
    )
    cases.create(case, now=NOW, idempotency=("p1", "key-c1", "h", {}))
    nurse = Principal(tenant, PrincipalKind.STAFF, "SE-S1", "Anna", "siths", "loa3", (UnitRole("u1", "nurse"),))
    errors: list[Exception] = []

    def post(i: int) -> None:
        try:
            server_container.chat.post(nurse, "c1", text=f"meddelande {i}", client_id=f"client-{i}")
            # the client retries the same message: it must not appear twice
            server_container.chat.post(nurse, "c1", text=f"meddelande {i}", client_id=f"client-{i}")
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = cases.messages(tenant, "c1")
    assert not errors
    assert [m.seq for m in stored] == list(range(1, 9))
    assert sorted(m.client_id for m in stored) == sorted(f"client-{i}" for i in range(8))
