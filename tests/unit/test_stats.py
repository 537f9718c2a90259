"""Statistics, pure: what each domain event adds to which counter row, and how a period's rows add up."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case, CaseStatus
from chalicelib.domain.stats import (
    OverrideEntry,
    Row,
    RowKey,
    complaint_of,
    direction,
    merged_rows,
    months_of,
    period_days,
    summarise,
    triage_quality,
    unit_at,
    what_counts,
)

# 23:30 UTC on 30 Nov is 00:30 on 1 Dec in Sweden: the case belongs to December's partition
SUBMITTED = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
COLD = "cold@2;engine@1"


def _case(*, priority: str | None = "P3", disposition: str = "chat", ruleset: str = COLD, **changes: object) -> Case:
    triage = {
        "priority": priority,
        "disposition": disposition,
        "ruleset_version": ruleset,
        "deadline": (SUBMITTED + timedelta(hours=24)).isoformat() if priority else None,
    }
    case = Case.submit(
        case_id="c1",
        tenant="r",
        unit_id="u1",
        patient_ref="p1",
        reason="Hosta",
        free_text="",
        priority=priority,
        profession="nurse",
        now=SUBMITTED,
        disposition=disposition,
        triage=triage,
        triage_answers=[{"step_id": "complaint", "question": {"sv": "", "en": ""}, "answer": "cold"}],
    )
    return dataclasses.replace(case, **changes)  # type: ignore[arg-type]


def _event(kind: str, data: dict[str, object], *, at: datetime = SUBMITTED, event_id: str = "e1") -> DomainEvent:
    return DomainEvent(event_id, kind, "r", "c1", at.isoformat(), data)


def test_a_submitted_case_counts_once_on_its_swedish_submit_day_under_its_triage_codes() -> None:
    case = _case()
    increment, review = what_counts(_event("CaseSubmitted", {"unit_id": "u1", "priority": "P3"}), case)
    assert review is None and increment is not None
    assert increment.unit_id == "u1"
    assert increment.key == RowKey("2026-12-01", "cold", COLD, "P3", "chat")
    assert increment.key.month == "2026-12"
    assert dict(increment.counts) == {"cases": 1}


def test_self_care_advice_is_counted_as_self_care_even_when_contact_was_chosen_before_the_event_arrived() -> None:
    # the case already says P5/chat (contact anyway), but it was submitted as self-care: that is its volume row
    later = _case(priority="P5", disposition="chat", status=CaseStatus.QUEUED)
    increment, _ = what_counts(_event("CaseSubmitted", {"unit_id": "u1", "priority": None}), later)
    assert increment is not None
    assert (increment.key.priority, increment.key.disposition) == ("none", "self_care")
    assert dict(increment.counts) == {"cases": 1}
    queued, _ = what_counts(_event("CaseQueued", {"priority": "P5", "reason": "contact_anyway"}), later)
    assert queued is not None
    assert (queued.key.priority, queued.key.disposition) == ("P5", "chat")
    assert dict(queued.counts) == {"contact_anyway": 1}


def test_contact_chosen_at_submit_counts_both_the_case_and_the_contact_anyway() -> None:
    increment, _ = what_counts(_event("CaseSubmitted", {"unit_id": "u1", "priority": "P5"}), _case(priority="P5"))
    assert increment is not None and dict(increment.counts) == {"cases": 1, "contact_anyway": 1}


def test_a_released_case_queued_again_counts_nothing() -> None:
    assert what_counts(_event("CaseQueued", {"priority": "P3", "reason": "released"}), _case()) == (None, None)


def test_staffs_first_message_counts_the_first_contact_against_the_deadline() -> None:
    in_time = SUBMITTED + timedelta(hours=2)
    case = _case(first_contact_at=in_time)
    increment, _ = what_counts(_event("MessagePosted", {"seq": 2, "sender_kind": "staff"}, at=in_time), case)
    assert increment is not None
    assert dict(increment.counts) == {"contacted": 1, "wait_seconds": 7200, "within_deadline": 1}
    # a second message in the same second is "at" the first contact too: the case's first contact is counted once
    quick = _event("MessagePosted", {"seq": 3, "sender_kind": "staff"}, at=in_time + timedelta(milliseconds=300))
    again, _ = what_counts(quick, case)
    assert again is not None and again.once == increment.once == "first_contact:c1"

    late = SUBMITTED + timedelta(hours=30)
    case = _case(first_contact_at=late)
    increment, _ = what_counts(_event("MessagePosted", {"seq": 1, "sender_kind": "staff"}, at=late), case)
    assert increment is not None and dict(increment.counts) == {"contacted": 1, "wait_seconds": 30 * 3600}


def test_a_later_staff_message_or_a_citizens_message_is_not_a_first_contact() -> None:
    first = SUBMITTED + timedelta(hours=2)
    case = _case(first_contact_at=first)
    later = _event("MessagePosted", {"seq": 3, "sender_kind": "staff"}, at=first + timedelta(minutes=5))
    assert what_counts(later, case) == (None, None)
    citizen = _event("MessagePosted", {"seq": 1, "sender_kind": "citizen"}, at=first)
    assert what_counts(citizen, case) == (None, None)


def test_an_override_deadline_is_the_one_the_first_contact_is_measured_against() -> None:
    contact = SUBMITTED + timedelta(hours=2)
    tighter = {"deadline": (SUBMITTED + timedelta(hours=1)).isoformat(), "to_priority": "P2", "by": "SE-S1"}
    case = _case(first_contact_at=contact, overrides=[tighter])
    increment, _ = what_counts(_event("MessagePosted", {"sender_kind": "staff"}, at=contact), case)
    assert increment is not None and "within_deadline" not in increment.counts


def test_closing_counts_the_outcome_on_the_cases_row() -> None:
    increment, _ = what_counts(_event("CaseClosed", {"outcome": "booked", "closed_by": "SE-S1"}), _case())
    assert increment is not None
    assert increment.key == RowKey("2026-12-01", "cold", COLD, "P3", "chat")
    assert dict(increment.counts) == {"closed_booked": 1}


def test_an_override_counts_its_direction_and_is_listed_for_review_without_its_reason() -> None:
    data = {
        "from_priority": "P3",
        "to_priority": "P2",
        "from_profession": "nurse",
        "to_profession": "nurse",
        "reason": "Andningspåverkad i chatten",
        "by": "SE-S1",
        "at": "2026-12-01T08:00:00+00:00",
        "deadline": None,
    }
    increment, review = what_counts(_event("TriageOverridden", data, event_id="ev-9"), _case())
    assert increment is not None and dict(increment.counts) == {"overrides_up": 1}
    assert review == OverrideEntry(
        unit_id="u1",
        day="2026-12-01",
        case_id="c1",
        event_id="ev-9",
        at="2026-12-01T08:00:00+00:00",
        by="SE-S1",
        complaint="cold",
        ruleset=COLD,
        direction="up",
        from_priority="P3",
        to_priority="P2",
        from_profession="nurse",
        to_profession="nurse",
    )
    assert "Andningspåverkad" not in repr(review)


def test_direction_of_an_override() -> None:
    assert direction("P3", "P1") == "up"
    assert direction("P2", "P4") == "down"
    assert direction("P3", "P3") == "profession"


def test_the_complaint_is_the_deciding_protocol_or_the_answer_or_none() -> None:
    assert complaint_of({"ruleset_version": "sore_throat@3;engine@1"}) == "sore_throat"
    other = [{"step_id": "complaint", "answer": "other"}]
    assert complaint_of({"ruleset_version": "engine@1"}, other) == "other"
    assert complaint_of({"ruleset_version": "engine@1"}) == "none"
    assert complaint_of(None) == "none"


def test_a_row_key_reads_back_from_its_sort_key() -> None:
    key = RowKey("2026-12-01", "cold", COLD, "none", "self_care")
    assert key.sort_key() == "C#2026-12-01#cold#cold@2;engine@1#none#self_care"
    assert RowKey.parse(key.sort_key()) == key


def test_a_period_reads_one_partition_per_month_it_touches() -> None:
    assert months_of(date(2026, 11, 20), date(2027, 1, 3)) == ["2026-11", "2026-12", "2027-01"]
    assert months_of(date(2026, 12, 1), date(2026, 12, 31)) == ["2026-12"]
    assert period_days(date(2026, 12, 30), date(2027, 1, 1)) == ["2026-12-30", "2026-12-31", "2027-01-01"]


def _row(day: str, priority: str, disposition: str, ruleset: str = COLD, **counts: int) -> Row:
    return Row(RowKey(day, ruleset.split("@")[0], ruleset, priority, disposition), counts)


def test_a_period_adds_up_to_what_a_manager_reads() -> None:
    rows = [
        _row("2026-12-01", "P3", "chat", cases=4, contacted=4, within_deadline=3, wait_seconds=4 * 3600),
        _row("2026-12-01", "none", "self_care", cases=3),
        _row("2026-12-02", "P5", "chat", cases=1, contact_anyway=2, contacted=1, within_deadline=1, wait_seconds=600),
        _row("2026-12-02", "P3", "chat", closed_advice_given=2, overrides_up=1),
    ]
    summary = summarise(rows, period_days(date(2026, 12, 1), date(2026, 12, 3)))
    totals = summary.totals
    assert totals.counts["cases"] == 8
    assert totals.share_within_deadline == 0.8  # 4 of 5 first contacts in time
    assert totals.average_wait_minutes == round((4 * 3600 + 600) / 5 / 60, 1)
    assert totals.self_care_advised == 4  # three advised self-care, one chose contact at once (P5)
    assert totals.share_contact_anyway == 0.5  # two of those four asked for contact anyway
    assert totals.counts["closed_advice_given"] == 2 and totals.overrides == 1
    assert list(summary.by_day) == ["2026-12-01", "2026-12-02", "2026-12-03"]  # a quiet day shows as zero
    assert summary.by_day["2026-12-03"].counts["cases"] == 0
    assert summary.by_priority["P3"].counts["cases"] == 4
    assert summary.by_disposition["self_care"].counts["cases"] == 3
    assert merged_rows([*rows, rows[0]])[0].counts["cases"] == 8


def test_two_ruleset_versions_of_a_protocol_show_their_mix_side_by_side() -> None:
    rows = [
        _row("2026-12-01", "P3", "chat", ruleset="cold@1;engine@1", cases=3, overrides_up=1),
        _row("2026-12-01", "none", "self_care", ruleset="cold@1;engine@1", cases=1),
        _row("2026-12-02", "P3", "chat", ruleset="cold@2;engine@1", cases=1),
        _row("2026-12-02", "none", "self_care", ruleset="cold@2;engine@1", cases=3, overrides_down=1),
    ]
    first, second = triage_quality(rows)
    assert (first.ruleset, first.priorities, first.dispositions) == (
        "cold@1;engine@1",
        {"P3": 3, "none": 1},
        {"chat": 3, "self_care": 1},
    )
    assert (second.ruleset, second.priorities) == ("cold@2;engine@1", {"P3": 1, "none": 3})
    assert (first.totals.counts["overrides_up"], second.totals.counts["overrides_down"]) == (1, 1)


def test_what_happened_is_counted_at_the_unit_the_case_was_at_then() -> None:
    sent = SUBMITTED + timedelta(hours=1)
    rejected = {"state": "rejected", "from_unit_id": "u1", "to_unit_id": "u2", "at": sent.isoformat(),
                "answered_at": (sent + timedelta(hours=1)).isoformat()}  # fmt: skip
    accepted = {
        "state": "accepted",
        "from_unit_id": "u1",
        "to_unit_id": "u3",
        "at": (sent + timedelta(hours=3)).isoformat(),
    }
    case = _case(unit_id="u3", referrals=[rejected, accepted])
    assert unit_at(case, SUBMITTED) == "u1"
    assert unit_at(case, sent + timedelta(minutes=30)) == "u2"  # waiting at u2
    assert unit_at(case, sent + timedelta(hours=2)) == "u1"  # sent back
    assert unit_at(case, sent + timedelta(hours=4)) == "u3"
    override = {
        "from_priority": "P3",
        "to_priority": "P4",
        "by": "SE-S1",
        "at": (sent + timedelta(hours=2)).isoformat(),
    }
    increment, review = what_counts(_event("TriageOverridden", override), case)
    assert increment is not None and review is not None
    assert (increment.unit_id, review.unit_id, dict(increment.counts)) == ("u1", "u1", {"overrides_down": 1})
