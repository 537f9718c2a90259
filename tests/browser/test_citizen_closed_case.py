"""A closed case in Mina ärenden: listed among the closed ones, its conversation readable, no way to write more."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import GRETA, PERSONNUMMER, citizen


def test_a_closed_case_shows_its_conversation_read_only(open_page: Any, stack: Any) -> None:
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    case = stack.send_case(token, unit_id="SE2321000057-VC01", reason="Ryggont sedan en vecka")
    nurse = stack.login("staff", "SE2321000057-S001")
    stack.post_message(nurse, case["case_id"], "Vi ses på mottagningen i morgon. Hej så länge!")

    page, problems = open_page("/citizen/", session=citizen(GRETA))

    # Staff close a case with the staff workspace (issue 6). Until that exists the server cannot be asked to,
    # so the browser sees the case as the server will then describe it: status "closed".
    def as_closed(route: Any) -> None:
        response = route.fetch()
        body = json.loads(response.text())
        if isinstance(body, dict) and body.get("case_id") == case["case_id"]:
            body["status"] = "closed"
        elif isinstance(body, dict) and "cases" in body:
            for listed in body["cases"]:
                if listed["case_id"] == case["case_id"]:
                    listed["status"] = "closed"
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/citizen/cases**", as_closed)
    page.goto(f"{stack.origin}/citizen/#/arenden")
    closed = page.locator("section", has=page.get_by_role("heading", name="Avslutade och hänvisade"))
    closed.get_by_role("link", name="Ryggont sedan en vecka").click()
    expect(page.get_by_role("heading", name="Ryggont sedan en vecka", level=1)).to_be_visible()
    expect(page.get_by_text("Vi ses på mottagningen i morgon. Hej så länge!")).to_be_visible()
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)
    expect(page.get_by_role("button", name="Skicka", exact=True)).to_have_count(0)
    expect(page.get_by_text("Ärendet är avslutat", exact=False)).to_be_visible()
    problems.assert_none()
