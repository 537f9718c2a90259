"""Modifiers: facts about the person that can only raise urgency (never lower it).

Each applies when its fact holds *or is unknown* ("where answers leave real doubt, go up"):

- infant: age in months below ``max_age_months`` (3, or up to 24 per protocol)
- elderly: age in years at or above ``min_age_years`` (80 by default, e.g. 75 per protocol)
- pregnancy, immunosuppression, chronic_disease: answered yes
- low_self_rated_health: self-rated health at or below ``max_score`` (20)

An applying modifier raises the outcome to at least its ``at_least`` priority; a self-care outcome either stays
self-care (``self_care: keep``) or becomes a chat with a nurse at that priority (``self_care: contact``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.triage.conditions import Missing
from chalicelib.triage.outcome import UNKNOWN, AnswerValue, Disposition, Priority, Profession, priority_rank
from chalicelib.triage.protocol import ModifierEffect, Modifiers, OutcomeSpec
from chalicelib.triage.text import LocalizedText

Lookup = Callable[[str], AnswerValue | Missing]


@dataclass
class Draft:
    """A mutable outcome while modifiers and free text are applied (they only ever raise it)."""

    priority: Priority | None
    disposition: Disposition
    profession: Profession
    advice_id: str | None
    crisis_info: bool
    explanation: LocalizedText
    raised_by: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, spec: OutcomeSpec) -> Draft:
        return cls(spec.priority, spec.disposition, spec.profession, spec.advice_id, spec.crisis_info, spec.explanation)

    def raise_to(self, floor: Priority, *, contact_if_self_care: bool, reason: str, note: LocalizedText) -> bool:
        """Raise to at least ``floor``; returns whether anything changed."""
        if self.disposition is Disposition.SELF_CARE:
            if not contact_if_self_care:
                return False
            self.priority, self.disposition, self.profession, self.advice_id = (
                floor,
                Disposition.CHAT,
                Profession.NURSE,
                None,
            )
        elif priority_rank(self.priority) > priority_rank(floor):
            self.priority = floor
        else:
            return False
        self.raised_by.append(reason)
        self.explanation = self.explanation.joined(note)
        return True


def _holds_yes(value: AnswerValue | Missing) -> bool:
    return value in ("yes", UNKNOWN)


def _below(value: AnswerValue | Missing, limit: float) -> bool:
    return value == UNKNOWN or (isinstance(value, int | float) and value < limit)


def _at_least(value: AnswerValue | Missing, limit: float) -> bool:
    return value == UNKNOWN or (isinstance(value, int | float) and value >= limit)


def _at_most(value: AnswerValue | Missing, limit: float) -> bool:
    return value == UNKNOWN or (isinstance(value, int | float) and value <= limit)


def applying_modifiers(modifiers: Modifiers, lookup: Lookup) -> list[tuple[str, ModifierEffect, LocalizedText]]:
    m = modifiers
    candidates: list[tuple[str, ModifierEffect, bool, LocalizedText]] = [
        (
            "infant",
            m.infant,
            _below(lookup("age_in_months"), m.infant.max_age_months),
            LocalizedText(
                sv=f"Höjd för ålder under {m.infant.max_age_months} månader (eller okänd ålder).",
                en=f"Raised for age under {m.infant.max_age_months} months (or unknown age).",
            ),
        ),
        (
            "elderly",
            m.elderly,
            _at_least(lookup("age"), m.elderly.min_age_years),
            LocalizedText(
                sv=f"Höjd för ålder {m.elderly.min_age_years} år eller äldre (eller okänd ålder).",
                en=f"Raised for age {m.elderly.min_age_years} or older (or unknown age).",
            ),
        ),
        (
            "pregnancy",
            m.pregnancy,
            _holds_yes(lookup("pregnant")),
            LocalizedText(sv="Höjd för graviditet (eller möjlig graviditet).", en="Raised for (possible) pregnancy."),
        ),
        (
            "immunosuppression",
            m.immunosuppression,
            _holds_yes(lookup("immunosuppressed")),
            LocalizedText(sv="Höjd för nedsatt immunförsvar.", en="Raised for a weakened immune system."),
        ),
        (
            "chronic_disease",
            m.chronic_disease,
            _holds_yes(lookup("chronic_disease")),
            LocalizedText(sv="Höjd för långvarig sjukdom.", en="Raised for a long-term illness."),
        ),
        (
            "low_self_rated_health",
            m.low_self_rated_health,
            _at_most(lookup("self_rated_health"), m.low_self_rated_health.max_score),
            LocalizedText(
                sv=f"Höjd för mycket låg självskattad hälsa (≤ {m.low_self_rated_health.max_score}).",
                en=f"Raised for very low self-rated health (≤ {m.low_self_rated_health.max_score}).",
            ),
        ),
    ]
    return [(name, effect, note) for name, effect, holds, note in candidates if effect.enabled and holds]


def apply_modifiers(draft: Draft, modifiers: Modifiers, lookup: Lookup) -> None:
    for name, effect, note in applying_modifiers(modifiers, lookup):
        draft.raise_to(effect.at_least, contact_if_self_care=effect.self_care == "contact", reason=name, note=note)
