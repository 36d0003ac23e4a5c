"""Build the network graph from a bundle's plain records and derive the projections."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from operator import itemgetter

import networkx as nx

__all__ = [
    "DIRECTED_TIE_KINDS",
    "LEVELS",
    "ROLE_WEIGHT",
    "TRANSFER_TIE_KINDS",
    "active_formats",
    "actor_graph",
    "actors_by_municipality",
    "analysis_scope",
    "build_graph",
    "edges_of_type",
    "exportable",
    "home_units",
    "municipality_graph",
    "network_graph",
    "nodes_of_type",
    "undirected_edges",
]

#: Tie kinds whose direction matters (source acts on target); ``cooperation`` is undirected.
DIRECTED_TIE_KINDS = frozenset({"mandate", "reporting", "advice", "funding", "knowledge_transfer"})
#: Tie kinds that carry knowledge whatever their weight (``graphs.transfer``).
TRANSFER_TIE_KINDS = frozenset({"knowledge_transfer", "advice", "cooperation"})
#: The three levels every municipality needs, in the order they are named.
LEVELS = ("strategic", "coordinating", "operational")
#: Strength of a participation edge in the undirected network graph, by role (like a tie's 1-5).
ROLE_WEIGHT = {"lead": 4, "partner": 3, "supporter": 2, "observer": 1}
#: Strength of the edge between an actor and the municipality it acts for (same administration).
ACTS_FOR_WEIGHT = 5


def build_graph(bundle: Mapping) -> nx.MultiDiGraph:
    """Return the typed multigraph of a network bundle (format ``kommunalnetz-bundle``).

    Nodes are the bundle's keys (municipality, actor and initiative keys share one namespace).
    Every node has ``type`` (``"municipality"``, ``"actor"`` or ``"initiative"``) and all its
    bundle fields as attributes, except an initiative's ``participants``, which become edges,
    and an actor's own ``type`` (council, cdo, ...), which is stored as ``actor_type``.
    Edges, keyed so parallel edges of different kinds coexist:

    - ``actor -> municipality``, key ``"acts_for"``, ``type="acts_for"``;
    - ``actor -> initiative``, key ``"participation"``, ``type="participation"``, ``role``,
      ``provenance``;
    - ``source -> target`` per tie, key = the tie key, ``type="tie"``, ``kind``, ``weight``
      (1-5, default 3), ``trust`` (1-5 or None), ``provenance`` and ``directed`` (False for
      ``cooperation``, stored once in bundle direction).

    Municipality and actor nodes keep their ``provenance`` (``documented`` when not given).
    Nodes and edges are added in sorted key order, so the graph (and every seeded analysis
    on it) does not depend on the order of records in the bundle. ``G.graph["region"]`` holds
    the bundle's region record, ``G.graph["rules"]`` its rules, ``G.graph["formats"]`` its
    formats (sorted by key; convenor and participants must be actors of the bundle) and
    ``G.graph["solutions"]`` its solutions (sorted by key, with their ``uses``).

    Parameters
    ----------
    bundle : mapping
        A bundle as described in ``docs/bundle.md``; it is not modified.

    Returns
    -------
    G : networkx.MultiDiGraph

    Raises
    ------
    ValueError
        If the bundle is not a kommunalnetz bundle, a key is used twice, or a record refers
        to a key that does not exist.

    Examples
    --------
    >>> G = build_graph({"format": "kommunalnetz-bundle", "version": 1,
    ...     "region": {"slug": "r"},
    ...     "municipalities": [{"key": "a", "name": "A", "tier": "member"}],
    ...     "actors": [{"key": "a-rat", "name": "Rat A", "level": "strategic",
    ...                 "municipality": "a"}]})
    >>> sorted(G.edges(keys=True))
    [('a-rat', 'a', 'acts_for')]
    """
    if not isinstance(bundle, Mapping):
        raise ValueError("bundle must be a mapping (a parsed kommunalnetz bundle)")
    if bundle.get("format", "kommunalnetz-bundle") != "kommunalnetz-bundle":
        raise ValueError(f"not a kommunalnetz bundle: format {bundle.get('format')!r}")
    municipalities = sorted(bundle.get("municipalities") or [], key=lambda r: r["key"])
    actors = sorted(bundle.get("actors") or [], key=lambda r: r["key"])
    initiatives = sorted(bundle.get("initiatives") or [], key=lambda r: r["key"])
    types: dict[str, str] = {}
    nodes = []
    for type_, records in (("municipality", municipalities), ("actor", actors),
                           ("initiative", initiatives)):
        for record in records:
            key = record.get("key")
            if not isinstance(key, str) or not key:
                raise ValueError(f"a {type_} record has no key")
            if key in types:
                raise ValueError(f"key {key!r} is used twice (keys share one namespace)")
            types[key] = type_
            attrs = {k: v for k, v in record.items() if k not in ("key", "participants")}
            if type_ == "actor":
                attrs["actor_type"] = attrs.pop("type", "other")
                attrs["topics"] = list(attrs.get("topics") or [])
            attrs["type"] = type_
            if type_ != "initiative":
                attrs["provenance"] = attrs.get("provenance") or "documented"
            nodes.append((key, attrs))

    def expect(key, type_, where):
        if types.get(key) != type_:
            raise ValueError(f"{where} refers to unknown {type_} {key!r}")

    edges = []
    for actor in actors:
        municipality = actor.get("municipality")
        if municipality is not None:
            expect(municipality, "municipality", f"actor {actor['key']!r}")
            edges.append((actor["key"], municipality, "acts_for", {"type": "acts_for"}))
    for initiative in initiatives:
        for p in sorted(initiative.get("participants") or [], key=lambda p: p["actor"]):
            expect(p["actor"], "actor", f"initiative {initiative['key']!r}")
            edges.append((p["actor"], initiative["key"], "participation",
                          {"type": "participation", "role": p.get("role", "partner"),
                           "provenance": p.get("provenance") or "documented"}))
    keyed_ties = sorted(((_tie_key(tie), tie) for tie in bundle.get("ties") or []),
                        key=itemgetter(0))  # stable: ties of one key keep the bundle's order
    for tie_key, tie in keyed_ties:
        source, target, kind = tie["source"], tie["target"], tie.get("kind", "cooperation")
        expect(source, "actor", "a tie")
        expect(target, "actor", "a tie")
        if source == target:
            raise ValueError(f"tie {tie_key!r} connects {source!r} with itself")
        edges.append((source, target, tie_key, {
            "type": "tie", "kind": kind, "weight": int(tie.get("weight", 3)),
            "directed": kind in DIRECTED_TIE_KINDS, "description": tie.get("description", ""),
            "trust": tie.get("trust"), "provenance": tie.get("provenance") or "documented"}))
    formats = sorted(bundle.get("formats") or [], key=lambda r: r["key"])
    for record in formats:
        for key in [record.get("convenor"), *(record.get("participants") or [])]:
            if key is not None:
                expect(key, "actor", f"format {record['key']!r}")
    solutions = sorted(bundle.get("solutions") or [], key=lambda r: r["key"])
    G = nx.MultiDiGraph(region=dict(bundle.get("region") or {}),
                        rules=list(bundle.get("rules") or []), formats=formats,
                        solutions=solutions)
    _fill_multidigraph(G, nodes, edges)
    return G


def _fill_multidigraph(G: nx.MultiDiGraph, nodes: list, edges: list) -> None:
    """``G.add_nodes_from(nodes); G.add_edges_from(edges)`` for an empty ``G`` (nodes new and
    distinct, every edge between them), written straight into networkx's adjacency dicts:
    the same graph (same order, a repeated edge key keeps the last record's attributes) in
    a third of the time of the general methods at national scale."""
    node, succ, pred = G._node, G._succ, G._pred
    for key, attrs in nodes:
        node[key] = attrs
        succ[key] = {}
        pred[key] = {}
    for u, v, key, data in edges:
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = succ[u][v] = pred[v][u] = {}
        if key in keydict:
            keydict[key].update(data)
        else:
            keydict[key] = data
    nx._clear_cache(G)


def _tie_key(tie: Mapping) -> str:
    kind = tie.get("kind", "cooperation")
    return tie.get("key") or f"{tie['source']}-{tie['target']}-{kind.replace('_', '-')}"


def active_formats(G: nx.Graph, today: str | None = None) -> list[dict]:
    """Return the network's formats (``G.graph["formats"]``) running on ``today``.

    ``today`` is an ISO date ("YYYY-MM-DD"); a format runs from ``since`` (None: always
    has) to ``until`` (None: open-ended); with ``today`` None every format counts. Each
    returned format is a copy whose ``convenor`` (None when not an actor of ``G``) and
    ``participants`` (sorted, without the convenor) name actors of ``G`` only, so a
    what-if without an actor still reads the formats.

    Examples
    --------
    >>> G = nx.MultiDiGraph(formats=[{"key": "jf", "cadence": "monthly", "convenor": "a",
    ...                               "participants": ["b", "c"], "until": "2020-12-31"}])
    >>> G.add_nodes_from(["a", "b"], type="actor")
    >>> [(f["convenor"], f["participants"]) for f in active_formats(G)]
    [('a', ['b'])]
    >>> active_formats(G, "2021-01-01")
    []
    """
    found = []
    for record in G.graph.get("formats") or []:
        since, until = record.get("since"), record.get("until")
        if today is not None and ((since and str(since) > today) or
                                  (until and str(until) < today)):
            continue
        convenor = record.get("convenor")
        convenor = convenor if convenor in G and G.nodes[convenor]["type"] == "actor" else None
        participants = sorted({a for a in record.get("participants") or []
                               if a in G and G.nodes[a]["type"] == "actor"} - {convenor})
        found.append({**record, "convenor": convenor, "participants": participants})
    return found


#: id of a graph being analysed -> its memoised derived views (see ``analysis_scope``).
_SCOPES: dict[int, dict] = {}


@contextmanager
def analysis_scope(G: nx.Graph) -> Iterator[None]:
    """While the block runs, the derived views of ``G`` (``nodes_of_type``,
    ``edges_of_type``, ``home_units``, ``actors_by_municipality``) are computed once and
    shared by every analysis, instead of one pass over the graph each. ``G`` must not change
    inside the block; nested scopes of the same graph share the outer one's views."""
    key = id(G)
    if key in _SCOPES:
        yield
        return
    _SCOPES[key] = {}
    try:
        yield
    finally:
        del _SCOPES[key]


def _memo(G: nx.Graph, name, compute: Callable):
    """``compute()``, once per ``analysis_scope`` of ``G`` (every time outside one)."""
    scope = _SCOPES.get(id(G))
    if scope is None:
        return compute()
    if name not in scope:
        scope[name] = compute()
    return scope[name]


def nodes_of_type(G: nx.Graph, type_: str) -> list:
    """Return the sorted keys of the nodes of ``type_`` (municipality, actor or initiative)."""
    return list(_memo(G, ("nodes_of_type", type_), lambda: sorted(
        n for n, t in G.nodes(data="type") if t == type_)))


def edges_of_type(G: nx.MultiDiGraph, type_: str) -> list:
    """Return the edges ``(u, v, key, data)`` of ``G`` (from :func:`build_graph`) whose
    ``type`` is ``type_`` (``tie``, ``participation`` or ``acts_for``; None: every edge), in
    ``G.edges`` order. Within an ``analysis_scope`` one pass over the edges serves every
    type; the lists are shared, do not change them."""
    if id(G) not in _SCOPES:
        return [e for e in _all_edges(G) if type_ is None or e[3].get("type") == type_]
    return _memo(G, ("edges_of_type",), lambda: _edges_by_type(G)).get(type_, [])


def _all_edges(G: nx.Graph) -> list:
    """``list(G.edges(keys=True, data=True))`` (key None for a graph without keys), read
    from networkx's adjacency dicts in the same order, without the views."""
    if not G.is_multigraph():
        return [(u, v, None, d) for u, v, d in G.edges(data=True)]
    if not G.is_directed():
        return list(G.edges(keys=True, data=True))
    return [(u, v, k, d) for u, nbrs in G._succ.items() for v, keydict in nbrs.items()
            for k, d in keydict.items()]


def _edges_by_type(G: nx.MultiDiGraph) -> dict:
    edges = _all_edges(G)
    found: dict = {None: edges, "tie": [], "participation": [], "acts_for": []}
    for edge in edges:
        type_ = edge[3].get("type")
        if type_ not in found:
            found[type_] = []
        found[type_].append(edge)
    return found


def actors_by_municipality(G: nx.Graph) -> dict[str, list[str]]:
    """Return municipality key -> sorted keys of the actors acting for it (maybe empty)."""
    return {m: list(actors) for m, actors in _memo(
        G, ("actors_by_municipality",), lambda: _actors_by_municipality(G)).items()}


def _actors_by_municipality(G: nx.Graph) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    actors = []
    for n, d in G.nodes(data=True):
        if d["type"] == "municipality":
            found[n] = []
        elif d["type"] == "actor" and d.get("municipality") is not None:
            actors.append((d["municipality"], n))
    for m, a in sorted(actors):
        found[m].append(a)
    return dict(sorted(found.items()))


def undirected_edges(U: nx.Graph) -> Iterator[tuple]:
    """``U.edges(data=True)`` of an undirected simple graph, in the same order, read from
    networkx's adjacency dict without the view (several times faster)."""
    seen = set()
    for n, nbrs in U._adj.items():
        for nbr, data in nbrs.items():
            if nbr not in seen:
                yield n, nbr, data
        seen.add(n)


def network_graph(G: nx.MultiDiGraph) -> nx.Graph:
    """Return the undirected simple graph of all nodes, the basis of structure and brokerage.

    Each municipality is a hub joined to its actors (``type="acts_for"``, weight 5), so paths
    between municipalities are paths between their actors. Initiatives join their
    participants (``type="participation"``, ``role``, weight by role: lead 4, partner 3,
    supporter 2, observer 1, and its ``provenance``). Ties between the same two actors
    collapse to one edge (``type="tie"``) with the largest weight, the sorted list of
    ``kinds``, ``transfer_weight`` and ``trust`` (the largest weight and known trust among
    the ties of a kind in ``TRANSFER_TIE_KINDS``, None without such a tie or trust),
    ``records`` (ties collapsed) and ``assumed`` (how many of them are assumed). Node
    attributes are those of ``G``.
    """
    edges: dict[tuple, dict] = {}
    for u, v, _key, data in edges_of_type(G, None):
        type_ = data["type"]
        if type_ == "tie":
            pair = (u, v) if u < v else (v, u)
            edge = edges.get(pair)
            if edge is None:
                edge = edges[pair] = {"type": "tie", "weight": data["weight"],
                                      "kinds": [data["kind"]], "transfer_weight": None,
                                      "trust": None, "records": 0, "assumed": 0}
            else:
                edge["weight"] = max(edge["weight"], data["weight"])
                if data["kind"] not in edge["kinds"]:
                    edge["kinds"] = sorted([*edge["kinds"], data["kind"]])
            edge["records"] += 1
            edge["assumed"] += data.get("provenance") == "assumed"
            if data["kind"] in TRANSFER_TIE_KINDS:
                edge["transfer_weight"] = max(edge["transfer_weight"] or 0, data["weight"])
                if data.get("trust") is not None:
                    edge["trust"] = max(edge["trust"] or 0, int(data["trust"]))
        elif type_ == "participation":
            edges[(u, v)] = {"type": "participation", "role": data["role"],
                             "weight": ROLE_WEIGHT.get(data["role"], 1),
                             "provenance": data.get("provenance", "documented")}
        else:
            edges[(u, v)] = {"type": "acts_for", "weight": ACTS_FOR_WEIGHT}
    U = nx.Graph(region=G.graph.get("region", {}))
    # ``U.add_nodes_from(G.nodes(data=True))`` and ``U.add_edges_from`` written straight
    # into networkx's dicts (the same graph, several times faster at national scale)
    node, adj = U._node, U._adj
    for n, d in G._node.items():
        node[n] = dict(d)
        adj[n] = {}
    for (u, v), data in edges.items():
        found = adj[u].get(v)
        if found is not None:
            found.update(data)
        else:
            adj[u][v] = adj[v][u] = data
    nx._clear_cache(U)
    return U


def actor_graph(G: nx.MultiDiGraph) -> nx.DiGraph:
    """Return the directed actor-actor tie graph (the transaction network for brokerage roles).

    Directed tie kinds give one arc source -> target, ``cooperation`` gives arcs both ways;
    parallel ties collapse to one arc with the largest ``weight``. Every actor is a node (with
    its attributes), tied or not.
    """
    arcs: dict[tuple, int] = {}
    for u, v, _key, data in edges_of_type(G, "tie"):
        for arc in ((u, v),) if data["directed"] else ((u, v), (v, u)):
            arcs[arc] = max(arcs.get(arc, 0), data["weight"])
    A = nx.DiGraph()
    # ``A.add_nodes_from(actors); A.add_edges_from(arcs)`` straight into networkx's dicts
    node, succ, pred = A._node, A._succ, A._pred
    for n, d in G._node.items():
        if d["type"] == "actor":
            node[n] = dict(d)
            succ[n] = {}
            pred[n] = {}
    for (a, b), w in arcs.items():
        succ[a][b] = pred[b][a] = {"weight": w}
    nx._clear_cache(A)
    return A


def home_units(G: nx.Graph) -> dict:
    """Return actor key -> the unit it belongs to: its municipality, or itself when regional."""
    return dict(_memo(G, ("home_units",), lambda: {
        n: (d.get("municipality") or n) for n, d in G.nodes(data=True)
        if d["type"] == "actor"}))


def municipality_graph(G: nx.MultiDiGraph, *, regional: bool = False) -> nx.Graph:
    """Return the municipality-municipality projection.

    Two municipalities are joined when an actor of one is tied to an actor of the other or
    both have actors in the same initiative. Edge attributes: ``weight`` (tie weights plus 1
    per shared initiative), ``links`` (the sorted list of what joins them: ``"tie:<u>:<v>"``
    for a tie between actors u and v, ``"initiative:<key>"`` for a shared initiative).

    With ``regional=True`` every regional actor (one without a municipality) is a node of its
    own, so that a regional agency joins the municipalities it works with (the contact graph
    used for communities).
    """
    M = nx.Graph()
    M.add_nodes_from((n, d) for n, d in G.nodes(data=True) if d["type"] == "municipality")
    home = home_units(G) if regional else {
        n: d.get("municipality") for n, d in G.nodes(data=True) if d["type"] == "actor"}
    if regional:
        M.add_nodes_from((n, G.nodes[n]) for n, unit in home.items() if unit == n)

    links: dict[tuple, list] = {}

    def link(a, b, w, what):
        if a is None or b is None or a == b:
            return
        pair = (a, b) if a < b else (b, a)
        found = links.get(pair)
        if found is None:
            links[pair] = [w, [what]]
        else:
            found[0] += w
            found[1].append(what)

    by_initiative: dict[str, set] = {}
    for u, v, _key, data in edges_of_type(G, "tie"):
        x, y = (u, v) if u <= v else (v, u)
        link(home[u], home[v], data["weight"], f"tie:{x}:{y}")
    for u, v, _key, _data in edges_of_type(G, "participation"):
        if home[u] is not None:
            by_initiative.setdefault(v, set()).add(home[u])
    for i in sorted(by_initiative):
        members = sorted(by_initiative[i])
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                link(members[x], members[y], 1, f"initiative:{i}")
    adj = M._adj  # ``M.add_edges_from`` straight into networkx's dicts (pairs are distinct)
    for (a, b), (w, what) in links.items():
        data = {"weight": w, "links": sorted(set(what))}
        if a in adj and b in adj:
            adj[a][b] = adj[b][a] = data
        else:
            M.add_edge(a, b, **data)
    nx._clear_cache(M)
    return M


#: the exported name of an edge's ``type`` (GEXF reserves ``type`` for the edge's direction)
EDGE_RELATION = "relation"


def exportable(G: nx.Graph) -> nx.Graph:
    """Return a copy of ``G`` whose attributes GraphML and GEXF writers accept.

    Lists become comma-separated text (``topics``, ``kinds``), ``None`` values are left out,
    other non-scalar values become text; the graph's own attributes are dropped. An edge's
    ``type`` (``acts_for``, ``participation``, ``tie``) is renamed ``relation``: GEXF's edge
    attribute ``type`` only allows ``directed``, ``undirected`` and ``mutual``, and the
    networkx writer puts an edge's ``type`` there. Nodes keep ``type``. The graph class
    (``MultiDiGraph`` from :func:`build_graph`) is kept.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("a", topics=["mobility", "education"], capacity_fte=None)
    >>> G.add_edge("a", "b", type="tie", weight=2)
    >>> exportable(G).nodes["a"]
    {'topics': 'mobility, education'}
    >>> exportable(G).edges["a", "b"]
    {'relation': 'tie', 'weight': 2}
    """
    def clean(attrs: dict, *, edge: bool = False) -> dict:
        out = {}
        for key, value in attrs.items():
            if value is None:
                continue
            if edge and key == "type":
                key = EDGE_RELATION
            if isinstance(value, list | tuple | set):
                value = ", ".join(map(str, value))
            elif not isinstance(value, bool | int | float | str):
                value = str(value)
            out[key] = value
        return out

    H = G.__class__()
    H.add_nodes_from((n, clean(d)) for n, d in G.nodes(data=True))
    if G.is_multigraph():
        H.add_edges_from((u, v, k, clean(d, edge=True))
                         for u, v, k, d in G.edges(keys=True, data=True))
    else:
        H.add_edges_from((u, v, clean(d, edge=True)) for u, v, d in G.edges(data=True))
    return H
