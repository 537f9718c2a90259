"""Regionadministration in Chromium: the region's administrator (Johan Ek in the demo region) changes the region's
colours (a colour that cannot be read is refused in Swedish, linked to its field) and every page shows the stored
colours at its next load; uploads a new logo (an SVG with a script is refused, named in Swedish) which both headers
show from their next load; adds a unit with its first administrator, which citizens see at once; gives and takes the
region administrator role; and sees each change listed with his name. Staff who are not region administrators see no
Region link. axe-core: 0 violations, Swedish and English."""

from __future__ import annotations

import random
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ANNA, check_both_languages, staff, wait_until

pytestmark = [pytest.mark.browser]

JOHAN_ID = "SE2321000057-S007"
JOHAN = ("staff", JOHAN_ID, "Johan Ek")  # the demo region's region administrator (and Huskvarna's)
PRIMARY_VAR = "getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()"


def _restore_branding(stack: Any) -> None:
    """Other tests see the demo's own colours again."""
    headers = {"Authorization": f"Bearer {stack.login('staff', JOHAN_ID)}"}
    region = httpx.get(f"{stack.origin}/api/staff/region", headers=headers).json()
    body = {k: region[k] for k in ("self_booking", "notices", "version")}
    body["branding"] = {
        "logo": "jonkoping-logo.svg",
        "primary": "#005a78",
        "on_primary": "#ffffff",
        "accent": "#005a78",
    }
    httpx.put(f"{stack.origin}/api/staff/region/settings", json=body, headers=headers).raise_for_status()


def test_the_region_admin_changes_the_colours_and_every_page_shows_them(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/staff/#/region", session=JOHAN)
    try:
        expect(page.get_by_role("heading", name="Regionadministration", level=1)).to_be_visible()
        expect(page.locator("#nav").get_by_role("link", name="Region", exact=True)).to_be_visible()
        form = page.get_by_role("form", name="Regionens inställningar")
        accent = form.get_by_label("Färg på länkar och knappar (på vitt)")

        # yellow on white cannot be read: refused before sending, the summary links to the field
        accent.fill("#ffff00")
        form.get_by_role("button", name="Spara inställningarna").click()
        summary = form.get_by_role("alert")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("För låg kontrast")
        summary.get_by_role("link").click()
        expect(accent).to_be_focused()

        accent.fill("#6b1d5c")
        form.get_by_label("Huvudfärg (sidhuvudets band)").fill("#6b1d5c")
        form.get_by_role("button", name="Spara inställningarna").click()
        form = page.get_by_role("form", name="Regionens inställningar")
        expect(form.get_by_role("status")).to_have_text("Inställningarna är sparade.")
        expect(form).to_contain_text("Senast ändrad av Johan Ek.")
        expect(page.locator(".region-changes li").first).to_contain_text("Johan Ek ändrade utseendet.")
        check_both_languages(page, "the region administration after a change")

        # the next load of any page applies the stored colours (not only config.js's)
        page.reload()
        expect(page.get_by_role("heading", name="Regionadministration", level=1)).to_be_visible()
        wait_until(page, f"{PRIMARY_VAR} === '#6b1d5c'")
        citizen_page, citizen_problems = open_page("/citizen/")
        wait_until(citizen_page, f"{PRIMARY_VAR} === '#6b1d5c'")
        citizen_problems.assert_none()
    finally:
        _restore_branding(stack)
    problems.assert_none()


NEW_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 48" width="200" height="48">'
    b'<rect x="4" y="4" width="40" height="40" fill="#1d3c6b"/>'
    b'<text x="52" y="31" font-family="sans-serif" font-size="18" fill="#1d3c6b">Ny logotyp</text></svg>'
)


def test_the_region_admin_uploads_a_logo_and_both_headers_show_it(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/staff/#/region", session=JOHAN)
    try:
        form = page.get_by_role("form", name="Logotyp")
        expect(form.get_by_role("img", name="Region Jönköpings län")).to_have_attribute(
            "src", "/branding/jonkoping-logo.svg"
        )
        upload = form.get_by_label("Ny logotyp (SVG-fil)")

        # a picture with a script is refused by the server, in Swedish, linked to the file field
        scripted = NEW_LOGO.replace(b"<rect", b"<script>alert(1)</script><rect")
        upload.set_input_files({"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": scripted})
        form.get_by_role("button", name="Ladda upp logotypen").click()
        summary = form.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("SVG-filen innehåller skript")
        summary.get_by_role("link").click()
        expect(upload).to_be_focused()

        upload.set_input_files({"name": "ny-logotyp.svg", "mimeType": "image/svg+xml", "buffer": NEW_LOGO})
        form.get_by_role("button", name="Ladda upp logotypen").click()
        form = page.get_by_role("form", name="Logotyp")
        expect(form.get_by_role("status")).to_have_text("Logotypen är uppladdad.")
        header_logo = page.locator(".site-header").get_by_role("img", name="Region Jönköpings län")
        expect(header_logo).to_have_attribute("src", re.compile(r"^/api/branding/uploads/[0-9a-f]{32}\.svg$"))
        expect(page.locator(".region-changes li").first).to_contain_text("Johan Ek ändrade logotypen.")
        check_both_languages(page, "the region administration after a new logo")
        uploaded = header_logo.get_attribute("src")

        # the next load of any page shows it, citizens' too
        citizen_page, citizen_problems = open_page("/citizen/")
        logo = citizen_page.locator(".site-header").get_by_role("img", name="Region Jönköpings län")
        expect(logo).to_have_attribute("src", uploaded)
        wait_until(citizen_page, "document.querySelector('.site-header img.brand-logo')?.naturalWidth > 0")
        served = httpx.get(f"{stack.origin}{uploaded}")
        assert served.status_code == 200 and served.content == NEW_LOGO
        assert served.headers["content-type"] == "image/svg+xml"
        citizen_problems.assert_none()
    finally:
        _restore_branding(stack)
    citizen_page.reload()  # back to the configuration file's logo
    expect(logo).to_have_attribute("src", "/branding/jonkoping-logo.svg")
    refused = [r for r in problems.failed_requests if r.startswith("PUT ") and r.endswith("/logo: HTTP 422")]
    assert len(refused) == 1, problems.failed_requests  # the scripted picture, and only it
    problems.failed_requests = [r for r in problems.failed_requests if r not in refused]
    problems.console_errors = [e for e in problems.console_errors if "status of 422" not in e]
    problems.assert_none()


def test_the_region_admin_adds_a_unit_and_gives_and_takes_the_role(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/staff/#/region", session=JOHAN)
    expect(page.get_by_role("heading", name="Regionadministration", level=1)).to_be_visible()
    number = random.randrange(100, 999)
    unit_id, admin_id = f"SE2321000057-VC{number}", f"SE2321000057-N{number}"
    form = page.get_by_role("form", name="Lägg till en enhet")
    form.get_by_label("Enhetens HSA-id").fill(unit_id)
    form.get_by_label("Namn", exact=True).fill(f"Vårdcentralen Test {number}")
    form.get_by_label("Adress").fill("Testgatan 1, 553 20 Jönköping")
    form.get_by_label("Telefonnummer").fill("036-10 10 99")
    form.get_by_role("group", name="Yrkesroller som enheten erbjuder").get_by_label("Sjuksköterska").check()
    chat = form.get_by_role("group", name="Chatt", exact=True)
    chat.get_by_label("Måndag").fill("kl åtta")
    form.get_by_label("Administratörens HSA-id").fill(admin_id)
    form.get_by_label("Administratörens namn").fill("Nils Ny")
    form.get_by_role("button", name="Lägg till enheten").click()
    summary = form.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Skriv tiderna som 08:00–12:00")
    chat.get_by_label("Måndag").fill("08:00–16:30")
    form.get_by_role("button", name="Lägg till enheten").click()
    form = page.get_by_role("form", name="Lägg till en enhet")
    expect(form.get_by_role("status")).to_contain_text(f"Vårdcentralen Test {number} är tillagd.")
    row = page.get_by_role("table", name="Regionens enheter").locator(f"tr[data-unit='{unit_id}']")
    expect(row).to_contain_text(f"Vårdcentralen Test {number}")
    expect(page.locator(".region-changes li").first).to_contain_text(
        f"Johan Ek lade till enheten Vårdcentralen Test {number}."
    )
    units = {u["unit_id"]: u for u in httpx.get(f"{stack.origin}/api/units").json()["units"]}
    assert units[unit_id]["opening_hours"] == {"chat": {"mon": [["08:00", "16:30"]]}}

    # the new unit's administrator becomes a region administrator, then no longer is
    give = page.get_by_role("form", name="Ge rollen till en medarbetare")
    give.get_by_label("Medarbetarens HSA-id").fill(admin_id)
    give.get_by_role("button", name="Ge rollen").click()
    expect(page.locator(".admins-status")).to_have_text("Nils Ny är regionadministratör.")
    admins = page.get_by_role("table", name="Regionens administratörer")
    expect(admins.locator(f"tr[data-hsa='{admin_id}']")).to_contain_text("Nils Ny")
    expect(admins.locator(f"tr[data-hsa='{JOHAN_ID}']").get_by_role("button")).to_have_count(0)  # not one's own
    check_both_languages(page, "the region administration after adding a unit and an administrator")
    admins.get_by_role("button", name="Ta bort rollen för Nils Ny").click()
    expect(page.locator(".admins-status")).to_have_text("Nils Ny är inte längre regionadministratör.")
    expect(admins.locator(f"tr[data-hsa='{admin_id}']")).to_have_count(0)
    expect(page.locator(".region-changes li").first).to_contain_text(
        "Johan Ek tog bort Nils Ny som regionadministratör."
    )
    problems.assert_none()


def test_staff_who_are_not_region_admins_see_no_region_link(open_page: Any) -> None:
    page, problems = open_page("/staff/#/region", session=staff(ANNA))
    expect(page.get_by_text("Regionadministration är för regionens administratörer.")).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="Region", exact=True)).to_be_hidden()
    problems.assert_none()
