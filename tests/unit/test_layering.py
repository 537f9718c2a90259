"""The pure layers stay pure: domain and triage import no AWS SDK, no Chalice and no os."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"boto3", "botocore", "chalice", "os", "pynamodb", "aws_lambda_powertools"}
PURE = ("chalicelib/domain", "chalicelib/triage")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _pure_files() -> list[Path]:
    return sorted(p for d in PURE for p in (ROOT / d).rglob("*.py"))


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layer_imports_no_infrastructure(path: Path) -> None:
    bad = {name for name in _imports(path) if name.split(".")[0] in FORBIDDEN}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layer_depends_only_on_pure_layers(path: Path) -> None:
    inner = {n for n in _imports(path) if n.startswith("chalicelib")}
    outside = {n for n in inner if not n.startswith(("chalicelib.domain", "chalicelib.triage"))}
    assert not outside, f"{path.relative_to(ROOT)} reaches out to {sorted(outside)}"


def test_the_check_would_catch_a_forbidden_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import os.path\nfrom botocore.exceptions import ClientError\n")
    assert {n.split(".")[0] for n in _imports(sneaky)} & FORBIDDEN == {"os", "botocore"}


def test_only_bootstrap_reads_the_environment() -> None:
    readers = [
        p.relative_to(ROOT).as_posix()
        for p in sorted((ROOT / "chalicelib").rglob("*.py"))
        if "os" in {n.split(".")[0] for n in _imports(p)}
    ]
    assert readers == ["chalicelib/bootstrap.py"]
