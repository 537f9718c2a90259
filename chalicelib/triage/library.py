"""Loading protocols and advice from a directory (the packaged one by default), validating everything.

Layout under the root::

    protocols/<id>.yaml                      current protocols, one per chief complaint
    protocols/archive/<id>@<version>.yaml    superseded versions: stored sessions pinned to them still load
    advice/<advice_id>.yaml                  self-care articles

A broken file fails loading with a ``ProtocolLoadError`` naming the file and the field (pydantic's loc).

Speed: parsing ~80 YAML files costs far more than the 50 ms a cold start may spend on the library, so the packaged
library is also kept as ``compiled.json`` — the validated library, with a digest of the YAML sources it was made
from (``python -m chalicelib.triage compile`` writes it). When the digest matches the files on disk the snapshot is
loaded; when it does not (a protocol was edited and not compiled) the YAML is loaded instead, and a test fails
until the snapshot is current. The YAML files stay the only thing people edit and review.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.triage.errors import LoadIssue, ProtocolLoadError, UnknownProtocol
from chalicelib.triage.protocol import AdviceArticle, Protocol, version_tuple
from chalicelib.triage.validation import check_protocol
from chalicelib.triage.yaml_io import YamlError, load_yaml

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Library:
    """Every protocol (current and archived) and advice article, validated. Immutable; share it freely."""

    protocols: Mapping[str, Protocol]
    archive: Mapping[tuple[str, str], Protocol] = field(default_factory=dict)
    advice: Mapping[str, AdviceArticle] = field(default_factory=dict)
    origin: str = "<memory>"

    def protocol(self, protocol_id: str, version: str | None = None) -> Protocol:
        """The current protocol, or the given version (current or archived)."""
        current = self.protocols.get(protocol_id)
        if version is None or (current is not None and current.version == version):
            if current is None:
                raise UnknownProtocol(protocol_id, version)
            return current
        archived = self.archive.get((protocol_id, version))
        if archived is None:
            raise UnknownProtocol(protocol_id, version)
        return archived

    def current(self) -> list[Protocol]:
        return [self.protocols[k] for k in sorted(self.protocols)]


def _files(directory: Traversable) -> list[Traversable]:
    if not directory.is_dir():
        return []
    return sorted((f for f in directory.iterdir() if f.is_file() and f.name.endswith(".yaml")), key=lambda f: f.name)


def _parse(file: Traversable, model: type[M], issues: list[LoadIssue]) -> M | None:
    name = str(file)
    try:
        data = load_yaml(file.read_text(encoding="utf-8"))
    except YamlError as exc:
        issues.append(LoadIssue(name, f"line {exc.line}" if exc.line else "", f"YAML: {exc}"))
        return None
    except UnicodeDecodeError:
        issues.append(LoadIssue(name, "", "not UTF-8 text"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = ".".join(str(part) for part in error["loc"])
            issues.append(LoadIssue(name, loc, error["msg"]))
        return None


def load_library(root: Traversable | Path | str | None = None) -> Library:
    """Load and validate a library directory (default: the protocols and advice shipped in this package)."""
    base: Traversable = (
        resources.files("chalicelib.triage") if root is None else Path(root) if isinstance(root, str) else root
    )
    issues: list[LoadIssue] = []

    advice: dict[str, AdviceArticle] = {}
    for file in _files(base / "advice"):
        article = _parse(file, AdviceArticle, issues)
        if article is not None:
            if article.id != file.name.removesuffix(".yaml"):
                issues.append(LoadIssue(str(file), "id", f"id '{article.id}' must match the file name"))
            advice[article.id] = article

    protocols: dict[str, Protocol] = {}
    protocol_files: dict[str, str] = {}
    for file in _files(base / "protocols"):
        protocol = _parse(file, Protocol, issues)
        if protocol is not None:
            if protocol.id != file.name.removesuffix(".yaml"):
                issues.append(LoadIssue(str(file), "id", f"id '{protocol.id}' must match the file name"))
            protocols[protocol.id] = protocol
            protocol_files[protocol.ref] = str(file)

    archive: dict[tuple[str, str], Protocol] = {}
    for file in _files(base / "protocols" / "archive"):
        protocol = _parse(file, Protocol, issues)
        if protocol is None:
            continue
        if file.name != f"{protocol.ref}.yaml":
            issues.append(
                LoadIssue(str(file), "id", f"an archived file is named <id>@<version>.yaml: {protocol.ref}.yaml")
            )
        current = protocols.get(protocol.id)
        if current is not None and version_tuple(protocol.version) >= version_tuple(current.version):
            issues.append(
                LoadIssue(str(file), "version", f"archived {protocol.ref} is not older than current {current.ref}")
            )
        archive[(protocol.id, protocol.version)] = protocol
        protocol_files[protocol.ref] = str(file)

    for protocol in _all(protocols.values(), archive.values()):
        for loc, message in check_protocol(protocol, advice.keys()):
            issues.append(LoadIssue(protocol_files[protocol.ref], loc, message))

    if issues:
        raise ProtocolLoadError(issues)
    return Library(
        protocols=MappingProxyType(protocols),
        archive=MappingProxyType(archive),
        advice=MappingProxyType(advice),
        origin=str(base),
    )


def _all(*groups: Iterable[Protocol]) -> Iterable[Protocol]:
    for group in groups:
        yield from group


COMPILED = "compiled.json"
COMPILED_FORMAT = 1


def source_digest(root: Traversable | Path | str | None = None) -> str:
    """A digest of every YAML source (names and bytes) of a library directory."""
    base = _base(root)
    digest = hashlib.sha256()
    for directory in (base / "advice", base / "protocols", base / "protocols" / "archive"):
        for file in _files(directory):
            digest.update(f"{directory.name}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


class _Snapshot(BaseModel):
    advice: list[AdviceArticle]
    protocols: list[Protocol]
    archive: list[Protocol]


def compile_library(library: Library, digest: str) -> str:
    """The runtime snapshot of a validated library: a header line, then the library (without test cases)."""
    header = json.dumps({"format": COMPILED_FORMAT, "source_digest": digest})
    body = _Snapshot.model_construct(
        advice=list(library.advice.values()),
        protocols=list(library.protocols.values()),
        archive=list(library.archive.values()),
    ).model_dump_json(
        by_alias=True,
        exclude_defaults=True,
        exclude={"protocols": {"__all__": {"test_cases"}}, "archive": {"__all__": {"test_cases"}}},
    )
    return f"{header}\n{body}"


def load_compiled(body: str | bytes, *, origin: str) -> Library:
    """A library from a snapshot's body (pydantic parses the JSON itself: about twice as fast as json + validate)."""
    snapshot = _Snapshot.model_validate_json(body)
    advice = {a.id: a for a in snapshot.advice}
    protocols = {p.id: p for p in snapshot.protocols}
    archive = {(p.id, p.version): p for p in snapshot.archive}
    return Library(
        protocols=MappingProxyType(protocols),
        archive=MappingProxyType(archive),
        advice=MappingProxyType(advice),
        origin=origin,
    )


def _read_snapshot(root: Traversable | Path | str | None) -> tuple[dict[str, Any], str] | None:
    snapshot = _base(root) / COMPILED
    if not snapshot.is_file():
        return None
    header, _, body = snapshot.read_text(encoding="utf-8").partition("\n")
    return json.loads(header), body


def compiled_is_current(root: Traversable | Path | str | None = None) -> bool:
    found = _read_snapshot(root)
    return bool(
        found and found[0].get("format") == COMPILED_FORMAT and found[0].get("source_digest") == source_digest(root)
    )


@functools.cache
def default_library() -> Library:
    """The packaged library for running triage, loaded once per process: from the snapshot when it is current,
    else from YAML. Its protocols carry no clinical test cases (use ``load_library()`` for review and checks)."""
    found = _read_snapshot(None)
    if found and found[0].get("format") == COMPILED_FORMAT and found[0].get("source_digest") == source_digest(None):
        return load_compiled(found[1], origin=str(_base(None)))
    return load_library()


def _base(root: Traversable | Path | str | None) -> Traversable:
    return resources.files("chalicelib.triage") if root is None else Path(root) if isinstance(root, str) else root
