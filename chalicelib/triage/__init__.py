"""Nära's triage engine: protocols as data (YAML), a pure step-wise engine, and its outcome model.

Typical use (the API stores the state as JSON between requests)::

    from chalicelib.triage import start, next_step, answer, outcome, default_library

    state = start(default_library(), now=now, lang="sv")
    step = next_step(state)                    # Step: id, kind, text {sv,en}, options, allow_unknown ...
    state = answer(state, step.id, "yes", now=now)
    result = outcome(state)                    # TriageOutcome once finished, else None

No AWS, no environment, no clock: time and the library are passed in. See docs/triage.md.
"""

from chalicelib.triage.analysis import Reachability, reachability
from chalicelib.triage.cases import CaseResult, run_all, run_case
from chalicelib.triage.core import Section
from chalicelib.triage.engine import (
    UNKNOWN_TEXT,
    Decision,
    ProtocolRef,
    RecordedAnswer,
    Step,
    StepOption,
    TranscriptEntry,
    TriageContext,
    TriageState,
    answer,
    back,
    complaint_options,
    decision,
    next_step,
    outcome,
    start,
    transcript,
)
from chalicelib.triage.errors import (
    InvalidAnswer,
    LoadIssue,
    NothingToUndo,
    NotSelfCare,
    ProtocolLoadError,
    TriageError,
    UnknownProtocol,
    WrongStep,
)
from chalicelib.triage.free_text import scan_free_text
from chalicelib.triage.hours import AfterHoursTarget, route_for_hours
from chalicelib.triage.library import Library, default_library, load_library
from chalicelib.triage.outcome import (
    CRISIS_ADVICE_ID,
    ENGINE_VERSION,
    PRIORITY_DEADLINES,
    PRIORITY_LABELS,
    UNKNOWN,
    AnswerValue,
    Disposition,
    FreeTextFlag,
    Priority,
    Profession,
    RedFlag,
    TriageOutcome,
    choose_contact,
    priority_rank,
)
from chalicelib.triage.protocol import AdviceArticle, Protocol, QuestionKind
from chalicelib.triage.search import ComplaintMatch, search_complaints
from chalicelib.triage.text import Lang, LocalizedText

__all__ = [
    "CRISIS_ADVICE_ID",
    "ENGINE_VERSION",
    "PRIORITY_DEADLINES",
    "PRIORITY_LABELS",
    "UNKNOWN",
    "UNKNOWN_TEXT",
    "AdviceArticle",
    "AfterHoursTarget",
    "AnswerValue",
    "CaseResult",
    "ComplaintMatch",
    "Decision",
    "Disposition",
    "FreeTextFlag",
    "InvalidAnswer",
    "Lang",
    "Library",
    "LoadIssue",
    "LocalizedText",
    "NotSelfCare",
    "NothingToUndo",
    "Priority",
    "Profession",
    "Protocol",
    "ProtocolLoadError",
    "ProtocolRef",
    "QuestionKind",
    "Reachability",
    "RecordedAnswer",
    "RedFlag",
    "Section",
    "Step",
    "StepOption",
    "TranscriptEntry",
    "TriageContext",
    "TriageError",
    "TriageOutcome",
    "TriageState",
    "UnknownProtocol",
    "WrongStep",
    "answer",
    "back",
    "choose_contact",
    "complaint_options",
    "decision",
    "default_library",
    "load_library",
    "next_step",
    "outcome",
    "priority_rank",
    "reachability",
    "route_for_hours",
    "run_all",
    "run_case",
    "scan_free_text",
    "search_complaints",
    "start",
    "transcript",
]
