"""Entry points in Chromium (issue 11). Huskvarna's administrator finds the unit's links under "Länkar och QR-kod":
each link with a copy button, the regional app's deep link, the QR code (loaded from this origin, holding the link)
and the snippet for the unit's website, and prints a waiting-room poster that is alone on the paper. A citizen who
opens a unit's link logged out logs in and comes back to the same link: the unit is chosen for her with a notice,
and the draft is begun with via "unit_link" and the link's profession; a regional app's link says via "app"; a link
to a unit Nära does not have lets her choose (via "chosen"); the region-wide entry offers "Låt Nära välja" with her
listed health centre and begins the draft without a unit. Then the cases land where the links said
(``test_cases_begun_by_a_units_link_and_by_the_region_wide_entry_land_at_the_unit``). axe-core: 0 violations, Swedish
and English."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    GRETA,
    HUSKVARNA,
    HUSKVARNA_ID,
    PERSONNUMMER,
    TOLVAN,
    assert_no_axe_violations,
    check_both_languages,
    citizen,
    wait_until,
)
from tests.browser.journey import EYE_ITCH, answer_questions, as_woman, send_summary
from tests.browser.qr import read_svg

pytestmark = [pytest.mark.browser]

JOHAN = ("staff", "SE2321000057-S007", "Johan Ek")  # Huskvarna's administrator (demo region)
TENHULT, TENHULT_ID = "Vårdcentralen Tenhult", "SE2321000057-VC03"  # offers physiotherapists
BEGIN = "**/api/citizen/triage"


def _qr_holds(stack: Any, src: str) -> str:
    """What a phone reads from the QR picture at ``src`` (the white background left out: segno draws it first)."""
    svg = httpx.get(f"{stack.origin}{src}", timeout=10).text
    return read_svg(re.sub(r'<path fill="#fff"[^>]*/>', "", svg))


def _begun_with(page: Any, reason: str) -> dict[str, Any]:
    """Fill in the reason and press Fortsätt; the body the page sent to begin the draft."""
    page.get_by_label("Sökorsak").fill(reason)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/citizen/triage")) as sent:
        page.get_by_role("button", name="Fortsätt").click()
    return dict(json.loads(sent.value.post_data or "{}"))


def test_the_unit_admin_copies_the_links_sees_the_qr_codes_and_prints_a_poster(open_page: Any, stack: Any) -> None:
    page, problems = open_page(f"/staff/#/enhet/{HUSKVARNA_ID}", session=JOHAN)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    section = page.get_by_role("region", name="Länkar och QR-kod")
    expect(section).to_be_visible()
    link = f"{stack.origin}/citizen/#/ny-kontakt?enhet={HUSKVARNA_ID}"

    whole = section.get_by_role("article", name="Hela mottagningen")
    expect(whole.get_by_label("Länk", exact=True)).to_have_value(link)
    expect(whole.get_by_label("Länk för regionens app")).to_have_value(f"{link}&via=app")
    snippet = whole.get_by_label("Kod till er webbplats")
    expect(snippet).to_have_value(re.compile(r'^<a href="[^"]+" lang="sv" style="[^"]+">Kontakta oss digitalt<span'))
    expect(snippet).to_have_value(re.compile(HUSKVARNA))
    expect(snippet).to_have_js_property("readOnly", True)
    # one link per profession the unit offers
    nurse = section.get_by_role("article", name="Sjuksköterska")
    expect(nurse.get_by_label("Länk", exact=True)).to_have_value(f"{link}&yrke=nurse")
    expect(section.get_by_role("article", name="Barnmorska")).to_be_visible()

    # the copy buttons put the text on the clipboard
    whole.get_by_role("button", name="Kopiera länken").click()
    expect(whole.get_by_role("status")).to_have_text("Kopierat.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    whole.get_by_role("button", name="Kopiera koden").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith('<a href="')

    # the QR pictures load from this origin and hold their links
    qr = whole.get_by_role("img", name=f"QR-kod med länken till {HUSKVARNA}")
    expect(qr).to_be_visible()
    wait_until(page, "(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert _qr_holds(stack, str(qr.get_attribute("src"))) == link
    nurse_qr = nurse.get_by_role("img", name=f"QR-kod med länken till {HUSKVARNA}, sjuksköterska")
    assert _qr_holds(stack, str(nurse_qr.get_attribute("src"))) == f"{link}&yrke=nurse"
    check_both_languages(page, "the unit administration with its links and QR codes")

    # the waiting-room poster: the unit's name, the short text and a large QR code, alone on paper
    opener = nurse.get_by_role("button", name="Skriv ut för väntrummet")
    opener.click()
    poster = page.get_by_role("dialog", name=HUSKVARNA)
    expect(poster).to_contain_text(
        "Kontakta oss digitalt — skanna koden med mobilen och logga in med BankID eller Freja eID+"
    )
    expect(poster).to_contain_text("Sjuksköterska")
    big = poster.get_by_role("img", name=f"QR-kod med länken till {HUSKVARNA}, sjuksköterska")
    wait_until(page, "(img) => img.complete && img.naturalWidth > 0", arg=big.element_handle())
    expect(poster.get_by_role("button", name="Skriv ut")).to_be_focused()
    assert_no_axe_violations(page, "the waiting-room poster")  # modal: the language switch is behind it
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#main")).to_be_hidden()
    expect(poster.get_by_role("button", name="Skriv ut")).to_be_hidden()
    expect(big).to_be_visible()
    assert big.bounding_box()["width"] > 300  # about 12 cm on paper
    page.emulate_media(media="screen")
    page.keyboard.press("Escape")
    expect(poster).to_have_count(0)
    expect(opener).to_be_focused()
    expect(page.locator("#main")).to_be_visible()
    problems.assert_none()


def test_a_units_link_opened_logged_out_comes_back_after_login_with_the_unit_chosen(open_page: Any, stack: Any) -> None:
    page, _ = open_page(f"/citizen/#/ny-kontakt?enhet={TENHULT_ID}&yrke=physiotherapist")
    page.get_by_role("link", name="Freja eID+").click()  # a full page navigation to Freja eID+ and back
    page.get_by_label(TOLVAN).check()
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ny kontakt", level=1)).to_be_visible()
    expect(page).to_have_url(f"{stack.origin}/citizen/#/ny-kontakt?enhet={TENHULT_ID}&yrke=physiotherapist")
    expect(page.get_by_role("status").filter(has_text="Du kom via länken till")).to_have_text(
        f"Du kom via länken till {TENHULT}. Vi har valt den mottagningen åt dig."
    )
    expect(page.get_by_label("Vårdcentral")).to_have_value(TENHULT_ID)
    check_both_languages(page, "Ny kontakt opened by a unit's link")
    body = _begun_with(page, f"Ont i knät {uuid.uuid4().hex[:6]}")
    assert (body["unit_id"], body["via"], body["profession"]) == (TENHULT_ID, "unit_link", "physiotherapist")


def test_an_apps_link_says_so_and_an_unknown_unit_lets_the_citizen_choose(open_page: Any, stack: Any) -> None:
    page, _ = open_page(f"/citizen/#/ny-kontakt?enhet={HUSKVARNA_ID}&via=app", session=citizen(GRETA))
    expect(page.get_by_role("status").filter(has_text="Du kom via länken till")).to_contain_text(HUSKVARNA)
    expect(page.get_by_label("Vårdcentral")).to_have_value(HUSKVARNA_ID)
    body = _begun_with(page, "Kliar i ögonen")
    assert (body["unit_id"], body["via"], "profession" in body) == (HUSKVARNA_ID, "app", False)

    page, _ = open_page("/citizen/#/ny-kontakt?enhet=SE2321000057-VC99&yrke=nurse", session=citizen(GRETA))
    expect(page.get_by_role("status").filter(has_text="inte finns i Nära")).to_have_text(
        "Länken du använde gäller en mottagning som inte finns i Nära. Välj vårdcentral själv nedan."
    )
    unit = page.get_by_label("Vårdcentral")
    expect(unit).to_have_value("")
    expect(unit.locator("option").first).to_have_text("Välj vårdcentral")
    unit.select_option(label=TENHULT)
    body = _begun_with(page, "Kliar i ögonen")
    assert (body["unit_id"], body["via"], "profession" in body) == (TENHULT_ID, "chosen", False)


def test_the_region_wide_entry_offers_to_let_nara_choose_the_listed_health_centre(open_page: Any, stack: Any) -> None:
    page, _ = open_page("/citizen/#/ny-kontakt", session=citizen(GRETA))
    # the listing register's answer, as GET /citizen/listing gives it, so the page is tested on its own
    listed = {"unit_id": TENHULT_ID, "unit_name": TENHULT}
    page.route("**/api/citizen/listing", lambda route: route.fulfill(json=listed))
    page.reload()
    unit = page.get_by_label("Vårdcentral")
    expect(unit.locator("option").first).to_have_text(f"Låt Nära välja — din listade vårdcentral: {TENHULT}")
    expect(unit).to_have_value("nara")
    check_both_languages(page, "Ny kontakt from the region-wide entry")
    body = _begun_with(page, "Kliar i ögonen")
    assert "unit_id" not in body and "via" not in body and "profession" not in body

    # not listed: the citizen chooses, as without a listing (the draft above has opened its first question: back to
    # the region-wide entry itself, loaded afresh)
    page.unroute("**/api/citizen/listing")
    page.route("**/api/citizen/listing", lambda route: route.fulfill(json={"unit_id": None, "unit_name": None}))
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Ny kontakt")
    page.goto(f"{stack.origin}/citizen/#/ny-kontakt")
    page.reload()
    unit = page.get_by_label("Vårdcentral")
    expect(unit.locator("option").first).to_have_text("Välj vårdcentral")
    expect(unit).to_have_value("")
    page.get_by_label("Sökorsak").fill("Kliar i ögonen")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert").first).to_contain_text("Välj en vårdcentral.")


def _case_unit(stack: Any, personnummer: str, case_id: str) -> str:
    token = stack.login("citizen", personnummer)
    found = httpx.get(
        f"{stack.origin}/api/citizen/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    found.raise_for_status()
    return str(found.json()["unit_id"])


def test_cases_begun_by_a_units_link_and_by_the_region_wide_entry_land_at_the_unit(open_page: Any, stack: Any) -> None:
    """Needs the routing (issue 11's backend): POST /citizen/triage with via and profession, or without a unit, and
    GET /citizen/listing from the listing register."""
    # a unit's link: the case lands at the unit (it offers the nurse the triage asks for)
    page, problems = open_page(f"/citizen/#/ny-kontakt?enhet={HUSKVARNA_ID}&yrke=nurse", session=citizen(GRETA))
    expect(page.get_by_label("Vårdcentral")).to_have_value(HUSKVARNA_ID)
    body = _begun_with(page, f"Kliar i ögonen {uuid.uuid4().hex[:6]}")
    assert (body["unit_id"], body["via"], body["profession"]) == (HUSKVARNA_ID, "unit_link", "nurse")
    expect(page.locator("form.question")).to_be_visible()
    answer_questions(page, as_woman(EYE_ITCH))
    send_summary(page)
    case_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("dd").filter(has_text=HUSKVARNA).first).to_be_visible()
    assert _case_unit(stack, PERSONNUMMER[GRETA], case_id) == HUSKVARNA_ID
    problems.assert_none()

    # the region-wide entry: "Låt Nära välja" sends no unit, and the case lands at the listed health centre
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    answer = httpx.get(f"{stack.origin}/api/citizen/listing", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    listing = answer.json()
    assert answer.status_code == 200 and listing["unit_id"], f"the listing register should list {GRETA}: {listing}"
    page, problems = open_page("/citizen/#/ny-kontakt", session=citizen(GRETA))
    unit = page.get_by_label("Vårdcentral")
    expect(unit.locator("option").first).to_have_text(
        f"Låt Nära välja — din listade vårdcentral: {listing['unit_name']}"
    )
    body = _begun_with(page, f"Kliar i ögonen {uuid.uuid4().hex[:6]}")
    assert "unit_id" not in body
    expect(page.locator("form.question")).to_be_visible()
    answer_questions(page, as_woman(EYE_ITCH))
    send_summary(page)
    case_id = page.url.rsplit("/", 1)[-1]
    assert _case_unit(stack, PERSONNUMMER[GRETA], case_id) == listing["unit_id"]
    problems.assert_none()


def test_let_nara_choose_names_the_childs_own_listed_health_centre(open_page: Any, stack: Any) -> None:
    """Greta is listed at Nässjö, her son Noah at Tenhult (the demo's simulated listing register): when the contact is
    for Noah, "Låt Nära välja" names his health centre, and the draft is begun for him without a unit."""
    page, _ = open_page("/citizen/#/ny-kontakt", session=citizen(GRETA))
    unit = page.get_by_label("Vårdcentral")
    expect(unit.locator("option").first).to_have_text("Låt Nära välja — din listade vårdcentral: Vårdcentralen Nässjö")
    expect(unit).to_have_value("nara")
    page.get_by_label("Noah Andersson", exact=False).check()
    expect(unit.locator("option").first).to_have_text(f"Låt Nära välja — din listade vårdcentral: {TENHULT}")
    expect(unit).to_have_value("nara")
    body = _begun_with(page, "Kliar i ögonen")
    assert "unit_id" not in body and body["for_child"]
