"""Knowledge-transfer paths from experienced to inexperienced members, topic by topic."""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx
import numpy as np
from scipy.sparse import csgraph, csr_array

from .build import nodes_of_type
from .text import TEMPLATES, check_lang, label, name, say

__all__ = [
    "EXPERIENCE_ROLES",
    "EXPERIENCE_STATUSES",
    "KIND_ORDER",
    "MAX_PATHS",
    "STRONG_TIE_MIN",
    "TARGET_TIERS",
    "edge_length",
    "source_preference",
    "topic_experience",
    "transfer_paths",
]

#: A tie is trusted enough to carry knowledge from this weight on.
STRONG_TIE_MIN = 3
#: Length of the step between a municipality and its own actors.
ACTS_FOR_LENGTH = 0.5
#: Length of each step actor - initiative (so co-participants are 3 apart, like a weight-3 tie).
PARTICIPATION_LENGTH = 1.5
#: Length of a suggested new tie (weight 3).
NEW_TIE_LENGTH = 3.0
#: Taking part in an initiative in these roles and statuses counts as experience.
EXPERIENCE_ROLES = frozenset({"lead", "partner", "supporter"})
EXPERIENCE_STATUSES = frozenset({"running", "completed"})
#: Members of these tiers are transfer targets (supporters, e.g. Kreise, only give).
TARGET_TIERS = frozenset({"pioneer", "member"})
#: Urban before rural when two sources are equally good.
KIND_ORDER = {"kreisfreie_stadt": 0, "kreisangehoerige_stadt": 1, "verbandsgemeinde": 2,
              "gemeinde": 2, "landkreis": 3}
#: At most this many paths (and suggested ties) per topic; sources and targets are listed up
#: to ``MAX_LISTED`` keys (their counts are always complete).
MAX_PATHS = 10
MAX_LISTED = 200
#: Alternative paths are searched in batches of block graphs up to this many nodes.
ALTERNATIVE_BLOCK_NODES = 300_000

#: The German note on how paths are chosen (``graphs.text`` has it in every language).
NOTE = TEMPLATES["de"]["transfer.note"]


def edge_length(U: nx.Graph, u, v, data: dict) -> float | None:
    """Length of an edge of the network graph for knowledge transfer, None if not trusted.

    Ties of weight >= ``STRONG_TIE_MIN`` have length ``6 - weight`` (5 -> 1, 3 -> 3); an
    actor's step to its municipality 0.5; a participation in a running or completed
    initiative as lead, partner or supporter 1.5 (observers and ideas carry no knowledge).
    """
    type_ = data["type"]
    if type_ == "tie":
        return 6.0 - data["weight"] if data["weight"] >= STRONG_TIE_MIN else None
    if type_ == "acts_for":
        return ACTS_FOR_LENGTH
    initiative = v if U.nodes[v]["type"] == "initiative" else u
    if data.get("role") in EXPERIENCE_ROLES and \
            U.nodes[initiative].get("status") in EXPERIENCE_STATUSES:
        return PARTICIPATION_LENGTH
    return None


def source_preference(G: nx.Graph, municipality) -> tuple:
    """Sort key preferring urban and large sources: kind order, then population (desc), key."""
    data = G.nodes[municipality]
    return (KIND_ORDER.get(data.get("kind"), 2), -(data.get("population") or 0), municipality)


def topic_experience(G: nx.MultiDiGraph) -> dict[str, dict[str, list[str]]]:
    """Return topic -> municipality -> the actors that give it experience in the topic.

    A municipality has experience in a topic when one of its actors lists the topic among
    its ``topics`` or took part (lead, partner or supporter) in a running or completed
    initiative on it.
    """
    found: dict[str, dict[str, set]] = {}
    for a, data in G.nodes(data=True):
        if data["type"] == "actor" and data.get("municipality"):
            for topic in data.get("topics") or []:
                found.setdefault(topic, {}).setdefault(data["municipality"], set()).add(a)
    for a, i, data in G.edges(data=True):
        if data["type"] != "participation" or data.get("role") not in EXPERIENCE_ROLES:
            continue
        initiative, m = G.nodes[i], G.nodes[a].get("municipality")
        if m and initiative.get("status") in EXPERIENCE_STATUSES and initiative.get("topic"):
            found.setdefault(initiative["topic"], {}).setdefault(m, set()).add(a)
    return {t: {m: sorted(found[t][m]) for m in sorted(found[t])} for t in sorted(found)}


def transfer_paths(G: nx.MultiDiGraph, U: nx.Graph, *, max_paths: int = MAX_PATHS,
                   lang: str = "de") -> list:
    """Return, per topic, the best knowledge-transfer paths from experienced to new members.

    For every topic where some municipalities have experience (:func:`topic_experience`)
    and some members of tier pioneer or member have none, a multi-source Dijkstra over the
    trusted edges (:func:`edge_length`) finds each target's nearest source; equally long
    paths prefer urban and large sources (each source starts with a tiny offset by
    :func:`source_preference`, smaller than any difference in length). For the
    ``max_paths`` shortest, an alternative path sharing no intermediary with the best one is
    searched (node-disjoint apart from the two municipalities' own actors). Brokers are the
    intermediaries on these paths (actors, and shared initiatives that carry knowledge),
    with the number of listed paths through each. Suggested ties come from link prediction: for the
    targets farthest from (or unreachable by) any source, the non-adjacent pair of an actor
    of the target and an experienced actor with the largest resource-allocation index
    (Zhou, Lü and Zhang 2009) whose new tie (length 3) would shorten the path.

    Returns
    -------
    list of dict
        One per topic (sorted): ``topic``, ``label``, ``sources``, ``targets``,
        ``n_sources``, ``n_targets``, ``paths`` (``from``, ``to``, ``via``, ``length``,
        ``hops``, ``weakest`` tie weight, ``alternative``), ``unreachable``, ``brokers``,
        ``suggested_ties`` (``[experienced actor, target actor]`` pairs), ``suggestions``
        (the same with scores and lengths) and a ``note``; ``label`` and ``note`` are in
        ``lang`` ("de" or "en").

    References
    ----------
    .. [1] Zhou, T., Lü, L. and Zhang, Y.-C. (2009). Predicting missing links via local
       information. European Physical Journal B 71, 623-630.
    """
    check_lang(lang)
    experience = topic_experience(G)
    members = [m for m in nodes_of_type(G, "municipality")
               if G.nodes[m].get("tier") in TARGET_TIERS]
    nodes = list(U)
    index = {x: i for i, x in enumerate(nodes)}
    topics = []
    for topic, by_muni in experience.items():
        sources = sorted(by_muni, key=lambda m: source_preference(G, m))
        targets = [m for m in members if m not in by_muni]
        if sources and targets:
            topics.append((topic, sources, targets, by_muni))
    if not topics:
        return []
    W = _length_matrix(U, index)
    dist, pred = _nearest_sources(W, index, [sources for _t, sources, _x, _b in topics])
    found = []
    for k, (_name, _sources, targets, _by) in enumerate(topics):
        target_rows = np.asarray([index[t] for t in targets])
        lengths = np.floor(2 * dist[k, target_rows]) / 2  # offsets < 0.5 never count
        reachable = sorted((float(lengths[i]), t) for i, t in enumerate(targets)
                           if math.isfinite(lengths[i]))
        unreachable = [t for i, t in enumerate(targets) if not math.isfinite(lengths[i])]
        paths = [_describe(U, _trace(pred[k], index[t], nodes), length)
                 for length, t in reachable[:max_paths]]
        found.append((reachable, unreachable, paths))
    listed = [path for _r, _u, paths in found for path in paths]
    for path, alternative in zip(listed, _alternatives(U, W, nodes, index, listed), strict=True):
        path["alternative"] = alternative
    return [_topic(G, U, pred[k], nodes, index, topic, sources, targets, by_muni, max_paths,
                   *found[k], lang=lang)
            for k, (topic, sources, targets, by_muni) in enumerate(topics)]


def _length_matrix(U: nx.Graph, index: dict) -> csr_array:
    """Symmetric CSR of the trusted edge lengths (:func:`edge_length`)."""
    rows, cols, lengths = [], [], []
    for u, v, data in U.edges(data=True):
        length = edge_length(U, u, v, data)
        if length is not None:
            rows += [index[u], index[v]]
            cols += [index[v], index[u]]
            lengths += [length, length]
    n = len(index)
    return csr_array((np.asarray(lengths, float), (np.asarray(rows, np.int64),
                                                   np.asarray(cols, np.int64))), shape=(n, n))


def _nearest_sources(W, index, source_lists) -> tuple:
    """One Dijkstra per topic from a super-source joined to the topic's sources.

    Super-source k (row ``n + k``) reaches source r of its list with a tiny offset growing
    with r (less than 0.5 in all), so equally long paths start at the preferred source. All
    topics run in one call. Returns ``(dist, pred)``, one row per topic.
    """
    n, t = W.shape[0], len(source_lists)
    coo = W.tocoo()
    rows, cols, data = [coo.row], [coo.col], [coo.data]
    for k, sources in enumerate(source_lists):
        rows.append(np.full(len(sources), n + k))
        cols.append(np.asarray([index[m] for m in sources]))
        data.append(0.4 * (np.arange(len(sources)) + 1) / (len(sources) + 1))
    size = n + t
    augmented = csr_array((np.concatenate(data), (np.concatenate(rows).astype(np.int64),
                                                  np.concatenate(cols).astype(np.int64))),
                          shape=(size, size))
    return csgraph.dijkstra(augmented, directed=True, indices=np.arange(n, size),
                            return_predecessors=True)


def _topic(G, U, pred, nodes, index, topic, sources, targets, by_muni, max_paths,
           reachable, unreachable, paths, lang="de") -> dict:
    brokers = Counter(b for path in paths
                      for b in path["via"] + (path["alternative"] or {}).get("via", [])
                      if U.nodes[b]["type"] != "municipality")
    for path in paths:
        del path["path"]
    suggestions = _suggest(G, U, pred, nodes, index, reachable, unreachable, by_muni, sources,
                           max_paths)
    note = say(lang, "transfer.note")
    if len(reachable) > max_paths:
        note += say(lang, "transfer.shown", shown=max_paths, total=len(reachable))
    if unreachable:
        note += say(lang, "transfer.unreachable", count=len(unreachable))
    return {
        "topic": topic,
        "label": label(lang, "topic", topic),
        "sources": sorted(sources)[:MAX_LISTED],
        "targets": targets[:MAX_LISTED],
        "n_sources": len(sources),
        "n_targets": len(targets),
        "paths": paths,
        "unreachable": unreachable[:MAX_LISTED],
        "n_unreachable": len(unreachable),
        "brokers": [{"key": b, "name": name(G, b), "type": G.nodes[b]["type"],
                     "municipality": G.nodes[b].get("municipality"), "paths": c}
                    for b, c in sorted(brokers.items(), key=lambda x: (-x[1], x[0]))],
        "suggested_ties": [[s["from"], s["to"]] for s in suggestions],
        "suggestions": suggestions,
        "note": note,
    }


def _trace(pred, row, nodes) -> list:
    """Nodes of the path to ``row`` along predecessors, back to a source (or super-source)."""
    path = []
    while 0 <= row < len(nodes):
        path.append(nodes[row])
        row = pred[row]
    return path[::-1]


def _describe(U, path, length) -> dict:
    """from/to/via/length/hops/weakest of a path between two municipality hubs."""
    ends = {path[0], path[-1]}
    via = [x for x in path[1:-1] if not (U.nodes[x]["type"] == "actor"
                                        and U.nodes[x].get("municipality") in ends)]
    weights = [U[a][b]["weight"] for a, b in zip(path, path[1:], strict=False)
               if U[a][b]["type"] == "tie"]
    return {"from": path[0], "to": path[-1], "via": via, "length": length,
            "hops": len(path) - 1, "weakest": min(weights) if weights else None, "path": path}


def _alternatives(U, W, nodes, index, paths) -> list:
    """For each path, the shortest trusted path between its ends avoiding all its ``via``.

    Paths from the same source with the same intermediaries share one search. The searches
    run batched in Dijkstra calls over block-diagonal graphs: block b is the trusted graph
    without its paths' intermediaries (at most 16 blocks and
    ``ALTERNATIVE_BLOCK_NODES`` nodes per call: each search initialises arrays over the
    whole block graph, so small batches are cheaper). Alternatives longer than twice the
    path plus 6 are not searched (a detour nobody would take).
    """
    n = len(nodes)
    groups: dict = {}  # paths from the same source avoiding the same nodes share a search
    for k, p in enumerate(paths):
        if p["via"]:
            groups.setdefault((p["from"], tuple(sorted(p["via"]))), []).append(k)
    found: list = [None] * len(paths)
    coo = W.tocoo()
    rows, cols = coo.row.astype(np.int64), coo.col.astype(np.int64)
    per_call = max(1, min(16, ALTERNATIVE_BLOCK_NODES // max(1, n)))
    todo = list(groups.items())
    for start in range(0, len(todo), per_call):
        batch = todo[start:start + per_call]
        banned = np.zeros((len(batch), n), dtype=bool)
        for b, ((_source, via), _members) in enumerate(batch):
            banned[b, [index[x] for x in via]] = True
        block, arc = np.nonzero(~(banned[:, rows] | banned[:, cols]))
        size = len(batch) * n
        big = csr_array((coo.data[arc], (rows[arc] + block * n, cols[arc] + block * n)),
                        shape=(size, size))
        starts = [b * n + index[source] for b, ((source, _via), _m) in enumerate(batch)]
        limit = 2 * max(paths[k]["length"] for _key, members in batch for k in members) + 6
        dist, pred = csgraph.dijkstra(big, directed=True, indices=starts,
                                      return_predecessors=True, limit=limit)
        for b, (_key, members) in enumerate(batch):
            for k in members:
                end = b * n + index[paths[k]["to"]]
                if not math.isfinite(dist[b, end]):
                    continue
                trail = [nodes[x - b * n] for x in _rows_to(pred[b], end, starts[b])]
                info = _describe(U, trail, round(float(dist[b, end]) * 2) / 2)
                found[k] = {key: info[key] for key in ("via", "length", "hops", "weakest")}
    return found


def _rows_to(pred, row, start) -> list:
    """Rows of the path from ``start`` to ``row`` along predecessors."""
    steps = [row]
    while row != start:
        row = pred[row]
        steps.append(row)
    return steps[::-1]


def _suggest(G, U, pred, nodes, index, reachable, unreachable, by_muni, sources,
             max_paths) -> list:
    """Link prediction: new ties from experienced actors that shorten the longest paths."""
    experts = {a: m for m, actors in by_muni.items() for a in actors}
    best_length = ACTS_FOR_LENGTH + NEW_TIE_LENGTH + ACTS_FOR_LENGTH
    needy = [(None, t) for t in unreachable] + sorted(
        ((length, t) for length, t in reachable if length > best_length),
        key=lambda x: (-x[0], x[1]))
    level_order = {"coordinating": 0, "strategic": 1, "operational": 2}
    rank = {m: r for r, m in enumerate(sources)}
    found, seen = [], set()
    for length, t in needy:
        if len(found) >= max_paths:
            break
        own = sorted((a for a in U[t] if U.nodes[a]["type"] == "actor"),
                     key=lambda a: (level_order.get(U.nodes[a].get("level"), 3), a))
        if not own:
            continue
        scored = {}
        for x in own:
            mine = U[x]
            for z in mine:
                if z == t:  # the target's own hub joins only its own actors
                    continue
                neighbours = U[z]
                share = 1.0 / len(neighbours)
                for y in neighbours:
                    if y in experts and y != x and y not in mine:
                        scored[(y, x)] = scored.get((y, x), 0.0) + share
        if scored:
            (y, x), score = min(scored.items(), key=lambda kv: (
                -kv[1], rank[experts[kv[0][0]]], own.index(kv[0][1]), kv[0][0]))
        else:
            if length is not None:
                y = by_muni[_trace(pred, index[t], nodes)[0]][0]
            else:
                y = by_muni[sources[0]][0]
            x, score = own[0], 0.0
            if y not in experts or U.has_edge(x, y):
                continue
        if (y, x) in seen:
            continue
        seen.add((y, x))
        found.append({"from": y, "to": x, "target": t, "score": round(score, 4),
                      "length_before": length, "length_after": best_length})
    return found
