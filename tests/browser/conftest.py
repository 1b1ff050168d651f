"""Playwright driving Debian's chromium (apt-get install chromium) against pytest-django's
live_server; the Celery worker is the real one of tests/conftest.py (live_celery_worker)."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these, chromium keeps calling Google's hosts, which a closed network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return candidate if Path(candidate).is_file() else shutil.which("chromium")


@pytest.fixture
def browser_page(monkeypatch):
    """A fresh chromium page (its own profile), closed after the test."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_TEST_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        # Generous: on a loaded 2-core machine a page of the live server can take tens of seconds.
        context.set_default_timeout(60_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def log_out(page) -> None:
    """Log out with the header's button, so the session ends on the server, then leave the
    page and clear the cookies: a page that polls (the case page) could otherwise receive a
    response that sets a live session cookie again after the cookies are cleared."""
    button = page.locator("header form[action$='/logout/'] button[type=submit]")
    if button.count():
        button.first.click()
        page.wait_for_load_state()
    page.goto("about:blank")
    page.context.clear_cookies()


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    # "main": the header holds another form, the language menu.
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server (same address options), serving plain HTTP.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its
    handler, before any per-test settings apply: without this, every page redirects to https.
    """
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    address = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        server = LiveServer(address)
    yield server
    server.stop()
