"""The initiative form and the charts in real Chromium on a phone (390 px) and a wide
screen (1,400 px): no page wider than the window, chart text readable (QA session qa1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collab.extensions import db

from .test_survey_layout import OVERFLOW

pytestmark = pytest.mark.browser

#: the smallest text of a chart in CSS pixels as shown (font size × the drawing's scale)
SMALLEST_TEXT = """chart => {
    const svg = document.querySelector(chart);
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')]
        .filter(t => t.getBoundingClientRect().height > 0)
        .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {smallest: Math.min(...sizes), count: sizes.length,
            page: document.documentElement.scrollWidth, width: window.innerWidth};
}"""


@pytest.mark.parametrize("width", [390, 1400])
@pytest.mark.parametrize("path", ["/regions/swf5/initiatives/new",
                                  "/regions/swf5/initiatives/m01/edit"])
def test_initiative_form_fits_the_window(width, path, signed_in, live_server):
    """QA: at 390 px the "Beteiligte" table made the initiative form 849 px wide, the page
    scrolled sideways and the text was cut. The page is as wide as the window, every field
    inside it; on a phone each participant row is a card of labelled fields, on a wide
    screen a table row whose actor field shows a whole name."""
    page = signed_in("koordination", phone=width == 390)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("table.participants")
    state = page.evaluate(OVERFLOW)
    assert state["width"] == width, state
    assert state["scroll"] <= width and not state["sticking"], (width, state)
    label = page.evaluate("""() => getComputedStyle(document.querySelector(
        'table.participants td.actor'), '::before').content""")
    actor = page.locator("input[name=participants-0-actor]").bounding_box()
    if width == 390:
        assert label == '"Akteur"'
        assert actor["width"] >= 250, actor  # a line of its own
    else:
        assert label in ("none", "normal"), label
        assert actor["width"] >= 300, actor


def _ballot(app) -> int:
    """A rule of swf5 whose ballot is open, with one vote (made once: the live server is
    shared by the session's tests)."""
    from collab.core.models import Region, Rule, User
    from collab.spielregeln import services as spielregeln

    with app.app_context(), app.test_request_context():
        made = db.session.scalar(sa.select(Rule.id).filter_by(title="Lesbare Abstimmung"))
        if made is not None:
            db.session.remove()
            return made
        users = {u.login: u for u in db.session.scalars(sa.select(User))}
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        rule = spielregeln.propose_rule(region, {
            "title": "Lesbare Abstimmung", "text": "Wir stimmen auch am Telefon ab.",
            "kind": "general"}, users["olpe"])
        spielregeln.open_ballot(region, rule, {"closes_at": "2099-06-30T18:00"},
                                users["koordination"])
        spielregeln.cast_vote(region, rule, {"vote": "yes", "confirm": True}, users["olpe"])
        rule_id = rule.id
        db.session.commit()
        db.session.remove()
    return rule_id


@pytest.mark.parametrize("width", [390, 1400])
def test_charts_are_readable_on_a_phone(width, signed_in, live_server):
    """QA: at 390 px the ballot bar and the gaps chart shrank with their frame, their text
    6–7 px high. The ballot bar is drawn for a phone (and kept narrow on a wide screen),
    the gaps chart has a drawing of its own for a phone (see the test below): text of at
    least 11 px, and the page itself no wider than the window."""
    rule_id = _ballot(live_server.app)
    page = signed_in("olpe", phone=width == 390)
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/regions/swf5/rules/{rule_id}")
    ballot = page.evaluate(SMALLEST_TEXT, "svg.kn-chart-ballot")
    page.goto(f"{live_server.url}/regions/swf5/analysis")
    page.wait_for_selector("#chart-gaps", state="attached", timeout=300_000)
    gaps = page.evaluate(SMALLEST_TEXT, "#chart-gaps-phone" if width == 390 else "#chart-gaps")
    for state in (ballot, gaps):
        assert state["count"] and state["smallest"] >= 11, (width, ballot, gaps)
        assert state["page"] <= state["width"] == width, (width, ballot, gaps)
        assert state["smallest"] <= 18, (width, ballot, gaps)  # not shouting on a wide screen


#: the gaps chart's figure: how far its content is wider than its box, which of its
#: drawings is shown, that drawing's smallest text (CSS px), its labels, and the texts that
#: stand outside the figure
GAPS_FIGURE = """() => {
    const figure = document.querySelector('#gaps figure.chart');
    const box = figure.getBoundingClientRect();
    const shown = [...figure.querySelectorAll('svg')]
        .filter(s => s.getBoundingClientRect().width > 0);
    const svg = shown[0];
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text')];
    return {client: figure.clientWidth, scroll: figure.scrollWidth,
        page: document.documentElement.scrollWidth, shown: shown.map(s => s.id),
        smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
        labels: [...svg.querySelectorAll('g.kn-row > text:first-of-type')]
            .map(t => t.textContent),
        outside: texts.filter(t => { const r = t.getBoundingClientRect();
                                     return r.left < box.left - 0.5 || r.right > box.right + 0.5; })
            .map(t => t.textContent)};
}"""


@pytest.mark.parametrize("width", [390, 1400])
def test_gaps_chart_has_a_phone_layout(width, signed_in, live_server):
    """QA: at 390 px the gaps chart ("Lücken") kept its desktop drawing (37.5rem) and scrolled
    sideways in its box, its labels cut ("Initiative ohne Federführu…"). On a phone the
    figure shows a drawing of its own, labels above the bars: nothing to scroll, every text
    inside the box, labels whole, text of at least 11 px. A wide screen keeps the drawing
    with labels beside the bars."""
    page = signed_in("olpe", phone=width == 390)
    page.goto(f"{live_server.url}/regions/swf5/analysis")
    page.wait_for_selector("#chart-gaps", state="attached", timeout=300_000)
    state = page.evaluate(GAPS_FIGURE)
    assert state["page"] <= width, state
    assert state["scroll"] <= state["client"] and not state["outside"], state
    assert 11 <= state["smallest"] <= 18, state
    if width == 390:
        assert state["shown"] == ["chart-gaps-phone"], state
        assert len(state["labels"]) >= 5, state
        assert not [label for label in state["labels"] if label.endswith("…")], state
    else:
        assert state["shown"] == ["chart-gaps"], state
