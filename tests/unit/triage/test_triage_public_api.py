"""The package's public surface, and its purity (no AWS, no os, no clock)."""

from __future__ import annotations

import ast
from pathlib import Path

import chalicelib.triage as triage

PACKAGE = Path(triage.__file__).parent


def test_public_api_is_what_it_should_be() -> None:
    expected = {
        "start", "next_step", "answer", "back", "outcome", "decision", "transcript", "complaint_options",
        "choose_contact", "route_for_hours", "search_complaints", "scan_free_text",
        "load_library", "default_library", "run_case", "run_all", "reachability", "priority_rank",
        "TriageState", "TriageContext", "Step", "StepOption", "RecordedAnswer", "ProtocolRef", "TranscriptEntry",
        "Decision", "TriageOutcome", "RedFlag", "FreeTextFlag", "Priority", "Disposition", "Profession",
        "PRIORITY_DEADLINES", "PRIORITY_LABELS", "UNKNOWN", "UNKNOWN_TEXT", "CRISIS_ADVICE_ID", "ENGINE_VERSION",
        "AnswerValue", "Lang", "LocalizedText", "Section", "QuestionKind", "Library", "Protocol", "AdviceArticle",
        "ComplaintMatch", "CaseResult", "Reachability", "AfterHoursTarget",
        "TriageError", "ProtocolLoadError", "LoadIssue", "UnknownProtocol", "InvalidAnswer", "WrongStep",
        "NothingToUndo", "NotSelfCare",
    }  # fmt: skip
    assert set(triage.__all__) == expected
    assert all(hasattr(triage, name) for name in triage.__all__)


def test_errors_form_one_tree() -> None:
    for error in (triage.ProtocolLoadError, triage.UnknownProtocol, triage.InvalidAnswer, triage.NothingToUndo,
                  triage.NotSelfCare):  # fmt: skip
        assert issubclass(error, triage.TriageError)
    assert issubclass(triage.WrongStep, triage.InvalidAnswer)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_engine_imports_no_aws_chalice_or_os() -> None:
    forbidden = {"boto3", "botocore", "chalice", "os"}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not {n.split(".")[0] for n in names} & forbidden, f"{path.name} imports {names}"


def test_engine_never_reads_the_clock() -> None:
    # Only the command line (the caller) may ask for the current time.
    for path in _modules():
        if path.name == "cli.py":
            continue
        source = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "uuid4("):
            assert call not in source, f"{path.name} calls {call}"
