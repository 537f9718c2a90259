"""Booking in Chromium: staff offer times in the chat, the citizen books one on the case page with the keyboard,
changes it, downloads the .ics and cancels; staff see it in the unit's Tidbok. axe-core: 0 violations, sv and en."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA_ID,
    PERSONNUMMER,
    check_both_languages,
    citizen,
    staff,
)


def offer_times(stack: Any, case_id: str, n: int = 3) -> list[dict[str, Any]]:
    """Anna (nurse at Huskvarna, with demo availability) offers n times more than a day ahead, as the chat would."""
    nurse = stack.login("staff", HSA_ID[ANNA])
    api = httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {nurse}"}, timeout=15)
    free = api.get(f"/staff/cases/{case_id}/slots", params={"form": "physical"}).raise_for_status().json()["slots"]
    later = [s for s in free if datetime.fromisoformat(s["start"]) > datetime.now(UTC) + timedelta(hours=30)]
    assert len(later) >= n, "the demo region should have the nurse's times for the coming weeks"
    chosen = later[:n]
    body = {"slot_ids": [s["slot_id"] for s in chosen], "client_id": uuid.uuid4().hex}
    api.post(f"/staff/cases/{case_id}/offer", json=body).raise_for_status()
    return chosen


def test_citizen_books_changes_and_cancels_an_offered_time(open_page: Any, stack: Any) -> None:
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    reason = f"Ont i foten {uuid.uuid4().hex[:6]}"
    case = stack.send_case(token, unit_id=HUSKVARNA_ID, reason=reason)
    offered = offer_times(stack, case["case_id"])

    page, problems = open_page(f"/citizen/#/arenden/{case['case_id']}", session=citizen(GRETA))
    panel = page.get_by_role("region", name="Tider som mottagningen erbjuder dig")
    expect(panel).to_be_visible()
    radios = panel.get_by_role("radio")
    expect(radios).to_have_count(3)
    check_both_languages(page, "the offered times")

    # keyboard only: Tab into the first day's group, arrows choose, Enter on the button books
    radios.first.focus()
    page.keyboard.press("Space")
    expect(radios.first).to_be_checked()
    panel.get_by_role("button", name="Boka vald tid").focus()
    page.keyboard.press("Enter")
    booked = page.get_by_role("region", name="Din bokade tid")
    expect(booked).to_be_visible()
    expect(page.get_by_text("Tiden är bokad.")).to_be_visible()
    expect(booked.get_by_text(offered[0]["location"])).to_be_visible()
    check_both_languages(page, "the booked time")

    with page.expect_download() as download:
        booked.get_by_role("button", name="Lägg till i kalendern (.ics)").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and reason not in ics

    booked.get_by_role("button", name="Ändra tid").click()
    moving = page.get_by_role("region", name="Ändra tid")
    moving.get_by_role("radio").last.check()
    moving.get_by_role("button", name="Flytta till vald tid").click()
    expect(page.get_by_text("Tiden är ändrad.")).to_be_visible()

    page.get_by_role("button", name="Avboka").click()
    page.get_by_role("button", name="Ja, avboka").click()
    expect(page.get_by_text("Tiden är avbokad.")).to_be_visible()
    expect(page.get_by_role("region", name="Tider som mottagningen erbjuder dig").get_by_role("radio")).to_have_count(3)
    problems.assert_none()


def test_staff_see_the_booking_in_the_units_tidbok(open_page: Any, stack: Any) -> None:
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    case = stack.send_case(token, unit_id=HUSKVARNA_ID, reason=f"Ont i handen {uuid.uuid4().hex[:6]}")
    slot = offer_times(stack, case["case_id"], n=1)[0]
    httpx.post(
        f"{stack.origin}/api/citizen/cases/{case['case_id']}/booking",
        json={"slot_id": slot["slot_id"]},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=15,
    ).raise_for_status()

    page, problems = open_page(f"/staff/#/kalender/{HUSKVARNA_ID}", session=staff(ANNA))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tidbok")
    page.get_by_label("Visa").select_option(label="Vecka")
    day = datetime.fromisoformat(slot["start"]).astimezone(ZoneInfo("Europe/Stockholm")).date()
    page.get_by_label("Från och med").fill(day.isoformat())
    row = page.locator(f'tr[data-booking-id="{case["case_id"]}.1"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(GRETA)
    expect(row).to_contain_text("Bokad")
    check_both_languages(page, "the unit's Tidbok")
    problems.assert_none()
