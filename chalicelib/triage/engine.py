"""The step-wise triage engine: pure functions over an explicit, JSON-serialisable session state.

Order of steps: basic facts → self-rated health → global red-flag screen → chief complaint → duration →
the protocol's questions (each with an optional ``show_if``) → modifier questions. A "yes" (or "don't know") in
the screen ends the triage at once at P1 ``emergency_112``; likewise a protocol rule with a P1 outcome ends it as
soon as it holds and no rule still undecided could be more urgent.

Time is injected: ``start(now=...)`` and optionally ``answer(now=...)``; the deadline counts from the last
answer's time. The library is a parameter (default: the packaged one); a state pins the protocol version it
chose, so it still loads after the protocol is updated (superseded versions live in ``protocols/archive/``).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field

from chalicelib.triage import core
from chalicelib.triage.answers import MAX_FREE_TEXT, normalise_answer
from chalicelib.triage.conditions import Compiled, Missing, compile_condition
from chalicelib.triage.core import Section
from chalicelib.triage.errors import InvalidAnswer, NothingToUndo, WrongStep
from chalicelib.triage.free_text import CRISIS_CATEGORIES, scan_free_text
from chalicelib.triage.library import Library, default_library
from chalicelib.triage.modifiers import Draft, apply_modifiers
from chalicelib.triage.outcome import (
    ENGINE_VERSION,
    UNKNOWN,
    AnswerValue,
    Disposition,
    FreeTextFlag,
    Priority,
    Profession,
    RedFlag,
    TriageOutcome,
    deadline_for,
    priority_rank,
    require_aware,
    urgency_key,
)
from chalicelib.triage.protocol import Modifiers, Protocol, Question, QuestionKind, Rule
from chalicelib.triage.search import search_complaints
from chalicelib.triage.text import Lang, LocalizedText, StrictModel

YES_NO_TEXT = {
    "yes": LocalizedText(sv="Ja", en="Yes"),
    "no": LocalizedText(sv="Nej", en="No"),
}
UNKNOWN_TEXT = LocalizedText(sv="Vet ej", en="Don't know")


class TriageContext(StrictModel):
    """What the caller knows before the first question: the citizen's own description (scanned for red-flag
    terms) and basic facts already known, e.g. age and sex from the e-ID (``age``, ``age_months``, ``sex``)."""

    free_text: str | None = Field(default=None, max_length=MAX_FREE_TEXT)
    facts: dict[str, AnswerValue] = Field(default_factory=dict)


class RecordedAnswer(StrictModel):
    step_id: str
    value: AnswerValue


class ProtocolRef(StrictModel):
    id: str
    version: str


class TriageState(StrictModel):
    """One triage session. Serialise with ``model_dump_json()``; restore with ``TriageState.model_validate_json``."""

    schema_version: Literal[1] = 1
    engine_version: int = ENGINE_VERSION
    lang: Lang
    started_at: datetime
    updated_at: datetime
    context: TriageContext
    answers: tuple[RecordedAnswer, ...] = ()
    protocol: ProtocolRef | None = None


class StepOption(StrictModel):
    id: str
    text: LocalizedText


class Step(StrictModel):
    """The question to ask now. Every step also accepts "unknown" (``allow_unknown``)."""

    id: str
    section: Section
    kind: QuestionKind
    text: LocalizedText
    help: LocalizedText | None = None
    options: tuple[StepOption, ...] = ()
    allow_unknown: bool = True
    red_flag: bool = False
    min: float | None = None
    max: float | None = None
    integer: bool = True
    unit: LocalizedText | None = None
    protocol_id: str | None = None

    def render(self, lang: Lang) -> dict[str, object]:
        """The step as plain JSON in one language (the CLI's JSONL ``question`` line)."""
        data: dict[str, object] = {
            "type": "question",
            "id": self.id,
            "text": self.text.get(lang),
            "kind": self.kind.value,
            "options": [{"id": o.id, "text": o.text.get(lang)} for o in self.options],
            "allow_unknown": self.allow_unknown,
            "help": self.help.get(lang) if self.help else None,
        }
        if self.kind is QuestionKind.NUMBER:
            data["min"] = int(self.min) if self.integer and self.min is not None else self.min
            data["max"] = int(self.max) if self.integer and self.max is not None else self.max
            data["unit"] = self.unit.get(lang) if self.unit else None
        return data


class TranscriptEntry(StrictModel):
    step_id: str
    question: LocalizedText
    answer: AnswerValue
    answer_text: LocalizedText
    from_context: bool = False


# --------------------------------------------------------------------------------------------------------------
# Internal view of a session


_RuleKey = tuple[tuple[int, int], int]
"""A rule's urgency key and its index among the plan's rules: sorting by it puts the rule that decides first."""


@dataclass(frozen=True, eq=False)
class _Plan:
    """Everything about a session that depends only on its protocol and on whether the complaint is answered: the
    questions in order, the rules, and their conditions compiled. Derived from immutable inputs, so it is built
    once per (protocol, complaint answered) and shared (``_plan_for``)."""

    protocol: Protocol | None
    complaint_answered: bool
    questions: tuple[Question, ...]
    index: Mapping[str, int]  # question id → its (last) position in ``questions``
    red_flag_ids: frozenset[str]
    rules: tuple[Rule, ...]
    modifiers: Modifiers
    show_if: tuple[Compiled | None, ...]  # per question
    when: tuple[Compiled, ...]  # per rule
    p1: tuple[_RuleKey, ...]  # (urgency key, rule index) of every P1 rule
    ranked: tuple[_RuleKey, ...]  # (urgency key, rule index) of every rule, most urgent first
    steps: dict[int, Step] = field(default_factory=dict)  # ``_step`` memo: id(question) → step (the plan holds it)


def _build_plan(protocol: Protocol | None, complaint_answered: bool) -> _Plan:
    modifiers = protocol.modifiers if protocol is not None else core.OTHER_MODIFIERS
    questions = tuple(_plan(protocol, complaint_answered, modifiers))
    red_flag_ids = frozenset(q.id for q in questions if q.red_flag)
    rules = (*core.SCREEN_RULES, *(protocol.rules if protocol is not None else ()))
    keyed = [(urgency_key(r.outcome.priority, r.outcome.disposition), i) for i, r in enumerate(rules)]
    return _Plan(
        protocol=protocol,
        complaint_answered=complaint_answered,
        questions=questions,
        index=MappingProxyType({q.id: i for i, q in enumerate(questions)}),
        red_flag_ids=red_flag_ids,
        rules=rules,
        modifiers=modifiers,
        show_if=tuple(None if q.show_if is None else compile_condition(q.show_if, red_flag_ids) for q in questions),
        when=tuple(compile_condition(r.when, red_flag_ids) for r in rules),
        p1=tuple(k for k in keyed if rules[k[1]].outcome.priority is Priority.P1),
        ranked=tuple(sorted(keyed)),
    )


# Per-process memos, one set per library (``_memo``), dropped with the library. Keyed by object identity, each entry
# holding its key objects (a protocol of the library, a state), so an id cannot be reused while its entry exists;
# libraries, protocols and states are immutable, so an entry never goes stale. They only save work: a miss computes
# exactly what a hit returns. Bounded; the oldest entry goes first.
_SESSION_MEMO_SIZE = 256
_CHOICES_MEMO_SIZE = 2048


class _LibraryMemo:
    __slots__ = ("by_title", "choices", "plans", "sessions")

    def __init__(self) -> None:
        self.plans: dict[tuple[int, bool], tuple[Protocol | None, _Plan]] = {}  # one per protocol and stage
        self.sessions: OrderedDict[int, tuple[TriageState, _Session]] = OrderedDict()
        self.choices: OrderedDict[tuple[int | None, str | None], _Choices] = OrderedDict()
        self.by_title: tuple[Protocol, ...] | None = None


_memos: dict[int, tuple[weakref.ref[Library], _LibraryMemo]] = {}


def _memo(library: Library) -> _LibraryMemo:
    key = id(library)
    hit = _memos.get(key)
    if hit is not None and hit[0]() is library:
        return hit[1]
    memo = _LibraryMemo()

    def forget(ref: weakref.ref[Library]) -> None:
        current = _memos.get(key)
        if current is not None and current[0] is ref:
            _memos.pop(key, None)

    _memos[key] = (weakref.ref(library, forget), memo)
    return memo


def _remember(memo: OrderedDict[Any, Any], key: Any, entry: Any, size: int) -> None:
    memo[key] = entry
    while len(memo) > size:
        try:
            memo.popitem(last=False)
        except KeyError:  # emptied by another thread meanwhile
            break


def _plan_for(library: Library, protocol: Protocol | None, complaint_answered: bool) -> _Plan:
    plans = _memo(library).plans
    key = (id(protocol), complaint_answered)
    hit = plans.get(key)
    if hit is not None and hit[0] is protocol:
        return hit[1]
    plan = plans[key] = (protocol, _build_plan(protocol, complaint_answered))
    return plan[1]


_ABSENT: Any = object()


@dataclass(eq=False)
class _Session:
    """The derived view of one state. Built by ``_derive``/``_derive_next`` and not changed afterwards."""

    plan: _Plan
    answers: dict[str, AnswerValue]
    position: int = 0  # index in plan of the next question (len(plan) when all are passed)
    finished: bool = False
    # The P1 rules (urgency key, index) that hold, and those still undecided, at ``position`` (set by
    # ``_decided_early``; only needed, and only set, while the session is not finished).
    p1_true: tuple[_RuleKey, ...] = ()
    p1_open: tuple[_RuleKey, ...] = ()

    @property
    def protocol(self) -> Protocol | None:
        return self.plan.protocol

    @property
    def modifiers(self) -> Modifiers:
        return self.plan.modifiers

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.plan.rules

    @property
    def red_flag_ids(self) -> frozenset[str]:
        return self.plan.red_flag_ids

    def lookup(self, qid: str) -> AnswerValue | Missing:
        """An answer; HIDDEN for a question passed without asking (or not in this session); PENDING ahead."""
        if qid == _AGE_IN_MONTHS_ID:
            return self._age_in_months()
        value = self.answers.get(qid, _ABSENT)
        if value is not _ABSENT:
            return value  # type: ignore[no-any-return]
        index = self.plan.index.get(qid)
        if index is None or index < self.position:
            return Missing.HIDDEN
        return Missing.PENDING

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(q.id for q in self.plan.questions[: self.position] if q.id not in self.answers)

    def truth(self, rule_index: int) -> bool | None:
        return self.plan.when[rule_index](self.lookup)

    def _age_in_months(self) -> AnswerValue | Missing:
        age = self.lookup("age")
        if isinstance(age, Missing) or age == UNKNOWN or not isinstance(age, int | float):
            return age
        if age >= 2:
            return int(age) * 12
        return self.lookup("age_months")


_AGE_IN_MONTHS_ID = core.AGE_IN_MONTHS.id


def _plan(protocol: Protocol | None, complaint_answered: bool, modifiers: Modifiers) -> list[Question]:
    plan = [*core.BASIC_FACTS, *core.RED_FLAG_SCREEN, core.COMPLAINT]
    if complaint_answered:
        plan.append(core.DURATION)
        plan.extend(protocol.questions if protocol is not None else (core.OTHER_DESCRIPTION,))
        if modifiers.immunosuppression.enabled:
            plan.append(core.IMMUNOSUPPRESSED)
        if modifiers.chronic_disease.enabled:
            plan.append(core.CHRONIC_DISEASE)
    return plan


def _session(state: TriageState, library: Library) -> _Session:
    """The derived view of ``state`` (memoised per state and library object)."""
    sessions = _memo(library).sessions
    hit = sessions.get(id(state))
    if hit is not None and hit[0] is state:
        return hit[1]
    s = _derive(state, library)
    _remember(sessions, id(state), (state, s), _SESSION_MEMO_SIZE)
    return s


def _derive(state: TriageState, library: Library) -> _Session:
    """The derived view of a state from scratch: its answers, then a walk of the plan from the first question."""
    protocol = library.protocol(state.protocol.id, state.protocol.version) if state.protocol else None
    answers: dict[str, AnswerValue] = dict(state.context.facts)
    for recorded in state.answers:
        answers[recorded.step_id] = recorded.value
    plan = _plan_for(library, protocol, core.COMPLAINT.id in answers)
    s = _Session(plan=plan, answers=answers)
    _walk(s, 0, (), plan.p1)
    return s


def _derive_next(s: _Session, step_id: str, value: AnswerValue) -> _Session:
    """The derived view after ``value`` is recorded for the current question, from the view before it — the same as
    ``_derive`` of the new state, without walking the answered part of the plan again.

    Every question before the current one was skipped: it was answered (it still is) or its ``show_if`` was False
    while the current question was still PENDING. The new answer only turns that PENDING into a value, and
    three-valued evaluation is monotone (a False that held with the answer undecided holds for every answer; there is
    no "not"), so the walk from the start would skip them again and reach the current question, now answered. The
    plan itself must not change, so the complaint (which picks the protocol) is always derived from scratch.

    For the same reason every lookup that changes goes from PENDING to something, so a rule that was True or False
    stays so: only the P1 rules that were undecided are evaluated again.
    """
    answers = dict(s.answers)
    answers[step_id] = value
    nxt = _Session(plan=s.plan, answers=answers)
    _walk(nxt, s.position + 1, s.p1_true, s.p1_open)
    return nxt


def _walk(
    s: _Session,
    position: int,
    p1_true: tuple[_RuleKey, ...],
    p1_open: tuple[_RuleKey, ...],
) -> None:
    """Advance from ``position`` to the first question that is shown and not yet answered; stop early when a P1
    outcome is certain (``p1_true``/``p1_open``: the P1 rules known to hold, and those to evaluate)."""
    questions, show_if, answers, lookup = s.plan.questions, s.plan.show_if, s.answers, s.lookup
    end = len(questions)
    s.position = position  # lookup reads it: questions before it are HIDDEN
    while position < end:
        if questions[position].id not in answers:
            shown = show_if[position]
            if shown is None or shown(lookup) is not False:
                break
        position += 1
        s.position = position
    s.finished = position >= end or _decided_early(s, p1_true, p1_open)


def _decided_early(
    s: _Session,
    p1_true: tuple[_RuleKey, ...],
    p1_open: tuple[_RuleKey, ...],
) -> bool:
    """True when a P1 rule already holds and no rule still undecided could beat it: the triage ends now."""
    when, lookup = s.plan.when, s.lookup
    holds, still_open = list(p1_true), []
    for key in p1_open:
        truth = when[key[1]](lookup)
        if truth is True:
            holds.append(key)
        elif truth is None:
            still_open.append(key)
    s.p1_true, s.p1_open = tuple(holds), tuple(still_open)
    if not holds:
        return False
    best = min(holds)
    for key in s.plan.ranked:
        if key >= best:
            break
        if when[key[1]](lookup) is None:
            return False
    return True


def _next_question(s: _Session) -> Question | None:
    return None if s.finished else s.plan.questions[s.position]


# --------------------------------------------------------------------------------------------------------------
# Public API


def start(
    library: Library | None = None,
    *,
    now: datetime,
    lang: Lang = "sv",
    context: TriageContext | None = None,
) -> TriageState:
    """A new session. Facts in ``context.facts`` are checked like answers and are not asked again."""
    require_aware(now)
    context = context or TriageContext()
    facts: dict[str, AnswerValue] = {}
    for qid in ("age", "age_months", "sex"):
        if qid in context.facts:
            question = core.CORE_QUESTIONS[qid]
            bounds = _age_month_bounds(facts.get("age")) if qid == "age_months" else None
            facts[qid] = normalise_answer(question, context.facts[qid], bounds=bounds)
    extra = set(context.facts) - core.CONTEXT_FACT_IDS
    if extra:
        raise InvalidAnswer(
            sorted(extra)[0],
            LocalizedText(
                sv=f"Okända uppgifter i sammanhanget: {', '.join(sorted(extra))}.",
                en=f"Unknown facts in the context: {', '.join(sorted(extra))}.",
            ),
        )
    free_text = context.free_text.strip() if context.free_text and context.free_text.strip() else None
    return TriageState(
        lang=lang,
        started_at=now,
        updated_at=now,
        context=TriageContext(free_text=free_text, facts=facts),
    )


def next_step(state: TriageState, *, library: Library | None = None) -> Step | None:
    """The step to ask now, or None when the triage is finished (then ``outcome`` has the result)."""
    lib = library or default_library()
    s = _session(state, lib)
    question = _next_question(s)
    return None if question is None else _step(s, question, lib)


def answer(
    state: TriageState,
    step_id: str,
    value: object,
    *,
    now: datetime | None = None,
    library: Library | None = None,
) -> TriageState:
    """A new state with ``value`` recorded for ``step_id``, which must be the current step.

    Raises ``WrongStep`` for any other step (or after the end) and ``InvalidAnswer`` for a value the step
    cannot take. ``now`` (when given) becomes the time the deadline counts from.
    """
    lib = library or default_library()
    if now is not None:
        require_aware(now)
    s = _session(state, lib)
    question = _next_question(s)
    if question is None or question.id != step_id:
        raise WrongStep(None if question is None else question.id, step_id)
    protocol_ref = state.protocol
    if question.id == core.COMPLAINT.id:
        options = _complaint_option_ids(s, lib)
        normalised = normalise_answer(question, value, options=options)
        chosen = lib.protocols.get(str(normalised))
        protocol_ref = ProtocolRef(id=chosen.id, version=chosen.version) if chosen is not None else None
    elif question.id == core.AGE_MONTHS.id:
        normalised = normalise_answer(question, value, bounds=_age_month_bounds(s.answers.get("age")))
    else:
        normalised = normalise_answer(question, value)
    recorded = RecordedAnswer(step_id=step_id, value=normalised)
    new_state = state.model_copy(
        update={
            "answers": (*state.answers, recorded),
            "protocol": protocol_ref,
            "updated_at": now or state.updated_at,
        }
    )
    if question.id != core.COMPLAINT.id:  # the complaint changes the plan: that state is derived from scratch
        sessions = _memo(lib).sessions
        _remember(sessions, id(new_state), (new_state, _derive_next(s, step_id, recorded.value)), _SESSION_MEMO_SIZE)
    return new_state


def back(state: TriageState) -> TriageState:
    """Undo the last answer (to change it). Facts given in the context cannot be undone."""
    if not state.answers:
        raise NothingToUndo()
    last = state.answers[-1]
    return state.model_copy(
        update={
            "answers": state.answers[:-1],
            "protocol": None if last.step_id == core.COMPLAINT.id else state.protocol,
        }
    )


def outcome(state: TriageState, *, library: Library | None = None) -> TriageOutcome | None:
    """The outcome of a finished triage, or None while questions remain. Same state → same outcome."""
    lib = library or default_library()
    s = _session(state, lib)
    if not s.finished:
        return None
    return _decide(s, state).outcome


def decision(state: TriageState, *, library: Library | None = None) -> Decision | None:
    """Like ``outcome`` but also says which rule decided, which rules matched and what raised the result
    (for clinical test cases and triage-quality review)."""
    lib = library or default_library()
    s = _session(state, lib)
    return _decide(s, state) if s.finished else None


@dataclass(frozen=True)
class Probe:
    """Everything the analysis needs about a state, from one pass: next step, hidden questions, each rule's
    three-valued truth so far (None: depends on questions not answered yet), and the decision when finished."""

    step: Step | None
    hidden: frozenset[str]
    truths: dict[str, bool | None]
    decision: Decision | None


def probe(state: TriageState, *, library: Library | None = None) -> Probe:
    lib = library or default_library()
    s = _session(state, lib)
    question = _next_question(s)
    return Probe(
        step=None if question is None else _step(s, question, lib),
        hidden=s.hidden,
        truths={rule.id: s.truth(i) for i, rule in enumerate(s.rules)},
        decision=_decide(s, state) if s.finished else None,
    )


def hidden_questions(state: TriageState, *, library: Library | None = None) -> frozenset[str]:
    """Questions the session has passed without asking them (their ``show_if`` was false)."""
    return _session(state, library or default_library()).hidden


def complaint_options(state: TriageState, query: str | None = None, *, library: Library | None = None) -> Step:
    """The complaint step, its options narrowed to protocols matching ``query`` (free text, sv or en) when given.

    The result always ends with "other". Answer it with ``answer(state, "complaint", option_id)``.
    """
    lib = library or default_library()
    s = _session(state, lib)
    question = _next_question(s)
    if question is None or question.id != core.COMPLAINT.id:
        raise WrongStep(None if question is None else question.id, core.COMPLAINT.id)
    step = _step(s, question, lib)
    if not query:
        return step
    applicable = [lib.protocols[o.id] for o in step.options if o.id in lib.protocols]
    ids = [m.protocol_id for m in search_complaints(applicable, query)]
    options = [next(o for o in step.options if o.id == pid) for pid in ids]
    options.append(step.options[-1])
    return step.model_copy(update={"options": tuple(options)})


def transcript(state: TriageState, *, library: Library | None = None) -> list[TranscriptEntry]:
    """Questions and answers in the citizen's order, with texts from the pinned protocol version (for display)."""
    lib = library or default_library()
    protocol = lib.protocol(state.protocol.id, state.protocol.version) if state.protocol else None
    modifiers = protocol.modifiers if protocol is not None else core.OTHER_MODIFIERS
    by_id: dict[str, Question] = dict(core.CORE_QUESTIONS)
    if protocol is not None:
        by_id.update({q.id: q for q in protocol.questions})
    entries = [(qid, v, True) for qid, v in state.context.facts.items()]
    entries += [(a.step_id, a.value, False) for a in state.answers]
    out: list[TranscriptEntry] = []
    for qid, value, from_context in entries:
        question = by_id[qid]
        out.append(
            TranscriptEntry(
                step_id=qid,
                question=_question_text(question, modifiers),
                answer=value,
                answer_text=_answer_text(question, value, lib),
                from_context=from_context,
            )
        )
    return out


# --------------------------------------------------------------------------------------------------------------
# Steps


def _age_month_bounds(age: AnswerValue | None) -> tuple[float, float]:
    if isinstance(age, int | float) and age < 2:
        return (12.0 * int(age), 12.0 * int(age) + 11)
    return (0.0, 23.0)


@dataclass(eq=False)
class _Choices:
    """The complaint options for one age and sex (memoised per library: ``_choices``)."""

    protocols: tuple[Protocol, ...]
    step: Step | None = None  # the complaint step, built on first use


def _choices(s: _Session, library: Library) -> _Choices:
    months = s.lookup(core.AGE_IN_MONTHS.id)
    sex = s.lookup(core.SEX.id)
    age = int(months) if isinstance(months, int | float) else None
    sex_value = sex if isinstance(sex, str) and sex != UNKNOWN else None
    memo = _memo(library)
    hit = memo.choices.get((age, sex_value))
    if hit is not None:
        return hit
    if memo.by_title is None:
        # A stable sort of the id order, so filtering it keeps the order sorting the filtered list would give.
        memo.by_title = tuple(sorted(library.current(), key=lambda p: p.title.sv.casefold()))
    choices = _Choices(tuple(p for p in memo.by_title if p.applies_to.covers(age, sex_value)))
    _remember(memo.choices, (age, sex_value), choices, _CHOICES_MEMO_SIZE)
    return choices


def _applicable(s: _Session, library: Library) -> tuple[Protocol, ...]:
    return _choices(s, library).protocols


def _complaint_option_ids(s: _Session, library: Library) -> list[str]:
    return [p.id for p in _applicable(s, library)] + [core.OTHER_COMPLAINT]


def _step(s: _Session, question: Question, library: Library) -> Step:
    """The step for ``question``, built once per plan (or, for the complaint, per age, sex and library: its options
    depend on them and nothing else). Only the age in months, whose bounds follow the age, is built each time."""
    if question.id == core.AGE_MONTHS.id:
        return _build_step(s, question, library)
    if question.id == core.COMPLAINT.id:
        choices = _choices(s, library)
        if choices.step is None:
            choices.step = _build_step(s, question, library)
        return choices.step
    memo = s.plan.steps
    step = memo.get(id(question))
    if step is None:
        step = memo[id(question)] = _build_step(s, question, library)
    return step


def _build_step(s: _Session, question: Question, library: Library) -> Step:
    section = core.SECTIONS.get(question.id, Section.PROTOCOL)
    options: tuple[StepOption, ...]
    low, high = question.min, question.max
    if question.id == core.COMPLAINT.id:
        options = tuple(StepOption(id=p.id, text=p.title) for p in _applicable(s, library))
        options += (StepOption(id=core.OTHER_COMPLAINT, text=core.OTHER_OPTION_TEXT),)
    elif question.kind is QuestionKind.YES_NO:
        options = tuple(StepOption(id=k, text=v) for k, v in YES_NO_TEXT.items())
    else:
        options = tuple(StepOption(id=o.id, text=o.text) for o in question.options)
    if question.id == core.AGE_MONTHS.id:
        low, high = _age_month_bounds(s.answers.get("age"))
    return Step(
        id=question.id,
        section=section,
        kind=question.kind,
        text=_question_text(question, s.modifiers),
        help=question.help,
        options=options,
        red_flag=question.red_flag,
        min=low,
        max=high,
        integer=question.integer,
        unit=question.unit,
        protocol_id=s.protocol.id if section is Section.PROTOCOL and s.protocol is not None else None,
    )


def _question_text(question: Question, modifiers: Modifiers) -> LocalizedText:
    """The question's text, or the protocol's own wording of a modifier question."""
    if question.id == core.CHRONIC_DISEASE.id and modifiers.chronic_disease.question is not None:
        return modifiers.chronic_disease.question
    if question.id == core.IMMUNOSUPPRESSED.id and modifiers.immunosuppression.question is not None:
        return modifiers.immunosuppression.question
    return question.text


def _answer_text(question: Question, value: AnswerValue, library: Library) -> LocalizedText:
    if value == UNKNOWN:
        return UNKNOWN_TEXT
    if question.id == core.COMPLAINT.id:
        chosen = library.protocols.get(str(value))
        return chosen.title if chosen is not None else core.OTHER_OPTION_TEXT
    if question.kind is QuestionKind.YES_NO and isinstance(value, str):
        return YES_NO_TEXT[value]
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        chosen_ids = value if isinstance(value, list) else [str(value)]
        texts = [o.text for o in question.options if o.id in chosen_ids]
        if not texts:
            return LocalizedText(sv="Inget av alternativen", en="None of the options")
        return LocalizedText(sv=", ".join(t.sv for t in texts), en=", ".join(t.en for t in texts))
    unit = question.unit
    shown = str(value)
    return LocalizedText(
        sv=f"{shown} {unit.sv}" if unit else shown,
        en=f"{shown} {unit.en}" if unit else shown,
    )


# --------------------------------------------------------------------------------------------------------------
# Deciding


@dataclass(frozen=True)
class Decision:
    """The outcome plus how it came about (for the test-case runner and the reachability analysis)."""

    outcome: TriageOutcome
    decided_by: str  # rule id, "default", or "other"
    matched: tuple[str, ...]
    raised_by: tuple[str, ...]  # modifier names and "free_text" that changed the rule's outcome


def _decide(s: _Session, state: TriageState) -> Decision:
    matched = [(i, rule) for i, rule in enumerate(s.rules) if s.truth(i) is True]
    if matched:
        _, best = min(
            matched, key=lambda pair: (urgency_key(pair[1].outcome.priority, pair[1].outcome.disposition), pair[0])
        )
        draft, decided_by = Draft.of(best.outcome), best.id
    elif s.protocol is not None:
        draft, decided_by = Draft.of(s.protocol.default_outcome), "default"
    else:
        draft, decided_by = Draft.of(core.OTHER_OUTCOME), "other"
    draft.crisis_info = draft.crisis_info or any(rule.outcome.crisis_info for _, rule in matched)
    apply_modifiers(draft, s.modifiers, s.lookup)
    flags = _free_text_flags(s, state)
    _apply_free_text(draft, flags)
    red_flags = [RedFlag(rule_id=rule.id, answers=_answers_for(rule, s)) for _, rule in matched if rule.red_flag]
    ruleset = f"engine@{ENGINE_VERSION}"
    if s.protocol is not None:
        ruleset = f"{s.protocol.ref};{ruleset}"
    result = TriageOutcome(
        priority=draft.priority,
        deadline=deadline_for(draft.priority, state.updated_at) if draft.priority is not None else None,
        disposition=draft.disposition,
        profession=draft.profession,
        red_flags=red_flags,
        explanation=draft.explanation,
        ruleset_version=ruleset,
        advice_id=draft.advice_id,
        free_text_flags=flags,
        crisis_info=draft.crisis_info,
    )
    return Decision(result, decided_by, tuple(rule.id for _, rule in matched), tuple(draft.raised_by))


def _answers_for(rule: Rule, s: _Session) -> dict[str, AnswerValue]:
    out: dict[str, AnswerValue] = {}
    for qid in sorted(rule.when.refs()):
        value = s.lookup(qid)
        if not isinstance(value, Missing):
            out[qid] = value
    return out


def _free_text_flags(s: _Session, state: TriageState) -> list[FreeTextFlag]:
    flags = scan_free_text(state.context.free_text, source="context")
    for question in s.plan.questions:
        value = s.answers.get(question.id)
        if question.kind is QuestionKind.FREE_TEXT and isinstance(value, str) and value != UNKNOWN:
            flags += scan_free_text(value, source=question.id)
    return flags


_FREE_TEXT_NOTE = LocalizedText(
    sv="Fritexten innehåller varningsord; prioriteten har höjts.",
    en="The free text contains warning terms; the priority was raised.",
)
_SUICIDE_NOTE = LocalizedText(
    sv="Fritexten nämner självmord; krisinformation visas.",
    en="The free text mentions suicide; crisis information is shown.",
)


def _apply_free_text(draft: Draft, flags: Sequence[FreeTextFlag]) -> None:
    """A non-negated hit raises to at least P2 chat with a nurse; suicide to P1 with crisis information."""
    hits = [f for f in flags if not f.negated]
    if not hits:
        return
    categories = {f.category for f in hits}
    if categories & CRISIS_CATEGORIES:
        draft.crisis_info = True
    if "suicide" in categories and draft.priority is not Priority.P1:
        keep_ed = draft.disposition is Disposition.EMERGENCY_DEPARTMENT
        draft.priority = Priority.P1
        if not keep_ed:
            draft.disposition, draft.profession, draft.advice_id = Disposition.CHAT, Profession.NURSE, None
        draft.raised_by.append("free_text")
        draft.explanation = draft.explanation.joined(_SUICIDE_NOTE)
    elif priority_rank(draft.priority) > priority_rank(Priority.P2):
        draft.priority, draft.disposition, draft.profession, draft.advice_id = (
            Priority.P2,
            Disposition.CHAT,
            Profession.NURSE,
            None,
        )
        draft.raised_by.append("free_text")
        draft.explanation = draft.explanation.joined(_FREE_TEXT_NOTE)
