"""Benchmark of the triage engine: a whole session, and loading the protocol library.

Targets (issue: triage engine): a complete triage session median ≤ 1 ms; loading the whole library ≤ 50 ms.
A session here is what a citizen's triage does: ``start``, then ``next_step`` + ``answer`` for every step, then
the final ``next_step`` (None) and ``outcome``. The answers are every protocol's every clinical test case, round
robin, so the figure covers the whole library. Each case's answer script is worked out beforehand (as
``run_case`` answers: the case's answers, the complaint, "no" for the defaulted screen and modifier questions) and
is not timed, nor is the test-case bookkeeping (``hidden_questions``, ``decision``).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from chalicelib.triage import core, load_library
from chalicelib.triage.cases import CASE_NOW, MAX_STEPS, run_case
from chalicelib.triage.engine import TriageContext, answer, next_step, outcome, start
from chalicelib.triage.library import Library, default_library
from chalicelib.triage.outcome import AnswerValue, TriageOutcome
from chalicelib.triage.protocol import ClinicalTestCase, Protocol

TARGET_SESSION_MS = 1.0
TARGET_LOAD_MS = 50.0


@dataclass(frozen=True)
class Script:
    """One clinical test case as a citizen would answer it: the steps in order, and the expected outcome."""

    label: str
    context: TriageContext
    answers: tuple[tuple[str, AnswerValue], ...]
    expected: TriageOutcome


def script(library: Library, protocol: Protocol, case: ClinicalTestCase) -> Script:
    """The answers ``run_case`` gives, step by step (not timed)."""
    context = TriageContext(free_text=case.free_text)
    state = start(library, now=CASE_NOW, lang="sv", context=context)
    answers: list[tuple[str, AnswerValue]] = []
    for _ in range(MAX_STEPS):
        step = next_step(state, library=library)
        if step is None:
            break
        value: AnswerValue
        if step.id in case.answers:
            value = case.answers[step.id]
        elif step.id == core.COMPLAINT.id:
            value = protocol.id
        else:
            assert step.id in core.DEFAULTED_IN_TEST_CASES, f"{protocol.ref} :: {case.name}: no answer for {step.id}"
            value = "no"
        answers.append((step.id, value))
        state = answer(state, step.id, value, library=library)
    result = outcome(state, library=library)
    assert result is not None, f"{protocol.ref} :: {case.name} did not finish"
    return Script(f"{protocol.ref} :: {case.name}", context, tuple(answers), result)


def session(library: Library, s: Script) -> TriageOutcome | None:
    """The timed part: one complete triage session."""
    state = start(library, now=CASE_NOW, lang="sv", context=s.context)
    for step_id, value in s.answers:
        next_step(state, library=library)
        state = answer(state, step_id, value, library=library)
    next_step(state, library=library)
    return outcome(state, library=library)


def measure(rounds: int = 5) -> dict[str, float]:
    loads, yaml_loads = [], []
    for _ in range(rounds):
        default_library.cache_clear()
        t0 = time.perf_counter()
        default_library()  # what a Lambda cold start does: the compiled snapshot
        loads.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        library = load_library()  # the YAML sources, validated, with clinical test cases (review and CI)
        yaml_loads.append((time.perf_counter() - t0) * 1000)
    runtime = default_library()  # what the API triages with
    cases = [(p, c) for p in library.protocols.values() for c in p.test_cases]
    for protocol, case in cases:  # the clinical test cases pass: the sessions below are the real ones
        result = run_case(library, protocol, case)
        assert result.passed, result.problems
    scripts = [script(library, p, c) for p, c in cases]
    for s in scripts[:20]:  # warm up
        session(runtime, s)
    sessions = []
    for s in scripts * 3:
        t0 = time.perf_counter()
        result = session(runtime, s)
        sessions.append((time.perf_counter() - t0) * 1000)
        assert result == s.expected, s.label
    return {
        "sessions": float(len(sessions)),
        "steps_median": float(statistics.median(len(s.answers) for s in scripts)),
        "session_median_ms": statistics.median(sessions),
        "session_p95_ms": statistics.quantiles(sessions, n=20)[18],
        "load_median_ms": statistics.median(loads),
        "yaml_load_median_ms": statistics.median(yaml_loads),
        "protocols": float(len(library.protocols)),
    }


def main() -> None:
    r = measure()
    print(
        f"Triage engine ({int(r['protocols'])} protocols, {int(r['sessions'])} sessions, "
        f"median {int(r['steps_median'])} steps)"
    )
    print(
        f"  complete session, median   {r['session_median_ms']:7.3f} ms   target {TARGET_SESSION_MS:5.1f} ms"
        f"   ratio {r['session_median_ms'] / TARGET_SESSION_MS:.2f}"
    )
    print(f"  complete session, p95      {r['session_p95_ms']:7.3f} ms")
    print(
        f"  load whole library, median {r['load_median_ms']:7.1f} ms   target {TARGET_LOAD_MS:5.1f} ms"
        f"   ratio {r['load_median_ms'] / TARGET_LOAD_MS:.2f}"
    )


if __name__ == "__main__":
    main()
