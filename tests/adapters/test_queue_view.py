"""The staff queue read from the queue view index (gsi3): only what a queue entry shows, page by page.

The index projects a case's few scalar fields and one compact attribute derived from the whole case when it is
written (``QueuedCase.card``). Random cases — overrides, referrals of every kind and state, names, ages, messages,
claims and releases — are stored, and the queue read from the projection must be, entry for entry, what the whole
cases of the unit queue (gsi1) give; and paging through it must give the whole queue once, in order, with the whole
queue's counts on every page."""

from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import dynamo, keys, tables
from chalicelib.domain.model import (
    Case,
    CaseStatus,
    Message,
    Principal,
    PrincipalKind,
    QueuedCase,
    SenderKind,
    UnitRole,
)
from chalicelib.services.audit import ground_of

T = "testregion"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
UNIT = "u1"
PROFESSIONS = ("nurse", "doctor", "psychologist")


@pytest.fixture
def cases(container: Any) -> dynamo.DynamoCases:
    return container.cases._cases  # the adapter the service uses, configured by bootstrap


def _referral(rng: random.Random, i: int) -> dict[str, Any]:
    kind = rng.choice(["referral", "overflow", "region"])
    referral = {
        "referral_id": f"r{i}",
        "kind": kind,
        "state": rng.choice(["pending", "accepted", "rejected"]),
        "from_unit_id": rng.choice(["u0", "u2"]),
        "to_unit_id": rng.choice([UNIT, "u2"]),
        "by": rng.choice(["SE-S1", "SE-S2", "SE-S9"]),
        "by_name": rng.choice(["Syster Sara", ""]),
        "at": (NOW - timedelta(minutes=rng.randrange(300))).isoformat(),
        "situation": "S-text that the queue does not show",
    }
    if kind == "region":
        referral |= {"from_unit_name": "Vårdcentral X", "from_region_name": "Region Kalmar"}
    return referral


def _random_case(rng: random.Random, i: int) -> Case:
    priority = rng.choice(["P1", "P2", "P3", "P4", "P5"])
    submitted = NOW - timedelta(minutes=rng.randrange(600), microseconds=rng.randrange(10**6))
    case = Case.submit(
        case_id=f"case-{i:03d}",
        tenant=T,
        unit_id=UNIT,
        patient_ref=f"patient-{rng.randrange(8)}",
        reason=rng.choice(["Halsont", "Feber", "Hosta <b>", "Ont i örat"]),
        free_text="fritext som kön inte visar",
        priority=priority,
        profession=rng.choice(PROFESSIONS),
        now=submitted,
    )
    deadline = submitted + timedelta(minutes=rng.choice([15, 60, 240, 1440]))
    overrides = [
        {"at": NOW.isoformat(), "by": "SE-S1", "priority": priority, "reason": "ändrad"}
        | ({"deadline": (NOW + timedelta(minutes=rng.randrange(-90, 90))).isoformat()} if rng.random() < 0.7 else {})
        for _ in range(rng.choice([0, 0, 1, 2]))
    ]
    return dataclasses.replace(
        case,
        disposition=rng.choice([None, "chat", "video"]),
        triage=rng.choice([None, {"deadline": deadline.isoformat(), "priority": priority, "why": "x" * 200}]),
        patient_name=rng.choice(["", "Anna", "Anna Maria Svensson", "  Bo  Ek "]),
        patient_age=rng.choice([None, 0, 4, 15, 40, 90]),
        overrides=overrides,
        referrals=[_referral(rng, n) for n in range(rng.choice([0, 0, 1, 2]))],
        triage_answers=[{"step_id": "q1", "value": "no"}],
    )


def _store(cases: dynamo.DynamoCases, case: Case) -> Case:
    return cases.create(case, now=NOW, idempotency=(case.patient_ref, f"key-{case.case_id}", "h", {}))


def _fill(cases: dynamo.DynamoCases, rng: random.Random, count: int) -> None:
    """Random cases of the unit, some of them then messaged, claimed, released or closed."""
    for i in range(count):
        stored = _store(cases, _random_case(rng, i))
        if rng.random() < 0.3:  # a chat message: the counter changes in place (UpdateItem), not by a whole put
            message = Message(stored.case_id, 1, f"m{i}", SenderKind.STAFF, "SE-S1", "Sara", "Hej", NOW)
            cases.append_message(stored, message, now=NOW)
            stored = cases.get(T, stored.case_id) or stored
        roll = rng.random()
        if roll < 0.15:  # claimed: leaves the queue
            cases.save(dataclasses.replace(stored, status=CaseStatus.CLAIMED, claimed_by="SE-S1"), now=NOW)
        elif roll < 0.25:  # claimed and put back: in the queue again, at its place
            claimed = cases.save(dataclasses.replace(stored, status=CaseStatus.CLAIMED, claimed_by="SE-S1"), now=NOW)
            cases.save(dataclasses.replace(claimed, status=CaseStatus.QUEUED, claimed_by=None), now=NOW)
        elif roll < 0.3:
            cases.save(dataclasses.replace(stored, status=CaseStatus.CLOSED), now=NOW)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_queue_view_shows_exactly_what_the_whole_cases_show(cases: dynamo.DynamoCases, seed: int) -> None:
    rng = random.Random(seed)
    _fill(cases, rng, 70)
    for wanted in (PROFESSIONS, ("nurse",), ("doctor", "psychologist")):
        whole = cases.queue(T, UNIT, wanted)  # the unit queue index (gsi1): whole case items
        page = cases.queue_page(T, UNIT, wanted, size=500)
        assert page.after is None
        assert page.cases == [QueuedCase.of(c) for c in whole]
        assert page.counts == dict(Counter(c.priority for c in whole))
        assert page.total == len(whole) > 0
        principals = [
            Principal(T, PrincipalKind.STAFF, hsa, "Vårdare", "siths", "loa3", (UnitRole(UNIT, "nurse"),))
            for hsa in ("SE-S1", "SE-S2", "SE-S3")
        ]
        for shown, case in zip(page.cases, whole, strict=True):
            # what the entry derives is what the whole case says
            assert shown.deadline == case.deadline
            assert shown.is_overdue(NOW) == case.is_overdue(NOW)
            assert shown.message_seq == case.message_seq
            assert shown.patient_first_name == (case.patient_name.split() or [""])[0]
            assert shown.overridden == bool(case.overrides)
            pending = case.pending_referral
            assert (shown.pending_referral is None) == (pending is None)
            if pending is not None:
                assert shown.pending_referral is not None
                assert shown.pending_referral.items() <= pending.items()
            for who in principals:
                assert ground_of(who, shown) == ground_of(who, case)


def test_the_queue_view_index_holds_no_more_patient_data_than_the_queue_shows(
    cases: dynamo.DynamoCases, aws: Any
) -> None:
    _fill(cases, random.Random(7), 20)
    table = aws["resources"].main_table["TableName"]
    answer = aws["dynamodb"].query(
        TableName=table,
        IndexName=tables.QUEUE_VIEW_INDEX,
        KeyConditionExpression="gsi3pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.queue_pk(T, UNIT)}},
    )
    assert answer["Items"]
    allowed = {"pk", "sk", "gsi3pk", "gsi3sk", *tables.QUEUE_VIEW_ATTRIBUTES}
    for item in answer["Items"]:
        assert set(item) <= allowed
        assert "free_text" not in item and "triage_answers" not in item and "patient_name" not in item
        card = json.loads(item["queue_card"]["S"])
        assert card["status"] == "queued"
        assert not {"free_text", "triage", "triage_answers", "patient_name", "overrides"} & set(card)
        assert " " not in card.get("first_name", "")  # the first name only, as the queue shows it
        assert all(set(r) <= {"to_unit_id", "by"} for r in card.get("referrals", []))  # no SBAR texts
    index = next(
        i
        for i in aws["dynamodb"].describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
        if i["IndexName"] == tables.QUEUE_VIEW_INDEX
    )
    assert index["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": list(tables.QUEUE_VIEW_ATTRIBUTES),
    }


def test_paging_gives_the_whole_queue_once_in_order_with_the_whole_queues_counts(cases: dynamo.DynamoCases) -> None:
    _fill(cases, random.Random(11), 130)
    for wanted in (PROFESSIONS, ("nurse",)):
        whole = [c.case_id for c in cases.queue(T, UNIT, wanted)]
        counts = dict(Counter(c.priority for c in cases.queue(T, UNIT, wanted)))
        assert len(whole) > 25
        seen: list[str] = []
        after: str | None = None
        pages = 0
        while True:
            page = cases.queue_page(T, UNIT, wanted, after=after, size=10)
            pages += 1
            assert len(page.cases) == 10 or page.after is None
            assert page.counts == counts and page.total == len(whole)
            seen += [c.case_id for c in page.cases]
            after = page.after
            if after is None:
                break
        assert seen == whole
        assert pages == -(-len(whole) // 10)


def test_a_page_that_holds_the_whole_queue_has_no_next_page(cases: dynamo.DynamoCases) -> None:
    for i, priority in enumerate(["P3", "P1", "P2"]):
        case = dataclasses.replace(_random_case(random.Random(i), i), priority=priority, profession="nurse")
        _store(cases, dataclasses.replace(case, overrides=[], referrals=[]))
    page = cases.queue_page(T, UNIT, ["nurse"], size=3)
    assert [c.priority for c in page.cases] == ["P1", "P2", "P3"]
    assert page.after is None and page.total == 3 and page.counts == {"P1": 1, "P2": 1, "P3": 1}
    assert cases.queue_page(T, UNIT, [], size=3).cases == []
