"""Knowledge-transfer paths from experienced to inexperienced members, topic by topic."""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx
import numpy as np
from scipy.sparse import csgraph, csr_array

from .build import active_formats, edges_of_type, nodes_of_type, undirected_edges
from .provenance import is_assumed
from .text import TEMPLATES, check_lang, label, name, plural, say

__all__ = [
    "EXPERIENCE_ROLES",
    "EXPERIENCE_STATUSES",
    "KIND_ORDER",
    "MAX_PATHS",
    "RURAL_POPULATION",
    "TARGET_TIERS",
    "USE_RANK",
    "USING",
    "WEAK_PENALTY",
    "distance_km",
    "edge_length",
    "mentor_preference",
    "self_declared",
    "settlement_class",
    "source_preference",
    "topic_experience",
    "transfer_paths",
]

#: Length of the step between a municipality and its own actors.
ACTS_FOR_LENGTH = 0.5
#: Length of each step actor - initiative or actor - format (co-participants are 3 apart,
#: like a tie of weight 3).
PARTICIPATION_LENGTH = 1.5
#: Length of a weak tie (mandate, reporting or funding only: no knowledge channel of its own).
WEAK_TIE_LENGTH = 5.0
#: Added to the length of every weak channel (a tie that is no knowledge channel, a one-off
#: or ended format, a format or initiative on another topic; half on each of the two steps
#: through a format or initiative): a path with a weak channel is longer than any path
#: without, so weak channels never outrank real ones.
WEAK_PENALTY = 1000.0
#: Length of a suggested new tie (weight 3).
NEW_TIE_LENGTH = 3.0
#: Taking part in an initiative in these roles and statuses counts as experience.
EXPERIENCE_ROLES = frozenset({"lead", "partner", "supporter"})
EXPERIENCE_STATUSES = frozenset({"running", "completed"})
#: Rank of the roles that give experience (who to call first: the lead).
ROLE_RANK = {"lead": 0, "partner": 1, "supporter": 2}
#: Relations to a solution that mean a municipality runs it (re-use counts as use).
USING = frozenset({"uses", "reused_from"})
#: Rank of the actors of a municipality whose experience in a topic comes from running a
#: solution on it (``G.graph["solutions"]``): after every initiative role.
USE_RANK = 3
#: Members of these tiers are transfer targets (supporters, e.g. Kreise, only give).
TARGET_TIERS = frozenset({"pioneer", "member"})
#: Urban before rural when two sources are equally good for no one in particular.
KIND_ORDER = {"kreisfreie_stadt": 0, "kreisangehoerige_stadt": 1, "verbandsgemeinde": 2,
              "gemeinde": 2, "landkreis": 3}
#: A kreisangehörige Stadt below this population is rural like a Gemeinde: 20,000 is the
#: upper bound of a Kleinstadt in the BBSR's Stadt- und Gemeindetypen (Mittelstädte start
#: there), the usual line between small-town/rural and urban municipalities in Germany.
RURAL_POPULATION = 20_000
#: At most this many paths (and suggested ties) per topic; sources and targets are listed up
#: to ``MAX_LISTED`` keys (their counts are always complete).
MAX_PATHS = 10
MAX_LISTED = 200
#: Alternative paths are searched in batches of block graphs up to this many nodes.
ALTERNATIVE_BLOCK_NODES = 300_000
#: Mean radius of the earth, km (for :func:`distance_km`).
EARTH_RADIUS_KM = 6371.0

#: The German note on how paths are chosen (``graphs.text`` has it in every language).
NOTE = TEMPLATES["de"]["transfer.note"]


def edge_length(U: nx.Graph, u, v, data: dict, topic: str | None = None) -> float | None:
    """Length of an edge of the network graph for knowledge transfer on ``topic``.

    - a tie of kind knowledge transfer, advice or cooperation, whatever its weight:
      ``6 - strength`` (5 -> 1, 1 -> 5), strength being its ``transfer_weight`` (the weight
      of such ties, see :func:`graphs.build.network_graph`; ``weight`` on a hand-built
      graph) or, when the relationship survey gave its ``trust``, the mean of both;
    - a tie of another kind only (mandate, reporting, funding): a weak channel,
      ``WEAK_TIE_LENGTH + WEAK_PENALTY``;
    - an actor's step to its municipality: 0.5;
    - a participation as lead, partner or supporter in a running or completed initiative:
      1.5 when the initiative is on ``topic`` (or ``topic`` is None), else a weak channel
      (1.5 + ``WEAK_PENALTY / 2`` per step); observers and ideas carry nothing (None).
    """
    type_ = data["type"]
    if type_ == "tie":
        strength = data["transfer_weight"] if "transfer_weight" in data else data.get("weight")
        if strength is None:
            return WEAK_TIE_LENGTH + WEAK_PENALTY
        if data.get("trust") is not None:
            strength = (strength + data["trust"]) / 2
        return 6.0 - strength
    if type_ == "acts_for":
        return ACTS_FOR_LENGTH
    nodes = U.nodes
    initiative = nodes[v if nodes[v]["type"] == "initiative" else u]
    if data.get("role") in EXPERIENCE_ROLES and \
            initiative.get("status") in EXPERIENCE_STATUSES:
        if topic is None or initiative.get("topic") == topic:
            return PARTICIPATION_LENGTH
        return PARTICIPATION_LENGTH + WEAK_PENALTY / 2
    return None


def source_preference(G: nx.Graph, municipality) -> tuple:
    """Sort key preferring urban and large sources: kind order, then population (desc), key."""
    data = G._node[municipality]
    return (KIND_ORDER.get(data.get("kind"), 2), -(data.get("population") or 0), municipality)


def settlement_class(data: dict) -> str:
    """"urban", "rural" or "district" (a Landkreis) for a municipality's attributes.

    Rural are Gemeinden, Verbandsgemeinden and kreisangehörige Städte below
    ``RURAL_POPULATION`` inhabitants; urban are kreisfreie Städte and the larger
    kreisangehörige Städte.

    >>> settlement_class({"kind": "kreisangehoerige_stadt", "population": 19_000})
    'rural'
    """
    kind = data.get("kind")
    if kind == "landkreis":
        return "district"
    if kind == "kreisfreie_stadt" or (kind == "kreisangehoerige_stadt" and
                                      (data.get("population") or 0) >= RURAL_POPULATION):
        return "urban"
    return "rural"


def distance_km(a: dict, b: dict) -> float | None:
    """Great-circle distance in km between two records with ``lat``/``lon`` (None if unknown).

    >>> round(distance_km({"lat": 51.0, "lon": 8.0}, {"lat": 52.0, "lon": 8.0}))
    111
    """
    if None in (a.get("lat"), a.get("lon"), b.get("lat"), b.get("lon")):
        return None
    p1, p2 = math.radians(a["lat"]), math.radians(b["lat"])
    dp, dl = p2 - p1, math.radians(b["lon"] - a["lon"])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def mentor_preference(G: nx.Graph, target, source) -> tuple:
    """Sort key among equally good mentors for ``target``: one of the same settlement class
    first (:func:`settlement_class`: rural for rural), then the nearer one, then
    :func:`source_preference`."""
    t, s = G._node[target], G._node[source]
    km = distance_km(t, s)
    return (settlement_class(t) != settlement_class(s), math.inf if km is None else km,
            source_preference(G, source))


def _experience_roles(G: nx.MultiDiGraph) -> dict:
    """topic -> municipality -> actor -> best role rank in initiatives giving experience;
    a municipality running a solution on a topic (uses or re-used it) has experience in it
    too, through each of its actors (rank ``USE_RANK``) unless an initiative gives it."""
    found: dict = {}
    for solution in G.graph.get("solutions") or []:
        topic = solution.get("topic")
        for m in {u["municipality"] for u in solution.get("uses") or []
                  if u.get("relation") in USING}:
            if topic and m in G:
                for a, _m, key in G.in_edges(m, keys=True):
                    if key == "acts_for":
                        found.setdefault(topic, {}).setdefault(m, {})[a] = USE_RANK
    for a, i, _key, data in edges_of_type(G, "participation"):
        if data.get("role") not in EXPERIENCE_ROLES:
            continue
        initiative, m = G._node[i], G._node[a].get("municipality")
        if m and initiative.get("status") in EXPERIENCE_STATUSES and initiative.get("topic"):
            actors = found.setdefault(initiative["topic"], {}).setdefault(m, {})
            actors[a] = min(actors.get(a, 9), ROLE_RANK[data["role"]])
    for topic in found:  # an initiative role outranks running a solution
        for m, actors in found[topic].items():
            if any(rank < USE_RANK for rank in actors.values()):
                found[topic][m] = {a: r for a, r in actors.items() if r < USE_RANK}
    return found


def topic_experience(G: nx.MultiDiGraph) -> dict[str, dict[str, list[str]]]:
    """Return topic -> municipality -> the actors that give it experience in the topic.

    A municipality has experience in a topic when one of its actors took part (lead,
    partner or supporter) in a running or completed initiative on it, or when it uses or
    re-used a solution on it (``G.graph["solutions"]``; then all its actors). Topics an actor only
    lists among its ``topics`` are no experience (see :func:`self_declared`).
    """
    found = _experience_roles(G)
    return {t: {m: sorted(found[t][m]) for m in sorted(found[t])} for t in sorted(found)}


def self_declared(G: nx.MultiDiGraph, experience: dict | None = None) -> dict:
    """Return topic -> municipality -> its actors listing the topic, for municipalities
    without experience in it (:func:`topic_experience`): known "nach eigener Angabe" only."""
    experience = topic_experience(G) if experience is None else experience
    found: dict = {}
    for a, data in G.nodes(data=True):
        m = data.get("municipality") if data["type"] == "actor" else None
        for topic in (data.get("topics") or []) if m else []:
            if m not in experience.get(topic, {}):
                found.setdefault(topic, {}).setdefault(m, []).append(a)
    return {t: {m: sorted(found[t][m]) for m in sorted(found[t])} for t in sorted(found)}


class _Channels:
    """The network graph ``U`` plus the formats as nodes joined to their participants: the
    graph knowledge travels on, without copying ``U``."""

    def __init__(self, U: nx.Graph, formats: list[dict], today: str | None):
        self.U = U
        self.nodes = list(U)
        self.extra: dict = {}
        self.links: dict = {}
        for record in formats:
            members = [a for a in [record["convenor"], *record["participants"]]
                       if a is not None]
            if len(members) < 2 or record["key"] in U:
                continue
            key = record["key"]
            until = record.get("until")
            self.extra[key] = {
                "type": "format", "name": record.get("name") or key,
                "topic": record.get("topic"),
                "strong": record.get("cadence") not in (None, "once") and not (
                    today is not None and until and str(until) < today),
                "provenance": record.get("provenance") or "documented",
                "members": sorted(set(members))}
            self.nodes.append(key)
            for a in members:
                self.links[(a, key)] = self.links[(key, a)] = {"type": "format"}
        self.index = index = {x: i for i, x in enumerate(self.nodes)}
        # topic-independent edges, and the steps whose length depends on the topic: their
        # rows, columns and topic (None: every topic), and whether they are strong at all
        fixed, steps = ([], [], []), ([], [], [], [])
        f_rows, f_cols, f_lengths = fixed
        s_rows, s_cols, s_topics, s_strong = steps
        node_data = U._node
        for u, v, data in undirected_edges(U):
            if data["type"] == "participation":
                length = edge_length(U, u, v, data)
                if length is not None:
                    s_rows.append(index[u])
                    s_cols.append(index[v])
                    s_topics.append(node_data[v if node_data[v]["type"] == "initiative"
                                              else u].get("topic"))
                    s_strong.append(True)
            else:
                f_rows.append(index[u])
                f_cols.append(index[v])
                f_lengths.append(edge_length(U, u, v, data))
        for (a, f) in self.links:
            if a not in self.extra:
                info = self.extra[f]
                s_rows.append(index[a])
                s_cols.append(index[f])
                s_topics.append(info["topic"])
                s_strong.append(info["strong"])
        self._fixed = tuple(np.asarray(x) for x in fixed)
        self._steps = (np.asarray(steps[0], np.int64), np.asarray(steps[1], np.int64),
                       np.asarray(steps[2], dtype=object), np.asarray(steps[3], bool))

    def data(self, x) -> dict:
        return self.extra[x] if x in self.extra else self.U._node[x]

    def edge(self, a, b) -> dict:
        return self.links[(a, b)] if (a, b) in self.links else self.U[a][b]

    def matrix(self, topic: str) -> csr_array:
        """Symmetric CSR of the edge lengths for ``topic`` (:func:`edge_length`; a format
        step is 1.5 when the format recurs, runs and is on the topic or on none, else weak).
        """
        rows, cols, lengths = self._fixed
        s_rows, s_cols, s_topics, s_strong = self._steps
        on_topic = s_strong & ((s_topics == topic) | (s_topics == None))  # noqa: E711
        s_lengths = PARTICIPATION_LENGTH + np.where(on_topic, 0.0, WEAK_PENALTY / 2)
        r = np.concatenate([rows, s_rows]).astype(np.int64)
        c = np.concatenate([cols, s_cols]).astype(np.int64)
        data = np.concatenate([lengths, s_lengths]).astype(float)
        n = len(self.index)
        return csr_array((np.concatenate([data, data]), (np.concatenate([r, c]),
                                                         np.concatenate([c, r]))),
                         shape=(n, n))


def _split(dist: float) -> tuple[float, int]:
    """A penalised length -> (length without penalties, in halves; number of weak steps)."""
    weak = int(dist // WEAK_PENALTY)
    return math.floor(2 * (dist - weak * WEAK_PENALTY)) / 2, weak


def transfer_paths(G: nx.MultiDiGraph, U: nx.Graph, *, max_paths: int = MAX_PATHS,
                   lang: str = "de", today: str | None = None) -> list:
    """Return, per topic, the best knowledge-transfer paths from experienced to new members.

    Sources are the municipalities with experience in the topic (:func:`topic_experience`:
    a lead, partner or supporter role in a running or completed initiative on it); targets
    the members of tier pioneer or member without. Knowledge travels over channels
    (:func:`edge_length`): knowledge-transfer, advice and cooperation ties whatever their
    weight (stronger and more trusted ones are shorter), initiatives on the topic, and
    recurring formats (``G.graph["formats"]``, running on ``today``, an ISO date) on the
    topic or on none; a tie of another kind, a one-off or ended format and a format or
    initiative on another topic are weak channels that never outrank a real one (each adds
    ``WEAK_PENALTY``). A multi-source Dijkstra per topic finds each target's nearest source;
    for the ``max_paths`` nearest targets, a search from the target chooses among the
    equally near sources by :func:`mentor_preference` (same settlement class, nearer) and
    names the ``unit`` to call there (its actor with the best role in the topic's
    initiatives). For these paths an alternative sharing no intermediary with the best one
    is searched (node-disjoint apart from the two municipalities' own actors). Brokers are
    the intermediaries on these paths (actors, formats, and shared initiatives), with the
    number of listed paths through each. Suggested ties come from link prediction: for the
    targets farthest from (or unreachable by) any source over real channels, the
    non-adjacent pair of an actor of the target and an experienced actor with the largest
    resource-allocation index (Zhou, Lü and Zhang 2009) whose new tie (length 3) would
    shorten the path.

    Returns
    -------
    list of dict
        One per topic (sorted): ``topic``, ``label``, ``sources``, ``targets``,
        ``n_sources``, ``n_targets``, ``self_declared`` (municipalities listing the topic
        without experience: "nach eigener Angabe", never a source), ``paths`` (``from``,
        ``to``, ``via``, ``length``, ``hops``, ``weakest`` tie weight, ``weak`` (number of
        weak channels on it), ``unit`` and ``unit_name`` (whom to call at ``from``),
        ``distance_km``, ``assumed_share`` (of the actors, ties and participations on it),
        ``alternative``), ``unreachable`` (targets without a path over real channels),
        ``weak_only`` (those of them reached over weak channels only), ``brokers``,
        ``formats`` (each format on a listed path or alternative: its ``name`` and
        ``participants``, so a drawing can route through it; formats are no nodes of ``U``),
        ``suggested_ties`` (``[experienced actor, target actor]`` pairs), ``suggestions``
        (the same with scores and lengths) and a ``note``; ``label`` and ``note`` are in
        ``lang`` ("de" or "en").

    References
    ----------
    .. [1] Zhou, T., Lü, L. and Zhang, Y.-C. (2009). Predicting missing links via local
       information. European Physical Journal B 71, 623-630.
    """
    check_lang(lang)
    roles = _experience_roles(G)
    experience = {t: {m: sorted(roles[t][m]) for m in sorted(roles[t])} for t in sorted(roles)}
    declared = self_declared(G, experience)
    members = [m for m in nodes_of_type(G, "municipality")
               if G._node[m].get("tier") in TARGET_TIERS]
    topics = []
    for topic, by_muni in experience.items():
        sources = sorted(by_muni, key=lambda m: source_preference(G, m))
        targets = [m for m in members if m not in by_muni]
        if sources and targets:
            topics.append((topic, sources, targets, by_muni))
    if not topics:
        return []
    net = _Channels(U, active_formats(G), today)
    found, matrices, listed_paths = [], [], []
    for topic, sources, targets, by_muni in topics:
        W = net.matrix(topic)
        dist, pred = _nearest_sources(W, net.index, sources)
        strong, weak_only, unreachable, listed = _by_distance(
            dist[[net.index[t] for t in targets]], targets, max_paths)
        limit = max((float(dist[net.index[t]]) for t in listed), default=0.0) + 1.0
        paths = _mentor_paths(G, net, W, listed, sources, roles[topic], limit)
        matrices += [W] * len(paths)
        listed_paths += paths
        found.append((topic, sources, targets, by_muni, pred, strong, weak_only, unreachable,
                      paths))
    for path, alternative in zip(listed_paths, _alternatives(net, matrices, listed_paths),
                                 strict=True):
        path["alternative"] = alternative
    return [_topic(G, net, pred, topic, sources, targets, by_muni, max_paths, strong,
                   weak_only, unreachable, paths, declared.get(topic, {}), lang=lang)
            for topic, sources, targets, by_muni, pred, strong, weak_only, unreachable, paths
            in found]


def _by_distance(reach: np.ndarray, targets: list, max_paths: int) -> tuple:
    """Sort ``targets`` (sorted keys) by their distance ``reach`` from the nearest source.

    Returns ``strong`` (``(length, target)`` over real channels only, by length),
    ``weak_only`` (reached over a weak channel, by length), ``unreachable`` (in
    ``targets`` order) and ``listed`` (the ``max_paths`` nearest, fewest weak channels
    first); ties by key. The same as :func:`_split` per target and sorting the tuples, on
    arrays (ten thousand targets per topic at national scale).
    """
    finite = np.isfinite(reach)
    rows = np.flatnonzero(finite)  # a row's position stands for its key's order
    dist = reach[rows]
    weak = np.floor_divide(dist, WEAK_PENALTY)
    length = np.floor(2 * (dist - weak * WEAK_PENALTY)) / 2
    strong, weak_only = [], []
    by_length = np.lexsort((rows, weak, length))
    for d, w, i in zip(length[by_length].tolist(), weak[by_length].tolist(),
                       rows[by_length].tolist(), strict=True):
        if w:
            weak_only.append(targets[i])
        else:
            strong.append((d, targets[i]))
    unreachable = [targets[i] for i in np.flatnonzero(~finite).tolist()]
    nearest = np.lexsort((rows, length, weak))[:max_paths]
    listed = [targets[i] for i in rows[nearest].tolist()]
    return strong, weak_only, unreachable, listed


def _nearest_sources(W, index, sources) -> tuple:
    """Dijkstra from a super-source joined to the sources (row ``n``).

    The super-source reaches source r of the list with a tiny offset growing with r (less
    than 0.5 in all), so equally long paths start at the preferred source. Returns
    ``(dist, pred)`` over the rows of ``W``.
    """
    n = W.shape[0]
    # W's rows as they are plus the super-source's row (what building it from W's entries
    # and the new ones gives, without the conversions)
    indptr = np.concatenate([W.indptr, [W.indptr[-1] + len(sources)]]).astype(np.int64)
    cols = np.concatenate([W.indices, [index[m] for m in sources]]).astype(np.int64)
    data = np.concatenate([W.data, 0.4 * (np.arange(len(sources)) + 1) / (len(sources) + 1)])
    augmented = csr_array((data, cols, indptr), shape=(n + 1, n + 1))
    dist, pred = csgraph.dijkstra(augmented, directed=True, indices=n,
                                  return_predecessors=True)
    return dist[:n], pred[:n]


def _mentor_paths(G, net, W, targets, sources, roles, limit) -> list:
    """The path to each target from its preferred mentor among the nearest sources (the
    search from the targets stops at ``limit``, beyond their nearest sources)."""
    if not targets:
        return []
    rows = np.asarray([net.index[t] for t in targets])
    dist, pred = csgraph.dijkstra(W, directed=True, indices=rows, return_predecessors=True,
                                  limit=limit)
    source_rows = np.asarray([net.index[m] for m in sources])
    found = []
    for k, t in enumerate(targets):
        to_sources = dist[k, source_rows]
        best = float(to_sources.min())
        near = [m for m, d in zip(sources, to_sources, strict=True) if d <= best + 1e-9]
        mentor = min(near, key=lambda m: mentor_preference(G, t, m))
        trail = [net.nodes[x] for x in _rows_to(pred[k], net.index[mentor], rows[k])][::-1]
        path = _describe(net, trail, best)
        unit = min(roles[mentor], key=lambda a: (roles[mentor][a], _LEVEL_RANK.get(
            G._node[a].get("level"), 3), a))
        km = distance_km(G._node[mentor], G._node[t])
        path.update(unit=unit, unit_name=name(G, unit),
                    distance_km=None if km is None else round(km, 1))
        found.append(path)
    return found


#: Level order when naming the unit to call (the coordinating unit first).
_LEVEL_RANK = {"coordinating": 0, "operational": 1, "strategic": 2}


def _topic(G, net, pred, topic, sources, targets, by_muni, max_paths, strong, weak_only,
           unreachable, paths, declared, lang="de") -> dict:
    brokers = Counter(b for path in paths
                      for b in path["via"] + (path["alternative"] or {}).get("via", [])
                      if net.data(b)["type"] != "municipality")
    for path in paths:
        del path["path"]
    position = {t: i for i, t in enumerate(targets)}
    without = sorted(unreachable + weak_only, key=position.__getitem__)
    suggestions = _suggest(G, net.U, pred, net.nodes, net.index, strong, without, by_muni,
                           sources, max_paths)
    note = say(lang, "transfer.note")
    if len(strong) + len(weak_only) > max_paths:
        note += say(lang, "transfer.shown", shown=max_paths,
                    total=len(strong) + len(weak_only))
    if weak_only:
        note += say(lang, "transfer.weak_only", count=len(weak_only))
    if unreachable:
        note += plural(lang, "transfer.unreachable", len(unreachable))
    if declared:
        note += say(lang, "transfer.self_declared",
                    names=", ".join(name(G, m) for m in list(declared)[:5]))
    return {
        "topic": topic,
        "label": label(lang, "topic", topic),
        "sources": sorted(sources)[:MAX_LISTED],
        "targets": targets[:MAX_LISTED],
        "n_sources": len(sources),
        "n_targets": len(targets),
        "self_declared": list(declared)[:MAX_LISTED],
        "paths": paths,
        "unreachable": without[:MAX_LISTED],
        "n_unreachable": len(without),
        "weak_only": weak_only[:MAX_LISTED],
        "brokers": [{"key": b, "name": name(G, b) if b in G else net.data(b)["name"],
                     "type": net.data(b)["type"],
                     "municipality": net.data(b).get("municipality"), "paths": c}
                    for b, c in sorted(brokers.items(), key=lambda x: (-x[1], x[0]))],
        "formats": {b: {"name": net.data(b)["name"], "participants": net.data(b)["members"]}
                    for b in sorted(brokers) if net.data(b)["type"] == "format"},
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


def _describe(net, path, dist) -> dict:
    """from/to/via/length/hops/weakest/weak/assumed_share of a path between two
    municipality hubs (``dist``: its penalised length)."""
    ends = {path[0], path[-1]}
    via = [x for x in path[1:-1] if not (net.data(x)["type"] == "actor"
                                        and net.data(x).get("municipality") in ends)]
    weights, records, assumed = [], 0, 0
    for x in path:
        if net.data(x)["type"] == "actor":
            records += 1
            assumed += is_assumed(net.data(x))
    for a, b in zip(path, path[1:], strict=False):
        edge = net.edge(a, b)
        if edge["type"] == "tie":
            weights.append(edge["weight"])
            records += edge.get("records", 1)
            assumed += edge.get("assumed", 0)
        elif edge["type"] == "participation":
            records += 1
            assumed += is_assumed(edge)
    length, weak = _split(dist)
    return {"from": path[0], "to": path[-1], "via": via, "length": length,
            "hops": len(path) - 1, "weakest": min(weights) if weights else None,
            "weak": weak, "assumed_share": round(assumed / records, 4) if records else 0.0,
            "dist": dist, "path": path}


def _alternatives(net, matrices, paths) -> list:
    """For each path, the shortest path between its ends avoiding all its ``via``, over
    its topic's lengths (``matrices``: one CSR per path, :meth:`_Channels.matrix`).

    Paths of the same topic from the same source with the same intermediaries share one
    search. The searches run batched in Dijkstra calls over block-diagonal graphs: block b
    is its topic's graph without its paths' intermediaries (at most 16 blocks and
    ``ALTERNATIVE_BLOCK_NODES`` nodes per call: each search initialises arrays over the
    whole block graph, so small batches are cheaper). Alternatives longer than twice the
    path plus 6 are not searched (a detour nobody would take).
    """
    nodes, index = net.nodes, net.index
    n = len(nodes)
    groups: dict = {}  # paths from the same source avoiding the same nodes share a search
    arcs: dict = {}  # id of a topic's matrix -> its arcs (rows, cols, lengths)
    for k, p in enumerate(paths):
        if p["via"]:
            W = matrices[k]
            if id(W) not in arcs:
                coo = W.tocoo()
                arcs[id(W)] = (coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
            groups.setdefault((id(W), p["from"], tuple(sorted(p["via"]))), []).append(k)
    found: list = [None] * len(paths)
    per_call = max(1, min(16, ALTERNATIVE_BLOCK_NODES // max(1, n)))
    todo = list(groups.items())
    for start in range(0, len(todo), per_call):
        batch = todo[start:start + per_call]
        rows, cols, data = [], [], []
        for b, ((matrix, _source, via), _members) in enumerate(batch):
            r, c, d = arcs[matrix]
            banned = np.zeros(n, dtype=bool)
            banned[[index[x] for x in via]] = True
            keep = ~(banned[r] | banned[c])
            rows.append(r[keep] + b * n)
            cols.append(c[keep] + b * n)
            data.append(d[keep])
        size = len(batch) * n
        big = csr_array((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(size, size))
        starts = [b * n + index[source] for b, ((_m, source, _via), _k) in enumerate(batch)]
        limit = 2 * max(paths[k]["dist"] for _key, members in batch for k in members) + 6
        dist, pred = csgraph.dijkstra(big, directed=True, indices=starts,
                                      return_predecessors=True, limit=limit)
        for b, (_key, members) in enumerate(batch):
            for k in members:
                end = b * n + index[paths[k]["to"]]
                if not math.isfinite(dist[b, end]):
                    continue
                trail = [nodes[x - b * n] for x in _rows_to(pred[b], end, starts[b])]
                info = _describe(net, trail, float(dist[b, end]))
                found[k] = {key: info[key] for key in ("via", "length", "hops", "weakest",
                                                       "weak", "assumed_share")}
    for p in paths:
        del p["dist"]
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
        own = sorted((a for a in U[t] if U._node[a]["type"] == "actor"),
                     key=lambda a: (level_order.get(U._node[a].get("level"), 3), a))
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
