"""Issue 16 in real Chromium: the map (no request leaves the machine), the network view's
ego highlight and label sizes, and the screenshots in docs/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .test_network_view import open_view, wait_until

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _local_only(page):
    hosts = {urlsplit(url).hostname for url in page.requests_seen
             if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, hosts


def test_map_draws_members_with_local_requests_only(signed_in, live_server):
    page = signed_in("koordination")
    page.goto(f"{live_server.url}/regions/swf5/map")
    page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
    assert page.locator("path.map-municipality").count() >= 20
    assert page.locator(".map-body").count() >= 6
    assert page.locator(".map-initiative").count() >= 10
    assert "BKG" in page.locator(".leaflet-control-attribution").inner_text()
    _local_only(page)
    # a click opens the side panel with the member's facts, written as text
    page.locator("path.map-node-olpe").click(force=True)
    assert page.locator("#map-panel-title").inner_text() == "Olpe"
    assert page.evaluate("window.__xss") is None
    page.locator("#map-app .network-stage").screenshot(path=str(DOCS / "screenshot-map.png"))


def test_map_topic_draws_routes(signed_in, live_server):
    page = signed_in("koordination")
    page.goto(f"{live_server.url}/regions/swf5/map?topic=data_platform")
    page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
    assert page.locator("path.map-route").count() >= 1
    _local_only(page)


def test_analysis_charts_screenshot(signed_in, live_server):
    page = signed_in("koordination")
    page.goto(f"{live_server.url}/regions/swf5/analysis")
    page.wait_for_selector("#chart-taktgeber", timeout=300_000)
    page.locator("#taktgeber").screenshot(path=str(DOCS / "screenshot-analysis-charts.png"))
    # printing opens every <details>
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("details:not([open])").count() == 0
