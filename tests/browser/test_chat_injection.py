"""The chat in two real browsers, citizen and nurse side by side on the local stack: whatever HTML or script one
side writes, the other sees as plain text (live and after a reload) and nothing runs; the citizen sees "Läst" as
soon as the nurse opens the chat; and a photo asked for in the chat arrives at the nurse as a thumbnail."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA_ID,
    PERSONNUMMER,
    assert_no_axe_violations,
    citizen,
    staff,
)

pytestmark = [pytest.mark.browser]

PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=1" onclick="window.__pwned=1">klicka här</a> &amp; <b>fet</b>',
]


def open_case(stack: Any, who: str) -> str:
    """A case in Huskvarna's queue, taken by Anna (so her page hears the patient's messages live)."""
    token = stack.login("citizen", PERSONNUMMER[who])
    case_id = str(stack.send_case(token, unit_id=HUSKVARNA_ID, reason=f"Utslag {uuid.uuid4().hex[:8]}")["case_id"])
    claimed = httpx.post(
        f"{stack.origin}/api/staff/cases/{case_id}/claim",
        json={},
        headers={"Authorization": f"Bearer {stack.login('staff', HSA_ID[ANNA])}"},
        timeout=15,
    )
    assert claimed.status_code == 200, claimed.text
    return case_id


def pages(open_page: Any, case_id: str) -> tuple[Any, Any, Any, Any]:
    patient, patient_problems = open_page(f"/citizen/#/arenden/{case_id}", session=citizen(GRETA))
    nurse, nurse_problems = open_page(f"/staff/#/arenden/{case_id}", session=staff(ANNA))
    for page in (patient, nurse):
        expect(page.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    return patient, patient_problems, nurse, nurse_problems


def write(page: Any, text: str) -> None:
    page.get_by_label("Skriv ett meddelande").fill(text)
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.locator(".msg-own .msg-text").last).to_have_text(text)


def assert_shown_as_text(page: Any, side: str, texts: list[str]) -> None:
    """Each text is one message's text, character for character; none became an element, none ran."""
    expect(page.locator(f".{side} .msg-text")).to_have_text(texts)
    chat = page.locator(".chat-list")
    expect(chat.locator("img, script, b, a[href^='javascript']")).to_have_count(0)
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_html_and_script_in_the_chat_are_only_ever_text_in_both_directions(open_page: Any, stack: Any) -> None:
    case_id = open_case(stack, GRETA)
    patient, patient_problems, nurse, nurse_problems = pages(open_page, case_id)

    for text in PAYLOADS:  # the citizen writes, the nurse reads live
        write(patient, text)
    assert_shown_as_text(nurse, "msg-other", PAYLOADS)
    assert_shown_as_text(patient, "msg-own", PAYLOADS)

    back = [f"Svar: {p}" for p in PAYLOADS]
    for text in back:  # and the other way round
        write(nurse, text)
    assert_shown_as_text(patient, "msg-other", back)

    # from the history (GET) rather than the push: the same
    for page, mine, theirs in ((nurse, back, PAYLOADS), (patient, PAYLOADS, back)):
        page.wait_for_load_state("networkidle")  # every send answered (the push can come first; a reload cuts it off)
        page.reload()
        expect(page.locator(".msg-own .msg-text")).to_have_text(mine)
        assert_shown_as_text(page, "msg-other", theirs)
    patient_problems.assert_none()
    nurse_problems.assert_none()


def test_the_citizen_sees_lest_as_soon_as_the_nurse_opens_the_chat(open_page: Any, stack: Any) -> None:
    case_id = open_case(stack, GRETA)
    patient, patient_problems = open_page(f"/citizen/#/arenden/{case_id}", session=citizen(GRETA))
    expect(patient.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    write(patient, "Det kliar mest på kvällarna.")
    write(patient, "Och det sprider sig.")
    expect(patient.locator(".msg-receipt")).to_have_count(0)  # nobody has read it yet

    nurse, nurse_problems = open_page(f"/staff/#/arenden/{case_id}", session=staff(ANNA))
    expect(nurse.locator(".msg-other .msg-text")).to_have_count(2)

    receipt = patient.locator(".msg-own .msg-receipt")  # live: the page was not reloaded
    expect(receipt).to_have_count(1)
    expect(receipt).to_contain_text("Läst")
    expect(patient.locator(".msg-own").last.locator(".msg-receipt")).to_have_count(1)  # under the last one read
    assert_no_axe_violations(patient, "the citizen's chat with a read receipt")

    # the nurse answers; the citizen reads it, and the nurse's own message gets its receipt
    write(nurse, "Tack, jag tittar på det.")
    expect(patient.locator(".msg-other .msg-text")).to_have_text(["Tack, jag tittar på det."])
    patient.locator(".chat-log").scroll_into_view_if_needed()
    expect(nurse.locator(".msg-own .msg-receipt")).to_contain_text("Läst")
    patient_problems.assert_none()
    nurse_problems.assert_none()


def _photo_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (190, 110, 90)).save(out, "JPEG")
    return out.getvalue()


def test_the_nurse_asks_for_a_photo_and_sees_the_citizens_photo_in_the_chat(open_page: Any, stack: Any) -> None:
    case_id = open_case(stack, GRETA)
    patient, patient_problems, nurse, nurse_problems = pages(open_page, case_id)
    expect(patient.get_by_label("Skicka bild")).to_be_hidden()  # offered only once asked

    nurse.get_by_role("button", name="Be om bild").click()
    asked = "Kan du skicka en bild? Använd knappen Skicka bild nedan."
    expect(nurse.locator(".msg-own .msg-text")).to_have_text([asked])
    expect(patient.locator(".msg-other .msg-text")).to_have_text([asked])
    upload = patient.get_by_label("Skicka bild")
    expect(upload).to_be_visible()
    assert_no_axe_violations(patient, "the citizen's chat with a photo request")

    # the intake's checks apply: a document is refused before anything is sent
    upload.set_input_files({"name": "anteckning.txt", "mimeType": "text/plain", "buffer": b"inte en bild"})
    expect(patient.locator(".chat-photo .error")).to_contain_text("anteckning.txt: den filtypen går inte att använda")

    upload.set_input_files({"name": "utslag.jpg", "mimeType": "image/jpeg", "buffer": _photo_jpeg()})
    expect(patient.get_by_text("Bilden är skickad.")).to_be_visible()
    own = patient.locator(".msg-own img")
    expect(own).to_have_attribute("alt", "Bild som du skickade. Öppna i full storlek.")

    thumbnail = nurse.locator(".msg-other img")  # live, as a thumbnail that links to the full size
    expect(thumbnail).to_have_attribute("alt", f"Bild från {GRETA}. Öppna i full storlek.")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 320
    full = nurse.locator(".msg-other a").get_attribute("href")
    assert full and httpx.get(full, timeout=10).status_code == 200
    assert_no_axe_violations(nurse, "the nurse's chat with a photo")

    # in English the request reads in English (it is stored once, in Swedish)
    patient.get_by_role("button", name="English").click()
    expect(patient.locator(".msg-other .msg-text")).to_have_text(
        ["Could you send a photo? Use the Send photo button below."]
    )
    expect(own).to_have_attribute("alt", "Photo you sent. Open in full size.")
    patient_problems.assert_none()
    nurse_problems.assert_none()
