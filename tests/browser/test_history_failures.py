"""The snapshot list in Chromium when a snapshot's key figures cannot be computed: it polls
while the job runs, shows the failure once the job has failed, and then stops asking (before,
it said "wird berechnet" and asked again every second, queueing the job each time)."""

from __future__ import annotations

import pytest

R = "/regions/swf5"


@pytest.fixture
def failing_server(held_analysis_server):
    """The demo on a live server whose analysis runs in a worker thread and raises once
    ``release`` is set (as for a bundle the analysis cannot read)."""
    def broken(*args, **kwargs):
        raise RuntimeError("kaputtes Bündel")

    with held_analysis_server(broken) as found:
        yield found


@pytest.mark.parametrize("width,height", [(1400, 1000), (390, 844)])
def test_the_list_stops_polling_when_the_figures_failed(failing_server, chromium, tmp_path,
                                                         width, height):
    """Saved while the analysis is held: the list says "wird berechnet" and polls; once the
    job has failed, the page (reloaded once) says the figures could not be computed and
    when they are tried again, and asks no more; nothing is wider than the window."""
    server, release = failing_server
    context = chromium.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        polls: list[str] = []
        page.on("request", lambda r: polls.append(r.url) if "status.json" in r.url else None)
        page.goto(f"{server.url}/login")
        page.fill("input[name=login]", "koordination")
        page.fill("input[name=password]", "demo")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{server.url}{R}/snapshots")
        page.fill("input[name=name]", "Kaputt")
        page.click("form.box button[type=submit]")
        page.wait_for_selector('[data-status-url][data-state="pending"]')
        assert "wird berechnet" in page.inner_text("table.snapshots-list")
        page.wait_for_timeout(1500)
        assert polls, "the page asks while the figures are being computed"
        release.set()
        page.wait_for_selector('[data-status-url][data-state="failed"]', timeout=30000)
        box = page.inner_text("[data-status-url]")
        assert "Die Kennzahlen konnten nicht berechnet werden." in box and "erneut" in box
        assert "Kennzahlen konnten nicht berechnet werden" in page.inner_text(
            "table.snapshots-list")
        assert "wird berechnet" not in page.inner_text("main")
        asked = len(polls)
        page.wait_for_timeout(3000)
        assert len(polls) == asked, "no more polling once every missing one failed"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        page.screenshot(path=str(tmp_path / f"failed-{width}.png"), full_page=True)
    finally:
        context.close()
