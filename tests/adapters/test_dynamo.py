"""The DynamoDB adapter against moto in-process: keys, ordering, conditional writes and idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import dynamo, tables
from chalicelib.domain.errors import Conflict
from chalicelib.domain.model import Case, Message, SenderKind

T = "testregion"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def cases(container: Any) -> dynamo.DynamoCases:
    return container.cases._cases  # the adapter the service uses, configured by bootstrap


def _case(
    case_id: str,
    *,
    priority: str = "P3",
    at: datetime = NOW,
    unit: str = "u1",
    profession: str = "nurse",
    patient: str = "p1",
) -> Case:
    return Case.submit(
        case_id=case_id,
        tenant=T,
        unit_id=unit,
        patient_ref=patient,
        reason="Halsont",
        free_text="",
        priority=priority,
        profession=profession,
        now=at,
    )


def _store(cases: dynamo.DynamoCases, case: Case) -> Case:
    return cases.create(case, now=NOW, idempotency=(case.patient_ref, f"key-{case.case_id}", "h", {}))


def _msg(case_id: str, seq: int, client_id: str, sender: str = "SE-S1") -> Message:
    return Message(case_id, seq, client_id, SenderKind.STAFF, sender, "Anna", f"hej {seq}", NOW)


def test_models_match_the_one_table_definition(aws: Any) -> None:
    defined = tables.main_table("x")
    schema = dynamo.Entity._get_schema()
    assert {k["AttributeName"]: k["KeyType"] for k in schema["key_schema"]} == {
        k["AttributeName"]: k["KeyType"] for k in defined["KeySchema"]
    }
    model_indexes = {
        i["index_name"]: [k["AttributeName"] for k in i["key_schema"]] for i in schema["global_secondary_indexes"]
    }
    table_indexes = {
        i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in defined["GlobalSecondaryIndexes"]
    }
    assert model_indexes == table_indexes


def test_every_key_starts_with_the_tenant(cases: dynamo.DynamoCases, aws: Any) -> None:
    _store(cases, _case("c1"))
    items = aws["dynamodb"].scan(TableName=aws["resources"].main_table["TableName"])["Items"]
    assert items
    for item in items:
        assert item["pk"]["S"].startswith(f"T#{T}#")
        for index_key in ("gsi1pk", "gsi2pk"):
            if index_key in item:
                assert item[index_key]["S"].startswith(f"T#{T}#")


def test_queue_is_most_urgent_first_then_longest_waiting(cases: dynamo.DynamoCases) -> None:
    _store(cases, _case("late-p3", priority="P3", at=NOW + timedelta(minutes=5)))
    _store(cases, _case("early-p3", priority="P3", at=NOW))
    _store(cases, _case("p1", priority="P1", at=NOW + timedelta(minutes=9)))
    _store(cases, _case("p4", priority="P4", at=NOW - timedelta(hours=3)))
    _store(cases, _case("other-unit", priority="P1", unit="u2"))
    _store(cases, _case("doctor", priority="P1", profession="doctor"))
    assert [c.case_id for c in cases.queue(T, "u1", "nurse")] == ["p1", "early-p3", "late-p3", "p4"]


def test_a_case_id_cannot_be_stored_twice(cases: dynamo.DynamoCases) -> None:
    _store(cases, _case("c1"))
    again = _case("c1")
    with pytest.raises(Conflict):
        cases.create(again, now=NOW, idempotency=("p1", "another-key", "h", {}))
    assert cases.get(T, "c1") is not None


def test_messages_get_consecutive_sequence_numbers_and_resync_after_seq(cases: dynamo.DynamoCases) -> None:
    case = _store(cases, _case("c1"))
    for seq in (1, 2, 3):
        current = cases.get(T, "c1")
        assert current is not None
        cases.append_message(current, _msg("c1", current.message_seq + 1, f"m{seq}"), now=NOW)
    assert [m.seq for m in cases.messages(T, case.case_id)] == [1, 2, 3]
    assert [m.seq for m in cases.messages(T, case.case_id, after=1)] == [2, 3]


def test_a_retried_message_is_stored_once(cases: dynamo.DynamoCases) -> None:
    _store(cases, _case("c1"))
    first, created = cases.append_message(cases.get(T, "c1"), _msg("c1", 1, "same"), now=NOW)  # type: ignore[arg-type]
    again, created_again = cases.append_message(cases.get(T, "c1"), _msg("c1", 2, "same"), now=NOW)  # type: ignore[arg-type]
    assert created and not created_again
    assert again == first
    assert [m.seq for m in cases.messages(T, "c1")] == [1]


def test_a_stale_case_version_cannot_take_a_sequence_number(cases: dynamo.DynamoCases) -> None:
    stale = _store(cases, _case("c1"))
    cases.append_message(stale, _msg("c1", 1, "a"), now=NOW)
    with pytest.raises(Conflict):
        cases.append_message(stale, _msg("c1", 1, "b"), now=NOW)
    assert [m.client_id for m in cases.messages(T, "c1")] == ["a"]


def test_timeline_records_an_event_once(cases: dynamo.DynamoCases) -> None:
    assert cases.add_timeline(T, "c1", "e1", "CaseSubmitted", "2026-11-25T09:00:00Z", {"priority": "P3"})
    assert not cases.add_timeline(T, "c1", "e1", "CaseSubmitted", "2026-11-25T09:00:00Z", {"priority": "P3"})
    assert [e["type"] for e in cases.timeline(T, "c1")] == ["CaseSubmitted"]


def test_connections_are_found_by_subject_and_forgotten(container: Any) -> None:
    connections = dynamo.DynamoConnections()
    connections.add(T, "conn-a", "p1", "citizen", now=NOW, ttl_seconds=60)
    connections.add(T, "conn-b", "p1", "citizen", now=NOW, ttl_seconds=60)
    connections.add(T, "conn-c", "p2", "citizen", now=NOW, ttl_seconds=60)
    assert sorted(connections.of_subject(T, "p1")) == ["conn-a", "conn-b"]
    connections.remove(T, "conn-a")
    assert connections.of_subject(T, "p1") == ["conn-b"]
    connections.remove(T, "conn-a")  # removing twice is fine


def test_audit_records_are_append_only(container: Any) -> None:
    log = dynamo.DynamoAuditLog()
    record = {
        "tenant": T,
        "record_id": "r1",
        "actor": "SE-S1",
        "actor_name": "Anna",
        "actor_roles": ["nurse"],
        "unit_id": "u1",
        "patient_ref": "p1",
        "case_id": "c1",
        "action": "read_case",
        "at": NOW,
    }
    log.record(**record)
    with pytest.raises(Exception, match="ConditionalCheckFailed"):
        log.record(**{**record, "action": "overwritten"})
    assert [r["action"] for r in log.of_patient(T, "p1")] == ["read_case"]
