"""The browser harness notices what it is meant to notice."""

import pytest

INJECT_INLINE_SCRIPT = """
new Promise((resolve) => {
  document.addEventListener("securitypolicyviolation", (event) => resolve(event.violatedDirective), {once: true});
  const script = document.createElement("script");
  script.textContent = "window.__ran = true";
  document.body.appendChild(script);
})
"""


@pytest.mark.browser
def test_an_inline_script_is_blocked_by_the_csp_and_reported(browser_page):
    browser_page.goto("/login/")

    violated = browser_page.page.evaluate(INJECT_INLINE_SCRIPT)

    assert violated == "script-src-elem"
    assert browser_page.page.evaluate("window.__ran === undefined")
    assert any(problem.startswith("CSP: script-src-elem blocked inline") for problem in browser_page.problems)
    browser_page.problems.clear()  # seen on purpose; the fixture would fail the test otherwise


@pytest.mark.browser
def test_a_console_error_is_reported(browser_page):
    browser_page.goto("/login/")

    browser_page.page.evaluate("console.error('boom')")

    assert browser_page.problems == ["boom"]
    browser_page.problems.clear()
