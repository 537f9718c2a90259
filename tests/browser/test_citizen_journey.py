"""The citizen's whole journey in Chromium against the local stack: intake, one question per screen, the outcome.

The walks are chosen so that no outcome depends on the clock: 112, akutmottagning, 1177 and self-care do not depend
on the vårdcentral's opening hours, and the chat cases are P4 or P5 (they can wait for the next opening).
"""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, ANNA, GRETA, HSA_ID, TOLVAN, citizen, staff
from tests.browser.journey import (
    CHEST_PAIN,
    COLD,
    EYE_ITCH,
    KNOCKED_OUT_TOOTH,
    URINARY_RECURRENT,
    URINARY_RETENTION,
    answer_questions,
    current_step,
    send_summary,
    start_contact,
)

pytestmark = [
    pytest.mark.browser,
]

CASE_URL = re.compile(r"#/arenden/[^/]+$")


def unique(reason: str) -> str:
    return f"{reason} {uuid.uuid4().hex[:6]}"


def test_chest_pain_ends_full_screen_at_112_with_no_chat_and_is_sent_on_in_my_cases(open_page: Any) -> None:
    reason = unique("Ont i bröstet")
    page, problems = open_page("/citizen/", session=citizen(TOLVAN))
    start_contact(page, reason, "Tryck över bröstet sedan en timme.")
    asked = answer_questions(page, CHEST_PAIN)
    assert "complaint" not in asked and "age" not in asked  # the age comes from the personnummer

    heading = page.get_by_role("heading", name="Ring 112 nu", level=1)
    expect(heading).to_be_visible()
    expect(page.get_by_role("alert").filter(has=heading)).to_have_count(1)
    call = page.get_by_role("link", name="Ring 112", exact=True)
    expect(call).to_have_attribute("href", "tel:112")
    screen = page.evaluate(
        "(() => { const r = document.querySelector('.emergency-screen').getBoundingClientRect();"
        " return {top: r.top, height: r.height, viewport: innerHeight}; })()"
    )
    assert abs(screen["top"]) <= 1 and screen["height"] >= screen["viewport"], screen  # it fills the screen
    expect(page.locator(".emergency-screen .explanation")).not_to_be_empty()
    assert_recorded_without_chat(page)

    page.reload()
    expect(page.get_by_role("heading", name="Ring 112 nu", level=1)).to_be_visible()
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)

    page.get_by_role("navigation").get_by_role("link", name="Mina ärenden").click()
    closed = page.get_by_role("region", name="Avslutade och hänvisade")
    item = closed.locator(".case-item", has_text=reason)
    expect(item).to_contain_text("Hänvisat till akut vård (112)")
    item.get_by_role("link", name=reason).click()
    expect(page.get_by_role("heading", name="Ring 112 nu", level=1)).to_be_visible()
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)
    problems.assert_none()


def test_a_cold_gets_self_care_advice_and_contact_anyway_puts_it_in_the_staff_queue_as_p5(open_page: Any) -> None:
    reason = unique("Förkyld")
    page, problems = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, reason, "Snuva och lite feber sedan tre dagar.")
    answer_questions(page, COLD)

    expect(page.get_by_role("heading", name="Råd om egenvård", level=1)).to_be_visible()
    article = page.locator("article.card")
    expect(article.get_by_role("heading", name="Egenvård vid förkylning")).to_be_visible()
    expect(article.get_by_role("heading", name="När du ska söka vård")).to_be_visible()
    expect(article.locator("li").first).to_be_visible()  # "- " lines are a list
    expect(article.get_by_role("heading", name="Källor")).to_be_visible()
    expect(page).to_have_url(CASE_URL)  # the self-care case is recorded

    page.get_by_role("button", name="Jag vill ändå ha kontakt").click()
    expect(page.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(page.get_by_text("Ditt ärende står nu i vårdcentralens kö.")).to_be_visible()
    expect(page.get_by_role("heading", name="Du står i kö")).to_be_visible()
    expect(page.locator(".details")).to_contain_text("P5 Avvakta")
    expect(page.get_by_label("Skriv ett meddelande")).to_be_visible()

    queue, staff_problems = open_page("/staff/", session=staff(ANNA))
    row = queue.locator("tbody tr", has_text=reason)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("P5 Avvakta")
    problems.assert_none()
    staff_problems.assert_none()


def test_urinary_symptoms_wait_in_the_queue_and_a_staff_reply_arrives_live_and_survives_reload(
    open_page: Any, stack: Any
) -> None:
    reason = unique("Sveda när jag kissar")
    page, problems = open_page("/citizen/", session=citizen(GRETA))
    start_contact(page, reason, "Tredje gången i år.", expectations="Recept", sms="070-123 45 67")
    search = page.get_by_label("Sök bland besvär")
    answer_questions(page, URINARY_RECURRENT, until="complaint")
    search.fill("kissa")  # the search suggests the complaint; choosing it checks it in the full list
    page.get_by_role("button", name="Urinvägsbesvär").click()
    expect(page.get_by_role("radio", name="Urinvägsbesvär")).to_be_checked()
    expect(page.get_by_role("radio", name="Urinvägsbesvär")).to_be_focused()
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator("form.question[data-step-id='complaint']")).to_have_count(0)
    answer_questions(page, URINARY_RECURRENT)

    expect(page.locator(".details")).to_contain_text(reason)
    expect(page.locator(".details")).to_contain_text("Recept")
    send_summary(page)
    expect(page.get_by_text("Tack! Ditt ärende är skickat.")).to_be_visible()
    waiting = page.get_by_role("region", name="Du står i kö")
    expect(waiting.locator(".position")).to_have_text(re.compile(r"^Du är nummer \d+ i kön\.$"))
    expect(waiting).to_contain_text("Vi skickar ett sms till +46701234567")
    expect(page.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    page.evaluate("window.stillTheSamePage = true")

    case_id = page.url.rsplit("/", 1)[-1]
    token = stack.login("staff", HSA_ID[ANNA])
    text = f"Hej! Har du feber? ({reason})"
    posted = httpx.post(
        f"{stack.origin}/api/cases/{case_id}/messages",
        json={"text": text, "client_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 201, posted.text
    expect(page.locator(".msg-other")).to_contain_text(text)
    assert page.evaluate("window.stillTheSamePage") is True  # it arrived live

    page.reload()
    # a request still under way when the page reloads is cancelled by the browser; that is not a fault
    problems.failed_requests = [r for r in problems.failed_requests if "ERR_ABORTED" not in r]
    expect(page.locator(".msg-other")).to_contain_text(text)
    expect(page.locator(".msg-other .msg-sender")).to_have_text(ANNA)
    problems.assert_none()


LOADED = "img => img.decode().then(() => img.naturalWidth > 0, () => false)"


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_photos_are_previewed_removed_and_sent_and_a_file_that_is_no_picture_is_refused(open_page: Any) -> None:
    reason = unique("Kliar i ögat")
    page, _ = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, reason, "Rött och kliar.")
    answer_questions(page, EYE_ITCH)
    expect(page.get_by_role("heading", name="Det här skickas till vårdcentralen")).to_be_visible()

    picker = page.get_by_label("Lägg till bilder")
    picker.set_input_files(
        [
            {"name": "oga.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()},
            {"name": "anteckning.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture, just text\n"},
        ]
    )
    preview = page.get_by_role("img", name="Bild 1 som du har lagt till")
    expect(preview).to_be_visible()
    assert preview.evaluate(LOADED)  # the server's thumbnail
    refused = page.locator(".photo-errors")
    expect(refused).to_contain_text("anteckning.jpg")
    expect(refused).to_contain_text("Filen kunde inte läsas som en bild")
    expect(page.locator(".photo-list img")).to_have_count(1)  # the refused file is not shown

    page.get_by_role("button", name="Ta bort bild 1").click()
    expect(page.get_by_text("Bilden är borttagen.")).to_be_visible()
    expect(page.locator(".photo-list img")).to_have_count(0)
    expect(picker).to_be_focused()

    picker.set_input_files([{"name": "oga2.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    expect(page.get_by_role("img", name="Bild 1 som du har lagt till")).to_be_visible()
    send_summary(page)
    photo = page.get_by_role("link", name="Öppna bild 1 i full storlek")
    expect(photo).to_have_count(1)
    assert photo.locator("img").evaluate(LOADED)


def test_a_keyboard_alone_takes_a_citizen_from_intake_to_the_outcome(open_page: Any) -> None:
    reason = unique("Ont i bröstet")
    page, problems = open_page("/citizen/#/ny-kontakt", session=citizen(ALI))
    expect(page.get_by_label("Sökorsak")).to_be_visible()

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"no visible focus on {selector}"
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("select")
    page.keyboard.press("ArrowDown")  # the first vårdcentral
    tab_to("input[name=reason]")
    page.keyboard.type(reason)
    tab_to("button[type=submit]")
    page.keyboard.press("Enter")

    def answer(option: str | None = None, number: str | None = None) -> None:
        step = current_step(page)
        assert step is not None
        expect(page.locator("form.question h1")).to_be_focused()  # focus moved to the new question
        if number is not None:
            tab_to("input.input-number")
            page.keyboard.type(number)
        else:
            tab_to("form.question input[type=radio]")
            while not page.evaluate("(v) => document.activeElement.value === v", option):
                page.keyboard.press("ArrowDown")  # moving within a radio group chooses
            page.keyboard.press("Space")
        tab_to("form.question button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator(f"form.question[data-step-id='{step['id']}']")).to_have_count(0)

    expect(page.locator("form.question")).to_be_visible()
    for _ in range(10):
        step = current_step(page)
        if step is None:
            break
        if step["id"] == "sex":
            answer("male")
        elif step["id"] == "self_rated_health":
            answer(number="40")
        else:
            answer(CHEST_PAIN.get(step["id"], "no"))
    expect(page.get_by_role("heading", name="Ring 112 nu", level=1)).to_be_focused()
    tab_to("a[href='tel:112'].call-link")
    problems.assert_none()


def test_a_draft_survives_reload_a_double_click_answers_once_and_back_returns_to_the_question(
    open_page: Any,
) -> None:
    reason = unique("Förkyld")
    page, problems = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, reason)
    expect(page.locator("form.question[data-step-id='sex']")).to_be_visible()
    page.locator("form.question input[value='male']").check()
    page.get_by_role("button", name="Fortsätt").dblclick()
    expect(page.locator("form.question[data-step-id='self_rated_health']")).to_be_visible()
    expect(page.locator(".progress-text")).to_contain_text("1 fråga besvarad")

    slider = page.get_by_role("slider")
    expect(slider).to_have_accessible_name(re.compile("Reglage, 0 till 100"))
    expect(page.get_by_text("0 = sämsta tänkbara hälsa")).to_be_visible()
    slider.focus()
    page.keyboard.press("End")
    expect(page.get_by_role("textbox")).to_have_value("100")
    page.get_by_role("textbox").fill("65")
    expect(slider).to_have_value("65")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator("form.question[data-section='red_flag_screen']")).to_be_visible()

    page.reload()  # the draft is on the server: the same question after a reload
    expect(page.locator("form.question[data-section='red_flag_screen']")).to_be_visible()
    expect(page.locator(".progress-text")).to_contain_text("2 frågor besvarade")
    page.get_by_role("button", name="Tillbaka").click()
    expect(page.locator("form.question[data-step-id='self_rated_health']")).to_be_visible()
    expect(page.locator(".progress-text")).to_contain_text("1 fråga besvarad")

    page.goto(page.url.split("#")[0] + "#/")
    continue_link = page.get_by_role("link", name=f"Fortsätt: {reason}")
    expect(continue_link).to_be_visible()
    continue_link.click()
    expect(page.locator("form.question[data-step-id='self_rated_health']")).to_be_visible()

    page.get_by_role("button", name="English").click()  # the question follows the language
    expect(page.locator("form.question h1")).to_contain_text("100")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.locator(".progress-text")).to_contain_text("1 question answered")
    page.get_by_role("button", name="Svenska").click()
    problems.assert_none()


def reach_outcome(open_page: Any, who: str, reason: str, answers: dict[str, Any], heading: str) -> tuple[Any, Any]:
    """Logged in as ``who``: a new contact, the walk, and the outcome page with ``heading``."""
    page, problems = open_page("/citizen/", session=citizen(who))
    start_contact(page, unique(reason))
    answer_questions(page, answers)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    return page, problems


def assert_recorded_without_chat(page: Any) -> None:
    expect(page).to_have_url(CASE_URL)  # recorded as a case: a reload shows the same
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)


def test_cannot_pass_urine_sends_to_an_emergency_department_with_the_regions_list(open_page: Any) -> None:
    page, problems = reach_outcome(
        open_page, GRETA, "Kan inte kissa", URINARY_RETENTION, "Åk till en akutmottagning nu"
    )
    departments = page.locator(".department-list > li")
    expect(departments.first).to_be_visible()
    expect(departments.first.get_by_role("link")).to_have_attribute("href", re.compile(r"^tel:\+?\d+$"))
    assert_recorded_without_chat(page)
    problems.assert_none()


def test_a_knocked_out_tooth_is_told_to_call_1177(open_page: Any) -> None:
    page, problems = reach_outcome(open_page, ALI, "Tand utslagen", KNOCKED_OUT_TOOTH, "Ring 1177")
    expect(page.get_by_role("link", name="Ring 1177").last).to_have_attribute("href", "tel:1177")
    expect(page.locator(".explanation")).not_to_be_empty()
    assert_recorded_without_chat(page)
    problems.assert_none()


def test_another_citizen_cannot_open_the_first_ones_case_page(open_page: Any) -> None:
    page, _ = open_page("/citizen/", session=citizen(ALI))
    start_contact(page, unique("Förkyld"))
    answer_questions(page, COLD)
    expect(page).to_have_url(CASE_URL)
    case_id = page.url.rsplit("/", 1)[-1]
    other, _ = open_page(f"/citizen/#/arenden/{case_id}", session=citizen(GRETA))
    expect(other.get_by_role("alert")).to_be_visible()
    expect(other.get_by_text("Egenvård vid förkylning")).to_have_count(0)
    expect(other.get_by_role("button", name="Jag vill ändå ha kontakt")).to_have_count(0)
