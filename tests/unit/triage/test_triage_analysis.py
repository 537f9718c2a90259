"""The static reachability check finds questions that can never be asked and rules that can never decide."""

from __future__ import annotations

import io
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chalicelib.triage import Library, load_library, reachability
from chalicelib.triage.cli import check
from chalicelib.triage.yaml_io import load_yaml

PACKAGE = Path(str(resources.files("chalicelib.triage")))


def _cold_with(tmp_path: Path, rule: dict[str, Any] | None = None, question: dict[str, Any] | None = None) -> Path:
    shutil.copytree(PACKAGE / "advice", tmp_path / "advice")
    (tmp_path / "protocols").mkdir()
    data = load_yaml((PACKAGE / "protocols" / "cold.yaml").read_text(encoding="utf-8"))
    if rule is not None:
        data["rules"].append(rule)
    if question is not None:
        data["questions"].append(question)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (tmp_path / "protocols" / "cold.yaml").write_text(text, encoding="utf-8")
    return tmp_path


SHADOWED = {
    "id": "shadowed",
    "when": {"q": "breathing", "eq": "yes"},
    "outcome": {
        "priority": "P3",
        "disposition": "chat",
        "profession": "nurse",
        "explanation": {"sv": "Skuggad", "en": "Shadowed"},
    },
}
NEVER_ASKED = {
    "id": "never_asked",
    "kind": "yes_no",
    "show_if": {"q": "age", "gt": 120},
    "text": {"sv": "Aldrig?", "en": "Never?"},
}


def test_every_question_and_outcome_of_the_shipped_protocols_is_reachable(library: Library) -> None:
    for protocol in library.current():
        report = reachability(library, protocol)
        assert report.ok, (protocol.id, report.unreachable, report.undecided)
        assert set(report.witnesses) == {f"question:{q.id}" for q in protocol.questions} | {
            f"rule:{r.id}" for r in protocol.rules
        } | {"default"}


def test_a_rule_always_beaten_by_a_more_urgent_one_is_unreachable(tmp_path: Path) -> None:
    library = load_library(_cold_with(tmp_path, rule=SHADOWED))
    report = reachability(library, library.protocol("cold"))
    assert report.unreachable == ["rule:shadowed"]


def test_a_question_whose_show_if_can_never_hold_is_unreachable(tmp_path: Path) -> None:
    library = load_library(_cold_with(tmp_path, question=NEVER_ASKED))
    assert reachability(library, library.protocol("cold")).unreachable == ["question:never_asked"]


def test_check_reports_unreachable_rules_and_untested_rules(tmp_path: Path) -> None:
    out = io.StringIO()
    assert check(str(_cold_with(tmp_path, rule=SHADOWED)), out) == 1
    text = out.getvalue()
    assert "unreachable: rule:shadowed" in text
    assert "no test case is decided by 'shadowed'" in text
    assert text.strip().splitlines()[-1].endswith(" 1 failed")
