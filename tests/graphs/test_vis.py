"""graphs.vis: filters, ego view, aggregation, layout and the vis-network lists."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

import graphs
from graphs import vis

from .bundles import actor, bundle, initiative, muni, tie

SEED = Path(__file__).resolve().parents[2] / "seeds" / "swf5.json"


SMALL = bundle(
    [muni("a", tier="pioneer", district="Kreis A"), muni("b", district="Kreis A"),
     muni("c", tier="supporter", district="Kreis B")],
    [actor("a-rat", "a", "strategic", "council"), actor("a-digital", "a", topics=["mobility"]),
     actor("b-amt", "b", "operational", "department", sector="business"),
     actor("c-rat", "c", "strategic", "council"), actor("agentur", None, type_="agency")],
    [initiative("i1", "mobility", "running", ("a-digital", "lead"), ("b-amt", "partner")),
     initiative("i2", "education", "idea", ("c-rat", "lead"))],
    [tie("a-rat", "a-digital", "mandate", 5), tie("agentur", "c-rat", "cooperation", 3)])


def small():
    """Two Kreise: a (pioneer) and b (member) in Kreis A, c (supporter) in Kreis B; a
    regional agency; initiative i1 (mobility) joins a and b, i2 (education) c only."""
    return graphs.build_graph(SMALL)


@pytest.fixture(scope="module")
def swf5():
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    return graphs.build_graph(doc), graphs.analyse(doc)


def test_filters_known_answers():
    """Each filter keeps exactly the nodes its rule names."""
    U = graphs.network_graph(small())
    f = lambda **kw: sorted(vis.filter_nodes(U, kw))  # noqa: E731
    assert f(type="initiative") == ["i1", "i2"]
    assert f(type=["municipality", "initiative"]) == ["a", "b", "c", "i1", "i2"]
    assert f(level="strategic", type="actor") == ["a-rat", "c-rat"]
    assert f(sector="business", type="actor") == ["b-amt"]
    assert f(tier="pioneer") == ["a", "a-digital", "a-rat", "agentur", "i1", "i2"]
    assert f(topic="mobility") == ["a", "a-digital", "b", "b-amt", "i1"]
    assert f(initiative="i2") == ["c", "c-rat", "i2"]
    assert f(municipality="a") == ["a", "a-digital", "a-rat", "i1"]
    assert f(topic="mobility", type="actor") == ["a-digital", "b-amt"]
    assert len(f()) == len(U)


def test_bad_filters_name_their_field():
    """Unknown filter names and keys of the wrong type raise FilterError with the field."""
    U = graphs.network_graph(small())
    with pytest.raises(vis.FilterError) as exc:
        vis.filter_nodes(U, {"colour": "red"})
    assert exc.value.field == "colour"
    with pytest.raises(vis.FilterError) as exc:
        vis.filter_nodes(U, {"initiative": "a"})
    assert exc.value.field == "initiative"
    with pytest.raises(vis.FilterError) as exc:
        vis.vis_data(small(), metric="beauty")
    assert exc.value.field == "metric"


def test_ego_view_is_municipality_actors_and_two_steps():
    """Ego of c: c, its actor c-rat, and two steps from them (agentur, i2); nothing of a/b."""
    U = graphs.network_graph(small())
    assert sorted(vis.ego_nodes(U, "c")) == ["agentur", "c", "c-rat", "i2"]
    assert sorted(vis.ego_nodes(U, "c", radius=0)) == ["c", "c-rat"]
    assert sorted(vis.ego_nodes(U, "i1", radius=1)) == ["a-digital", "b-amt", "i1"]


def test_aggregation_levels_and_expand():
    """Above the limit actors join their municipality, then municipalities their Kreis;
    expanding opens one level."""
    U = graphs.network_graph(small())
    mode, unit = vis.display_units(U, U, limit=len(U))
    assert mode == "full" and unit["a-rat"] == "a-rat"
    mode, unit = vis.display_units(U, U, limit=5)
    assert mode == "municipality"
    assert (unit["a-rat"], unit["b-amt"], unit["agentur"], unit["i1"]) == ("a", "b", "agentur",
                                                                            None)
    mode, unit = vis.display_units(U, U, limit=3)
    assert mode == "kreis"
    assert (unit["a-rat"], unit["b"], unit["c-rat"], unit["agentur"]) == (
        "kreis:Kreis A", "kreis:Kreis A", "kreis:Kreis B", "agentur")
    _mode, unit = vis.display_units(U, U, limit=3, expand=["kreis:Kreis A", "a"])
    assert (unit["a-rat"], unit["b-amt"], unit["b"], unit["c"]) == ("a-rat", "b", "b",
                                                                     "kreis:Kreis B")


def test_aggregated_vis_data_links_units():
    """Kreis view: two Kreis nodes and the agency; the agency's tie links it to Kreis B,
    nothing links Kreis A and B (i1 stays inside Kreis A)."""
    data = vis.vis_data(small(), limit=3)
    assert data["mode"] == "kreis"
    assert sorted(n["id"] for n in data["nodes"]) == ["agentur", "kreis:Kreis A",
                                                      "kreis:Kreis B"]
    assert [(e["from"], e["to"], e["kinds"]) for e in data["edges"]] == [
        ("agentur", "kreis:Kreis B", ["tie"])]
    kreis_a = next(n for n in data["nodes"] if n["id"] == "kreis:Kreis A")
    assert kreis_a["info"]["municipalities"] == 2 and kreis_a["info"]["actors"] == 3
    assert kreis_a["label"] == "Kreis A (2)"
    data = vis.vis_data(small(), limit=5)
    assert data["mode"] == "municipality"
    link = [e for e in data["edges"] if {e["from"], e["to"]} == {"a", "b"}]
    assert link and link[0]["kinds"] == ["initiative"]


def test_pyvis_and_direct_lists_agree(swf5):
    """pyvis' from_nx/get_network_data and the direct builder give the same lists, and
    neither changes the styled graph."""
    G, report = swf5
    U = graphs.network_graph(G)
    H = vis._full_graph(U, set(U), vis.analysis_overlay(report), "degree")
    vis._style(H, vis.layout(U, seed=0), vis.analysis_overlay(report), "degree", set(), set())
    sizes = dict(H.nodes(data="size"))
    by_id = lambda items: sorted(items, key=lambda d: json.dumps(d, sort_keys=True))  # noqa: E731
    p_nodes, p_edges = vis._pyvis_lists(H)
    d_nodes, d_edges = vis._direct_lists(H)
    assert by_id(p_nodes) == by_id(d_nodes)
    assert by_id(p_edges) == by_id(d_edges)
    assert dict(H.nodes(data="size")) == sizes
    assert all("weight" in d for _u, _v, d in H.edges(data=True))


def test_no_title_and_names_kept_verbatim():
    """Names with markup reach the data unchanged as plain strings; no node has a title
    (vis-network would render a title string as HTML)."""
    doc = bundle([muni("a")], [actor("x", "a", name='<img src=x onerror="alert(1)">')])
    data = vis.vis_data(graphs.build_graph(doc))
    node = next(n for n in data["nodes"] if n["id"] == "x")
    assert node["info"]["name"] == '<img src=x onerror="alert(1)">'
    assert node["label"] == '<img src=x onerror="alert(1)">'
    assert all("title" not in n for n in data["nodes"])


def test_swf5_marks_taktgeber_gaps_and_mobility_routes(swf5):
    """5 für Südwestfalen: the agency is marked top Taktgeber, Attendorn carries its
    level gap (missing, or a data request once its records are marked assumed) and the gap
    of the Rahmenstrategie rules it never voted on, and the mobility routes run over edges
    from a source to a target."""
    G, report = swf5
    whole = {n["id"]: n for n in vis.vis_data(G, report=report)["nodes"]}
    assert whole["swa"]["info"]["top"] is True and "taktgeber" in whole["swa"]["marks"]
    assert [n for n in whole if whole[n]["info"].get("top")] == ["swa"]
    attendorn = whole["attendorn"]
    kinds = [g["kind"] for g in attendorn["info"]["gaps"]]
    assert kinds in (["missing_level", "unvoted_charter"], ["unvoted_charter", "missing_data"])
    assert "gap" in attendorn["marks"]
    data = vis.vis_data(G, report=report, filters={"topic": "mobility"})
    assert data["top"] == "swa"
    entry = next(t for t in report["transfer"] if t["topic"] == "mobility")
    U = graphs.network_graph(G)
    # every path is drawn, also one through a format (no node): that step joins two of the
    # format's participants and is named in route_formats
    assert len(data["routes"]) == len(data["route_formats"]) == len(entry["paths"])
    assert any(data["route_formats"])
    for route, formats, path in zip(data["routes"], data["route_formats"], entry["paths"],
                                    strict=True):
        assert (route[0], route[-1]) == (path["from"], path["to"])
        assert all(v in route for v in path["via"] if v in U)
        assert [f["key"] for f in formats] == [v for v in path["via"] if v not in U]
        at = {f["at"]: f["key"] for f in formats}
        for i, (a, b) in enumerate(zip(route, route[1:], strict=False)):
            if i in at:
                assert {a, b} <= set(entry["formats"][at[i]]["participants"])
            else:
                assert U.has_edge(a, b)
    on_route = {frozenset((e["from"], e["to"])) for e in data["edges"] if e["route"]}
    for route in data["routes"]:  # the steps that are edges are drawn as on a route
        assert {frozenset(p) for p in zip(route, route[1:], strict=False)
                if U.has_edge(*p)} <= on_route


def test_visible_nodes_known_answers():
    """The visible set: the filter's nodes, with a topic the nodes of its transfer routes
    (a route from a to c over the agency's tie is drawn whole), narrowed by the ego view,
    whose own node always stays."""
    U = vis.view_graph(SMALL)
    U.add_edge("a-digital", "agentur", type="tie", weight=5, kinds=["advice"])
    transfer = [{"topic": "mobility", "paths": [{"from": "a", "to": "c", "via": ["agentur"]}]},
                {"topic": "education", "paths": [{"from": "c", "to": "a", "via": []}]}]
    visible, routes = vis.visible_nodes(U, {"topic": "mobility"}, transfer=transfer)
    assert routes == [["a", "a-digital", "agentur", "c-rat", "c"]]
    assert sorted(visible) == ["a", "a-digital", "agentur", "b", "b-amt", "c", "c-rat", "i1"]
    assert vis.visible_nodes(U, {"topic": "mobility"}) == (
        vis.filter_nodes(U, {"topic": "mobility"}), [])
    visible, routes = vis.visible_nodes(U, {"type": "initiative"}, ego="a-rat",
                                        transfer=transfer)
    assert sorted(visible) == ["a-rat", "i1"] and routes == []
    with pytest.raises(vis.FilterError):
        vis.visible_nodes(U, {}, ego="nope")


@pytest.mark.parametrize("query", [{"filters": {"topic": "mobility"}},
                                   {"filters": {"topic": "mobility"}, "ego": "olpe"},
                                   {"filters": {"type": "actor"}, "ego": "olpe"},
                                   {"filters": {"tier": "pioneer", "topic": "energy_climate"}}])
def test_vis_data_draws_the_visible_nodes(swf5, query):
    """vis_data draws exactly visible_nodes of the same query, with the report or with
    only its transfer entries (no other marks then), and the same routes either way."""
    G, report = swf5
    U = vis.view_graph(json.loads(SEED.read_text(encoding="utf-8")))
    visible, routes = vis.visible_nodes(U, query["filters"], ego=query.get("ego"),
                                        transfer=report["transfer"])
    marked = vis.vis_data(U=U, report=report, **query)
    routed = vis.vis_data(U=U, transfer=report["transfer"], **query)
    for data in (marked, routed):
        assert {n["id"] for n in data["nodes"]} == visible
        assert data["routes"] == routes and data["counts"]["visible"] == len(visible)
    assert routed["top"] is None and not any({"gap", "taktgeber"} & set(n["marks"])
                                             for n in routed["nodes"])


def test_layout_seeded_and_saved_positions_win(swf5):
    """The same seed gives the same layout; saved positions override it; filtering keeps
    the positions of the remaining nodes (small graphs are laid out whole)."""
    G, _report = swf5
    a = {n["id"]: (n["x"], n["y"]) for n in vis.vis_data(G)["nodes"]}
    b = {n["id"]: (n["x"], n["y"]) for n in vis.vis_data(G)["nodes"]}
    assert a == b
    moved = {n["id"]: (n["x"], n["y"])
             for n in vis.vis_data(G, positions={"olpe": (12.5, -3.0)})["nodes"]}
    assert moved["olpe"] == (12.5, -3.0)
    filtered = {n["id"]: (n["x"], n["y"])
                for n in vis.vis_data(G, filters={"type": "municipality"})["nodes"]}
    assert all(filtered[k] == a[k] for k in filtered)


def test_geographic_layout_known_answer():
    """North is up: of two places on one meridian the northern one has the smaller y; the
    unplaced node sits at its neighbour's place within the jitter."""
    H = nx.Graph([("n", "s"), ("s", "x")])
    H.nodes["n"].update(lat=52.0, lon=8.0)
    H.nodes["s"].update(lat=50.0, lon=8.0)
    pos = vis.layout(H, geographic=True)
    assert pos["n"] == (0.0, -1000.0) and pos["s"] == (0.0, 1000.0)
    assert abs(pos["x"][0]) <= 40 and abs(pos["x"][1] - 1000.0) <= 40


def test_metric_sizes():
    """Size by population: the largest municipality gets the largest size (30), nodes
    without a population the smallest (8)."""
    doc = bundle([muni("big", population=40_000), muni("small", population=10_000)],
                 [actor("x", "big")])
    nodes = {n["id"]: n for n in vis.vis_data(graphs.build_graph(doc),
                                              metric="population")["nodes"]}
    assert (nodes["big"]["size"], nodes["small"]["size"], nodes["x"]["size"]) == (30, 19, 8)


def _edges_by_pair(U):
    return {frozenset((u, v)): d for u, v, d in U.edges(data=True)}


@pytest.mark.parametrize("name", ["small", "swf5"])
def test_view_graph_equals_network_graph_of_the_multigraph(name):
    """view_graph(bundle) is network_graph(build_graph(bundle)): same nodes in the same
    order with the same attributes, same edges with the same attributes, plus ``heads`` on
    every tie edge (and on nothing else)."""
    doc = json.loads(SEED.read_text(encoding="utf-8")) if name == "swf5" else SMALL
    expected = graphs.network_graph(graphs.build_graph(doc))
    U = vis.view_graph(doc)
    assert list(U.nodes(data=True)) == list(expected.nodes(data=True))
    got, want = _edges_by_pair(U), _edges_by_pair(expected)
    assert set(got) == set(want)
    for pair, data in got.items():
        data = dict(data)
        heads = data.pop("heads", None)
        assert (heads is not None) == (data["type"] == "tie"), pair
        assert data == want[pair], pair
    assert U.graph["region"] == expected.graph["region"]


def test_view_graph_refuses_unknown_keys():
    """A tie or participation naming a key that is not in the bundle is an error, as in
    build_graph."""
    with pytest.raises(ValueError, match="nobody"):
        vis.view_graph(bundle([muni("a")], [actor("x", "a")], ties=[tie("x", "nobody")]))
    with pytest.raises(ValueError, match="nowhere"):
        vis.view_graph(bundle([muni("a")], [actor("x", "nowhere")]))


def test_directed_ties_get_arrows_known_answers(monkeypatch):
    """A mandate a-rat -> a-digital is drawn with its head at a-digital; a cooperation has
    no arrow; a mandate one way and a reporting line back give heads at both ends; a
    mandate beside a cooperation gives none. pyvis' lists and the direct ones agree."""
    doc = bundle([muni("a"), muni("b")],
                 [actor("a-rat", "a"), actor("a-digital", "a"), actor("b-rat", "b"),
                  actor("b-cdo", "b"), actor("agentur", None)],
                 ties=[tie("a-rat", "a-digital", "mandate"), tie("agentur", "b-cdo"),
                       tie("b-rat", "b-cdo", "mandate"), tie("b-cdo", "b-rat", "reporting"),
                       tie("agentur", "a-rat", "funding"),
                       tie("a-rat", "agentur", "cooperation")])

    def arrows(data):
        found = {}
        for e in data["edges"]:
            if e["type"] != "tie":
                continue
            heads = {"to": [e["to"]], "from": [e["from"]],
                     "to, from": sorted([e["to"], e["from"]])}.get(e.get("arrows"), [])
            found[frozenset((e["from"], e["to"]))] = sorted(heads)
        return found

    expected = {frozenset(("a-rat", "a-digital")): ["a-digital"],
                frozenset(("agentur", "b-cdo")): [],
                frozenset(("b-rat", "b-cdo")): ["b-cdo", "b-rat"],
                frozenset(("agentur", "a-rat")): []}
    assert arrows(vis.vis_data(U=vis.view_graph(doc))) == expected
    assert arrows(vis.vis_data(graphs.build_graph(doc))) == expected  # U built from G
    monkeypatch.setattr(vis, "PYVIS_MAX_EDGES", 0)
    assert arrows(vis.vis_data(U=vis.view_graph(doc))) == expected
    assert all("heads" not in e for e in vis.vis_data(U=vis.view_graph(doc))["edges"])


def _apply(plain, delta):
    if delta["replace"]:
        return {part: delta[part] for part in ("nodes", "edges", *vis.MARKED_PARTS)}
    result = {part: delta[part] for part in vis.MARKED_PARTS}
    for part in ("nodes", "edges"):
        items = {item["id"]: dict(item) for item in plain[part]}
        for change in delta[part]:
            items.setdefault(change["id"], {}).update(change)
        result[part] = items
    return result


@pytest.mark.parametrize("query", [{}, {"filters": {"topic": "mobility"}},
                                   {"metric": "taktgeber"}, {"limit": 40}])
def test_marks_delta_turns_plain_into_marked(swf5, query):
    """Applying marks_delta(plain, marked) to the plain data gives the marked data: the
    changed fields of changed items, the new items (brokers on transfer routes) whole."""
    G, report = swf5
    U = vis.view_graph(json.loads(SEED.read_text(encoding="utf-8")))
    plain = vis.vis_data(U=U, **query)
    marked = vis.vis_data(U=U, report=report, **query)
    delta = vis.marks_delta(plain, marked)
    assert delta["replace"] is False
    applied = _apply(plain, delta)
    assert applied["nodes"] == {n["id"]: n for n in marked["nodes"]}
    assert applied["edges"] == {e["id"]: e for e in marked["edges"]}
    assert all(applied[part] == marked[part] for part in vis.MARKED_PARTS)
    drawn = {n["id"] for n in plain["nodes"]}
    assert not any({"label", "shape", "x", "y"} & set(n)  # only what the analysis changes
                   for n in delta["nodes"] if n["id"] in drawn)
    if "filters" in query:
        new = {n["id"] for n in marked["nodes"]} - {n["id"] for n in plain["nodes"]}
        assert new and new <= {n["id"] for n in delta["nodes"] if "x" in n}


def test_marks_delta_replaces_when_items_would_go():
    """When the marked data lacks a drawn item or aggregates differently, the delta says
    replace and carries the whole marked lists."""
    plain = {"nodes": [{"id": "a"}, {"id": "b"}], "edges": [], "mode": "full"}
    marked = {"nodes": [{"id": "a"}], "edges": [], "mode": "full", "top": "a",
              "counts": {}, "routes": []}
    assert vis.marks_delta(plain, marked)["replace"] is True
    regrouped = {**marked, "nodes": [{"id": "a"}, {"id": "b"}], "mode": "municipality"}
    delta = vis.marks_delta(plain, regrouped)
    assert delta["replace"] is True and delta["nodes"] == regrouped["nodes"]


def test_with_positions_leaves_the_cached_data_alone(swf5):
    """Saved positions move their nodes in a copy; the original (cached) data keeps its
    layout."""
    G, _report = swf5
    data = vis.vis_data(G)
    before = json.dumps(data, sort_keys=True)
    moved = vis.with_positions(data, {"olpe": (1, 2), "unknown": (3, 4)})
    assert next(n for n in moved["nodes"] if n["id"] == "olpe")["x"] == 1.0
    assert json.dumps(data, sort_keys=True) == before


def test_examples():
    """The Examples sections of graphs.vis run as written."""
    import doctest

    result = doctest.testmod(vis, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 10


def _grouping_bundle():
    """Six municipalities (two Kreise, each at its own place) with four actors each; every
    actor also tied to an actor of the next two municipalities, and initiatives that join
    actors across all of them, so links alone would mix the groups."""
    places = [(51.0, 7.5), (51.1, 7.9), (50.9, 8.2), (51.3, 7.6), (51.2, 8.3), (50.8, 7.7)]
    munis, actors, ties, initiatives = [], [], [], []
    for i, (lat, lon) in enumerate(places):
        record = muni(f"m{i}", district="Kreis A" if i < 3 else "Kreis B")
        record.update(lat=lat, lon=lon)
        munis.append(record)
        actors += [actor(f"m{i}-a{k}", f"m{i}") for k in range(4)]
    for i in range(6):
        for k in range(4):
            ties.append(tie(f"m{i}-a{k}", f"m{(i + 1) % 6}-a{(k + 1) % 4}"))
            ties.append(tie(f"m{i}-a{k}", f"m{(i + 2) % 6}-a{(k + 3) % 4}"))
    for k in range(4):
        initiatives.append(initiative(f"i{k}", "mobility", "running",
                                      *((f"m{i}-a{k}", "partner") for i in range(6))))
    return bundle(munis, actors, initiatives, ties)


def _closest_municipality(pos, node, municipalities):
    x, y = pos[node]
    return min(municipalities, key=lambda m: (pos[m][0] - x) ** 2 + (pos[m][1] - y) ** 2)


def test_layout_groups_actors_around_their_municipality():
    """Region size (every node drawn): each actor is nearer its own municipality than any
    other, though its ties and initiatives run across all of them; and the layout is
    wider than high (the canvas is landscape)."""
    U = vis.view_graph(_grouping_bundle())
    pos = vis.layout(U, seed=0)
    municipalities = [f"m{i}" for i in range(6)]
    for i in range(6):
        for k in range(4):
            assert _closest_municipality(pos, f"m{i}-a{k}", municipalities) == f"m{i}"
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    assert max(xs) - min(xs) > 1.2 * (max(ys) - min(ys))


def test_aggregated_views_keep_the_groups():
    """State and national size (aggregated): by municipality the actors are drawn inside
    their municipality; by Kreis, a Kreis opened and one of its municipalities opened, that
    municipality's actors sit around it, nearer to it than to any other municipality."""
    U = vis.view_graph(_grouping_bundle())
    by_municipality = vis.vis_data(U=U, limit=20)
    assert by_municipality["mode"] == "municipality"
    assert {n["id"] for n in by_municipality["nodes"]} == {f"m{i}" for i in range(6)}
    opened = vis.vis_data(U=U, limit=5, expand=["kreis:Kreis A", "m1"])
    assert opened["mode"] == "kreis"
    pos = {n["id"]: (n["x"], n["y"]) for n in opened["nodes"]}
    assert {"m0", "m1", "m2", "kreis:Kreis B", "m1-a0"} <= set(pos)
    for k in range(4):
        assert _closest_municipality(pos, f"m1-a{k}", ["m0", "m1", "m2"]) == "m1"


def test_groups_hold_without_pushing_apart(monkeypatch):
    """Above ``SEPARATE_MAX`` groups the centres are not pushed apart (too slow); the rings
    are then kept under half the way to the nearest other group, so the actors still sit
    nearest their own municipality."""
    monkeypatch.setattr(vis, "SEPARATE_MAX", 0)
    U = vis.view_graph(_grouping_bundle())
    pos = vis.layout(U, seed=3)
    municipalities = [f"m{i}" for i in range(6)]
    for i in range(6):
        for k in range(4):
            assert _closest_municipality(pos, f"m{i}-a{k}", municipalities) == f"m{i}"
