"""The network picture at first sight: the layout fills the canvas, municipalities group
their own actors; the map's "Größe nach" resizes its markers; the phone menu."""

from __future__ import annotations

import pytest

from .test_network_view import ANALYSED, open_view

pytestmark = pytest.mark.browser

#: the share of the canvas the drawn nodes' bounding box covers (width and height), in DOM
#: pixels, at the view vis-network opens with
COVERAGE = """() => {
    const net = window.networkView.network;
    const ids = window.networkView.nodes.getIds();
    const pos = net.getPositions(ids);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const id of ids) {
        const p = net.canvasToDOM(pos[id]);
        x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x);
        y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y);
    }
    const box = document.getElementById('network-canvas').getBoundingClientRect();
    return {width: (x1 - x0) / box.width, height: (y1 - y0) / box.height,
            left: x0, right: x1, top: y0, bottom: y1, canvas: [box.width, box.height],
            scale: net.getScale()};
}"""


def test_default_layout_fills_the_canvas(signed_in, live_server):
    """Drawn and marked, the default view of swf5 spreads its nodes over at least 80 % of
    the canvas' width or height, all of them inside it."""
    page = signed_in("koordination")
    open_view(page, live_server.url, analysis=True)
    page.wait_for_selector(ANALYSED, state="attached")
    page.wait_for_timeout(300)
    cover = page.evaluate(COVERAGE)
    assert max(cover["width"], cover["height"]) >= 0.8, cover
    assert cover["left"] >= 0 and cover["top"] >= 0, cover
    assert cover["right"] <= cover["canvas"][0] and cover["bottom"] <= cover["canvas"][1], cover


#: for each drawn actor of a drawn municipality: its own municipality and the nearest one
NEAREST = """() => {
    const view = window.networkView, net = view.network;
    const nodes = view.nodes.get(), pos = net.getPositions();
    const munis = nodes.filter(n => n.info.type === 'municipality').map(n => n.id);
    const rows = [];
    for (const n of nodes) {
        const home = n.info.type === 'actor' && n.info.municipality;
        if (!home || !pos[home]) continue;
        const p = net.canvasToDOM(pos[n.id]);
        let best = null, bestD = Infinity;
        for (const m of munis) {
            const q = net.canvasToDOM(pos[m]);
            const d = Math.hypot(p.x - q.x, p.y - q.y);
            if (d < bestD) { best = m; bestD = d; }
        }
        rows.push([n.id, home, best]);
    }
    return rows;
}"""


def test_actors_grouped_around_their_municipality(signed_in, live_server):
    """In the drawn region every actor of a municipality sits nearer to it than to any
    other municipality (on a ring around it)."""
    page = signed_in("koordination")
    open_view(page, live_server.url)
    rows = page.evaluate(NEAREST)
    assert len(rows) > 40
    wrong = [r for r in rows if r[1] != r[2]]
    assert not wrong, wrong
