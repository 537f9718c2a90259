"""Running a protocol's clinical test cases through the real engine (used by ``check`` and the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.triage import core
from chalicelib.triage.engine import Decision, TriageContext, answer, decision, hidden_questions, next_step, start
from chalicelib.triage.errors import InvalidAnswer
from chalicelib.triage.library import Library
from chalicelib.triage.protocol import ClinicalTestCase, Protocol

CASE_NOW = datetime(2025, 1, 7, 10, 0, tzinfo=UTC)
MAX_STEPS = 500


@dataclass(frozen=True)
class CaseResult:
    protocol: Protocol
    case: ClinicalTestCase
    problems: tuple[str, ...]
    decision: Decision | None

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return f"{self.protocol.ref} :: {self.case.name}"


def run_case(library: Library, protocol: Protocol, case: ClinicalTestCase) -> CaseResult:
    def fail(*problems: str) -> CaseResult:
        return CaseResult(protocol, case, problems, None)

    state = start(library, now=CASE_NOW, lang="sv", context=TriageContext(free_text=case.free_text))
    used: set[str] = set()
    for _ in range(MAX_STEPS):
        step = next_step(state, library=library)
        if step is None:
            break
        if step.id in case.answers:
            value: object = case.answers[step.id]
            used.add(step.id)
        elif step.id == core.COMPLAINT.id:
            if protocol.id not in {o.id for o in step.options}:
                return fail(f"the protocol is not offered for these basic facts (applies_to: {protocol.applies_to})")
            value = protocol.id
        elif step.id in core.DEFAULTED_IN_TEST_CASES:
            value = "no"
        else:
            return fail(f"no answer for '{step.id}', which is asked")
        try:
            state = answer(state, step.id, value, library=library)
        except InvalidAnswer as exc:
            return fail(f"answer for '{step.id}': {exc.message.en}")
    else:
        return fail(f"did not finish within {MAX_STEPS} steps")
    result = decision(state, library=library)
    assert result is not None
    problems: list[str] = []
    not_asked = sorted(set(case.answers) & hidden_questions(state, library=library) - used)
    if not_asked:
        problems.append(f"answers for questions that were not asked (show_if false): {', '.join(not_asked)}")
    got, want = result.outcome, case.expected
    if got.priority != want.priority or got.disposition != want.disposition:
        problems.append(
            f"expected {want.priority or '-'}/{want.disposition}, got {got.priority or '-'}/{got.disposition}"
        )
    if want.profession is not None and got.profession != want.profession:
        problems.append(f"expected profession {want.profession}, got {got.profession}")
    if want.crisis_info is not None and got.crisis_info != want.crisis_info:
        problems.append(f"expected crisis_info {want.crisis_info}, got {got.crisis_info}")
    if want.decided_by is not None and result.decided_by != want.decided_by:
        problems.append(f"expected decided_by {want.decided_by}, got {result.decided_by}")
    if problems:
        problems.append(
            f"(decided by {result.decided_by}; matched: {', '.join(result.matched) or 'none'}; "
            f"raised by: {', '.join(result.raised_by) or 'nothing'})"
        )
    return CaseResult(protocol, case, tuple(problems), result)


def run_all(library: Library) -> list[CaseResult]:
    return [run_case(library, p, case) for p in library.current() for case in p.test_cases]
