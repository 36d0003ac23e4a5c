"""vis-network data of a network graph: filters, ego view, aggregation, seeded layout."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterable, Mapping

import networkx as nx
import numpy as np

from .build import (
    ACTS_FOR_WEIGHT,
    DIRECTED_TIE_KINDS,
    ROLE_WEIGHT,
    TRANSFER_TIE_KINDS,
    network_graph,
)
from .transfer import edge_length

__all__ = [
    "AGGREGATE_ABOVE",
    "FILTERS",
    "MARKED_PARTS",
    "METRICS",
    "PYVIS_MAX_EDGES",
    "FilterError",
    "analysis_overlay",
    "display_units",
    "ego_nodes",
    "filter_nodes",
    "kreis_id",
    "layout",
    "marks_delta",
    "tie_heads",
    "transfer_route_steps",
    "transfer_routes",
    "view_graph",
    "vis_data",
    "visible_nodes",
    "vis_lists",
    "with_positions",
]

#: Above this many visible nodes the view aggregates (actors into their municipality, then
#: municipalities into their Kreis).
AGGREGATE_ABOVE = 1500
#: pyvis' ``add_edge`` is quadratic on undirected graphs: up to this many edges pyvis builds
#: the lists, above it :func:`vis_lists` builds the same lists itself.
PYVIS_MAX_EDGES = 1000
#: Filter names and the node attribute each one reads (see :func:`filter_nodes`).
FILTERS = ("type", "level", "sector", "tier", "topic", "initiative", "municipality")
#: Size metrics a node can be drawn by.
METRICS = ("degree", "taktgeber", "population", "capacity", "gaps")
#: Layouts are computed in a square of this half-width (vis-network's coordinates), grown
#: with the square root of the node count above 64 nodes.
SCALE = 1000.0
#: Up to this many nodes the layout is Kamada-Kawai (started from a seeded spring layout),
#: which spreads small networks evenly; above, the seeded spring layout alone.
KAMADA_KAWAI_MAX = 400
#: The layout's box is this much wider than high (the view's canvas is landscape).
LAYOUT_ASPECT = 1.6
#: How much of a node's place along each axis is linear (the rest is its rank): see
#: :func:`_spread`.
SPREAD_LINEAR = 0.5
#: A municipality's actors sit on a ring around it: at least this radius, and this much
#: ring length per actor.
RING_MIN = 160.0
RING_STEP = 80.0
#: the same on the geographic layout of aggregated views (opened municipalities)
#: the least distance between two groups' rings (or two single nodes); see
#: :func:`_separate`, which leaves layouts of more groups than ``SEPARATE_MAX`` alone
GROUP_GAP = 80.0
SEPARATE_MAX = 400
#: a ring reaches at most this share of the way to the nearest other group
RING_SHARE = 0.45
GEO_RING_MIN = 30.0
GEO_RING_STEP = 25.0

SHAPES = {"municipality": "square", "actor": "dot", "initiative": "diamond",
          "kreis": "hexagon"}
LEVEL_COLOURS = {"strategic": "#c0392b", "coordinating": "#2471a3", "operational": "#229954"}
TIER_COLOURS = {"pioneer": "#1b4f72", "member": "#5dade2", "supporter": "#d6eaf8"}
SECTOR_BORDERS = {"public": "#424949", "civil_society": "#e67e22", "business": "#7d3c98",
                  "science": "#117a65"}
INITIATIVE_COLOUR = "#f4d03f"
KREIS_COLOUR = "#aab7b8"
GAP_BORDER = "#566573"  # a quiet grey: the legend's colours stay readable
TAKTGEBER_BORDER = "#b7950b"
ROUTE_COLOUR = "#e67e22"
EDGE_COLOURS = {"acts_for": "#b3b6b7", "participation": "#85c1e9", "tie": "#566573",
                "link": "#7f8c8d"}


def tie_heads(ties: Iterable) -> dict:
    """Return the arrow heads of the merged tie edges of the network graph.

    The network graph (:func:`graphs.network_graph`) joins all ties between two actors in
    one undirected edge. An arrow is drawn where the direction is clear: every tie of the
    pair is of a directed kind (:data:`graphs.DIRECTED_TIE_KINDS`); its heads are the targets
    of those ties (one head: one direction; both ends: directed ties both ways). A pair with
    an undirected tie (``cooperation``) gets no heads.

    Parameters
    ----------
    ties : iterable of (source, target, kind)

    Returns
    -------
    dict
        ``frozenset({u, v})`` -> sorted list of head keys (empty: no arrow).

    Examples
    --------
    >>> heads = tie_heads([("rat", "cdo", "mandate"), ("a", "b", "advice"),
    ...                    ("b", "a", "cooperation"), ("x", "y", "funding"),
    ...                    ("y", "x", "reporting")])
    >>> heads[frozenset({"rat", "cdo"})], heads[frozenset({"a", "b"})]
    (['cdo'], [])
    >>> heads[frozenset({"x", "y"})]
    ['x', 'y']
    """
    found: dict = {}
    for source, target, kind in ties:
        entry = found.setdefault(frozenset((source, target)), [False, set()])
        if kind in DIRECTED_TIE_KINDS:
            entry[1].add(target)
        else:
            entry[0] = True
    return {pair: [] if undirected else sorted(targets, key=str)
            for pair, (undirected, targets) in found.items()}


def view_graph(bundle: Mapping) -> nx.Graph:
    """Return the network graph of a bundle as the view draws it, built in one pass.

    Equal to ``network_graph(build_graph(bundle))`` (same nodes in the same order, same
    attributes, same edges), without building the multigraph first, which at national scale
    halves the time; in addition each tie edge has ``heads`` (:func:`tie_heads`), so the view
    can draw directed ties with arrows.

    Raises
    ------
    ValueError
        If a record refers to a key that is not a node of the bundle.

    Examples
    --------
    >>> U = view_graph({"municipalities": [{"key": "m", "name": "M"}],
    ...                 "actors": [{"key": "rat", "municipality": "m", "type": "council"},
    ...                            {"key": "cdo", "municipality": "m", "type": "cdo"}],
    ...                 "ties": [{"source": "rat", "target": "cdo", "kind": "mandate"}]})
    >>> U.nodes["rat"]["actor_type"], U.edges["rat", "cdo"]["heads"]
    ('council', ['cdo'])
    """
    nodes = []
    types: dict = {}
    for type_, part in (("municipality", "municipalities"), ("actor", "actors"),
                        ("initiative", "initiatives")):
        for record in sorted(bundle.get(part) or [], key=lambda r: r["key"]):
            attrs = {k: v for k, v in record.items() if k not in ("key", "participants")}
            if type_ == "actor":
                attrs["actor_type"] = attrs.pop("type", "other")
                attrs["topics"] = list(attrs.get("topics") or [])
            attrs["type"] = type_
            if type_ != "initiative":
                attrs["provenance"] = attrs.get("provenance") or "documented"
            types[record["key"]] = type_
            nodes.append((record["key"], attrs))

    def expect(key, type_):
        if types.get(key) != type_:
            raise ValueError(f"unknown {type_} {key!r}")

    edges: dict = {}
    for actor in bundle.get("actors") or []:
        if actor.get("municipality") is not None:
            expect(actor["municipality"], "municipality")
            edges[(actor["key"], actor["municipality"])] = {"type": "acts_for",
                                                            "weight": ACTS_FOR_WEIGHT}
    for initiative in bundle.get("initiatives") or []:
        for p in initiative.get("participants") or []:
            expect(p["actor"], "actor")
            role = p.get("role", "partner")
            edges[(p["actor"], initiative["key"])] = {
                "type": "participation", "role": role, "weight": ROLE_WEIGHT.get(role, 1),
                "provenance": p.get("provenance") or "documented"}
    ties = [(t["source"], t["target"], t.get("kind", "cooperation"), int(t.get("weight", 3)),
             t.get("trust"), t.get("provenance") == "assumed")
            for t in bundle.get("ties") or []]
    for u, v, kind, weight, trust, assumed in ties:
        expect(u, "actor")
        expect(v, "actor")
        pair = (u, v) if u < v else (v, u)
        edge = edges.get(pair)
        if edge is None:
            edge = edges[pair] = {"type": "tie", "weight": weight, "kinds": [kind],
                                  "transfer_weight": None, "trust": None, "records": 0,
                                  "assumed": 0}
        else:
            edge["weight"] = max(edge["weight"], weight)
            if kind not in edge["kinds"]:
                edge["kinds"] = sorted([*edge["kinds"], kind])
        edge["records"] += 1
        edge["assumed"] += assumed
        if kind in TRANSFER_TIE_KINDS:
            edge["transfer_weight"] = max(edge["transfer_weight"] or 0, weight)
            if trust is not None:
                edge["trust"] = max(edge["trust"] or 0, int(trust))
    for pair, heads in tie_heads((u, v, kind) for u, v, kind, *_rest in ties).items():
        u, v = sorted(pair)
        edges[(u, v)]["heads"] = heads
    U = nx.Graph(region=dict(bundle.get("region") or {}))
    U.add_nodes_from(nodes)
    U.add_edges_from((u, v, data) for (u, v), data in edges.items())
    return U


class FilterError(ValueError):
    """A filter value that does not fit the graph; ``field`` names the filter."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _values(value) -> set:
    if value is None or value == "":
        return set()
    if isinstance(value, str):
        return {value}
    return {v for v in value if v not in (None, "")}


def filter_nodes(U: nx.Graph, filters: Mapping | None = None) -> set:
    """Return the nodes of ``U`` that pass every filter.

    Each filter is a single value or a collection of values; empty filters pass everything.

    - ``type``: municipality, actor or initiative;
    - ``level``, ``sector``: narrow the actors (other nodes pass);
    - ``tier``: narrows the municipalities and the actors acting for them (regional actors
      and initiatives pass);
    - ``topic``: initiatives on the topic, actors with the topic or taking part in such an
      initiative, and the municipalities of those actors;
    - ``initiative``: the initiative, its participants and their municipalities;
    - ``municipality``: the municipality, its actors and the initiatives they take part in.

    Parameters
    ----------
    U : networkx.Graph
        The network graph (:func:`graphs.network_graph`).
    filters : mapping, optional
        Filter name -> value(s); names from :data:`FILTERS`.

    Returns
    -------
    set
        The keys of the nodes that pass.

    Raises
    ------
    FilterError
        For an unknown filter name, or an ``initiative`` / ``municipality`` key that is not a
        node of that type.

    Examples
    --------
    >>> U = nx.Graph()
    >>> U.add_node("m", type="municipality", tier="member")
    >>> U.add_node("a", type="actor", level="strategic", municipality="m", topics=[])
    >>> U.add_node("b", type="actor", level="operational", municipality=None, topics=[])
    >>> sorted(filter_nodes(U, {"level": "strategic"}))
    ['a', 'm']
    """
    filters = {k: _values(v) for k, v in (filters or {}).items()}
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise FilterError(unknown[0], f"Unbekannter Filter: {unknown[0]}")
    keep = set(U)
    nodes = U.nodes
    if filters.get("type"):
        keep = {n for n in keep if nodes[n]["type"] in filters["type"]}
    for field in ("level", "sector"):
        if filters.get(field):
            keep = {n for n in keep if nodes[n]["type"] != "actor"
                    or nodes[n].get(field) in filters[field]}
    if filters.get("tier"):
        tiers = filters["tier"]

        def tier_ok(n):
            d = nodes[n]
            if d["type"] == "municipality":
                return d.get("tier") in tiers
            if d["type"] == "actor" and d.get("municipality") is not None:
                return nodes[d["municipality"]].get("tier") in tiers
            return True
        keep = {n for n in keep if tier_ok(n)}
    if filters.get("topic"):
        keep &= _topic_nodes(U, filters["topic"])
    for field, type_ in (("initiative", "initiative"), ("municipality", "municipality")):
        if filters.get(field):
            around: set = set()
            for key in filters[field]:
                if key not in U or nodes[key]["type"] != type_:
                    raise FilterError(field, f"{key!r} ist keine {_TYPE_WORDS[type_]} dieses "
                                             f"Netzwerks.")
                around |= _initiative_nodes(U, key) if type_ == "initiative" \
                    else _municipality_nodes(U, key)
            keep &= around
    return keep


_TYPE_WORDS = {"initiative": "Initiative", "municipality": "Kommune"}


def _topic_nodes(U: nx.Graph, topics: set) -> set:
    nodes = U.nodes
    found = {n for n, d in U.nodes(data=True)
             if d["type"] == "initiative" and d.get("topic") in topics}
    actors = {n for n, d in U.nodes(data=True)
              if d["type"] == "actor" and topics & set(d.get("topics") or ())}
    for i in list(found):
        actors.update(a for a in U[i] if nodes[a]["type"] == "actor")
    found |= actors
    found.update(nodes[a]["municipality"] for a in actors if nodes[a].get("municipality"))
    return found


def _initiative_nodes(U: nx.Graph, key) -> set:
    found = {key}
    for a in U[key]:
        found.add(a)
        if U.nodes[a].get("municipality"):
            found.add(U.nodes[a]["municipality"])
    return found


def _municipality_nodes(U: nx.Graph, key) -> set:
    found = {key}
    for a in U[key]:
        if U.nodes[a]["type"] == "actor" and U.nodes[a].get("municipality") == key:
            found.add(a)
            found.update(i for i in U[a] if U.nodes[i]["type"] == "initiative")
    return found


def ego_nodes(U: nx.Graph, key, radius: int = 2) -> set:
    """Return a node's ego network: the node (with its own actors, for a municipality) and
    every node at most ``radius`` steps from them.

    Examples
    --------
    >>> U = nx.path_graph(["m", "a", "x", "y", "z"])
    >>> nx.set_node_attributes(U, "actor", "type")
    >>> U.nodes["m"]["type"] = "municipality"
    >>> U.nodes["a"]["municipality"] = "m"
    >>> sorted(ego_nodes(U, "m"))
    ['a', 'm', 'x', 'y']
    """
    if key not in U:
        raise FilterError("ego", f"{key!r} ist kein Knoten dieses Netzwerks.")
    if radius < 0:
        raise ValueError("radius must be >= 0")
    start = {key}
    if U.nodes[key]["type"] == "municipality":
        start |= {a for a in U[key] if U.nodes[a].get("municipality") == key}
    seen = set(start)
    frontier = set(start)
    for _step in range(radius):
        frontier = {m for n in frontier for m in U[n]} - seen
        seen |= frontier
    return seen


def visible_nodes(U: nx.Graph, filters: Mapping | None = None, *, ego=None,
                  transfer: Iterable | None = None) -> tuple[set, list[list]]:
    """Return the nodes the view shows for a query, and the transfer routes among them.

    The one place that decides what a query shows: the vis data (:func:`vis_data`) and the
    GraphML/GEXF exports both take their nodes from here. The visible nodes are those that
    pass the filters (:func:`filter_nodes`); with a ``topic`` filter, the nodes of that
    topic's transfer routes (:func:`transfer_routes` of the matching ``transfer`` entries)
    join them, so a route is drawn whole; with ``ego``, what is left is narrowed to the
    ego network (:func:`ego_nodes`), and the ego node itself is always shown.

    Parameters
    ----------
    U : networkx.Graph
        The network graph (:func:`view_graph` or :func:`graphs.network_graph`).
    filters : mapping, optional
        See :func:`filter_nodes`.
    ego : optional
        A node key: show only its ego network.
    transfer : iterable of mapping, optional
        Transfer entries (the report's ``transfer`` list, from
        :func:`graphs.transfer.transfer_paths`); only those of a filtered topic count.

    Returns
    -------
    visible, routes : set, list of list
        The node keys, and each route as its sequence of node keys.

    Raises
    ------
    FilterError
        As :func:`filter_nodes` and :func:`ego_nodes`.

    Examples
    --------
    >>> U = nx.Graph()
    >>> U.add_nodes_from(["s", "t"], type="municipality")
    >>> U.add_node("sa", type="actor", municipality="s", topics=["mobility"])
    >>> U.add_node("ta", type="actor", municipality="t", topics=[])
    >>> U.add_edge("sa", "s", type="acts_for"); U.add_edge("ta", "t", type="acts_for")
    >>> U.add_edge("sa", "ta", type="tie", weight=5)
    >>> transfer = [{"topic": "mobility", "paths": [{"from": "s", "to": "t", "via": []}]}]
    >>> sorted(filter_nodes(U, {"topic": "mobility"}))
    ['s', 'sa']
    >>> visible, routes = visible_nodes(U, {"topic": "mobility"}, transfer=transfer)
    >>> sorted(visible), routes
    (['s', 'sa', 't', 'ta'], [['s', 'sa', 'ta', 't']])
    """
    visible, routes, _steps = _visible(U, filters, ego, transfer)
    return visible, routes


def _visible(U: nx.Graph, filters: Mapping | None, ego, transfer: Iterable | None
             ) -> tuple[set, list[list], list[list]]:
    """:func:`visible_nodes`, and for each route its format steps
    (:func:`transfer_route_steps`)."""
    visible = filter_nodes(U, filters)
    routes: list[list] = []
    steps: list[list] = []
    topics = _values((filters or {}).get("topic"))
    if topics:
        for entry in transfer or ():
            if entry.get("topic") in topics:
                for route, formats in transfer_route_steps(U, entry):
                    routes.append(route)
                    steps.append(formats)
        visible |= {n for r in routes for n in r}
    if ego:
        visible &= ego_nodes(U, ego)
        visible.add(ego)
    return visible, routes, steps


def kreis_id(data: Mapping) -> str | None:
    """The aggregate id of a municipality's Kreis (``"kreis:<district>"``), None when it
    has no district (a kreisfreie Stadt stands for itself)."""
    district = (data.get("district") or "").strip()
    return f"kreis:{district}" if district else None


def display_units(U: nx.Graph, visible: Iterable, *, limit: int = AGGREGATE_ABOVE,
                  expand: Iterable = ()) -> tuple[str, dict]:
    """Decide how far to aggregate and map each visible node to the unit that draws it.

    Up to ``limit`` visible nodes every node is its own unit (mode ``"full"``). Above it,
    actors join their municipality and initiatives are drawn as links between the units of
    their participants (unit ``None``; mode ``"municipality"``); if that still leaves more
    than ``limit`` units, municipalities join their Kreis (mode ``"kreis"``). Regional actors
    (without a municipality) always stand for themselves. An id in ``expand`` opens one
    aggregate one level: a Kreis shows its municipalities, a municipality its actors.

    Returns
    -------
    mode, unit : str, dict
        The mode and node -> unit id (a node key, ``"kreis:<district>"`` or None).

    Examples
    --------
    >>> U = nx.Graph()
    >>> U.add_node("m", type="municipality", district="Kreis K")
    >>> U.add_node("a", type="actor", municipality="m")
    >>> U.add_node("i", type="initiative")
    >>> mode, unit = display_units(U, U, limit=2)
    >>> mode, sorted(unit.items(), key=str)
    ('municipality', [('a', 'm'), ('i', None), ('m', 'm')])
    >>> display_units(U, U, limit=0)[1]["a"]
    'kreis:Kreis K'
    """
    visible = set(visible)
    expand = set(expand)
    nodes = U.nodes
    if len(visible) <= limit:
        return "full", {n: n for n in visible}

    def municipality_unit(n):
        d = nodes[n]
        if d["type"] == "initiative":
            return None
        home = n if d["type"] == "municipality" else d.get("municipality")
        if home is None:
            return n
        if home in expand:
            return n
        return home

    unit = {n: municipality_unit(n) for n in visible}
    if len({u for u in unit.values() if u is not None}) <= limit:
        return "municipality", unit
    for n, u in unit.items():
        if u is None:
            continue
        d = nodes[n]
        home = n if d["type"] == "municipality" else d.get("municipality")
        if home is None or u != home:
            continue
        kreis = kreis_id(nodes[home])
        if kreis is not None and kreis not in expand:
            unit[n] = kreis
    return "kreis", unit


def transfer_routes(U: nx.Graph, entry: Mapping) -> list[list]:
    """Return the node sequences of a topic's transfer paths (an entry of the report's
    ``transfer`` list): each path runs from its source to its target through its ``via``
    nodes in order, each leg the shortest over trusted edges
    (:func:`graphs.transfer.edge_length` for the entry's topic). A format on the path is
    no node of ``U``: the route passes from one of its participants straight to another
    (:func:`transfer_route_steps` says which format). Legs without a route are left out.

    Examples
    --------
    >>> U = nx.Graph()
    >>> U.add_nodes_from(["s", "t"], type="municipality")
    >>> U.add_nodes_from(["sa", "ta"], type="actor")
    >>> U.add_edge("sa", "s", type="acts_for"); U.add_edge("ta", "t", type="acts_for")
    >>> U.add_edge("sa", "ta", type="tie", weight=5)
    >>> transfer_routes(U, {"paths": [{"from": "s", "to": "t", "via": []}]})
    [['s', 'sa', 'ta', 't']]
    """
    return [route for route, _formats in transfer_route_steps(U, entry)]


def transfer_route_steps(U: nx.Graph, entry: Mapping) -> list[tuple[list, list]]:
    """Return each transfer route of ``entry`` (as :func:`transfer_routes`) with the steps
    on it that go through a format: ``{"at": i, "key": ..., "name": ...}`` for the step
    from ``route[i]`` to ``route[i + 1]``, two participants of the format (the entry's
    ``formats``, from :func:`graphs.transfer.transfer_paths`). A format leg runs from the
    stop before it to the nearest participant, and from another participant to the stop
    after it. A path through a format the entry does not describe, through two formats in
    a row, or whose legs have no route, is left out.

    Examples
    --------
    >>> U = nx.Graph()
    >>> U.add_nodes_from(["s", "t"], type="municipality")
    >>> U.add_nodes_from(["sa", "ta"], type="actor")
    >>> U.add_edge("sa", "s", type="acts_for"); U.add_edge("ta", "t", type="acts_for")
    >>> entry = {"paths": [{"from": "s", "to": "t", "via": ["jf"]}],
    ...          "formats": {"jf": {"name": "Jour fixe", "participants": ["sa", "ta"]}}}
    >>> transfer_route_steps(U, entry)
    [(['s', 'sa', 'ta', 't'], [{'at': 1, 'key': 'jf', 'name': 'Jour fixe'}])]
    """
    formats = entry.get("formats") or {}
    topic = entry.get("topic")

    def length(u, v, d):
        return edge_length(U, u, v, d, topic)

    found = []
    for path in entry.get("paths") or []:
        stops = [path["from"], *path.get("via", []), path["to"]]
        if any(s not in U and s not in formats for s in stops) or any(
                a not in U and b not in U for a, b in zip(stops, stops[1:], strict=False)):
            continue
        if stops[0] not in U or stops[-1] not in U:
            continue
        route, steps = [stops[0]], []
        try:
            for i in range(1, len(stops)):
                stop = stops[i]
                if stop not in U:  # a format: from the stop before to the one after it
                    continue
                if stops[i - 1] in U:
                    route.extend(nx.shortest_path(U, route[-1], stop, weight=length)[1:])
                    continue
                key = stops[i - 1]
                first, second = _format_legs(U, formats[key].get("participants") or (),
                                             route[-1], stop, length)
                route.extend(first[1:])
                steps.append({"at": len(route) - 1, "key": key,
                              "name": formats[key].get("name") or key})
                route.extend(second)
        except nx.NetworkXNoPath:
            continue
        found.append((route, steps))
    return found


def _format_legs(U: nx.Graph, participants, before, after, length) -> tuple[list, list]:
    """The legs around a format step: ``before`` to a participant, and another
    participant to ``after`` (the shorter of the two ways to choose them)."""
    members = sorted({m for m in participants if m in U}, key=str)
    best = None
    for forward in (True, False) if len(members) > 1 else ():
        # the nearest participant to one end first, then another one to the other end
        near, far = (before, after) if forward else (after, before)
        try:
            d1, leg1 = nx.multi_source_dijkstra(U, members, target=near, weight=length)
            d2, leg2 = nx.multi_source_dijkstra(U, [m for m in members if m != leg1[0]],
                                                target=far, weight=length)
        except nx.NetworkXNoPath:
            continue
        legs = (leg1[::-1], leg2) if forward else (leg2[::-1], leg1)
        if best is None or d1 + d2 < best[0]:
            best = (d1 + d2, legs)
    if best is None:
        raise nx.NetworkXNoPath("format without two participants in the graph")
    return best[1]


def layout(H: nx.Graph, *, seed: int = 0, fixed: Mapping | None = None,
           geographic: bool = False) -> dict:
    """Return node -> (x, y) in vis-network coordinates, the same for the same graph and seed.

    With ``geographic=True`` nodes with ``lat``/``lon`` are placed on a plane projection
    (equirectangular around the mean latitude) and the others at the mean of their placed
    neighbours (or on a circle when they have none), and the actors of a placed
    municipality on a small ring around it; otherwise grouped by municipality
    (:func:`_grouped_layout`): the groups by Kamada-Kawai from a seeded spring layout (up
    to ``KAMADA_KAWAI_MAX`` groups) or the seeded spring layout (Fruchterman-Reingold),
    spread over ``±SCALE * LAYOUT_ASPECT`` × ``±SCALE`` (more for large graphs), each
    municipality's actors on a ring around it. Positions in ``fixed`` are kept as given.

    Examples
    --------
    >>> H = nx.Graph([(1, 2)])
    >>> layout(H, seed=1) == layout(H, seed=1)
    True
    >>> H.nodes[1].update(lat=50.0, lon=8.0); H.nodes[2].update(lat=51.0, lon=8.0)
    >>> pos = layout(H, geographic=True)
    >>> pos[1][1] > pos[2][1]
    True
    """
    fixed = {n: tuple(p) for n, p in (fixed or {}).items() if n in H}
    if len(H) == 0:
        return {}
    if geographic:
        pos = _geo_layout(H, seed)
    elif len(H) == 1:
        pos = {n: (0.0, 0.0) for n in H}
    else:
        pos = _grouped_layout(H, seed)
    pos.update(fixed)
    return pos


def _home(H: nx.Graph, n) -> object:
    """The node ``n`` is grouped around: an actor's municipality when it is in ``H`` (read
    from the node's attributes or, in a styled unit graph, its ``_info``), else ``n``."""
    d = H.nodes[n]
    info = d.get("_info") or d
    if info.get("type") != "actor":
        return n
    home = info.get("municipality")
    return home if home is not None and home != n and home in H else n


def _spread(raw: Mapping, half_width: float, half_height: float) -> dict:
    """Stretch positions over the box ``±half_width`` × ``±half_height``: per axis the mean
    of the linear and the rank position (a dense core and a few outliers no longer leave
    most of the box empty; the order along each axis is kept)."""
    nodes = sorted(raw, key=str)
    out: dict = {n: [0.0, 0.0] for n in nodes}
    for axis, half in ((0, half_width), (1, half_height)):
        values = [float(raw[n][axis]) for n in nodes]
        low, high = min(values), max(values)
        if high - low < 1e-12:
            continue
        order = sorted(range(len(nodes)), key=lambda i: (values[i], i))
        rank = [0.0] * len(nodes)
        for r, i in enumerate(order):
            rank[i] = r / (len(nodes) - 1)
        for i, n in enumerate(nodes):
            linear = (values[i] - low) / (high - low)
            out[n][axis] = (SPREAD_LINEAR * linear + (1 - SPREAD_LINEAR) * rank[i]) * 2 - 1
            out[n][axis] *= half
    return {n: (x, y) for n, (x, y) in out.items()}


def _separate(centre: Mapping, radii: Mapping, rounds: int = 40) -> dict:
    """Push the groups' centres apart until no ring overlaps another group: two centres at
    least twice the larger ring's radius plus ``GROUP_GAP`` apart (so every actor is nearer
    its own municipality than any other), two single nodes at least ``GROUP_GAP``. Up to
    ``rounds`` rounds of pairwise pushes (numpy; skipped above ``SEPARATE_MAX`` groups)."""
    nodes = sorted(centre, key=str)
    if len(nodes) < 2 or len(nodes) > SEPARATE_MAX:
        return dict(centre)
    xy = np.array([centre[n] for n in nodes], dtype=float)
    r = np.array([radii.get(n, 0.0) for n in nodes], dtype=float)
    need = 2 * np.maximum.outer(r, r) + GROUP_GAP
    np.fill_diagonal(need, 0.0)
    # a tiny fixed offset per node, so two centres on one spot part in a definite direction
    angle = np.arange(len(nodes)) * 2.399963
    xy += np.column_stack((np.cos(angle), np.sin(angle))) * 1e-3
    for _ in range(rounds):
        diff = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((diff ** 2).sum(axis=2))
        short = np.clip(need - dist, 0.0, None)
        np.fill_diagonal(short, 0.0)
        if not short.any():
            break
        unit = diff / np.where(dist > 0, dist, 1.0)[:, :, None]
        xy += (unit * (short / 2)[:, :, None]).sum(axis=1) * 0.5
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy, strict=True)}


def _capped_radii(centre: Mapping, radii: Mapping) -> dict:
    """Each ring's radius at most ``RING_SHARE`` of the way to the nearest other centre
    (a k-d tree), so an actor is always nearer its own municipality than any other, also
    where :func:`_separate` did not run or did not finish."""
    if len(centre) < 2 or not radii:
        return dict(radii)
    from scipy.spatial import cKDTree

    nodes = list(centre)
    tree = cKDTree(np.array([centre[n] for n in nodes], dtype=float))
    homes = list(radii)
    found, _ = tree.query(np.array([centre[h] for h in homes], dtype=float), k=2)
    capped = {}
    for h, distances in zip(homes, found, strict=True):
        capped[h] = min(radii[h], RING_SHARE * float(distances[1]))
    return capped


def _grouped_layout(H: nx.Graph, seed: int) -> dict:
    """Municipalities and their actors as groups: the graph of groups (each actor joined to
    its municipality, :func:`_home`) laid out by Kamada-Kawai (from a seeded spring
    layout; up to ``KAMADA_KAWAI_MAX`` groups) or the seeded spring layout, spread over a
    ``LAYOUT_ASPECT`` box (:func:`_spread`); then each municipality's actors on a ring
    around it, each turned towards the groups it is linked to."""
    home = {n: _home(H, n) for n in H}
    members: dict = {}
    for n, h in home.items():
        if h != n:
            members.setdefault(h, []).append(n)
    Q = nx.Graph()
    Q.add_nodes_from(sorted(set(home.values()), key=str))
    Q.add_edges_from((home[u], home[v]) for u, v in H.edges() if home[u] != home[v])
    if len(Q) == 1:
        raw = {n: (0.0, 0.0) for n in Q}
    elif len(Q) <= KAMADA_KAWAI_MAX:
        start = nx.spring_layout(Q, seed=seed, weight=None)
        raw = nx.kamada_kawai_layout(Q, pos=start, weight=None)
    else:
        raw = nx.spring_layout(Q, seed=seed, weight=None)
    half = SCALE * max(1.0, math.sqrt(len(H)) / 8)
    centre = _spread(raw, half * LAYOUT_ASPECT, half) if len(Q) > 1 else raw
    radii = {h: max(RING_MIN, len(group) * RING_STEP / (2 * math.pi))
             for h, group in members.items()}
    centre = _separate(centre, radii)
    radii = _capped_radii(centre, radii)
    pos = {n: (round(float(x), 1), round(float(y), 1)) for n, (x, y) in centre.items()}
    for h in sorted(members, key=str):
        group = sorted(members[h], key=str)
        hx, hy = pos[h]
        radius = radii[h]
        wanted = []
        for n in group:
            outside = [pos[home[m]] for m in H[n] if home[m] != h]
            if outside:
                mx = sum(p[0] for p in outside) / len(outside)
                my = sum(p[1] for p in outside) / len(outside)
                wanted.append(math.atan2(my - hy, mx - hx))
            else:  # no link out of its group: away from the middle of the picture
                wanted.append(math.atan2(hy, hx) if (hx, hy) != (0.0, 0.0) else 0.0)
        order = sorted(range(len(group)), key=lambda i: (wanted[i], str(group[i])))
        step = 2 * math.pi / len(group)
        # turn the evenly spaced ring so its places lie nearest the wanted angles (their
        # circular mean offset)
        sx = sum(math.cos(wanted[i] - k * step) for k, i in enumerate(order))
        sy = sum(math.sin(wanted[i] - k * step) for k, i in enumerate(order))
        turn = math.atan2(sy, sx)
        for k, i in enumerate(order):
            angle = turn + k * step
            pos[group[i]] = (round(hx + radius * math.cos(angle), 1),
                             round(hy + radius * math.sin(angle), 1))
    return pos


def _geo_layout(H: nx.Graph, seed: int) -> dict:
    placed = {n: (d["lat"], d["lon"]) for n, d in H.nodes(data=True)
              if d.get("lat") is not None and d.get("lon") is not None}
    pos = {}
    if placed:
        lat0 = sum(lat for lat, _ in placed.values()) / len(placed)
        lon0 = sum(lon for _, lon in placed.values()) / len(placed)
        k = math.cos(math.radians(lat0))
        span = max(max(abs(lat - lat0), abs(lon - lon0) * k) for lat, lon in placed.values())
        unit = SCALE / span if span > 0 else SCALE
        pos = {n: (round((lon - lon0) * k * unit, 1), round(-(lat - lat0) * unit, 1))
               for n, (lat, lon) in placed.items()}
    rng = random.Random(seed)
    rings: dict = {}
    for n in sorted((n for n in H if n not in pos), key=str):
        home = _home(H, n)
        if home != n and home in pos:
            rings.setdefault(home, []).append(n)
    placed_points = list(pos.items())
    for home, group in rings.items():  # an opened municipality: its actors around it
        radius = max(GEO_RING_MIN, len(group) * GEO_RING_STEP / (2 * math.pi))
        # within less than half the way to the nearest other place, so each actor stays
        # nearer its own municipality than any other
        hx, hy = pos[home]
        nearest = min((math.hypot(x - hx, y - hy) for m, (x, y) in placed_points
                       if m != home and (x, y) != (hx, hy)), default=None)
        if nearest is not None:
            radius = min(radius, 0.45 * nearest)
        for k, n in enumerate(group):
            angle = 2 * math.pi * k / len(group) + math.pi / 2
            pos[n] = (round(pos[home][0] + radius * math.cos(angle), 1),
                      round(pos[home][1] + radius * math.sin(angle), 1))
    rest = sorted((n for n in H if n not in pos), key=str)
    while rest:  # nodes next to placed ones first, so chains of unplaced nodes follow
        ready = [n for n in rest if any(m in pos for m in H[n])]
        if not ready:
            break
        for n in ready:
            near = [pos[m] for m in H[n] if m in pos]
            pos[n] = (round(sum(p[0] for p in near) / len(near) + rng.uniform(-40, 40), 1),
                      round(sum(p[1] for p in near) / len(near) + rng.uniform(-40, 40), 1))
        done = set(ready)
        rest = [n for n in rest if n not in done]
    for i, n in enumerate(rest):
        angle = 2 * math.pi * i / len(rest)
        pos[n] = (round(1.2 * SCALE * math.cos(angle), 1),
                  round(1.2 * SCALE * math.sin(angle), 1))
    return pos


def analysis_overlay(report: Mapping | None) -> dict:
    """Index an analysis report by node: ``taktgeber`` key -> ranking entry, ``gaps`` key ->
    list of gaps, ``community`` key -> community number, ``top`` the first-ranked key."""
    if not report:
        return {"taktgeber": {}, "gaps": {}, "community": {}, "top": None}
    ranking = {}
    for i, entry in enumerate(report.get("taktgeber") or []):
        ranking[entry["key"]] = {"rank": entry.get("rank", i + 1), "score": entry["score"],
                                 "parts": entry.get("parts", {}),
                                 "explanation": entry.get("explanation", "")}
    gaps: dict = {}
    for gap in report.get("gaps") or []:
        for key in gap.get("keys") or []:
            gaps.setdefault(key, []).append({"kind": gap["kind"], "severity": gap["severity"],
                                             "message": gap["message"]})
    community = {k: i + 1 for i, members in enumerate(report.get("communities") or [])
                 for k in members}
    top = min(ranking, key=lambda k: ranking[k]["rank"]) if ranking else None
    return {"taktgeber": ranking, "gaps": gaps, "community": community, "top": top}


_INFO_FIELDS = {
    "municipality": ("name", "kind", "tier", "district", "state", "population", "ags"),
    "actor": ("name", "actor_type", "level", "sector", "municipality", "topics", "capacity_fte"),
    "initiative": ("name", "topic", "status", "start", "end"),
}


def vis_data(G: nx.MultiDiGraph | None = None, *, report: Mapping | None = None,
             filters: Mapping | None = None, ego: str | None = None,
             expand: Iterable = (), metric: str = "degree", positions: Mapping | None = None,
             seed: int = 0, limit: int = AGGREGATE_ABOVE, U: nx.Graph | None = None,
             transfer: Iterable | None = None,
             layouts: Callable[[tuple, Callable[[], dict]], dict] | None = None) -> dict:
    """Return the vis-network data of the network view.

    Parameters
    ----------
    G : networkx.MultiDiGraph, optional
        The network (:func:`graphs.build_graph`); not needed when ``U`` is given.
    report : mapping, optional
        The analysis report (:func:`graphs.analyse`): marks the first-ranked Taktgeber
        candidate, nodes with gaps, and with a ``topic`` filter the transfer routes.
    filters : mapping, optional
        See :func:`filter_nodes`.
    ego : str, optional
        Show only this node's ego network (:func:`ego_nodes`).
    expand : iterable of str
        Aggregates to open (see :func:`display_units`).
    metric : str
        Node size by ``degree``, ``taktgeber`` score, ``population``, ``capacity`` (FTE) or
        number of ``gaps``.
    positions : mapping, optional
        Saved node positions (key -> (x, y)); they override the computed layout.
    seed : int
        Seed of the layout.
    limit : int
        Aggregate above this many visible nodes.
    U : networkx.Graph, optional
        The network graph when the caller already has it: :func:`view_graph` of the
        bundle, or ``network_graph(G)`` (then ties are drawn without arrows). Built from
        ``G`` (with arrows) when not given.
    transfer : iterable of mapping, optional
        The transfer entries whose routes a ``topic`` filter draws (see
        :func:`visible_nodes`); the report's ``transfer`` list when not given.
    layouts : callable, optional
        ``layouts(key, make)`` returns the cached layout of ``key`` or stores ``make()``:
        a cache the caller shares between processes (the layout of an unchanged graph is
        the same everywhere). A per-process cache of the last few layouts when not given.

    Returns
    -------
    dict
        ``nodes`` and ``edges`` (vis-network DataSet items: ``id``, ``label``, ``shape``,
        ``color``, ``size``, ``x``, ``y`` and ``info`` with the node's facts; never a
        ``title``, so nothing is rendered as HTML), ``mode`` (``full``, ``municipality``,
        ``kreis``), ``counts`` (``total``, ``visible`` nodes, ``drawn`` items), ``top`` (the
        first-ranked Taktgeber candidate), ``routes`` (transfer routes of the topic),
        ``route_formats`` (for each route its steps through a format, which is no node:
        :func:`transfer_route_steps`) and ``physics`` (False: the layout is
        precomputed). A tie edge whose direction is clear (:func:`tie_heads`) has
        ``arrows`` (``"to"``, ``"from"`` or ``"to, from"``).

    Raises
    ------
    FilterError
        For a bad filter, ego key or metric.
    """
    if metric not in METRICS:
        raise FilterError("metric", f"Unbekannte Kennzahl: {metric}")
    if U is None:
        U = network_graph(G)
        heads = tie_heads((u, v, d["kind"]) for u, v, d in G.edges(data=True)
                          if d["type"] == "tie")
        for pair, found in heads.items():
            U.edges[tuple(pair)]["heads"] = found
    overlay = analysis_overlay(report)
    if transfer is None and report:
        transfer = report.get("transfer")
    visible, routes, route_formats = _visible(U, filters, ego, transfer)
    mode, unit = display_units(U, visible, limit=limit, expand=expand)
    if mode == "full":
        H = _full_graph(U, visible, overlay, metric)
        layout_base = U if len(U) <= limit else U.subgraph(visible)
        pos = _cached_layout(U, layout_base, seed, layouts)
    else:
        H = _unit_graph(U, unit, overlay, metric)
        pos = layout(H, seed=seed, geographic=True)
    for n, p in (positions or {}).items():
        if n in pos:
            pos[n] = (float(p[0]), float(p[1]))
    route_edges = {frozenset(e) for r in routes for e in zip(r, r[1:], strict=False)}
    route_nodes = {n for r in routes for n in r}
    _style(H, pos, overlay, metric, route_nodes if mode == "full" else set(),
           route_edges if mode == "full" else set())
    nodes, edges = vis_lists(H)
    for edge in edges:
        heads = edge.pop("heads", None)
        if heads:
            edge["arrows"] = ", ".join(end for end in ("to", "from") if edge[end] in heads)
    return {
        "nodes": nodes, "edges": edges, "mode": mode, "physics": False,
        "counts": {"total": len(U), "visible": len(visible), "drawn": len(nodes)},
        "top": overlay["top"], "routes": routes if mode == "full" else [],
        "route_formats": route_formats if mode == "full" else [],
    }


def with_positions(data: Mapping, positions: Mapping | None) -> dict:
    """Return ``data`` (from :func:`vis_data`) with saved positions applied: a new dict and
    new items for the nodes that move; everything else is shared, so a cached document is
    never changed.

    Examples
    --------
    >>> data = {"nodes": [{"id": "a", "x": 0.0, "y": 0.0}, {"id": "b", "x": 1.0, "y": 1.0}]}
    >>> moved = with_positions(data, {"a": (5, -5), "zz": (1, 1)})
    >>> moved["nodes"][0], data["nodes"][0]["x"], moved["nodes"][1] is data["nodes"][1]
    ({'id': 'a', 'x': 5.0, 'y': -5.0}, 0.0, True)
    """
    if not positions:
        return dict(data)
    nodes = [{**n, "x": float(positions[n["id"]][0]), "y": float(positions[n["id"]][1])}
             if n["id"] in positions else n for n in data["nodes"]]
    return {**data, "nodes": nodes}


#: Top-level parts of the vis data that the analysis changes.
MARKED_PARTS = ("mode", "counts", "top", "routes", "route_formats")


def marks_delta(plain: Mapping, marked: Mapping) -> dict:
    """Return what the analysis adds to a drawn view: the changes from ``plain`` (the vis
    data without a report) to ``marked`` (the same query with the report).

    ``nodes`` and ``edges`` list, by ``id``, the changed fields of the items that change
    (a node's ``info``, ``color``, ``borderWidth``, ``marks``, ``size``, ...) and the whole
    items that are new (the brokers of transfer routes); ``mode``, ``counts``, ``top``,
    ``routes`` and ``route_formats`` are those of ``marked``. When an item would have to
    go, or the aggregation changes, ``replace`` is True and ``nodes`` and ``edges`` are
    the whole lists of ``marked``, to be drawn anew.

    Examples
    --------
    >>> plain = {"nodes": [{"id": "a", "size": 8, "x": 0}], "edges": [], "mode": "full"}
    >>> marked = {"nodes": [{"id": "a", "size": 30, "x": 0}, {"id": "b", "size": 8}],
    ...           "edges": [], "mode": "full", "top": "a"}
    >>> delta = marks_delta(plain, marked)
    >>> delta["replace"], delta["nodes"], delta["top"]
    (False, [{'size': 30, 'id': 'a'}, {'id': 'b', 'size': 8}], 'a')
    """
    result = {part: marked.get(part) for part in MARKED_PARTS}
    before = {key: {item["id"]: item for item in plain[key]} for key in ("nodes", "edges")}
    after = {key: {item["id"] for item in marked[key]} for key in ("nodes", "edges")}
    if plain.get("mode") != marked.get("mode") or any(
            not set(before[key]) <= after[key] for key in ("nodes", "edges")):
        return {**result, "replace": True, "nodes": list(marked["nodes"]),
                "edges": list(marked["edges"])}
    result["replace"] = False
    for key in ("nodes", "edges"):
        changes = []
        for item in marked[key]:
            old = before[key].get(item["id"])
            if old is None:
                changes.append(item)
                continue
            changed = {k: v for k, v in item.items() if old.get(k) != v}
            if changed:
                changes.append({**changed, "id": item["id"]})
        result[key] = changes
    return result


#: Raised whenever :func:`layout` places nodes differently, so no cache serves an old one.
LAYOUT_VERSION = 1

_layout_cache: dict = {}


def _content_key(G: nx.Graph) -> str:
    """A digest of the graph's nodes and edges (what a layout depends on): equal graphs built
    anew by different requests, processes or tests share one cached layout."""
    nodes = sorted(map(str, G))
    edges = sorted("\x1f".join(sorted((str(u), str(v)))) for u, v in G.edges())
    return hashlib.blake2b("\x1e".join(nodes + ["\x1d"] + edges).encode(),
                           digest_size=16).hexdigest()


def _cached_layout(U: nx.Graph, base: nx.Graph, seed: int,
                   layouts: Callable[[tuple, Callable[[], dict]], dict] | None = None) -> dict:
    """Layout of ``base`` (the whole graph when small, so filters do not move nodes), keyed
    by the graph's content, the seed and :data:`LAYOUT_VERSION`, so an unchanged network is
    laid out once however often its graph is rebuilt: once per process with the last few
    kept here, or once for all processes through ``layouts`` (see :func:`vis_data`)."""
    key = (_content_key(base), seed, LAYOUT_VERSION)
    if layouts is not None:
        return dict(layouts(key, lambda: layout(base, seed=seed)))
    found = _layout_cache.get(key)
    if found is not None:
        return dict(found)
    pos = layout(base, seed=seed)
    _layout_cache[key] = pos
    while len(_layout_cache) > 8:
        _layout_cache.pop(next(iter(_layout_cache)))
    return dict(pos)


def _plain(value):
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _full_graph(U: nx.Graph, visible: set, overlay: dict, metric: str) -> nx.Graph:
    H = nx.Graph()
    for n in sorted(visible, key=str):
        d = U.nodes[n]
        info = {"key": n, "type": d["type"]}
        info.update({f: _plain(d.get(f)) for f in _INFO_FIELDS[d["type"]]
                     if d.get(f) not in (None, "", [])})
        H.add_node(n, _info=info, _degree=U.degree(n))
    H.add_edges_from((u, v, {"type": d["type"], "weight": d.get("weight", 1),
                             "kinds": d.get("kinds") or ([d["role"]] if "role" in d else []),
                             **({"heads": d["heads"]} if d.get("heads") else {})})
                     for u, v, d in U.edges(visible, data=True) if u in visible and v in visible)
    _add_overlay(H, overlay)
    return H


def _unit_graph(U: nx.Graph, unit: dict, overlay: dict, metric: str) -> nx.Graph:
    nodes = U.nodes
    members: dict = {}
    for n, u in unit.items():
        if u is not None:
            members.setdefault(u, []).append(n)
    H = nx.Graph()
    for u in sorted(members, key=str):
        group = members[u]
        if group == [u]:
            d = nodes[u]
            info = {"key": u, "type": d["type"]}
            info.update({f: _plain(d.get(f)) for f in _INFO_FIELDS[d["type"]]
                         if d.get(f) not in (None, "", [])})
            H.add_node(u, _info=info, _degree=0, lat=d.get("lat"), lon=d.get("lon"))
            continue
        municipalities = [m for m in group if nodes[m]["type"] == "municipality"]
        actors = [a for a in group if nodes[a]["type"] == "actor"]
        if u in nodes:  # a municipality with its actors
            d = nodes[u]
            name, type_, lat, lon = d.get("name", u), "municipality", d.get("lat"), d.get("lon")
            extra = {f: _plain(d.get(f)) for f in _INFO_FIELDS["municipality"]
                     if d.get(f) not in (None, "", [])}
        else:  # a Kreis
            district = u.split(":", 1)[1]
            body = next((m for m in municipalities if nodes[m].get("kind") == "landkreis"), None)
            coords = [(nodes[m]["lat"], nodes[m]["lon"]) for m in municipalities
                      if nodes[m].get("lat") is not None and nodes[m].get("lon") is not None]
            if body is not None and nodes[body].get("lat") is not None:
                lat, lon = nodes[body]["lat"], nodes[body]["lon"]
            elif coords:
                lat = sum(c[0] for c in coords) / len(coords)
                lon = sum(c[1] for c in coords) / len(coords)
            else:
                lat = lon = None
            name, type_, extra = district, "kreis", {"name": district}
        info = {"key": u, "type": type_, **extra, "aggregate": True,
                "municipalities": len(municipalities), "actors": len(actors),
                "population": sum(nodes[m].get("population") or 0 for m in municipalities
                                  if nodes[m].get("kind") != "landkreis")}
        info["name"] = name
        gaps = [g for m in group for g in overlay["gaps"].get(m, [])]
        H.add_node(u, _info=info, _degree=0, lat=lat, lon=lon, _members=group,
                   _gap_count=len(gaps))
    links: dict = {}

    def link(a, b, what):
        if a is None or b is None or a == b:
            return
        pair = (a, b) if str(a) < str(b) else (b, a)
        found = links.setdefault(pair, {"count": 0, "kinds": set()})
        found["count"] += 1
        found["kinds"].add(what)

    by_initiative: dict = {}
    for a, b, d in U.edges(data=True):
        ua, ub = unit.get(a, False), unit.get(b, False)
        if ua is False or ub is False:
            continue
        if ua is None or ub is None:
            initiative, actor_unit = (a, ub) if ua is None else (b, ua)
            if actor_unit is not None:
                by_initiative.setdefault(initiative, set()).add(actor_unit)
            continue
        link(ua, ub, d["type"])
    for i in sorted(by_initiative, key=str):
        units = sorted(by_initiative[i], key=str)
        for x in range(len(units)):
            for y in range(x + 1, len(units)):
                link(units[x], units[y], "initiative")
    H.add_edges_from((a, b, {"type": "link", "weight": min(5, 1 + int(math.log2(v["count"]))),
                             "kinds": sorted(v["kinds"]), "count": v["count"]})
                     for (a, b), v in links.items())
    for n in H:
        H.nodes[n]["_degree"] = H.degree(n)
    _add_overlay(H, overlay)
    return H


def _add_overlay(H: nx.Graph, overlay: dict) -> None:
    for n, d in H.nodes(data=True):
        info = d["_info"]
        info["degree"] = d["_degree"]
        group = d.get("_members") or [n]
        ranked = [overlay["taktgeber"][m] | {"key": m} for m in group
                  if m in overlay["taktgeber"]]
        if ranked:
            best = min(ranked, key=lambda r: r["rank"])
            info["taktgeber"] = best if n == best["key"] else {
                "rank": best["rank"], "score": best["score"], "key": best["key"]}
        if overlay["top"] in group:
            info["top"] = True
        if "_members" in d:
            info["gap_count"] = d["_gap_count"]
        else:
            gaps = overlay["gaps"].get(n, [])
            if gaps:
                info["gaps"] = gaps
            info["gap_count"] = len(gaps)
        if n in overlay["community"]:
            info["community"] = overlay["community"][n]
        elif H.nodes[n]["_info"].get("municipality") in overlay["community"]:
            info["community"] = overlay["community"][info["municipality"]]


def _metric_value(info: dict, metric: str) -> float:
    if metric == "degree":
        return info.get("degree", 0)
    if metric == "taktgeber":
        return (info.get("taktgeber") or {}).get("score", 0)
    if metric == "population":
        return info.get("population") or 0
    if metric == "capacity":
        return info.get("capacity_fte") or 0
    return info.get("gap_count", 0)


def _style(H: nx.Graph, pos: dict, overlay: dict, metric: str, route_nodes: set,
           route_edges: set) -> None:
    values = {n: float(_metric_value(d["_info"], metric)) for n, d in H.nodes(data=True)}
    largest = max(values.values(), default=0) or 1.0
    for n, d in H.nodes(data=True):
        info = d["_info"]
        type_ = info["type"]
        if type_ == "actor":
            background = LEVEL_COLOURS.get(info.get("level"), "#95a5a6")
            border = SECTOR_BORDERS.get(info.get("sector"), "#424949")
        elif type_ == "municipality":
            background = TIER_COLOURS.get(info.get("tier"), "#95a5a6")
            border = "#1c2833"
        elif type_ == "initiative":
            background, border = INITIATIVE_COLOUR, "#7d6608"
        else:
            background, border = KREIS_COLOUR, "#1c2833"
        attrs = {"label": _label(info), "shape": SHAPES[type_],
                 "size": 8 + 22 * math.sqrt(values[n] / largest), "borderWidth": 1,
                 "info": info}
        marks = []
        if info.get("gap_count"):
            attrs["shapeProperties"] = {"borderDashes": [3, 3]}
            border = GAP_BORDER
            attrs["borderWidth"] = 2
            marks.append("gap")
        if info.get("top"):
            border = TAKTGEBER_BORDER
            attrs["borderWidth"] = 6
            attrs["shadow"] = True
            marks.append("taktgeber")
        if n in route_nodes:
            marks.append("route")
            attrs["borderWidth"] = max(attrs["borderWidth"], 4)
            if not info.get("top"):
                border = ROUTE_COLOUR
        attrs["color"] = {"background": background, "border": border,
                          "highlight": {"background": background, "border": "#000000"}}
        attrs["marks"] = marks
        x, y = pos.get(n, (0.0, 0.0))
        attrs["x"], attrs["y"] = x, y
        for k in [k for k in d if k.startswith("_") or k in ("lat", "lon")]:
            del d[k]
        d.update(attrs)
    for u, v, d in H.edges(data=True):
        on_route = frozenset((u, v)) in route_edges
        type_ = d["type"]
        d.update({"id": f"{u}|{v}", "color": ROUTE_COLOUR if on_route
                  else EDGE_COLOURS.get(type_, "#7f8c8d"),
                  "dashes": type_ == "participation", "route": on_route})
        if on_route:
            d["weight"] = max(d["weight"], 5)


def _label(info: dict) -> str:
    name = str(info.get("name") or info["key"])
    if len(name) > 40:
        name = name[:39] + "…"
    if info.get("aggregate"):
        count = info["municipalities"] if info["type"] == "kreis" else info["actors"]
        return f"{name} ({count})"
    return name


def vis_lists(H: nx.Graph) -> tuple[list[dict], list[dict]]:
    """Return vis-network node and edge lists of a styled graph.

    Up to :data:`PYVIS_MAX_EDGES` edges through pyvis (``Network.from_nx`` on a copy, since it
    changes its input, then ``get_network_data()``); above, the same lists built directly,
    because pyvis' ``add_edge`` is quadratic on undirected graphs. Node sizes become integers
    and each edge's ``weight`` becomes its ``width``, as pyvis does.

    Examples
    --------
    >>> H = nx.Graph()
    >>> H.add_node("a", label="A", shape="dot", size=10.5)
    >>> H.add_node("b", label="B", shape="dot", size=12)
    >>> H.add_edge("a", "b", weight=3)
    >>> nodes, edges = vis_lists(H)
    >>> nodes[0]["size"], edges[0]["width"], edges[0]["from"], edges[0]["to"]
    (10, 3, 'a', 'b')
    """
    if H.number_of_edges() <= PYVIS_MAX_EDGES:
        return _pyvis_lists(H)
    return _direct_lists(H)


def _pyvis_lists(H: nx.Graph) -> tuple[list[dict], list[dict]]:
    from pyvis.network import Network

    net = Network(directed=False)
    net.from_nx(nx.Graph(H), default_node_size=10)  # from_nx mutates its input: a copy
    nodes, edges, *_rest = net.get_network_data()
    return nodes, edges


def _direct_lists(H: nx.Graph) -> tuple[list[dict], list[dict]]:
    """pyvis' from_nx output without its quadratic edge check (same dicts, same order)."""
    nodes: dict = {}

    def node(n):
        if n not in nodes:
            d = dict(H.nodes[n])
            d["size"] = int(d.get("size", 10))
            d.update({"id": n, "label": d.get("label") or n, "shape": d.get("shape", "dot")})
            nodes[n] = d
    edges = []
    for u, v, data in H.edges(data=True):
        node(u)
        node(v)
        d = dict(data)
        d["width"] = d.pop("weight", 1)
        d.update({"from": u, "to": v})
        edges.append(d)
    for n in nx.isolates(H):
        node(n)
    return list(nodes.values()), edges
