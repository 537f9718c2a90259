"""Schema in Chromium: the unit's administrator adds an availability (after a server error shown at its field) and a
holiday through the page, sees the bookable times follow, and removes the holiday again; a nurse manages only her
own schedule. axe-core: 0 violations, Swedish and English."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ANNA, HUSKVARNA, HUSKVARNA_ID, check_both_languages, staff

pytestmark = [pytest.mark.browser]

PAGE = f"/staff/#/schema/{HUSKVARNA_ID}"
JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # medicinsk sekreterare and the unit's administrator (demo)
# saving a schedule change lays out the bookable times of four weeks again before it answers: on a loaded machine
# that takes longer than the usual 10 s
SAVE_MS = 30_000


def local_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Stockholm")).date()


def next_weekday(weekday: int, at_least: int) -> date:
    day = local_today() + timedelta(days=at_least)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_an_admin_adds_an_availability_and_a_holiday_and_removes_the_holiday(open_page: Any) -> None:
    page, problems = open_page(PAGE, session=JOHAN)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Schema – {HUSKVARNA}")
    availability = page.get_by_role("region", name="Tillgänglighet")
    expect(availability.get_by_role("row", name="Erik Berg").first).to_be_visible()
    check_both_languages(page, "the schedule page")

    form = page.get_by_role("form", name="Lägg till tillgänglighet")
    form.get_by_label("Vem").select_option(label="Lena Holm")
    form.get_by_label("Yrkesroll").select_option(label="Barnmorska")
    for day in ("Måndag", "Tisdag", "Onsdag", "Torsdag", "Fredag"):
        form.get_by_label(day).uncheck()
    form.get_by_label("Lördag").check()
    form.get_by_label("Från klockan").fill("12:00")
    form.get_by_label("Till klockan").fill("08:00")
    form.get_by_label("Plats").fill("Barnmorskemottagningen, rum 2")
    form.get_by_role("button", name="Spara").click()

    # the server's refusal, in Swedish, next to the field it concerns and in a summary that leads there
    summary = form.get_by_role("alert").filter(has_text="Det gick inte att spara")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Sluttiden måste vara efter starttiden.")
    end = form.get_by_label("Till klockan")
    expect(end).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name="Sluttiden måste vara efter starttiden.").click()
    expect(end).to_be_focused()
    check_both_languages(page, "the availability form with an error")

    end.fill("16:00")
    form.get_by_role("button", name="Spara").click()
    saved = page.get_by_role("status").filter(has_text="Sparat.")
    expect(saved).to_be_focused(timeout=SAVE_MS)
    expect(saved).to_contain_text(re.compile(r"Bokningsbara tider: [1-9][0-9]* nya"))
    row = availability.get_by_role("row", name="Lena Holm")
    expect(row).to_contain_text("Barnmorska")
    expect(row).to_contain_text("lör")
    expect(row).to_contain_text("12:00–16:00")
    expect(row).to_contain_text("Johan Ek")

    # a day off for the whole unit on a Saturday: Lena's eight times that day go at once
    saturday = next_weekday(5, at_least=2)
    exceptions = page.get_by_role("region", name="Undantag (helgdagar och frånvaro)")
    holiday = page.get_by_role("form", name="Lägg till undantag")
    holiday.get_by_label("Från och med").fill(saturday.isoformat())
    holiday.get_by_label("Till och med").fill(saturday.isoformat())
    expect(holiday.get_by_label("Gäller för")).to_have_value("")  # Hela enheten
    holiday.get_by_label("Orsak (valfritt)").fill("Personaldag")
    holiday.get_by_role("button", name="Spara").click()
    expect(saved).to_be_focused(timeout=SAVE_MS)
    expect(saved).to_contain_text("0 nya, 0 ändrade, 8 borttagna")
    day_off = exceptions.get_by_role("row", name=saturday.isoformat())
    expect(day_off).to_contain_text("Hela dagen")
    expect(day_off).to_contain_text("Hela enheten")
    expect(day_off).to_contain_text("Personaldag")
    check_both_languages(page, "the schedule page after saving")

    day_off.get_by_role("button", name="Ta bort").click()
    confirm = day_off.get_by_role("group")
    expect(confirm.get_by_role("button", name="Ja, ta bort")).to_be_focused()
    confirm.get_by_role("button", name="Ja, ta bort").click()
    removed = page.get_by_role("status").filter(has_text="Borttaget.")
    expect(removed).to_be_focused()
    expect(removed).to_contain_text("8 nya")
    expect(exceptions.get_by_role("row", name=saturday.isoformat())).to_have_count(0)
    # the one refusal (422) is the only failed request, and the console said nothing else
    assert [r for r in problems.failed_requests if "HTTP 422" not in r] == []
    assert [m for m in problems.console_errors if "status of 422" not in m] == [] and problems.page_errors == []


def test_a_nurse_changes_only_her_own_schedule(open_page: Any) -> None:
    page, problems = open_page(PAGE, session=staff(ANNA))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Schema – {HUSKVARNA}")
    expect(page.get_by_text("Du kan ändra din egen tillgänglighet och frånvaro.")).to_be_visible()
    availability = page.get_by_role("region", name="Tillgänglighet")
    expect(availability.get_by_role("row", name="Erik Berg").first.get_by_role("button")).to_have_count(0)
    expect(availability.get_by_role("row", name=ANNA).get_by_role("button", name="Ändra")).to_be_visible()

    away = next_weekday(2, at_least=20)  # a Wednesday three weeks ahead
    form = page.get_by_role("form", name="Lägg till undantag")
    expect(form.get_by_label("Gäller för").locator("option")).to_have_text([ANNA])
    form.get_by_label("Från och med").fill(away.isoformat())
    form.get_by_label("Till och med").fill(away.isoformat())
    form.get_by_label("Från klockan").fill("08:00")
    form.get_by_label("Till klockan").fill("10:00")
    form.get_by_label("Orsak (valfritt)").fill("Tandläkare")
    form.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status").filter(has_text="Sparat.")).to_contain_text("borttagna", timeout=SAVE_MS)
    row = page.get_by_role("region", name="Undantag (helgdagar och frånvaro)").get_by_role("row", name=away.isoformat())
    expect(row).to_contain_text("08:00–10:00")
    expect(row).to_contain_text(ANNA)
    check_both_languages(page, "a nurse's schedule page")
    problems.assert_none()
