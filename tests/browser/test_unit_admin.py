"""Enhetsadministration in Chromium: Huskvarna's administrator changes the unit's phone hours and opening hours
without a developer (a wrong time is refused in Swedish, linked to its field), gives a new colleague a role, and sees
each change listed with his name. Citizens see the new hours at once. The unit's phrase templates' changes are on
the same list, and the administrator gives the unit its own self-booking rule and goes back to the region's.
axe-core: 0 violations, Swedish and English."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import HUSKVARNA, HUSKVARNA_ID, check_both_languages

pytestmark = [pytest.mark.browser]

JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # Huskvarna's administrator (demo region)


def test_the_admin_changes_opening_hours_and_gives_a_new_colleague_a_role(open_page: Any, stack: Any) -> None:
    page, problems = open_page(f"/staff/#/enhet/{HUSKVARNA_ID}", session=JOHAN)
    expect(page.get_by_role("heading", name="Enhetsadministration", level=1)).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="Enhet", exact=True)).to_be_visible()
    expect(page.locator(".lead")).to_have_text(HUSKVARNA)
    form = page.get_by_role("form", name="Enhetens uppgifter")
    phone = form.get_by_role("group", name="Telefon", exact=True)

    # a time that is not a time: refused before sending, the summary links to the field
    saturday = phone.get_by_label("Lördag")
    saturday.fill("kl tio")
    form.get_by_role("button", name="Spara ändringarna").click()
    summary = form.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Skriv tiderna som 08:00–12:00")
    summary.get_by_role("link").click()
    expect(saturday).to_be_focused()

    saturday.fill("10:00–12:00")
    form.get_by_label("Telefontider (svenska)").fill("vardagar 08.00–10.00, lördagar 10.00–12.00")
    form.get_by_label("Telefontider (engelska)").fill("weekdays 8–10 am, Saturdays 10 am – 12 noon")
    form.get_by_role("button", name="Spara ändringarna").click()
    form = page.get_by_role("form", name="Enhetens uppgifter")
    expect(form.get_by_role("status")).to_have_text("Ändringarna är sparade.")
    expect(form).to_contain_text("Senast ändrad av Johan Ek.")
    changes = page.locator(".unit-changes li").first
    expect(changes).to_contain_text("Johan Ek ändrade öppettiderna, telefontiderna.")
    units = {u["unit_id"]: u for u in httpx.get(f"{stack.origin}/api/units").json()["units"]}
    assert units[HUSKVARNA_ID]["opening_hours"]["phone"] == {"sat": [["10:00", "12:00"]]}
    assert units[HUSKVARNA_ID]["phone_hours"]["sv"] == "vardagar 08.00–10.00, lördagar 10.00–12.00"
    check_both_languages(page, "the unit administration after a change")

    # a new colleague: HSA-id, name and a role
    hsa = f"SE2321000057-S{random.randrange(100, 999)}"
    roles = page.get_by_role("form", name="Roller för en medarbetare")
    roles.get_by_label("Medarbetare").select_option(label="Ny medarbetare")
    roles.get_by_label("HSA-id").fill(hsa)
    roles.get_by_label("Namn").fill("Nora Ny")
    roles.get_by_role("group", name="Roller på enheten").get_by_label("Sjuksköterska").check()
    roles.get_by_role("button", name="Spara rollerna").click()
    roles = page.get_by_role("form", name="Roller för en medarbetare")
    expect(roles.get_by_role("status")).to_have_text("Rollerna för Nora Ny är sparade.")
    row = page.get_by_role("table", name="Personal och roller på enheten").locator(f"tr[data-hsa='{hsa}']")
    expect(row).to_contain_text("Nora Ny")
    expect(row).to_contain_text("Sjuksköterska")
    expect(page.locator(".unit-changes li").first).to_contain_text("Johan Ek gav Nora Ny rollerna: Sjuksköterska.")
    check_both_languages(page, "the unit administration after a role change")
    problems.assert_none()


def test_template_changes_are_on_the_units_history_and_the_admin_sets_and_clears_self_booking(
    open_page: Any, stack: Any
) -> None:
    token = stack.login("staff", JOHAN[1])
    api = httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    settings = f"/staff/units/{HUSKVARNA_ID}/settings"
    title = f"Välkommen {uuid.uuid4().hex[:6]}"
    template_id = uuid.uuid4().hex
    made = {"template_id": template_id, "scope": "unit", "unit_id": HUSKVARNA_ID, "title": title, "text": "Hej!"}
    api.post("/staff/templates", json=made).raise_for_status()
    edit = {"version": 1, "title": f"{title} igen", "text": "Hej {förnamn}!"}
    api.put(f"/staff/templates/{template_id}", json=edit).raise_for_status()

    page, problems = open_page(f"/staff/#/enhet/{HUSKVARNA_ID}", session=JOHAN)
    changes = page.locator(".unit-changes li")
    edited = f"Johan Ek ändrade frasmallen ”{title} igen”: rubriken (var ”{title}”), texten."
    expect(changes.first).to_contain_text(edited)
    expect(changes.nth(1)).to_contain_text(f"Johan Ek skapade frasmallen ”{title}”.")
    page.get_by_role("button", name="English").click()
    expect(changes.nth(1)).to_contain_text(f"Johan Ek created the phrase template “{title}”.")
    page.get_by_role("button", name="Svenska").click()

    try:
        form = page.get_by_role("form", name="Enhetens uppgifter")
        booking = form.get_by_role("group", name="Egen bokning (webbtidbok)")
        expect(booking).to_contain_text("Regionens regel:")
        own = booking.get_by_role("group", name="Prioriteter som går att boka själv")
        expect(own).to_be_hidden()  # the region's rule applies
        booking.get_by_label("Egen regel för enheten").check()
        expect(own).to_be_visible()
        for priority in ("P3 Närmaste dygnet", "P4 Vardag närmaste tiden"):
            own.get_by_label(priority).uncheck()
        cancel = booking.get_by_label("Timmar före besöket som invånaren kan avboka eller ändra")
        cancel.fill("200")  # more than a week
        form.get_by_role("button", name="Spara ändringarna").click()
        expect(form.get_by_role("alert")).to_contain_text("Ange ett helt antal timmar mellan 0 och 168.")
        cancel.fill("4")
        form.get_by_role("button", name="Spara ändringarna").click()
        form = page.get_by_role("form", name="Enhetens uppgifter")
        expect(form.get_by_role("status")).to_have_text("Ändringarna är sparade.")
        expect(changes.first).to_contain_text("Johan Ek ändrade egen bokning.")
        rule = api.get(settings).raise_for_status().json()["self_booking"]
        assert rule is not None and (rule["priorities"], rule["cancel_limit_hours"]) == (["P5"], 4)
        booking = form.get_by_role("group", name="Egen bokning (webbtidbok)")
        expect(booking.get_by_label("Egen regel för enheten")).to_be_checked()
        check_both_languages(page, "the unit administration with the unit's own self-booking rule")

        booking.get_by_label("Som regionen").check()
        form.get_by_role("button", name="Spara ändringarna").click()
        expect(page.get_by_role("form", name="Enhetens uppgifter").get_by_role("status")).to_have_text(
            "Ändringarna är sparade."
        )
        assert api.get(settings).raise_for_status().json()["self_booking"] is None
    finally:  # other tests book at Huskvarna by the region's rule
        view = api.get(settings).raise_for_status().json()
        if view["self_booking"] is not None:
            keep = ("name", "address", "phone", "phone_hours", "opening_hours", "professions", "minutes_per_case")
            body = {k: view[k] for k in keep if view.get(k) is not None}
            api.put(settings, json={**body, "version": view["version"]}).raise_for_status()
    problems.assert_none()
