"""Staff taking and finishing cases (issue 6): Ta ärende, the live queue of two nurses, the chat, Avsluta ärende,
Lägg tillbaka i kön and Lämna över till kollega — and the citizen following the case live."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA_ID,
    LENA,
    PERSONNUMMER,
    TOLVAN,
    check_both_languages,
    citizen,
    staff,
)

pytestmark = [
    pytest.mark.browser,
]

QUEUE = f"/staff/#/ko/{HUSKVARNA_ID}"

# The queue's 10 s polling is the fallback; on a page with this script it waits an hour instead, so whatever
# changes there within a test arrived over the WebSocket.
NO_QUEUE_POLLING = """(() => {
  const real = window.setInterval;
  window.setInterval = (fn, ms, ...rest) => real(fn, ms === 10000 ? 3600000 : ms, ...rest);
})();"""


@pytest.fixture
def no_polling_context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
    )
    context.add_init_script(NO_QUEUE_POLLING)
    try:
        yield context
    finally:
        context.close()


def send(stack: Any, who: str, reason: str) -> str:
    token = stack.login("citizen", PERSONNUMMER[who])
    return str(stack.send_case(token, unit_id=HUSKVARNA_ID, reason=reason)["case_id"])


def claim_api(stack: Any, token: str, case_id: str) -> httpx.Response:
    return httpx.post(
        f"{stack.origin}/api/staff/cases/{case_id}/claim",
        json={},
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )


def row(page: Any, reason: str) -> Any:
    return page.locator("tbody tr", has_text=reason)


def live_queue(page: Any) -> None:
    expect(page.get_by_role("heading", name="Patientkö")).to_be_visible()
    expect(page.locator(".live-status")).to_have_text("Kön uppdateras direkt")


def only_expected_failures(problems: Any, *statuses: int) -> None:
    """The page's problems, apart from the answers the test provoked (and Chromium's console line for each)."""
    unexpected = [r for r in problems.failed_requests if not any(f"HTTP {s}" in r for s in statuses)]
    console = [m for m in problems.console_errors if not any(f"status of {s}" in m for s in statuses)]
    assert (unexpected, console, problems.page_errors) == ([], [], [])


def test_two_nurses_claim_chat_close_and_release_live(open_page: Any, stack: Any, no_polling_context: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = f"Halsont {tag}", f"Hosta {tag}"
    case1 = send(stack, GRETA, first)
    send(stack, TOLVAN, second)

    anna, anna_problems = open_page(QUEUE, session=staff(ANNA))
    lena, lena_problems = open_page(QUEUE, context=no_polling_context, session=staff(LENA))
    for page in (anna, lena):
        live_queue(page)
        expect(row(page, first)).to_have_count(1)
        expect(row(page, second)).to_have_count(1)
    counts = anna.locator(".counts")
    expect(counts.locator("li")).to_have_count(5)  # P1–P5, each with its number
    expect(counts.locator("[data-priority='P5']")).to_contain_text(re.compile(r"P5 Avvakta: \d+"))
    check_both_languages(anna, "the queue")
    lena.evaluate("window.stillTheSamePage = true")

    patient, patient_problems = open_page(f"/citizen/#/arenden/{case1}", session=citizen(GRETA))
    expect(patient.get_by_role("heading", name="Du står i kö")).to_be_visible()
    expect(patient.locator(".live-status")).to_have_text("Nya meddelanden visas direkt")

    # Anna takes case 1: she lands on it, and it leaves Lena's queue without a reload
    row(anna, first).get_by_role("button", name="Ta ärende").click()
    expect(anna.get_by_role("heading", name=first, level=1)).to_be_visible()
    expect(anna.locator(".holder")).to_contain_text(f"Du ({HSA_ID[ANNA]})")
    expect(anna.locator(".case-status")).to_have_text("Påbörjat")
    expect(row(lena, first)).to_have_count(0)
    expect(row(lena, second)).to_have_count(1)
    assert lena.evaluate("window.stillTheSamePage") is True
    # ... and the patient's waiting room says so, live
    expect(patient.get_by_role("heading", name="Vårdpersonal har tagit ditt ärende")).to_be_visible()
    expect(patient.locator(".case-status")).to_have_text("Vårdpersonal arbetar med ärendet")

    # Lena is too late: the server says who won, in Swedish
    too_late = claim_api(stack, stack.login("staff", HSA_ID[LENA]), case1)
    assert too_late.status_code == 409
    assert too_late.json()["error"]["message_sv"] == "Ärendet har redan tagits av en kollega."

    # the chat: Anna writes, the patient reads it live
    reply = f"Hej! Hur länge har du haft ont? ({tag})"
    anna.get_by_label("Skriv ett meddelande").fill(reply)
    anna.get_by_role("button", name="Skicka", exact=True).click()
    expect(patient.locator(".msg-other")).to_contain_text(reply)

    # Avsluta ärende: nothing chosen → the errors, summarised and linked; axe with them shown
    anna.get_by_role("button", name="Avsluta ärende", exact=True).click()
    summary = anna.get_by_role("alert").filter(has_text="Ärendet kunde inte avslutas")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Välj hur ärendet avslutas.")
    expect(summary).to_contain_text("Skriv en sammanfattning för journalen.")
    expect(anna.get_by_label("Sammanfattning för journalen")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name="Skriv en sammanfattning för journalen.").click()
    expect(anna.get_by_label("Sammanfattning för journalen")).to_be_focused()
    check_both_languages(anna, "the case page with the close form's errors")

    note = f"Halsont sedan två dagar, feberfri. Råd om egenvård och att höra av sig vid försämring. ({tag})"
    anna.get_by_role("radio", name="Råd givet").check()
    anna.get_by_label("Sammanfattning för journalen").fill(note)
    anna.get_by_role("button", name="Avsluta ärende", exact=True).click()
    expect(anna.locator(".handling-messages")).to_have_text("Ärendet är avslutat.")
    closed = anna.locator(".closed-details")
    expect(closed).to_contain_text("Råd givet")
    expect(closed.locator(".close-summary")).to_have_text(note)
    expect(anna.locator(".case-status")).to_have_text("Avslutat")
    expect(anna.get_by_label("Skriv ett meddelande")).to_have_count(0)  # the chat is read-only now
    expect(anna.locator(".msg-own")).to_contain_text(reply)

    # the patient's page turns to the closed case: the conversation readable, nothing to write in
    expect(patient.get_by_text("Vårdpersonalen har avslutat ditt ärende.")).to_be_visible()
    expect(patient.locator(".case-status")).to_have_text("Avslutat")
    expect(patient.get_by_text("Ärendet är avslutat. Du kan läsa meddelandena")).to_be_visible()
    expect(patient.get_by_label("Skriv ett meddelande")).to_have_count(0)
    expect(patient.locator(".msg-other")).to_contain_text(reply)

    # case 2: Anna takes it and puts it back; it leaves Lena's queue and comes back, live
    anna.get_by_role("link", name="Tillbaka till kön").click()
    row(anna, second).get_by_role("button", name="Ta ärende").click()
    expect(anna.get_by_role("heading", name=second, level=1)).to_be_visible()
    expect(row(lena, second)).to_have_count(0)
    anna.get_by_role("button", name="Lägg tillbaka i kön").click()
    expect(anna.locator(".handling-messages")).to_have_text("Ärendet ligger i kön igen.")
    expect(anna.locator(".holder, dd", has_text="Ingen – ärendet står i kön")).to_have_count(1)
    expect(anna.get_by_role("button", name="Ta ärende")).to_be_visible()
    expect(row(lena, second)).to_have_count(1)
    expect(row(lena, second).get_by_role("button", name="Ta ärende")).to_be_enabled()
    assert lena.evaluate("window.stillTheSamePage") is True

    anna_problems.assert_none()
    lena_problems.assert_none()
    patient_problems.assert_none()


def test_a_stale_row_tells_the_nurse_a_colleague_took_the_case(
    open_page: Any, stack: Any, no_polling_context: Any
) -> None:
    reason = f"Yrsel {uuid.uuid4().hex[:8]}"
    case_id = send(stack, GRETA, reason)
    # this page neither hears pushes nor gets a fresh queue: the row stays, as on a slow connection. The routes are
    # set before the page opens (a reload behind them could cut off the page's own requests in flight).
    no_polling_context.route_web_socket(re.compile(r"/ws\b"), lambda ws: None)
    frozen = {"on": True, "body": None}

    def queue(route: Any) -> None:
        if frozen["on"] and frozen["body"] is not None:
            route.fulfill(status=200, content_type="application/json", body=frozen["body"])
            return
        response = route.fetch()
        frozen["body"] = response.text()
        route.fulfill(response=response)

    no_polling_context.route("**/api/staff/queue**", queue)
    lena, problems = open_page(QUEUE, context=no_polling_context, session=staff(LENA))
    expect(row(lena, reason)).to_have_count(1)

    assert claim_api(stack, stack.login("staff", HSA_ID[ANNA]), case_id).status_code == 200
    row(lena, reason).get_by_role("button", name="Ta ärende").click()
    alert = lena.get_by_role("alert").filter(has_text="Ärendet har redan tagits av en kollega.")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(alert).to_contain_text(reason)
    expect(lena.get_by_role("heading", name="Patientkö")).to_be_visible()  # still on the queue
    check_both_languages(lena, "the queue with a lost claim")

    frozen["on"] = False
    lena.get_by_role("button", name="Uppdatera kön").click()
    expect(row(lena, reason)).to_have_count(0)
    only_expected_failures(problems, 409)


def test_hand_over_to_a_colleague_checks_the_hsa_id_at_the_field(open_page: Any, stack: Any) -> None:
    reason = f"Ont i örat {uuid.uuid4().hex[:8]}"
    case_id = send(stack, TOLVAN, reason)
    anna, problems = open_page(QUEUE, session=staff(ANNA))
    row(anna, reason).get_by_role("button", name="Ta ärende").click()
    expect(anna.get_by_role("heading", name=reason, level=1)).to_be_visible()

    field = anna.get_by_label("Kollegans HSA-id")
    hand_over = anna.get_by_role("button", name="Lämna över", exact=True)
    hand_over.click()
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(anna.locator(".field-error", has_text="Skriv kollegans HSA-id.")).to_be_visible()

    field.fill("SE2321000057-S003")  # Erik Berg: a doctor, not a nurse
    hand_over.click()
    error = anna.locator(".field-error", has_text="Ärendet kan bara lämnas över till en kollega med samma yrkesroll")
    expect(error).to_be_visible()
    expect(field).to_be_focused()
    assert error.get_attribute("id") in (field.get_attribute("aria-describedby") or "")
    check_both_languages(anna, "the case page with a hand-over error")

    field.fill(HSA_ID[LENA])
    hand_over.click()
    expect(anna.locator(".handling-messages")).to_have_text(f"Ärendet är överlämnat till {HSA_ID[LENA]}.")
    expect(anna.locator(".holder")).to_contain_text(f"En kollega ({HSA_ID[LENA]})")
    expect(anna.get_by_role("button", name="Avsluta ärende", exact=True)).to_have_count(0)

    lena, lena_problems = open_page(f"/staff/#/arenden/{case_id}", session=staff(LENA))
    expect(lena.get_by_role("heading", name=reason, level=1)).to_be_visible()
    expect(lena.locator(".holder")).to_contain_text(HSA_ID[LENA])
    expect(lena.locator(".holder")).to_contain_text(f"överlämnat av {HSA_ID[ANNA]}")
    expect(lena.get_by_role("button", name="Avsluta ärende", exact=True)).to_be_visible()
    only_expected_failures(problems, 422)
    lena_problems.assert_none()
