"""Video meetings (issue 7): a nurse starts a meeting from the case, the citizen joins from the case page, both
Chromium pages connect through the local stack (signalling over its WebSocket) with media flowing; an interpreter
link that has expired with its meeting is refused; axe-core finds nothing on the call in Swedish or English."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems, launch_chromium, open_in
from tests.browser.helpers import (
    ANNA,
    HSA_ID,
    HUSKVARNA_ID,
    PERSONNUMMER,
    TOLVAN,
    check_both_languages,
    wait_until,
)

pytestmark = [pytest.mark.browser]

# Chromium's fake camera and microphone, allowed without a prompt.
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# Remember every RTCPeerConnection the page makes, so the test can ask it for its statistics.
RECORD_PEER_CONNECTIONS = """(() => {
  const Real = window.RTCPeerConnection;
  if (!Real) return;
  window.__peerConnections = [];
  window.RTCPeerConnection = class extends Real {
    constructor(...args) { super(...args); window.__peerConnections.push(this); }
  };
})();"""
BYTES_RECEIVED = """async () => {
  let total = 0;
  for (const pc of window.__peerConnections || []) {
    (await pc.getStats()).forEach((r) => { if (r.type === "inbound-rtp") total += r.bytesReceived || 0; });
  }
  return total;
}"""


@pytest.fixture(scope="module")
def media_browser(playwright: Any) -> Iterator[Any]:
    """A second Chromium from the tier's one Playwright driver, with the fake camera and microphone."""
    chromium = launch_chromium(playwright, *MEDIA_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def open_media_page(media_browser: Any, stack: Any) -> Iterator[Any]:
    expect.set_options(timeout=20_000)
    contexts: list[Any] = []

    def open_(path: str, session: tuple[str, str, str] | None = None) -> tuple[Any, PageProblems]:
        context = media_browser.new_context(
            viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
        )
        contexts.append(context)
        context.add_init_script(RECORD_PEER_CONNECTIONS)
        return open_in(stack, context, path, session)

    yield open_
    for context in contexts:
        context.close()


def _media_flows(page: Any) -> None:
    wait_until(page, f"({BYTES_RECEIVED})().then((n) => n > 0)", timeout=20_000)
    assert page.evaluate(BYTES_RECEIVED) > 0


def test_nurse_and_citizen_hold_a_video_meeting_and_an_expired_interpreter_link_is_refused(
    open_media_page: Any, stack: Any
) -> None:
    token = stack.login("citizen", PERSONNUMMER[TOLVAN])
    case_id = str(stack.send_case(token, unit_id=HUSKVARNA_ID, reason="Videokontroll")["case_id"])

    citizen, citizen_problems = open_media_page(
        f"/citizen/#/arenden/{case_id}", ("citizen", PERSONNUMMER[TOLVAN], TOLVAN)
    )
    expect(citizen.get_by_role("heading", name="Videokontroll")).to_be_visible()
    nurse, nurse_problems = open_media_page(f"/staff/#/arenden/{case_id}", ("staff", HSA_ID[ANNA], ANNA))
    expect(nurse.get_by_role("heading", name="Videokontroll")).to_be_visible()

    nurse.get_by_role("button", name="Starta videomöte").click()
    nurse_call = nurse.locator(".video-call")
    expect(nurse_call).to_have_attribute("data-state", "waiting")

    # the citizen's case page shows the join prompt (pushed over the WebSocket)
    citizen.get_by_role("button", name="Anslut till videomötet").click()
    citizen_call = citizen.locator(".video-call")
    expect(citizen_call).to_have_attribute("data-state", "connected")
    expect(nurse_call).to_have_attribute("data-state", "connected")
    expect(citizen_call.get_by_role("status")).to_have_text("Ansluten.")
    _media_flows(citizen)
    _media_flows(nurse)

    # mute and camera off: the button then says how to turn it on again, and the track is off
    citizen.get_by_role("button", name="Stäng av mikrofonen").click()
    expect(citizen.get_by_role("button", name="Slå på mikrofonen")).to_be_focused()
    citizen.get_by_role("button", name="Stäng av kameran").click()
    expect(citizen.get_by_role("button", name="Slå på kameran")).to_be_visible()
    enabled = citizen.evaluate(
        "() => document.querySelector('.video-local').srcObject.getTracks().map((t) => t.kind + ':' + t.enabled)"
    )
    assert sorted(enabled) == ["audio:false", "video:false"]

    check_both_languages(citizen, "the citizen's video call")
    check_both_languages(nurse, "the nurse's video call")

    nurse.get_by_role("button", name="Bjud in tolk").click()
    link = nurse.get_by_label("Länk till tolken").input_value()
    assert "/shared/interpreter.html#" in link

    # the nurse hangs up: the meeting ends for everyone, and the interpreter link with it
    nurse.locator(".video-call").get_by_role("button", name="Lägg på").click()
    expect(nurse_call).to_have_attribute("data-state", "ended")
    expect(citizen_call).to_have_attribute("data-state", "ended")
    expect(citizen_call.get_by_role("status")).to_have_text("Videomötet är avslutat.")
    expect(nurse.get_by_role("button", name="Starta videomöte")).to_be_visible()

    interpreter, interpreter_problems = open_media_page(link.removeprefix(stack.origin))
    expect(interpreter.get_by_role("heading", name="Länken går inte att använda")).to_be_visible()
    expect(interpreter.get_by_role("alert")).to_contain_text("har redan använts, har gått ut")
    check_both_languages(interpreter, "the refused interpreter link")
    assert interpreter.evaluate("window.__peerConnections.length") == 0

    # the timeline shows the meeting's start and end to staff (written by the event consumer a moment later)
    headers = {"Authorization": f"Bearer {stack.login('staff', HSA_ID[ANNA])}"}
    # (the event pump delivers them within a second or two; allow half a minute on a busy machine)
    types: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        opened = httpx.get(f"{stack.origin}/api/staff/cases/{case_id}", headers=headers, timeout=15).json()
        types = [e["type"] for e in opened["timeline"] if e["type"].startswith("Video")]
        if types == ["VideoStarted", "VideoEnded"]:
            break
        nurse.wait_for_timeout(300)
    assert types == ["VideoStarted", "VideoEnded"], f"timeline after 30 s: {[e['type'] for e in opened['timeline']]}"

    citizen_problems.assert_none()
    nurse_problems.assert_none()
    # the refused link's one request answered 404 (and Chromium logs it); nothing else went wrong
    assert [r for r in interpreter_problems.failed_requests if "HTTP 404" not in r] == []
    assert interpreter_problems.page_errors == []
