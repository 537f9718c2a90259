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


def test_of_ten_simultaneous_claims_exactly_one_wins_and_nine_get_a_clear_conflict(server_container: Any) -> None:
    from chalicelib.domain.errors import Conflict

    tenant = server_container.settings.tenant
    store = server_container.handling._cases
    case = Case.submit(
        case_id="c-race",
        tenant=tenant,
        unit_id="u1",
        patient_ref="p1",
        reason="Halsont",
        free_text="",
        priority="P3",
        profession="nurse",
        now=NOW,
    )
    store.create(case, now=NOW, idempotency=("p1", "key-c-race", "h", {}))
    nurses = [
        Principal(tenant, PrincipalKind.STAFF, f"SE-N{i}", f"Nurse {i}", "siths", "loa3", (UnitRole("u1", "nurse"),))
        for i in range(10)
    ]
    won: list[str] = []
    refused: list[Conflict] = []
    other: list[Exception] = []
    start = threading.Barrier(len(nurses))

    def claim(nurse: Principal) -> None:
        start.wait()
        try:
            won.append(server_container.handling.claim(nurse, "c-race").claimed_by)
        except Conflict as error:
            refused.append(error)
        except Exception as error:  # collected and asserted below
            other.append(error)

    threads = [threading.Thread(target=claim, args=(n,)) for n in nurses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not other
    assert len(won) == 1 and len(refused) == 9
    assert {e.message_sv for e in refused} == {"Ärendet har redan tagits av en kollega."}
    stored = store.get(tenant, "c-race")
    assert stored.status.value == "claimed" and stored.claimed_by == won[0]
    assert store.queue(tenant, "u1", "nurse") == []
    # every attempt was an access to the case: ten records, one per nurse
    records = list(server_container.audit_log.of_patient(tenant, "p1"))
    assert sorted(r["actor"] for r in records) == sorted(n.subject for n in nurses)
