"""What triage decides: priority with deadline, disposition, profession — the one outcome type used everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from pydantic import model_validator

from chalicelib.triage.errors import NotSelfCare
from chalicelib.triage.text import LocalizedText, StrictModel

AnswerValue = str | int | float | list[str]
"""An answer as stored: an option id, "yes"/"no", a number, free text, a list of option ids, or "unknown"."""

UNKNOWN = "unknown"

ENGINE_VERSION = 1

CRISIS_ADVICE_ID = "crisis_support"
"""The advice article to show whenever an outcome has ``crisis_info`` (112, 1177, Självmordslinjen 90101)."""


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"


class Disposition(StrEnum):
    EMERGENCY_112 = "emergency_112"
    EMERGENCY_DEPARTMENT = "emergency_department"
    CALL_1177 = "call_1177"
    SELF_CARE = "self_care"
    CHAT = "chat"
    VIDEO = "video"
    PHYSICAL = "physical"


class Profession(StrEnum):
    NURSE = "nurse"
    DOCTOR = "doctor"
    PSYCHOLOGIST = "psychologist"
    PHYSIOTHERAPIST = "physiotherapist"
    MIDWIFE = "midwife"
    MEDICAL_SECRETARY = "medical_secretary"


PRIORITY_LABELS: Mapping[Priority, LocalizedText] = MappingProxyType(
    {
        Priority.P1: LocalizedText(sv="Omgående", en="Immediately"),
        Priority.P2: LocalizedText(sv="Skyndsamt", en="Urgent"),
        Priority.P3: LocalizedText(sv="Närmaste dygnet", en="Within 24 hours"),
        Priority.P4: LocalizedText(sv="Vardag närmaste tiden", en="Routine, within days to weeks"),
        Priority.P5: LocalizedText(sv="Avvakta", en="Wait (self-care, contact chosen)"),
    }
)

# The one table of deadlines: deadline = time the triage finished + this interval.
PRIORITY_DEADLINES: Mapping[Priority, timedelta] = MappingProxyType(
    {
        Priority.P1: timedelta(minutes=15),
        Priority.P2: timedelta(hours=3),
        Priority.P3: timedelta(hours=24),
        Priority.P4: timedelta(days=14),
        Priority.P5: timedelta(days=30),
    }
)

# Lower = more urgent. Self-care (priority None) ranks after P5: it is not in the queue at all.
_PRIORITY_RANK: Mapping[Priority | None, int] = MappingProxyType(
    {Priority.P1: 1, Priority.P2: 2, Priority.P3: 3, Priority.P4: 4, Priority.P5: 5, None: 6}
)
# Tie-break between outcomes of the same priority: the more intensive level of care first.
_DISPOSITION_RANK: Mapping[Disposition, int] = MappingProxyType(
    {
        Disposition.EMERGENCY_112: 0,
        Disposition.EMERGENCY_DEPARTMENT: 1,
        Disposition.CALL_1177: 2,
        Disposition.PHYSICAL: 3,
        Disposition.VIDEO: 4,
        Disposition.CHAT: 5,
        Disposition.SELF_CARE: 6,
    }
)


def priority_rank(priority: Priority | None) -> int:
    """1 for P1 … 5 for P5, 6 for self-care (no priority)."""
    return _PRIORITY_RANK[priority]


def urgency_key(priority: Priority | None, disposition: Disposition) -> tuple[int, int]:
    """Sort key: smaller is more urgent. Used to pick the most urgent matching rule."""
    return (_PRIORITY_RANK[priority], _DISPOSITION_RANK[disposition])


def deadline_for(priority: Priority, now: datetime) -> datetime:
    require_aware(now)
    return now + PRIORITY_DEADLINES[priority]


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


class RedFlag(StrictModel):
    """A red-flag rule that fired, with the answers that made it fire (for staff)."""

    rule_id: str
    answers: dict[str, AnswerValue]


class FreeTextFlag(StrictModel):
    """A red-flag term found in the citizen's own words. Negated hits are reported but never escalate."""

    term_id: str
    category: str
    matched: str
    negated: bool
    source: str


class TriageOutcome(StrictModel):
    """The result of a finished triage. Self-care has ``priority`` and ``deadline`` None (it is not queued)."""

    priority: Priority | None
    deadline: datetime | None
    disposition: Disposition
    profession: Profession
    red_flags: list[RedFlag]
    explanation: LocalizedText
    ruleset_version: str
    advice_id: str | None
    free_text_flags: list[FreeTextFlag]
    crisis_info: bool

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.priority is None) != (self.disposition is Disposition.SELF_CARE):
            raise ValueError("priority must be None exactly when disposition is self_care")
        if (self.deadline is None) != (self.priority is None):
            raise ValueError("deadline must be set exactly when priority is set")
        if self.disposition is Disposition.EMERGENCY_112 and self.priority is not Priority.P1:
            raise ValueError("emergency_112 is always P1")
        return self


def choose_contact(outcome: TriageOutcome, now: datetime) -> TriageOutcome:
    """The citizen was triaged to self-care but wants contact anyway: P5 Avvakta, chat with a nurse.

    This is the only way an outcome gets P5.
    """
    if outcome.disposition is not Disposition.SELF_CARE:
        raise NotSelfCare()
    note = LocalizedText(
        sv="Invånaren valde kontakt trots egenvårdsråd.",
        en="The citizen chose contact despite self-care advice.",
    )
    return outcome.model_copy(
        update={
            "priority": Priority.P5,
            "deadline": deadline_for(Priority.P5, now),
            "disposition": Disposition.CHAT,
            "profession": Profession.NURSE,
            "explanation": outcome.explanation.joined(note),
        }
    )
