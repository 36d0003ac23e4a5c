"""The network view over HTTP: who may see and change what, the data and its exports."""

from __future__ import annotations

import io

import networkx as nx
import pytest
import sqlalchemy as sa

from collab.analysis import network as view
from collab.analysis import reports
from collab.core.models import Activity, NodePosition, Region
from collab.extensions import db

from .test_permissions import _client, _expect

#: every request of this module must not commit on GET
pytestmark = pytest.mark.usefixtures("no_commit_on_get")

R = "/regions/swf5"
MARKUP = '<img src=x onerror="alert(1)"><b>fett</b>'

PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/network", "302 200 200 200 200"),
    (f"{R}/network?topic=mobility&type=actor", "302 200 200 200 200"),
    (f"{R}/network/data.json", "302 200 200 200 200"),
    (f"{R}/network/data.json?ego=olpe&metric=taktgeber", "302 200 200 200 200"),
    (f"{R}/network/data.json?initiative=olpe", "302 422 422 422 422"),
    (f"{R}/network/marks.json", "302 200 200 200 200"),
    (f"{R}/network/marks.json?topic=mobility&metric=gaps", "302 200 200 200 200"),
    (f"{R}/network/marks.json?municipality=swa", "302 422 422 422 422"),
    (f"{R}/network/export.gexf", "302 200 200 200 200"),
    (f"{R}/network/export.graphml?tier=pioneer", "302 200 200 200 200"),
    (f"{R}/network/export.pdf", "302 404 404 404 404"),
    (f"{R}/network/positions", "405 405 405 405 405"),
    ("/regions/nope/network", "302 404 404 404 404"),
    ("/regions/nope/network/data.json", "302 404 404 404 404"),
    ("/regions/nope/network/marks.json", "302 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", PAGES, ids=[p for p, _ in PAGES])
def test_view_matrix(path, spec, browser, as_user):
    """Every signed-in role reads the view and its data; anonymous users go to /login
    (a GET of the POST-only positions URL is 405 for everyone)."""
    for role, status in _expect(spec).items():
        response = _client(role, browser, as_user).get(path)
        assert response.status_code == status, (role, path, response.status_code)
        if status == 302:
            assert "/login" in response.headers["Location"]


API = [
    ("/regions/swf5/graph", "401 200 200 200 200"),
    ("/regions/swf5/graph?format=gexf", "401 200 200 200 200"),
    ("/regions/swf5/graph?format=graphml&topic=mobility", "401 200 200 200 200"),
    ("/regions/swf5/graph?format=svg", "401 422 422 422 422"),
    ("/regions/swf5/graph?colour=red", "401 200 200 200 200"),
    ("/regions/swf5/graph?municipality=swa", "401 422 422 422 422"),
    ("/regions/nope/graph", "401 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", API, ids=[p for p, _ in API])
def test_api_graph_matrix(path, spec, api):
    """GET /api/v1/regions/<slug>/graph: a token is enough to read; bad input is 422."""
    for role, status in _expect(spec).items():
        response = api(None if role == "anonymous" else role).get(path)
        assert response.status_code == status, (role, path, response.status_code)


def _post_positions(client, positions, *, token=True):
    headers = {"X-CSRFToken": client.csrf(f"{R}/network") if token else ""}
    if not token:
        headers = {}
    return client.client.post(f"{R}/network/positions", json={"positions": positions},
                              headers=headers)


def test_positions_matrix(browser, as_user):
    """Only the coordinator saves positions; members and viewers get 403, anonymous users
    are sent to /login."""
    expected = _expect("302 403 403 403 200")
    for role, status in expected.items():
        client = _client(role, browser, as_user)
        if role == "anonymous":
            response = client.client.post(f"{R}/network/positions",
                                          json={"positions": {"olpe": [1, 2]}},
                                          headers={"X-CSRFToken": client.csrf("/login")})
            assert "/login" in response.headers["Location"]
        else:
            response = _post_positions(client, {"olpe": [1, 2]})
        assert response.status_code == status, (role, response.status_code)
        if status == 403:
            # the page's script reads the refusal as JSON, not as an HTML error page
            assert response.mimetype == "application/json", (role, response.mimetype)
            assert response.get_json() == {
                "error": "Dafür fehlt Ihrem Zugang die Berechtigung."}
    assert response.get_json() == {"saved": 1}


def test_saved_positions_drawn_and_recorded(as_user, app):
    """Saved positions come back in the view's data, replace older ones, and the change is
    in the activity log."""
    coordinator = as_user("koordination")
    assert _post_positions(coordinator, {"olpe": [10, 20], "kreis:Kreis Olpe": [1, 1]}
                           ).status_code == 200
    assert _post_positions(coordinator, {"olpe": [-5.5, 7]}).status_code == 200
    nodes = {n["id"]: n for n in coordinator.get(f"{R}/network/data.json").get_json()["nodes"]}
    assert (nodes["olpe"]["x"], nodes["olpe"]["y"]) == (-5.5, 7)
    with app.app_context():
        rows = db.session.execute(sa.select(NodePosition.node_key, NodePosition.x)
                                  .order_by(NodePosition.node_key)).all()
        assert rows == [("kreis:Kreis Olpe", 1.0), ("olpe", -5.5)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)
                                 .where(Activity.action == "view.positions")) == 2
        db.session.remove()


def test_bad_positions_change_nothing(as_user, app):
    """Unknown keys and non-numbers are refused with the field named; without the CSRF
    token the request is refused; nothing is stored."""
    coordinator = as_user("koordination")
    response = _post_positions(coordinator, {"olpe": [1, 2], "nope": [1, 2],
                                             "soest": ["x", 2], "menden": [1e9, 0]})
    assert response.status_code == 422
    fields = sorted(d["field"] for d in response.get_json()["details"])
    assert fields == ["positions.menden", "positions.nope", "positions.soest"]
    assert _post_positions(coordinator, []).status_code == 422
    assert _post_positions(coordinator, {"olpe": [1, 2]}, token=False).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NodePosition)) == 0
        db.session.remove()


def test_gexf_and_graphml_load_back_into_networkx(api):
    """The exports carry every node and edge with their attributes and read back with
    networkx (as Gephi reads GEXF)."""
    client = api("gast")
    bundle = client.get("/regions/swf5/bundle").get_json()
    keys = {r["key"] for part in ("municipalities", "actors", "initiatives")
            for r in bundle[part]}
    for fmt, reader in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        response = client.get(f"/regions/swf5/graph?format={fmt}")
        assert response.status_code == 200
        assert f"swf5-netzwerk.{fmt}" in response.headers["Content-Disposition"]
        G = reader(io.BytesIO(response.data))
        assert set(G) == keys
        assert G.nodes["olpe"]["type"] == "municipality"
        assert G.nodes["olpe"]["tier"] == "pioneer"
        assert G.nodes["swa"]["name"] == "Südwestfalen Agentur GmbH"
        assert G.nodes["swa"]["actor_type"] == "agency"
        assert G.number_of_edges() == (len(bundle["ties"]) + sum(
            len(i["participants"]) for i in bundle["initiatives"])
            + sum(1 for a in bundle["actors"] if a["municipality"]))


def test_exports_are_valid_gexf_with_the_edge_relation(api, as_user):
    """The page's and the API's GEXF exports use only GEXF's allowed values for an edge's
    ``type`` attribute (directed/undirected/mutual) and carry the edge's kind as
    ``relation`` (acts_for, participation, tie), as GraphML does."""
    import xml.etree.ElementTree as ET

    documents = {"page": as_user("gast").get(f"{R}/network/export.gexf").data,
                 "api": api("gast").get("/regions/swf5/graph?format=gexf").data}
    for name, body in documents.items():
        edges = [e for e in ET.fromstring(body).iter() if e.tag.endswith("}edge")]
        assert edges, name
        assert {e.get("type") for e in edges} <= {None, "directed", "undirected", "mutual"}
        G = nx.read_gexf(io.BytesIO(body))
        assert {d["relation"] for *_e, d in G.edges(data=True)} == {
            "acts_for", "participation", "tie"}, name
        assert [d["relation"] for u, v, d in G.edges(data=True)
                if (u, v) == ("olpe-digital", "olpe")] == ["acts_for"]
    G = nx.read_graphml(io.BytesIO(api("gast").get("/regions/swf5/graph?format=graphml").data))
    assert {d["relation"] for *_e, d in G.edges(data=True)} == {
        "acts_for", "participation", "tie"}
    assert all("type" not in d for *_e, d in G.edges(data=True))


def test_filters_are_honoured(api):
    """The API's vis data and exports follow the same filters as the page."""
    client = api("gast")
    whole = client.get("/regions/swf5/graph").get_json()
    mobility = client.get("/regions/swf5/graph?topic=mobility").get_json()
    assert whole["mode"] == "full" and whole["top"] == "swa"
    assert set(n["id"] for n in mobility["nodes"]) < set(n["id"] for n in whole["nodes"])
    assert mobility["routes"] and mobility["query"]["filters"] == {"topic": ["mobility"]}
    G = nx.read_gexf(io.BytesIO(client.get(
        "/regions/swf5/graph?format=gexf&type=municipality&tier=pioneer").data))
    assert sorted(G) == ["arnsberg", "bad-berleburg", "menden", "olpe", "soest"]
    ego = client.get("/regions/swf5/graph?ego=olpe").get_json()
    ids = {n["id"] for n in ego["nodes"]}
    assert "olpe" in ids and "olpe-digital" in ids and len(ids) < len(whole["nodes"])
    problem = client.get("/regions/swf5/graph?municipality=swa").get_json()
    assert problem["details"][0]["field"] == "municipality"


def test_markup_in_names_stays_data(api, as_user):
    """A name with markup is escaped in the page's HTML and passed as a plain JSON string
    (no title field, served as JSON with nosniff)."""
    olpe = api("olpe")
    assert olpe.post("/regions/swf5/initiatives", {
        "key": "markup", "name": MARKUP, "topic": "mobility",
        "participants": [{"actor": "olpe-digital", "role": "lead"}]}).status_code == 201
    viewer = as_user("gast")
    page = viewer.get(f"{R}/network").get_data(as_text=True)
    assert MARKUP not in page and "&lt;img src=x" in page
    response = viewer.get(f"{R}/network/data.json")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    node = next(n for n in response.get_json()["nodes"] if n["id"] == "markup")
    assert node["info"]["name"] == MARKUP
    assert all("title" not in n for n in response.get_json()["nodes"])


def test_page_loads_only_own_scripts(as_user):
    """The page's scripts and styles come from this app; no inline script runs (data is
    a JSON block), and the nav links to the view."""
    page = as_user("gast").get(f"{R}/network").get_data(as_text=True)
    assert "/static/vendor/vis-network/vis-network.min.js" in page
    assert "/static/js/network.js" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    # the JSON block, the view's two script files and every page's wait.js
    assert page.count("<script") == 4
    assert "/static/js/wait.js" in page
    assert 'type="application/json"' in page
    assert f'href="{R}/network"' in page


def _apply(data: dict, delta: dict) -> dict:
    """The page's applyMarks in Python: the drawn data with the marks' delta applied."""
    result = {**data, **{part: delta[part] for part in ("mode", "counts", "top", "routes")}}
    if delta["replace"]:
        return {**result, "nodes": delta["nodes"], "edges": delta["edges"]}
    for part in ("nodes", "edges"):
        items = {item["id"]: dict(item) for item in data[part]}
        for change in delta[part]:
            items.setdefault(change["id"], {}).update(change)
        result[part] = list(items.values())
    return result


def _by_id(items):
    return {item["id"]: item for item in items}


@pytest.mark.parametrize("query", ["", "?topic=mobility", "?metric=taktgeber&type=actor",
                                   "?ego=olpe&metric=gaps"])
def test_data_without_analysis_and_marks_complete_it(query, as_user, api, monkeypatch):
    """data.json answers without asking for the report (no Taktgeber or gap marks in it;
    a topic's transfer routes are drawn already); marks.json adds the marks: the drawn
    data with the marks applied is the API's marked document (same nodes, edges, routes,
    top)."""
    asked = []
    real = reports.latest
    monkeypatch.setattr(reports, "latest",
                        lambda region, **kw: asked.append(kw) or real(region, **kw))
    viewer = as_user("gast")
    data = viewer.get(f"{R}/network/data.json{query}").get_json()
    assert asked == []
    assert data["top"] is None
    assert not any(set(n["marks"]) - {"route"} for n in data["nodes"])
    delta = viewer.get(f"{R}/network/marks.json{query}").get_json()
    assert asked == [{"lang": "de"}]
    marked = api("gast").get(f"/regions/swf5/graph{query}").get_json()
    applied = _apply(data, delta)
    assert _by_id(applied["nodes"]) == _by_id(marked["nodes"])
    assert _by_id(applied["edges"]) == _by_id(marked["edges"])
    for part in ("mode", "counts", "top", "routes"):
        assert applied[part] == marked[part], part
    if not query:
        assert marked["top"] == "swa"
    if "topic" in query:  # the routes' nodes are drawn at once, not added by the marks
        assert data["routes"] and data["routes"] == delta["routes"]
        assert set(_by_id(data["nodes"])) == set(_by_id(marked["nodes"]))


def test_marks_name_taktgeber_and_gaps(as_user):
    """The marks give the Südwestfalen Agentur its gold border and name Attendorn's gap."""
    delta = as_user("gast").get(f"{R}/network/marks.json").get_json()
    nodes = _by_id(delta["nodes"])
    assert delta["top"] == "swa" and delta["replace"] is False
    assert "taktgeber" in nodes["swa"]["marks"] and nodes["swa"]["info"]["top"] is True
    gaps = nodes["attendorn"]["info"]["gaps"]
    assert any("koordinierende Ebene" in g["message"] for g in gaps)


def test_marks_in_the_interface_language(as_user, api):
    """An English reader's marks carry the English report's sentences (gap messages and
    explanations), as the API's ?lang=en report has them."""
    reader = as_user("gast")
    reader.post("/lang/en", {"next": f"{R}/network"}, csrf_from=R)
    delta = reader.get(f"{R}/network/marks.json").get_json()
    assert delta["lang"] == "en"
    english = api("gast").get("/regions/swf5/analysis?lang=en").get_json()
    messages = {g["message"] for g in english["gaps"] if "attendorn" in g["keys"]}
    shown = {g["message"] for g in _by_id(delta["nodes"])["attendorn"]["info"]["gaps"]}
    assert shown == messages
    assert not any("Ebene" in m for m in shown)
    swa = next(t for t in english["taktgeber"] if t["key"] == "swa")
    assert _by_id(delta["nodes"])["swa"]["info"]["taktgeber"]["explanation"] == \
        swa["explanation"]


def test_saving_positions_keeps_the_analysis(as_user, app, monkeypatch):
    """Saving positions is recorded but is not a change of network data: the data version
    stays, the cached report and vis data stay valid (no new analysis), and the next load
    draws the saved position."""
    runs = []
    real = reports.graphs.analyse
    monkeypatch.setattr(reports.graphs, "analyse",
                        lambda *a, **kw: runs.append(1) or real(*a, **kw))
    coordinator = as_user("koordination")
    with app.app_context():
        before = db.session.scalar(sa.select(Region.data_version).filter_by(slug="swf5"))
        db.session.remove()
    assert coordinator.get(f"{R}/network/marks.json").status_code == 200
    assert len(runs) == 1
    assert _post_positions(coordinator, {"olpe": [123, -45]}).status_code == 200
    delta = coordinator.get(f"{R}/network/marks.json").get_json()
    assert len(runs) == 1 and delta["top"] == "swa"
    assert "x" not in _by_id(delta["nodes"])["olpe"]  # the position is not the analysis'
    nodes = _by_id(coordinator.get(f"{R}/network/data.json").get_json()["nodes"])
    assert (nodes["olpe"]["x"], nodes["olpe"]["y"]) == (123, -45)
    with app.app_context():
        assert db.session.scalar(sa.select(Region.data_version).filter_by(slug="swf5")) \
            == before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)
                                 .where(Activity.action == "view.positions")) == 1
        db.session.remove()


def test_a_data_change_still_renews_graph_and_analysis(as_user, api):
    """Network data changes keep bumping the version: a new actor shows up in the next
    data and gets its marks from a new analysis."""
    viewer = as_user("gast")
    viewer.get(f"{R}/network/marks.json")
    assert api("olpe").post("/regions/swf5/actors", {
        "key": "olpe-neu", "name": "Neue Stelle", "type": "other", "level": "operational",
        "sector": "public", "municipality": "olpe"}).status_code == 201
    assert "olpe-neu" in _by_id(viewer.get(f"{R}/network/data.json").get_json()["nodes"])
    delta = viewer.get(f"{R}/network/marks.json").get_json()
    assert "olpe-neu" in _by_id(delta["nodes"])  # isolated from the network: a gap


EDITABLE = [("koordination", True), ("gast", []), ("soest", None), ("olpe", None)]


@pytest.mark.parametrize("login,expected", EDITABLE, ids=[login for login, _ in EDITABLE])
def test_edit_links_only_where_the_account_may_edit(login, expected, as_user):
    """data.json's ``editable`` names exactly the nodes whose edit form the account may
    open (the kinds' can_edit): all for the coordinator, none for a viewer, for a member its
    own municipality, its actors and the initiatives it leads."""
    client = as_user(login)
    data = client.get(f"{R}/network/data.json").get_json()
    editable = data["editable"]
    if expected is not None:
        assert editable == expected
        return
    nodes = [n["info"] for n in data["nodes"] if n["info"]["type"] != "kreis"]
    path = {"municipality": "municipalities", "actor": "actors", "initiative": "initiatives"}
    allowed = {n["key"] for n in nodes if client.get(
        f"{R}/{path[n['type']]}/{n['key']}/edit").status_code == 200}
    assert set(editable) == allowed
    assert login in editable and "swa" not in editable and "arnsberg" not in editable
    if login == "olpe":
        assert {"olpe-digital", "olpe-2030"} <= set(editable)


SAME_NODES = ["", "?topic=mobility", "?topic=mobility&type=municipality",
              "?topic=mobility&ego=olpe", "?topic=energy_climate&tier=pioneer",
              "?type=municipality&tier=pioneer", "?level=strategic&sector=public",
              "?initiative=olpe-2030", "?municipality=soest", "?ego=olpe&type=actor"]


def _pairs(edges) -> set:
    return {frozenset((e["from"], e["to"])) for e in edges}


@pytest.mark.parametrize("query", SAME_NODES, ids=[q or "all" for q in SAME_NODES])
def test_exports_hold_exactly_what_the_view_draws(query, as_user, api):
    """For the same query, the page's data.json (with the marks applied), the API's vis
    data and the GEXF and GraphML exports (read back with networkx) hold the same nodes,
    and the exports an edge for each pair the view joins and no other."""
    viewer = as_user("gast")
    data = viewer.get(f"{R}/network/data.json{query}").get_json()
    drawn = _apply(data, viewer.get(f"{R}/network/marks.json{query}").get_json())
    client = api("gast")
    marked = client.get(f"/regions/swf5/graph{query}").get_json()
    assert data["mode"] == "full"
    keys = set(_by_id(data["nodes"]))
    assert keys == set(_by_id(drawn["nodes"])) == set(_by_id(marked["nodes"]))
    sep = "&" if query else "?"
    exports = [nx.read_gexf(io.BytesIO(viewer.get(f"{R}/network/export.gexf{query}").data)),
               nx.read_graphml(io.BytesIO(client.get(
                   f"/regions/swf5/graph{query}{sep}format=graphml").data)),
               nx.read_gexf(io.BytesIO(client.get(
                   f"/regions/swf5/graph{query}{sep}format=gexf").data))]
    for G in exports:
        assert set(G) == keys, sorted(set(G) ^ keys)
        assert {frozenset(e) for e in G.edges()} == _pairs(data["edges"])
    if "topic=mobility" in query and "ego" not in query and "type" not in query:
        # the view shows the nodes of mobility's transfer routes, which the filter alone
        # (the mobility actors and initiatives) misses
        assert data["routes"]
        assert {n for route in data["routes"] for n in route} <= keys


def test_topic_routes_are_the_analysis_routes(api, app):
    """The routes a topic view draws (without waiting for the analysis) are the transfer
    paths of the region's analysis report for that topic."""
    from graphs import vis

    client = api("gast")
    drawn = client.get("/regions/swf5/graph?topic=mobility").get_json()["routes"]
    report = client.get("/regions/swf5/analysis").get_json()
    entry = next(t for t in report["transfer"] if t["topic"] == "mobility")
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        assert drawn == vis.transfer_routes(view.region_network(region), entry)
        db.session.remove()
    assert drawn


BAD_VALUES = [("type", "bogus", "Art"), ("level", "bogus", "Ebene"),
              ("sector", "bogus", "Sektor"), ("tier", "bogus", "Stufe"),
              ("topic", "bogus", "Handlungsfeld"), ("initiative", "bogus", "Initiative"),
              ("initiative", "olpe", "Initiative"), ("municipality", "bogus", "Kommune"),
              ("municipality", "swa", "Kommune"), ("ego", "bogus", "Ego-Ansicht"),
              ("expand", "bogus", "Aufklappen"), ("metric", "bogus", "Größe nach")]


@pytest.mark.parametrize("field,value,title", BAD_VALUES,
                         ids=[f"{f}={v}" for f, v, _t in BAD_VALUES])
def test_every_query_value_is_checked(field, value, title, as_user, api):
    """An unknown value of any filter (or ego, expand, metric) is refused with 422 and the
    error document naming the field (its German title in the message), by the page's
    data and marks and by the API's vis data and exports, instead of an empty graph; the
    page's export links (opened in the browser) answer 422 with the German error page
    naming the field; a second, good value of the same field does not hide it."""
    viewer = as_user("gast")
    client = api("gast")
    query = f"{field}={value}"
    for fmt in ("gexf", "graphml"):
        page = viewer.get(f"{R}/network/export.{fmt}?{query}")
        assert page.status_code == 422 and page.mimetype == "text/html", page.mimetype
        html = page.get_data(as_text=True)
        assert "Die Eingabe ist ungültig." in html and f"<code>{field}</code>" in html
        assert f"{title}" in html and "Content-Disposition" not in page.headers
    responses = [viewer.get(f"{R}/network/{part}?{query}")
                 for part in ("data.json", "marks.json")]
    responses += [client.get(f"/regions/swf5/graph?{query}{fmt}")
                  for fmt in ("", "&format=gexf", "&format=graphml")]
    for response in responses:
        assert response.status_code == 422, (response.request.path, response.status_code)
        body = response.get_json()
        assert body["error"] == "Die Eingabe ist ungültig."
        assert [d["field"] for d in body["details"]] == [field]
        message = body["details"][0]["message"]
        assert message.startswith(f"{title}") and f"„{value}“" in message
    if field in ("type", "topic", "initiative"):
        good = {"type": "actor", "topic": "mobility", "initiative": "olpe-2030"}[field]
        both = viewer.get(f"{R}/network/data.json?{field}={good}&{query}")
        assert both.status_code == 422


def test_good_values_of_every_field_are_accepted(as_user):
    """Every vocabulary value, node key and Kreis the page offers passes the check."""
    from collab.core import vocab

    viewer = as_user("gast")
    query = "&".join([f"level={v}" for v in vocab.LEVELS] + [f"sector={v}" for v in vocab.SECTORS]
                     + [f"tier={v}" for v in vocab.TIERS] + [f"topic={v}" for v in vocab.TOPICS]
                     + [f"type={v}" for v in ("municipality", "actor", "initiative")])
    assert viewer.get(f"{R}/network/data.json?{query}").status_code == 200
    for metric in ("degree", "taktgeber", "population", "capacity", "gaps"):
        assert viewer.get(f"{R}/network/data.json?metric={metric}").status_code == 200
    assert viewer.get(f"{R}/network/data.json?expand=kreis:Kreis Olpe&expand=olpe"
                      "&ego=swa").status_code == 200



def test_a_slow_network_is_served_stale_and_rebuilt_in_the_background(app, monkeypatch):
    """A network slow to build (here: every one) is served as it was after a change while
    its graph and picture are rebuilt in a background thread with its own session."""
    import time

    import sqlalchemy as sa
    from werkzeug.datastructures import MultiDict

    from collab.analysis import network
    from collab.core.models import Region
    from collab.extensions import db

    for cache in (network._views, network._pictures):
        monkeypatch.setattr(cache, "slow", 0.0)
        monkeypatch.setattr(cache, "interval", 0.0)
    network.clear_caches()
    with app.test_request_context(method="POST"):  # the test writes the change
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        chosen = network.view_args(MultiDict())
        version = network.region_network(region).graph["data_version"]
        network.plain_data(region, chosen)
        region.data_version += 1
        db.session.commit()
        assert network.region_network(region).graph["data_version"] == version  # stale
        for _ in range(100):
            if network.region_network(region).graph["data_version"] == version + 1:
                break
            time.sleep(0.05)
        assert network.region_network(region).graph["data_version"] == version + 1
        network.plain_data(region, chosen)
        for _ in range(100):
            if max(v for v, _d, _s in network._pictures.items.values()) == version + 1:
                break
            time.sleep(0.05)
        assert max(v for v, _d, _s in network._pictures.items.values()) == version + 1
    network.clear_caches()


def test_the_encoded_picture_follows_positions_language_and_viewer(as_user):
    """data.json is encoded once per picture, positions, language and address
    (network.picture_document) and gets the viewer's part appended: a saved position, the
    other language and another account's rights show at once."""
    coordinator, reader = as_user("koordination"), as_user("gast")
    first = coordinator.get(f"{R}/network/data.json").get_json()
    assert first["editable"] is True and first["stale"] is False
    assert first["labels"]["level"]["coordinating"] == "koordinierend"
    # the side panel names the federal state, not its code (user pass: "Land NW")
    assert first["labels"]["state"]["NW"] == "Nordrhein-Westfalen"
    assert reader.get(f"{R}/network/data.json").get_json()["editable"] == []
    assert _post_positions(coordinator, {"olpe": [12.5, -3]}).status_code == 200
    moved = _by_id(coordinator.get(f"{R}/network/data.json").get_json()["nodes"])["olpe"]
    assert (moved["x"], moved["y"]) == (12.5, -3)
    reader.post("/lang/en", {"next": f"{R}/network"}, csrf_from=R)
    english = reader.get(f"{R}/network/data.json").get_json()
    assert english["labels"]["level"]["coordinating"] == "coordinating"
    assert english["editable"] == [] and _by_id(english["nodes"])["olpe"]["x"] == 12.5


def test_an_unknown_vocabulary_value_is_answered_with_the_names_to_choose(as_user):
    """User pass: ?topic=xyz was answered "erlaubt: administration, data_platform, …";
    the allowed values now read as the form names them, with the value to write."""
    answer = as_user("gast").get(f"{R}/network/data.json?topic=xyz")
    assert answer.status_code == 422
    message = answer.get_json()["details"][0]["message"]
    assert "Handlungsfeld: unbekannter Wert „xyz“" in message
    assert "Mobilität (mobility)" in message
