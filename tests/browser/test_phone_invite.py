"""Från telefon till digitalt in Chromium: a nurse on the phone sends the caller a login link from the queue page;
a landline is refused in Swedish, linked to the field; the SMS in the outbox is only the link. The caller opens the
link logged in: the nurse's unit is chosen, the triage runs, and the nurse's case page says the contact began with
her link. No axe-core violations in Swedish or English."""

from __future__ import annotations

import random
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ANNA, GRETA, HUSKVARNA, HUSKVARNA_ID, check_both_languages, citizen, staff
from tests.browser.journey import EYE_ITCH, answer_questions, as_woman, send_summary

pytestmark = [pytest.mark.browser]


def _sent_to(stack: Any, number: str) -> list[dict[str, str]]:
    deadline, found = time.monotonic() + 10, []
    while time.monotonic() < deadline and not found:
        found = [m for m in httpx.get(f"{stack.origin}/local/outbox.json").json()["sms"] if m["to"] == number]
        if not found:
            time.sleep(0.2)
    return found


def test_a_nurse_sends_a_caller_a_login_link_from_the_queue_page(open_page: Any, stack: Any) -> None:
    digits = f"{random.randrange(10**7):07d}"
    page, problems = open_page(f"/staff/#/ko/{HUSKVARNA_ID}", session=staff(ANNA))
    expect(page.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()

    page.get_by_text("Skicka inloggningslänk", exact=True).click()
    form = page.get_by_role("form", name="Skicka inloggningslänk")
    number = form.get_by_label("Mobilnummer")
    expect(number).to_be_visible()

    # a landline cannot receive the text: the server's Swedish message, summarised and linked to the field
    number.fill("036-32 10 00")
    form.get_by_role("button", name="Skicka länken").click()
    summary = form.get_by_role("alert").filter(has_text="Länken kunde inte skickas")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("mobilnummer som kan ta emot sms")
    summary.get_by_role("link").click()
    expect(number).to_be_focused()
    check_both_languages(page, "the queue page with the login-link form and an error")

    number.fill(f"070-{digits[:3]} {digits[3:5]} {digits[5:]}")
    form.get_by_role("button", name="Skicka länken").click()
    expect(form.get_by_role("status")).to_contain_text("Länken är skickad till")
    expect(form.get_by_role("status")).to_contain_text(digits[-4:])
    expect(number).to_have_value("")

    [sms] = _sent_to(stack, f"+4670{digits}")
    assert sms["kind"] == "phone_invite"
    assert sms["text"].startswith(f"Logga in i Nära: {stack.origin}/citizen/#/ny-kontakt?inbjudan=")
    check_both_languages(page, "the queue page after sending a login link")
    unexpected = [r for r in problems.failed_requests if "HTTP 422" not in r]
    console = [m for m in problems.console_errors if "status of 422" not in m]
    assert (unexpected, console, problems.page_errors) == ([], [], [])  # only the refused landline

    # the caller opens the link (logged in with BankID): the nurse's unit is chosen for her
    link = sms["text"].splitlines()[0].removeprefix("Logga in i Nära: ").removeprefix(stack.origin)
    caller, caller_problems = open_page(link, session=citizen(GRETA))
    expect(caller.get_by_role("status").filter(has_text="Du fick länken från")).to_contain_text(HUSKVARNA)
    expect(caller.get_by_label("Vårdcentral")).to_have_value(HUSKVARNA_ID)
    reason = f"Kliar i ögonen {digits}"
    caller.get_by_label("Sökorsak").fill(reason)
    caller.get_by_role("button", name="Fortsätt").click()
    expect(caller.locator("form.question")).to_be_visible()
    answer_questions(caller, as_woman(EYE_ITCH))
    send_summary(caller)
    case_id = caller.url.rsplit("/", 1)[-1]
    caller_problems.assert_none()

    # the nurse's case page shows how the contact began
    page.goto(f"{stack.origin}/staff/#/arenden/{case_id}")
    expect(page.get_by_role("heading", name=reason)).to_be_visible()
    entry = page.locator("dd").filter(has_text="Sms-länk skickad under telefonsamtal av")
    expect(entry).to_contain_text(ANNA)
    check_both_languages(page, "the case page of a contact begun with a login link")
