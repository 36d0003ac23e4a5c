"""The network view over HTTP: who may see and change what, the data and its exports."""

from __future__ import annotations

import io

import networkx as nx
import pytest
import sqlalchemy as sa

from collab.extensions import db
from collab.models import Activity, NodePosition

from .test_permissions import _client, _expect

R = "/regions/swf5"
MARKUP = '<img src=x onerror="alert(1)"><b>fett</b>'

PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/network", "302 200 200 200 200"),
    (f"{R}/network?topic=mobility&type=actor", "302 200 200 200 200"),
    (f"{R}/network/data.json", "302 200 200 200 200"),
    (f"{R}/network/data.json?ego=olpe&metric=taktgeber", "302 200 200 200 200"),
    (f"{R}/network/data.json?initiative=olpe", "302 422 422 422 422"),
    (f"{R}/network/export.gexf", "302 200 200 200 200"),
    (f"{R}/network/export.graphml?tier=pioneer", "302 200 200 200 200"),
    (f"{R}/network/export.pdf", "302 404 404 404 404"),
    (f"{R}/network/positions", "405 405 405 405 405"),
    ("/regions/nope/network", "302 404 404 404 404"),
    ("/regions/nope/network/data.json", "302 404 404 404 404"),
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
    assert page.count("<script") == 3  # the JSON block and two script files
    assert 'type="application/json"' in page
    assert f'href="{R}/network"' in page
