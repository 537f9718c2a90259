"""Both frontends in a real browser against the real local stack: what a citizen and a staff member would see."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM
from tests.browser.helpers import (
    ALI,
    ANNA,
    GRETA,
    HUSKVARNA,
    TOLVAN,
    log_in_with_bankid_here,
    log_in_with_siths,
)
from tests.browser.helpers import citizen as citizen_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's Chromium is not installed at {CHROMIUM}"),
]


def submit_case(page: Any, reason: str, description: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    page.get_by_label("Vårdcentral").select_option(label=HUSKVARNA)
    page.get_by_label("Sökorsak").fill(reason)
    page.get_by_label("Beskriv dina besvär").fill(description)
    page.get_by_role("button", name="Skicka ärendet").click()


def test_both_frontends_load_without_console_errors_or_failed_requests(open_page: Any) -> None:
    for path, choice in (("/citizen/", "BankID på den här enheten"), ("/staff/", "Logga in med SITHS-kort")):
        page, problems = open_page(path)
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        expect(page.get_by_role("button", name=choice).or_(page.get_by_role("link", name=choice))).to_be_visible()
        page.wait_for_load_state("networkidle")
        problems.assert_none()
        fetched = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
        assert "/api/auth/methods" in " ".join(fetched)
        assert [url for url in fetched if "/local/" in url] == []  # no demo login left


def test_emergency_notice_with_tel_112_link_is_visible_before_login(open_page: Any) -> None:
    page, _ = open_page("/citizen/")
    notice = page.locator(".emergency")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Vid livshotande tillstånd – ring 112")
    call = notice.get_by_role("link", name="ring 112")
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", "tel:112")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()  # nobody is logged in yet


def test_language_switch_turns_the_page_english_persists_and_switches_back(open_page: Any) -> None:
    page, problems = open_page("/citizen/")
    expect(page.get_by_role("heading", name="Kontakta din vårdcentral")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Contact your health centre")).to_be_visible()
    expect(page.locator(".emergency")).to_contain_text("In a life-threatening emergency – call 112")
    expect(page).to_have_title("Contact your health centre – Nära")

    page.reload()  # the choice is remembered
    expect(page.get_by_role("heading", name="Contact your health centre")).to_be_visible()
    staff, _ = open_page("/staff/", context=page.context)  # ... in the staff frontend too
    expect(staff.get_by_role("heading", name="Log in")).to_be_visible()
    staff.close()

    page.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", name="Kontakta din vårdcentral")).to_be_visible()
    expect(page.locator(".emergency")).to_contain_text("Vid livshotande tillstånd – ring 112")
    problems.assert_none()


def test_case_from_citizen_reaches_staff_queue_and_staff_reply_appears_live_for_citizen(open_page: Any) -> None:
    reason = f"Halsont {uuid.uuid4().hex[:8]}"
    citizen, citizen_problems = open_page("/citizen/")
    log_in_with_bankid_here(citizen, TOLVAN)
    expect(citizen.get_by_role("heading", name=f"Välkommen, {TOLVAN}")).to_be_visible()
    submit_case(citizen, reason, "Ont i halsen sedan tre dagar.\nFeber 38,2.")
    expect(citizen.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(citizen.get_by_text("Ditt ärende är skickat")).to_be_visible()
    expect(citizen.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    citizen.evaluate("window.stillTheSamePage = true")

    staff, staff_problems = open_page("/staff/")
    log_in_with_siths(staff, ANNA)
    expect(staff.get_by_role("heading", name="Patientkö")).to_be_visible()
    row = staff.locator("tbody tr", has_text=reason)
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text(re.compile(r"^P[1-5] \w"))  # colour *and* text
    row.get_by_role("link", name=reason).click()
    expect(staff.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(staff.locator(".details")).to_contain_text("Feber 38,2.")
    expect(staff.locator(".timeline")).to_contain_text("Ärendet skickades in")

    reply = f"Hej! Har du svårt att svälja? ({reason})"
    staff.get_by_label("Skriv ett meddelande").fill(reply)
    staff.get_by_role("button", name="Skicka", exact=True).click()
    expect(staff.locator(".msg-own")).to_contain_text(reply)

    expect(citizen.locator(".msg-other")).to_contain_text(reply)
    expect(citizen.locator(".msg-other .msg-sender")).to_have_text(ANNA)
    assert citizen.evaluate("window.stillTheSamePage") is True  # it arrived live, not by a reload

    citizen.get_by_label("Skriv ett meddelande").fill("Ja, lite grann.")
    citizen.get_by_role("button", name="Skicka", exact=True).click()
    expect(citizen.locator(".msg-own")).to_contain_text("Ja, lite grann.")
    expect(citizen.locator(".msg-pending")).to_have_count(0)

    citizen.get_by_role("button", name="Logga ut").click()
    expect(citizen.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(citizen.get_by_text(f"Inloggad som {TOLVAN}")).to_have_count(0)
    citizen_problems.assert_none()
    staff_problems.assert_none()


def test_message_pushed_while_the_connection_was_down_appears_after_reconnect(open_page: Any, stack: Any) -> None:
    reason = f"Ryggont {uuid.uuid4().hex[:8]}"
    page, problems = open_page("/citizen/", session=citizen_session(ALI))
    sockets: list[Any] = []

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        sockets.append(ws)
        if len(sockets) == 1:
            server.on_message(lambda message: None)  # the first connection loses every push

    page.route_web_socket(re.compile(r"/ws\b"), relay)
    submit_case(page, reason, "Ont i ländryggen.")
    expect(page.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    case_id = page.url.rsplit("/", 1)[-1]

    token = stack.login("staff", "SE2321000057-S001")
    text = f"Har du domningar i benen? ({reason})"
    posted = httpx.post(
        f"{stack.origin}/api/cases/{case_id}/messages",
        json={"text": text, "client_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 201
    sockets[0].close()  # the connection drops; the page reconnects and resyncs by seq

    expect(page.locator(".msg-other")).to_contain_text(text)
    expect(page.locator(".msg-other")).to_have_count(1)
    assert len(sockets) >= 2
    problems.assert_none()


def test_case_submit_whose_answer_was_lost_is_retried_with_same_key_and_creates_one_case(
    open_page: Any, stack: Any
) -> None:
    reason = f"Utslag {uuid.uuid4().hex[:8]}"
    page, _ = open_page("/citizen/", session=citizen_session(GRETA))
    keys: list[str] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server creates the case ...
            route.abort("connectionreset")  # ... but the answer never reaches the browser
        else:
            route.continue_()

    page.route(
        "**/api/citizen/cases",
        lambda route: lose_first_answer(route) if route.request.method == "POST" else route.continue_(),
    )
    submit_case(page, reason, "Kliar på armen.")
    expect(page.get_by_role("heading", name=reason, level=1)).to_be_visible()

    assert len(keys) == 2 and keys[0] == keys[1], keys
    token = stack.login("citizen", "199001012385")
    mine = httpx.get(f"{stack.origin}/api/citizen/cases", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["reason"] for c in mine["cases"]].count(reason) == 1


def test_new_contact_without_vardcentral_and_sokorsak_shows_errors_and_sends_nothing(open_page: Any) -> None:
    page, problems = open_page("/citizen/", session=citizen_session(ALI))
    page.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.get_by_role("button", name="Skicka ärendet").click()
    summary = page.get_by_role("alert").filter(has_text="Ärendet kunde inte skickas")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Välj en vårdcentral.")
    expect(summary).to_contain_text("Skriv din sökorsak.")
    expect(page.get_by_label("Sökorsak")).to_have_attribute("aria-invalid", "true")
    assert posts == []
    problems.assert_none()


def test_login_pages_offer_only_the_methods_the_region_has(open_page: Any, browser: Any) -> None:
    context = browser.new_context(locale="sv-SE")
    context.route("**/api/auth/methods", lambda route: route.fulfill(json={"citizen": ["freja"], "staff": []}))
    try:
        citizen, _ = open_page("/citizen/", context=context)
        expect(citizen.get_by_role("link", name="Freja eID+")).to_be_visible()
        expect(citizen.get_by_role("button", name=re.compile("BankID"))).to_have_count(0)
        expect(citizen.locator(".emergency a[href='tel:112']")).to_be_visible()
        staff, _ = open_page("/staff/", context=context)
        expect(staff.get_by_text("Det går inte att logga in här just nu.")).to_be_visible()
        expect(staff.get_by_role("link", name="Logga in med SITHS-kort")).to_have_count(0)
    finally:
        context.close()


def test_citizen_pages_fit_a_320_px_wide_screen(open_page: Any) -> None:
    page, _ = open_page("/citizen/", width=320, height=640)
    expect(page.get_by_role("button", name="BankID på den här enheten")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.get_by_role("button", name="BankID på en annan enhet (QR-kod)").click()
    qr = page.get_by_role("img", name="QR-kod för inloggning med BankID")
    expect(qr).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert qr.bounding_box()["width"] >= 200  # still large enough to scan
    page.get_by_role("button", name="Avbryt").click()
    page, _ = open_page("/citizen/#/ny-kontakt", width=320, height=640, session=citizen_session(TOLVAN))
    expect(page.get_by_label("Sökorsak")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_swedish_and_english_dictionaries_have_the_same_keys(open_page: Any) -> None:
    page, _ = open_page("/citizen/")
    missing = page.evaluate("""async () => {
        const { STRINGS } = await import("/shared/strings.js");
        const sv = Object.keys(STRINGS.sv), en = Object.keys(STRINGS.en);
        return { onlySv: sv.filter((k) => !en.includes(k)), onlyEn: en.filter((k) => !sv.includes(k)) };
    }""")
    assert missing == {"onlySv": [], "onlyEn": []}


def test_guardian_seeks_care_for_their_child_and_an_adult_without_children_is_not_asked(open_page: Any) -> None:
    reason = f"Feber {uuid.uuid4().hex[:8]}"
    page, problems = open_page("/citizen/", session=citizen_session(TOLVAN))
    page.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    who = page.get_by_label("Vem gäller det?")
    expect(who.locator("option")).to_have_text(["Mig själv", re.compile(r"^Lilly Tolvansson")])  # Elsa is 21
    lilly = who.locator("option", has_text="Lilly Tolvansson").get_attribute("value")
    who.select_option(value=lilly)
    page.get_by_label("Vårdcentral").select_option(label=HUSKVARNA)
    page.get_by_label("Sökorsak").fill(reason)
    page.get_by_role("button", name="Skicka ärendet").click()
    expect(page.get_by_role("heading", name=reason, level=1)).to_be_visible()
    problems.assert_none()

    other, _ = open_page("/citizen/", session=citizen_session(ALI))
    other.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    expect(other.get_by_label("Sökorsak")).to_be_visible()
    expect(other.get_by_label("Vem gäller det?")).to_have_count(0)
