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


def _forget_saved_positions(app) -> None:
    """Drop the saved positions (another test of the session saves a layout): the view
    draws the computed layout again."""
    import sqlalchemy as sa

    from collab.core.models import NodePosition
    from collab.extensions import db

    with app.app_context():
        db.session.execute(sa.delete(NodePosition))
        db.session.commit()
        db.session.remove()


def test_actors_grouped_around_their_municipality(signed_in, live_server):
    """In the drawn region (the computed layout: no saved positions) every actor of a
    municipality sits nearer to it than to any other municipality (on a ring around it)."""
    _forget_saved_positions(live_server.app)
    page = signed_in("koordination")
    open_view(page, live_server.url)
    rows = page.evaluate(NEAREST)
    assert len(rows) > 40
    wrong = [r for r in rows if r[1] != r[2]]
    assert not wrong, wrong


#: the map's member circles: key -> radius (Leaflet's), from the markers' class names
RADII = """() => {
    const out = {};
    document.querySelectorAll('path.map-municipality').forEach(p => {
        const key = [...p.classList].find(c => c.startsWith('map-node-')).slice(9);
        out[key] = p.getAttribute('d');
    });
    return out;
}"""


def _radii(page) -> dict:
    """Each member circle's radius, read from its SVG path ("M x,y a r,r 0 1,0 ...")."""
    import re

    found = {}
    for key, d in page.evaluate(RADII).items():
        match = re.search(r"a\s*([\d.]+)[, ]", d)
        found[key] = float(match.group(1))
    return found


def test_map_size_by_resizes_the_markers(signed_in, live_server):
    """The map sizes its members by population unless told otherwise; choosing "Größe
    nach: Verbindungen" resizes the circles at once (the best connected member is the
    largest), puts the measure in the address and the legend; a link with ?metric= opens
    with that measure; no request leaves the machine."""
    page = signed_in("koordination")
    page.goto(f"{live_server.url}/regions/swf5/map")
    page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
    assert page.input_value("select[name=metric]") == "population"
    by_population = _radii(page)
    assert len(by_population) >= 20
    data = page.evaluate("""fetch(document.getElementById('map-app').dataset.dataUrl,
        {credentials: 'same-origin'}).then(r => r.json())""")
    sizes = {m["key"]: m["sizes"] for m in data["municipalities"]}
    biggest = max(sizes, key=lambda k: sizes[k]["population"])
    assert by_population[biggest] == max(by_population.values())
    page.select_option("select[name=metric]", "degree")
    assert page.get_attribute("#map-app", "data-metric") == "degree"
    by_degree = _radii(page)
    assert by_degree != by_population
    best = max(sizes, key=lambda k: sizes[k]["degree"])
    assert by_degree[best] == max(by_degree.values())
    assert "metric=degree" in page.url
    assert page.text_content("#map-size-metric") == "Verbindungen"
    page.select_option("select[name=metric]", "capacity")
    assert _radii(page) != by_degree
    page.goto(f"{live_server.url}/regions/swf5/map?metric=taktgeber")
    page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
    assert page.input_value("select[name=metric]") == "taktgeber"
    assert len(set(_radii(page).values())) > 1
    hosts = {u.split("/")[2].split(":")[0] for u in page.requests_seen
             if u.startswith("http")}
    assert hosts == {"127.0.0.1"}, hosts


#: the region menu on a phone: its current entry, the entries that stand outside the window
#: or are cut, whether the menu scrolls in its own box, its lines, the header's height
MENU = """() => {
    const nav = document.querySelector('header.top .region-nav');
    const width = window.innerWidth;
    const links = [...nav.querySelectorAll('a')];
    const current = nav.querySelector('a[aria-current="page"]');
    return {current: current && current.textContent.trim(), count: links.length,
            outside: links.filter(a => { const r = a.getBoundingClientRect();
                                         return r.left < -0.5 || r.right > width + 0.5
                                             || a.scrollWidth > a.clientWidth + 0.5; })
                .map(a => a.textContent.trim()),
            lines: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
            scrolls: nav.scrollWidth > nav.clientWidth + 0.5,
            header: document.querySelector('header.top').getBoundingClientRect().height,
            page: document.documentElement.scrollWidth, width: width};
}"""


@pytest.mark.parametrize("path, entry", [("/map", "Karte"), ("/analysis", "Analyse"),
                                         ("/charter", "Kooperationsvereinbarung"),
                                         ("/municipalities", "Kommunen")])
def test_phone_menu_wraps_with_every_entry_in_view(signed_in, live_server, path, entry):
    """On a phone (390 × 844) the region menu's entries wrap into a few lines: every entry
    whole and inside the window, the current one marked, nothing scrolling sideways (the
    menu was one line scrolling in its own box, most entries out of sight)."""
    page = signed_in("koordination", phone=True)
    page.goto(f"{live_server.url}/regions/swf5{path}")
    page.wait_for_load_state()
    state = page.evaluate(MENU)
    assert state["current"] == entry, state
    assert state["count"] >= 13 and not state["outside"], state
    assert not state["scrolls"] and state["page"] <= state["width"] == 390, state
    assert 2 <= state["lines"] <= 5 and state["header"] <= 220, state


def test_national_view_opened_municipality_rings_its_actors(signed_in, live_server,
                                                             national_slug):
    """National size (aggregated by Kreis): a Kreis opened shows its municipalities (each
    with its actors inside); one of them opened draws its actors around it, each nearer
    to it than to any other municipality on the screen."""
    page = signed_in("koordination")
    open_view(page, live_server.url, national_slug)
    assert page.evaluate("window.networkView.data.mode") == "kreis"
    kreis = page.evaluate("""() => window.networkView.nodes.get({filter: n => n.info.type
        === 'kreis'}).sort((a, b) => b.info.actors - a.info.actors)[0].id""")
    open_view(page, live_server.url, national_slug, query=f"?expand={kreis}")
    municipality = page.evaluate("""() => window.networkView.nodes.get({filter: n =>
        n.info.type === 'municipality' && n.info.aggregate && n.info.actors > 2})
        .sort((a, b) => b.info.actors - a.info.actors)[0].id""")
    open_view(page, live_server.url, national_slug,
              query=f"?expand={kreis}&expand={municipality}")
    rows = page.evaluate(NEAREST)
    mine = [r for r in rows if r[1] == municipality]
    assert len(mine) > 2
    wrong = [r for r in mine if r[2] != municipality]
    assert not wrong, wrong


#: the outlines' order in the map's SVG: Germany's area must come first (drawn below)
OUTLINE_ORDER = """() => {
    const paths = [...document.querySelectorAll('.leaflet-overlay-pane svg path')];
    return {germany: paths.findIndex(p => p.classList.contains('map-germany')),
            laender: paths.findIndex(p => p.classList.contains('map-laender')),
            first_member: paths.findIndex(p => p.classList.contains('map-municipality'))};
}"""


def test_map_laender_lines_above_the_germany_area(signed_in, live_server):
    """The Länder lines are drawn above Germany's opaque area and the members above both,
    whichever outline file arrives first (the second to arrive once went to the back
    and hid the Länder); three loads, one with the Germany file held back."""
    page = signed_in("gast")
    held = []
    for attempt in range(3):
        if attempt == 2:
            page.route("**/germany.geojson", lambda route: held.append(route))
        page.goto(f"{live_server.url}/regions/swf5/map")
        if attempt == 2:
            while not held:
                page.wait_for_timeout(50)
            page.wait_for_timeout(300)  # the Länder file is in by now
            held[0].continue_()
        page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
        order = page.evaluate(OUTLINE_ORDER)
        assert 0 <= order["germany"] < order["laender"] < order["first_member"], order


def test_map_link_of_a_municipality_focuses_it(signed_in, live_server):
    """User pass: "auf der Karte" on Olpe's page opened the whole map; it now opens the map
    centred on Olpe with its panel open (?focus=olpe, as the network view does)."""
    page = signed_in("olpe")
    page.goto(f"{live_server.url}/regions/swf5/municipalities/olpe")
    page.click("text=auf der Karte")
    page.wait_for_selector("#map-app[data-state=ready]", timeout=60_000)
    assert "focus=olpe" in page.url
    assert page.is_visible("#map-panel")
    assert page.text_content("#map-panel-title") == "Olpe"
    assert page.evaluate("window.L !== undefined")


def test_a_pdf_link_says_the_report_is_being_made(signed_in, live_server):
    """User pass: the PDF report took 4 to 6 s with nothing shown; following the link now
    says that it is being made (answered here with 204, which leaves the page as it is, so
    the note can be read)."""
    page = signed_in("gast")
    page.goto(f"{live_server.url}/regions/swf5/analysis")
    page.wait_for_selector("a[data-wait]")
    page.route("**/report.pdf", lambda route: route.fulfill(status=204))
    page.click("text=Bericht als PDF")
    page.wait_for_selector(".wait-note", timeout=5_000)
    assert "wird erstellt" in page.text_content(".wait-note")
    assert page.get_attribute(".wait-note", "role") == "status"
    page.unroute("**/report.pdf")
