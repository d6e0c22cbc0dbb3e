"""Browser tests: Playwright driving Debian's Chromium against the live test server.

They skip where Chromium is missing, except in CI (``CI`` set), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => window.reportCspViolation({
  page: e.documentURI, directive: e.violatedDirective, blocked: e.blockedURI,
  source: e.sourceFile + ":" + e.lineNumber + ":" + e.columnNumber, sample: e.sample,
}));
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail(
                "Chromium is required for the browser tests in CI (apt-get install chromium)."
            )
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    # Every Content-Security-Policy violation, with where it comes from (the console message
    # alone does not say): the pages must work under the policy of the settings.
    page.csp_violations = []
    context.expose_binding("reportCspViolation", lambda _source, v: page.csp_violations.append(v))
    context.add_init_script(CSP_LISTENER)
    try:
        yield page
    finally:
        context.close()
    assert page.csp_violations == [], "Content-Security-Policy violations"
