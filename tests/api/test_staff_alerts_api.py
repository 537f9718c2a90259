"""Staff alerts: a new P1/P2 case reaches the connected staff of its unit and profession at once, and nobody else; a
case left unclaimed past its deadline is escalated to the unit's coordinators only, once.

The events arrive as Lambda delivers them: an SQS batch to the ``alerts`` consumer (idempotent by event id), and the
scheduled escalation handler, both invoked through Chalice's test client.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamo import DynamoConnections
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case, Principal
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, staff

TENANT = "testregion"
ANNA = citizen("191212121212", "Anna")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"))
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
COORDINATOR_A = staff("SE-S9", (UNIT_A, "coordinator"), name="Samordnare A")
CONNECTIONS = {"c-nurse-a": NURSE_A, "c-doctor-a": DOCTOR_A, "c-nurse-b": NURSE_B, "c-coord-a": COORDINATOR_A}


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        self.sent.append((connection_id, payload))

    def alerts(self) -> list[tuple[str, dict[str, Any]]]:
        return [(c, p) for c, p in self.sent if p["type"] == "alert"]


@pytest.fixture
def pushed(api: Api, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """The region's staff in the directory, all connected (and the patient too); what is pushed to them is recorded."""
    now = bootstrap.utc_now()
    for connection_id, who in (*CONNECTIONS.items(), ("c-anna", ANNA)):
        if who.is_staff:
            roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
            api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
        DynamoConnections().add(TENANT, connection_id, who.subject, who.kind.value, now=now, ttl_seconds=600)
    recorder = Recorder()
    monkeypatch.setattr(api.container.alerts, "_pusher", recorder)
    monkeypatch.setattr(api.container.handling, "_pusher", Recorder())  # claims push "case" changes: not alerts
    return recorder


def _case(
    api: Api,
    case_id: str,
    *,
    priority: str,
    unit_id: str = UNIT_A,
    due_in: timedelta,
    who: Principal = ANNA,
    profession: str = "nurse",
) -> Case:
    """A queued case as the triage leaves it: its priority, profession (nurse unless said), and the deadline of first
    contact."""
    now = bootstrap.utc_now()
    case = Case.submit(
        case_id=case_id,
        tenant=TENANT,
        unit_id=unit_id,
        patient_ref=who.subject,
        reason="Andfådd",
        free_text="Svårt att andas sedan i morse",
        priority=priority,
        profession=profession,
        now=now - timedelta(hours=1),
        triage={"deadline": (now + due_in).isoformat()},
        patient_name=who.display_name,
    )
    store = api.container.cases._cases
    return store.create(case, now=now, idempotency=(who.subject, f"key-{case_id}", "h", {}))  # type: ignore[no-any-return]


def _deliver(api: Api, *events: DomainEvent) -> dict[str, Any]:
    """One SQS batch to the alerts consumer, as Lambda delivers it from the consumer's queue."""
    bodies = [json.dumps(e.to_dict()) for e in events]
    batch = api.client.events.generate_sqs_event(message_bodies=bodies, queue_name=f"nara-{TENANT}-alerts")
    response = api.client.lambda_.invoke("on_event_for_alerts", batch)
    return dict(response.payload)


def _submitted(case: Case, event_id: str) -> DomainEvent:
    data = {"unit_id": case.unit_id, "priority": case.priority, "profession": case.profession}
    return DomainEvent(event_id, "CaseSubmitted", case.tenant, case.case_id, case.submitted_at.isoformat(), data)


def _escalate(api: Api) -> None:
    schedule = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="eu-north-1")
    api.client.lambda_.invoke("escalate_overdue_cases", schedule)


def test_a_new_p1_or_p2_case_alerts_only_the_connected_staff_of_its_unit_and_profession(
    api: Api, pushed: Recorder
) -> None:
    p2_a = _case(api, "case-p2-a", priority="P2", due_in=timedelta(minutes=30))
    p1_b = _case(api, "case-p1-b", priority="P1", unit_id=UNIT_B, due_in=timedelta(minutes=10))
    p3_a = _case(api, "case-p3-a", priority="P3", due_in=timedelta(hours=3))

    response = _deliver(api, _submitted(p2_a, "ev-1"), _submitted(p1_b, "ev-2"), _submitted(p3_a, "ev-3"))

    assert response == {"batchItemFailures": []}
    assert pushed.alerts() == [
        (
            "c-nurse-a",
            {
                "type": "alert",
                "kind": "new_case",
                "case_id": "case-p2-a",
                "priority": "P2",
                "unit_id": UNIT_A,
                "profession": "nurse",
            },
        ),
        (
            "c-nurse-b",
            {
                "type": "alert",
                "kind": "new_case",
                "case_id": "case-p1-b",
                "priority": "P1",
                "unit_id": UNIT_B,
                "profession": "nurse",
            },
        ),
    ]  # not the doctor, not the coordinator, not the patient, and nothing for the P3 case


def test_the_same_event_delivered_again_alerts_once_and_a_case_taken_meanwhile_alerts_nobody(
    api: Api, pushed: Recorder
) -> None:
    case = _case(api, "case-p1", priority="P1", due_in=timedelta(minutes=10))
    event = _submitted(case, "ev-dup")
    _deliver(api, event)
    _deliver(api, event)  # SQS delivers at least once
    assert [c for c, _ in pushed.alerts()] == ["c-nurse-a"]

    taken = _case(api, "case-p2-taken", priority="P2", due_in=timedelta(minutes=30))
    status, _ = api.call("POST", f"/staff/cases/{taken.case_id}/claim", who=NURSE_A)
    assert status == 200
    _deliver(api, _submitted(taken, "ev-late"))
    assert [p["case_id"] for _, p in pushed.alerts()] == ["case-p1"]


def test_an_unclaimed_case_past_its_deadline_is_escalated_to_the_units_coordinators_once(
    api: Api, pushed: Recorder
) -> None:
    overdue = _case(api, "case-overdue", priority="P2", due_in=-timedelta(minutes=5))
    _case(api, "case-in-time", priority="P2", due_in=timedelta(minutes=20))
    _case(api, "case-overdue-b", priority="P3", unit_id=UNIT_B, due_in=-timedelta(minutes=1))  # B has no coordinator
    claimed = _case(api, "case-claimed", priority="P1", due_in=-timedelta(minutes=5))
    assert api.call("POST", f"/staff/cases/{claimed.case_id}/claim", who=NURSE_A)[0] == 200

    _escalate(api)
    _escalate(api)  # the schedule runs every minute: each escalation is marked once

    assert pushed.alerts() == [
        (
            "c-coord-a",
            {
                "type": "alert",
                "kind": "escalated",
                "case_id": overdue.case_id,
                "priority": "P2",
                "unit_id": UNIT_A,
                "profession": "nurse",
            },
        )
    ]
    status, shown = api.call("GET", f"/staff/cases/{overdue.case_id}", who=NURSE_A)
    assert status == 200, shown
    escalations = [e for e in shown["timeline"] if e["type"] == "CaseEscalated"]
    assert len(escalations) == 1 and escalations[0]["data"]["unit_id"] == UNIT_A
    # the other unit's overdue case is marked too (its timeline says so), though nobody there coordinates
    timeline_b = api.container.cases._cases.timeline(TENANT, "case-overdue-b")
    assert [e["type"] for e in timeline_b] == ["CaseEscalated"]


def test_a_batch_with_one_record_that_fails_returns_only_that_record_for_a_retry(api: Api, pushed: Recorder) -> None:
    case = _case(api, "case-p1-mixed", priority="P1", due_in=timedelta(minutes=10))
    bodies = ["{not an event", json.dumps(_submitted(case, "ev-mixed").to_dict())]
    batch = api.client.events.generate_sqs_event(message_bodies=bodies, queue_name=f"nara-{TENANT}-alerts")
    broken = batch["Records"][0]["messageId"]

    response = dict(api.client.lambda_.invoke("on_event_for_alerts", batch).payload)

    # only the broken record comes back (SQS delivers it again, then to the DLQ); the good one was handled once
    assert response == {"batchItemFailures": [{"itemIdentifier": broken}]}
    assert [(connection, alert["case_id"]) for connection, alert in pushed.alerts()] == [("c-nurse-a", "case-p1-mixed")]


def test_a_coordinator_offline_at_the_escalation_finds_the_escalated_cases_first_thing_in_the_units_queue(
    api: Api, pushed: Recorder
) -> None:
    """Issue 8 N9: the coordinator was not connected at the minute of escalation (nobody is told then); when she opens
    the unit's queue later, every overdue unclaimed case of the unit is there flagged ``escalated`` — whichever
    profession should have taken it — and listing it is logged once per day, as the queue is."""
    DynamoConnections().remove(TENANT, "c-coord-a")  # offline
    nurses = _case(api, "case-late-nurse", priority="P2", due_in=-timedelta(minutes=5))
    doctors = _case(api, "case-late-doctor", priority="P3", due_in=-timedelta(minutes=40), profession="doctor")
    in_time = _case(api, "case-in-time", priority="P2", due_in=timedelta(minutes=20))
    _escalate(api)
    assert pushed.alerts() == []  # the live banner reached nobody: she was offline
    marked = api.container.cases._cases.timeline(TENANT, doctors.case_id)
    assert [e["type"] for e in marked] == ["CaseEscalated"]

    queue = f"/staff/queue?unit_id={UNIT_A}"
    for _ in range(2):  # the page refreshes every few seconds
        status, shown = api.call("GET", queue, who=COORDINATOR_A)
        assert status == 200, shown
        flags = {c["case_id"]: c["escalated"] for c in shown["cases"]}
        assert flags == {nurses.case_id: True, doctors.case_id: True, in_time.case_id: False}
        late = next(c for c in shown["cases"] if c["case_id"] == doctors.case_id)
        assert late["priority"] == "P3" and late["profession"] == "doctor" and late["seconds_left"] < -30 * 60
    listed = [
        (r["actor"], r["case_id"], r["ground"])
        for r in api.container.audit_log.of_patient(TENANT, ANNA.subject)
        if r["action"] == "list_queue"
    ]
    assert sorted(listed) == sorted(
        (COORDINATOR_A.subject, c.case_id, "unit_queue") for c in (nurses, doctors, in_time)
    )  # once each, though shown twice

    # she may narrow it to one profession of the unit; "coordinator" and "admin" are no queue (404)
    status, doctors_only = api.call("GET", f"{queue}&profession=doctor", who=COORDINATOR_A)
    assert status == 200 and [c["case_id"] for c in doctors_only["cases"]] == [doctors.case_id]
    for role in ("coordinator", "admin"):
        assert api.call("GET", f"{queue}&profession={role}", who=COORDINATOR_A)[0] == 404
    # the nurse of the unit sees her own profession's overdue case flagged too, not the doctor's
    status, nurse_view = api.call("GET", queue, who=NURSE_A)
    assert status == 200
    assert {c["case_id"]: c["escalated"] for c in nurse_view["cases"]} == {nurses.case_id: True, in_time.case_id: False}
    # a nurse of another unit: not this unit's queue (404, nothing leaks), and none of its cases in hers
    status, refused = api.call("GET", queue, who=NURSE_B)
    assert status == 404 and nurses.case_id not in str(refused) and doctors.case_id not in str(refused)
    status, own = api.call("GET", f"/staff/queue?unit_id={UNIT_B}", who=NURSE_B)
    assert status == 200 and own["cases"] == []
    assert {r[0] for r in listed} == {COORDINATOR_A.subject}
    assert not [r for r in api.container.audit_log.of_patient(TENANT, ANNA.subject) if r["actor"] == NURSE_B.subject]

    # once a doctor takes the late case it leaves her escalated list
    assert api.call("POST", f"/staff/cases/{doctors.case_id}/claim", who=DOCTOR_A)[0] == 200
    status, after = api.call("GET", queue, who=COORDINATOR_A)
    assert status == 200
    assert [c["case_id"] for c in after["cases"] if c["escalated"]] == [nurses.case_id]
