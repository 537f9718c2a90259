"""A closed case in Mina ärenden: listed among the closed ones, its conversation readable, no way to write more."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import GRETA, PERSONNUMMER, citizen


def test_a_closed_case_shows_its_conversation_read_only(open_page: Any, stack: Any) -> None:
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    reason = f"Ryggont sedan en vecka {uuid.uuid4().hex[:6]}"
    case = stack.send_case(token, unit_id="SE2321000057-VC01", reason=reason)
    nurse = stack.login("staff", "SE2321000057-S001")
    stack.post_message(nurse, case["case_id"], "Vi ses på mottagningen i morgon. Hej så länge!")

    # staff take and close the case (issue 6), as the staff workspace does
    for action, body in (("claim", {}), ("close", {"outcome": "advice_given", "summary": "Ryggont, råd givet."})):
        httpx.post(
            f"{stack.origin}/api/staff/cases/{case['case_id']}/{action}",
            json=body,
            headers={"Authorization": f"Bearer {nurse}"},
            timeout=15,
        ).raise_for_status()

    page, problems = open_page("/citizen/#/arenden", session=citizen(GRETA))
    closed = page.locator("section", has=page.get_by_role("heading", name="Avslutade och hänvisade"))
    closed.get_by_role("link", name=reason).click()
    expect(page.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(page.get_by_text("Vi ses på mottagningen i morgon. Hej så länge!")).to_be_visible()
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)
    expect(page.get_by_role("button", name="Skicka", exact=True)).to_have_count(0)
    expect(page.get_by_text("Ärendet är avslutat", exact=False)).to_be_visible()
    problems.assert_none()
