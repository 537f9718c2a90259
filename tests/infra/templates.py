"""What the infra tests look at: the rendered stacks, and small helpers to walk CloudFormation templates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrastructure.definitions import TenantResources

ROOT = Path(__file__).resolve().parents[2]
TENANT = "jonkoping"


@dataclass(frozen=True)
class Stacks:
    resources: TenantResources
    chalice: dict[str, Any]  # what `chalice package` wrote, untouched
    app: dict[str, Any]  # merged
    data: dict[str, Any]
    app_path: Path
    data_path: Path

    def both(self) -> Iterator[tuple[str, dict[str, Any]]]:
        yield "data", self.data
        yield "app", self.app


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def function(template: dict[str, Any], handler: str) -> dict[str, Any]:
    """The properties of the one function whose handler is ``app.<handler>``."""
    found = [
        r
        for r in of_type(template, "AWS::Serverless::Function").values()
        if r["Properties"]["Handler"] == f"app.{handler}"
    ]
    assert len(found) == 1, f"no single function for app.{handler}"
    return dict(found[0]["Properties"])


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) in a template, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def exported(stacks: Stacks, imported: dict[str, Any]) -> Any:
    """The data-stack value behind an ``Fn::ImportValue`` in the app stack."""
    by_export = {o["Export"]["Name"]: o["Value"] for o in stacks.data["Outputs"].values()}
    return by_export[imported["Fn::ImportValue"]]
