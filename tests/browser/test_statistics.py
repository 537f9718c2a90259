"""Statistik and Triagekvalitet in Chromium: after a few cases went through the local stack (the event pump delivers
their events to the ``stats`` consumer), the unit's administrator Johan Ek reads Huskvarna's figures, sees the charts
and their tables, downloads the CSV, and in Triagekvalitet finds the nurse's changed assessment with her reason.
axe-core: 0 violations, Swedish and English."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, ANNA, HSA_ID, HUSKVARNA, HUSKVARNA_ID, PERSONNUMMER, check_both_languages

pytestmark = [pytest.mark.browser]

JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # the unit's administrator (demo region)


def _figures(stack: Any, token: str) -> dict[str, Any]:
    response = httpx.get(
        f"{stack.origin}/api/staff/units/{HUSKVARNA_ID}/statistics",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    return dict(response.raise_for_status().json()["totals"])


def _cases_go_through_the_unit(stack: Any) -> str:
    """Ali sends two cases; the nurse Anna Lind answers the first and raises its priority with a reason. Returns the
    reason once the stats consumer has counted it all."""
    johan = stack.login("staff", JOHAN[1])
    before = _figures(stack, johan)
    citizen = stack.login("citizen", PERSONNUMMER[ALI])
    cases = [stack.send_case(citizen, unit_id=HUSKVARNA_ID, reason=f"Hosta {uuid.uuid4().hex[:6]}") for _ in range(2)]
    nurse = stack.login("staff", HSA_ID[ANNA])
    api = httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {nurse}"}, timeout=15)
    first = cases[0]["case_id"]
    api.post(f"/staff/cases/{first}/claim").raise_for_status()
    stack.post_message(nurse, first, "Hej! Jag heter Anna och är sjuksköterska.")
    reason = f"Andfådd i chatten, bör bedömas i dag ({uuid.uuid4().hex[:6]})"
    api.post(f"/staff/cases/{first}/override", json={"priority": "P3", "reason": reason}).raise_for_status()

    deadline = time.monotonic() + 60
    while True:
        now = _figures(stack, johan)
        if (
            now["cases"] >= before["cases"] + 2
            and now["contacted"] >= before["contacted"] + 1
            and now["overrides_up"] >= before["overrides_up"] + 1
        ):
            return reason
        assert time.monotonic() < deadline, f"the stats consumer did not count the cases: {before} → {now}"
        time.sleep(0.5)


def test_the_units_admin_reads_the_statistics_downloads_csv_and_reviews_an_override(open_page: Any, stack: Any) -> None:
    reason = _cases_go_through_the_unit(stack)
    page, problems = open_page(f"/staff/#/statistik/{HUSKVARNA_ID}", session=JOHAN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistik")
    expect(page.locator("p.lead")).to_have_text(HUSKVARNA)
    nav = page.locator("#nav")
    expect(nav.get_by_role("link", name="Statistik")).to_be_visible()
    expect(nav.get_by_role("link", name="Triagekvalitet")).to_be_visible()

    figures = page.get_by_role("region", name="Nyckeltal")
    expect(figures).to_contain_text("Första kontakt inom tidsgränsen")
    expect(figures).to_contain_text("%")

    per_day = page.locator("figure").filter(has_text="Ärenden per dag")
    expect(per_day.get_by_role("img", name="Ärenden per dag")).to_be_visible()  # the bar chart
    expect(per_day.locator("svg rect.bar")).to_have_count(30)  # one bar per day of the last 30
    per_day.get_by_text("Visa som tabell").click()
    table = per_day.get_by_role("table", name="Ärenden per dag")
    expect(table).to_be_visible()
    today = table.get_by_role("row").last  # the days in order: today last
    cases_today = int(today.get_by_role("cell").first.inner_text())
    assert cases_today >= 2
    check_both_languages(page, "the statistics page with a chart's table open")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Ladda ner CSV").click()
    download = downloading.value
    assert download.suggested_filename.startswith(f"statistik-{HUSKVARNA_ID}-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {r["Enhet (HSA-id)"] for r in rows} == {HUSKVARNA_ID}
    assert sum(int(r["Ärenden"]) for r in rows) >= 2
    assert sum(int(r["Ändrad prioritet uppåt"]) for r in rows) >= 1

    nav.get_by_role("link", name="Triagekvalitet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triagekvalitet")
    versions = page.get_by_role("table", name="Protokoll: cold")
    expect(versions).to_contain_text("Ändrad till högre prioritet")
    review = page.get_by_role("table", name="Ändrade bedömningar att granska")
    row = review.get_by_role("row").filter(has_text=reason)
    expect(row).to_contain_text("Anna Lind")
    expect(row).to_contain_text("Uppåt")
    # Johan is also the unit's medical secretary: he may open the case (an administrator without a care role there
    # sees its number only, as the case itself would be refused)
    expect(row.get_by_role("link")).to_have_attribute("href", re.compile(r"^#/arenden/[^/]+$"))
    check_both_languages(page, "the triage quality review")
    problems.assert_none()
