"""Both frontends in a real browser against the real local stack: what a citizen and a staff member would see."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from infrastructure.tenant_config import of_tenant
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
from tests.browser.journey import EYE_ITCH, answer_questions, open_new_contact, send_summary, start_contact

pytestmark = [
    pytest.mark.browser,
]


def submit_case(page: Any, reason: str, description: str, answers: dict[str, Any] = EYE_ITCH) -> None:
    """Ny kontakt, the questions of a case that joins the nurses' queue (P4, whatever the hour), and Skicka."""
    start_contact(page, reason, description)
    answer_questions(page, answers)
    send_summary(page)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_both_frontends_wear_the_regions_colours_from_its_configuration_file(open_page: Any) -> None:
    branding = of_tenant("jonkoping").branding
    for path in ("/citizen/", "/staff/"):
        page, problems = open_page(path)
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        expect(page.locator(".button").first).to_have_css("background-color", _rgb(branding.accent))
        expect(page.locator(".site-header")).to_have_css("border-top-color", _rgb(branding.primary))
        problems.assert_none()


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

    page.wait_for_load_state("networkidle")  # a reload would cut short what the page is still fetching
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
    reason = f"Kliar i ögonen {uuid.uuid4().hex[:8]}"
    citizen, citizen_problems = open_page("/citizen/")
    log_in_with_bankid_here(citizen, ALI)
    expect(citizen.get_by_role("heading", name=f"Välkommen, {ALI}")).to_be_visible()
    submit_case(citizen, reason, "Kliar och rinner sedan tio dagar.\nInget annat.")
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
    expect(staff.locator(".details")).to_contain_text("Inget annat.")
    expect(staff.locator(".timeline")).to_contain_text("Ärendet skickades in")

    reply = f"Hej! Har du provat ögondroppar? ({reason})"
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
    expect(citizen.get_by_text(f"Inloggad som {ALI}")).to_have_count(0)
    citizen_problems.assert_none()
    staff_problems.assert_none()


def test_message_pushed_while_the_connection_was_down_appears_after_reconnect(open_page: Any, stack: Any) -> None:
    reason = f"Ögonen {uuid.uuid4().hex[:8]}"
    page, problems = open_page("/citizen/", session=citizen_session(ALI))
    sockets: list[Any] = []

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        sockets.append(ws)
        if len(sockets) == 1:
            server.on_message(lambda message: None)  # the first connection loses every push

    page.route_web_socket(re.compile(r"/ws\b"), relay)
    submit_case(page, reason, "Kliar i ögonen.")
    expect(page.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    case_id = page.url.rsplit("/", 1)[-1]

    token = stack.login("staff", "SE2321000057-S001")
    text = f"Svider det i ögonen? ({reason})"
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


def test_new_contact_whose_answer_was_lost_is_retried_with_same_key_and_starts_one_draft(
    open_page: Any, stack: Any
) -> None:
    reason = f"Utslag {uuid.uuid4().hex[:8]}"
    page, _ = open_page("/citizen/", session=citizen_session(GRETA))
    keys: list[str] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 1:
            route.fetch()  # the server begins the draft ...
            route.abort("connectionreset")  # ... but the answer never reaches the browser
        else:
            route.continue_()

    page.route(
        "**/api/citizen/triage",
        lambda route: lose_first_answer(route) if route.request.method == "POST" else route.continue_(),
    )
    start_contact(page, reason, "Kliar på armen.")

    assert len(keys) == 2 and keys[0] == keys[1], keys
    token = stack.login("citizen", "199001012385")
    mine = httpx.get(f"{stack.origin}/api/citizen/triage", headers={"Authorization": f"Bearer {token}"}).json()
    assert [d["reason"] for d in mine["drafts"]].count(reason) == 1


def test_new_contact_without_vardcentral_and_sokorsak_shows_errors_and_sends_nothing(open_page: Any) -> None:
    page, problems = open_page("/citizen/", session=citizen_session(ALI))
    open_new_contact(page)
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.get_by_label("Mobilnummer för sms").fill("08-123 45 67")  # a landline gets no text messages
    page.get_by_label("E-postadress").fill("tolvan.exempel.se")
    page.get_by_role("button", name="Fortsätt").click()
    summary = page.get_by_role("alert").filter(has_text="Det gick inte att gå vidare")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Välj en vårdcentral.")
    expect(summary).to_contain_text("Skriv din sökorsak.")
    expect(summary).to_contain_text("Skriv ett svenskt mobilnummer")
    expect(summary).to_contain_text("Skriv en e-postadress")
    expect(page.get_by_label("Sökorsak")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("mobilnummer")).click()  # the summary links to the field
    expect(page.get_by_label("Mobilnummer för sms")).to_be_focused()
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
    for module in ("/shared/strings.js", "/citizen/strings.js", "/citizen/statement.js"):
        missing = page.evaluate(
            """async (module) => {
            const { STRINGS } = await import(module);
            const sv = Object.keys(STRINGS.sv), en = Object.keys(STRINGS.en);
            return { onlySv: sv.filter((k) => !en.includes(k)), onlyEn: en.filter((k) => !sv.includes(k)) };
        }""",
            module,
        )
        assert missing == {"onlySv": [], "onlyEn": []}, module


def test_guardian_seeks_care_for_their_child_and_an_adult_without_children_is_not_asked(
    open_page: Any, stack: Any
) -> None:
    reason = f"Feber {uuid.uuid4().hex[:8]}"
    page, problems = open_page("/citizen/", session=citizen_session(TOLVAN))
    open_new_contact(page)
    who = page.get_by_role("group", name="Vem gäller det?")
    expect(who.get_by_role("radio")).to_have_count(2)  # Elsa is 21
    expect(who.get_by_role("radio", name="Mig själv")).to_be_checked()
    who.get_by_role("radio", name=re.compile("^Lilly Tolvansson")).check()
    page.get_by_label("Vårdcentral").select_option(label=HUSKVARNA)
    page.get_by_label("Sökorsak").fill(reason)
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator("form.question")).to_be_visible()
    token = stack.login("citizen", "191212121212")
    drafts = httpx.get(f"{stack.origin}/api/citizen/triage", headers={"Authorization": f"Bearer {token}"}).json()
    mine = [d for d in drafts["drafts"] if d["reason"] == reason]
    assert len(mine) == 1 and mine[0]["for_child"], mine
    problems.assert_none()

    other, _ = open_page("/citizen/", session=citizen_session(ALI))
    open_new_contact(other)
    expect(other.get_by_label("Sökorsak")).to_be_visible()
    expect(other.get_by_role("group", name="Vem gäller det?")).to_have_count(0)
