"""The routing rule, table-driven: every rule and fallback, opening hours at their edges, a missing profession, no
listing, full capacity — and that the explanation kept on the case names the rule that decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.domain.routing import Decision, Entry, Fallback, RoutingRules, UnitFacts, route
from chalicelib.services.routing import entry_of, simulated_outcome

WEEKDAYS = {d: [["08:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
EVENINGS = {d: [["16:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

A, B, C, D, P, J = "SE1-A", "SE1-B", "SE1-C", "SE1-D", "SE1-P", "SE1-J"  # made-up unit ids
UNITS = {
    A: UnitFacts(A, "Huskvarna", frozenset({"nurse", "doctor"}), {"chat": WEEKDAYS, "video": WEEKDAYS},
                 capacity={"nurse": 2}),
    B: UnitFacts(B, "Nässjö", frozenset({"nurse", "psychologist"}), {"chat": WEEKDAYS}),
    C: UnitFacts(C, "Tenhult", frozenset({"nurse", "physiotherapist", "occupational_therapist"}),
                 {"chat": WEEKDAYS, "physical": WEEKDAYS}),
    D: UnitFacts(D, "Digitala", frozenset({"nurse", "doctor"}), {"chat": ALWAYS, "video": ALWAYS},
                 capacity={"nurse": 5}),
    P: UnitFacts(P, "1177", frozenset({"nurse"}), {"chat": ALWAYS}),
    J: UnitFacts(J, "Jourcentralen", frozenset({"nurse", "doctor"}), {"physical": EVENINGS}),
}  # fmt: skip
RULES = RoutingRules(fallbacks=(Fallback(D, frozenset({"nurse", "doctor"})),), p5_pool=P)
BARE = RoutingRules()  # no fallbacks, no pool, 1177 after hours

WED_10 = datetime(2026, 11, 25, 10, 0, tzinfo=SWEDEN)
WED_1629 = datetime(2026, 11, 25, 16, 29, tzinfo=SWEDEN)
WED_1630 = datetime(2026, 11, 25, 16, 30, tzinfo=SWEDEN)
WED_0759 = datetime(2026, 11, 25, 7, 59, tzinfo=SWEDEN)
SAT_22 = datetime(2026, 11, 28, 22, 0, tzinfo=SWEDEN)


def decide(
    *,
    disposition: str = "chat",
    priority: str | None = "P3",
    profession: str = "nurse",
    entry: Entry = Entry("region"),
    listed: str | None = None,
    at: datetime = WED_10,
    rules: RoutingRules = RULES,
    waiting: dict[str, dict[str, int]] | None = None,
) -> Decision:
    units = dict(UNITS)
    for unit_id, counts in (waiting or {}).items():
        u = units[unit_id]
        units[unit_id] = UnitFacts(u.unit_id, u.name, u.professions, u.opening_hours, u.capacity, counts)
    outcome = simulated_outcome(disposition=disposition, priority=priority, profession=profession, at=at)
    return route(
        outcome, entry=entry, listed_unit_id=listed, units=units, rules=rules, now=at, region_units=list(UNITS)
    )


LINK_A = Entry("unit_link", A)
# (name, arguments, unit, rule, disposition, profession)
TABLE: list[tuple[str, dict[str, Any], str, str, str, str]] = [
    ("a unit's link: that unit", {"entry": LINK_A}, A, "entry_unit", "chat", "nurse"),
    ("chosen in the list: that unit", {"entry": Entry("chosen", B)}, B, "entry_unit", "chat", "nurse"),
    ("an app's deep link: that unit", {"entry": Entry("app", B)}, B, "entry_unit", "chat", "nurse"),
    ("the link's unit lacks the profession: the listed unit",
     {"entry": LINK_A, "profession": "psychologist", "listed": B}, B, "listed_unit", "chat", "psychologist"),
    ("region-wide: the listed unit", {"listed": A, "priority": "P2"}, A, "listed_unit", "chat", "nurse"),
    ("region-wide, not listed: the fallback", {"priority": "P2"}, D, "fallback", "chat", "nurse"),
    ("listed at a unit not in Nära: the fallback", {"listed": "SE1-X"}, D, "fallback", "chat", "nurse"),
    ("open one minute before closing", {"listed": A, "priority": "P2", "at": WED_1629}, A, "listed_unit", "chat",
     "nurse"),
    ("closed at closing time, P2 cannot wait: the fallback", {"listed": A, "priority": "P2", "at": WED_1630}, D,
     "fallback", "chat", "nurse"),
    ("a minute before opening, P2 can wait for it", {"listed": A, "priority": "P2", "at": WED_0759}, A,
     "listed_unit", "chat", "nurse"),
    ("Saturday night, P3 cannot wait until Monday: the fallback", {"listed": A, "at": SAT_22}, D, "fallback",
     "chat", "nurse"),
    ("Saturday night, P4 can wait until Monday", {"listed": A, "priority": "P4", "at": SAT_22}, A, "listed_unit",
     "chat", "nurse"),
    ("the unit is full: the fallback", {"entry": LINK_A, "waiting": {A: {"nurse": 2}}}, D, "fallback", "chat",
     "nurse"),
    ("one place left: the unit", {"entry": LINK_A, "waiting": {A: {"nurse": 1}}}, A, "entry_unit", "chat", "nurse"),
    ("full for nurses only: a doctor's case stays", {"entry": LINK_A, "profession": "doctor",
     "waiting": {A: {"nurse": 9}}}, A, "entry_unit", "chat", "doctor"),
    ("everyone full: the first of them", {"entry": LINK_A, "waiting": {A: {"nurse": 2}, D: {"nurse": 5}}}, A,
     "all_full", "chat", "nurse"),
    ("P5: the region's pool", {"entry": LINK_A, "priority": "P5"}, P, "p5_pool", "chat", "nurse"),
    ("P5 without a pool: the unit", {"entry": LINK_A, "priority": "P5", "rules": BARE}, A, "entry_unit", "chat",
     "nurse"),
    ("P5 waits for a closed unit", {"entry": LINK_A, "priority": "P5", "rules": BARE, "at": SAT_22}, A,
     "entry_unit", "chat", "nurse"),
    ("a phone call's unit, even when full", {"entry": Entry("phone", A), "waiting": {A: {"nurse": 2}}}, A,
     "phone_invite", "chat", "nurse"),
    ("a phone call's unit comes before the P5 pool", {"entry": Entry("phone", A), "priority": "P5"}, A,
     "phone_invite", "chat", "nurse"),
    ("no candidate offers the profession: the region's unit that does",
     {"entry": LINK_A, "profession": "psychologist", "priority": "P4"}, B, "region_unit", "chat", "psychologist"),
    ("the region's unit with the profession is closed: after hours, not elsewhere",
     {"entry": LINK_A, "profession": "psychologist", "priority": "P2", "at": SAT_22}, B, "after_hours",
     "call_1177", "psychologist"),
    ("nobody offers the profession: 1177", {"profession": "midwife", "listed": A}, A, "no_unit", "call_1177",
     "midwife"),
    ("closed, no fallback, P2: 1177 after hours", {"listed": A, "priority": "P2", "at": SAT_22, "rules": BARE}, A,
     "after_hours", "call_1177", "nurse"),
    ("closed, no fallback, P1 chat: 112", {"listed": A, "priority": "P1", "at": SAT_22, "rules": BARE}, A,
     "after_hours", "emergency_112", "nurse"),
    ("closed, the region's jourcentral after hours", {"listed": A, "priority": "P2", "at": WED_1630,
     "rules": RoutingRules(after_hours="jourcentral", jourcentral=J)}, J, "after_hours", "physical", "nurse"),
    ("self-care needs no unit: kept at the link's unit", {"entry": LINK_A, "disposition": "self_care",
     "priority": None}, A, "record_only", "self_care", "nurse"),
    ("self-care, region-wide, not listed: kept at the fallback", {"disposition": "self_care", "priority": None},
     D, "record_only", "self_care", "nurse"),
    ("self-care, region-wide, not listed, no fallback: the region's first unit", {"disposition": "self_care",
     "priority": None, "rules": BARE}, A, "record_only", "self_care", "nurse"),
    ("112 is never routed", {"entry": Entry("chosen", B), "disposition": "emergency_112", "priority": "P1"}, B,
     "record_only", "emergency_112", "nurse"),
    ("a physiotherapist's link, non-urgent nurse case: the physiotherapist",
     {"entry": Entry("unit_link", C, "physiotherapist"), "priority": "P4"}, C, "entry_unit", "chat",
     "physiotherapist"),
    ("a physiotherapist's link, P3: the triage's nurse", {"entry": Entry("unit_link", C, "physiotherapist")}, C,
     "entry_unit", "chat", "nurse"),
    ("a physiotherapist's link, a doctor's case: the doctor elsewhere",
     {"entry": Entry("unit_link", C, "physiotherapist"), "priority": "P4", "profession": "doctor"}, D, "fallback",
     "chat", "doctor"),
    ("a link for a profession the triage does not assign is kept as the unit's link",
     {"entry": Entry("unit_link", C, "occupational_therapist"), "priority": "P4"}, C, "entry_unit", "chat",
     "nurse"),
    ("a physical visit follows the physical hours", {"entry": Entry("chosen", C), "disposition": "physical",
     "priority": "P2", "at": SAT_22, "rules": BARE}, C, "after_hours", "call_1177", "nurse"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "args", "unit", "rule", "disposition", "profession"), TABLE, ids=[t[0] for t in TABLE]
)
def test_routing_rule(name: str, args: dict[str, Any], unit: str, rule: str, disposition: str, profession: str) -> None:
    decision = decide(**args)
    assert (decision.unit_id, decision.rule, decision.outcome.disposition.value, decision.outcome.profession.value) == (
        unit,
        rule,
        disposition,
        profession,
    ), name


@pytest.mark.parametrize("args", [t[1] for t in TABLE], ids=[t[0] for t in TABLE])
def test_the_explanation_names_the_rule_that_decided(args: dict[str, Any]) -> None:
    decision = decide(**args)
    record = decision.as_record()
    assert record["rule"] == decision.rule and record["unit_id"] == decision.unit_id
    taken = [c for c in record["considered"] if c["reason"] == "taken"]
    if decision.rule in ("all_full", "after_hours", "no_unit", "record_only"):
        assert taken == []  # nobody took it as it was: the explanation says what happened instead
    else:
        assert [(c["unit_id"], c["rule"]) for c in taken] == [(decision.unit_id, decision.rule)]
        name = UNITS[decision.unit_id].name
        assert name in record["explanation"]["sv"] and name in record["explanation"]["en"]
    # every alternative before the one taken says why it was passed over
    reasons = [c["reason"] for c in record["considered"]]
    if "taken" in reasons:
        assert all(r not in ("taken", "not_reached") for r in reasons[: reasons.index("taken")])
        assert all(r == "not_reached" for r in reasons[reasons.index("taken") + 1 :])


def test_the_alternatives_considered_say_why_each_was_passed_over() -> None:
    decision = decide(entry=LINK_A, profession="psychologist", listed="SE1-X", priority="P2")
    assert [(c.unit_id, c.rule, c.reason) for c in decision.considered] == [
        (A, "entry_unit", "no_profession"),
        ("SE1-X", "listed_unit", "unknown_unit"),
        (B, "region_unit", "taken"),  # the fallback covers nurses and doctors only; Nässjö has a psychologist
    ]
    assert "Huskvarna" in decision.considered[0].text.sv and "psykolog" in decision.considered[0].text.sv
    assert "Nässjö" in decision.explanation.sv and "psychologist" in decision.explanation.en


def test_fallbacks_are_tried_in_order_for_their_professions_and_priorities() -> None:
    rules = RoutingRules(
        fallbacks=(
            Fallback(B, frozenset({"psychologist"})),
            Fallback(P, frozenset({"nurse"}), frozenset({"P4"})),
            Fallback(D, frozenset()),
        )
    )
    assert decide(rules=rules, priority="P4").unit_id == P
    assert decide(rules=rules, priority="P3").unit_id == D  # P's fallback is for P4 only
    assert decide(rules=rules, profession="psychologist").unit_id == B
    assert [c.rule for c in decide(rules=rules, priority="P4").considered] == ["fallback", "fallback"]


def test_a_draft_remembers_how_it_was_entered() -> None:
    assert entry_of(None, A) == Entry("chosen", A)  # drafts from before entries were kept
    assert entry_of(None, None) == Entry("region")
    assert entry_of({"channel": "unit_link", "unit_id": C, "profession": "physiotherapist"}, C) == Entry(
        "unit_link", C, "physiotherapist"
    )
    assert entry_of({"channel": "phone_invite", "unit_id": A, "invited_by": "x"}, A) == Entry("phone", A)


def test_rules_from_the_region_item() -> None:
    rules = RoutingRules.of(
        {
            "routing": {"fallbacks": [{"unit_id": D, "professions": ["nurse"], "priorities": ["P3"]}], "p5_pool": P},
            "after_hours": {"jourcentral": J},
        }
    )
    assert rules == RoutingRules(
        fallbacks=(Fallback(D, frozenset({"nurse"}), frozenset({"P3"})),),
        p5_pool=P,
        after_hours="jourcentral",
        jourcentral=J,
    )
    assert RoutingRules.of({}) == RoutingRules()
