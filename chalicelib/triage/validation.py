"""Cross-reference checks that a single pydantic model cannot do: conditions name existing questions and options
with a test that fits the question's kind, show_if only looks back, advice ids exist, test cases answer real
questions with valid values. Each problem comes back as (dotted field path, message)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from chalicelib.triage import core
from chalicelib.triage.answers import normalise_answer
from chalicelib.triage.errors import InvalidAnswer
from chalicelib.triage.outcome import priority_rank
from chalicelib.triage.protocol import CHOICE_KINDS, Condition, OutcomeSpec, Protocol, Question, QuestionKind

Problem = tuple[str, str]


def check_protocol(protocol: Protocol, advice_ids: Collection[str]) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_questions(protocol)
    problems += _check_rules(protocol, advice_ids)
    problems += _check_test_cases(protocol)
    return problems


def rule_readable(protocol: Protocol) -> dict[str, Question]:
    """Ids a rule of this protocol may read, with their question."""
    readable = {qid: core.CORE_QUESTIONS[qid] for qid in core.SHOW_IF_READABLE}
    if protocol.modifiers.immunosuppression.enabled:
        readable["immunosuppressed"] = core.IMMUNOSUPPRESSED
    if protocol.modifiers.chronic_disease.enabled:
        readable["chronic_disease"] = core.CHRONIC_DISEASE
    readable.update({q.id: q for q in protocol.questions})
    return readable


def _check_questions(protocol: Protocol) -> Iterator[Problem]:
    seen: dict[str, Question] = {qid: core.CORE_QUESTIONS[qid] for qid in core.SHOW_IF_READABLE}
    for i, question in enumerate(protocol.questions):
        loc = f"questions.{i}"
        if question.id in core.CORE_QUESTIONS:
            yield (f"{loc}.id", f"'{question.id}' is one of the engine's own questions; choose another id")
        elif question.id in seen:
            yield (f"{loc}.id", f"duplicate question id '{question.id}'")
        if question.show_if is not None:
            yield from _check_condition(question.show_if, seen, f"{loc}.show_if", "an earlier question")
        seen[question.id] = question


def _check_rules(protocol: Protocol, advice_ids: Collection[str]) -> Iterator[Problem]:
    readable = rule_readable(protocol)
    red_flag_ids = {q.id for q in protocol.questions if q.red_flag}
    default_rank = priority_rank(protocol.default_outcome.priority)
    rule_ids: set[str] = set()
    for i, rule in enumerate(protocol.rules):
        loc = f"rules.{i}"
        if rule.id in rule_ids or rule.id == "default" or rule.id.startswith("screen_"):
            yield (f"{loc}.id", f"rule id '{rule.id}' is a duplicate or reserved ('default', 'screen_*')")
        rule_ids.add(rule.id)
        yield from _check_condition(rule.when, readable, f"{loc}.when", "a question of this protocol or a core fact")
        yield from _check_outcome(rule.outcome, advice_ids, f"{loc}.outcome")
        # "Don't know" on a red-flag question matches every test on it. A rule below the default reading one could
        # then turn "don't know" into *less* urgency than a plain answer, so it is not allowed.
        below_default = priority_rank(rule.outcome.priority) > default_rank
        if below_default and rule.when.refs() & red_flag_ids:
            yield (
                f"{loc}.when",
                f"a rule less urgent than the default may not read red-flag questions "
                f"({', '.join(sorted(rule.when.refs() & red_flag_ids))})",
            )
    yield from _check_outcome(protocol.default_outcome, advice_ids, "default_outcome")


def _check_outcome(outcome: OutcomeSpec, advice_ids: Collection[str], loc: str) -> Iterator[Problem]:
    if outcome.advice_id is not None and outcome.advice_id not in advice_ids:
        yield (f"{loc}.advice_id", f"no advice article '{outcome.advice_id}' (advice/{outcome.advice_id}.yaml)")


def _check_condition(cond: Condition, known: Mapping[str, Question], loc: str, what: str) -> Iterator[Problem]:
    for name, children in (("all", cond.all_), ("any", cond.any_), ("of", cond.of)):
        for j, child in enumerate(children or ()):
            yield from _check_condition(child, known, f"{loc}.{name}.{j}", what)
    if cond.q is None:
        return
    question = known.get(cond.q)
    if question is None:
        yield (f"{loc}.q", f"'{cond.q}' is not {what}")
        return
    yield from _check_atom(cond, question, loc)


def _check_atom(cond: Condition, question: Question, loc: str) -> Iterator[Problem]:
    kind = question.kind
    options = question.option_ids()
    numeric = any(v is not None for v in (cond.gt, cond.gte, cond.lt, cond.lte))
    if kind is QuestionKind.FREE_TEXT and not cond.unknown:
        yield (loc, f"'{question.id}' is free text: only 'unknown: true' can test it")
        return
    if cond.eq is not None:
        if kind is QuestionKind.MULTIPLE_CHOICE:
            yield (f"{loc}.eq", f"'{question.id}' is multiple choice: use any_of")
        elif kind is QuestionKind.NUMBER and not isinstance(cond.eq, int | float):
            yield (f"{loc}.eq", f"'{question.id}' is a number question: compare with a number")
        elif kind is not QuestionKind.NUMBER and cond.eq not in options:
            yield (f"{loc}.eq", f"'{cond.eq}' is not an option of '{question.id}' (options: {', '.join(options)})")
    if cond.any_of is not None:
        if kind not in CHOICE_KINDS and kind is not QuestionKind.YES_NO:
            yield (f"{loc}.any_of", f"any_of needs a choice or yes/no question, '{question.id}' is {kind}")
        else:
            for j, value in enumerate(cond.any_of):
                if value not in options:
                    yield (f"{loc}.any_of.{j}", f"'{value}' is not an option of '{question.id}'")
    if numeric and kind is not QuestionKind.NUMBER:
        yield (loc, f"gt/gte/lt/lte need a number question, '{question.id}' is {kind}")


MIN_TEST_CASES = 5


def _check_test_cases(protocol: Protocol) -> Iterator[Problem]:
    if len(protocol.test_cases) < MIN_TEST_CASES:
        yield (
            "test_cases",
            f"at least {MIN_TEST_CASES} clinical test cases are required, found {len(protocol.test_cases)}",
        )
    answerable: dict[str, Question] = {
        q.id: q for q in (*core.BASIC_FACTS, *core.RED_FLAG_SCREEN, core.DURATION, *protocol.questions)
    }
    if protocol.modifiers.immunosuppression.enabled:
        answerable["immunosuppressed"] = core.IMMUNOSUPPRESSED
    if protocol.modifiers.chronic_disease.enabled:
        answerable["chronic_disease"] = core.CHRONIC_DISEASE
    decisive = {r.id for r in protocol.rules} | {r.id for r in core.SCREEN_RULES} | {"default"}
    names: set[str] = set()
    for i, case in enumerate(protocol.test_cases):
        loc = f"test_cases.{i}"
        if case.name in names:
            yield (f"{loc}.name", f"duplicate test case name '{case.name}'")
        names.add(case.name)
        for qid, value in case.answers.items():
            question = answerable.get(qid)
            if question is None:
                yield (f"{loc}.answers.{qid}", f"'{qid}' is not a question this protocol asks")
                continue
            try:
                normalise_answer(question, value)
            except InvalidAnswer as exc:
                yield (f"{loc}.answers.{qid}", exc.message.en)
        if case.expected.decided_by is not None and case.expected.decided_by not in decisive:
            yield (f"{loc}.expected.decided_by", f"'{case.expected.decided_by}' is not a rule id (or 'default')")
