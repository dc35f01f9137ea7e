"""The key hints on the console's buttons are readable at 1920 × 1080: the dispatch dialog's
"Enter" on the brand-red Dispatch button was an empty light box (white text on kbd's light
background)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from incidents.actions import register, report_incident
from incidents.models import Category
from incidents.seeds import ensure_reference_data

pytestmark = pytest.mark.browser

SCREENS = "var/screenshots"

# WCAG contrast ratio of a key hint's text against what is behind it (its own background, or the
# button's when the kbd is transparent).
CONTRAST = """(el) => {
  function rgb(c) { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; }
  function lum(c) { return [c.r, c.g, c.b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0); }
  let node = el, back = rgb(getComputedStyle(node).backgroundColor);
  while (back.a === 0 && node.parentElement) { node = node.parentElement; back = rgb(getComputedStyle(node).backgroundColor); }
  const text = rgb(getComputedStyle(el).color);
  const [hi, lo] = [lum(text), lum(back)].sort((a, b) => b - a);
  return {ratio: (hi + 0.05) / (lo + 0.05), text: el.textContent};
}"""


def test_the_dispatch_dialogs_enter_hint_is_readable(committed_world, live_server, login, browser):
    world = committed_world
    ensure_reference_data()
    incident, _ = report_incident(reporter=world.dispatcher, category=Category.objects.get(code="C0101"),
                                  location=world.cell_a.boundary.point_on_surface, description="东四北大街井盖缺失",
                                  source="hotline")
    register(incident, actor=world.dispatcher)
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    login(page, world.dispatcher)
    page.goto(f"{live_server.url}/dispatch/")
    row = page.locator(f'.case-row[data-id="{incident.pk}"]')
    expect(row).to_be_visible()
    row.click()
    page.locator("#queue").focus()
    page.keyboard.press("d")
    dialog = page.locator("#dispatch-dialog")
    expect(dialog).to_be_visible()
    hint = dialog.locator("button.primary kbd")
    expect(hint).to_have_text("Enter")
    seen = hint.evaluate(CONTRAST)
    assert seen["ratio"] >= 3, f"the Enter hint on the Dispatch button is unreadable: contrast {seen['ratio']:.2f}"
    for other in dialog.locator("kbd").all():  # the digits and Esc on light backgrounds stay readable too
        assert other.evaluate(CONTRAST)["ratio"] >= 3, other.text_content()
    page.screenshot(path=f"{SCREENS}/console-dispatch-dialog-1920.png")
    page.context.close()
