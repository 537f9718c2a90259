"""Where a triaged case lands: the region's routing rules as one pure function, with the reason why.

The same function decides the live case (``TriageSessionService.submit``) and answers the region administrators'
routing simulator, so what an administrator tries before go-live is what citizens get. Its inputs are facts the
caller has read (the units, how many wait in their queues, the citizen's listed unit, the time), its output the unit,
the rule that decided, and every alternative considered with the reason it was or was not taken (docs/routing.md).

The candidates, in this order (a unit appears once, under its first rule):

1. ``phone_invite`` — the unit whose staff sent the SMS login link during a phone call;
2. ``p5_pool`` — for P5 (Avvakta) only, the region's pool for those cases, when it has one;
3. ``entry_unit`` — the unit whose link (or app deep link) the citizen came by, or which they chose in the list;
4. ``listed_unit`` — the health centre the citizen is listed at (listning), from the listing register;
5. ``fallback`` — the region's fallbacks for the case's profession and priority, in the order configured;
6. ``region_unit`` — only when none of the above offers the case's profession (a psychologist's, say): the region's
   other units that do, in the region's order — the case goes where the profession is, not to the telephone.

A candidate takes the case when it is a unit of the region in Nära, offers the profession, and can answer in time
(its channel is open now, or opens before the case's deadline; P5 can always wait) and is not over its capacity for
the profession (a phone invite's unit is never "full": its staff asked for the case). When none takes it:

- the first that could answer in time but is full takes it anyway (``all_full``): a queue that is long is better
  than no queue, and its staff see why;
- else the first that offers the profession but is closed decides by the after-hours rule (``after_hours``: P1 →
  112, else 1177 or the region's jourcentral, as ``triage.hours.route_for_hours``);
- else no unit in Nära offers it (``no_unit``): call 1177, who can direct the citizen further.

Outcomes that need no unit (self-care, 112, emergency department, 1177) are recorded at the first known candidate
(``record_only``), or the region's first unit, so statistics see them; nothing is checked for them.

A unit link may name a profession (a rehabilitation unit's physiotherapists): it is honoured for non-urgent cases
(P4, P5) the triage gave to a nurse — the first-line assessment, which the linked profession then does — when the
unit offers it. Anything more urgent, or meant for another profession, follows the triage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from chalicelib.domain.opening_hours import is_open, next_opening
from chalicelib.triage.hours import AfterHoursTarget, route_for_hours
from chalicelib.triage.outcome import Disposition, Priority, Profession, TriageOutcome
from chalicelib.triage.text import LocalizedText

Via = Literal["region", "unit_link", "app", "chosen", "phone"]
VIAS: tuple[Via, ...] = ("region", "unit_link", "app", "chosen", "phone")
Rule = Literal[
    "phone_invite", "p5_pool", "entry_unit", "listed_unit", "fallback", "region_unit", "all_full", "after_hours",
    "no_unit", "record_only",
]  # fmt: skip
Reason = Literal["taken", "unknown_unit", "no_profession", "closed", "full", "not_reached"]

UNIT_CHANNELS = frozenset({Disposition.CHAT, Disposition.VIDEO, Disposition.PHYSICAL})
LINK_PROFESSION_PRIORITIES = frozenset({Priority.P4, Priority.P5})
_TRIAGE_PROFESSIONS = frozenset(p.value for p in Profession)

PROFESSION_NAMES: Mapping[str, LocalizedText] = {
    "nurse": LocalizedText(sv="sjuksköterska", en="nurse"),
    "doctor": LocalizedText(sv="läkare", en="doctor"),
    "psychologist": LocalizedText(sv="psykolog/kurator", en="psychologist/counsellor"),
    "physiotherapist": LocalizedText(sv="fysioterapeut", en="physiotherapist"),
    "midwife": LocalizedText(sv="barnmorska", en="midwife"),
    "medical_secretary": LocalizedText(sv="medicinsk sekreterare", en="medical secretary"),
}


@dataclass(frozen=True)
class Entry:
    """How the citizen came in: ``region`` (1177.se, the region's site: no unit), ``unit_link`` (a unit's link or
    QR code), ``app`` (a regional app's deep link), ``chosen`` (picked in the list), ``phone`` (staff's SMS link)."""

    via: Via = "region"
    unit_id: str | None = None
    profession: str | None = None  # a unit link's profession, e.g. its physiotherapists

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("via", self.via), ("unit_id", self.unit_id), ("profession", self.profession)) if v}


@dataclass(frozen=True)
class UnitFacts:
    """What routing needs to know of a unit. ``opening_hours`` None: not configured (always open, as before);
    ``capacity``: the most cases that may wait unclaimed per profession; ``waiting``: how many wait now."""

    unit_id: str
    name: str
    professions: frozenset[str]
    opening_hours: Mapping[str, Any] | None = None
    capacity: Mapping[str, int] = field(default_factory=dict)
    waiting: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, unit: Mapping[str, Any], waiting: Mapping[str, int] | None = None) -> UnitFacts:
        """From a unit as the directory keeps it."""
        return cls(
            unit_id=str(unit["unit_id"]),
            name=str(unit.get("name") or unit["unit_id"]),
            professions=frozenset(unit.get("professions") or ()),
            opening_hours=unit.get("opening_hours") or None,
            capacity={str(k): int(v) for k, v in (unit.get("capacity") or {}).items()},
            waiting=dict(waiting or {}),
        )

    def full_for(self, profession: str) -> bool:
        limit = self.capacity.get(profession)
        return limit is not None and self.waiting.get(profession, 0) >= limit


@dataclass(frozen=True)
class Fallback:
    """Where cases go that the entry and listed units cannot take: for these professions and priorities (empty:
    all), e.g. the digital health centre for nurse and doctor, P2–P4."""

    unit_id: str
    professions: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()

    def covers(self, profession: str, priority: Priority | None) -> bool:
        return (not self.professions or profession in self.professions) and (
            not self.priorities or (priority is not None and priority.value in self.priorities)
        )


@dataclass(frozen=True)
class RoutingRules:
    """A region's routing: its fallbacks in order, its P5 pool, and its after-hours choice."""

    fallbacks: tuple[Fallback, ...] = ()
    p5_pool: str | None = None
    after_hours: AfterHoursTarget = "call_1177"
    jourcentral: str | None = None

    @classmethod
    def of(cls, region: Mapping[str, Any], default_after_hours: AfterHoursTarget = "call_1177") -> RoutingRules:
        """From the region item as the directory keeps it (``routing`` and ``after_hours``)."""
        routing = region.get("routing") or {}
        after = region.get("after_hours", default_after_hours)
        jourcentral = str(after["jourcentral"]) if isinstance(after, Mapping) and after.get("jourcentral") else None
        return cls(
            fallbacks=tuple(
                Fallback(
                    unit_id=str(f["unit_id"]),
                    professions=frozenset(f.get("professions") or ()),
                    priorities=frozenset(f.get("priorities") or ()),
                )
                for f in routing.get("fallbacks") or ()
            ),
            p5_pool=routing.get("p5_pool") or None,
            after_hours="jourcentral" if jourcentral else "call_1177",
            jourcentral=jourcentral,
        )


@dataclass(frozen=True)
class Considered:
    unit_id: str
    rule: Rule
    reason: Reason
    text: LocalizedText

    def as_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "rule": self.rule, "reason": self.reason, "text": self.text.model_dump()}


@dataclass(frozen=True)
class Decision:
    """The unit, the (possibly rerouted) outcome, the rule that decided, why, and what else was considered."""

    unit_id: str
    outcome: TriageOutcome
    rule: Rule
    explanation: LocalizedText
    considered: tuple[Considered, ...]
    entry: Entry
    listed_unit_id: str | None

    def as_record(self) -> dict[str, Any]:
        """What the case keeps (``Case.routing``) and staff are shown."""
        return {
            "unit_id": self.unit_id,
            "rule": self.rule,
            "profession": self.outcome.profession.value,
            "disposition": self.outcome.disposition.value,
            "explanation": self.explanation.model_dump(),
            "considered": [c.as_dict() for c in self.considered],
            "entry": self.entry.as_dict(),
            "listed_unit_id": self.listed_unit_id,
        }


def route(
    outcome: TriageOutcome,
    *,
    entry: Entry,
    listed_unit_id: str | None,
    units: Mapping[str, UnitFacts],
    rules: RoutingRules,
    now: datetime,
    region_units: Sequence[str] = (),
) -> Decision:
    """Decide where the case lands. ``units`` holds (at least) every candidate that is a unit of the region;
    ``region_units`` is the region's units in order (the last candidates, and where a case that needs no unit is
    recorded when nothing else names one)."""
    outcome = _linked_profession(outcome, entry, units)
    candidates = _candidates(outcome, entry, listed_unit_id, rules)
    profession = outcome.profession.value
    offered = any(profession in getattr(units.get(u), "professions", ()) for u, _ in candidates)
    others: list[tuple[str, Rule]] = [] if offered else [
        (u, "region_unit") for u in region_units if all(u != c for c, _ in candidates)
    ]  # fmt: skip
    routed = [*candidates, *others]

    def decision(
        unit_id: str, rule: Rule, text: LocalizedText, considered: list[Considered], out: TriageOutcome = outcome
    ) -> Decision:
        return Decision(unit_id, out, rule, text, tuple(considered), entry, listed_unit_id)

    if outcome.disposition not in UNIT_CHANNELS:
        known = [(u, r) for u, r in candidates if u in units]
        unit_id = known[0][0] if known else (region_units[0] if region_units else next(iter(units), ""))
        note = LocalizedText(
            sv=f"Ärendet behöver ingen mottagning ({_DISPOSITIONS[outcome.disposition].sv}); det registreras hos "
            f"{_name(units, unit_id)}.",
            en=f"The case needs no unit ({_DISPOSITIONS[outcome.disposition].en}); it is recorded at "
            f"{_name(units, unit_id)}.",
        )
        return decision(unit_id, "record_only", note, [])

    considered: list[Considered] = []
    could_wait_full: list[tuple[str, Rule]] = []
    closed: list[tuple[str, Rule]] = []
    for index, (unit_id, rule) in enumerate(routed):
        if rule == "region_unit" and profession not in getattr(units.get(unit_id), "professions", ()):
            continue  # the region's other units are named only when they could have taken it
        unit = units.get(unit_id)
        if unit is None:
            considered.append(Considered(unit_id, rule, "unknown_unit", _why(rule, "unknown_unit", unit_id, units)))
            continue
        if profession not in unit.professions:
            considered.append(Considered(unit_id, rule, "no_profession", _why(rule, "no_profession", unit_id, units,
                                                                               profession)))  # fmt: skip
            continue
        if not _in_time(unit, outcome, now):
            closed.append((unit_id, rule))
            considered.append(Considered(unit_id, rule, "closed", _why(rule, "closed", unit_id, units, profession)))
            continue
        if rule != "phone_invite" and unit.full_for(profession):
            could_wait_full.append((unit_id, rule))
            considered.append(Considered(unit_id, rule, "full", _why(rule, "full", unit_id, units, profession)))
            continue
        considered.append(Considered(unit_id, rule, "taken", _why(rule, "taken", unit_id, units, profession)))
        considered.extend(
            Considered(u, r, "not_reached", _why(r, "not_reached", u, units))
            for u, r in routed[index + 1 :]
            if r != "region_unit"
        )
        return decision(unit_id, rule, _chosen_text(rule, unit_id, units, profession), considered)

    if could_wait_full:
        unit_id, _ = could_wait_full[0]
        text = LocalizedText(
            sv=f"Alla mottagningar som kan ta ärendet har fullt; det hamnar hos {_name(units, unit_id)}, den första "
            "av dem i ordningen.",
            en=f"Every unit that could take the case is full; it goes to {_name(units, unit_id)}, the first of them.",
        )
        return decision(unit_id, "all_full", text, considered)
    if closed:
        unit_id, _ = closed[0]
        unit = units[unit_id]
        channel = outcome.disposition.value
        hours = unit.opening_hours or {}
        rerouted = route_for_hours(outcome, False, rules.after_hours, next_opening=next_opening(hours, channel, now))
        if rules.after_hours == "jourcentral" and rules.jourcentral and rerouted.disposition is Disposition.PHYSICAL:
            unit_id = rules.jourcentral
        text = LocalizedText(
            sv=f"Ingen mottagning som erbjuder {_prof(profession).sv} kan svara i tid; regionens regel efter "
            f"öppettid gäller ({_DISPOSITIONS[rerouted.disposition].sv}).",
            en=f"No unit offering {_prof(profession).en} can answer in time; the region's after-hours rule applies "
            f"({_DISPOSITIONS[rerouted.disposition].en}).",
        )
        return decision(unit_id, "after_hours", text, considered, rerouted)
    unit_id = next((u for u, _ in candidates if u in units), region_units[0] if region_units else next(iter(units), ""))
    redirected = outcome.model_copy(
        update={
            "disposition": Disposition.CALL_1177,
            "explanation": outcome.explanation.joined(_NO_UNIT),
            "advice_id": None,
        }
    )
    text = LocalizedText(
        sv=f"Ingen mottagning i regionen erbjuder {_prof(profession).sv} i Nära: ring 1177.",
        en=f"No unit of the region offers a {_prof(profession).en} in Nära: call 1177.",
    )
    return decision(unit_id, "no_unit", text, considered, redirected)


# -- the parts --------------------------------------------------------------------------------------------------------


def _candidates(
    outcome: TriageOutcome, entry: Entry, listed_unit_id: str | None, rules: RoutingRules
) -> list[tuple[str, Rule]]:
    found: list[tuple[str, Rule]] = []

    def add(unit_id: str | None, rule: Rule) -> None:
        if unit_id and all(unit_id != u for u, _ in found):
            found.append((unit_id, rule))

    if entry.via == "phone":
        add(entry.unit_id, "phone_invite")
    if outcome.priority is Priority.P5:
        add(rules.p5_pool, "p5_pool")
    if entry.via != "phone":
        add(entry.unit_id, "entry_unit")
    add(listed_unit_id, "listed_unit")
    for fallback in rules.fallbacks:
        if fallback.covers(outcome.profession.value, outcome.priority):
            add(fallback.unit_id, "fallback")
    return found


def _linked_profession(outcome: TriageOutcome, entry: Entry, units: Mapping[str, UnitFacts]) -> TriageOutcome:
    wanted = entry.profession
    unit = units.get(entry.unit_id or "")
    if (
        wanted is None
        or wanted not in _TRIAGE_PROFESSIONS  # a profession the triage does not assign (occupational therapist)
        or unit is None
        or entry.via not in ("unit_link", "app")
        or wanted == outcome.profession.value
        or wanted not in unit.professions
        or outcome.profession is not Profession.NURSE
        or outcome.priority not in LINK_PROFESSION_PRIORITIES
        or outcome.disposition not in UNIT_CHANNELS
    ):
        return outcome
    note = LocalizedText(
        sv=f"Du kom via länken till {unit.name}s {_prof(wanted).sv}; det är inte brådskande, så "
        f"{_prof(wanted).sv} gör bedömningen.",
        en=f"You came by the link to {unit.name}'s {_prof(wanted).en}; it is not urgent, so the "
        f"{_prof(wanted).en} makes the assessment.",
    )
    return outcome.model_copy(
        update={"profession": Profession(wanted), "explanation": outcome.explanation.joined(note)}
    )


def _in_time(unit: UnitFacts, outcome: TriageOutcome, now: datetime) -> bool:
    """Open now for the channel, or opening before the case's deadline; P5 can always wait; no hours: open."""
    if not unit.opening_hours or outcome.priority is Priority.P5:
        return True
    channel = outcome.disposition.value
    if is_open(unit.opening_hours, channel, now):
        return True
    opening = next_opening(unit.opening_hours, channel, now)
    return opening is not None and outcome.deadline is not None and outcome.deadline >= opening


def _name(units: Mapping[str, UnitFacts], unit_id: str) -> str:
    unit = units.get(unit_id)
    return unit.name if unit is not None else unit_id


def _prof(profession: str) -> LocalizedText:
    return PROFESSION_NAMES.get(profession) or LocalizedText(sv=profession, en=profession)


_RULE_NAMES: Mapping[Rule, LocalizedText] = {
    "phone_invite": LocalizedText(sv="mottagningen som skickade länken", en="the unit that sent the link"),
    "p5_pool": LocalizedText(sv="regionens mottagning för P5 (Avvakta)", en="the region's pool for P5 (wait)"),
    "entry_unit": LocalizedText(sv="mottagningen invånaren kom via", en="the unit the citizen came by"),
    "listed_unit": LocalizedText(sv="vårdcentralen invånaren är listad på", en="the citizen's listed health centre"),
    "fallback": LocalizedText(sv="regionens reserv", en="the region's fallback"),
    "region_unit": LocalizedText(sv="en annan mottagning i regionen", en="another unit of the region"),
    "all_full": LocalizedText(sv="alla har fullt", en="all full"),
    "after_hours": LocalizedText(sv="efter öppettid", en="after hours"),
    "no_unit": LocalizedText(sv="ingen mottagning", en="no unit"),
    "record_only": LocalizedText(sv="endast registrering", en="recorded only"),
}

_DISPOSITIONS: Mapping[Disposition, LocalizedText] = {
    Disposition.EMERGENCY_112: LocalizedText(sv="ring 112", en="call 112"),
    Disposition.EMERGENCY_DEPARTMENT: LocalizedText(sv="akutmottagning", en="emergency department"),
    Disposition.CALL_1177: LocalizedText(sv="ring 1177", en="call 1177"),
    Disposition.SELF_CARE: LocalizedText(sv="egenvård", en="self-care"),
    Disposition.CHAT: LocalizedText(sv="chatt", en="chat"),
    Disposition.VIDEO: LocalizedText(sv="videomöte", en="video meeting"),
    Disposition.PHYSICAL: LocalizedText(sv="fysiskt besök", en="physical visit"),
}

_NO_UNIT = LocalizedText(
    sv="Ingen mottagning i Nära kan ta emot det här digitalt: ring 1177 Vårdguiden.",
    en="No unit in Nära can take this digitally: call 1177 for advice.",
)


def _why(
    rule: Rule, reason: Reason, unit_id: str, units: Mapping[str, UnitFacts], profession: str = ""
) -> LocalizedText:
    who = _RULE_NAMES[rule]
    name = _name(units, unit_id)
    prof = _prof(profession) if profession else LocalizedText(sv="-", en="-")
    texts: Mapping[Reason, LocalizedText] = {
        "taken": LocalizedText(sv=f"{name} ({who.sv}) tar ärendet.", en=f"{name} ({who.en}) takes the case."),
        "unknown_unit": LocalizedText(
            sv=f"{unit_id} ({who.sv}) finns inte i Nära.", en=f"{unit_id} ({who.en}) is not in Nära."
        ),
        "no_profession": LocalizedText(
            sv=f"{name} ({who.sv}) har ingen {prof.sv}.", en=f"{name} ({who.en}) has no {prof.en}."
        ),
        "closed": LocalizedText(
            sv=f"{name} ({who.sv}) är stängd och öppnar inte i tid.",
            en=f"{name} ({who.en}) is closed and does not open in time.",
        ),
        "full": LocalizedText(
            sv=f"{name} ({who.sv}) har fullt för {prof.sv} just nu.",
            en=f"{name} ({who.en}) is full for {prof.en} right now.",
        ),
        "not_reached": LocalizedText(
            sv=f"{name} ({who.sv}) prövades inte: en tidigare tog ärendet.",
            en=f"{name} ({who.en}) was not tried: an earlier one took the case.",
        ),
    }
    return texts[reason]


def _chosen_text(rule: Rule, unit_id: str, units: Mapping[str, UnitFacts], profession: str) -> LocalizedText:
    name = _name(units, unit_id)
    prof = _prof(profession)
    texts: Mapping[str, LocalizedText] = {
        "phone_invite": LocalizedText(
            sv=f"Till {name}: mottagningen skickade inloggningslänken under ett telefonsamtal.",
            en=f"To {name}: the unit sent the login link during a phone call.",
        ),
        "p5_pool": LocalizedText(
            sv=f"Till {name}: regionen skickar P5 (Avvakta) dit.",
            en=f"To {name}: the region sends P5 (wait) cases there.",
        ),
        "entry_unit": LocalizedText(
            sv=f"Till {name}: invånaren kom via mottagningen, som har {prof.sv} och kan svara i tid.",
            en=f"To {name}: the citizen came by this unit, which has a {prof.en} and can answer in time.",
        ),
        "listed_unit": LocalizedText(
            sv=f"Till {name}: invånaren är listad där, och den har {prof.sv} och kan svara i tid.",
            en=f"To {name}: the citizen is listed there, and it has a {prof.en} and can answer in time.",
        ),
        "fallback": LocalizedText(
            sv=f"Till {name}: regionens reserv för {prof.sv} på den här prioriteten.",
            en=f"To {name}: the region's fallback for a {prof.en} at this priority.",
        ),
        "region_unit": LocalizedText(
            sv=f"Till {name}: de mottagningar som prövades först kunde inte ta det; {name} har {prof.sv} och kan "
            "svara i tid.",
            en=f"To {name}: the units tried first could not take it; {name} has a {prof.en} and can answer in time.",
        ),
    }
    return texts[rule]
