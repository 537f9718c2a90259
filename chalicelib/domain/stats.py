"""Statistics and triage quality: what a domain event adds to which counter, and how counters add up.

Pure: the ``stats`` consumer (``chalicelib/services/stats.py``) asks :func:`what_counts` what an event means, the
adapter stores it exactly once, and :func:`summarise` / :func:`triage_quality` turn the counter rows of a period
into what a manager reads. Counters hold codes and numbers only (docs/statistics.md).

A case is counted in one **row**: the Swedish calendar day it was submitted, the complaint (protocol id), the ruleset
version that decided, and the triage's priority and disposition (the bot's outcome; staff overrides are counted
beside it, never moved into it). Everything that later happens to the case is added to a row of that day, so a
day's row says what became of the cases that came in that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import CLOSE_OUTCOMES, PRIORITIES, Case

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
NONE = "none"  # no priority (self-care), no protocol, no disposition
SELF_CARE = "self_care"
CONTACT_ANYWAY_PRIORITY = "P5"  # P5 Avvakta: triaged to self-care, and the citizen chose contact anyway
DIRECTIONS = ("up", "down", "profession")  # more urgent, less urgent, same priority but another profession
CLOSED = tuple(f"closed_{o}" for o in CLOSE_OUTCOMES)
OVERRIDES = tuple(f"overrides_{d}" for d in DIRECTIONS)
COUNTERS = ("cases", "contact_anyway", "contacted", "within_deadline", "wait_seconds", *CLOSED, *OVERRIDES)
COUNTED_EVENTS = ("CaseSubmitted", "CaseQueued", "MessagePosted", "CaseClosed", "TriageOverridden")
MAX_DAYS = 366  # the longest period one request reads (at most 13 month partitions)
_UNSAFE = re.compile(r"[^0-9A-Za-z_.@;:+-]")  # kept out of a counter's sort key (# separates its parts)


def local_day(at: datetime) -> str:
    """The Swedish calendar day (YYYY-MM-DD) of an instant."""
    return at.astimezone(SWEDISH_TIME).date().isoformat()


def _code(value: object) -> str:
    text = str(value) if value not in (None, "") else NONE
    return _UNSAFE.sub("_", text)[:80]


@dataclass(frozen=True, order=True)
class RowKey:
    """One counter row of a unit: a day and the case's triage codes."""

    day: str
    complaint: str
    ruleset: str
    priority: str
    disposition: str

    PREFIX = "C#"

    @property
    def month(self) -> str:
        return self.day[:7]

    def sort_key(self) -> str:
        return f"{self.PREFIX}{self.day}#{self.complaint}#{self.ruleset}#{self.priority}#{self.disposition}"

    @staticmethod
    def parse(sort_key: str) -> RowKey:
        day, complaint, ruleset, priority, disposition = sort_key.removeprefix(RowKey.PREFIX).split("#")
        return RowKey(day, complaint, ruleset, priority, disposition)


@dataclass(frozen=True)
class Increment:
    """What one event adds to one counter row of one unit (each counter at most once per event)."""

    unit_id: str
    key: RowKey
    counts: Mapping[str, int]
    # What is counted once, if not the event: a case's first contact is one, whichever of the staff messages sent
    # within the same second as it carries it (two quick messages are both "at" the first contact).
    once: str | None = None

    @property
    def counter_id(self) -> str:
        """Names the counter in the event's exactly-once marker."""
        return f"{self.unit_id}#{self.key.sort_key()}"


@dataclass(frozen=True)
class OverrideEntry:
    """A staff override of a case's triage, listed for clinical review (codes only: the reason stays on the case)."""

    unit_id: str
    day: str  # the case's submit day (its row)
    case_id: str
    event_id: str
    at: str
    by: str
    complaint: str
    ruleset: str
    direction: str
    from_priority: str
    to_priority: str
    from_profession: str
    to_profession: str

    def sort_key(self) -> str:
        return f"R#{self.day}#{self.at}#{self.case_id}#{self.event_id}"


def complaint_of(triage: Mapping[str, Any] | None, answers: Iterable[Mapping[str, Any]] = ()) -> str:
    """The complaint as a protocol id: the protocol of the ruleset that decided ("cold@2;engine@1" → "cold"), or
    the answer to the complaint question ("other"), or "none" (e.g. an emergency found before the complaint)."""
    ruleset = str((triage or {}).get("ruleset_version") or "")
    first = ruleset.split(";")[0]
    if first and not first.startswith("engine@"):
        return _code(first.split("@")[0])
    for entry in answers:
        if entry.get("step_id") == "complaint" and isinstance(entry.get("answer"), str):
            return _code(entry["answer"])
    return NONE


def _row(case: Case, day: str, *, priority: object, disposition: object) -> RowKey:
    triage = case.triage or {}
    return RowKey(
        day=day,
        complaint=complaint_of(triage, case.triage_answers),
        ruleset=_code(triage.get("ruleset_version")),
        priority=_code(priority),
        disposition=_code(disposition),
    )


def case_row(case: Case) -> RowKey:
    """The row of a case as it is now: its submit day and the triage's outcome (after "contact anyway", P5)."""
    triage = case.triage or {}
    return _row(
        case,
        local_day(case.submitted_at),
        priority=triage.get("priority") if case.triage is not None else case.priority,
        disposition=triage.get("disposition") or case.disposition,
    )


def direction(from_priority: object, to_priority: object) -> str:
    """up: more urgent (P3 → P2); down: less urgent; profession: the priority stayed (only the profession changed)."""
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    before, after = rank.get(str(from_priority)), rank.get(str(to_priority))
    if before is None or after is None or before == after:
        return "profession"
    return "up" if after < before else "down"


def _instant(raw: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        return None


def unit_at(case: Case, at: datetime | None) -> str:
    """The unit the case was at, at that time: referrals move it (a rejected one moves it back). The consumer may
    read the case long after the event, so what happened is counted where it happened."""
    if at is None or not case.referrals:
        return case.unit_id
    unit = str(case.referrals[0].get("from_unit_id") or case.unit_id)
    for referral in case.referrals:
        sent, answered = _instant(referral.get("at")), _instant(referral.get("answered_at"))
        if sent is not None and sent <= at:
            unit = str(referral.get("to_unit_id") or unit)
        if referral.get("state") == "rejected" and answered is not None and answered <= at:
            unit = str(referral.get("from_unit_id") or unit)
    return unit


def is_first_contact(case: Case, event: DomainEvent) -> bool:
    """A staff message that is the case's first contact (its time is the case's first_contact_at)."""
    if event.type != "MessagePosted" or event.data.get("sender_kind") != "staff" or case.first_contact_at is None:
        return False
    sent_at = _instant(event.occurred_at)
    return sent_at is not None and abs((sent_at - case.first_contact_at).total_seconds()) < 1


def what_counts(event: DomainEvent, case: Case) -> tuple[Increment | None, OverrideEntry | None]:
    """What an event adds: a counter row increment, and for an override also an entry for clinical review."""
    day = local_day(case.submitted_at)
    if event.type == "CaseSubmitted":
        priority = event.data.get("priority")  # the triage's, as the case was stored
        if priority is None:  # self-care advice (a later "contact anyway" does not move it)
            key = _row(case, day, priority=NONE, disposition=SELF_CARE)
        else:
            key = _row(
                case, day, priority=priority, disposition=(case.triage or {}).get("disposition") or case.disposition
            )
        counts = {"cases": 1}
        if priority == CONTACT_ANYWAY_PRIORITY:  # chose contact already when the advice was shown
            counts["contact_anyway"] = 1
        return Increment(str(event.data.get("unit_id") or case.unit_id), key, counts), None
    if event.type == "CaseQueued" and event.data.get("reason") == "contact_anyway":
        return Increment(unit_at(case, _instant(event.occurred_at)), case_row(case), {"contact_anyway": 1}), None
    at = _instant(event.occurred_at)
    if is_first_contact(case, event):
        assert case.first_contact_at is not None
        counts = {
            "contacted": 1,
            "wait_seconds": max(0, int((case.first_contact_at - case.submitted_at).total_seconds())),
        }
        deadline = case.deadline
        if deadline is not None and case.first_contact_at <= deadline:
            counts["within_deadline"] = 1
        once = f"first_contact:{case.case_id}"
        return Increment(unit_at(case, case.first_contact_at), case_row(case), counts, once=once), None
    if event.type == "CaseClosed" and event.data.get("outcome") in CLOSE_OUTCOMES:
        return Increment(unit_at(case, at), case_row(case), {f"closed_{event.data['outcome']}": 1}), None
    if event.type == "TriageOverridden":
        data = event.data
        way = direction(data.get("from_priority"), data.get("to_priority"))
        key = case_row(case)
        unit = unit_at(case, _instant(data.get("at")) or at)
        entry = OverrideEntry(
            unit_id=unit,
            day=day,
            case_id=case.case_id,
            event_id=event.event_id,
            at=str(data.get("at") or event.occurred_at),
            by=str(data.get("by") or ""),
            complaint=key.complaint,
            ruleset=key.ruleset,
            direction=way,
            from_priority=_code(data.get("from_priority")),
            to_priority=_code(data.get("to_priority")),
            from_profession=_code(data.get("from_profession")),
            to_profession=_code(data.get("to_profession")),
        )
        return Increment(unit, key, {f"overrides_{way}": 1}), entry
    return None, None


# --- Reading: a period's rows of a unit, added up ----------------------------------------------------------------


def period_days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def months_of(first: date, last: date) -> list[str]:
    """The months (YYYY-MM) a period touches: one counter partition each."""
    months: list[str] = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current.isoformat()[:7])
        current = (current + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Row:
    key: RowKey
    counts: Mapping[str, int]


@dataclass
class Totals:
    """Counters added up, with what a manager reads from them."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    self_care_advised: int = 0  # triaged to self-care: later chose contact or not

    def add(self, row: Row) -> None:
        for name in COUNTERS:
            self.counts[name] += int(row.counts.get(name, 0))
        if row.key.disposition == SELF_CARE:
            self.self_care_advised += int(row.counts.get("cases", 0))
        elif row.key.priority == CONTACT_ANYWAY_PRIORITY:
            self.self_care_advised += int(row.counts.get("cases", 0))  # advised, and chose contact at once

    @property
    def share_within_deadline(self) -> float | None:
        """Of the first contacts, the share made by the deadline (None when there were none)."""
        contacted = self.counts["contacted"]
        return round(self.counts["within_deadline"] / contacted, 4) if contacted else None

    @property
    def average_wait_minutes(self) -> float | None:
        contacted = self.counts["contacted"]
        return round(self.counts["wait_seconds"] / contacted / 60, 1) if contacted else None

    @property
    def share_contact_anyway(self) -> float | None:
        """Of the cases advised self-care, the share that asked for contact anyway."""
        advised = self.self_care_advised
        return round(self.counts["contact_anyway"] / advised, 4) if advised else None

    @property
    def overrides(self) -> int:
        return sum(self.counts[o] for o in OVERRIDES)


@dataclass
class Summary:
    totals: Totals
    by_day: dict[str, Totals]
    by_priority: dict[str, Totals]
    by_disposition: dict[str, Totals]
    by_complaint: dict[str, Totals]


def _group(rows: Iterable[Row], of: Any, keys: Iterable[str] = ()) -> dict[str, Totals]:
    groups: dict[str, Totals] = {k: Totals() for k in keys}
    for row in rows:
        groups.setdefault(of(row.key), Totals()).add(row)
    return groups


def summarise(rows: list[Row], days: list[str]) -> Summary:
    """A period's rows added up in total, per day (every day of the period, zeros too), priority, disposition and
    complaint."""
    totals = Totals()
    for row in rows:
        totals.add(row)
    return Summary(
        totals=totals,
        by_day=_group(rows, lambda k: k.day, days),
        by_priority=dict(sorted(_group(rows, lambda k: k.priority).items())),
        by_disposition=dict(sorted(_group(rows, lambda k: k.disposition).items())),
        by_complaint=dict(sorted(_group(rows, lambda k: k.complaint).items())),
    )


def merged_rows(rows: Iterable[Row]) -> list[Row]:
    """Rows with the same key added together (a period's partitions never overlap; this keeps the table tidy)."""
    merged: dict[RowKey, dict[str, int]] = {}
    for row in rows:
        counts = merged.setdefault(row.key, dict.fromkeys(COUNTERS, 0))
        for name in COUNTERS:
            counts[name] += int(row.counts.get(name, 0))
    return [Row(k, merged[k]) for k in sorted(merged)]


@dataclass
class RulesetMix:
    """One ruleset version of one protocol: how many cases it decided, their priority and disposition mix, and how
    often staff changed its outcome."""

    complaint: str
    ruleset: str
    totals: Totals
    priorities: dict[str, int]
    dispositions: dict[str, int]


def triage_quality(rows: list[Row]) -> list[RulesetMix]:
    """Per protocol and ruleset version (versions of one protocol side by side): cases, priority and disposition
    mix, overrides up and down."""
    mixes: dict[tuple[str, str], RulesetMix] = {}
    for row in rows:
        key = (row.key.complaint, row.key.ruleset)
        mix = mixes.setdefault(key, RulesetMix(row.key.complaint, row.key.ruleset, Totals(), {}, {}))
        mix.totals.add(row)
        cases = int(row.counts.get("cases", 0))
        if cases:
            mix.priorities[row.key.priority] = mix.priorities.get(row.key.priority, 0) + cases
            mix.dispositions[row.key.disposition] = mix.dispositions.get(row.key.disposition, 0) + cases
    return [mixes[k] for k in sorted(mixes)]
