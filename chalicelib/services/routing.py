"""Routing a triaged case to its unit: the facts the pure rule (``domain/routing.py``) needs, read once per decision.

Live (``TriageSessionService.submit``) and in the region administrators' simulator the same ``route`` decides;
only where the facts come from differs: live, the patient's listed unit comes from the listing register (asked at
login) and a unit's queue from its queue view; in the simulator the administrator gives the listed unit, the time and
which units to treat as full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.principal import Principal
from chalicelib.domain.routing import VIAS, Decision, Entry, RoutingRules, UnitFacts, route
from chalicelib.triage import Disposition, Priority, Profession, TriageOutcome
from chalicelib.triage.outcome import deadline_for
from chalicelib.triage.text import LocalizedText


class RoutingService:
    def __init__(self, directory: DynamoDirectory, cases: DynamoCases, *, after_hours: str = "call_1177") -> None:
        self._directory = directory
        self._cases = cases
        self._after_hours = after_hours

    def decide(
        self, tenant: str, outcome: TriageOutcome, *, entry: Entry, listed_unit_id: str | None, now: datetime
    ) -> Decision:
        """Where a case with this outcome lands now. ``listed_unit_id``: the patient's listed unit, as the listing
        register said at login (the session keeps the unit, never the personnummer)."""
        return self._route(tenant, outcome, entry=entry, listed=listed_unit_id, now=now, full=())

    def simulate(
        self,
        principal: Principal,
        *,
        entry: Entry,
        listed_unit_id: str | None,
        at: datetime,
        disposition: str,
        priority: str | None,
        profession: str,
        full_units: Iterable[str] = (),
    ) -> Decision:
        """The routing simulator: where a case with this outcome would land, entered so, at ``at``. Units in
        ``full_units`` are treated as over capacity; the others' queues are read as they are now."""
        outcome = simulated_outcome(disposition=disposition, priority=priority, profession=profession, at=at)
        units = {u["unit_id"] for u in self._directory.units(principal.tenant)}
        for field, unit_id in (("entry.unit_id", entry.unit_id), ("listed_unit_id", listed_unit_id)):
            if unit_id is not None and unit_id not in units:
                raise ValidationFailed(f"There is no unit {unit_id!r} in this region.", field=field)
        return self._route(
            principal.tenant, outcome, entry=entry, listed=listed_unit_id, now=at, full=tuple(full_units)
        )

    def units(self, tenant: str) -> list[UnitFacts]:
        """The region's units as routing sees them now, each with how many cases wait in its queue per profession
        (the simulator's overview for region administrators: counts only, no patient data)."""
        return [UnitFacts.of(u, self._cases.waiting(tenant, u["unit_id"])) for u in self._directory.units(tenant)]

    def rules(self, tenant: str) -> RoutingRules:
        return RoutingRules.of(self._directory.region(tenant), default_after_hours=self._after_hours)  # type: ignore[arg-type]

    def _route(
        self,
        tenant: str,
        outcome: TriageOutcome,
        *,
        entry: Entry,
        listed: str | None,
        now: datetime,
        full: tuple[str, ...],
    ) -> Decision:
        region_units = self._directory.units(tenant)
        facts = {u["unit_id"]: UnitFacts.of(u) for u in region_units}
        rules = self.rules(tenant)
        for unit_id, unit in list(facts.items()):
            if unit_id in full:
                facts[unit_id] = UnitFacts(
                    unit.unit_id, unit.name, unit.professions, unit.opening_hours,
                    capacity=dict.fromkeys(unit.professions, 0), waiting=dict.fromkeys(unit.professions, 0),
                )  # fmt: skip
            elif unit.capacity and outcome.profession.value in unit.capacity:
                facts[unit_id] = UnitFacts.of(
                    next(u for u in region_units if u["unit_id"] == unit_id), self._cases.waiting(tenant, unit_id)
                )
        return route(
            outcome,
            entry=entry,
            listed_unit_id=listed,
            units=facts,
            rules=rules,
            now=now,
            region_units=[u["unit_id"] for u in region_units],
        )


def entry_of(record: dict[str, Any] | None, unit_id: str | None) -> Entry:
    """The routing entry of a draft: how it began (``channel``) and the unit it names."""
    channel = (record or {}).get("channel")
    if channel == "phone_invite":
        return Entry("phone", unit_id=(record or {}).get("unit_id") or unit_id)
    if channel in VIAS:
        return Entry(channel, unit_id=unit_id, profession=(record or {}).get("profession"))
    return Entry("chosen" if unit_id else "region", unit_id=unit_id)


def simulated_outcome(*, disposition: str, priority: str | None, profession: str, at: datetime) -> TriageOutcome:
    """A triage outcome as the simulator's administrator describes it (disposition, priority, profession)."""
    try:
        kind = Disposition(disposition)
        level = Priority(priority) if priority else None
        who = Profession(profession)
    except ValueError as wrong:
        raise ValidationFailed(str(wrong), field="outcome") from None
    if kind is Disposition.SELF_CARE:
        level = None
    elif level is None:
        raise ValidationFailed("Give the priority (P1–P5) of an outcome that is not self-care.", field="priority")
    if kind is Disposition.EMERGENCY_112:
        level = Priority.P1
    try:
        return TriageOutcome(
            priority=level,
            deadline=deadline_for(level, at) if level is not None else None,
            disposition=kind,
            profession=who,
            red_flags=[],
            explanation=LocalizedText(sv="Simulerat utfall.", en="Simulated outcome."),
            ruleset_version="simulator",
            advice_id=None,
            free_text_flags=[],
            crisis_info=False,
        )
    except ValueError as wrong:
        raise ValidationFailed(f"This outcome cannot be: {wrong}", field="outcome") from None
