"""Browser tests: Playwright drives Debian's Chromium (nothing is downloaded) against a live server."""
from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from tests.world import PASSWORD

CHROMIUM = os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# Playwright's sync API keeps an event loop running in the test thread from the first browser
# test to the end of the session; the ORM calls that tests (and the database flush after them)
# make are still plain synchronous calls. Set only when browser tests are collected.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def login(live_server):
    """login(page, user) signs the user in through the real login form."""

    def _login(page, user, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


@pytest.fixture
def phone_context(browser):
    """A phone-sized browser context (390 × 844, touch), with geolocation allowed."""
    context = browser.new_context(**PHONE, permissions=["geolocation"], geolocation={"latitude": 39.6036, "longitude": 116.7070})
    yield context
    context.close()


class _RequestsInFlight:
    """Counts the requests the live server is running, so a test's end can wait for them."""

    def __init__(self, app):
        self.app = app
        self.running = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            self.running += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.running == 0, timeout=timeout)


@pytest.fixture(scope="session")
def _live_requests(live_server):
    server = live_server.thread.httpd
    counter = _RequestsInFlight(server.get_app())
    server.set_app(counter)
    return counter


@pytest.fixture(autouse=True)
def _no_request_outlives_its_test(request):
    """A page left open at a test's end keeps polling and saving (a debounced draft save, the
    intake poll); such a request, still running in the live server when the database is flushed
    after the test, deadlocks with the flush ("couldn't be flushed", seen in CI). So: close every
    page, wait for the requests already running, and end any database session still busy.
    Torn down before the flush because it asks for the database first."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    in_flight = request.getfixturevalue("_live_requests")
    yield
    if "browser" in request.fixturenames or "page" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            for page in context.pages:
                page.close()
    in_flight.wait_until_idle(timeout=15)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
        )
