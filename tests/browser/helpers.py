"""What a person does in the browser to log in, through the local stack's simulators, and the axe-core checks."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

TOLVAN, GRETA, ALI = "Tolvan Tolvansson", "Greta Andersson", "Ali Hassan"
ANNA = "Anna Lind"  # sjuksköterska at Vårdcentralen Huskvarna
LENA = "Lena Holm"  # sjuksköterska (and barnmorska) at Vårdcentralen Huskvarna
HUSKVARNA = "Vårdcentralen Huskvarna"
HUSKVARNA_ID = "SE2321000057-VC01"
PERSONNUMMER = {TOLVAN: "191212121212", GRETA: "199001012385", ALI: "198505059876"}
HSA_ID = {ANNA: "SE2321000057-S001", LENA: "SE2321000057-S002"}


def citizen(name: str) -> tuple[str, str, str]:
    """``open_page(..., session=citizen(ALI))``: the page opens logged in (a real BankID login over HTTP)."""
    return ("citizen", PERSONNUMMER[name], name)


def staff(name: str) -> tuple[str, str, str]:
    """``open_page(..., session=staff(ANNA))``: the page opens logged in (a real SITHS login over HTTP)."""
    return ("staff", HSA_ID[name], name)


def approve_in_bankid_app(app: Any, name: str) -> None:
    """In the simulator's "BankID app" page: choose who you are, continue, approve."""
    app.get_by_label(name).check()
    app.get_by_role("button", name="Fortsätt").click()
    app.get_by_role("button", name="Godkänn").click()
    expect(app.get_by_role("heading", name=re.compile("^Klart"))).to_be_visible()


def log_in_with_bankid_here(page: Any, name: str) -> None:
    """BankID på den här enheten: the BankID app (the simulator's page) opens in a new tab through autostart."""
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="BankID på den här enheten").click()
    app = opened.value
    approve_in_bankid_app(app, name)
    app.close()
    expect(page.get_by_text(f"Inloggad som {name}")).to_be_visible()


def log_in_with_oidc(page: Any, link_name: str, person: str) -> None:
    """Freja eID+ or SITHS: a full navigation to the provider's page (the simulator), choose the person, log in."""
    page.get_by_role("link", name=link_name).click()
    page.get_by_label(person).check()
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text(f"Inloggad som {person}")).to_be_visible()


def log_in_with_siths(page: Any, person: str) -> None:
    log_in_with_oidc(page, "Logga in med SITHS-kort", person)


def wait_until(page: Any, expression: str, *, arg: Any = None, timeout: float = 10_000) -> Any:
    """Poll ``expression`` (a JavaScript function, given ``arg``, or an expression) until it is truthy; its value.

    Evaluated through the DevTools protocol on each poll: Playwright's ``wait_for_function`` evaluates its predicate
    with ``eval`` in the page, which the pages' Content-Security-Policy (no ``unsafe-eval``, as in AWS) refuses."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression) if arg is None else page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout / 1000:.0f} s: {expression}")
        time.sleep(0.1)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every rule axe runs by default: WCAG A/AA and best practice)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline script, as in
        # AWS) does not govern; a <script> tag would be refused, as it should be
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return list(
        page.evaluate("""async () => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
            }));
        }""")
    )


def assert_no_axe_violations(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core found problems on {where}: {violations}"


def check_both_languages(page: Any, where: str) -> None:
    """axe-core in Swedish, then in English (switched on the page), then back to Swedish."""
    html = page.locator("html")
    assert_no_axe_violations(page, f"{where} (sv)")
    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    assert_no_axe_violations(page, f"{where} (en)")
    page.get_by_role("button", name="Svenska").click()
    expect(html).to_have_attribute("lang", "sv")
