"""Browser tests: Playwright's sync API driving Debian's Chromium (never a downloaded browser)
against pytest-django's live server.

Without Chromium the tests skip with the reason, so `make test` on a bare machine says what to
install; CI sets ATRIUM_REQUIRE_BROWSER so that a missing browser fails instead.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# tests.factories.UserFactory gives every user this password.
PASSWORD = "pass-word-1"


def _unavailable(reason: str):
    if os.environ.get("ATRIUM_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (ATRIUM_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API keeps an asyncio loop on this thread, and Django refuses ORM calls
    while a loop runs. The loop is idle whenever test code runs, so the calls are safe. Module
    scope: the setting lives exactly as long as the browser does (the database fixtures set up
    and flush outside function-scoped fixtures), and never reaches the other tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; Playwright (and its loop) stops with the module."""
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        _unavailable("Chromium not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def is_csp_violation(message) -> bool:
    return "Content Security Policy" in message.text


@pytest.fixture
def csp_violations():
    """What Chromium reported blocking under the pages' Content-Security-Policy."""
    return []


@pytest.fixture
def page(browser, live_server, transactional_db, csp_violations):
    """A fresh browser context (no cookies) whose relative URLs go to the live server. Chromium
    enforces the pages' Content-Security-Policy: anything it blocks fails the test."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if is_csp_violation(message) else None,
    )
    yield page
    context.close()
    assert csp_violations == [], "blocked by the Content-Security-Policy"


@pytest.fixture
def log_in(page):
    """log_in(membership): sign in through the login page, landing on the home page (`/`)."""

    def log_in(membership):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(membership.user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("heading", name="Today", exact=True).wait_for()
        return page

    return log_in
