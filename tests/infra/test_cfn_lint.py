"""cfn-lint (in its own virtualenv, .venv-cfn) accepts both stacks.

cfn-lint 1.58 checks a SAM template against a schema but not the ``Events`` of its functions, so the app stack is
also expanded by the SAM translator and the plain CloudFormation that comes out (event source mappings included) is
linted too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.infra.templates import Stacks

SAM_TRANSFORM = Path(__file__).with_name("sam_transform.py")


def _lint(cfn_lint: Path, template: Path) -> None:
    result = subprocess.run([str(cfn_lint), str(template)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"cfn-lint found problems in {template.name}:\n{result.stdout}{result.stderr}"


def test_cfn_lint_accepts_the_data_stack(cfn_lint: Path, stacks: Stacks) -> None:
    _lint(cfn_lint, stacks.data_path)


def test_cfn_lint_accepts_the_merged_app_stack(cfn_lint: Path, stacks: Stacks) -> None:
    _lint(cfn_lint, stacks.app_path)


def test_app_stack_expands_to_cloudformation_that_cfn_lint_accepts(
    cfn_lint: Path, stacks: Stacks, tmp_path: Path
) -> None:
    python = cfn_lint.parent / "python"
    if not python.exists():
        pytest.fail(f"no python next to {cfn_lint}: create .venv-cfn with `make test`", pytrace=False)
    expanded = tmp_path / "app-stack.expanded.json"
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-north-1"}
    result = subprocess.run(
        [str(python), str(SAM_TRANSFORM), str(stacks.app_path), str(expanded)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, (
        f"the SAM translator rejects the app stack (or is missing: rebuild .venv-cfn with `make test`):\n"
        f"{result.stdout}{result.stderr}"
    )
    _lint(cfn_lint, expanded)
