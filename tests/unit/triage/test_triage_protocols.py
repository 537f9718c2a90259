"""Every clinical test case of every protocol, and what every protocol must contain."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from chalicelib.triage import (
    CRISIS_ADVICE_ID,
    Disposition,
    Library,
    Priority,
    Protocol,
    load_library,
    run_all,
    run_case,
)
from chalicelib.triage.cli import protocol_table

ROOT = Path(__file__).resolve().parents[3]
_LIBRARY = load_library()  # the reviewed sources, clinical test cases included
CASES = [(p, case) for p in _LIBRARY.current() for case in p.test_cases]


@pytest.mark.parametrize(("protocol", "case"), CASES, ids=[f"{p.id}::{c.name}" for p, c in CASES])
def test_clinical_test_case(library: Library, protocol: Protocol, case: object) -> None:
    result = run_case(library, protocol, case)  # type: ignore[arg-type]
    assert result.passed, "\n".join(result.problems)


@pytest.mark.parametrize("protocol", _LIBRARY.current(), ids=lambda p: p.id)
def test_protocol_has_sources_and_enough_clinical_cases(protocol: Protocol) -> None:
    assert protocol.sources
    assert len(protocol.test_cases) >= 5
    assert protocol.synonyms.sv and protocol.synonyms.en


@pytest.mark.parametrize("protocol", _LIBRARY.current(), ids=lambda p: p.id)
def test_protocol_test_cases_cover_red_flags_and_the_self_care_path(library: Library, protocol: Protocol) -> None:
    results = [run_case(library, protocol, case) for case in protocol.test_cases]
    outcomes = [r.decision.outcome for r in results if r.decision is not None]
    assert any(o.red_flags for o in outcomes), "no test case fires a red flag"
    declares_self_care = any(
        o.disposition is Disposition.SELF_CARE for o in (*(r.outcome for r in protocol.rules), protocol.default_outcome)
    )
    if declares_self_care:
        assert any(o.disposition is Disposition.SELF_CARE for o in outcomes), "the self-care path is not tested"


@pytest.mark.parametrize("protocol", _LIBRARY.current(), ids=lambda p: p.id)
def test_every_rule_and_the_default_decide_some_test_case(library: Library, protocol: Protocol) -> None:
    decided = {run_case(library, protocol, case).decision.decided_by for case in protocol.test_cases}  # type: ignore[union-attr]
    assert {r.id for r in protocol.rules} | {"default"} <= decided


def test_an_uncomplicated_cold_is_self_care_and_a_cold_never_gets_p1_without_a_red_flag(library: Library) -> None:
    cold = library.protocol("cold")
    assert cold.default_outcome.disposition is Disposition.SELF_CARE
    assert all(r.red_flag for r in cold.rules if r.outcome.priority is Priority.P1)


def test_chest_pain_and_suicidal_thoughts_never_end_in_self_care(library: Library) -> None:
    for pid in ("chest_pain", "suicidal_thoughts"):
        p = library.protocol(pid)
        assert all(
            o.disposition is not Disposition.SELF_CARE for o in (*(r.outcome for r in p.rules), p.default_outcome)
        )


def test_suicidal_thoughts_always_show_crisis_information_and_go_to_psychologist_or_doctor(library: Library) -> None:
    p = library.protocol("suicidal_thoughts")
    outcomes = [*(r.outcome for r in p.rules), p.default_outcome]
    assert all(o.crisis_info for o in outcomes)
    assert {o.profession.value for o in outcomes} <= {"psychologist", "doctor"}


def test_crisis_advice_exists_for_crisis_outcomes(library: Library) -> None:
    article = library.advice[CRISIS_ADVICE_ID]
    assert "112" in article.body.what_to_do.sv and "90101" in article.body.what_to_do.sv


def test_there_are_at_least_four_self_care_articles_in_both_languages(library: Library) -> None:
    used = {o.advice_id for p in library.current() for o in (*(r.outcome for r in p.rules), p.default_outcome)}
    used.discard(None)
    assert len(used) >= 4 and used <= set(library.advice)
    for article in library.advice.values():
        assert article.sources
        for part in (article.body.what_to_do, article.body.what_to_expect, article.body.seek_care_again):
            assert part.sv.strip() and part.en.strip()


def test_protocol_table_in_the_docs_is_in_sync(library: Library) -> None:
    docs = (ROOT / "docs" / "triage.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- protocols:start -->\n(.*?)\n<!-- protocols:end -->", docs, re.S)
    assert found, "docs/triage.md lacks the protocol table markers"
    assert found.group(1).strip() == protocol_table(library).strip(), (
        "docs/triage.md is out of date: paste the output of `python -m chalicelib.triage table`"
    )


def test_the_example_protocol_in_the_docs_is_valid_and_its_cases_pass(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "triage.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- example:start -->\n```yaml\n(.*?)```\n<!-- example:end -->", docs, re.S)
    assert found, "docs/triage.md lacks the example markers"
    shutil.copytree(ROOT / "chalicelib" / "triage" / "advice", tmp_path / "advice")
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "earache.yaml").write_text(found.group(1), encoding="utf-8")
    library = load_library(tmp_path)
    results = run_all(library)
    assert len(results) >= 5 and all(r.passed for r in results), [r.problems for r in results if not r.passed]
