"""Staff alerts in Chromium against the local stack: a nurse on duty at Digitala vårdcentralen (open around the
clock, so the test holds at any hour) has her queue open; a P2 case for a nurse arrives through the real event
pipeline (table stream → SNS → the alerts queue → WebSocket) and appears at once as a banner with a sound, linked
to the case. A P5 case gives no alert, and with the sound turned off the banner still comes but silently. No
axe-core violations in Swedish or English."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, GRETA, PERSONNUMMER, check_both_languages, wait_until
from tests.browser.test_staff_workspace import send, send_triaged

pytestmark = [pytest.mark.browser]

DIGITAL_ID = "SE2321000057-VC00"  # open around the clock
MARIA = ("staff", "SE2321000057-S008", "Maria Lundqvist")  # sjuksköterska, Digitala vårdcentralen

# Counts the tones the page starts (Web Audio), so the test hears the beep without a sound card.
COUNT_TONES = """
(() => {
  window.__tones = 0;
  const Real = window.AudioContext;
  if (!Real) return;
  window.AudioContext = class extends Real {
    createOscillator() {
      const tone = super.createOscillator();
      const start = tone.start.bind(tone);
      tone.start = (...args) => { window.__tones += 1; return start(...args); };
      return tone;
    }
  };
})();
"""


def urgent_case(stack: Any, token: str, reason: str) -> str:
    """Breathing problems with a cold: P2, a nurse's chat."""
    return send_triaged(
        stack,
        token,
        unit_id=DIGITAL_ID,
        reason=reason,
        free_text="Hostar och blir andfådd.",
        expectations="",
        answers={"breathing": "yes"},
    )


def test_an_urgent_case_alerts_the_nurse_on_duty_at_once_with_a_sound_she_can_turn_off(
    browser: Any, open_page: Any, stack: Any
) -> None:
    t = uuid.uuid4().hex[:6]
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    context.add_init_script(COUNT_TONES)
    try:
        maria, problems = open_page(f"/staff/#/ko/{DIGITAL_ID}", context=context, session=MARIA)
        expect(maria.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()
        expect(maria.locator(".live-status").first).to_have_attribute("data-status", "open")
        sound = maria.get_by_label("Ljud vid larm")
        expect(sound).to_be_checked()
        maria.get_by_role("heading", name="Patientkö", level=1).click()  # she has used the page: sound may play

        ali, greta = (stack.login("citizen", PERSONNUMMER[name]) for name in (ALI, GRETA))
        mild_id = send(stack, greta, f"Förkyld {t}", DIGITAL_ID)  # a cold, contact anyway: P5, no alert
        first_id = urgent_case(stack, ali, f"Andfådd {t}")

        banner = maria.locator(f"[data-alert='new_case:{first_id}']")
        expect(banner).to_be_visible()
        expect(banner).to_have_attribute("role", "alert")
        expect(banner).to_contain_text("Nytt brådskande ärende i kön")
        expect(banner).to_contain_text("P2")
        expect(banner).to_contain_text("Sjuksköterska")
        expect(banner).not_to_contain_text(f"Andfådd {t}")  # an alert carries no health data
        expect(banner.get_by_role("link", name="Öppna ärendet")).to_have_attribute("href", f"#/arenden/{first_id}")
        wait_until(maria, "window.__tones >= 2")  # the two-tone beep
        expect(maria.locator(f"[data-alert='new_case:{mild_id}']")).to_have_count(0)
        check_both_languages(maria, "the queue page with an alert")

        # the sound off (remembered in this browser): the next alert is shown, silently
        sound.uncheck()
        tones = maria.evaluate("window.__tones")
        second_id = urgent_case(stack, ali, f"Andfådd igen {t}")
        second = maria.locator(f"[data-alert='new_case:{second_id}']")
        expect(second).to_be_visible()
        assert maria.evaluate("window.__tones") == tones
        assert maria.evaluate("localStorage.getItem('nara.staff.alertSound')") == "off"
        expect(maria.locator(f"[data-alert='new_case:{mild_id}']")).to_have_count(0)  # the P5 never alerted

        # "Stäng larmet" removes one banner; "Öppna ärendet" opens the case
        second.get_by_role("button", name="Stäng larmet").click()
        expect(second).to_have_count(0)
        banner.get_by_role("link", name="Öppna ärendet").click()
        expect(maria.get_by_role("heading", name=f"Andfådd {t}", level=1)).to_be_visible()
        problems.assert_none()
    finally:
        context.close()
