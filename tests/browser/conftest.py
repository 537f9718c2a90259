"""Browser tier: the real local stack, driven in Debian's Chromium (never a downloaded browser).

Fixtures: ``stack`` (the local stack, once per session), ``browser`` (one headless Chromium), and ``open_page``,
which opens a page in a fresh browser context (its own sessionStorage, so a citizen and a staff member can be
logged in side by side) and records console errors, page errors and failed requests on it.

``open_page(path, session=("citizen", personnummer, name))`` (or ``("staff", hsa_id, name)``) opens the page already
logged in: the session comes from a real strong login done over HTTP through the simulators (``stack.login``) and is
put in the tab's sessionStorage before the app starts. That is for tests about what comes after the login; the login
itself is tested through the pages (``test_login_in_chromium.py``, and the slice test).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.stack import RunningStack, start_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass
class PageProblems:
    """What went wrong on a page that a user or the console would show."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed_requests.append(f"{r.method} {r.url}: {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed_requests.append(f"{r.request.method} {r.url}: HTTP {r.status}"),
        )

    def assert_none(self) -> None:
        assert self == PageProblems(), f"problems on the page: {self}"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    # both demo regions, as `make run` starts them: the pages are Jönköping's (``stack``), the referral to another
    # region goes to Kalmar (``stack.region("kalmar")``)
    running = start_stack(tmp_path_factory.mktemp("browser-stack"), timeout=90, regions=("jonkoping", "kalmar"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver for the whole tier: the sync API allows only one per process at a time."""
    if not CHROMIUM.exists():
        # `make test` installs it (the `chromium` target); a browser tier that quietly skips would prove nothing
        pytest.fail(f"Debian's Chromium is not installed at {CHROMIUM}: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """Debian's Chromium, headless, with our flags (and any extra ones a test needs, such as fake media devices)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *extra_args])


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = launch_chromium(playwright)
    try:
        yield chromium
    finally:
        chromium.close()


OpenPage = Callable[..., tuple[Any, PageProblems]]


@pytest.fixture
def open_page(browser: Any, stack: RunningStack) -> Iterator[OpenPage]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    contexts: list[Any] = []

    def open_(
        path: str,
        *,
        width: int = 1200,
        height: int = 900,
        context: Any = None,
        session: tuple[str, str, str] | None = None,
    ) -> tuple[Any, PageProblems]:
        if context is None:
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="sv-SE", timezone_id="Europe/Stockholm"
            )
            contexts.append(context)
        return open_in(stack, context, path, session)

    yield open_
    for context in contexts:
        context.close()


def open_in(
    stack: RunningStack, context: Any, path: str, session: tuple[str, str, str] | None = None
) -> tuple[Any, PageProblems]:
    """A new page of ``context`` at ``path`` of the stack, watched for problems; with ``session`` it opens logged in."""
    if session is not None:
        kind, who, name = session
        key = json.dumps(f"nara.session.{kind}")
        data = json.dumps(json.dumps({"token": stack.login(kind, who), "name": name, "kind": kind}))
        context.add_init_script(
            f"if (location.pathname.startsWith('/{kind}/') && !sessionStorage.getItem({key})) "
            f"sessionStorage.setItem({key}, {data});"
        )
    page = context.new_page()
    problems = PageProblems()
    problems.watch(page)
    page.goto(stack.origin + path)
    return page, problems
