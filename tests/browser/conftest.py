"""Browser tests: Playwright drives Debian's Chromium (nothing is downloaded) against a live server."""
from __future__ import annotations

import os

import pytest

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
