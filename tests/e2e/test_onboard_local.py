"""Onboarding a third region from a new configuration file, with the onboarding command's `local` verb: the region
runs in the local stack with its own units and staff, and a wrong file is refused with every wrong field named."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from infrastructure.tenant_config import REGIONS_DIR
from tests.stack import ROOT, RunningStack, free_port

pytestmark = pytest.mark.e2e

UNIT = "SE2321000222-VC01"
NURSE = "SE2321000222-S001"


def _new_region(path: Path) -> Path:
    """Region Västerbotten, written as a region would: from another region's file, with its own units and staff."""
    raw = yaml.safe_load((REGIONS_DIR / "kalmar.yaml").read_text(encoding="utf-8"))
    raw.update(tenant="vasterbotten", name="Region Västerbotten", public_origin="https://nara.vll.example")
    raw["sms"] = {"provider": "sns", "sender_id": "RegionVB"}
    raw["after_hours"] = "call_1177"
    raw["routing"] = {"fallbacks": [{"unit_id": UNIT, "professions": ["nurse"]}]}  # its own rules, of its own unit
    del raw["branding"]["logo"]  # a region without a logo of its own (Kalmar's is beside Kalmar's file)
    raw["units"] = [
        {
            "unit_id": UNIT,
            "name": "Hälsocentralen Ålidhem",
            "address": "Ålidhems centrum 1, 907 37 Umeå",
            "phone": "090-10 20 01",
            "opening_hours": {"chat": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}},
            "professions": ["nurse", "doctor"],
        }
    ]
    raw["staff"] = [
        {
            "hsa_id": NURSE,
            "name": "Sofia Lindgren",
            "roles": [{"unit_id": UNIT, "role": "nurse"}, {"unit_id": UNIT, "role": "admin"}],
        }
    ]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def third(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    folder = tmp_path_factory.mktemp("vasterbotten")
    config, port = _new_region(folder / "vasterbotten.yaml"), free_port()
    log_path = folder / "stack.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.onboard", "local", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = RunningStack(process, port, log_path, ("vasterbotten",))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{stack.origin}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        stack.stop()
        raise RuntimeError(f"the new region did not start:\n{log_path.read_text()}")
    yield stack
    stack.stop()


def test_a_new_regions_file_runs_in_the_local_stack_with_its_units_and_staff(third: RunningStack) -> None:
    units = httpx.get(f"{third.origin}/api/units").json()["units"]
    assert [(u["unit_id"], u["name"]) for u in units] == [(UNIT, "Hälsocentralen Ålidhem")]
    config = httpx.get(f"{third.origin}/config.js").text
    assert "Region Västerbotten" in config
    nurse = third.login("staff", NURSE)  # SITHS through the region's own simulator, roles from its file
    me = httpx.get(f"{third.origin}/api/me", headers={"Authorization": f"Bearer {nurse}"}).json()
    assert {(r["unit_id"], r["role"]) for r in me["roles"]} == {(UNIT, "nurse"), (UNIT, "admin")}
    queue = httpx.get(
        f"{third.origin}/api/staff/queue", params={"unit_id": UNIT}, headers={"Authorization": f"Bearer {nurse}"}
    )
    assert queue.status_code == 200 and queue.json()["cases"] == []


def test_a_wrong_file_is_refused_naming_each_wrong_field(tmp_path: Path) -> None:
    config = _new_region(tmp_path / "broken.yaml")
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["units"][0]["unit_id"] = "VC1"
    raw["staff"][0]["roles"][0]["role"] = "wizard"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "infrastructure.onboard", "local", str(config), "--port", str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "units[0].unit_id: 'VC1' is not an HSA-id" in done.stderr
    assert "staff[0].roles[0].role" in done.stderr
