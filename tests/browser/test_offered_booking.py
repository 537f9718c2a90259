"""Offered booking in Chromium (issue 7): a nurse takes a case and offers three times from the chat ("Erbjud
tider"); the citizen reads them in the chat in words, "Välj tid" takes her to the booking panel, she books one and
the chat says which is hers; the nurse finds the booking in Tidbok. A booked video time in Tidbok opens the case
and starts the meeting. axe-core: 0 violations on the dialog and the citizen's page, in Swedish and English."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA_ID,
    PERSONNUMMER,
    assert_no_axe_violations,
    check_both_languages,
    citizen,
    staff,
)

pytestmark = [pytest.mark.browser]

SWEDISH = ZoneInfo("Europe/Stockholm")
ERIK = ("staff", "SE2321000057-S003", "Erik Berg")  # läkare at Huskvarna, with video times Mon/Wed/Fri 13–15
WEEKDAYS = {
    "sv": ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
MONTHS = {
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}  # fmt: skip


def later_times(api: httpx.Client, case_id: str, form: str, n: int) -> list[dict[str, Any]]:
    """n free times of the case starting two hours from now or later (none can pass while the test runs)."""
    free = api.get(f"/staff/cases/{case_id}/slots", params={"form": form}).raise_for_status().json()["slots"]
    later = [s for s in free if datetime.fromisoformat(s["start"]) > datetime.now(UTC) + timedelta(hours=2)]
    assert len(later) >= n, "the demo region should have free times for the coming weeks"
    return later[:n]


def day_and_time(slot: dict[str, Any]) -> tuple[str, str]:
    """How the offer dialog names a time: its day's group ("torsdag 27 november") and "09:00–09:20, Anna Lind"."""
    start = datetime.fromisoformat(slot["start"]).astimezone(SWEDISH)
    end = datetime.fromisoformat(slot["end"]).astimezone(SWEDISH)
    day = f"{WEEKDAYS['sv'][start.weekday()]} {start.day} {MONTHS['sv'][start.month - 1]}"
    return day, f"{start:%H:%M}–{end:%H:%M}, {slot['staff_name']}"


def in_words(slot: dict[str, Any], lang: str = "sv") -> str:
    """An offered time as the chat says it: "torsdag 27 november kl. 09:00–09:20, besök på mottagningen med …"."""
    start = datetime.fromisoformat(slot["start"]).astimezone(SWEDISH)
    end = datetime.fromisoformat(slot["end"]).astimezone(SWEDISH)
    day = f"{WEEKDAYS[lang][start.weekday()]} {start.day} {MONTHS[lang][start.month - 1]}"
    span = f"{start:%H:%M}–{end:%H:%M}"
    if lang == "en":
        return f"{day}, {span}, visit at the unit with {slot['staff_name']}"
    return f"{day} kl. {span}, besök på mottagningen med {slot['staff_name']}"


def api_as(stack: Any, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {token}"}, timeout=15)


def test_a_nurse_offers_three_times_from_the_chat_and_the_citizen_books_one(open_page: Any, stack: Any) -> None:
    greta_token = stack.login("citizen", PERSONNUMMER[GRETA])
    reason = f"Ont i axeln {uuid.uuid4().hex[:6]}"
    case_id = stack.send_case(greta_token, unit_id=HUSKVARNA_ID, reason=reason)["case_id"]

    # the nurse takes the case and opens "Erbjud tider" from the chat
    nurse, nurse_problems = open_page(f"/staff/#/arenden/{case_id}", session=staff(ANNA))
    nurse.get_by_role("region", name="Handläggning").get_by_role("button", name="Ta ärende").click()
    expect(nurse.get_by_text("Du har tagit ärendet.")).to_be_visible()
    chat = nurse.locator(".case-chat")
    chat.get_by_role("button", name="Erbjud tider").click()
    dialog = nurse.get_by_role("dialog", name="Erbjud tider i chatten")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Besöksform")).to_have_value("physical")  # the case's own form: a visit
    boxes = dialog.get_by_role("checkbox")
    expect(boxes.first).to_be_visible()
    assert_no_axe_violations(nurse, "the offer dialog (sv)")

    # sending none says what to do; then three are ticked (by their day and time) and sent
    dialog.get_by_role("button", name="Skicka tiderna").click()
    expect(dialog.get_by_role("alert")).to_have_text("Välj minst en tid.")
    wanted = later_times(api_as(stack, stack.login("staff", HSA_ID[ANNA])), case_id, "physical", 3)
    for slot in wanted:
        day, time = day_and_time(slot)
        dialog.get_by_role("group", name=day).get_by_label(time, exact=True).check()
    expect(dialog.get_by_text("3 av högst 10 valda")).to_be_visible()
    dialog.get_by_role("button", name="Skicka tiderna").click()
    expect(dialog).to_be_hidden()
    expect(chat.get_by_role("button", name="Erbjud tider")).to_be_focused()
    expect(chat.get_by_text("Tiderna är skickade i chatten.")).to_be_visible()

    offered = api_as(stack, greta_token).get(f"/citizen/cases/{case_id}/offered-slots").raise_for_status().json()
    slots = offered["slots"]
    assert [s["slot_id"] for s in slots] == [s["slot_id"] for s in wanted]
    offer = chat.locator(".msg-booking-offer")
    expect(offer).to_have_count(1)  # once, although the push and the answer both bring it
    for slot in slots:
        expect(offer.get_by_text(in_words(slot), exact=True)).to_be_visible()

    # the English dialog has no problems either (the language switch is outside the modal: close it first)
    nurse.get_by_role("button", name="English").click()
    chat.get_by_role("button", name="Offer times").click()
    dialog = nurse.get_by_role("dialog", name="Offer times in the chat")
    expect(dialog.get_by_role("checkbox").first).to_be_visible()
    assert_no_axe_violations(nurse, "the offer dialog (en)")
    nurse.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    nurse.get_by_role("button", name="Svenska").click()

    # the citizen reads the times in words in the chat, in both languages
    page, problems = open_page(f"/citizen/#/arenden/{case_id}", session=citizen(GRETA))
    message = page.locator(".msg-booking-offer")
    expect(message.get_by_text("Här är några tider som passar. Välj den tid du vill boka.")).to_be_visible()
    for slot in slots:
        expect(message.get_by_text(in_words(slot), exact=True)).to_be_visible()
    assert slots[0]["slot_id"] not in (message.text_content() or "")  # words, never ids
    panel = page.get_by_role("region", name="Tider som mottagningen erbjuder dig")
    expect(panel.get_by_role("radio")).to_have_count(3)
    check_both_languages(page, "the case page with offered times")
    page.get_by_role("button", name="English").click()
    expect(message.get_by_text(in_words(slots[0], "en"), exact=True)).to_be_visible()
    page.get_by_role("button", name="Svenska").click()

    # "Välj tid" moves focus to the booking panel's times; she books the second with the keyboard
    message.get_by_role("button", name="Välj tid").click()
    radios = panel.get_by_role("radio")
    expect(radios.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(radios.nth(1)).to_be_checked()
    panel.get_by_role("button", name="Boka vald tid").click()
    expect(page.get_by_text("Tiden är bokad.")).to_be_visible()
    chosen = message.locator(f'li[data-slot-id="{slots[1]["slot_id"]}"]')
    expect(chosen).to_contain_text("din bokade tid")
    expect(message.locator('li[data-state="booked"]')).to_have_count(1)
    check_both_languages(page, "the case page with the booked time")

    # the nurse finds the booking in Tidbok
    nurse.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Tidbok").click()
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Tidbok")
    nurse.get_by_label("Visa").select_option(label="Vecka")
    day = datetime.fromisoformat(slots[1]["start"]).astimezone(SWEDISH).date()
    nurse.get_by_label("Från och med").fill(day.isoformat())
    row = nurse.locator(f'tr[data-booking-id="{case_id}.1"]')
    expect(row).to_contain_text(GRETA)
    expect(row).to_contain_text("Bokad")
    expect(row).to_contain_text(reason)
    problems.assert_none()
    nurse_problems.assert_none()


def test_a_booked_video_time_in_tidbok_opens_the_case_and_starts_the_meeting(open_page: Any, stack: Any) -> None:
    greta_token = stack.login("citizen", PERSONNUMMER[GRETA])
    case_id = stack.send_case(greta_token, unit_id=HUSKVARNA_ID, reason=f"Utslag {uuid.uuid4().hex[:6]}")["case_id"]
    nurse = api_as(stack, stack.login("staff", HSA_ID[ANNA]))
    nurse.post(
        f"/staff/cases/{case_id}/override", json={"profession": "doctor", "reason": "Läkare bör se utslaget."}
    ).raise_for_status()
    doctor = api_as(stack, stack.login("staff", ERIK[1]))
    slot = later_times(doctor, case_id, "video", 1)[0]
    offer = {"slot_ids": [slot["slot_id"]], "client_id": uuid.uuid4().hex}
    doctor.post(f"/staff/cases/{case_id}/offer", json=offer).raise_for_status()
    booked = api_as(stack, greta_token).post(
        f"/citizen/cases/{case_id}/booking",
        json={"slot_id": slot["slot_id"]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    booked.raise_for_status()

    # ten minutes before the time (the page's clock), the button is the prominent one, marked "Snart"
    start = datetime.fromisoformat(slot["start"])
    page, problems = open_page("/staff/", session=ERIK)
    page.clock.set_fixed_time(start - timedelta(minutes=10))
    page.goto(f"{stack.origin}/staff/#/kalender/{HUSKVARNA_ID}")
    row = page.locator(f'tr[data-booking-id="{case_id}.1"]')
    link = row.get_by_role("link", name="Öppna ärendet och starta video")
    expect(link).to_have_class(re.compile(r"(^|\s)button(\s|$)"))
    expect(row.get_by_text("Snart:")).to_be_visible()
    check_both_languages(page, "Tidbok with a video time due")

    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Utslag")
    video = page.get_by_role("region", name="Videomöte")
    expect(video.locator(".video-call")).to_be_visible()  # started without pressing "Starta videomöte"
    expect(video.get_by_role("button", name="Starta videomöte")).to_be_hidden()

    citizen_page, citizen_problems = open_page(f"/citizen/#/arenden/{case_id}", session=citizen(GRETA))
    expect(citizen_page.get_by_role("button", name="Anslut till videomötet")).to_be_visible()
    citizen_problems.assert_none()
    problems.assert_none()
