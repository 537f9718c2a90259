"""Open booking in Chromium: a citizen whose triage ends in a video visit with a doctor (P4) books a time herself on
the case page, among the doctor's video times before the case's deadline, as the demo region allows (self_booking).
axe-core: 0 violations, sv and en."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import GRETA, HUSKVARNA_ID, PERSONNUMMER, check_both_languages, citizen

# A clinical test case of the tick-bite protocol: an expanding red ring weeks after a tick bite is a video visit
# with a doctor (P4). Every other question is answered "Nej".
TICK_RING = {
    "complaint": "insect_tick_bite",
    "sex": "female",
    "pregnant": "no",
    "self_rated_health": 75,
    "duration_days": 9,
    "what": "tick",
    "expanding_ring": "yes",
}


def triage_to_a_video_visit(stack: Any, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    api = httpx.Client(base_url=f"{stack.origin}/api", headers=headers, timeout=15)
    reason = f"Röd ring efter fästingbett {uuid.uuid4().hex[:6]}"
    draft = api.post("/citizen/triage", json={"unit_id": HUSKVARNA_ID, "reason": reason}).raise_for_status().json()
    while draft["step"] is not None:
        step = draft["step"]["id"]
        answer = {"step_id": step, "value": TICK_RING.get(step, "no")}
        draft = api.post(f"/citizen/triage/{draft['draft_id']}/answers", json=answer).raise_for_status().json()
    return dict(api.post(f"/citizen/triage/{draft['draft_id']}/submit", json={}).raise_for_status().json())


def test_after_a_triage_to_a_video_visit_the_citizen_books_a_time_herself(open_page: Any, stack: Any) -> None:
    case = triage_to_a_video_visit(stack, stack.login("citizen", PERSONNUMMER[GRETA]))
    assert (case["disposition"], case["priority"], case["profession"]) == ("video", "P4", "doctor")

    page, problems = open_page(f"/citizen/#/arenden/{case['case_id']}", session=citizen(GRETA))
    panel = page.get_by_role("region", name="Boka tid")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Välj en tid som passar dig")
    radios = panel.get_by_role("radio")
    expect(radios.first).to_be_visible()
    check_both_languages(page, "the open booking")

    # every time offered is a doctor's video time before the case's deadline
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    listed = (
        httpx.get(
            f"{stack.origin}/api/citizen/cases/{case['case_id']}/slots",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        .raise_for_status()
        .json()["slots"]
    )
    assert listed and {(s["form"], s["profession"]) for s in listed} == {("video", "doctor")}
    deadline = datetime.fromisoformat(case["triage"]["deadline"])
    assert all(datetime.fromisoformat(s["start"]) < deadline for s in listed)

    radios.first.check()
    panel.get_by_role("button", name="Boka vald tid").click()
    booked = page.get_by_role("region", name="Din bokade tid")
    expect(booked).to_be_visible()
    expect(page.get_by_text("Tiden är bokad.")).to_be_visible()
    expect(booked).to_contain_text("Videomöte")
    check_both_languages(page, "the booked video time")
    problems.assert_none()
