"""The rules list, the regions side by side, the saved states ("Stände", their list and
their comparison), the survey rounds, the activity log, the lists of actors, initiatives,
ties, formats, municipalities and solutions and the region's accounts in real Chromium: on
a phone (390 px) neither the page nor a table in it nor the header scrolls sideways (each
row is a card of labelled lines, the region menu wraps); on a wide screen (1,400 px) they
stay tables. The analysis page shows its charts drawn for a phone there (readable text)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collab.extensions import db

from .test_form_chart_layout import _ballot
from .test_survey_form import _open_survey

pytestmark = pytest.mark.browser

#: the page's and the window's width, the table cells that stand outside the window, the
#: tables wider than their box (scrolling in it), the header's parts that stand outside the
#: window or scroll in their box, and how the first table is shown
LAYOUT = """() => {
    const width = window.innerWidth;
    const tables = [...document.querySelectorAll('main table')];
    const header = [...document.querySelectorAll('header.top, header.top *')];
    return {width: width, scroll: document.documentElement.scrollWidth,
        header: header.filter(e => { const r = e.getBoundingClientRect();
                                     return r.width && (r.right > width + 0.5 || r.left < -0.5
                                         || e.scrollWidth > e.clientWidth + 0.5); })
            .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 30))
            .slice(0, 5),
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
                                  "/regions/swf5/surveys", "/regions/swf5/activity",
                                  "/regions/swf5/actors", "/regions/swf5/initiatives",
                                  "/regions/swf5/ties", "/regions/swf5/formats",
                                  "/regions/swf5/municipalities", "/regions/swf5/solutions",
                                  "/regions/swf5/accounts",
                                  # the overview's level matrix (at 390 px it showed Kommune
                                  # and Stufe, its levels scrolled in the box) and a
                                  # municipality's actors (the Ebene column cut off)
                                  "/regions/swf5", "/regions/swf5/municipalities/olpe"])
def test_tables_read_without_sideways_scrolling(width, path, signed_in, live_server):
    """QA: at 390 px these tables scrolled sideways (the rules list 500 px wide, the states
    983 px, the actors 940 px, the accounts 1,015 px), and the region menu in its own box.
    On a phone the page is no wider than the window and no table scrolls in its box: each
    row is a card whose lines name their column; nothing of the header stands out or
    scrolls. On a wide screen the tables keep their columns."""
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
    assert not state["header"], (width, path, state)
    label = page.evaluate("""() => getComputedStyle(document.querySelector(
        'table.phone-cards td[data-label]'), '::before').content""")
    if width == 390:
        assert label.startswith('"'), label  # the column's name leads the line
    else:
        assert label in ("none", "normal"), label
        assert page.evaluate("""() => getComputedStyle(
            document.querySelector('table.phone-cards')).display""") == "table"


#: the analysis page's charts as shown: their width, their figure's width and how far the
#: figure's content is wider than the figure, whether it is a phone's drawing, and its text
#: lower than 11 px on screen; the page's and the window's width
CHARTS = """() => [...document.querySelectorAll('main figure.chart svg.kn-chart')]
    .filter(s => s.getBoundingClientRect().width > 0)
    .map(s => ({id: s.id, width: s.getBoundingClientRect().width,
                figure: s.closest('figure').clientWidth,
                overflow: s.closest('figure').scrollWidth - s.closest('figure').clientWidth,
                phone: s.classList.contains('kn-phone'),
                small: [...s.querySelectorAll('text')]
                    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0
                                 && t.getBoundingClientRect().height < 11)
                    .map(t => t.textContent.trim().slice(0, 20) + ': '
                              + t.getBoundingClientRect().height.toFixed(1)).slice(0, 3),
                page: document.documentElement.scrollWidth, window: window.innerWidth}))"""


@pytest.mark.parametrize("width", [390, 1400])
def test_analysis_charts_fit_the_window(width, signed_in, live_server):
    """QA: at 390 px the Taktgeber, topics and levels charts kept 600 px and scrolled
    sideways in their figure; then, shrunk to the window, their labels were 5–7 px high.
    On a phone each chart is a drawing for a phone (labels above the bars), as wide as its
    figure, its text at least 11 px high, and nothing scrolls sideways; on a wide screen the
    wide drawings are shown and keep their width (52rem, 832 px)."""
    page = signed_in("koordination", phone=width == 390)
    page.goto(f"{live_server.url}/regions/swf5/analysis")
    page.wait_for_selector("#chart-levels", state="attached", timeout=300_000)
    charts = page.evaluate(CHARTS)
    ids = {"chart-taktgeber", "chart-topics", "chart-levels", "chart-gaps"}
    if width == 390:
        assert {f"{i}-phone" for i in ids} == {c["id"] for c in charts}, charts
    else:
        assert ids == {c["id"] for c in charts}, charts
    for chart in charts:
        assert chart["page"] <= chart["window"] == width, charts
        assert chart["overflow"] <= 0.5 and chart["width"] <= chart["figure"] + 0.5, charts
        if width == 390:
            assert chart["phone"], charts
            assert chart["width"] >= 0.9 * (width - 2 * 0.8 * 16), charts  # fills its figure
            assert not chart["small"], charts  # readable without zooming in
        else:
            assert not chart["phone"], charts
            assert abs(chart["width"] - 832) <= 0.5, charts


@pytest.mark.parametrize("width", [390, 1400])
def test_analysis_tables_read_without_sideways_scrolling(width, signed_in, live_server):
    """QA: at 390 px the analysis page's tables scrolled in their own box (the ranking
    1,230 px wide, the levels 957 px, a candidate's parts 735 px, the transfer paths 660 px),
    so the weights, points and steps stood outside the window. On a phone each of them, the
    what-if's ranking changes too, reads as cards whose lines name their column (the
    candidate's name leading its card), and nothing stands outside the window; on a wide
    screen they stay tables."""
    page = signed_in("koordination", phone=width == 390)
    page.goto(f"{live_server.url}/regions/swf5/analysis?without=menden-cdo#whatif")
    page.wait_for_selector("#whatif table", state="attached", timeout=300_000)
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")
    state = page.evaluate(LAYOUT)
    classes = page.evaluate("() => [...document.querySelectorAll('main table')]"
                            ".map(t => t.className)")
    for kind in ("ranking", "parts", "matrix"):
        assert any(kind in c.split() for c in classes), classes
    assert all("phone-cards" in c.split() for c in classes), classes
    assert state["tables"] >= 6, state  # ranking, parts, transfer, levels, what-if
    assert state["scroll"] <= width, state
    if width == 390:  # (on a wide screen the ranking's eight parts may scroll in its box)
        assert not state["sticking"] and not state["scrolling"], state
    first = page.evaluate("""() => {
        const row = document.querySelector('table.ranking tbody tr');
        const top = c => c.getBoundingClientRect().top;
        return top(row.querySelector('td.title')) <= Math.min(
            ...[...row.querySelectorAll('td')].map(top));
    }""")
    displays = page.evaluate("() => [...document.querySelectorAll('main table')]"
                             ".map(t => getComputedStyle(t).display)")
    if width == 390:
        assert first, "the candidate's name leads its card"
        assert set(displays) == {"block"}, displays
    else:
        assert set(displays) == {"table"}, displays
