"""Strong login in a real browser against the local stack and its simulators: BankID on another device (the
animated QR code, scanned by a second "device"), BankID on this device (autostart), Freja eID+ and SITHS eID, the
error returns, and accessibility (names, focus, live region, axe-core) of the login pages and the main pages."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ALI,
    ANNA,
    GRETA,
    HUSKVARNA,
    TOLVAN,
    assert_no_axe_violations,
    log_in_with_oidc,
    wait_until,
)
from tests.browser.helpers import citizen as citizen_session
from tests.browser.helpers import staff as staff_session
from tests.browser.journey import EYE_ITCH, answer_questions, fill_intake, open_new_contact, send_summary
from tests.browser.qr import read_svg

pytestmark = [
    pytest.mark.browser,
]

THIS_DEVICE = "BankID på den här enheten"
OTHER_DEVICE = "BankID på en annan enhet (QR-kod)"
QR_NAME = "QR-kod för inloggning med BankID"
RFA1 = "Starta BankID-appen."
RFA6 = "Åtgärden avbruten."
RFA9 = "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under."


def qr_markup(page: Any) -> str:
    return str(page.locator(".qr svg").evaluate("el => el.outerHTML"))


def next_qr_markup(page: Any, before: str, timeout: float = 2500) -> str:
    """Waits for the QR code on the page to change (it should every second) and returns the new drawing."""
    wait_until(
        page,
        "(before) => { const svg = document.querySelector('.qr svg'); return svg && svg.outerHTML !== before; }",
        arg=before,
        timeout=timeout,
    )
    return qr_markup(page)


def test_citizen_logs_in_with_bankid_on_another_device_by_scanning_the_animated_qr_code(
    open_page: Any, browser: Any, stack: Any
) -> None:
    page, problems = open_page("/citizen/")
    page.get_by_role("button", name=OTHER_DEVICE).click()
    expect(page.get_by_role("heading", name=OTHER_DEVICE)).to_be_focused()
    qr = page.get_by_role("img", name=QR_NAME)
    expect(qr).to_be_visible()
    expect(qr).to_have_accessible_description(re.compile("Öppna BankID-appen i din mobil eller surfplatta"))
    status = page.get_by_role("status")
    expect(status).to_have_text(RFA1)
    expect(status).to_have_attribute("aria-live", "polite")
    assert qr.bounding_box()["width"] >= 200  # large enough to scan from a screen

    first = read_svg(qr_markup(page))  # what a phone's camera reads
    current = read_svg(next_qr_markup(page, qr_markup(page)))
    prefix, token, seconds, _ = current.split(".")
    assert (prefix, token) == tuple(first.split(".")[:2]) and int(seconds) > int(first.split(".")[2])
    assert token not in page.content()  # the QR data is only in the picture, never in text

    phone = browser.new_context(locale="sv-SE").new_page()  # another device
    try:
        phone.goto(f"{stack.origin}/local/bankid/app?qr={quote(current)}")
        phone.get_by_label(GRETA).check()
        phone.get_by_role("button", name="Fortsätt").click()
        expect(status).to_have_text(RFA9)  # BankID's message follows the order live
        expect(qr).to_be_hidden()  # scanned: the code has done its job
        phone.get_by_role("button", name="Godkänn").click()
    finally:
        phone.context.close()
    expect(page.get_by_role("heading", name=f"Välkommen, {GRETA}")).to_be_visible()
    expect(page.get_by_text(f"Inloggad som {GRETA}")).to_be_visible()
    problems.assert_none()


def test_bankid_qr_code_is_cancelled_by_keyboard_and_when_leaving_the_page(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/citizen/")
    other = page.get_by_role("button", name=OTHER_DEVICE)
    qr = page.get_by_role("img", name=QR_NAME)
    qr_requests: list[float] = []
    page.on("request", lambda r: "/api/auth/bankid/qr" in r.url and qr_requests.append(time.monotonic()))

    def collect_status(login_id: str) -> int:
        return httpx.post(f"{stack.origin}/api/auth/bankid/collect", json={"login_id": login_id}).status_code

    # Start with the keyboard, watch the code change, Tab to Avbryt, cancel with Enter.
    other.focus()
    with page.expect_response("**/api/auth/bankid/start") as started:
        page.keyboard.press("Enter")
    login_id = started.value.json()["login_id"]
    expect(qr).to_be_visible()
    next_qr_markup(page, qr_markup(page))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Avbryt")).to_be_focused()
    with page.expect_response("**/api/auth/bankid/cancel"):
        page.keyboard.press("Enter")
    expect(qr).to_be_hidden()
    expect(other).to_be_focused()  # back where the user started
    assert collect_status(login_id) == 404  # the order is cancelled on the server
    stopped_at = time.monotonic()
    page.wait_for_timeout(1200)
    assert [t for t in qr_requests if t > stopped_at + 0.2] == []  # the QR timer is stopped

    # Leaving the page while the code is shown cancels it and stops the timers as well.
    with page.expect_response("**/api/auth/bankid/start") as started:
        other.click()
    login_id = started.value.json()["login_id"]
    expect(qr).to_be_visible()
    with page.expect_response("**/api/auth/bankid/cancel"):
        page.evaluate("location.hash = '#/arenden'")  # another page (it asks for a login too)
    expect(other).to_be_visible()
    assert collect_status(login_id) == 404
    stopped_at = time.monotonic()
    page.wait_for_timeout(1200)
    assert [t for t in qr_requests if t > stopped_at + 0.2] == []

    # A poll that was under way when the order was cancelled may get a 404; that is expected, and ignored.
    problems.failed_requests = [
        r for r in problems.failed_requests if not re.search(r"/bankid/(qr|collect): HTTP 404", r)
    ]
    problems.assert_none()


def test_citizen_logs_in_with_bankid_on_this_device(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/citizen/")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=THIS_DEVICE).click()
    app = opened.value  # the "BankID app", opened through the autostart link
    assert re.fullmatch(rf"{re.escape(stack.origin)}/local/bankid/app\?autostarttoken=[0-9a-f-]{{36}}", app.url)
    fallback = page.get_by_role("link", name="Öppna BankID-appen")  # in case the app did not open by itself
    expect(fallback).to_have_attribute("href", app.url.removeprefix(stack.origin))
    app.get_by_label(ALI).check()
    app.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("status")).to_have_text(RFA9)
    app.get_by_role("button", name="Godkänn").click()
    expect(page.get_by_role("heading", name=f"Välkommen, {ALI}")).to_be_visible()
    expect(page.get_by_text(f"Inloggad som {ALI}")).to_be_visible()
    problems.assert_none()


def test_failed_bankid_login_shows_bankids_message_in_both_languages_and_try_again_works(open_page: Any) -> None:
    page, problems = open_page("/citizen/")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=THIS_DEVICE).click()
    app = opened.value
    app.get_by_role("button", name="Avbryt").click()  # the user cancels in the BankID app
    status = page.get_by_role("status")
    expect(status).to_have_text(RFA6)
    retry = page.get_by_role("button", name="Försök igen")
    expect(retry).to_be_visible()
    expect(page.get_by_role("button", name="Avbryt")).to_have_count(0)

    page.get_by_role("button", name="English").click()
    expect(status).to_have_text("Action cancelled.")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    page.get_by_role("button", name="Svenska").click()

    first_app = app.url
    app.close()
    with page.context.expect_page() as opened:
        retry.click()  # a new order: the app opens again, with a new autostart token
    assert opened.value.url != first_app
    expect(opened.value.get_by_role("button", name="Fortsätt")).to_be_visible()
    expect(status).to_have_text(re.compile(r"^(Försöker starta BankID-appen\.|Söker efter BankID)"))  # RFA13, RFA15
    expect(page.get_by_role("button", name="Avbryt")).to_be_visible()
    problems.assert_none()


def test_without_the_local_app_page_bankid_on_this_device_launches_the_bankid_link(
    open_page: Any, browser: Any
) -> None:
    context = browser.new_context(locale="sv-SE")
    context.route(  # production's /config.js: no bankidAppUrl
        "**/config.js",
        lambda route: route.fulfill(
            content_type="application/javascript",
            body='window.NARA_CONFIG = {"apiBase": "/api", "wsUrl": "", "region": "Region Jönköpings län"};',
        ),
    )
    try:
        page, _ = open_page("/citizen/", context=context)
        launched: list[str] = []
        page.on("request", lambda r: r.url.startswith("bankid:") and launched.append(r.url))
        page.get_by_role("button", name=THIS_DEVICE).click()
        link = page.get_by_role("link", name="Öppna BankID-appen")
        expect(link).to_have_attribute("href", re.compile(r"^bankid:///\?autostarttoken=[0-9a-f-]{36}&redirect=null$"))
        for _ in range(20):  # the launch is a request the browser makes (and drops: no BankID app here)
            if launched:
                break
            page.wait_for_timeout(100)
        assert launched == [link.get_attribute("href")]
        assert len(context.pages) == 1  # no new tab: the app opens, this page stays
        expect(page.get_by_role("status")).to_have_text("Försöker starta BankID-appen.")
        with page.expect_response("**/api/auth/bankid/cancel"):
            page.get_by_role("button", name="Avbryt").click()
    finally:
        context.close()


def test_citizen_logs_in_with_freja_eid_plus_and_comes_back_to_the_page_asked_for(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/citizen/#/ny-kontakt")
    page.get_by_role("link", name="Freja eID+").click()
    expect(page.get_by_role("heading", name=re.compile(r"Logga in med Freja eID\+"))).to_be_visible()
    page.get_by_label(TOLVAN).check()
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ny kontakt", level=1)).to_be_visible()
    expect(page.get_by_text(f"Inloggad som {TOLVAN}")).to_be_visible()
    expect(page).to_have_url(f"{stack.origin}/citizen/#/ny-kontakt")  # the one-time code is gone from the URL
    problems.assert_none()


def test_cancelled_and_failed_logins_come_back_with_a_clear_message(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/citizen/")
    page.get_by_role("link", name="Freja eID+").click()
    page.get_by_role("button", name="Avbryt").click()  # on Freja's page
    expect(page.get_by_role("alert")).to_have_text("Du avbröt inloggningen. Du kan logga in igen när du vill.")
    expect(page).to_have_url(f"{stack.origin}/citizen/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("alert")).to_have_text("You cancelled the login. You can log in again whenever you like.")
    problems.assert_none()

    staff, _ = open_page("/staff/#login_error=not_registered")
    expect(staff.get_by_role("alert")).to_have_text(
        "Du är inte registrerad som vårdpersonal i Nära i den här regionen. Kontakta din enhets administratör."
    )
    expect(staff).to_have_url(f"{stack.origin}/staff/")
    for reason, text in (
        ("expired", "Inloggningen tog för lång tid och avbröts. Försök igen."),
        ("failed", "Inloggningen misslyckades. Försök igen om en stund."),
        ("something-else", "Inloggningen misslyckades. Försök igen om en stund."),
    ):
        staff.goto(f"{stack.origin}/staff/#login_error={reason}")
        staff.reload()
        expect(staff.get_by_role("alert")).to_have_text(text)
    staff.goto(f"{stack.origin}/staff/#login={uuid.uuid4().hex}")  # a used or made-up code
    staff.reload()
    expect(staff.get_by_role("alert")).to_have_text("Inloggningen kunde inte slutföras. Logga in igen.")
    expect(staff.get_by_role("link", name="Logga in med SITHS-kort")).to_be_visible()


def test_nurse_logs_in_with_siths_and_sees_her_units_queue(open_page: Any, stack: Any) -> None:
    page, problems = open_page("/staff/")
    page.get_by_role("link", name="Logga in med SITHS-kort").click()
    expect(page.get_by_role("heading", name=re.compile("Logga in med SITHS eID"))).to_be_visible()
    page.get_by_label(ANNA).check()
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()
    expect(page.locator(".page-head .kicker")).to_have_text(HUSKVARNA)
    expect(page).to_have_url(f"{stack.origin}/staff/#/ko/SE2321000057-VC01")
    expect(page.get_by_text(f"Inloggad som {ANNA}")).to_be_visible()
    problems.assert_none()


def test_login_pages_name_every_control_and_have_no_axe_violations(open_page: Any) -> None:
    page, problems = open_page("/citizen/")
    for name in (THIS_DEVICE, OTHER_DEVICE):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=THIS_DEVICE)).to_have_accessible_description(
        re.compile("BankID-appen finns i den mobil")
    )
    expect(page.get_by_role("link", name="Freja eID+", exact=True)).to_have_accessible_description(
        re.compile("Du skickas till Freja eID")
    )
    expect(page.get_by_role("link", name="ring 112")).to_be_visible()  # the emergency notice, before login
    expect(page.get_by_role("button", name="English")).to_be_visible()
    assert_no_axe_violations(page, "the citizen login page")

    page.get_by_role("button", name=OTHER_DEVICE).click()
    expect(page.get_by_role("img", name=QR_NAME)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(RFA1)
    expect(page.get_by_role("button", name="Avbryt")).to_be_visible()
    assert_no_axe_violations(page, "the BankID QR code view")
    page.get_by_role("button", name="Avbryt").click()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="BankID on this device")).to_be_visible()
    expect(page.get_by_role("button", name="BankID on another device (QR code)")).to_be_visible()
    assert_no_axe_violations(page, "the citizen login page in English")
    page.get_by_role("button", name="Svenska").click()
    problems.assert_none()

    staff, staff_problems = open_page("/staff/")
    expect(staff.get_by_role("heading", name="Logga in", level=1)).to_be_visible()
    expect(staff.get_by_role("link", name="Logga in med SITHS-kort")).to_have_accessible_description(
        re.compile("Sätt i ditt SITHS-kort")
    )
    assert_no_axe_violations(staff, "the staff login page")
    staff_problems.assert_none()


def test_main_pages_have_no_axe_violations(open_page: Any) -> None:
    reason = f"Kliar i ögonen {uuid.uuid4().hex[:8]}"
    citizen, _ = open_page("/citizen/", session=citizen_session(ALI))
    expect(citizen.get_by_role("heading", name=f"Välkommen, {ALI}")).to_be_visible()
    assert_no_axe_violations(citizen, "the citizen's start page")
    open_new_contact(citizen)
    citizen.get_by_role("button", name="Fortsätt").click()  # nothing filled in: the error summary
    expect(citizen.get_by_role("alert").filter(has_text="Det gick inte att gå vidare")).to_be_visible()
    assert_no_axe_violations(citizen, "Ny kontakt with errors")
    fill_intake(citizen, reason)
    citizen.get_by_role("button", name="Fortsätt").click()
    expect(citizen.locator("form.question")).to_be_visible()
    answer_questions(citizen, EYE_ITCH)  # every question and outcome page: test_citizen_accessibility.py
    send_summary(citizen)
    expect(citizen.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    assert_no_axe_violations(citizen, "the citizen's case with chat")
    citizen.get_by_role("navigation").get_by_role("link", name="Mina ärenden").click()
    expect(citizen.get_by_role("link", name=reason)).to_be_visible()
    assert_no_axe_violations(citizen, "Mina ärenden")

    staff, _ = open_page("/staff/", session=staff_session(ANNA))
    expect(staff.locator("tbody tr", has_text=reason)).to_have_count(1)
    assert_no_axe_violations(staff, "Patientkö")
    staff.get_by_role("link", name=reason).click()
    expect(staff.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    assert_no_axe_violations(staff, "the staff case view")


def test_doctor_at_two_units_logs_in_with_siths_and_chooses_a_unit(open_page: Any) -> None:
    page, problems = open_page("/staff/")
    log_in_with_oidc(page, "Logga in med SITHS-kort", "Erik Berg")  # läkare at Huskvarna and Tenhult
    expect(page.get_by_role("heading", name="Välj enhet")).to_be_visible()
    assert_no_axe_violations(page, "Välj enhet")
    problems.assert_none()
