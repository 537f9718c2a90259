""" "Ändra det du skrev": the citizen goes back to the intake in the middle of the triage (issue 5), changes what they
wrote, and returns to where they were — the same question, or the summary before "Skicka"."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, HUSKVARNA, check_both_languages, citizen
from tests.browser.journey import EYE_ITCH, answer_questions, start_contact

pytestmark = [
    pytest.mark.browser,
]

EDIT_URL = re.compile(r"#/ny-kontakt/[^/]+/andra$")
SERVER_SMS_ERROR = "Ange ett mobilnummer som kan ta emot sms, till exempel 070-123 45 67 eller +46 70 123 45 67."


def open_edit(page: Any) -> None:
    """ "Ändra det du skrev" → the intake's fields, with focus on the heading."""
    page.get_by_role("link", name="Ändra det du skrev").click()
    expect(page).to_have_url(EDIT_URL)
    expect(page.get_by_role("heading", name="Ändra det du skrev", level=1)).to_be_focused()


def save(page: Any) -> None:
    page.get_by_role("button", name="Spara ändringarna").click()


def tab_to(page: Any, selector: str) -> None:
    """Tab until the element matching ``selector`` has the focus, which must be visible."""
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", selector
            return
    raise AssertionError(f"Tab never reached {selector}")


def notice(page: Any) -> Any:
    """The status message the triage shows when it is back from the edit."""
    return page.locator(".notice[role='status']")


def test_changes_mid_triage_return_to_the_same_question_and_reach_the_summary(open_page: Any) -> None:
    reason = f"Kliar i ögat {uuid.uuid4().hex[:6]}"
    page, problems = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, reason, "Rött och kliar.", expectations="Råd")
    asked = answer_questions(page, EYE_ITCH, until="complaint")
    assert asked[:2] == ["sex", "self_rated_health"], asked
    question = page.locator("form.question[data-step-id='complaint']")
    expect(question).to_be_visible()
    progress = page.locator(".progress-text").inner_text()

    open_edit(page)
    expect(page.get_by_label("Sökorsak")).to_have_value(reason)  # prefilled from the draft
    expect(page.get_by_label("Beskriv dina besvär")).to_have_value("Rött och kliar.")
    expect(page.get_by_label("Vad förväntar du dig av kontakten?")).to_have_value("Råd")
    expect(page.get_by_label("Mobilnummer för sms")).to_have_value("")
    # who it concerns and the vårdcentral are shown, not editable
    facts = page.locator(".fixed-facts")
    expect(facts).to_contain_text("Mig själv")
    expect(facts).to_contain_text(HUSKVARNA)
    expect(facts).to_contain_text("Vem det gäller och vårdcentralen går inte att ändra")
    expect(page.get_by_label("Vårdcentral")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)

    page.get_by_label("Vad förväntar du dig av kontakten?").fill("Recept och råd")
    sms = page.get_by_label("Mobilnummer för sms")
    sms.fill("12345")  # not a mobile number: caught in the browser
    save(page)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ändringarna kunde inte sparas:")
    summary.get_by_role("link", name=re.compile("^Skriv ett svenskt mobilnummer")).click()
    expect(sms).to_be_focused()
    expect(sms).to_have_attribute("aria-invalid", "true")
    expect(sms).to_have_accessible_description(re.compile("Skriv ett svenskt mobilnummer"))

    sms.fill("077-123 45 67")  # looks Swedish, but no mobile number: the server's message, in Swedish
    save(page)
    expect(summary).to_contain_text(SERVER_SMS_ERROR)
    expect(sms).to_have_accessible_description(re.compile(re.escape(SERVER_SMS_ERROR)))
    expect(page).to_have_url(EDIT_URL)  # still here, and nothing is lost
    expect(page.get_by_label("Vad förväntar du dig av kontakten?")).to_have_value("Recept och råd")
    expect(sms).to_have_value("077-123 45 67")
    expect(page.get_by_label("Sökorsak")).to_have_value(reason)
    # the refusal is the point here; the browser also logs it in the console
    refused = [r for r in problems.failed_requests if r.startswith("PATCH ") and r.endswith("HTTP 422")]
    assert len(refused) == 1, problems.failed_requests
    problems.failed_requests = [r for r in problems.failed_requests if r not in refused]
    problems.console_errors = [e for e in problems.console_errors if "status of 422" not in e]

    sms.fill("070-123 45 67")
    save(page)
    expect(question).to_be_visible()  # back at the same question, with the same answers
    expect(page.locator("form.question h1")).to_be_focused()
    expect(notice(page)).to_have_text("Ändringarna är sparade.")
    expect(page.locator(".progress-text")).to_have_text(progress)

    answer_questions(page, EYE_ITCH)
    expect(page.get_by_role("heading", name="Det här skickas till vårdcentralen")).to_be_visible()
    details = page.locator(".details")
    expect(details).to_contain_text("Recept och råd")
    expect(details).to_contain_text("+46701234567")

    open_edit(page)  # from the summary too, and back to it
    expect(page.get_by_label("Mobilnummer för sms")).to_have_value("+46701234567")
    page.get_by_label("Vad förväntar du dig av kontakten?").fill("Bara råd")
    page.get_by_label("E-postadress").fill("ali@example.se")
    save(page)
    expect(page.get_by_role("heading", name="Det här skickas till vårdcentralen", level=1)).to_be_focused()
    expect(notice(page)).to_have_text("Ändringarna är sparade.")
    expect(details).to_contain_text("Bara råd")
    expect(details).to_contain_text("ali@example.se")
    expect(details).not_to_contain_text("Recept och råd")
    problems.assert_none()


def test_the_edit_page_from_the_first_question_is_accessible_and_works_with_the_keyboard(open_page: Any) -> None:
    reason = f"Förkyld {uuid.uuid4().hex[:6]}"
    page, problems = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, reason)
    expect(page.locator("form.question[data-step-id='sex']")).to_be_visible()
    open_edit(page)
    check_both_languages(page, "the intake in edit mode")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Change what you wrote", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Save the changes")).to_be_visible()
    page.get_by_role("button", name="Svenska").click()

    page.get_by_label("Sökorsak").fill("")  # the reason cannot be emptied
    save(page)
    expect(page.locator(".error-summary")).to_contain_text("Skriv din sökorsak.")
    check_both_languages(page, "the intake in edit mode with an error")

    page.get_by_label("Sökorsak").fill(reason)  # as it was: nothing to save
    save(page)
    expect(page.locator("form.question[data-step-id='sex']")).to_be_visible()
    expect(notice(page)).to_have_text("Du ändrade inget.")

    open_edit(page)  # the keyboard alone: Tab to the expectations, type, Tab to "Spara ändringarna", Enter
    tab_to(page, "textarea[name=expectations]")
    page.keyboard.type("En bedömning")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("form.question[data-step-id='sex']")).to_be_visible()
    expect(notice(page)).to_have_text("Ändringarna är sparade.")

    open_edit(page)
    expect(page.get_by_label("Vad förväntar du dig av kontakten?")).to_have_value("En bedömning")
    page.get_by_role("link", name="Tillbaka utan att ändra").click()
    expect(page.locator("form.question[data-step-id='sex']")).to_be_visible()
    problems.assert_none()
