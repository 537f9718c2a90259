"""The staff workspace (issue 6), in Chromium against the real local stack: the queue's time left and its overdue
marking, Pågående with eight chats at once and their unread counters, the full case view (intake, photos, triage with
red flags, the transcript, earlier cases), and the decisions made through the pages — change of priority, remiss,
a referral sent back and one accepted, the journal note and the FHIR export. axe-core on every staff page in Swedish
and English."""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import (
    ALI,
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA,
    HUSKVARNA_ID,
    PERSONNUMMER,
    TOLVAN,
    assert_no_axe_violations,
    check_both_languages,
    staff,
)
from tests.stack import COLD_ANSWERS

pytestmark = [
    pytest.mark.browser,
]

QUEUE = f"/staff/#/ko/{HUSKVARNA_ID}"
DIGITAL_ID = "SE2321000057-VC00"  # open around the clock: a P2 chat stays a chat at any hour
NASSJO_ID, NASSJO = "SE2321000057-VC02", "Vårdcentralen Nässjö"
MARIA = ("staff", "SE2321000057-S008", "Maria Lundqvist")  # sjuksköterska, Digitala vårdcentralen
KARIN = ("staff", "SE2321000057-S006", "Karin Sjöberg")  # sjuksköterska in Nässjö and Tenhult

# The queue's 10 s polling is the fallback; on a page with this script it waits an hour instead, so the page changes
# only by pushes and by its own clock.
NO_QUEUE_POLLING = """(() => {
  const real = window.setInterval;
  window.setInterval = (fn, ms, ...rest) => real(fn, ms === 10000 ? 3600000 : ms, ...rest);
})();"""


def tag() -> str:
    return uuid.uuid4().hex[:6]


def api(stack: Any, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {token}"}, timeout=15)


def send(stack: Any, token: str, reason: str, unit_id: str = HUSKVARNA_ID) -> str:
    return str(stack.send_case(token, unit_id=unit_id, reason=reason)["case_id"])


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 100)).save(out, "JPEG")
    return out.getvalue()


def send_triaged(
    stack: Any, token: str, *, unit_id: str, reason: str, free_text: str, expectations: str, answers: dict[str, Any]
) -> str:
    """A case sent as a citizen does it, with a photo attached to the triage: the intake, one photo (presigned POST,
    then complete), every question (those ``answers`` does not name as in the cold walk, else "Nej"), then send."""
    citizen_api = api(stack, token)
    citizen_api.headers["Idempotency-Key"] = uuid.uuid4().hex
    intake = {"unit_id": unit_id, "reason": reason, "free_text": free_text, "expectations": expectations}
    draft = citizen_api.post("/citizen/triage", json=intake).raise_for_status().json()
    data = jpeg()
    slot = citizen_api.post(
        f"/citizen/triage/{draft['draft_id']}/photos", json={"content_type": "image/jpeg", "size": len(data)}
    )
    upload = slot.raise_for_status().json()
    url = upload["upload"]["url"]
    url = stack.origin + url if url.startswith("/") else url
    form = upload["upload"]["fields"]
    assert httpx.post(url, data=form, files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=15).is_success
    citizen_api.post(f"/citizen/triage/{draft['draft_id']}/photos/{upload['photo_id']}/complete").raise_for_status()
    wanted = {**COLD_ANSWERS, **answers}
    while draft["step"] is not None:
        step = draft["step"]["id"]
        body = {"step_id": step, "value": wanted.get(step, "no")}
        draft = citizen_api.post(f"/citizen/triage/{draft['draft_id']}/answers", json=body).raise_for_status().json()
    contact = draft["outcome"]["disposition"] == "self_care"
    sent = citizen_api.post(f"/citizen/triage/{draft['draft_id']}/submit", json={"choose_contact": contact})
    case = sent.raise_for_status().json()
    assert case["status"] == "queued", case
    return str(case["case_id"])


def row(page: Any, reason: str) -> Any:
    return page.locator("tbody tr", has_text=reason)


def live(page: Any) -> None:
    """The page's WebSocket is open (on a machine busy with other tests its handshake can take several seconds)."""
    expect(page.locator(".live-status").first).to_have_attribute("data-status", "open", timeout=30_000)


def no_wider_than(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# --- The queue: time left, overdue, markers ---------------------------------------------------------------------


def test_queue_shows_time_left_age_band_and_marks_changed_priority_and_overdue_cases(
    open_page: Any, stack: Any, browser: Any
) -> None:
    t = tag()
    greta = stack.login("citizen", PERSONNUMMER[GRETA])
    waiting, changed, late = f"Hosta {t}", f"Ont i ryggen {t}", f"Yrsel {t}"
    send(stack, greta, waiting)
    changed_id = send(stack, greta, changed)
    late_id = send(stack, greta, late)
    anna_api = api(stack, stack.login("staff", HSA_ID[ANNA]))
    override = {"priority": "P4", "reason": "Besvären har pågått länge; kan vänta till vardag."}
    anna_api.post(f"/staff/cases/{changed_id}/override", json=override).raise_for_status()

    # The overdue case: the stack's clock is real, so a case cannot be made late within a test. The queue's own
    # answer is used, with that one case's deadline passed 12 minutes ago; everything else is the server's.
    # The page's clock is a fake one the test moves on (``advanced``): an answer the page asks for again (other
    # tests' work at the unit reaches this queue live) says what the server would say at that moment.
    requests, advanced = {"queue": 0}, {"seconds": 0}

    def queue(route: Any) -> None:
        requests["queue"] += 1
        response = route.fetch()
        body = response.json()
        for entry in body["cases"]:
            if entry["case_id"] == late_id:
                entry["seconds_left"] = -(12 * 60 + 5) - advanced["seconds"]
        route.fulfill(response=response, body=json.dumps(body))

    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    context.clock.install()  # first: the script below then slows the fake clock's polling interval
    context.add_init_script(NO_QUEUE_POLLING)
    context.route("**/api/staff/queue**", queue)
    try:
        page, problems = open_page(QUEUE, context=context, session=staff(ANNA))
        live(page)

        # time left, age band and profession from the server; a P5 case has about 30 days
        plain = row(page, waiting)
        expect(plain.locator(".time-left")).to_have_text(re.compile(r"^\d+ d \d+ tim kvar$"))
        expect(plain.locator(".time-left.overdue")).to_have_count(0)
        expect(plain).to_contain_text("18–39 år")
        expect(plain).to_contain_text("Sjuksköterska")
        expect(plain.locator(".marker")).to_have_count(0)

        # the changed priority: marked in words, at its new priority
        moved = row(page, changed)
        expect(moved.locator(".marker-override")).to_have_text("Ändrad prio")
        expect(moved.locator(".badge")).to_have_text("P4 Vardag närmaste tiden")

        # overdue: the word and an icon, not colour alone
        overdue = row(page, late).locator(".time-left")
        expect(overdue).to_have_text("Försenat 12 min")
        expect(overdue).to_have_class(re.compile(r"\boverdue\b"))
        expect(overdue.locator("svg.icon-warning")).to_have_count(1)
        check_both_languages(page, "the queue with an overdue case")

        # it counts on by itself every 30 s (the queue does not poll here: NO_QUEUE_POLLING; a live reload, should
        # one come in between, answers the same)
        advanced["seconds"] = 65
        page.clock.run_for(65_000)
        expect(overdue).to_have_text("Försenat 13 min")
        page.get_by_role("button", name="English").click()
        expect(overdue).to_have_text("Overdue 13 min")
        expect(row(page, changed).locator(".marker-override")).to_have_text("Priority changed")
        page.get_by_role("button", name="Svenska").click()
        problems.assert_none()
    finally:
        context.close()

    # narrow screens: the queue becomes a list and nothing scrolls sideways
    narrow, narrow_problems = open_page(QUEUE, width=360, height=740, session=staff(ANNA))
    expect(row(narrow, waiting)).to_have_count(1)
    no_wider_than(narrow, 360)
    narrow_problems.assert_none()


def test_unit_chooser_and_header_links_for_staff_with_two_units(open_page: Any) -> None:
    page, problems = open_page("/staff/#/enheter", session=KARIN)
    expect(page.get_by_role("heading", name="Välj enhet", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link", name=re.compile(r"^Pågående \(\d+\)$"))).to_be_visible()
    expect(nav.get_by_role("link", name="Frasmallar")).to_be_visible()
    check_both_languages(page, "the unit chooser")
    page.get_by_role("link", name=re.compile(NASSJO)).click()
    expect(page.get_by_role("heading", name="Patientkö")).to_be_visible()
    expect(nav.get_by_role("link", name="Patientkö")).to_have_attribute("aria-current", "page")
    problems.assert_none()


# --- Pågående: eight chats at once ------------------------------------------------------------------------------


def test_eight_cases_at_once_with_live_unread_counters_that_clear_when_shown(open_page: Any, stack: Any) -> None:
    t = tag()
    citizens = {name: stack.login("citizen", PERSONNUMMER[name]) for name in (TOLVAN, GRETA, ALI)}
    patients = [TOLVAN, GRETA, ALI] * 3
    reasons = [f"Ärende {i + 1} {t}" for i in range(8)]
    ids = [send(stack, citizens[patients[i]], reasons[i], DIGITAL_ID) for i in range(8)]
    maria_api = api(stack, stack.login("staff", MARIA[1]))
    before = len(maria_api.get("/staff/my-cases").raise_for_status().json()["cases"])
    for case_id in ids[:7]:
        maria_api.post(f"/staff/cases/{case_id}/claim", json={}).raise_for_status()

    page, problems = open_page("/staff/#/pagaende", session=MARIA)
    expect(page.get_by_role("heading", name="Pågående ärenden", level=1)).to_be_visible()
    live(page)
    tabs = page.get_by_role("tablist", name="Dina pågående ärenden")
    mine = tabs.get_by_role("tab", name=re.compile(t))
    expect(mine).to_have_count(7)
    page.evaluate("window.stillTheSamePage = true")

    # the eighth, taken elsewhere (another tab, a colleague's hand-over), appears without a reload
    maria_api.post(f"/staff/cases/{ids[7]}/claim", json={}).raise_for_status()
    expect(mine).to_have_count(8)
    nav = page.get_by_role("navigation", name="Huvudmeny")
    expect(nav.get_by_role("link", name=f"Pågående ({before + 8})")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    for case_id in ids:  # every chat is mounted, shown or not
        expect(page.locator(f'.ws-panel[data-case-id="{case_id}"] textarea')).to_have_count(1)

    def tab(i: int) -> Any:
        return tabs.get_by_role("tab", name=re.compile(re.escape(reasons[i])))

    first_name = patients[2].split()[0]
    expect(tab(2)).to_contain_text(f"{first_name} · {reasons[2]}")
    expect(tab(2)).to_contain_text("P5 Avvakta")
    expect(tab(2).locator(".time-left")).to_have_text(re.compile(r"kvar$"))

    # one shown: the first of mine; the patient writes in another → its counter rises, live
    tab(0).click()
    expect(tab(0)).to_have_attribute("aria-selected", "true")
    panel = page.get_by_role("tabpanel")
    expect(panel).to_have_count(1)
    expect(panel.get_by_role("heading", level=2).first).to_contain_text(reasons[0])
    stack.post_message(citizens[patients[2]], ids[2], f"Hej, jag har fått feber nu ({t})")
    expect(tab(2).locator(".unread")).to_have_text("1 oläst")
    stack.post_message(citizens[patients[2]], ids[2], f"Och ont i halsen ({t})")
    expect(tab(2).locator(".unread")).to_have_text("2 olästa")
    # a message in the chat on screen is read as it comes
    stack.post_message(citizens[patients[0]], ids[0], f"Tack för svaret ({t})")
    expect(panel.locator(".msg-other")).to_contain_text(f"Tack för svaret ({t})")
    expect(tab(0).locator(".unread")).to_be_hidden()
    check_both_languages(page, "Pågående with unread messages")

    # the keyboard: arrows, Home and End move between the cases and show each
    tab(0).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(tab(2)).to_be_focused()
    expect(tab(2)).to_have_attribute("aria-selected", "true")
    expect(tab(2).locator(".unread")).to_be_hidden()  # shown: read
    expect(panel.locator(".msg-other")).to_have_count(2)
    expect(page).to_have_url(re.compile(f"#/pagaende/{ids[2]}$"))
    page.keyboard.press("End")
    expect(tabs.get_by_role("tab").last).to_be_focused()
    page.keyboard.press("Home")
    expect(tabs.get_by_role("tab").first).to_be_focused()
    expect(tabs.get_by_role("tab").first).to_have_attribute("aria-selected", "true")

    # answering from the workspace
    tab(2).click()
    reply = f"Hur hög feber har du? ({t})"
    panel.get_by_label("Skriv ett meddelande").fill(reply)
    panel.get_by_role("button", name="Skicka", exact=True).click()
    expect(panel.locator(".msg-own")).to_contain_text(reply)

    # a closed case and one put back in the queue leave, live; the chosen one moves to a neighbour
    maria_api.post(f"/staff/cases/{ids[2]}/close", json={"outcome": "advice_given", "summary": "Råd om feber."})
    maria_api.post(f"/staff/cases/{ids[5]}/release", json={}).raise_for_status()
    expect(mine).to_have_count(6)
    expect(tab(2)).to_have_count(0)
    expect(tabs.get_by_role("tab", selected=True)).to_have_count(1)
    expect(nav.get_by_role("link", name=f"Pågående ({before + 6})")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True

    # the full case is one link away
    tab(0).click()
    panel.get_by_role("link", name="Visa hela ärendet").click()
    expect(page.get_by_role("heading", name=reasons[0], level=1)).to_be_visible()
    problems.assert_none()

    narrow, narrow_problems = open_page(f"/staff/#/pagaende/{ids[0]}", width=360, height=740, session=MARIA)
    expect(narrow.get_by_role("tab", selected=True)).to_contain_text(reasons[0])
    no_wider_than(narrow, 360)
    narrow_problems.assert_none()
    for case_id in ids:  # leave Maria's workspace as it was
        maria_api.post(f"/staff/cases/{case_id}/close", json={"outcome": "no_action", "summary": "Test klart."})


# --- The full case view ---------------------------------------------------------------------------------------------


def test_the_case_view_shows_intake_photo_red_flags_transcript_and_earlier_cases(open_page: Any, stack: Any) -> None:
    t = tag()
    ali = stack.login("citizen", PERSONNUMMER[ALI])
    earlier = f"Snuva {t}"
    send(stack, ali, earlier, DIGITAL_ID)
    reason = f"Förkyld och andfådd {t}"
    own_words = "Hostar mycket, men ingen bröstsmärta."
    expectations = "Vill veta om jag behöver komma in."
    case_id = send_triaged(
        stack,
        ali,
        unit_id=DIGITAL_ID,
        reason=reason,
        free_text=own_words,
        expectations=expectations,
        answers={"breathing": "yes"},  # cold.yaml: breathing problems → red flag, P2 nurse chat
    )

    page, problems = open_page(f"/staff/#/arenden/{case_id}", session=MARIA)
    expect(page.get_by_role("heading", name=reason, level=1)).to_be_visible()
    summary = page.get_by_role("region", name="Sammanfattning")
    expect(summary).to_contain_text("Ali Hassan")
    expect(summary).to_contain_text("40–64 år")
    expect(summary.locator(".time-left")).to_have_text(re.compile(r"^(2 tim \d+ min|3 tim 0 min) kvar$"))

    # the intake, in the summary: what the citizen wrote and rated
    expect(summary.locator(".own-words")).to_have_text(own_words)
    expect(summary.locator(".expectations")).to_have_text(expectations)
    expect(summary).to_contain_text("70 av 100")
    expect(summary).to_contain_text("3 dygn")
    expect(summary).to_contain_text("Förkylning")
    # the whole transcript, folded; the answer that fired the red flag is marked in words
    transcript = page.get_by_role("region", name="Triagens frågor och svar")
    transcript.get_by_text(re.compile(r"^Visa alla \d+ frågor och svar$")).click()
    flagged = transcript.locator("li.qa-flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Har du svårt att andas, andas du snabbt")
    expect(flagged).to_contain_text("Ja")
    expect(flagged.locator(".marker-flag")).to_have_text("Röd flagga")

    triage = page.get_by_role("region", name="Triagering")
    expect(triage).to_contain_text("P2 Skyndsamt")
    expect(triage).to_contain_text("Andningsbesvär vid luftvägsinfektion")
    expect(triage.locator(".red-flags")).to_contain_text("breathing_difficulty")
    expect(triage.locator(".ruleset")).to_contain_text("cold@")
    text_flags = triage.locator(".text-flags li")
    expect(text_flags.filter(has_text="andfådd")).not_to_contain_text("(nekat)")
    expect(text_flags.filter(has_text="bröstsmärta")).to_contain_text("(nekat)")

    earlier_list = page.get_by_role("region", name="Tidigare ärenden på enheten")
    expect(earlier_list.get_by_role("link", name=earlier)).to_be_visible()

    # the photo: thumbnail → full size in a dialog; Escape closes it and focus returns to the thumbnail
    photos = page.get_by_role("region", name="Bilder")
    thumb = photos.get_by_role("button", name="Bild 1 av 1 – öppna i full storlek")
    thumb.click()
    dialog = page.get_by_role("dialog", name="Bild 1 av 1")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Stäng")).to_be_focused()
    full = dialog.get_by_role("img", name="Bild 1 av 1 från patienten, full storlek")
    expect(full).to_be_visible()
    assert full.evaluate("(img) => img.complete && img.naturalWidth") == 640
    assert_no_axe_violations(page, "the case page with a photo open (sv)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(thumb).to_be_focused()
    check_both_languages(page, "the case page")
    page.get_by_role("button", name="English").click()
    thumb_en = page.get_by_role("button", name="Photo 1 of 1 – open full size")
    thumb_en.click()
    expect(page.get_by_role("dialog", name="Photo 1 of 1")).to_be_visible()
    assert_no_axe_violations(page, "the case page with a photo open (en)")
    page.get_by_role("button", name="Close").click()
    expect(thumb_en).to_be_focused()
    page.get_by_role("button", name="Svenska").click()
    problems.assert_none()

    narrow, narrow_problems = open_page(f"/staff/#/arenden/{case_id}", width=360, height=740, session=MARIA)
    expect(narrow.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(narrow.get_by_role("button", name="Bild 1 av 1 – öppna i full storlek")).to_be_visible()
    no_wider_than(narrow, 360)
    narrow_problems.assert_none()


# --- Decisions ------------------------------------------------------------------------------------------------------


def sbar(page: Any, words: str) -> None:
    page.get_by_label("Situation").fill(f"Halsont sedan fyra dagar, feber 38,5. {words}")
    page.get_by_label("Bakgrund").fill("Frisk sedan tidigare, inga mediciner.")
    page.get_by_label("Aktuellt tillstånd (bedömning)").fill("Opåverkad men behöver läkarbedömning.")
    page.get_by_label("Rekommendation").fill("Bedömning av läkare inom ett dygn.")


def test_change_priority_refer_reject_refer_again_accept_journal_and_fhir(
    open_page: Any, stack: Any, browser: Any
) -> None:
    t = tag()
    reason = f"Halsont och feber {t}"
    send(stack, stack.login("citizen", PERSONNUMMER[GRETA]), reason)

    anna, anna_problems = open_page(QUEUE, session=staff(ANNA))
    live(anna)
    row(anna, reason).get_by_role("button", name="Ta ärende").click()
    expect(anna.get_by_role("heading", name=reason, level=1)).to_be_visible()
    handling = anna.get_by_role("region", name="Handläggning")

    # Ändra prioritet: nothing chosen → both problems, summarised and linked
    opener = handling.get_by_role("button", name="Ändra prioritet eller yrkesgrupp")
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    expect(handling.get_by_label("Ny prioritet")).to_be_focused()
    handling.get_by_role("button", name="Spara ändringen").click()
    errors = anna.get_by_role("alert").filter(has_text="Ändringen kunde inte sparas")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("Välj en ny prioritet eller yrkesgrupp.")
    expect(errors).to_contain_text("Skriv varför du ändrar bedömningen.")
    errors.get_by_role("link", name="Skriv varför du ändrar bedömningen.").click()
    expect(handling.get_by_label("Motivering")).to_be_focused()
    check_both_languages(anna, "the case page with the change form's errors")
    handling.get_by_label("Ny prioritet").select_option(label="P3 Närmaste dygnet")
    why = f"Hög feber i fyra dagar; bör bedömas inom ett dygn. ({t})"
    handling.get_by_label("Motivering").fill(why)
    handling.get_by_role("button", name="Spara ändringen").click()
    expect(anna.locator(".handling-messages")).to_have_text("Ändringen är sparad.")
    expect(anna.locator(".kicker .badge")).to_have_text("P3 Närmaste dygnet")
    expect(anna.locator(".kicker .marker-override")).to_have_text("Ändrad prio")
    changes = anna.get_by_role("region", name="Ändrad bedömning")
    expect(changes).to_contain_text(why)
    expect(changes).to_contain_text("P5 Avvakta → P3 Närmaste dygnet")
    expect(anna.get_by_role("region", name="Triagering")).to_contain_text("(nu P3 Närmaste dygnet efter ändring)")

    # Remittera: everything is required
    handling.get_by_role("button", name="Remittera").click()
    handling.get_by_role("button", name="Skicka remiss").click()
    errors = anna.get_by_role("alert").filter(has_text="Remissen kunde inte skickas")
    expect(errors).to_be_focused()
    expect(errors.get_by_role("listitem")).to_have_count(6)
    check_both_languages(anna, "the case page with the referral form's errors")
    handling.get_by_label("Till enhet").select_option(label=NASSJO)
    expect(handling.get_by_label("Till yrkesgrupp")).to_have_value("nurse")
    sbar(anna, f"Första remissen ({t}).")
    handling.get_by_role("button", name="Skicka remiss").click()
    expect(anna.locator(".case-gone")).to_contain_text(f"Remissen är skickad till {NASSJO}.")
    expect(anna.locator(".case-gone")).to_be_focused()

    # Karin in Nässjö: the referral in her queue, marked; she sends it back with a reason
    karin, karin_problems = open_page(f"/staff/#/ko/{NASSJO_ID}", session=KARIN)
    referred = row(karin, reason)
    expect(referred.locator(".marker-referral")).to_have_text(f"Remiss från {HUSKVARNA}")
    expect(referred.locator(".badge")).to_have_text("P3 Närmaste dygnet")
    check_both_languages(karin, "the queue with a referral")
    referred.get_by_role("link", name="Granska remiss").click()
    expect(karin.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(karin.locator(".referral-notice")).to_contain_text(f"Remiss från {HUSKVARNA}, skickad av {ANNA}")
    referrals = karin.get_by_role("region", name="Remisser")
    expect(referrals).to_contain_text(f"Första remissen ({t}).")
    expect(referrals).to_contain_text("Bedömning av läkare inom ett dygn.")
    expect(referrals.locator(".referral-state")).to_have_text("Väntar på svar")
    karin.get_by_role("button", name="Avvisa remissen").click()
    errors = karin.get_by_role("alert").filter(has_text="Remissen kunde inte avvisas")
    expect(errors).to_be_focused()
    errors.get_by_role("link", name="Skriv varför remissen avvisas.").click()
    expect(karin.get_by_label("Skäl till att remissen avvisas")).to_be_focused()
    expect(karin.get_by_label("Skäl till att remissen avvisas")).to_have_attribute("aria-invalid", "true")
    check_both_languages(karin, "a referral with the reject form's error")
    no = f"Vi har ingen läkartid i veckan; boka hos er. ({t})"
    karin.get_by_label("Skäl till att remissen avvisas").fill(no)
    karin.get_by_role("button", name="Avvisa remissen").click()
    expect(karin.locator(".case-gone")).to_contain_text(f"Remissen är avvisad. Ärendet är tillbaka hos {ANNA}.")

    # ... and it is back with Anna, live on her page
    expect(anna.locator(".live-note")).to_contain_text(f"{KARIN[2]} avvisade remissen och ärendet är tillbaka hos dig")
    expect(anna.locator(".live-note")).to_contain_text(no)
    expect(anna.locator(".holder")).to_contain_text(f"Du ({HSA_ID[ANNA]})")
    expect(anna.get_by_role("region", name="Remisser").locator(".referral-state")).to_have_text("Avvisad")

    # Anna refers again; Karin accepts: the case is hers
    anna.get_by_role("region", name="Handläggning").get_by_role("button", name="Remittera").click()
    anna.get_by_label("Till enhet").select_option(label=NASSJO)
    sbar(anna, f"Andra remissen ({t}).")
    anna.get_by_role("button", name="Skicka remiss").click()
    expect(anna.locator(".case-gone")).to_contain_text(f"Remissen är skickad till {NASSJO}.")
    karin.get_by_role("link", name="Tillbaka till kön").first.click()
    row(karin, reason).get_by_role("link", name="Granska remiss").click()
    expect(karin.get_by_role("region", name="Remisser")).to_contain_text(f"Andra remissen ({t}).")
    karin.get_by_role("button", name="Ta emot remissen").click()
    expect(karin.locator(".handling-messages")).to_have_text("Du har tagit emot remissen. Ärendet är ditt.")
    expect(karin.locator(".holder")).to_contain_text(f"Du ({KARIN[1]})")
    states = karin.get_by_role("region", name="Remisser").locator(".referral-state")
    expect(states).to_have_text(["Avvisad", "Mottagen"])
    karin_nav = karin.get_by_role("navigation", name="Huvudmeny")
    expect(karin_nav.get_by_role("link", name=re.compile(r"^Pågående \([1-9]\d*\)$"))).to_be_visible()

    # the journal note: read-only, copied with one click
    karin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.origin)
    record = karin.get_by_role("region", name="Journal och export")
    record.get_by_role("button", name="Visa journalanteckning").click()
    note = record.get_by_label("Journalanteckning")
    expect(note).to_be_focused()
    expect(note).not_to_be_editable()
    expect(note).to_have_value(re.compile(re.escape(reason)))
    record.get_by_role("button", name="Kopiera").click()
    expect(record.get_by_role("status")).to_have_text("Journalanteckningen är kopierad.")
    assert karin.evaluate("navigator.clipboard.readText()") == note.input_value()
    check_both_languages(karin, "the case page with the journal note")

    # the FHIR export, downloaded as a file
    with karin.expect_download() as downloaded:
        record.get_by_role("button", name="Ladda ner FHIR-export (JSON)").click()
    assert downloaded.value.suggested_filename.endswith(".fhir.json")
    bundle = json.loads(Path(downloaded.value.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {"QuestionnaireResponse", "Task"}
    expect(record.get_by_role("status")).to_have_text("FHIR-exporten är nedladdad.")

    anna_problems.assert_none()
    karin_problems.assert_none()


def test_staff_strings_have_swedish_and_english_for_every_key(open_page: Any) -> None:
    page, _ = open_page("/staff/")
    missing = page.evaluate("""async () => {
        const { STRINGS } = await import("/staff/staff-strings.js");
        const sv = Object.keys(STRINGS.sv), en = Object.keys(STRINGS.en);
        return { onlySv: sv.filter((k) => !en.includes(k)), onlyEn: en.filter((k) => !sv.includes(k)) };
    }""")
    assert missing == {"onlySv": [], "onlyEn": []}
