"""The access log in Chromium: a citizen sees in "Vem har tagit del av mina uppgifter" that a nurse at her unit read
her case, and the unit's administrator searches the log by staff member and draws a sample. axe-core: 0 violations,
Swedish and English."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ALI,
    ANNA,
    HSA_ID,
    HUSKVARNA,
    HUSKVARNA_ID,
    PERSONNUMMER,
    check_both_languages,
    citizen,
)

pytestmark = [pytest.mark.browser]

JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # the unit's administrator (demo region)


def _a_nurse_reads_alis_case(stack: Any) -> dict[str, Any]:
    """Ali sends a case to Huskvarna and the nurse Anna Lind opens it (one access record, ground unit_queue)."""
    token = stack.login("citizen", PERSONNUMMER[ALI])
    case: dict[str, Any] = stack.send_case(token, unit_id=HUSKVARNA_ID, reason=f"Hosta {uuid.uuid4().hex[:6]}")
    nurse = stack.login("staff", HSA_ID[ANNA])
    headers = {"Authorization": f"Bearer {nurse}"}
    httpx.get(f"{stack.origin}/api/staff/cases/{case['case_id']}", headers=headers, timeout=15).raise_for_status()
    return case


def test_a_citizen_sees_that_a_nurse_read_her_case(open_page: Any, stack: Any) -> None:
    _a_nurse_reads_alis_case(stack)
    page, problems = open_page("/citizen/#/arenden", session=citizen(ALI))
    page.get_by_role("link", name="Vem har läst mina uppgifter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vem har tagit del av mina uppgifter")
    table = page.get_by_role("table", name="Åtkomst till dina uppgifter")
    first = table.get_by_role("row").nth(1)  # newest first, under the header row
    expect(first).to_contain_text(HUSKVARNA)
    expect(first).to_contain_text("Sjuksköterska")
    expect(first).to_contain_text("läste ditt ärende")
    expect(first).to_contain_text("ärendet fanns hos enheten")
    expect(table).not_to_contain_text("Anna Lind")  # the unit and the role, never the person
    check_both_languages(page, "the access log extract")
    problems.assert_none()


def test_the_units_admin_searches_by_staff_member_and_draws_a_sample(open_page: Any, stack: Any) -> None:
    case = _a_nurse_reads_alis_case(stack)
    page, problems = open_page(f"/staff/#/loggranskning/{HUSKVARNA_ID}", session=JOHAN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Loggranskning")
    expect(page.locator("#nav").get_by_role("link", name="Loggranskning")).to_be_visible()
    search = page.get_by_role("form", name="Sök i loggen")
    search.get_by_role("button", name="Sök").click()
    value = search.get_by_label("Personnummer eller HSA-id")
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(search.get_by_role("alert")).to_contain_text("Fyll i personnummer eller HSA-id.")

    search.get_by_label("Sök på").select_option(label="Medarbetare (HSA-id)")
    value.fill(HSA_ID[ANNA])
    search.get_by_role("button", name="Sök").click()
    records = page.get_by_role("table", name="Loggposter")
    row = records.get_by_role("row").filter(has_text=case["case_id"])
    expect(row).to_contain_text("Anna Lind")
    expect(row).to_contain_text("läste ditt ärende")
    check_both_languages(page, "the log review with search results")

    sample = page.get_by_role("form", name="Stickprov")
    sample.get_by_label("Antal poster").fill("1")
    sample.get_by_role("button", name="Dra stickprov").click()
    expect(page.get_by_role("status").filter(has_text="1 loggpost.")).to_be_visible()
    expect(records.get_by_role("row")).to_have_count(2)  # the header and the one drawn
    problems.assert_none()

    # the review is logged: the citizen's extract shows it, with its ground
    mine = open_page("/citizen/#/vem-har-last", session=citizen(ALI))[0]
    expect(mine.get_by_role("table", name="Åtkomst till dina uppgifter")).to_contain_text("granskning av loggen")
