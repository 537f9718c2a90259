"""Remiss till annan region in Chromium: Anna at Huskvarna (Region Jönköpings län) refers the case of a patient who
now lives in Kalmar to Kalmar's vårdcentral, recording how the patient consented (without it the form says so, at
the field); Elin at Kalmar sees the referral from Jönköping with the SBAR note and the chat held there, and takes
it; Anna's case then closes as referred. axe-core: 0 violations, Swedish and English, on both pages."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_in
from tests.browser.helpers import ANNA, HUSKVARNA_ID, PERSONNUMMER, TOLVAN, check_both_languages, staff

pytestmark = [pytest.mark.browser]

ELIN = ("staff", "SE2321000081-S001", "Elin Karlsson")  # sjuksköterska at Vårdcentralen Kalmar (Region Kalmar län)


def _wait_for(check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("it did not happen in time")


def test_a_nurse_refers_a_case_to_another_region_with_consent_and_the_other_region_takes_it(
    open_page: Any, stack: Any, browser: Any
) -> None:
    citizen = stack.login("citizen", PERSONNUMMER[TOLVAN])
    case_id = str(stack.send_case(citizen, unit_id=HUSKVARNA_ID, reason="Hosta sedan flytten")["case_id"])
    anna_token = stack.login("staff", "SE2321000057-S001")
    headers = {"Authorization": f"Bearer {anna_token}", "Idempotency-Key": uuid.uuid4().hex}
    httpx.post(f"{stack.origin}/api/staff/cases/{case_id}/claim", headers=headers).raise_for_status()
    stack.post_message(citizen, case_id, "Jag bor i Kalmar nu, går det att få hjälp där?")

    page, problems = open_page(f"/staff/#/arenden/{case_id}", session=staff(ANNA))
    page.get_by_role("button", name="Remiss till annan region").click()
    form = page.get_by_role("form", name="Remiss till annan region")
    region = form.get_by_label("Till region")
    expect(region.locator("option", has_text="Region Kalmar län")).to_have_count(1)
    region.select_option(label="Region Kalmar län")
    form.get_by_label("Mottagande vårdenhet").select_option(label="Vårdcentralen Kalmar centrum")
    form.get_by_label("Yrkesgrupp där").select_option(label="Sjuksköterska")
    form.get_by_label("Patientens personnummer").fill(PERSONNUMMER[TOLVAN])
    form.get_by_label("Situation").fill("Hosta i tre veckor, bor sedan en månad i Kalmar.")
    form.get_by_label("Bakgrund").fill("Frisk sedan tidigare.")
    form.get_by_label("Bedömning").fill("Behöver undersökas på plats.")
    form.get_by_label("Rekommendation").fill("Besök hos sjuksköterska inom en vecka.")

    # without the patient's consent nothing is sent: the summary links to the consent
    form.get_by_role("button", name="Skicka remissen").click()
    summary = form.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ange hur patienten gav sitt samtycke")
    check_both_languages(page, "the referral to another region, with its errors")
    summary.get_by_role("link").click()
    expect(form.get_by_label("I chatten")).to_be_focused()

    form.get_by_label("I chatten").check()
    form.get_by_role("button", name="Skicka remissen").click()
    expect(page.locator(".notice-success")).to_contain_text("Remissen till Region Kalmar län är registrerad")
    expect(page.locator(".referrals")).to_contain_text("Till Vårdcentralen Kalmar centrum, Region Kalmar län")
    expect(page.locator(".referrals")).to_contain_text("registrerat av Anna Lind: I chatten")

    api = httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {anna_token}"}, timeout=15)

    def delivered() -> str | None:
        found = [r for r in api.get(f"/staff/cases/{case_id}").json()["referrals"] if r.get("kind") == "region"]
        return found[0].get("remote_case_id") if found and found[0]["state"] == "delivered" else None

    remote_id = _wait_for(delivered)
    # the delivery is pushed to Anna's open page: it says so without a reload
    expect(page.locator(".referrals")).to_contain_text("Hos den andra regionen, väntar på svar")

    # Kalmar: Elin sees where it comes from, the note and the chat held in Jönköping, and takes it
    kalmar = stack.region("kalmar")
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    try:
        there, there_problems = open_in(kalmar, context, f"/staff/#/arenden/{remote_id}", ELIN)
        lead = there.locator(".referral-notice")
        expect(lead).to_contain_text("Remiss från Vårdcentralen Huskvarna, Region Jönköpings län")
        expect(lead).to_contain_text("Anna Lind")
        history = there.locator(".region-history")
        expect(history).to_contain_text("Chatten i Region Jönköpings län")
        expect(history).to_contain_text("Jag bor i Kalmar nu, går det att få hjälp där?")
        expect(there.locator(".referrals")).to_contain_text("Hosta i tre veckor, bor sedan en månad i Kalmar.")
        check_both_languages(there, "a referral from another region")
        there.get_by_role("button", name="Ta emot remissen").click()
        expect(there.locator(".notice-success")).to_be_visible()
        there_problems.assert_none()
    finally:
        context.close()

    def closed() -> dict[str, Any] | None:
        case = api.get(f"/staff/cases/{case_id}").json()
        return case if case["status"] == "closed" else None

    assert _wait_for(closed)["close_outcome"] == "referred"
    # Kalmar's answer is pushed to Anna's open page: it shows the case closed without a reload
    expect(page.locator(".case-status")).to_have_text("Avslutat")
    problems.assert_none()
