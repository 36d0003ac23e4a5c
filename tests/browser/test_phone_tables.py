"""The rules list, the regions side by side, the saved states ("Stände", their list and
their comparison), the survey rounds and the activity log in real Chromium: on a phone
(390 px) neither the page nor a table in it scrolls sideways (each row is a card of
labelled lines); on a wide screen (1,400 px) they stay tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collab.extensions import db

from .test_form_chart_layout import _ballot
from .test_survey_form import _open_survey

pytestmark = pytest.mark.browser

#: the page's and the window's width, the table cells that stand outside the window, the
#: tables wider than their box (scrolling in it), and how the first table is shown
LAYOUT = """() => {
    const width = window.innerWidth;
    const tables = [...document.querySelectorAll('main table')];
    return {width: width, scroll: document.documentElement.scrollWidth,
        sticking: [...document.querySelectorAll('main :is(th, td)')]
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width && (r.right > width + 0.5 || r.left < -0.5); })
            .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 30)).slice(0, 5),
        scrolling: tables.filter(t => t.scrollWidth > t.clientWidth + 0.5
                                      || t.parentElement.scrollWidth
                                         > t.parentElement.clientWidth + 0.5)
            .map(t => t.className || 'table'),
        display: tables.length ? getComputedStyle(tables[0]).display : null,
        tables: tables.length};
}"""

#: the name of the state saved for these tests (once: the live server is shared)
SNAPSHOT = "Stand zum Lesen am Telefon"


def _snapshot(app) -> int:
    """The id of a saved state of swf5."""
    from collab.core.models import Snapshot

    with app.app_context():
        found = db.session.scalar(sa.select(Snapshot.id).filter_by(name=SNAPSHOT))
        db.session.remove()
    if found is None:
        result = app.test_cli_runner().invoke(args=["snapshot", "swf5", "--name", SNAPSHOT,
                                                    "--date", "2025-12-31"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            found = db.session.scalar(sa.select(Snapshot.id).filter_by(name=SNAPSHOT))
            db.session.remove()
    return found


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize("path", ["/regions/swf5/rules", "/regions/compare",
                                  "/regions/swf5/snapshots",
                                  "/regions/swf5/snapshots/compare?a={snap}&b=today",
                                  "/regions/swf5/surveys", "/regions/swf5/activity"])
def test_tables_read_without_sideways_scrolling(width, path, signed_in, live_server):
    """QA: at 390 px these tables scrolled sideways (the rules list 500 px wide, the states
    983 px). On a phone the page is no wider than the window and no table scrolls in its
    box: each row is a card whose lines name their column; on a wide screen the tables
    keep their columns."""
    _ballot(live_server.app)  # a rule in ballot: its line counts the votes
    _open_survey(live_server.app)  # a survey round: its row leads to the answer
    url = live_server.url + path.format(snap=_snapshot(live_server.app))
    page = signed_in("koordination", phone=width == 390)
    page.goto(url)
    page.wait_for_selector("main table.phone-cards")
    state = page.evaluate(LAYOUT)
    assert state["width"] == width, state
    assert state["scroll"] <= width, (width, path, state)
    assert not state["sticking"] and not state["scrolling"], (width, path, state)
    label = page.evaluate("""() => getComputedStyle(document.querySelector(
        'table.phone-cards td[data-label]'), '::before').content""")
    if width == 390:
        assert label.startswith('"'), label  # the column's name leads the line
    else:
        assert label in ("none", "normal"), label
        assert page.evaluate("""() => getComputedStyle(
            document.querySelector('table.phone-cards')).display""") == "table"
