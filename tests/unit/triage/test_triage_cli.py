"""The command line: list, check and a JSONL session, run as a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = Path(str(resources.files("chalicelib.triage")))


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.triage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _lines(stdin: list[object]) -> str:
    return "".join(json.dumps({"answer": a}) + "\n" for a in stdin)


def test_list_shows_every_protocol_in_the_chosen_language() -> None:
    result = _cli("list", "--lang", "en")
    assert result.returncode == 0
    assert "chest_pain" in result.stdout and "Common cold" in result.stdout


def test_check_passes_and_ends_with_the_count_line() -> None:
    result = _cli("check")
    assert result.returncode == 0, result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith(" 0 failed") and int(last.split()[0]) >= 30


def test_check_on_a_broken_file_names_the_file_and_the_field_and_fails(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE / "advice", tmp_path / "advice")
    (tmp_path / "protocols").mkdir()
    text = (PACKAGE / "protocols" / "cold.yaml").read_text(encoding="utf-8")
    (tmp_path / "protocols" / "cold.yaml").write_text(text.replace("kind: yes_no", "kind: yesno", 1), encoding="utf-8")
    result = _cli("check", "--dir", str(tmp_path))
    assert result.returncode != 0
    assert "cold.yaml: questions.0.kind:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_check_fails_when_a_clinical_case_fails(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE / "advice", tmp_path / "advice")
    (tmp_path / "protocols").mkdir()
    text = (PACKAGE / "protocols" / "cold.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "expected: {priority: P4, disposition: chat, decided_by: long_lasting}",
        "expected: {priority: P3, disposition: chat}",
    )
    (tmp_path / "protocols" / "cold.yaml").write_text(broken, encoding="utf-8")
    result = _cli("check", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "FAIL cold@1.0.0 :: cough for four weeks is a routine nurse chat" in result.stdout
    assert result.stdout.strip().splitlines()[-1].endswith(" 1 failed")


ADULT_SCREEN_NO = [34, "male", 70, *(["no"] * 8)]
COLD = [3, "no", "no", "no", "no_fever", "no", "no", "no", "no"]


def test_jsonl_session_asks_questions_and_ends_with_the_outcome() -> None:
    result = _cli("run", "--jsonl", "--lang", "en", stdin=_lines([*ADULT_SCREEN_NO, "cold", *COLD]))
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    questions = [m for m in messages if m["type"] == "question"]
    assert questions[0]["id"] == "age" and questions[0]["allow_unknown"] is True
    assert set(questions[1]) >= {"type", "id", "text", "kind", "options", "allow_unknown", "help"}
    assert questions[1]["options"][0] == {"id": "female", "text": "Female"}
    final = messages[-1]
    assert final["type"] == "outcome"
    assert final["disposition"] == "self_care" and final["advice_id"] == "cold_self_care"
    assert set(final) == {
        "type",
        "priority",
        "deadline",
        "disposition",
        "profession",
        "red_flags",
        "explanation",
        "ruleset_version",
        "advice_id",
        "free_text_flags",
        "crisis_info",
    }


def test_jsonl_invalid_input_gives_an_error_and_the_same_question_again() -> None:
    stdin = "not json\n" + _lines([200]) + _lines([34])
    result = _cli("run", "--jsonl", stdin=stdin)
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [(m["type"], m.get("id")) for m in messages[:5]]
    assert kinds == [("question", "age"), ("error", None), ("question", "age"), ("error", None), ("question", "age")]
    assert "120" in messages[3]["message"]
    assert messages[5]["id"] == "sex"


def test_jsonl_complaint_free_text_offers_matching_complaints() -> None:
    stdin = _lines([*ADULT_SCREEN_NO, "brostsmarta"])
    result = _cli("run", "--jsonl", stdin=stdin)
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    complaint_questions = [m for m in messages if m.get("id") == "complaint"]
    assert len(complaint_questions) == 2
    assert [o["id"] for o in complaint_questions[1]["options"]] == ["chest_pain", "other"]


def test_jsonl_red_flag_ends_at_112_with_crisis_info() -> None:
    stdin = _lines([34, "male", 70, "no", "no", "no", "no", "no", "no", "no", "yes"])
    result = _cli("run", "--jsonl", stdin=stdin)
    final = json.loads(result.stdout.splitlines()[-1])
    assert (final["priority"], final["disposition"], final["crisis_info"]) == ("P1", "emergency_112", True)


def test_jsonl_back_goes_to_the_previous_question() -> None:
    stdin = _lines([34]) + json.dumps({"back": True}) + "\n"
    result = _cli("run", "--jsonl", stdin=stdin)
    ids = [json.loads(line).get("id") for line in result.stdout.splitlines()]
    assert ids == ["age", "sex", "age"]


def test_interactive_run_reaches_an_outcome() -> None:
    answers = ["34", "2", "70", *(["2"] * 8), "förkylning", "1", "3", "2", "2", "2", "1", "2", "2", "2", "2"]
    result = _cli("run", "--lang", "sv", stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stdout
    assert "self_care" in result.stdout and "Egenvård vid förkylning" in result.stdout
