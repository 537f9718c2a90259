"""Statistics and triage quality (docs/statistics.md).

- ``on_event`` (the ``stats`` consumer of domain events): reads the case once and adds what the event means
  (``chalicelib.domain.stats.what_counts``) to the unit's counters, exactly once per event and counter.
- ``statistics`` / ``csv``: a unit's counters of a period, added up (Query only: one partition per unit and month).
- ``triage_quality``: overrides per protocol and ruleset version, the mix of each ruleset version, and the list of
  overridden cases for clinical review. Showing a case in that list is showing patient data: each case shown gets an
  access record (action ``review_override``, ground ``review``) before the answer is sent.

Only a unit's administrators read its statistics: others at the unit get Forbidden, anyone else NotFound.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases
from chalicelib.adapters.stats import DynamoStats
from chalicelib.domain import policy
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import Case, Principal
from chalicelib.domain.stats import (
    COUNTED_EVENTS,
    MAX_DAYS,
    SWEDISH_TIME,
    OverrideEntry,
    RulesetMix,
    Summary,
    Totals,
    merged_rows,
    period_days,
    summarise,
    triage_quality,
    what_counts,
)
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock

logger = Logger(child=True)

DEFAULT_DAYS = 30  # a period without dates: the last 30 days, today included
REVIEW_LIMIT = 100  # overridden cases shown for review at once (each one is logged)
REVIEW_ACTION = "review_override"

# The CSV export: Swedish headers, ";" between fields and "," in decimals (what Excel opens in Swedish settings).
CSV_HEADERS = (
    ("day", "Datum"),
    ("unit_id", "Enhet (HSA-id)"),
    ("complaint", "Besvär (protokoll)"),
    ("ruleset", "Regelversion"),
    ("priority", "Prioritet"),
    ("disposition", "Vårdnivå"),
    ("cases", "Ärenden"),
    ("contact_anyway", "Egenvård men ändå kontakt"),
    ("contacted", "Första kontakt"),
    ("within_deadline", "Första kontakt inom tidsgräns"),
    ("share_within_deadline", "Andel inom tidsgräns (%)"),
    ("average_wait_minutes", "Medeltid till första kontakt (min)"),
    ("closed_advice_given", "Avslutade: råd givet"),
    ("closed_booked", "Avslutade: tidsbokning"),
    ("closed_referred", "Avslutade: hänvisad"),
    ("closed_prescription", "Avslutade: recept"),
    ("closed_no_action", "Avslutade: ingen åtgärd"),
    ("overrides_up", "Ändrad prioritet uppåt"),
    ("overrides_down", "Ändrad prioritet nedåt"),
    ("overrides_profession", "Ändrad yrkesroll"),
)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> list[str]:
        return period_days(self.first, self.last)


@dataclass(frozen=True)
class ReviewedOverride:
    """An override shown for clinical review: the codes, and from the case the staff member's reason."""

    entry: OverrideEntry
    by_name: str
    reason: str
    case_priority: str | None
    case_status: str


@dataclass(frozen=True)
class Quality:
    mixes: list[RulesetMix]
    overrides: list[ReviewedOverride]


def _parse_day(raw: str | None, name: str, name_sv: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date like 2026-11-26.",
            field=name,
            message_sv=f"{name_sv} ({name}) ska vara ett datum som 2026-11-26.",
        ) from None


class StatsService:
    def __init__(self, store: DynamoStats, cases: DynamoCases, audit: AuditService, *, clock: Clock) -> None:
        self._store = store
        self._cases = cases
        self._audit = audit
        self._clock = clock

    # --- the consumer ------------------------------------------------------------------------------------------------

    def on_event(self, event: DomainEvent) -> bool:
        """Consumer: count what the event means, exactly once. Returns whether anything was added."""
        if event.type not in COUNTED_EVENTS:
            return False
        case = self._cases.get(event.tenant, event.case_id)
        if case is None:
            return False
        increment, override = what_counts(event, case)
        added = False
        if override is not None:
            added = self._store.add_override(event.tenant, override)
        if increment is not None:
            once = increment.once or event.event_id
            added = self._store.increment(event.tenant, once, increment, now=self._clock()) or added
        if added:
            logger.info("counted", extra={"event_type": event.type, "event_id": event.event_id})
        return added

    # --- reading ------------------------------------------------------------------------------------------------------

    def period(self, raw_from: str | None, raw_to: str | None) -> Period:
        """The days from..to (Swedish dates, both included); default the last 30 days."""
        today = self._clock().astimezone(SWEDISH_TIME).date()
        last = _parse_day(raw_to, "to", "Till-datum") or today
        first = _parse_day(raw_from, "from", "Från-datum") or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise ValidationFailed(
                "from must not be after to.", field="from", message_sv="Från-datum (from) ska vara före till-datum."
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationFailed(
                f"Choose at most {MAX_DAYS} days.",
                field="from",
                message_sv=f"Från-datum (from): välj högst {MAX_DAYS} dagar.",
            )
        return Period(first, last)

    def statistics(self, principal: Principal, unit_id: str, period: Period) -> Summary:
        require_unit_admin(principal, unit_id)
        return summarise(self._store.rows(principal.tenant, unit_id, period.first, period.last), period.days)

    def csv(self, principal: Principal, unit_id: str, period: Period) -> str:
        """The period's counter rows as CSV (UTF-8 with BOM, ";" separated, decimal comma), one line per day,
        complaint, ruleset, priority and disposition."""
        require_unit_admin(principal, unit_id)
        rows = merged_rows(self._store.rows(principal.tenant, unit_id, period.first, period.last))
        out = io.StringIO()
        out.write("\ufeff")  # so Excel reads the file as UTF-8 (å, ä, ö)
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([title for _, title in CSV_HEADERS])
        for row in rows:
            totals = Totals()
            totals.add(row)
            values: dict[str, Any] = {
                "day": row.key.day,
                "unit_id": unit_id,
                "complaint": row.key.complaint,
                "ruleset": row.key.ruleset,
                "priority": row.key.priority,
                "disposition": row.key.disposition,
                **totals.counts,
                "share_within_deadline": _decimal(
                    None if totals.share_within_deadline is None else totals.share_within_deadline * 100
                ),
                "average_wait_minutes": _decimal(totals.average_wait_minutes),
            }
            writer.writerow([values[name] for name, _ in CSV_HEADERS])
        return out.getvalue()

    def quality(self, principal: Principal, unit_id: str, period: Period) -> Quality:
        """Triage quality of the unit's cases submitted in the period. Each overridden case shown is logged first."""
        require_unit_admin(principal, unit_id)
        mixes = triage_quality(self._store.rows(principal.tenant, unit_id, period.first, period.last))
        entries = self._store.overrides(principal.tenant, unit_id, period.first, period.last, limit=REVIEW_LIMIT)
        cases: dict[str, Case | None] = {}
        for entry in entries:  # one access record per case shown (a case overridden twice is one case), first
            if entry.case_id not in cases:
                case = cases[entry.case_id] = self._cases.get(principal.tenant, entry.case_id)
                if case is not None:
                    self._audit.record_case_access(principal, case, REVIEW_ACTION, review_at=unit_id)
        shown = [_reviewed(e, case) for e in entries if (case := cases[e.case_id]) is not None]
        return Quality(mixes, shown)


def require_unit_admin(principal: Principal, unit_id: str) -> None:
    """A unit's statistics are for its administrators: 404 outside the principal's units, 403 for other roles."""
    policy.require_unit_admin(
        principal,
        unit_id,
        refused_en="Only the unit's administrators read its statistics.",
        refused_sv="Statistiken är för enhetens administratörer.",
    )


def _reviewed(entry: OverrideEntry, case: Case) -> ReviewedOverride:
    found = next(
        (o for o in case.overrides if o.get("at") == entry.at and o.get("by") == entry.by),
        {},
    )
    return ReviewedOverride(
        entry=entry,
        by_name=str(found.get("by_name") or ""),
        reason=str(found.get("reason") or ""),
        case_priority=case.priority,
        case_status=case.status.value,
    )


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")
