"""Phrase templates (frasmallar) in Chromium: a nurse manages her templates on the management page and inserts one
into a claimed case's chat from the keyboard alone, with the patient's first name filled in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from chalicelib.domain.model import Principal, PrincipalKind
from chalicelib.domain.templates import PhraseTemplate
from chalicelib.domain.templates import render as python_render
from tests.browser.helpers import (
    ANNA,
    GRETA,
    HSA_ID,
    HUSKVARNA,
    HUSKVARNA_ID,
    LENA,
    PERSONNUMMER,
    assert_no_axe_violations,
    check_both_languages,
    staff,
)

pytestmark = [pytest.mark.browser]

MANAGE = f"/staff/#/frasmallar/{HUSKVARNA_ID}"


def _api(stack: Any, who: str) -> httpx.Client:
    token = stack.login("staff", HSA_ID[who])
    return httpx.Client(base_url=f"{stack.origin}/api", headers={"Authorization": f"Bearer {token}"}, timeout=15)


def _claimed_case(stack: Any, reason: str) -> str:
    """Greta's case at Huskvarna, taken by Anna."""
    citizen_token = stack.login("citizen", PERSONNUMMER[GRETA])
    case_id = str(stack.send_case(citizen_token, unit_id=HUSKVARNA_ID, reason=reason)["case_id"])
    _api(stack, ANNA).post(f"/staff/cases/{case_id}/claim", json={}).raise_for_status()
    return case_id


def _only_expected(problems: Any, *statuses: int) -> None:
    unexpected = [r for r in problems.failed_requests if not any(f"HTTP {s}" in r for s in statuses)]
    console = [m for m in problems.console_errors if not any(f"status of {s}" in m for s in statuses)]
    assert (unexpected, console, problems.page_errors) == ([], [], [])


def test_a_nurse_makes_a_personal_template_and_inserts_it_in_a_chat_with_the_keyboard(
    open_page: Any, stack: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    title = f"Min hälsning {tag}"
    case_id = _claimed_case(stack, f"Halsont {tag}")
    page, problems = open_page(MANAGE, session=staff(ANNA))

    expect(page.get_by_role("heading", name="Frasmallar", level=1)).to_be_visible()
    unit_section = page.get_by_role("region", name="Enhetens frasmallar")
    expect(unit_section.get_by_role("heading", name="Hälsning", exact=True)).to_be_visible()
    expect(unit_section.get_by_role("heading", name="Ring oss", exact=True)).to_be_visible()
    help_box = page.get_by_role("region", name="Variabler")
    expect(help_box).to_contain_text("{förnamn}")
    expect(help_box).to_contain_text("Här: vardagar 08.00–10.00 och 13.00–15.00")  # {telefontid} at Huskvarna

    # an empty form, then an unknown variable: the errors are summarised, linked to their fields, in Swedish
    page.get_by_role("button", name="Ny frasmall").click()
    form = page.get_by_role("form", name="Ny frasmall")
    expect(form.get_by_role("heading", name="Ny frasmall")).to_be_focused()
    form.get_by_role("button", name="Spara frasmallen").click()
    summary = page.get_by_role("alert").filter(has_text="Frasmallen kunde inte sparas")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Ge mallen en rubrik så att den går att hitta.")
    expect(summary).to_contain_text("Skriv mallens text.")
    summary.get_by_role("link", name="Skriv mallens text.").click()
    expect(form.get_by_label("Text", exact=True)).to_be_focused()
    expect(form.get_by_label("Text", exact=True)).to_have_attribute("aria-invalid", "true")
    check_both_languages(page, "the phrase template form with its errors")

    form.get_by_label("Rubrik").fill(title)
    form.get_by_label("Text", exact=True).fill(f"Hej {{fornamn}}! Välkommen till {{enhet}}. ({tag})")
    form.get_by_role("button", name="Spara frasmallen").click()
    expect(summary).to_contain_text("Okänd variabel {fornamn}. De variabler som finns är: {förnamn}, {enhet}")

    text = form.get_by_label("Text", exact=True)
    text.fill("Hej ! Välkommen till {enhet}. " + f"({tag})")
    text.press("Home")
    for _ in range(4):
        text.press("ArrowRight")
    form.get_by_role("button", name="{förnamn}").click()  # inserted at the cursor
    expect(text).to_have_value(f"Hej {{förnamn}}! Välkommen till {{enhet}}. ({tag})")
    expect(form.locator(".template-preview-text")).to_have_text(f"Hej [förnamn]! Välkommen till {HUSKVARNA}. ({tag})")
    form.get_by_label("Taggar (valfritt)").fill("hälsning, början")
    expect(form.get_by_label("Bara jag (egen mall)")).to_be_checked()
    form.get_by_role("button", name="Spara frasmallen").click()

    saved = page.get_by_role("status").filter(has_text=f"Frasmallen ”{title}” är sparad.")
    expect(saved).to_be_focused()
    mine = page.get_by_role("region", name="Mina frasmallar")
    expect(mine.get_by_role("heading", name=title)).to_be_visible()
    expect(unit_section.get_by_role("heading", name=title)).to_have_count(0)

    # the search ignores case and accents
    page.get_by_label("Sök bland frasmallarna").fill(f"MIN HALSNING {tag}")
    expect(page.locator(".template-card h3")).to_have_text([title])
    expect(page.locator(".template-count")).to_have_text(f"1 frasmall matchar ”MIN HALSNING {tag}”")
    check_both_languages(page, "the phrase templates page")

    # in the claimed case's chat: "/" in the empty box opens the list; type, arrows, Enter — no mouse
    page.goto(f"{stack.origin}/staff/#/arenden/{case_id}")
    box = page.get_by_label("Skriv ett meddelande")
    expect(box).to_be_editable()
    expect(page.get_by_role("button", name="Frasmallar", exact=True)).to_be_visible()
    box.focus()
    page.keyboard.press("/")
    search = page.get_by_role("combobox", name="Sök frasmall")
    expect(search).to_be_focused()
    expect(page.get_by_role("option").first).to_be_visible()
    assert_no_axe_violations(page, "the case page with the phrase template list open")
    page.keyboard.type(tag)
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(title)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", options.first.get_attribute("id") or "?")
    page.keyboard.press("Enter")

    filled = f"Hej Greta! Välkommen till {HUSKVARNA}. ({tag})"
    expect(box).to_be_focused()
    expect(box).to_have_value(filled)  # the "/" that opened the list is replaced
    expect(search).to_be_hidden()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".msg-own .msg-text").filter(has_text=filled)).to_have_count(1)
    expect(box).to_have_value("")

    # Ctrl + Space opens it too; Escape closes it and gives the box its focus back, nothing inserted
    page.keyboard.type("Tack, ")
    page.keyboard.press("Control+Space")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")
    expect(search).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("Tack, ")
    problems.assert_none()


def test_editing_on_an_old_version_shows_the_colleagues_change_and_delete_asks_first(
    open_page: Any, stack: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    title = f"Återkommer {tag}"
    anna = _api(stack, ANNA)
    made = (
        anna.post(
            "/staff/templates",
            json={
                "template_id": uuid.uuid4().hex,
                "scope": "unit",
                "unit_id": HUSKVARNA_ID,
                "title": title,
                "text": "Jag återkommer strax, {förnamn}.",
                "language": "sv",
                "tags": [tag],
            },
        )
        .raise_for_status()
        .json()
    )
    page, problems = open_page(MANAGE, session=staff(ANNA))
    card = page.locator(".template-card", has=page.get_by_role("heading", name=title))
    expect(card).to_be_visible()

    card.get_by_role("button", name="Ändra").click()
    form = page.get_by_role("form", name="Ändra frasmallen")
    expect(form.get_by_label("Rubrik")).to_have_value(title)
    # meanwhile a colleague changes the unit's template
    lena = _api(stack, LENA)
    edit = {
        "version": made["version"],
        "title": title,
        "text": "Jag återkommer inom en timme, {förnamn}.",
        "language": "sv",
        "tags": [tag],
    }
    lena.put(f"/staff/templates/{made['template_id']}", json=edit).raise_for_status()

    form.get_by_label("Text", exact=True).fill("Jag hör av mig, {förnamn}.")
    form.get_by_role("button", name="Spara frasmallen").click()
    alert = page.get_by_role("alert").filter(has_text="Frasmallen kunde inte sparas")
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("Mallen har ändrats av Lena Holm sedan du öppnade den.")
    alert.get_by_role("button", name="Visa mallen som den är nu").click()
    form = page.get_by_role("form", name="Ändra frasmallen")
    expect(form.get_by_label("Text", exact=True)).to_have_value("Jag återkommer inom en timme, {förnamn}.")
    form.get_by_role("button", name="Avbryt").click()

    card.get_by_role("button", name="Ta bort").click()
    confirm = card.get_by_role("group")
    expect(confirm).to_contain_text(f"Vill du ta bort frasmallen ”{title}”?")
    expect(confirm.get_by_role("button", name="Ja, ta bort")).to_be_focused()
    confirm.get_by_role("button", name="Avbryt").click()
    expect(card.get_by_role("button", name="Ta bort")).to_be_focused()
    card.get_by_role("button", name="Ta bort").click()
    card.get_by_role("button", name="Ja, ta bort").click()
    expect(page.get_by_role("status").filter(has_text=f"Frasmallen ”{title}” är borttagen.")).to_be_focused()
    expect(page.get_by_role("heading", name=title)).to_have_count(0)
    _only_expected(problems, 409)


CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "Hej {förnamn}! Jag heter {mitt_namn} och är {yrkesroll} på {enhet}.",
        {"förnamn": "Greta", "mitt_namn": "Anna Lind", "yrkesroll": "sjuksköterska", "enhet": "VC Huskvarna"},
    ),
    ("Ring {telefon} {telefontid}.", {"telefon": "036-10 10 01", "telefontid": "  "}),
    ("Hej {förnamn}!", {}),
    ("{förnamn} {förnamn}", {"förnamn": "{enhet}", "enhet": "X"}),
    ("Dos: {1 tablett} {okänd} {} {{förnamn}}", {"förnamn": "Ali"}),
    ("{mitt_namn}\n{yrkesroll}", {"mitt_namn": None, "yrkesroll": "läkare"}),
]


def test_the_pages_render_and_search_match_the_servers(open_page: Any) -> None:
    page, problems = open_page(MANAGE, session=staff(ANNA))
    expect(page.get_by_role("heading", name="Frasmallar", level=1)).to_be_visible()
    rendered = page.evaluate(
        "async (cases) => { const m = await import('/staff/templates.js');"
        " return cases.map(([text, values]) => m.render(text, values)); }",
        CASES,
    )
    assert rendered == [python_render(text, values) for text, values in CASES]

    template = {"title": "Egenvård förkylning", "text": "Vila och drick mycket.", "tags": ["Feber"]}
    queries = ["FORKYLNING", "egenvard feber", "drick", "", "förkylning ont", "avslut"]
    found = page.evaluate(
        "async ([tpl, queries]) => { const m = await import('/staff/templates.js');"
        " return queries.map((q) => m.matches(tpl, q)); }",
        [template, queries],
    )
    anna = Principal("r", PrincipalKind.STAFF, "S1", "Anna", "siths", "loa3")
    stored = PhraseTemplate.new(
        template_id="tpl-00000001",
        tenant="r",
        scope="personal",
        owner="S1",
        title=template["title"],
        text=template["text"],
        language="sv",
        tags=template["tags"],
        by=anna,
        now=datetime.now(UTC),
    )
    assert found == [stored.matches(q) for q in queries] == [True, True, True, True, False, False]
    problems.assert_none()
