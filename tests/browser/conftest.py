"""Browser tests: Playwright's sync API drives Debian's Chromium against pytest-django's live_server.

Each test gets a phone-sized page (390x844, touch, zh-CN). Console errors, uncaught page
errors and Content-Security-Policy violations are collected; any of them fails the test.
A screenshot of a failing test is saved under var/test-screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test's thread; Django would take every ORM
# call made meanwhile for one made from async code and refuse it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page

from tests.campaigns.fixtures import routed, telemarketing  # noqa: F401
from tests.territories.fixtures import owned_tree, tree  # noqa: F401

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = settings.BASE_DIR / "var" / "test-screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class BrowserPage:
    """A Playwright page bound to the live server, with what went wrong in it."""

    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    @contextmanager
    def refused(self, status: int) -> Iterator[None]:
        """Around an action the server refuses on purpose (a 4xx carrying a message for the user):
        Chromium logs the refused request as a console error, which here is expected, not a problem."""
        text = f"Failed to load resource: the server responded with a status of {status} "
        with self.page.expect_console_message(lambda message: message.text.startswith(text)):
            yield
        self.problems.remove(next(problem for problem in self.problems if problem.startswith(text)))


@pytest.fixture(autouse=True)
def _seeded_lists(seeded_reference_lists):
    """The reference lists the migrations seed (tests/conftest.py)."""


def _open_page(chromium, live_server, browser_page: BrowserPage | None = None, **options) -> BrowserPage:
    """A new browser context (its own cookies, storage and service worker) with one page, whose problems
    go to browser_page's list when one is given."""
    context = chromium.new_context(locale="zh-CN", timezone_id=settings.TIME_ZONE, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if browser_page is None:
        browser_page = BrowserPage(page=page, base_url=live_server.url)
    browser_page.page = page
    problems = browser_page.problems
    context.expose_function("__reportCspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    return browser_page


@pytest.fixture
def browser_page(request, chromium, live_server) -> Iterator[BrowserPage]:
    browser_page = _open_page(chromium, live_server, **PHONE)

    yield browser_page

    page = browser_page.page
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    if failed or browser_page.problems:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.context.close()
    if browser_page.problems and not failed:
        pytest.fail("the browser reported problems:\n" + "\n".join(browser_page.problems), pytrace=False)


@pytest.fixture
def login_as(browser_page, people, chromium, live_server) -> Callable[[str], BrowserPage]:
    """login_as(username): sign in through the login form, as a person would.

    A second person signs in on a phone of their own: the first one's context is closed and browser_page.page
    is a page of a new context (take `browser.page` again). Clearing the cookies of one context was not enough:
    the first person's page and service worker could still have a request under way whose answer set the old
    CSRF cookie again after the login page had set a new one, and the sign-in was refused (seen in CI)."""
    signed_in = []

    def login(username: str, password: str = settings.CRM["DEMO_PASSWORD"]) -> BrowserPage:
        if signed_in:
            viewport = browser_page.page.viewport_size
            browser_page.page.context.close()
            _open_page(chromium, live_server, browser_page, **{**PHONE, "viewport": viewport})
        browser_page.goto("/login/")
        browser_page.page.fill("#id_username", username)
        browser_page.page.fill("#id_password", password)
        with browser_page.page.expect_navigation():
            browser_page.page.click("button[type=submit]")
        signed_in.append(username)
        return browser_page

    return login


# A small phone with touch, for the journeys that ask the browser for its position (nearby, far check-ins).
SMALL_PHONE = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def phone(chromium, live_server):
    """phone(username, geolocation=None): a signed-in 360-px page with that position (without one: the
    permission refused); the problems of every page it opened fail the test."""
    opened = []

    def open_phone(username: str, geolocation: dict | None = None) -> BrowserPage:
        options = {"geolocation": geolocation, "permissions": ["geolocation"]} if geolocation else {}
        context = chromium.new_context(locale="zh-CN", timezone_id=settings.TIME_ZONE, **SMALL_PHONE, **options)
        context.set_default_timeout(15_000)
        page = context.new_page()
        browser = BrowserPage(page=page, base_url=live_server.url)
        context.expose_function("__reportCspViolation", lambda text: browser.problems.append(f"CSP: {text}"))
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("console", lambda message: message.type == "error" and browser.problems.append(message.text))
        page.on("pageerror", lambda error: browser.problems.append(f"uncaught: {error}"))
        opened.append((context, browser))
        browser.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", settings.CRM["DEMO_PASSWORD"])
        with page.expect_navigation():
            page.click("button[type=submit]")
        return browser

    yield open_phone
    problems = [problem for _context, browser in opened for problem in browser.problems]
    for context, _browser in opened:
        context.close()
    if problems:
        pytest.fail("the browser reported problems:\n" + "\n".join(problems), pytrace=False)
