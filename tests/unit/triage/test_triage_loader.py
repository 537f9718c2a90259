"""Loading and validating protocol and advice files: broken files fail with the file and the field named."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.triage import (
    Disposition,
    ProtocolLoadError,
    TriageState,
    UnknownProtocol,
    load_library,
    next_step,
    outcome,
    transcript,
)
from chalicelib.triage.yaml_io import load_yaml

from .helpers import COLD_UNCOMPLICATED, drive

PACKAGE = Path(str(resources.files("chalicelib.triage")))


def _copy_library(tmp_path: Path, protocols: tuple[str, ...] = ("cold",)) -> Path:
    (tmp_path / "protocols").mkdir()
    shutil.copytree(PACKAGE / "advice", tmp_path / "advice")
    for pid in protocols:
        shutil.copy(PACKAGE / "protocols" / f"{pid}.yaml", tmp_path / "protocols" / f"{pid}.yaml")
    return tmp_path


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = load_yaml(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _load_error(root: Path) -> ProtocolLoadError:
    with pytest.raises(ProtocolLoadError) as raised:
        load_library(root)
    return raised.value


def test_packaged_library_covers_everyday_primary_care() -> None:
    library = load_library()
    assert len(library.protocols) >= 45
    everyday = {
        "chest_pain",
        "breathing_difficulty",
        "cough",
        "cold",
        "sore_throat",
        "ear_pain",
        "fever_adult",
        "fever_child",
        "headache",
        "dizziness",
        "fainting",
        "abdominal_pain",
        "nausea_vomiting",
        "diarrhoea",
        "constipation",
        "urinary_symptoms",
        "back_pain",
        "neck_pain",
        "joint_pain",
        "injury_sprain_fracture",
        "head_injury",
        "wound_burn",
        "rash",
        "insect_tick_bite",
        "allergic_reaction",
        "eye_problems",
        "nosebleed",
        "toothache",
        "low_mood_anxiety",
        "sleep_problems",
        "suicidal_thoughts",
        "vaginal_bleeding_discharge",
        "pregnancy_problems",
        "contraception",
        "sti_concerns",
        "testicular_pain",
        "blood_sugar",
        "high_blood_pressure",
        "palpitations",
        "leg_swelling",
        "numbness_weakness",
        "confusion",
        "fatigue",
        "poisoning_overdose",
        "child_vomiting_diarrhoea",
        "child_breathing_difficulty",
        "prescription_renewal",
        "administrative_errand",
    }
    assert everyday <= set(library.protocols)
    assert len(library.advice) >= 30
    assert sum(len(p.test_cases) for p in library.protocols.values()) >= 250
    professions = {r.outcome.profession for p in library.protocols.values() for r in p.rules}
    assert {"nurse", "doctor", "psychologist", "physiotherapist", "midwife", "medical_secretary"} <= {
        str(getattr(x, "value", x)) for x in professions
    }


def test_loader_accepts_a_directory(tmp_path: Path) -> None:
    library = load_library(_copy_library(tmp_path))
    assert list(library.protocols) == ["cold"]
    assert load_library(str(tmp_path)).protocols.keys() == library.protocols.keys()


def test_wrong_field_type_names_the_file_and_the_field(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["questions"][3].update(kind="slider"))
    error = _load_error(root)
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.file.endswith("protocols/cold.yaml")
    assert issue.loc == "questions.3.kind"
    assert "cold.yaml: questions.3.kind:" in str(error)


def test_unknown_field_is_an_error_not_ignored(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["rules"][0].update(priority="P1"))
    assert [i.loc for i in _load_error(root).issues] == ["rules.0.priority"]


def test_missing_required_field_is_named(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["title"].pop("en"))
    assert [i.loc for i in _load_error(root).issues] == ["title.en"]


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    (root / "protocols/broken.yaml").write_text("id: broken\nquestions: [\n  - id: x\n", encoding="utf-8")
    error = _load_error(root)
    assert error.issues[0].file.endswith("protocols/broken.yaml")
    assert error.issues[0].loc.startswith("line ")


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    path = root / "protocols/cold.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.0.0\nversion: 1.1.0"))
    assert "duplicate key 'version'" in str(_load_error(root))


def test_rule_referring_to_a_missing_question_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["rules"][2]["when"].update(q="breathign"))
    (issue,) = _load_error(root).issues
    assert issue.loc == "rules.2.when.q" and "breathign" in issue.message


def test_rule_referring_to_a_missing_option_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["rules"][0]["when"]["all"][1].update(any_of=["fever_high"]))
    (issue,) = _load_error(root).issues
    assert issue.loc == "rules.0.when.all.1.any_of.0"


def test_numeric_test_on_a_yes_no_question_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["rules"][2].update(when={"q": "breathing", "gte": 1}))
    assert [i.loc for i in _load_error(root).issues] == ["rules.2.when"]


def test_show_if_may_only_look_back(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["questions"][0].update(show_if={"q": "fever", "eq": "no_fever"}))
    assert [i.loc for i in _load_error(root).issues] == ["questions.0.show_if.q"]


def test_missing_advice_article_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    (root / "advice/cold_self_care.yaml").unlink()
    (issue,) = _load_error(root).issues
    assert issue.loc == "default_outcome.advice_id" and "cold_self_care" in issue.message


def test_test_case_answer_for_an_unknown_question_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["test_cases"][0]["answers"].update(wheezing="yes"))
    assert [i.loc for i in _load_error(root).issues] == ["test_cases.0.answers.wheezing"]


def test_test_case_answer_with_an_invalid_value_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["test_cases"][0]["answers"].update(fever="hot"))
    assert [i.loc for i in _load_error(root).issues] == ["test_cases.0.answers.fever"]


def test_p5_cannot_be_written_in_a_protocol(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["rules"][-1]["outcome"].update(priority="P5"))
    assert [i.loc for i in _load_error(root).issues] == ["rules.8.outcome"]


def test_self_care_needs_advice_and_no_priority(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d["default_outcome"].update(priority="P4"))
    assert "no priority" in str(_load_error(root))


def test_rule_below_the_default_may_not_read_a_red_flag_question(tmp_path: Path) -> None:
    root = _copy_library(tmp_path, ("chest_pain",))

    def lower(d: dict[str, Any]) -> None:
        d["rules"][-1]["when"] = {"q": "pressure", "eq": "no"}

    _edit(root / "protocols/chest_pain.yaml", lower)
    (issue,) = _load_error(root).issues
    assert issue.loc.endswith(".when") and "pressure" in issue.message


def test_fewer_than_five_test_cases_is_an_error(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _edit(root / "protocols/cold.yaml", lambda d: d.update(test_cases=d["test_cases"][:4]))
    assert [i.loc for i in _load_error(root).issues] == ["test_cases"]


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    (root / "protocols/cold.yaml").rename(root / "protocols/common_cold.yaml")
    assert [i.loc for i in _load_error(root).issues] == ["id"]


def test_every_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    root = _copy_library(tmp_path, ("cold", "sore_throat"))
    _edit(root / "protocols/cold.yaml", lambda d: d.update(version="1.0"))
    _edit(root / "advice/sore_throat_self_care.yaml", lambda d: d["body"].pop("what_to_do"))
    files = sorted(Path(i.file).name for i in _load_error(root).issues)
    assert "cold.yaml" in files and "sore_throat_self_care.yaml" in files


def _archive_cold(root: Path, old_version: str, question_text: str) -> None:
    archive = root / "protocols/archive"
    archive.mkdir()
    old = archive / f"cold@{old_version}.yaml"
    shutil.copy(root / "protocols/cold.yaml", old)

    def as_old(d: dict[str, Any]) -> None:
        d["version"] = old_version
        d["questions"][0]["text"]["sv"] = question_text

    _edit(old, as_old)


def test_stored_state_pinned_to_a_superseded_version_still_loads_for_display(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _archive_cold(root, "0.9.0", "Gammal fråga om andning?")
    library = load_library(root)
    current = drive(library, COLD_UNCOMPLICATED)
    assert current.protocol is not None and current.protocol.version == "1.0.0"
    # A session stored while 0.9.0 was current; 0.9.0 now lives only in protocols/archive/.
    stored = current.model_copy(update={"protocol": current.protocol.model_copy(update={"version": "0.9.0"})})
    restored = TriageState.model_validate_json(stored.model_dump_json())

    result = outcome(restored, library=library)
    assert result is not None and result.disposition is Disposition.SELF_CARE
    assert result.ruleset_version == "cold@0.9.0;engine@1"
    texts = {e.step_id: e.question.sv for e in transcript(restored, library=library)}
    assert texts["breathing"] == "Gammal fråga om andning?"


def test_state_pinned_to_a_version_that_is_gone_fails_clearly(tmp_path: Path) -> None:
    library = load_library(_copy_library(tmp_path))
    state = drive(library, COLD_UNCOMPLICATED, stop_at="fever")
    assert state.protocol is not None
    gone = state.model_copy(update={"protocol": state.protocol.model_copy(update={"version": "0.1.0"})})
    with pytest.raises(UnknownProtocol, match=r"cold@0\.1\.0"):
        next_step(gone, library=library)


def test_archived_version_must_be_older_and_named_after_its_version(tmp_path: Path) -> None:
    root = _copy_library(tmp_path)
    _archive_cold(root, "2.0.0", "Ny?")
    assert [i.loc for i in _load_error(root).issues] == ["version"]
    (root / "protocols/archive/cold@2.0.0.yaml").rename(root / "protocols/archive/cold-old.yaml")
    assert "id" in [i.loc for i in _load_error(root).issues]
