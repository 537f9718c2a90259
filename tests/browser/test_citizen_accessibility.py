"""Accessibility and weight of the citizen's pages: axe-core (0 violations) on every page of the journey in Swedish
and English, no horizontal scrolling at 360 px and at 200 % zoom, and the start page's transfer size."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ALI, GRETA, TOLVAN, check_both_languages, citizen
from tests.browser.journey import (
    CHEST_PAIN,
    COLD,
    DEFAULT_NO,
    ERRAND,
    KNOCKED_OUT_TOOTH,
    URINARY_RECURRENT,
    URINARY_RETENTION,
    current_step,
    give_answer,
    send_summary,
    start_contact,
)

pytestmark = [
    pytest.mark.browser,
]

START_PAGE_BUDGET = 100 * 1024  # bytes, issue 5


def walk(page: Any, answers: dict[str, Any], on_screen: Any, *, until: str | None = None) -> None:
    """Answers the questions; ``on_screen(step)`` runs first on every screen."""
    for _ in range(60):
        step = current_step(page)
        if step is None or step["id"] == until:
            return
        on_screen(step)
        assert step["id"] in answers or step["section"] in DEFAULT_NO, f"no answer for the question {step}"
        give_answer(page, step, answers.get(step["id"], "no"))
        expect(page.locator(f"form.question[data-step-id='{step['id']}']")).to_have_count(0)
    raise AssertionError("the triage did not end")


def test_start_page_and_accessibility_statement_before_login(open_page: Any) -> None:
    page, problems = open_page("/citizen/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    check_both_languages(page, "the start page")
    page.get_by_role("contentinfo").get_by_role("link", name="Tillgänglighetsredogörelse").click()
    expect(page.get_by_role("heading", name="Tillgänglighetsredogörelse för Nära", level=1)).to_be_visible()
    for heading in (
        "Hur tillgänglig är tjänsten?",
        "Innehåll som inte är tillgängligt",
        "Tillsyn",
        "Hur vi testat tjänsten",
        "Rapportera brister i tjänstens tillgänglighet",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("WCAG 2.1 nivå AA").first).to_be_visible()
    expect(page.get_by_role("link", name="Anmäl brister i digital tillgänglighet till DIGG")).to_have_attribute(
        "href", "https://www.digg.se/tdosanmalan"
    )
    check_both_languages(page, "the accessibility statement")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Accessibility statement for Nära", level=1)).to_be_visible()
    page.get_by_role("button", name="Svenska").click()
    problems.assert_none()


def test_every_screen_of_a_journey_to_the_queue_has_no_axe_violations(open_page: Any) -> None:
    page, problems = open_page("/citizen/", session=citizen(GRETA))
    expect(page.get_by_role("heading", name=f"Välkommen, {GRETA}")).to_be_visible()
    check_both_languages(page, "the home page")

    page.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    page.get_by_role("button", name="Fortsätt").click()  # nothing filled in: the error summary
    expect(page.locator(".error-summary")).to_be_visible()
    check_both_languages(page, "the intake with errors")

    start_contact(page, f"Sveda {uuid.uuid4().hex[:6]}", "Tredje gången i år.", sms="0701234567")
    seen: set[str] = set()

    def check(step: dict[str, str]) -> None:
        key = step["id"] if step["id"] in ("self_rated_health", "complaint") else step["kind"]
        if key in seen:
            return
        seen.add(key)
        if key == "complaint":
            page.get_by_label("Sök bland besvär").fill("urin")
            expect(page.locator(".suggestion").first).to_be_visible()
        check_both_languages(page, f"the question {step['id']} ({step['kind']})")

    walk(page, URINARY_RECURRENT, check)
    assert {"single_choice", "self_rated_health", "yes_no", "complaint", "number", "multiple_choice"} <= seen, seen
    expect(page.get_by_role("heading", name="Det här skickas till vårdcentralen")).to_be_visible()
    check_both_languages(page, "the summary before sending")
    send_summary(page)
    expect(page.get_by_role("heading", name="Du står i kö")).to_be_visible()
    expect(page.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")
    check_both_languages(page, "the waiting room and chat")
    page.get_by_role("navigation").get_by_role("link", name="Mina ärenden").click()
    expect(page.get_by_role("heading", name="Pågående")).to_be_visible()
    check_both_languages(page, "my cases")
    problems.assert_none()


@pytest.mark.parametrize(
    ("who", "answers", "heading", "until"),
    [
        (TOLVAN, CHEST_PAIN, "Ring 112 nu", None),
        (GRETA, URINARY_RETENTION, "Åk till en akutmottagning nu", None),
        (ALI, KNOCKED_OUT_TOOTH, "Ring 1177", None),
        (ALI, COLD, "Råd om egenvård", None),
        (ALI, ERRAND, "Beskriv kort ditt ärende.", "description"),  # the free-text question
    ],
    ids=["emergency-112", "emergency-department", "call-1177", "self-care", "free-text-question"],
)
def test_every_outcome_page_has_no_axe_violations(
    open_page: Any, who: str, answers: dict[str, Any], heading: str, until: str | None
) -> None:
    page, problems = open_page("/citizen/", session=citizen(who))
    start_contact(page, f"Besvär {uuid.uuid4().hex[:6]}")
    walk(page, answers, lambda step: None, until=until)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")  # the article or the list of emergency departments is in
    check_both_languages(page, heading)
    if answers is COLD:
        page.get_by_role("button", name="Jag vill ändå ha kontakt").click()
        expect(page.get_by_role("heading", name="Du står i kö")).to_be_visible()
        check_both_languages(page, "the waiting room after self-care")
    problems.assert_none()


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(360, 740, 1), (640, 450, 2)],
    ids=["360px", "200-percent-zoom"],  # 640 CSS px at scale 2 is a 1280 x 900 window zoomed to 200 %
)
def test_journey_pages_need_no_horizontal_scrolling(
    browser: Any, stack: Any, width: int, height: int, scale: int
) -> None:
    from tests.browser.helpers import PERSONNUMMER

    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale, locale="sv-SE"
    )
    token = stack.login("citizen", PERSONNUMMER[GRETA])
    data = json.dumps(json.dumps({"token": token, "name": GRETA, "kind": "citizen"}))
    context.add_init_script(
        f"if (!sessionStorage.getItem('nara.session.citizen')) sessionStorage.setItem('nara.session.citizen', {data});"
    )
    try:
        page = context.new_page()
        page.goto(stack.origin + "/citizen/#/tillganglighet")
        expect(page.get_by_role("heading", level=1)).to_be_visible()

        def fits(where: str) -> None:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{where}: {scroll} px wide in a {width} px window"

        fits("the accessibility statement")
        start_contact(page, f"Sveda {uuid.uuid4().hex[:6]}", "Tredje gången i år.", sms="0701234567")
        fits("the first question")
        walk(page, URINARY_RECURRENT, lambda step: fits(f"the question {step['id']}"))
        fits("the summary")
        send_summary(page)
        expect(page.get_by_role("heading", name="Du står i kö")).to_be_visible()
        fits("the waiting room and chat")
        page.get_by_role("navigation").get_by_role("link", name="Mina ärenden").click()
        expect(page.get_by_role("heading", name="Pågående")).to_be_visible()
        fits("my cases")
        start_contact(page, f"Ont i bröstet {uuid.uuid4().hex[:6]}")
        walk(page, {**CHEST_PAIN, "sex": "female", "pregnant": "no"}, lambda step: None)
        expect(page.get_by_role("heading", name="Ring 112 nu")).to_be_visible()
        fits("the 112 page")
    finally:
        context.close()


def test_the_start_page_transfers_at_most_100_kb(browser: Any, stack: Any) -> None:
    context = browser.new_context()  # nothing cached
    try:
        page = context.new_page()
        finished: list[Any] = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(stack.origin + "/citizen/")
        expect(page.get_by_role("button", name="BankID på den här enheten")).to_be_visible()
        page.wait_for_load_state("networkidle")
        total = sum(request.sizes()["responseBodySize"] for request in finished)
        assert total <= START_PAGE_BUDGET, f"the start page transferred {total} bytes"
        print(f"start page: {total} bytes in {len(finished)} responses")
    finally:
        context.close()
