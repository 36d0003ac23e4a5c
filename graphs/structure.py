"""Structure of the network: communities, core and periphery, density, organisation models."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np

from .build import LEVELS, actors_by_municipality, edges_of_type, nodes_of_type
from .provenance import is_assumed

try:  # optional C++ engine for community detection in large networks
    import networkit
except ImportError:  # pragma: no cover - networkx does everything without it
    networkit = None

__all__ = [
    "LEVEL_STATES",
    "MEMBER_TIERS",
    "ORG_MODEL_TYPES",
    "communities",
    "cut_structure",
    "coordinating_cover",
    "core_periphery",
    "level_evidence",
    "level_states",
    "levels_present",
    "member_level_evidence",
    "main_component",
    "org_models",
    "summary",
]

#: Members of these tiers must have all three levels (supporters such as Kreise need not:
#: they support the network rather than run smart-city work of their own).
MEMBER_TIERS = frozenset({"pioneer", "member"})
#: What the records say about one level of a member, the one rule every view names it by
#: (:func:`level_states`): ``documented`` (a record that is not assumed shows it),
#: ``assumed`` ("angenommen": only assumed records show it; the analysis asks to confirm it),
#: ``missing`` ("fehlt": nothing recorded for a pioneer or member with documented units; the
#: analysis reports a missing level) and ``unrecorded`` ("nicht erfasst": nothing recorded
#: for a member without any documented unit, which the analysis asks about instead of
#: blaming, or for a supporter, which needs no levels of its own).
LEVEL_STATES = ("documented", "assumed", "missing", "unrecorded")
#: From this many nodes of the contact graph on, communities come from networkit (if present).
PLM_MIN_NODES = 2000
#: Graphs larger than this get their biconnected components from the compiled kernel
#: (:mod:`graphs.kernels`, same blocks in the same order as networkx).
_COMPILED_FROM = 2000
#: Actor types that are organisation models a municipality can choose (DESIGN: Concepts).
ORG_MODEL_TYPES = ("steering_group", "cdo", "staff_unit", "smart_city_office", "project_matrix",
                   "digital_office", "digital_pilot", "agency")


def communities(C: nx.Graph, *, seed: int = 0) -> list[list]:
    """Return the communities of the contact graph ``C`` as sorted lists of its nodes.

    ``C`` is ``municipality_graph(G, regional=True)``: municipalities and regional actors,
    weighted by ties and shared initiatives. Louvain modularity optimisation
    (:func:`networkx.community.louvain_communities`, ``weight="weight"``) with ``seed`` makes
    the result deterministic; communities are ordered by size (largest first), then by their
    first node. From ``PLM_MIN_NODES`` nodes on, when networkit is installed, the same method
    runs in networkit's C++ engine (PLM with refinement, one thread, seeded): about 20 times
    faster at national scale, with the same modularity to three decimals (0.971 on the
    generated national network); smaller graphs always use networkx.

    References
    ----------
    .. [1] Blondel, V. D., Guillaume, J.-L., Lambiotte, R. and Lefebvre, E. (2008). Fast
       unfolding of communities in large networks. J. Stat. Mech. P10008.
    """
    if C.number_of_nodes() == 0:
        return []
    if networkit is not None and C.number_of_nodes() >= PLM_MIN_NODES:
        found = _plm_communities(C, seed)
    else:
        found = nx.community.louvain_communities(C, weight="weight", seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def _plm_communities(C: nx.Graph, seed: int) -> list[list]:
    """Louvain on networkit's C++ engine (PLM with refinement, Staudt and Meyerhenke 2016),
    on one thread and seeded so that the same graph and seed give the same communities."""
    nodes = list(C)
    index = {n: i for i, n in enumerate(nodes)}
    graph = networkit.Graph(len(nodes), weighted=True)
    for u, v, w in C.edges(data="weight", default=1.0):
        graph.addEdge(index[u], index[v], float(w))
    threads = networkit.getMaxNumberOfThreads()
    networkit.setNumberOfThreads(1)
    try:
        networkit.setSeed(seed, False)
        plm = networkit.community.PLM(graph, refine=True, gamma=1.0)
        plm.run()
        membership = plm.getPartition().getVector()
    finally:
        networkit.setNumberOfThreads(threads)
    found: dict = {}
    for n, c in zip(nodes, membership, strict=True):
        found.setdefault(c, []).append(n)
    return list(found.values())


def core_periphery(C: nx.Graph) -> dict:
    """Return the k-core structure of the member municipalities in the contact graph ``C``.

    ``C`` is ``municipality_graph(G, regional=True)``: municipalities and regional bodies,
    joined by ties and shared initiatives. A municipality's coreness is its core number
    (:func:`networkx.core_number`, Seidman 1983): the largest k such that it belongs to a
    group in which everyone works with at least k others. The core are the municipalities
    of the innermost core (``k_max``, when above 1), the periphery those with coreness at
    most 1 (hanging on by a single link, or not at all), ``middle`` everyone else, so every
    member is listed exactly once.

    Regional bodies count as partners, so the innermost core (the ``k_max``-core of ``C``)
    can hold regional bodies beside ``core``: they are ``core_with``, and in the group of
    ``core`` and ``core_with`` everyone works with at least ``k_max`` others (16
    municipalities and a regional agency form a 16-core; the municipalities alone, a
    15-core).

    Examples
    --------
    >>> C = nx.complete_graph(["a", "b", "c", "agency"])
    >>> nx.set_node_attributes(C, "municipality", "type")
    >>> C.nodes["agency"]["type"] = "actor"
    >>> cp = core_periphery(C)
    >>> cp["k_max"], cp["core"], cp["core_with"]
    (3, ['a', 'b', 'c'], ['agency'])

    References
    ----------
    .. [1] Seidman, S. B. (1983). Network structure and minimum degree. Social Networks 5(3),
       269-287.
    """
    munis = sorted(n for n, t in C.nodes(data="type") if t == "municipality")
    if not munis:
        return {"k_max": 0, "core": [], "core_with": [], "middle": [], "periphery": [],
                "coreness": {}}
    core = nx.core_number(C)
    coreness = {m: int(core[m]) for m in munis}
    k_max = max(coreness.values())
    core_set = {m for m in munis if coreness[m] == k_max and k_max > 1}
    return {
        "k_max": k_max,
        "core": [m for m in munis if m in core_set],
        "core_with": sorted(n for n, k in core.items() if k >= k_max > 1
                            and C._node[n].get("type") != "municipality"),
        "middle": [m for m in munis if m not in core_set and coreness[m] > 1],
        "periphery": [m for m in munis if coreness[m] <= 1],
        "coreness": coreness,
    }


def coordinating_cover(G: nx.MultiDiGraph, designated: str | None = None) -> dict:
    """Return municipality -> actor that fills its coordinating level from outside.

    A coordinating-level actor of another municipality or a regional body covers a
    municipality's coordinating level when one of that municipality's strategic actors gives
    it a ``mandate`` tie (the council delegated coordination, e.g. to a regional agency). A
    designated Taktgeber covers every municipality one of whose actors it has a direct tie
    with. Where several actors qualify, the smallest key is returned.
    """
    cover: dict[str, str] = {}
    for u, v, _key, data in edges_of_type(G, "tie"):
        if data["kind"] != "mandate":
            continue
        source, target = G._node[u], G._node[v]
        m = source.get("municipality")
        if (source.get("level") == "strategic" and m is not None
                and target.get("level") == "coordinating" and target.get("municipality") != m):
            cover[m] = min(cover.get(m, v), v)
    if designated is not None:
        for other in nx.all_neighbors(G, designated):
            data = G._node[other]
            if data["type"] == "actor" and data.get("municipality"):
                cover.setdefault(data["municipality"], designated)
        own = G._node[designated].get("municipality")
        if own:
            cover.setdefault(own, designated)
    return dict(sorted(cover.items()))


def level_evidence(actors, cover: bool | None = None,
                   council: bool | None = None) -> tuple[set, set, bool]:
    """What a member's records show about its levels, from plain records (the analysis'
    graph and the overview's database rows both come here).

    ``actors``: ``(level, assumed)`` of each of its own actors; ``cover``: None, or whether
    the outside unit filling its coordinating level (:func:`coordinating_cover`) is an
    assumed record; ``council``: None, or whether its joining by council decision (the
    strategic level) is assumed. Returns ``(known, assumed, documented)``: the levels a
    record that is not assumed shows, the levels only assumed records show, and whether it
    has a documented (not assumed) actor of its own.

    >>> known, assumed, documented = level_evidence(
    ...     [("strategic", True), ("operational", False)], cover=False)
    >>> sorted(known), sorted(assumed), documented
    (['coordinating', 'operational'], ['strategic'], True)
    """
    known, assumed, documented = set(), set(), False
    for level, only_assumed in actors:
        if only_assumed:
            assumed.add(level)
        else:
            known.add(level)
            documented = True
    if cover is not None:
        (assumed if cover else known).add("coordinating")
    if council is not None:
        (assumed if council else known).add("strategic")
    return known, assumed - known, documented


def level_states(tier: str | None, known: set, assumed: set, documented: bool) -> dict:
    """Level -> state (see :data:`LEVEL_STATES`) of a member of ``tier`` from
    :func:`level_evidence`.

    >>> level_states("member", set(), {"operational"}, False)
    {'strategic': 'unrecorded', 'coordinating': 'unrecorded', 'operational': 'assumed'}
    >>> level_states("pioneer", {"strategic"}, set(), True)["operational"]
    'missing'
    """
    blame = documented and tier in MEMBER_TIERS
    return {level: "documented" if level in known else "assumed" if level in assumed
            else "missing" if blame else "unrecorded" for level in LEVELS}


def member_level_evidence(G: nx.MultiDiGraph, cover: dict | None = None) -> dict:
    """Municipality -> :func:`level_evidence` of its records in ``G``: its actors, the
    outside unit covering its coordinating level (``cover``), its council decision to join
    (``joined_by``)."""
    cover = cover or {}
    node_data = G._node
    found = {}
    for m, actors in actors_by_municipality(G).items():
        data = node_data[m]
        found[m] = level_evidence(
            ((node_data[a].get("level"), is_assumed(node_data[a])) for a in actors),
            cover=is_assumed(node_data[cover[m]]) if m in cover else None,
            council=is_assumed(data) if data.get("joined_by") == "council_decision" else None)
    return found


def levels_present(G: nx.MultiDiGraph, cover: dict | None = None) -> dict[str, set]:
    """Return municipality -> the set of levels it has (its own actors, plus ``cover``)."""
    present: dict[str, set] = {}
    for m, actors in actors_by_municipality(G).items():
        present[m] = {G._node[a].get("level") for a in actors}
        if cover and m in cover:
            present[m].add("coordinating")
    return present


def org_models(G: nx.MultiDiGraph, cover: dict | None = None) -> dict:
    """Return each member's organisation by level beside the others'.

    ``members``: one entry per municipality (sorted by key) with its ``levels`` (level ->
    sorted actor types of its own actors), ``models`` (the organisation models among them,
    see ``ORG_MODEL_TYPES``), ``covered_by`` (the outside actor filling its coordinating
    level, if any) and ``states`` (level -> :data:`LEVEL_STATES`, :func:`level_states`: what
    the overview, the analysis and its gaps say about each level). ``counts``: model ->
    number of members using it; ``by_level``: level -> actor type -> number of members with
    such a unit on that level.
    """
    cover = cover or {}
    members, counts = [], Counter()
    by_level = {level: Counter() for level in LEVELS}
    node_data = G._node  # the node attribute dicts (G.nodes without the view)
    evidence = member_level_evidence(G, cover)
    for m, actors in actors_by_municipality(G).items():
        data = node_data[m]
        kinds = [(node_data[a].get("level"), node_data[a].get("actor_type", "other"))
                 for a in actors]
        levels = {level: sorted({t for at, t in kinds if at == level}) for level in LEVELS}
        models = sorted({t for types in levels.values() for t in types if t in ORG_MODEL_TYPES})
        counts.update(models)
        for level, types in levels.items():
            by_level[level].update(types)
        members.append({"key": m, "name": data.get("name", m), "tier": data.get("tier"),
                        "kind": data.get("kind"), "levels": levels, "models": models,
                        "covered_by": cover.get(m),
                        "states": level_states(data.get("tier"), *evidence[m])})
    return {
        "members": members,
        "counts": dict(sorted(counts.items())),
        "by_level": {level: dict(sorted(c.items())) for level, c in by_level.items()},
    }


def main_component(U: nx.Graph, components: list | None = None) -> set:
    """The component holding most municipalities (then most nodes): "the network".

    Empty when two components tie for it (no part is the network; all are isolated).
    ``components`` are those of ``U`` when the caller has them.
    """
    components = nx.connected_components(U) if components is None else components
    sizes = sorted(((sum(1 for n in c if U._node[n]["type"] == "municipality"), len(c), c)
                    for c in components), key=lambda x: x[:2], reverse=True)
    if not sizes or (len(sizes) > 1 and sizes[0][:2] == sizes[1][:2]):
        return set()
    return sizes[0][2]


def summary(G: nx.MultiDiGraph, U: nx.Graph, M: nx.Graph, main: set | None = None,
            components: list | None = None) -> dict:
    """Return the counts and densities of the network.

    ``density`` is that of the undirected network graph ``U`` (all nodes);
    ``municipality_density`` the share of municipality pairs directly joined by a tie or a
    shared initiative (``M`` = ``municipality_graph(G)``); ``components`` counts the
    connected components of ``U`` and ``main_component_share`` the share of municipalities in
    ``main`` (default :func:`main_component`); ``components`` are those of ``U`` when known.
    ``ties_confirmed`` and ``ties_self_reported`` count the ties by provenance (confirmed:
    reported by both ends in the relationship survey, or checked).
    """
    munis = nodes_of_type(G, "municipality")
    components = list(nx.connected_components(U)) if components is None else components
    main = main_component(U, components) if main is None else main
    in_main = sum(1 for m in munis if m in main)
    ties = edges_of_type(G, "tie")
    provenance = Counter(d.get("provenance") for _u, _v, _k, d in ties)
    return {
        "municipalities": len(munis),
        "actors": len(nodes_of_type(G, "actor")),
        "initiatives": len(nodes_of_type(G, "initiative")),
        "ties": len(ties),
        "ties_confirmed": provenance["confirmed"],
        "ties_self_reported": provenance["self_reported"],
        "density": round(_density(U), 4) if len(U) > 1 else 0.0,
        "municipality_density": round(_density(M), 4) if len(M) > 1 else 0.0,
        "components": len(components),
        "main_component_share": round(in_main / len(munis), 4) if munis else 0.0,
    }


def _density(G: nx.Graph) -> float:
    """:func:`networkx.density` of an undirected simple graph, its edges counted from the
    adjacency sizes (networkx sums the degree view, several times slower)."""
    n = len(G)
    twice = sum(map(len, G._adj.values())) + sum(1 for u, nbrs in G._adj.items() if u in nbrs)
    return twice / (n * (n - 1))


def biconnected_components(U: nx.Graph) -> list[list]:
    """The biconnected components of ``U`` (:func:`networkx.biconnected_components`) as lists
    of nodes in ``U``'s node order, so that the pieces a cut lists do not depend on Python's
    string hashing (the same report in every process).

    Large graphs use the compiled kernel when numba is installed: networkx's depth-first
    search step by step on arrays (rows in ``U[node]`` order), so the blocks come in the
    same order (which decides the municipalities a cut names)."""
    from .brokerage import compiled

    if len(U) > _COMPILED_FROM and compiled() is not None:  # small graphs: no numba import
        from . import kernels

        nodes = list(U)
        position = {n: i for i, n in enumerate(nodes)}
        adj = U._adj
        indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, adj.values()), dtype=np.int64, count=len(nodes)),
                  out=indptr[1:])
        indices = np.fromiter((position[v] for nbrs in adj.values() for v in nbrs),
                              dtype=np.int64, count=int(indptr[-1]))
        members, starts = kernels.biconnected_components(indptr, indices)
        named = [nodes[i] for i in members.tolist()]
        bounds = starts.tolist()
        return [named[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    position = {n: i for i, n in enumerate(U)}
    return [sorted(b, key=position.__getitem__) for b in nx.biconnected_components(U)]


def cut_structure(U: nx.Graph, main: set) -> dict:
    """Return the single points of failure of the main component, grouped (no repeats).

    Works on the block-cut tree of the main component (biconnected components and
    articulation points, Hopcroft and Tarjan 1973): removing an articulation point splits
    the component into pieces, one per adjacent block; the largest piece (by municipalities,
    then nodes) stays "the network", the others are cut off. Only pieces of two or more
    nodes holding an actor or a municipality count: a single leaf (a pendant partner, the
    hub of a municipality with one actor, a one-participant initiative) is no point of
    failure. A bridge counts when it is a tie or a participation whose far side holds a
    municipality or two actors.

    Grouping: an actor cutting off two or more pieces (a hub) is reported as an articulation
    point and absorbs the bridges it holds; every other reportable bridge is reported and
    absorbs its near endpoint's piece behind it; a bridge's far endpoint (unless a hub) is
    absorbed by the bridge or hub it hangs on; what is left of an articulation point is
    reported if it still cuts off an actor.

    Returns
    -------
    dict
        ``articulation_points``: actor -> list of cut-off pieces; ``bridges``: list of
        ``(near, far, piece)``; every piece is a dict with ``municipalities`` (sorted keys,
        at most 20), ``n_municipalities``, ``n_members`` (tier pioneer or member),
        ``n_actors``, ``n_nodes``. ``all_bridges``: every bridge edge of the main component
        (as sorted tuples). ``cut_pairs``: every actor that is an articulation point -> the
        number of pairs of municipalities it separates (the loss of the Taktgeber score in
        large networks).

    References
    ----------
    .. [1] Hopcroft, J. and Tarjan, R. (1973). Algorithm 447: Efficient algorithms for graph
       manipulation. Communications of the ACM 16(6), 372-378.
    """
    node_data = U._node  # the node attribute dicts (U.nodes without the view)
    blocks = [b for b in biconnected_components(U) if b[0] in main]
    count: dict = {}
    for b in blocks:
        for x in b:
            count[x] = count.get(x, 0) + 1
    cuts = sorted((x for x, c in count.items() if c > 1), key=str)
    if not cuts:
        return {"articulation_points": {}, "bridges": [], "all_bridges": set(),
                "cut_pairs": {}}
    # block-cut tree: ("B", i) and ("C", x); weights = (municipalities, members, actors, nodes)
    adj: dict = {("C", x): [] for x in cuts}
    weight: dict = {}
    cutset = set(cuts)
    for i, b in enumerate(blocks):
        node = ("B", i)
        adj[node] = []
        weight[node] = _weight(U, (x for x in b if x not in cutset))
        for x in b:
            if x in cutset:
                adj[node].append(("C", x))
                adj[("C", x)].append(node)
    for x in cuts:
        weight[("C", x)] = _weight(U, [x])
    root = ("C", cuts[0])
    parent, order, stack = {root: None}, [], [root]
    while stack:
        t = stack.pop()
        order.append(t)
        for s in adj[t]:
            if s not in parent:
                parent[s] = t
                stack.append(s)
    sub = {t: list(weight[t]) for t in order}
    for t in reversed(order):
        if parent[t] is not None:
            p = sub[parent[t]]
            for j, v in enumerate(sub[t]):
                p[j] += v
    total = sub[root]

    def piece(cut, block) -> tuple:
        """Weight of the piece behind ``block`` when ``cut`` is removed."""
        if parent[block] == cut:
            return tuple(sub[block])
        return tuple(a - b for a, b in zip(total, sub[cut], strict=True))

    def content(cut, block) -> list:
        seen, stack, found = {cut, block}, [block], []
        while stack and len(found) < 20:
            t = stack.pop()
            if t[0] == "B":
                found += [x for x in blocks[t[1]] if node_data[x]["type"] == "municipality"
                          and x not in found]
            elif node_data[t[1]]["type"] == "municipality" and t[1] not in found:
                found.append(t[1])
            for s in adj[t]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        return sorted(found)[:20]

    def describe(cut, block) -> dict:
        w = piece(cut, block)
        return {"municipalities": content(cut, block), "n_municipalities": w[0],
                "n_members": w[1], "n_actors": w[2], "n_nodes": w[3], "block": block}

    pieces: dict = {}
    cut_pairs: dict = {}
    for x in cuts:
        if node_data[x]["type"] != "actor":
            continue
        c = ("C", x)
        weights = sorted(((piece(c, b), b) for b in adj[c]), key=lambda wb: (
            wb[0][0], wb[0][3]), reverse=True)
        munis = [w[0] for w, _b in weights]
        cut_pairs[x] = (sum(munis) ** 2 - sum(m * m for m in munis)) // 2
        pieces[x] = [describe(c, b) for w, b in weights[1:]  # weights[0]: the main piece
                     if w[3] >= 2 and (w[0] or w[2])]
    all_bridges = set()
    bridge_list = []
    for i, b in enumerate(blocks):
        if len(b) != 2:
            continue
        x, y = sorted(b, key=str)
        all_bridges.add((x, y))
        if x not in cutset or y not in cutset or U[x][y]["type"] == "acts_for":
            continue
        side_x, side_y = piece(("C", y), ("B", i)), piece(("C", x), ("B", i))
        near, far, far_w = (x, y, side_y) if (side_x[0], side_x[3]) >= (side_y[0], side_y[3]) \
            else (y, x, side_x)
        if far_w[0] >= 1 or far_w[2] >= 2:
            bridge_list.append((near, far, describe(("C", near), ("B", i))))
    reportable = pieces
    hubs = {x for x, ps in reportable.items() if len(ps) >= 2}
    bridges, absorbed = [], set()
    for near, far, far_piece in bridge_list:
        if far not in hubs:
            absorbed.add((far, None))
        if near in hubs:
            continue
        bridges.append((near, far, far_piece))
        absorbed.add((near, far_piece["block"]))
    result = {}
    for x, ps in reportable.items():
        if (x, None) in absorbed and x not in hubs:
            continue
        left = [p for p in ps if x in hubs or (x, p["block"]) not in absorbed]
        if left:
            result[x] = left
    return {"articulation_points": result, "bridges": bridges, "all_bridges": all_bridges,
            "cut_pairs": cut_pairs}


def _weight(U, nodes) -> list:
    w = [0, 0, 0, 0]
    node_data = U._node
    for x in nodes:
        data = node_data[x]
        if data["type"] == "municipality":
            w[0] += 1
            w[1] += data.get("tier") in MEMBER_TIERS
        elif data["type"] == "actor":
            w[2] += 1
        w[3] += 1
    return w
