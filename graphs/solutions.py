"""Solutions that travel: who uses each solution, who wants it, and through whom the others
reach its users."""

from __future__ import annotations

import math

import networkx as nx

from .build import active_formats, nodes_of_type
from .transfer import (
    MAX_PATHS,
    TARGET_TIERS,
    USE_RANK,
    USING,
    _Channels,
    _experience_roles,
    _mentor_paths,
    _nearest_sources,
    _split,
    distance_km,
)

__all__ = [
    "MATURE",
    "NEIGHBOUR_KM",
    "USING",
    "is_neighbour",
    "solution_users",
    "solutions_report",
]

#: Maturities at which a solution is ready for re-use by a neighbour.
MATURE = frozenset({"production", "established"})
#: Two municipalities within this distance (or in the same Kreis) are neighbours.
NEIGHBOUR_KM = 50.0


def solution_users(solution: dict) -> tuple[list, list]:
    """Return the municipalities using ``solution`` (relations ``uses`` and ``reused_from``)
    and those wanting it (``wants``, without those already using it), each sorted.

    >>> solution_users({"uses": [{"municipality": "b", "relation": "wants"},
    ...                          {"municipality": "a", "relation": "reused_from"}]})
    (['a'], ['b'])
    """
    uses = solution.get("uses") or []
    using = sorted({u["municipality"] for u in uses if u.get("relation") in USING})
    wanting = sorted({u["municipality"] for u in uses if u.get("relation") == "wants"}
                     - set(using))
    return using, wanting


def is_neighbour(a: dict, b: dict, km: float = NEIGHBOUR_KM) -> bool:
    """Whether two municipality records are neighbours: the same (non-empty) Kreis, or
    coordinates within ``km`` kilometres.

    >>> is_neighbour({"district": "Kreis Olpe"}, {"district": "Kreis Olpe"})
    True
    >>> is_neighbour({"lat": 51.0, "lon": 8.0}, {"lat": 52.0, "lon": 8.0})
    False
    """
    if a.get("district") and a.get("district") == b.get("district"):
        return True
    d = distance_km(a, b)
    return d is not None and d <= km


def solutions_report(G: nx.MultiDiGraph, U: nx.Graph, *, max_paths: int = MAX_PATHS,
                     today: str | None = None) -> list:
    """Return, per solution, who uses it, who wants it, and the best paths from each other
    member (a prospective adopter) to a municipality using it.

    Paths run over the same knowledge channels as :func:`graphs.transfer.transfer_paths`
    (trusted ties, initiatives and recurring formats on the solution's topic; weak channels
    only when nothing else reaches) and end at the solution's users; among equally near
    users the one of the same settlement class, then the nearer, is chosen, with the unit to
    call there (its actor with the best role in the topic, else any of its actors). Members
    that want the solution come first, then the nearest.

    Returns
    -------
    list of dict
        One per solution (by key): ``key``, ``name``, ``topic``, ``kind``, ``maturity``,
        ``owner``, ``users``, ``wanting``, ``candidates`` (members of tier pioneer or
        member not using it, wanting ones first), ``paths`` (``from`` (a user), ``to``
        (the candidate), ``via``, ``length``, ``hops``, ``weak``, ``unit``,
        ``unit_name``, ``distance_km``, ``wants``), ``unreachable`` (candidates without
        any path) and ``neighbours`` (candidate -> the users that are its neighbours,
        :func:`is_neighbour`).

    Examples
    --------
    >>> from graphs.build import build_graph, network_graph
    >>> G = build_graph({"municipalities": [{"key": "a", "tier": "member"},
    ...                                     {"key": "b", "tier": "member"}],
    ...     "actors": [{"key": "a1", "level": "coordinating", "municipality": "a"},
    ...                {"key": "b1", "level": "coordinating", "municipality": "b"}],
    ...     "ties": [{"source": "a1", "target": "b1", "kind": "cooperation", "weight": 5}],
    ...     "solutions": [{"key": "s", "topic": "mobility",
    ...                    "uses": [{"municipality": "a", "relation": "uses"}]}]})
    >>> [(p["from"], p["to"], p["length"]) for p in
    ...  solutions_report(G, network_graph(G))[0]["paths"]]
    [('a', 'b', 2.0)]
    """
    solutions = G.graph.get("solutions") or []
    if not solutions:
        return []
    members = [m for m in nodes_of_type(G, "municipality")
               if G._node[m].get("tier") in TARGET_TIERS]
    roles = _experience_roles(G)
    net = _Channels(U, active_formats(G), today)
    found = []
    for solution in sorted(solutions, key=lambda s: s["key"]):
        users, wanting = solution_users(solution)
        users = [m for m in users if m in G]
        topic = solution.get("topic")
        # whom to call at a user: its actor with the best role in the topic, else any
        unit_roles = {}
        for m in users:
            own = dict(roles.get(topic, {}).get(m, {}))
            if not own:
                own = {a: USE_RANK for a, _m, k in G.in_edges(m, keys=True) if k == "acts_for"}
            if own:
                unit_roles[m] = own
        sources = [m for m in users if m in unit_roles]
        wants = set(wanting)
        candidates = sorted((m for m in members if m not in users),
                            key=lambda m: (m not in wants, m))
        entry = {
            "key": solution["key"], "name": solution.get("name") or solution["key"],
            "topic": topic, "kind": solution.get("kind"),
            "maturity": solution.get("maturity"), "owner": solution.get("owner"),
            "users": users, "wanting": [m for m in wanting if m in G],
            "candidates": candidates,
            "neighbours": {c: [u for u in users if is_neighbour(G._node[c], G._node[u])]
                           for c in candidates},
            "paths": [], "unreachable": []}
        entry["neighbours"] = {c: u for c, u in entry["neighbours"].items() if u}
        if sources and candidates:
            entry["paths"], entry["unreachable"] = _paths(G, net, topic, sources, candidates,
                                                          wants, unit_roles, max_paths)
        else:
            entry["unreachable"] = candidates if not sources else []
        found.append(entry)
    return found


def _paths(G, net, topic, sources, candidates, wants, unit_roles, max_paths) -> tuple:
    """The listed paths (wanting candidates first, then the nearest) and the unreachable."""
    W = net.matrix(topic)
    dist, _pred = _nearest_sources(W, net.index, sources)
    reach = {c: float(dist[net.index[c]]) for c in candidates}
    unreachable = [c for c in candidates if not math.isfinite(reach[c])]
    reachable = sorted((c for c in candidates if math.isfinite(reach[c])),
                       key=lambda c: (c not in wants, _split(reach[c])[1], reach[c], c))
    listed = reachable[:max_paths]
    if not listed:
        return [], unreachable
    limit = max(reach[c] for c in listed) + 1.0
    paths = _mentor_paths(G, net, W, listed, sources, unit_roles, limit)
    for path in paths:
        for name in ("path", "dist", "weakest", "assumed_share"):
            path.pop(name, None)
        path["wants"] = path["to"] in wants
    return paths, unreachable

