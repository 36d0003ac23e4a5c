"""Structure of the network: communities, core and periphery, density, organisation models."""

from __future__ import annotations

from collections import Counter

import networkx as nx

from .build import LEVELS, actors_by_municipality, nodes_of_type

__all__ = [
    "ORG_MODEL_TYPES",
    "communities",
    "coordinating_cover",
    "core_periphery",
    "levels_present",
    "main_component",
    "org_models",
    "summary",
]

#: Actor types that are organisation models a municipality can choose (DESIGN: Concepts).
ORG_MODEL_TYPES = ("steering_group", "cdo", "staff_unit", "smart_city_office", "project_matrix",
                   "digital_office", "digital_pilot", "agency")


def communities(C: nx.Graph, *, seed: int = 0) -> list[list]:
    """Return the communities of the contact graph ``C`` as sorted lists of its nodes.

    ``C`` is ``municipality_graph(G, regional=True)``: municipalities and regional actors,
    weighted by ties and shared initiatives. Louvain modularity optimisation
    (:func:`networkx.community.louvain_communities`, ``weight="weight"``) with ``seed`` makes
    the result deterministic; communities are ordered by size (largest first), then by their
    first node.

    References
    ----------
    .. [1] Blondel, V. D., Guillaume, J.-L., Lambiotte, R. and Lefebvre, E. (2008). Fast
       unfolding of communities in large networks. J. Stat. Mech. P10008.
    """
    if C.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(C, weight="weight", seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def core_periphery(U: nx.Graph) -> dict:
    """Return the k-core structure of the member municipalities in the network graph ``U``.

    A municipality's coreness is the largest core number (:func:`networkx.core_number`) of its
    hub or its actors. The core are the municipalities of the innermost core (``k_max``), the
    periphery those with coreness at most 1 (hanging on by single links, or not at all).
    """
    if U.number_of_nodes() == 0:
        return {"k_max": 0, "core": [], "periphery": [], "coreness": {}}
    core = nx.core_number(U)
    coreness = {}
    for m in nodes_of_type(U, "municipality"):
        coreness[m] = max([core[m], *(core[a] for a in U[m]
                                      if U.nodes[a]["type"] == "actor")])
    k_max = max(coreness.values(), default=0)
    return {
        "k_max": int(k_max),
        "core": sorted(m for m, k in coreness.items() if k == k_max and k > 1),
        "periphery": sorted(m for m, k in coreness.items() if k <= 1),
        "coreness": {m: int(k) for m, k in sorted(coreness.items())},
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
    for u, v, data in G.edges(data=True):
        if data["type"] != "tie" or data["kind"] != "mandate":
            continue
        source, target = G.nodes[u], G.nodes[v]
        m = source.get("municipality")
        if (source.get("level") == "strategic" and m is not None
                and target.get("level") == "coordinating" and target.get("municipality") != m):
            cover[m] = min(cover.get(m, v), v)
    if designated is not None:
        for other in nx.all_neighbors(G, designated):
            data = G.nodes[other]
            if data["type"] == "actor" and data.get("municipality"):
                cover.setdefault(data["municipality"], designated)
        own = G.nodes[designated].get("municipality")
        if own:
            cover.setdefault(own, designated)
    return dict(sorted(cover.items()))


def levels_present(G: nx.MultiDiGraph, cover: dict | None = None) -> dict[str, set]:
    """Return municipality -> the set of levels it has (its own actors, plus ``cover``)."""
    present: dict[str, set] = {}
    for m, actors in actors_by_municipality(G).items():
        present[m] = {G.nodes[a].get("level") for a in actors}
        if cover and m in cover:
            present[m].add("coordinating")
    return present


def org_models(G: nx.MultiDiGraph, cover: dict | None = None) -> dict:
    """Return each member's organisation by level beside the others'.

    ``members``: one entry per municipality (sorted by key) with its ``levels`` (level ->
    sorted actor types of its own actors), ``models`` (the organisation models among them,
    see ``ORG_MODEL_TYPES``) and ``covered_by`` (the outside actor filling its coordinating
    level, if any). ``counts``: model -> number of members using it; ``by_level``: level ->
    actor type -> number of members with such a unit on that level.
    """
    cover = cover or {}
    members, counts = [], Counter()
    by_level = {level: Counter() for level in LEVELS}
    for m, actors in actors_by_municipality(G).items():
        data = G.nodes[m]
        levels = {level: sorted({G.nodes[a].get("actor_type", "other") for a in actors
                                 if G.nodes[a].get("level") == level}) for level in LEVELS}
        models = sorted({t for types in levels.values() for t in types if t in ORG_MODEL_TYPES})
        counts.update(models)
        for level, types in levels.items():
            by_level[level].update(types)
        members.append({"key": m, "name": data.get("name", m), "tier": data.get("tier"),
                        "kind": data.get("kind"), "levels": levels, "models": models,
                        "covered_by": cover.get(m)})
    return {
        "members": members,
        "counts": dict(sorted(counts.items())),
        "by_level": {level: dict(sorted(c.items())) for level, c in by_level.items()},
    }


def main_component(U: nx.Graph) -> set:
    """The component holding most municipalities (then most nodes): "the network".

    Empty when two components tie for it (no part is the network; all are isolated).
    """
    sizes = sorted(((sum(1 for n in c if U.nodes[n]["type"] == "municipality"), len(c), c)
                    for c in nx.connected_components(U)), key=lambda x: x[:2], reverse=True)
    if not sizes or (len(sizes) > 1 and sizes[0][:2] == sizes[1][:2]):
        return set()
    return sizes[0][2]


def summary(G: nx.MultiDiGraph, U: nx.Graph, M: nx.Graph, main: set | None = None) -> dict:
    """Return the counts and densities of the network.

    ``density`` is that of the undirected network graph ``U`` (all nodes);
    ``municipality_density`` the share of municipality pairs directly joined by a tie or a
    shared initiative (``M`` = ``municipality_graph(G)``); ``components`` counts the
    connected components of ``U`` and ``main_component_share`` the share of municipalities in
    ``main`` (default :func:`main_component`).
    """
    munis = nodes_of_type(G, "municipality")
    components = list(nx.connected_components(U))
    main = main_component(U) if main is None else main
    in_main = sum(1 for m in munis if m in main)
    return {
        "municipalities": len(munis),
        "actors": sum(1 for _n, t in G.nodes(data="type") if t == "actor"),
        "initiatives": sum(1 for _n, t in G.nodes(data="type") if t == "initiative"),
        "ties": sum(1 for _u, _v, t in G.edges(data="type") if t == "tie"),
        "density": round(nx.density(U), 4) if len(U) > 1 else 0.0,
        "municipality_density": round(nx.density(M), 4) if len(M) > 1 else 0.0,
        "components": len(components),
        "main_component_share": round(in_main / len(munis), 4) if munis else 0.0,
    }
