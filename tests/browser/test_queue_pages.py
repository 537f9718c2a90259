"""The staff queue in pages (Chromium against a local stack of its own): 52 cases wait for a nurse at Vårdcentralen
Huskvarna, each made as a citizen makes one (the real triage API). The nurse's queue shows the 50 most urgent, the
total ("52 ärenden i kön", "Visar de 50 mest brådskande av 52", P5: 52) and "Visa fler" ("Show more" in English);
"Visa fler" shows the rest, moves keyboard focus to the first case it added and is gone when nothing more is left; a
live update (a colleague takes a case) and "Uppdatera kön" keep every page shown, and focus stays on its case. The
unit's coordinator sees a case past its deadline that stands beyond the first page at once, under "Eskalerade
ärenden", and in the table with its marker once she shows more. axe-core on the first page, in Swedish and English:
0 violations.

The stack is this module's own (the demo region alone): no other test's queue gets 52 more cases, and these counts
are exact. Making the cases is most of the module's time (about a minute on two cores): the local stack enters the app
one request at a time, and a case through the triage is 23 requests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_in
from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA_ID,
    LENA,
    PERSONNUMMER,
    TOLVAN,
    assert_no_axe_violations,
    staff,
    wait_until,
)
from tests.browser.test_staff_alerts import INGRID, _main_table
from tests.browser.test_staff_workspace import NO_QUEUE_POLLING, live
from tests.stack import RunningStack, start_stack

pytestmark = [pytest.mark.browser]

PAGE = 50  # chalicelib.services.cases.QUEUE_PAGE
CASES = PAGE + 2  # one more page, and one to spare for the case a colleague takes
QUEUE = f"/staff/#/ko/{HUSKVARNA_ID}"
ROWS = "table.queue tbody tr"
FOCUSED_CASE = "() => document.activeElement?.closest('tr[data-case-id]')?.dataset.caseId || null"


class Paged:
    def __init__(self, stack: RunningStack, cases: list[dict[str, Any]]) -> None:
        self.stack = stack
        self.cases = cases  # in the queue's order: most urgent first, then longest waiting

    @property
    def reasons(self) -> list[str]:
        return [c["reason"] for c in self.cases]


def _send(stack: RunningStack, token: str, reason: str) -> dict[str, Any]:
    """One case through the real triage API; a 429 is waited out (Retry-After) as the citizen's page would."""
    for _ in range(5):
        try:
            return stack.send_case(token, unit_id=HUSKVARNA_ID, reason=reason)
        except httpx.HTTPStatusError as e:
            if e.response.status_code != 429:
                raise
            time.sleep(float(e.response.headers.get("Retry-After") or 1))
    raise AssertionError(f"{reason}: still refused (429) after five tries")


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paged]:
    """The demo region in a stack of its own, with 52 P5 nurse cases in Huskvarna's queue (two citizens)."""
    running = start_stack(tmp_path_factory.mktemp("queue-pages"), timeout=90)
    try:
        tokens = [running.login("citizen", PERSONNUMMER[name]) for name in (TOLVAN, GRETA)]
        # the stack enters the app one request at a time: a few threads keep it busy, more would only wait
        with ThreadPoolExecutor(3) as pool:
            sent = list(pool.map(lambda i: _send(running, tokens[i % 2], f"Förkylning {i + 1:02d}"), range(CASES)))
        assert {(c["status"], c["priority"], c["profession"], c["unit_id"]) for c in sent} == {
            ("queued", "P5", "nurse", HUSKVARNA_ID)
        }
        # all P5: the queue orders them by the time they were sent (then by id)
        yield Paged(running, sorted(sent, key=lambda c: (c["submitted_at"], c["case_id"])))
    finally:
        running.stop()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[[], Any]]:
    """A fresh browser context (its own sessionStorage) for each person; all closed at the end."""
    expect.set_options(timeout=10_000)
    contexts: list[Any] = []

    def new() -> Any:
        contexts.append(
            browser.new_context(viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm")
        )
        return contexts[-1]

    yield new
    for context in contexts:
        context.close()


def shown_reasons(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(f"{ROWS} a.case-link").all_inner_texts()]


def test_the_queue_comes_in_pages_of_fifty_and_visa_fler_shows_the_rest(
    paged: Paged, new_context: Callable[[], Any]
) -> None:
    # one test, not two: under xdist's default distribution two tests of this module could each start the stack and
    # make the 52 cases, on a worker of their own
    nurse_shows_more_and_every_update_keeps_the_pages(paged, new_context())
    coordinator_sees_an_overdue_case_beyond_the_first_page_at_once(paged, new_context())


def nurse_shows_more_and_every_update_keeps_the_pages(paged: Paged, context: Any) -> None:
    stack, cases = paged.stack, paged.cases
    # the queue changes here only by pushes and by the nurse: its 10 s polling waits an hour on this page
    context.add_init_script(NO_QUEUE_POLLING)
    page, problems = open_in(stack, context, QUEUE, staff(ANNA))
    expect(page.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()

    # the first page: the 50 most urgent (the longest waiting of these P5s), in order, and the whole queue's count
    expect(page.locator(ROWS)).to_have_count(PAGE)
    assert shown_reasons(page) == paged.reasons[:PAGE]
    expect(page.locator("table.queue caption")).to_contain_text(f"{CASES} ärenden i kön")
    expect(page.locator("ul.counts li[data-priority='P5'] .count")).to_have_text(f": {CASES}")
    expect(page.locator(".queue-more")).to_contain_text(f"Visar de {PAGE} mest brådskande av {CASES}")
    more = page.get_by_role("button", name="Visa fler")
    expect(more).to_be_visible()
    assert_no_axe_violations(page, "the queue's first page with Visa fler (sv)")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Show more")).to_be_visible()
    expect(page.locator(".queue-more")).to_contain_text(f"Showing the {PAGE} most urgent of {CASES}")
    expect(page.locator("table.queue caption")).to_contain_text(f"{CASES} cases in the queue")
    assert_no_axe_violations(page, "the queue's first page with Show more (en)")
    page.get_by_role("button", name="Svenska").click()
    expect(more).to_be_visible()

    # "Visa fler" from the keyboard: the rest of the queue, focus on the first case it added, no "Visa fler" left
    live(page)  # (before the colleague's claim below, so that reaches this page as a push)
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator(ROWS)).to_have_count(CASES)
    assert shown_reasons(page) == paged.reasons
    expect(more).to_have_count(0)
    expect(page.locator(".queue-more")).to_have_count(0)
    first_added = cases[PAGE]
    assert wait_until(page, FOCUSED_CASE) == first_added["case_id"]
    assert page.evaluate("document.activeElement.textContent") == first_added["reason"]

    # Lena takes the first case: it leaves Anna's queue live; both pages stay shown and focus stays on its case
    lena = httpx.Client(
        base_url=f"{stack.origin}/api",
        headers={"Authorization": f"Bearer {stack.login('staff', HSA_ID[LENA])}"},
        timeout=15,
    )
    lena.post(f"/staff/cases/{cases[0]['case_id']}/claim", json={}).raise_for_status()
    expect(page.locator("table.queue caption")).to_contain_text(f"{CASES - 1} ärenden i kön")
    expect(page.locator(f"{ROWS}[data-case-id='{cases[0]['case_id']}']")).to_have_count(0)
    expect(page.locator(ROWS)).to_have_count(CASES - 1)  # 51: not the first 50 and "Visa fler" again
    assert shown_reasons(page) == paged.reasons[1:]
    expect(more).to_have_count(0)
    assert page.evaluate(FOCUSED_CASE) == first_added["case_id"]

    # "Uppdatera kön" fetches both pages again (the second through its cursor): nothing shown is taken away
    with page.expect_response(lambda r: "/api/staff/queue" in r.url and "cursor=" in r.url):
        page.get_by_role("button", name="Uppdatera kön").click()
    expect(page.locator(".queue-body")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(ROWS)).to_have_count(CASES - 1)
    assert shown_reasons(page) == paged.reasons[1:]
    expect(more).to_have_count(0)
    problems.assert_none()
    page.close()


def coordinator_sees_an_overdue_case_beyond_the_first_page_at_once(paged: Paged, context: Any) -> None:
    stack = paged.stack
    last = paged.cases[-1]  # the last in the queue: beyond its first page (51 wait, the nurse's colleague took one)
    # its deadline passed 20 minutes ago (set back in the table, as test_staff_alerts does: the case keeps its place)
    table = _main_table(stack)
    key = {"pk": f"T#jonkoping#CASE#{last['case_id']}", "sk": "CASE"}
    stored = table.get_item(Key=key, ConsistentRead=True)["Item"]
    triage, card = json.loads(stored["triage"]), json.loads(stored["queue_card"])
    triage["deadline"] = card["deadline"] = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    table.update_item(
        Key=key,
        UpdateExpression="SET triage = :t, queue_card = :c",
        ExpressionAttributeValues={":t": json.dumps(triage), ":c": json.dumps(card)},
    )

    page, problems = open_in(stack, context, QUEUE, INGRID)
    expect(page.get_by_role("heading", name="Patientkö", level=1)).to_be_visible()
    expect(page.locator(ROWS)).to_have_count(PAGE)
    expect(page.locator(f"{ROWS}[data-case-id='{last['case_id']}']")).to_have_count(0)
    section = page.locator("section.escalated")
    entry = section.locator(f"[data-case-id='{last['case_id']}']")
    expect(entry.get_by_role("link", name=last["reason"])).to_be_visible()
    expect(entry).to_contain_text("Försenat")
    expect(section.locator("[data-case-id]")).to_have_count(1)
    more = page.get_by_role("button", name="Visa fler")
    more.click()
    row = page.locator(f"{ROWS}[data-case-id='{last['case_id']}']")
    expect(row).to_contain_text("Eskalerad till samordnare")
    expect(more).to_have_count(0)
    expect(section.locator("[data-case-id]")).to_have_count(1)  # listed once, though both pages bring it now
    problems.assert_none()
