"""The region's logo and languages reach the pages. Both headers (citizen and staff) show the logo of the region's
configuration file, small, with the region's name as its text alternative, served by the stack at /branding/<file>
(nothing else is). A region that offers only Swedish (its own stack, from a copy of the demo region's file with
``languages: [sv]``) shows no language switch and never English, even to a browser that chose English before.
axe-core: 0 violations."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from infrastructure.tenant_config import REGIONS_DIR
from tests.browser.conftest import open_in
from tests.browser.helpers import assert_no_axe_violations
from tests.stack import RunningStack, start_stack

pytestmark = [pytest.mark.browser]

REGION = "Region Jönköpings län"
LOGO_LOADED = "(img) => img.complete && img.naturalWidth > 0"


def test_both_headers_show_the_regions_logo_with_its_name_as_alternative_text(open_page: Any, stack: Any) -> None:
    for path in ("/citizen/", "/staff/"):
        page, problems = open_page(path)
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        logo = page.locator(".site-header").get_by_role("img", name=REGION)
        expect(logo).to_be_visible()
        expect(logo).to_have_attribute("src", "/branding/jonkoping-logo.svg")
        assert logo.evaluate(LOGO_LOADED), "the logo did not load"
        height = logo.evaluate("(img) => img.getBoundingClientRect().height")
        assert 16 <= height <= 64, f"the logo is {height}px high: small, in the header"
        assert_no_axe_violations(page, f"{path} with the region's logo")
        problems.assert_none()
    served = httpx.get(f"{stack.origin}/branding/jonkoping-logo.svg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
    assert served.content == (REGIONS_DIR / "jonkoping-logo.svg").read_bytes()
    assert "default-src 'self'" in served.headers["content-security-policy"]
    # only the region's logo is served there: not its configuration file, nor the other region's logo
    for other in ("jonkoping.yaml", "kalmar-logo.svg", "..%2Fjonkoping.yaml"):
        assert httpx.get(f"{stack.origin}/branding/{other}").status_code == 404, other


@pytest.fixture(scope="module")
def swedish_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Region Jönköpings län as a region that offers only Swedish, in a stack of its own."""
    folder = tmp_path_factory.mktemp("swedish-only")
    raw = yaml.safe_load((REGIONS_DIR / "jonkoping.yaml").read_text(encoding="utf-8"))
    raw["languages"] = ["sv"]
    shutil.copy(REGIONS_DIR / raw["branding"]["logo"], folder / raw["branding"]["logo"])
    path = folder / "jonkoping.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    running = start_stack(folder, timeout=90, regions=(str(path),))
    try:
        yield running
    finally:
        running.stop()


def test_a_region_with_only_swedish_shows_no_language_switch_and_never_english(
    browser: Any, swedish_only: RunningStack
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    try:
        # this browser chose English before (in a region that offered it): here it is not offered
        context.add_init_script("localStorage.setItem('nara.lang', 'en');")
        for path, swedish in (("/citizen/", "Vid livshotande tillstånd – ring 112"), ("/staff/", "Vårdpersonal")):
            page, problems = open_in(swedish_only, context, path)
            expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
            expect(page.locator("html")).to_have_attribute("lang", "sv")
            expect(page.locator("#lang-switch")).to_have_count(0)
            expect(page.get_by_role("button", name="English")).to_have_count(0)
            expect(page.locator("body")).to_contain_text(swedish)
            expect(page.locator(".site-header").get_by_role("img", name=REGION)).to_be_visible()
            assert_no_axe_violations(page, f"{path} of a region with only Swedish")
            problems.assert_none()
            page.close()
    finally:
        context.close()


def test_the_language_switch_offers_the_regions_languages_and_the_first_is_the_default(open_page: Any) -> None:
    """The demo region offers [sv, en]: Swedish first, whatever the browser's own language; the switch names English."""
    page, problems = open_page("/citizen/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    switch = page.locator("#lang-switch")
    expect(switch).to_have_text("English")
    expect(switch).to_have_attribute("lang", "en")
    config = page.evaluate("window.NARA_CONFIG.languages")
    assert config == ["sv", "en"]
    problems.assert_none()
