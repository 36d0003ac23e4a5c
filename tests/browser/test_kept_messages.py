"""A page that reloads itself once an analysis is ready keeps the message it was answered
with (user pass: "Stand „…“ gespeichert." showed for about a second, then the snapshot
list's status box reloaded the page and the confirmation was gone)."""

from __future__ import annotations

import pytest

R = "/regions/swf5"


@pytest.fixture
def held_server(held_analysis_server):
    """The demo on a live server whose analysis waits for ``release`` before it computes."""
    with held_analysis_server() as found:
        yield found


def test_the_saved_message_stays_when_the_figures_arrive(held_server, chromium):
    """Saved while the analysis is held: the list shows the confirmation and polls; once
    the figures are there the page reloads itself and shows the confirmation again (as
    text, once); a reload by hand later does not bring it back."""
    server, release = held_server
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.fill("input[name=login]", "koordination")
        page.fill("input[name=password]", "demo")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{server.url}{R}/snapshots")
        page.fill("input[name=name]", "Vor der <b>Sitzung</b>")
        page.click("form.box button[type=submit]")
        page.wait_for_selector('[data-status-url][data-state="pending"]')
        said = "Stand „Vor der <b>Sitzung</b>“ gespeichert."
        assert said in page.inner_text("main [data-flash]")
        release.set()
        page.wait_for_selector("[data-status-url]", state="detached", timeout=60_000)
        page.wait_for_load_state()
        flashes = page.locator("main [data-flash]")
        assert flashes.count() == 1 and said in flashes.first.inner_text()
        assert page.locator("main [data-flash] b").count() == 0  # text, never markup
        page.reload()
        page.wait_for_load_state()
        assert page.locator("main [data-flash]").count() == 0
    finally:
        context.close()
