"""The fast-loading snapshot of the protocol library is current and is the same library as the YAML."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from chalicelib.triage.library import (
    COMPILED,
    compile_library,
    compiled_is_current,
    default_library,
    load_compiled,
    load_library,
    source_digest,
)

PACKAGED = Path(str(resources.files("chalicelib.triage")))


def test_the_packaged_snapshot_is_current() -> None:
    assert compiled_is_current(), (
        "chalicelib/triage/compiled.json is stale or missing: run `python -m chalicelib.triage compile`"
    )


def test_the_snapshot_is_the_same_library_as_the_yaml_without_the_clinical_test_cases() -> None:
    from_yaml = load_library()
    body = (PACKAGED / COMPILED).read_text(encoding="utf-8").partition("\n")[2]
    from_snapshot = load_compiled(body, origin="x")
    assert dict(from_snapshot.protocols) == {
        k: p.model_copy(update={"test_cases": ()}) for k, p in from_yaml.protocols.items()
    }
    assert dict(from_snapshot.advice) == dict(from_yaml.advice)
    assert dict(from_snapshot.archive) == {
        k: p.model_copy(update={"test_cases": ()}) for k, p in from_yaml.archive.items()
    }


def test_an_edited_protocol_makes_the_snapshot_stale_and_the_yaml_wins(tmp_path: Path) -> None:
    import json

    root = tmp_path / "lib"
    shutil.copytree(PACKAGED / "protocols", root / "protocols")
    shutil.copytree(PACKAGED / "advice", root / "advice")
    library = load_library(root)
    (root / COMPILED).write_text(compile_library(library, source_digest(root)), encoding="utf-8")
    assert compiled_is_current(root)
    cold = root / "protocols" / "cold.yaml"
    cold.write_text(cold.read_text(encoding="utf-8").replace("version: ", "version:  ", 1), encoding="utf-8")
    assert not compiled_is_current(root)
    header = (root / COMPILED).read_text().partition("\n")[0]
    assert json.loads(header)["source_digest"] != source_digest(root)


def test_the_default_library_is_the_packaged_one() -> None:
    default_library.cache_clear()
    assert set(default_library().protocols) == set(load_library().protocols)
