"""Infra tier: the region's CloudFormation, rendered once per run (``chalice package`` takes a few seconds)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infrastructure.aws import data_stack, package
from infrastructure.definitions import TenantResources
from tests.infra.templates import ROOT, TENANT, Stacks


@pytest.fixture(scope="session")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Stacks:
    work = tmp_path_factory.mktemp("aws")
    resources = TenantResources(TENANT)
    data = data_stack.render(resources)
    chalice = package.chalice_package(work / "chalice")
    app = package.merge(chalice, data)
    app_path, data_path = work / "app-stack.json", work / "data-stack.json"
    app_path.write_text(json.dumps(app, indent=2))
    data_path.write_text(json.dumps(data, indent=2))
    return Stacks(resources, chalice, app, data, app_path, data_path)


@pytest.fixture(scope="session")
def cfn_lint() -> Path:
    path = Path(os.environ.get("NARA_CFN_LINT", ROOT / ".venv-cfn" / "bin" / "cfn-lint"))
    if not path.exists():
        pytest.fail(
            f"cfn-lint not found at {path}. It lives in its own virtualenv (requirements-cfn.txt): run `make test`, "
            "which installs it, or set NARA_CFN_LINT to a cfn-lint executable.",
            pytrace=False,
        )
    return path
