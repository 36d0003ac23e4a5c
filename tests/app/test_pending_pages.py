"""Pages that show part of the analysis while it is being computed say so and update
themselves (they poll the analysis status and reload when the report is ready): a member's
home and the regions side by side. Before, they said "wird berechnet" until reloaded."""

from __future__ import annotations

import time

from ..conftest import Browser
from .test_production import _until_ready, gate, thread_app  # noqa: F401 (fixtures)

STATUS = 'data-status-url="/regions/swf5/analysis/status.json"'


def test_a_members_home_polls_while_the_analysis_is_computed(thread_app, gate):  # noqa: F811
    release, started, _calls = gate
    olpe = Browser(thread_app.test_client()).login("olpe")
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Die Analyse wird berechnet." in home and STATUS in home
    assert "analysis-status.js" in home
    assert started.wait(30)
    release.set()
    _until_ready(olpe, timeout=90)
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Die Analyse wird berechnet." not in home and STATUS not in home


def test_the_regions_side_by_side_poll_for_a_region_still_analysed(thread_app, gate):  # noqa: F811
    release, started, _calls = gate
    coordinator = Browser(thread_app.test_client()).login("koordination")
    page = coordinator.get("/regions/compare").get_data(as_text=True)
    assert "wird berechnet" in page and "analysis-status.js" in page
    assert "Netzwerkbefragung" in page and "Beziehungsumfrage" not in page
    release.set()
    deadline = time.monotonic() + 120
    while "wird berechnet" in page and time.monotonic() < deadline:
        time.sleep(0.2)
        page = coordinator.get("/regions/compare").get_data(as_text=True)
    assert "wird berechnet" not in page and "analysis-status.js" not in page
