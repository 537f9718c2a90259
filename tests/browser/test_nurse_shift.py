"""A nurse's shift, as issue 6 tells it, in Chromium against the real local stack: she logs in, sees two waiting
cases in priority order, takes both, answers both in parallel in Pågående with a phrase template whose variables are
filled from each case, changes one case's priority with a reason, refers the other to a second unit where a colleague
accepts it, and closes a case — while each citizen sees every message arrive live on their own case page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, GRETA, PERSONNUMMER, citizen
from tests.browser.test_staff_workspace import send, send_triaged

pytestmark = [pytest.mark.browser]

DIGITAL_ID, DIGITAL = "SE2321000057-VC00", "Digitala vårdcentralen"  # open around the clock
NASSJO_ID, NASSJO = "SE2321000057-VC02", "Vårdcentralen Nässjö"
MARIA = ("staff", "SE2321000057-S008", "Maria Lundqvist")  # sjuksköterska, Digitala vårdcentralen
KARIN = ("staff", "SE2321000057-S006", "Karin Sjöberg")  # sjuksköterska in Nässjö


def saw(where: Any, text: str) -> None:
    """One message from the other side with this text is shown (it arrived, and only once)."""
    expect(where.locator(".msg-other").filter(has_text=text)).to_have_count(1)


def insert_greeting(page: Any, box: Any) -> None:
    """The unit's "Hälsning" template, from the keyboard: "/" in the empty box, search, Enter."""
    box.focus()
    page.keyboard.press("/")
    expect(page.get_by_role("combobox", name="Sök frasmall")).to_be_focused()
    page.keyboard.type("Hälsning")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_contain_text("Hälsning")
    page.keyboard.press("Enter")
    expect(box).to_be_focused()


def test_a_nurse_takes_two_cases_answers_both_with_a_template_overrides_refers_and_closes(
    open_page: Any, stack: Any
) -> None:
    t = uuid.uuid4().hex[:6]
    urgent, mild = f"Andfådd och hostar {t}", f"Förkyld {t}"
    ali_token, greta_token = (stack.login("citizen", PERSONNUMMER[name]) for name in (ALI, GRETA))
    mild_id = send(stack, greta_token, mild, DIGITAL_ID)  # a cold, contact anyway: P5, sent first
    urgent_id = send_triaged(
        stack,
        ali_token,
        unit_id=DIGITAL_ID,
        reason=urgent,
        free_text="Hostar sedan fem dagar och blir andfådd i trappor.",
        expectations="Att någon bedömer om jag behöver komma in.",
        answers={"breathing": "yes"},  # breathing problems with a cold: P2, a nurse's chat
    )

    # the two citizens follow their cases
    ali, ali_problems = open_page(f"/citizen/#/arenden/{urgent_id}", session=citizen(ALI))
    greta, greta_problems = open_page(f"/citizen/#/arenden/{mild_id}", session=citizen(GRETA))

    # the queue: the P2 case first although it came in later
    maria, maria_problems = open_page(f"/staff/#/ko/{DIGITAL_ID}", session=MARIA)
    expect(maria.locator(".live-status").first).to_have_attribute("data-status", "open")
    rows = maria.locator("tbody tr").filter(has_text=t)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(urgent)
    expect(rows.nth(0).locator(".badge")).to_have_text("P2 Skyndsamt")
    expect(rows.nth(1)).to_contain_text(mild)
    expect(rows.nth(1).locator(".badge")).to_have_text("P5 Avvakta")

    # she takes both: the case page after each, and back to the queue
    for reason in (urgent, mild):
        maria.locator("tbody tr", has_text=reason).get_by_role("button", name="Ta ärende").click()
        expect(maria.get_by_role("heading", name=reason, level=1)).to_be_visible()
        maria.get_by_role("link", name="Tillbaka till kön").first.click()
        expect(maria.locator("tbody tr", has_text=reason)).to_have_count(0)

    # Pågående: both chats at once; each gets the greeting with the patient's own first name
    maria.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=re.compile(r"^Pågående")).click()
    tabs = maria.get_by_role("tablist", name="Dina pågående ärenden")
    for reason, first_name, page in ((urgent, "Ali", ali), (mild, "Greta", greta)):
        tab = tabs.get_by_role("tab", name=re.compile(re.escape(reason)))
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        box = maria.get_by_role("tabpanel").get_by_label("Skriv ett meddelande")
        insert_greeting(maria, box)
        greeting = f"Hej {first_name}! Jag heter Maria Lundqvist och är sjuksköterska på {DIGITAL}."
        expect(box).to_have_value(re.compile("^" + re.escape(greeting)))
        maria.keyboard.press("Control+Enter")
        expect(box).to_have_value("")
        saw(page, greeting)  # live on the citizen's page

    # the citizen answers the first while Maria shows the other: its tab counts the unread message
    urgent_tab = tabs.get_by_role("tab", name=re.compile(re.escape(urgent)))
    ali.get_by_label("Skriv ett meddelande").fill(f"Jag har 38,9 i feber nu ({t})")
    ali.get_by_role("button", name="Skicka", exact=True).click()
    expect(urgent_tab.locator(".unread")).to_have_text("1 oläst")
    urgent_tab.click()
    saw(maria.get_by_role("tabpanel"), f"38,9 i feber nu ({t})")
    expect(urgent_tab.locator(".unread")).to_be_hidden()

    # the mild case: its priority goes up, with a reason; the change is kept beside the triage's outcome
    maria.goto(f"{stack.origin}/staff/#/arenden/{mild_id}")
    handling = maria.get_by_role("region", name="Handläggning")
    handling.get_by_role("button", name="Ändra prioritet eller yrkesgrupp").click()
    handling.get_by_label("Ny prioritet").select_option(label="P3 Närmaste dygnet")
    why = f"Förkylningen har varat i tre veckor; bör bedömas inom ett dygn. ({t})"
    handling.get_by_label("Motivering").fill(why)
    handling.get_by_role("button", name="Spara ändringen").click()
    expect(maria.locator(".handling-messages")).to_have_text("Ändringen är sparad.")
    expect(maria.locator(".kicker .badge")).to_have_text("P3 Närmaste dygnet")
    expect(maria.get_by_role("region", name="Ändrad bedömning")).to_contain_text(why)

    # the urgent case is referred to Nässjö with an SBAR note; Karin there accepts it
    maria.goto(f"{stack.origin}/staff/#/arenden/{urgent_id}")
    handling = maria.get_by_role("region", name="Handläggning")
    handling.get_by_role("button", name="Remittera").click()
    handling.get_by_label("Till enhet").select_option(label=NASSJO)
    handling.get_by_label("Situation").fill(f"Andfådd vid ansträngning sedan två dagar, feber 38,9. ({t})")
    handling.get_by_label("Bakgrund").fill("Förkylning i fem dagar. Bor i Nässjö.")
    handling.get_by_label("Aktuellt tillstånd (bedömning)").fill("Behöver undersökas på plats i dag.")
    handling.get_by_label("Rekommendation").fill("Erbjud besök hos sjuksköterska i dag, läkare vid behov.")
    handling.get_by_role("button", name="Skicka remiss").click()
    expect(maria.locator(".case-gone")).to_contain_text(f"Remissen är skickad till {NASSJO}.")

    karin, karin_problems = open_page(f"/staff/#/ko/{NASSJO_ID}", session=KARIN)
    referred = karin.locator("tbody tr", has_text=urgent)
    expect(referred.locator(".marker-referral")).to_have_text(f"Remiss från {DIGITAL}")
    expect(referred.locator(".badge")).to_have_text("P2 Skyndsamt")
    referred.get_by_role("link", name="Granska remiss").click()
    expect(karin.get_by_role("region", name="Remisser")).to_contain_text(f"feber 38,9. ({t})")
    karin.get_by_role("button", name="Ta emot remissen").click()
    expect(karin.locator(".handling-messages")).to_have_text("Du har tagit emot remissen. Ärendet är ditt.")
    # nothing was lost on the way: the conversation travelled with the case, and Ali still hears from care live
    saw(karin, f"38,9 i feber nu ({t})")
    karin.get_by_label("Skriv ett meddelande").fill(f"Hej Ali, välkommen till oss i Nässjö i eftermiddag. ({t})")
    karin.get_by_role("button", name="Skicka", exact=True).click()
    saw(ali, f"välkommen till oss i Nässjö i eftermiddag. ({t})")

    # Maria closes the mild case; Greta's page turns read-only with the conversation kept
    maria.goto(f"{stack.origin}/staff/#/arenden/{mild_id}")
    maria.get_by_label("Skriv ett meddelande").fill(f"Vi ses på vårdcentralen i morgon kl. 9. ({t})")
    maria.get_by_role("button", name="Skicka", exact=True).click()
    saw(greta, f"i morgon kl. 9. ({t})")
    maria.get_by_role("radio", name="Tidsbokning").check()
    maria.get_by_label("Sammanfattning för journalen").fill(f"Långdragen förkylning; tid bokad i morgon. ({t})")
    maria.get_by_role("button", name="Avsluta ärende", exact=True).click()
    expect(maria.locator(".handling-messages")).to_have_text("Ärendet är avslutat.")
    expect(greta.get_by_text("Vårdpersonalen har avslutat ditt ärende.")).to_be_visible()
    expect(greta.get_by_label("Skriv ett meddelande")).to_have_count(0)
    saw(greta, f"i morgon kl. 9. ({t})")

    # both cases have left Maria's Pågående
    maria.goto(f"{stack.origin}/staff/#/pagaende")
    expect(maria.get_by_role("heading", name="Pågående ärenden", level=1)).to_be_visible()
    expect(tabs.get_by_role("tab", name=re.compile(t))).to_have_count(0)
    for problems in (ali_problems, greta_problems, maria_problems, karin_problems):
        problems.assert_none()
