"""Driving triage sessions in tests: answers by step id, with the red-flag screen and modifier questions "no"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from chalicelib.triage import (
    Library,
    TriageContext,
    TriageOutcome,
    TriageState,
    answer,
    next_step,
    outcome,
    start,
)

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DEFAULT_NO = {
    "rf_breathing",
    "rf_chest_pain",
    "rf_consciousness",
    "rf_bleeding",
    "rf_anaphylaxis",
    "rf_stroke",
    "rf_sepsis",
    "rf_suicide_plan",
    "immunosuppressed",
    "chronic_disease",
}
ADULT_MAN = {"age": 40, "sex": "male", "self_rated_health": 70}


def drive(
    library: Library,
    answers: Mapping[str, object],
    *,
    free_text: str | None = None,
    stop_at: str | None = None,
    now: datetime = NOW,
) -> TriageState:
    """Answer every step from ``answers`` (screen and modifier questions default to "no") until the end,
    or until the step ``stop_at`` is the next one."""
    state = start(library, now=now, context=TriageContext(free_text=free_text))
    for _ in range(200):
        step = next_step(state, library=library)
        if step is None or step.id == stop_at:
            return state
        if step.id in answers:
            value = answers[step.id]
        elif step.id in DEFAULT_NO:
            value = "no"
        else:
            raise AssertionError(f"the test gives no answer for the step {step.id!r}")
        state = answer(state, step.id, value, library=library)
    raise AssertionError("did not finish")


def finish(library: Library, answers: Mapping[str, object], *, free_text: str | None = None) -> TriageOutcome:
    state = drive(library, answers, free_text=free_text)
    result = outcome(state, library=library)
    assert result is not None, "the session did not finish"
    return result


COLD_UNCOMPLICATED = {
    **ADULT_MAN,
    "complaint": "cold",
    "duration_days": 3,
    "breathing": "no",
    "severely_ill": "no",
    "poor_intake": "no",
    "fever": "no_fever",
    "worse_after_better": "no",
    "ear_or_sinus_pain": "no",
}
