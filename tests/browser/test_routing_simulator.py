"""The routing simulator in Chromium (issue 11): the demo region's administrator (Johan Ek) opens it from Region,
tries a region-wide P2 nurse chat on a Saturday night — it lands at the digital health centre by the region's
fallback — and a Huskvarna link on a Wednesday morning — it lands at Huskvarna; a summer afternoon is sent with summer
time's offset (and decides by it); a unit treated as full passes the case on. The region's rules are shown as a table,
the result is announced (aria-live). axe-core: 0 violations, Swedish and English."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import HUSKVARNA, check_both_languages

pytestmark = [pytest.mark.browser]

JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # the demo region's region administrator
DIGITAL = "Digitala vårdcentralen"


def _fill(page: Any, *, entry: str, day: str, time: str, priority: str, unit: str | None = None) -> None:
    form = page.get_by_role("form", name="Ett tänkt ärende")
    form.get_by_label("Hur invånaren kommer in").select_option(label=entry)
    if unit is not None:
        form.get_by_label("Mottagning", exact=True).select_option(label=unit)
    form.get_by_label("Invånarens listning").select_option(label="Inte listad")
    form.get_by_label("Dag", exact=True).fill(day)
    form.get_by_label("Tid", exact=True).fill(time)
    form.get_by_label("Vårdnivå").select_option(label="Chatt")
    form.get_by_label("Prioritet").select_option(label=priority)
    form.get_by_label("Yrkesgrupp", exact=True).select_option(label="Sjuksköterska")


def _simulate(page: Any) -> dict[str, Any]:
    """Click Simulera; the body the page sent."""
    with page.expect_request(lambda r: r.url.endswith("/staff/region/routing/simulate")) as sent:
        page.get_by_role("button", name="Simulera").click()
    return dict(json.loads(sent.value.post_data or "{}"))


def test_the_region_admin_sees_where_a_case_would_land_and_why(open_page: Any) -> None:
    page, problems = open_page("/staff/#/region", session=JOHAN)
    page.get_by_role("link", name="Ruttningssimulator: pröva var ärenden hamnar").click()
    expect(page.get_by_role("heading", name="Ruttningssimulator", level=1)).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="Region", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    rules = page.get_by_role("table", name="Regionens ruttningsregler just nu")
    expect(rules.get_by_role("row", name="Reserv, i ordning")).to_contain_text(DIGITAL)
    expect(rules.get_by_role("row", name="Efter öppettid")).to_contain_text("Ring 1177")
    units = page.get_by_role("table", name="Regionens mottagningar: yrkesgrupper, tak och kö just nu")
    expect(units.get_by_role("row", name="Vårdcentralen Nässjö")).to_contain_text("Sjuksköterska 40")
    result = page.locator(".routing-result-body")
    expect(result).to_have_attribute("aria-live", "polite")

    # region-wide (as from 1177.se), not listed, a Saturday at 22:00, P2 chat for a nurse: the region's fallback
    _fill(page, entry="Via regionen (som från 1177.se)", day="2025-03-15", time="22:00", priority="P2 Skyndsamt")
    expect(page.get_by_label("Mottagning", exact=True)).to_be_hidden()  # the region-wide entry names no unit
    sent = _simulate(page)
    assert sent["at"] == "2025-03-15T22:00:00+01:00" and sent["entry"] == {"via": "region"}
    assert sent["listed_unit_id"] is None and sent["outcome"] == {
        "disposition": "chat", "priority": "P2", "profession": "nurse"
    }  # fmt: skip
    expect(result.locator(".routing-lands")).to_have_text(f"Ärendet hamnar hos: {DIGITAL}")
    expect(result.locator(".routing-rule")).to_have_text("Regionens reserv")
    expect(result.locator(".routing-explanation")).to_have_text(
        f"Till {DIGITAL}: regionens reserv för sjuksköterska på den här prioriteten."
    )
    considered = result.get_by_role("list").locator("li")
    expect(considered).to_have_count(1)
    expect(considered.first).to_contain_text(f"Tog ärendet: {DIGITAL} (regionens reserv) tar ärendet.")
    check_both_languages(page, "the routing simulator with a result")

    # Huskvarna's link on a Wednesday at 10:00: Huskvarna is open and takes it; the fallback is not tried
    _fill(
        page, entry="En mottagnings länk", unit=HUSKVARNA, day="2025-03-12", time="10:00", priority="P3 Närmaste dygnet"
    )
    sent = _simulate(page)
    assert sent["entry"] == {"via": "unit_link", "unit_id": "SE2321000057-VC01"}
    expect(result.locator(".routing-lands")).to_have_text(f"Ärendet hamnar hos: {HUSKVARNA}")
    expect(result.locator(".routing-rule")).to_have_text("Mottagningen invånaren kom via")
    expect(considered).to_have_count(2)
    expect(considered.nth(0)).to_contain_text(f"Tog ärendet: {HUSKVARNA}")
    expect(considered.nth(1)).to_contain_text(f"Prövades inte: {DIGITAL}")

    # a summer afternoon, 16:15 Swedish time, is sent with summer time's offset: Huskvarna's chat (to 16:30) is open;
    # read as winter time it would be 17:15, closed, and a P2 case would go to the fallback
    _fill(page, entry="En mottagnings länk", unit=HUSKVARNA, day="2025-07-16", time="16:15", priority="P2 Skyndsamt")
    assert _simulate(page)["at"] == "2025-07-16T16:15:00+02:00"
    expect(result.locator(".routing-lands")).to_have_text(f"Ärendet hamnar hos: {HUSKVARNA}")

    # the same with Huskvarna treated as full: the case goes on to the fallback, and the list says why
    page.get_by_role("group", name="Behandla som fulla").get_by_label(HUSKVARNA).check()
    assert _simulate(page)["full_units"] == ["SE2321000057-VC01"]
    expect(result.locator(".routing-lands")).to_have_text(f"Ärendet hamnar hos: {DIGITAL}")
    expect(considered.nth(0)).to_contain_text(f"Full: {HUSKVARNA}")
    expect(considered.nth(1)).to_contain_text(f"Tog ärendet: {DIGITAL}")
    problems.assert_none()


def test_staff_who_are_not_region_administrators_are_told_so(open_page: Any) -> None:
    page, problems = open_page("/staff/#/region/ruttning", session=("staff", "SE2321000057-S001", "Anna Lind"))
    expect(page.get_by_role("heading", name="Ruttningssimulator", level=1)).to_be_visible()
    expect(page.get_by_text("Regionadministration är för regionens administratörer.")).to_be_visible()
    expect(page.get_by_role("form")).to_have_count(0)
    problems.assert_none()
