"""Static reachability: can every question be asked, and can every declared outcome (each rule, the default)
actually decide a triage? Found by a bounded depth-first search through the real engine, over a small set of
candidate answers per step (each option, "unknown", and numbers just around every threshold a condition uses),
pruned with three-valued rule evaluation. A witness is a set of answers that shows it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.triage import core
from chalicelib.triage.engine import Step, TriageState, answer, probe, start
from chalicelib.triage.library import Library
from chalicelib.triage.outcome import UNKNOWN, AnswerValue, Priority, urgency_key
from chalicelib.triage.protocol import Condition, Protocol, QuestionKind

_NOW = datetime(2025, 1, 7, 10, 0, tzinfo=UTC)
DEFAULT_BUDGET = 20_000


@dataclass
class Reachability:
    protocol: Protocol
    witnesses: dict[str, dict[str, AnswerValue]] = field(default_factory=dict)  # "rule:x" / "question:y" / "default"
    unreachable: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # search budget ran out

    @property
    def ok(self) -> bool:
        return not self.unreachable and not self.undecided


def targets(protocol: Protocol) -> list[str]:
    out = [f"question:{q.id}" for q in protocol.questions]
    out += [f"rule:{r.id}" for r in protocol.rules]
    out.append("default")
    return out


def _atoms(condition: Condition) -> Iterator[Condition]:
    if condition.q is not None:
        yield condition
    for child in condition.children():
        yield from _atoms(child)


def _all_conditions(protocol: Protocol) -> Iterator[Condition]:
    for q in protocol.questions:
        if q.show_if is not None:
            yield from _atoms(q.show_if)
    for r in protocol.rules:
        yield from _atoms(r.when)
    for q in core.BASIC_FACTS:
        if q.show_if is not None:
            yield from _atoms(q.show_if)


def _thresholds(protocol: Protocol, qid: str) -> set[float]:
    out: set[float] = set()
    for atom in _all_conditions(protocol):
        if atom.q == qid:
            out |= {v for v in (atom.gt, atom.gte, atom.lt, atom.lte) if v is not None}
            if isinstance(atom.eq, int | float):
                out.add(float(atom.eq))
    return out


class _Search:
    def __init__(self, library: Library, protocol: Protocol, budget: int) -> None:
        self.library = library
        self.protocol = protocol
        self.budget = budget
        self.spent = 0
        self.rule_index = {r.id: i for i, r in enumerate(protocol.rules)}
        self.preferred: dict[str, list[AnswerValue]] = {}
        self.relevant: set[str] = set()

    # -- candidate answers ---------------------------------------------------------------------------------

    def _numbers(self, step: Step, thresholds: set[float], neutral: float) -> list[AnswerValue]:
        low = step.min if step.min is not None else 0.0
        high = step.max if step.max is not None else low
        eps = 1.0 if step.integer else 0.5
        values: list[float] = [min(max(neutral, low), high)]
        for t in sorted(thresholds):
            values += [t - eps, t, t + eps]
        out: list[AnswerValue] = []
        for v in values:
            if low <= v <= high:
                number: AnswerValue = int(v) if step.integer else float(v)
                if number not in out:
                    out.append(number)
        return out

    def _age_thresholds(self) -> set[float]:
        p = self.protocol
        years = _thresholds(p, "age") | {t / 12 for t in _thresholds(p, "age_in_months")}
        years |= {p.applies_to.min_age_months / 12, float(p.applies_to.max_age_years)}
        if p.modifiers.elderly.enabled:
            years.add(float(p.modifiers.elderly.min_age_years))
        if p.modifiers.infant.enabled:
            years.add(0.0)
        return {float(int(y)) for y in years}

    def candidates(self, step: Step) -> list[AnswerValue]:
        p = self.protocol
        if step.section is core.Section.RED_FLAG_SCREEN:
            return ["no"]
        if step.id == core.COMPLAINT.id:
            return [p.id] if p.id in {o.id for o in step.options} else []
        values: list[AnswerValue]
        if step.id == core.AGE.id:
            values = self._numbers(step, self._age_thresholds(), neutral=p.applies_to.min_age_months / 12 + 5)
        elif step.id == core.AGE_MONTHS.id:
            months = _thresholds(p, "age_in_months") | {float(p.applies_to.min_age_months)}
            if p.modifiers.infant.enabled:
                months.add(float(p.modifiers.infant.max_age_months))
            values = self._numbers(step, months, neutral=step.max or 0.0)
        elif step.id == core.SELF_RATED_HEALTH.id:
            limit = float(p.modifiers.low_self_rated_health.max_score)
            values = self._numbers(step, _thresholds(p, step.id) | {limit}, neutral=70)
        elif step.kind is QuestionKind.NUMBER:
            values = self._numbers(step, _thresholds(p, step.id), neutral=step.min or 0.0)
        elif step.kind is QuestionKind.YES_NO:
            values = ["no", "yes"]
        elif step.kind is QuestionKind.SINGLE_CHOICE:
            values = [o.id for o in step.options]
        elif step.kind is QuestionKind.MULTIPLE_CHOICE:
            values = [[], *([o.id] for o in step.options)]
        else:
            values = ["inga fler besvär"]
        if step.id not in self.relevant:
            return values[:1]  # nothing that matters for the target reads it: one neutral answer is enough
        values.append(UNKNOWN)
        preferred = [v for v in self.preferred.get(step.id, []) if v in values]
        return preferred + [v for v in values if v not in preferred]

    def prefer(self, condition: Condition | None) -> None:
        self.preferred = {}
        if condition is None:
            return
        for atom in _atoms(condition):
            assert atom.q is not None
            wanted: list[AnswerValue] = []
            if atom.eq is not None:
                wanted.append(atom.eq)
            if atom.any_of is not None:
                wanted += [*atom.any_of, *([v] for v in atom.any_of)]
            for v in (atom.gte, atom.lte):
                if v is not None:
                    wanted.append(int(v) if float(v).is_integer() else v)
            self.preferred.setdefault(atom.q, []).extend(wanted)

    # -- search --------------------------------------------------------------------------------------------

    def _start(self) -> TriageState:
        return start(self.library, now=_NOW)

    def _relevant(self, kind: str, name: str) -> set[str]:
        """Questions whose answers can matter for the target: those read by the target's condition, by every
        rule that could beat it (or end the triage early), and, transitively, by their show_if."""
        p = self.protocol
        readers: list[Condition] = []
        if kind == "question":
            question = p.question(name)
            if question is not None and question.show_if is not None:
                readers.append(question.show_if)
            readers += [r.when for r in p.rules if r.outcome.priority is Priority.P1]
        else:
            readers += [r.when for r in p.rules if kind == "default" or r.id == name or self._dominates(r.id, name)]
        relevant = {"age", "age_months", "sex"}
        for condition in readers:
            relevant |= condition.refs()
        changed = True
        while changed:
            changed = False
            for q in p.questions:
                if q.id in relevant and q.show_if is not None and not q.show_if.refs() <= relevant:
                    relevant |= q.show_if.refs()
                    changed = True
        return relevant

    def find(self, target: str) -> dict[str, AnswerValue] | None:
        kind, _, name = target.partition(":")
        condition: Condition | None = None
        if kind == "rule":
            condition = next(r.when for r in self.protocol.rules if r.id == name)
        elif kind == "question":
            question = self.protocol.question(name)
            condition = question.show_if if question is not None else None
        self.prefer(condition)
        self.relevant = self._relevant(kind, name)
        return self._dfs(self._start(), {}, kind, name)

    def _dominates(self, rule_id: str, target_rule: str) -> bool:
        rules = {r.id: r for r in self.protocol.rules}
        if rule_id not in rules:
            return True  # a screen rule
        a, b = rules[rule_id], rules[target_rule]
        key_a = (urgency_key(a.outcome.priority, a.outcome.disposition), self.rule_index[a.id])
        key_b = (urgency_key(b.outcome.priority, b.outcome.disposition), self.rule_index[b.id])
        return key_a < key_b

    def _dfs(
        self,
        state: TriageState,
        path: dict[str, AnswerValue],
        kind: str,
        name: str,
    ) -> dict[str, AnswerValue] | None:
        if self.spent >= self.budget:
            return None
        lib = self.library
        seen = probe(state, library=lib)
        step = seen.step
        if kind == "question":
            if step is not None and step.id == name:
                return path
            if name in seen.hidden:
                return None
        else:
            if kind == "rule" and seen.truths.get(name) is False:
                return None
            if any(t is True and (kind == "default" or self._dominates(r, name)) for r, t in seen.truths.items()):
                return None
        if step is None:
            if kind == "question" or seen.decision is None:
                return None
            wanted = name if kind == "rule" else "default"
            return path if seen.decision.decided_by == wanted and not seen.decision.raised_by else None
        for value in self.candidates(step):
            self.spent += 1
            child = answer(state, step.id, value, library=lib)
            found = self._dfs(child, {**path, step.id: value}, kind, name)
            if found is not None:
                return found
            if self.spent >= self.budget:
                return None
        return None


def reachability(library: Library, protocol: Protocol, *, budget: int = DEFAULT_BUDGET) -> Reachability:
    """A witness for every question, rule and the default of ``protocol``, or why not."""
    report = Reachability(protocol)
    for target in targets(protocol):
        search = _Search(library, protocol, budget)
        witness = search.find(target)
        if witness is not None:
            report.witnesses[target] = witness
        elif search.spent >= budget:
            report.undecided.append(target)
        else:
            report.unreachable.append(target)
    return report
