"""Staff alerts in Chromium against the local stack: a nurse on duty at Digitala vårdcentralen (open around the
clock, so the test holds at any hour) has her queue open; a P2 case for a nurse arrives through the real event
pipeline (table stream → SNS → the alerts queue → WebSocket) and appears at once as a banner with a sound, linked
to the case. A P5 case gives no alert, and with the sound turned off the banner still comes but silently. A case left
unclaimed past its deadline is escalated to the unit's coordinator: one who was not logged in at that minute finds
it listed first ("Eskalerade ärenden") when she opens the queue later. No axe-core violations in Swedish or
English."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from playwright.sync_api import expect

from infrastructure.local.embedded_aws import CREDENTIALS, REGION
from tests.browser.helpers import ALI, GRETA, HUSKVARNA_ID, PERSONNUMMER, check_both_languages, wait_until
from tests.browser.test_staff_workspace import send, send_triaged

pytestmark = [pytest.mark.browser]

DIGITAL_ID = "SE2321000057-VC00"  # open around the clock
MARIA = ("staff", "SE2321000057-S008", "Maria Lundqvist")  # sjuksköterska, Digitala vårdcentralen
INGRID = ("staff", "SE2321000057-S010", "Ingrid Wallin")  # sjuksköterska and the coordinator at Huskvarna

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


def _main_table(stack: Any) -> Any:
    """The demo region's main table in its embedded AWS (the endpoint as the stack printed it)."""
    found = re.search(
        r"Nära is running \(Region Jönköpings län\).*?Embedded AWS:\s+(\S+)", stack.log_path.read_text(), re.S
    )
    assert found, "the stack did not print its embedded AWS"
    dynamodb = boto3.resource("dynamodb", region_name=REGION, endpoint_url=found.group(1), **CREDENTIALS)
    return dynamodb.Table("nara-jonkoping-main")


def test_a_coordinator_who_was_offline_at_the_escalation_sees_the_case_first_when_she_opens_the_queue(
    open_page: Any, stack: Any
) -> None:
    t = uuid.uuid4().hex[:6]
    reason = f"Yrsel {t}"
    case_id = str(
        stack.send_case(stack.login("citizen", PERSONNUMMER[ALI]), unit_id=HUSKVARNA_ID, reason=reason)["case_id"]
    )
    # Nobody takes it and its deadline passes: the clock is moved for this one case by setting its deadline back (as
    # the triage would have set it 20 minutes ago). The schedule escalates it within the minute (the API tier shows
    # that); what she sees does not wait for it: the queue flags every case past its deadline and unclaimed.
    # The queue shows the deadline the case item's queue card carries (written with the case), so both are set.
    table = _main_table(stack)
    key = {"pk": f"T#jonkoping#CASE#{case_id}", "sk": "CASE"}
    stored = table.get_item(Key=key, ConsistentRead=True)["Item"]
    triage, card = json.loads(stored["triage"]), json.loads(stored["queue_card"])
    triage["deadline"] = card["deadline"] = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    table.update_item(
        Key=key,
        UpdateExpression="SET triage = :t, queue_card = :c",
        ExpressionAttributeValues={":t": json.dumps(triage), ":c": json.dumps(card)},
    )

    # Ingrid was not logged in then (no banner reached her); she logs in afterwards and opens Huskvarna's queue
    ingrid, problems = open_page(f"/staff/#/ko/{HUSKVARNA_ID}", session=INGRID)
    expect(ingrid.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()
    section = ingrid.locator("section.escalated")
    expect(section.get_by_role("heading", name="Eskalerade ärenden", level=2)).to_be_visible()
    entry = section.locator(f"[data-case-id='{case_id}']")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("P5")
    expect(entry).to_contain_text("Sjuksköterska")
    expect(entry).to_contain_text(re.compile(r"Försenat 2\d min"))
    expect(entry.get_by_role("link", name=reason)).to_have_attribute("href", f"#/arenden/{case_id}")
    expect(entry.get_by_role("button", name="Ta ärende")).to_be_visible()  # she is a nurse there too
    # the queue below marks the row; the filter offers the unit's professions, never her role as coordinator
    row = ingrid.locator(f"table.queue tr[data-case-id='{case_id}']")
    expect(row).to_contain_text("Eskalerad till samordnare")
    options = ingrid.locator("#queue-filter option").all_inner_texts()
    assert "Läkare" in options and "Sjuksköterska" in options and "Samordnare" not in options, options
    check_both_languages(ingrid, "the coordinator's queue with an escalated case")

    entry.get_by_role("link", name=reason).click()
    expect(ingrid.get_by_role("heading", name=reason, level=1)).to_be_visible()
    problems.assert_none()
