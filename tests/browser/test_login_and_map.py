"""A new user logs in as a grid worker on a phone and sees their cell on the map."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_grid_worker_logs_in_on_a_phone_and_sees_their_cell_on_the_map(committed_world, live_server, login, phone_context):
    page = phone_context.new_page()
    login(page, committed_world.grid_worker_a)
    expect(page.locator("h1")).to_contain_text("你好")  # Chinese by default
    expect(page.get_by_text(committed_world.cell_a.code)).to_be_visible()
    page.get_by_role("link", name="打开地图").click()
    expect(page.locator("#map")).to_have_attribute("data-loaded", "1")
    page.locator("#map").click()  # the map is fitted to the one cell, so its centre lies in it
    expect(page.locator("#details")).to_contain_text(committed_world.cell_a.code)


def test_wrong_password_is_refused_with_a_message(committed_world, live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", committed_world.dispatcher.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    assert re.search(r"/accounts/login/", page.url)
