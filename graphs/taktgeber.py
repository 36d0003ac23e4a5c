"""Taktgeber ranking: who is best placed to set the network's pace, with an explained score."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import networkx as nx
import numpy as np
from scipy.sparse import csgraph, csr_array

from .brokerage import (
    gould_fernandez_brokerage,
    path_counts,
    releases_gil,
    sampling_error_bound,
    subset_betweenness,
    to_csr,
)
from .build import active_formats, actor_graph, edges_of_type, home_units, nodes_of_type
from .charter import adopted
from .provenance import Evidence
from .structure import cut_structure, main_component
from .text import LANGUAGES, check_lang, label, name, number, percent, plural, say

__all__ = [
    "CADENCE_WEIGHT",
    "CANDIDATE_TYPES",
    "EXACT_SOURCES_MAX",
    "LOSS_EXACT_NODES",
    "MANDATE_VALUE",
    "PARTS",
    "RANK_RANGE_CHANGE",
    "SAMPLE_SOURCES",
    "SCORE_EXPLANATION",
    "WEIGHTS",
    "candidates",
    "check_weights",
    "efficiency_losses",
    "mandate_kind",
    "mandate_part",
    "members_within_two_steps",
    "rank_ranges",
    "rank_taktgeber",
    "score_explanation",
    "takt_parts",
    "weights_in_force",
]

#: Actor types able to coordinate a network (besides any actor on the coordinating level).
CANDIDATE_TYPES = frozenset({"agency", "cdo", "staff_unit", "smart_city_office", "digital_office",
                             "steering_group", "project_matrix", "project_group"})
#: The parts of the score, in the order they are explained (a criteria rule names some).
PARTS = ("brokerage", "mandate", "capacity", "takt", "loss", "coverage", "level", "reach")
#: Default weight of each part (sum 1), in force while no criteria rule is adopted. Takt
#: takes its share from brokerage and reach (which hardly separates the leading candidates
#: of real networks).
WEIGHTS = {"brokerage": 0.20, "mandate": 0.20, "capacity": 0.15, "takt": 0.10, "loss": 0.10,
           "coverage": 0.10, "level": 0.10, "reach": 0.05}
#: Fit of an actor's level for coordinating a network.
LEVEL_FIT = {"coordinating": 1.0, "strategic": 0.5, "operational": 0.25}
#: Value of the level part -> the level it stands for (the reason given for it).
FIT_LEVEL = {fit: level for level, fit in LEVEL_FIT.items()}
#: Mandate part by the kind of mandate (:func:`mandate_kind`): a unit's mandate from a
#: single municipality counts at most half for the network's role.
MANDATE_VALUE = {"rule": 1.0, "network": 1.0, "own": 0.5, "indirect": 0.25, None: 0.0}
#: How strongly a recurring format sets the beat, by cadence (a one-off event does not).
CADENCE_WEIGHT = {"weekly": 1.0, "biweekly": 0.9, "monthly": 0.75, "quarterly": 0.5,
                  "yearly": 0.25, "once": 0.0}
#: Staff (full-time equivalents) at which the capacity part reaches 0.5: fte / (fte + 2).
CAPACITY_HALF_FTE = 2.0
#: ``rank_range``: each weight in turn is changed by this share up and down.
RANK_RANGE_CHANGE = 0.25
#: Tolerance of the sum of a criteria rule's weights.
WEIGHT_SUM_TOLERANCE = 1e-6
#: Up to this many member municipalities, betweenness uses every municipality as a source.
EXACT_SOURCES_MAX = 600
#: Above ``EXACT_SOURCES_MAX``, this many source municipalities are sampled (seeded,
#: stratified by community).
SAMPLE_SOURCES = 200
#: Networks up to this many nodes get the exact efficiency loss; larger ones the number of
#: municipality pairs a candidate's departure would disconnect (see ``rank_taktgeber``).
LOSS_EXACT_NODES = 3000


def score_explanation(weights: Mapping | None = None, lang: str = "de") -> str:
    """The explanation of the score as a whole with the ``weights`` in force (default
    ``WEIGHTS``), in ``lang``; a part of weight 0 is named as not counting.

    >>> score_explanation(lang="en").split(". ")[0]
    'The Taktgeber score (0 to 1) is a weighted sum of eight parts, each between 0 and 1'
    """
    weights = WEIGHTS if weights is None else weights
    shares = {p: percent(weights.get(p, 0.0), lang) if weights.get(p, 0.0) else
              say(lang, "score_explanation.zero") for p in PARTS}
    return say(lang, "score_explanation", **shares)


#: Language -> the explanation of the score with the default weights.
SCORE_EXPLANATION = {lang: score_explanation(WEIGHTS, lang) for lang in LANGUAGES}


def check_weights(weights, lang: str = "de") -> list[str]:
    """Return the problems of a criteria rule's ``weights`` (empty when they are valid).

    Valid weights map part names (``PARTS``) to numbers >= 0 that sum to 1 (within
    ``WEIGHT_SUM_TOLERANCE``); parts not named count 0. Messages are in ``lang`` and name
    the part concerned, so they can be shown to whoever proposed the rule.

    Examples
    --------
    >>> check_weights({"brokerage": 0.5, "mandate": 0.5})
    []
    >>> for problem in check_weights({"brokerage": 0.5, "charm": 0.2}, lang="en"):
    ...     print(problem)
    Unknown part “charm” (allowed: brokerage, mandate, capacity, takt, loss, coverage, level,
    reach).
    The weights must add up to 1 (they add up to 0.70).
    """
    check_lang(lang)
    if not isinstance(weights, Mapping) or not weights:
        return [say(lang, "weights.mapping")]
    problems = []
    total, numeric = 0.0, True
    for part, value in weights.items():
        if part not in PARTS:
            problems.append(say(lang, "weights.unknown", part=part, parts=", ".join(PARTS)))
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or value < 0:
            problems.append(say(lang, "weights.value", part=part))
            numeric = False
        else:
            total += value
    if numeric and abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        problems.append(say(lang, "weights.sum", total=number(total, 2, lang)))
    return problems


def weights_in_force(rules: Iterable[dict] | None) -> tuple[dict, str | None]:
    """Return ``(weights, rule key)``: the weights of the latest adopted ``criteria`` rule
    with valid weights (every part, those it does not name at 0), else ``(WEIGHTS, None)``.

    An adopted rule with invalid weights (:func:`check_weights`; the platform refuses them
    when the rule is proposed, so only a hand-written bundle has one) is passed over.
    """
    for rule in reversed(adopted(rules or [], "criteria")):
        weights = rule.get("weights")
        if not check_weights(weights):
            return {p: float(weights.get(p, 0.0)) for p in PARTS}, rule.get("key")
    return dict(WEIGHTS), None


def candidates(G: nx.MultiDiGraph, designated: str | None = None) -> list[str]:
    """Return the sorted keys of the actors able to coordinate.

    An actor is a candidate if it is on the coordinating level or its type is in
    ``CANDIDATE_TYPES``; a ``designated`` actor always is.
    """
    found = {n for n, d in G.nodes(data=True) if d["type"] == "actor" and (
        d.get("level") == "coordinating" or d.get("actor_type") in CANDIDATE_TYPES)}
    if designated is not None:
        found.add(designated)
    return sorted(found)


def _territories(G: nx.MultiDiGraph) -> dict:
    """Strategic actor -> the municipalities its political level speaks for.

    A municipality's own bodies speak for it; a Landkreis' bodies also for the
    municipalities of its district (``district`` equal to the Landkreis' name or district);
    a regional body (no municipality, e.g. the network's steering group) for every
    municipality of the network.
    """
    munis = nodes_of_type(G, "municipality")
    district: dict = {}
    for m in munis:
        d = G._node[m]
        if d.get("kind") != "landkreis" and d.get("district"):
            district.setdefault(d["district"], set()).add(m)
    found = {}
    for a, d in G.nodes(data=True):
        if d["type"] != "actor" or d.get("level") != "strategic":
            continue
        m = d.get("municipality")
        if m is None:
            found[a] = set(munis)
        elif G._node[m].get("kind") == "landkreis":
            found[a] = {m} | district.get(G._node[m].get("name"), set()) | district.get(
                G._node[m].get("district"), set())
        else:
            found[a] = {m}
    return found


def mandate_kind(G: nx.MultiDiGraph, actor: str, *, designated: str | None = None,
                 territories: dict | None = None) -> str | None:
    """Return where ``actor``'s mandate comes from: "rule", "network", "own", "indirect"
    or None.

    - ``"rule"``: ``actor`` is ``designated``, the Taktgeber an adopted rule names;
    - ``"network"``: ``mandate`` or ``funding`` ties from the strategic level of at least
      two municipalities, counting the municipalities a body speaks for (a Landkreis for
      the municipalities of its district, a regional body for all; see ``_territories``);
    - ``"own"``: a ``mandate`` tie from the strategic level of a single municipality (its
      own council commissioning a unit: a mandate for that municipality, not the network);
    - ``"indirect"``: a mandate from another level, ``funding`` from a single municipality's
      strategic level, or a ``reporting`` tie to a strategic actor;
    - None otherwise.
    """
    if designated is not None and actor == designated:
        return "rule"
    territories = _territories(G) if territories is None else territories
    covered, mandated, indirect = set(), False, False
    for u, _v, data in G.in_edges(actor, data=True):
        if data["type"] != "tie" or data["kind"] not in ("mandate", "funding"):
            continue
        if u in territories:
            if len(territories[u]) >= 2 or len(covered | territories[u]) >= 2:
                return "network"  # covered only grows: decided (without copying big sets)
            covered |= territories[u]
            mandated = mandated or data["kind"] == "mandate"
        elif data["kind"] == "mandate":
            indirect = True
    if len(covered) >= 2:
        return "network"
    if covered and mandated:
        return "own"
    if covered or indirect or any(
            data["type"] == "tie" and data["kind"] == "reporting"
            and G._node[v].get("level") == "strategic"
            for _u, v, data in G.out_edges(actor, data=True)):
        return "indirect"
    return None


def mandate_part(G: nx.MultiDiGraph, actor: str, *, designated: str | None = None,
                 territories: dict | None = None) -> float:
    """Return the mandate part of ``actor``: ``MANDATE_VALUE`` of :func:`mandate_kind`
    (rule or network 1, own municipality 0.5, indirect 0.25, none 0)."""
    return MANDATE_VALUE[mandate_kind(G, actor, designated=designated,
                                      territories=territories)]


def takt_parts(G: nx.MultiDiGraph, actors: Iterable[str], *,
               today: str | None = None) -> dict[str, tuple[float, int]]:
    """Return actor -> ``(takt, formats)``: how far it sets the network's beat.

    Every running format (:func:`graphs.build.active_formats`) it convenes that brings
    together actors of at least two municipalities adds ``CADENCE_WEIGHT[cadence]`` times
    the share of the network's municipalities taking part (a monthly round of all members
    0.75, a yearly one of half of them 0.125; one-off events nothing); the part is that sum,
    at most 1. ``formats`` counts the formats that added to it.
    """
    actors = list(actors)
    found = {a: [0.0, 0] for a in actors}
    n = len(nodes_of_type(G, "municipality"))
    for record in active_formats(G, today):
        convenor = record["convenor"]
        weight = CADENCE_WEIGHT.get(record.get("cadence"), 0.0)
        if convenor not in found or not weight or not n:
            continue
        homes = {G._node[a].get("municipality") for a in [convenor, *record["participants"]]}
        homes.discard(None)
        if len(homes) < 2:
            continue
        found[convenor][0] += weight * len(homes) / n
        found[convenor][1] += 1
    return {a: (min(1.0, v), c) for a, (v, c) in found.items()}


def rank_ranges(parts: Mapping[str, Mapping[str, float]], weights: Mapping[str, float], *,
                change: float = RANK_RANGE_CHANGE) -> dict[str, list[int]]:
    """Return key -> ``[best, worst]`` rank of each candidate as the weights change.

    Each weight above 0 in turn is multiplied by ``1 + change`` and by ``1 - change`` and
    the weights are renormalised to sum 1; ranks are taken as in the ranking (score rounded
    to 4 decimals, best first, ties by key) in every such scenario and with ``weights``
    unchanged.

    Examples
    --------
    >>> rank_ranges({"a": {"x": 1.0, "y": 0.0}, "b": {"x": 0.0, "y": 0.9}},
    ...             {"x": 0.5, "y": 0.5})
    {'a': [1, 2], 'b': [1, 2]}
    """
    keys = sorted(parts)
    if not keys:
        return {}
    names = list(weights)
    base = np.asarray([float(weights[p]) for p in names])
    scenarios = [base]
    for j, w in enumerate(base):
        if w > 0:
            for factor in (1 + change, 1 - change):
                changed = base.copy()
                changed[j] *= factor
                scenarios.append(changed / changed.sum())
    matrix = np.asarray([[float(parts[k].get(p, 0.0)) for p in names] for k in keys])
    scores = np.round(matrix @ np.asarray(scenarios).T, 4)
    order = np.arange(len(keys))
    best = np.full(len(keys), len(keys))
    worst = np.ones(len(keys), dtype=int)
    for column in scores.T:
        ranks = np.empty(len(keys), dtype=int)
        ranks[np.lexsort((order, -column))] = order + 1
        best, worst = np.minimum(best, ranks), np.maximum(worst, ranks)
    return {k: [int(best[i]), int(worst[i])] for i, k in enumerate(keys)}


def members_within_two_steps(G: nx.MultiDiGraph, actors: list[str]) -> dict[str, set]:
    """Return actor -> the municipalities it reaches in at most two steps.

    One step is a tie (either direction) or a shared initiative; reaching any actor of a
    municipality reaches the municipality. An actor's own municipality counts.
    """
    home = {n: d.get("municipality") for n, d in G.nodes(data=True) if d["type"] == "actor"}
    step: dict[str, set] = {a: set() for a in home}
    participants: dict[str, list] = {}
    for u, v, _key, _data in edges_of_type(G, "tie"):
        step[u].add(v)
        step[v].add(u)
    for u, v, _key, _data in edges_of_type(G, "participation"):
        participants.setdefault(v, []).append(u)
    for members in participants.values():
        for a in members:
            step[a].update(members)
    found = {}
    for a in actors:
        first = step[a]
        reached = set(first)
        for b in first:
            reached |= step[b]
        reached.add(a)
        found[a] = {home[b] for b in reached if home[b] is not None}
    return found


def efficiency_losses(U: nx.Graph, actors, *, csr=None, paths: dict | None = None,
                      cut_pairs: dict | None = None) -> dict:
    """Return actor -> ``(loss, efficiency)``: the municipality-pair efficiency it carries.

    Efficiency is the sum over ordered pairs of member municipalities of 1 / (hops between
    them) in ``U`` (global efficiency, Latora and Marchiori 2001, restricted to municipality
    pairs); ``loss`` is that sum minus the same sum without the actor. Exact, and cheap:
    only pairs all of whose shortest paths run through the actor can get longer (their
    distances add up, ``d(s,v) + d(v,t) = d(s,t)``, and so do their path counts,
    ``σ(s,v) σ(v,t) = σ(s,t)``), and their new distances come from breadth-first searches
    from a small set of municipalities covering those pairs. ``paths`` may carry the
    municipalities' distances and path counts from :func:`subset_betweenness`; ``cut_pairs``
    (from :func:`graphs.structure.cut_structure`) saves the searches for an actor whose
    pairs all fall apart without it (their new efficiency is 0).

    Examples
    --------
    Two municipalities joined through one actor each and a partner in the middle:

    >>> U = nx.Graph([("a", "x"), ("x", "p"), ("p", "y"), ("y", "b")])
    >>> nx.set_node_attributes(U, {"a": "municipality", "b": "municipality",
    ...                            "x": "actor", "p": "actor", "y": "actor"}, "type")
    >>> efficiency_losses(U, ["p"])  # 2 ordered pairs at distance 4, cut apart
    {'p': (0.5, 0.5)}

    References
    ----------
    .. [1] Latora, V. and Marchiori, M. (2001). Efficient behavior of small-world networks.
       Physical Review Letters 87(19), 198701.
    """
    nodes, index, A = csr if csr is not None else to_csr(U)
    rows = np.asarray([i for i, x in enumerate(nodes) if U._node[x]["type"] == "municipality"],
                      dtype=np.int64)
    if len(rows) < 2:
        return {a: (0.0, 0.0) for a in actors}
    if paths and np.array_equal(paths["rows"], rows):
        dist, sigma = paths["dist"], paths["sigma"]
    else:
        dist, sigma = path_counts(A, rows)
    d_pairs, s_pairs = dist[:, rows], sigma[:, rows]
    linked = d_pairs > 0
    inverse = np.where(linked, 1.0 / np.where(linked, d_pairs, 1), 0.0)
    efficiency = float(inverse.sum())
    found, pending = {}, []
    columns = [index[a] for a in actors]
    chunk = max(1, 2_000_000 // (len(rows) ** 2))
    for start in range(0, len(columns), chunk):
        cols = columns[start:start + chunk]
        dv, sv = dist[:, cols].T[:, :, None], sigma[:, cols].T[:, :, None]
        on = dv > 0
        through = (linked[None] & on & on.transpose(0, 2, 1)
                   & (dv + dv.transpose(0, 2, 1) == d_pairs[None])
                   & (sv * sv.transpose(0, 2, 1) == s_pairs[None]))
        for a, v, pairs in zip(actors[start:start + chunk], cols, through, strict=True):
            count = int(pairs.sum())
            if not count:
                found[a] = (0.0, efficiency)
            elif cut_pairs and 2 * cut_pairs.get(a, 0) == count:  # every pair is cut off
                found[a] = (float(inverse[pairs].sum()), efficiency)
            else:
                pending.append((a, v, pairs, _cover(pairs)))
    for a, new_inverse, pairs in _distances_without(A, rows, pending):
        lost = inverse[pairs].sum() - new_inverse[pairs].sum()
        found[a] = (float(lost), efficiency)
    return {a: found[a] for a in actors}


def _cover(through) -> np.ndarray:
    """Municipalities (rows) covering every pair of ``through``: one end of each pair."""
    degree = through.sum(axis=1)
    cover = degree > degree[degree > 0].size / 2  # the smaller side of the pairs
    missed = np.triu(through & ~cover[:, None] & ~cover[None, :])
    return np.flatnonzero(cover | missed.any(axis=1))


def _distances_without(A, rows, pending):
    """Yield ``(actor, inverse distances, pairs)``: the municipality pairs' inverse distances
    once the actor is removed, measured from its cover.

    The graphs without each actor are stacked block-diagonally so that one call serves
    several actors (bounded in nodes times sources: every search initialises arrays over
    the whole stack).
    """
    n = A.shape[0]
    arc_rows = np.repeat(np.arange(n), np.diff(A.indptr))
    batch, sources = [], 0
    for item in [*pending, None]:
        if item is not None and (not batch or (len(batch) + 1) * n * (
                sources + len(item[3])) <= 300_000):
            batch.append(item)
            sources += len(item[3])
            continue
        if batch:
            yield from _batch_without(A, arc_rows, rows, batch)
        if item is not None:
            batch, sources = [item], len(item[3])


def _batch_without(A, arc_rows, rows, batch):
    n = A.shape[0]
    removed = np.asarray([v for _a, v, _p, _c in batch])
    block = np.repeat(np.arange(len(batch)), A.nnz)
    tails, heads = np.tile(arc_rows, len(batch)), np.tile(A.indices, len(batch))
    keep = (tails != removed[block]) & (heads != removed[block])
    size = len(batch) * n
    stacked = csr_array((np.ones(int(keep.sum())), (tails[keep] + block[keep] * n,
                                                      heads[keep] + block[keep] * n)),
                        shape=(size, size))
    starts = np.concatenate([b * n + rows[cover] for b, (_a, _v, _p, cover) in
                             enumerate(batch)])
    dist = csgraph.shortest_path(stacked, unweighted=True, directed=True, indices=starts)
    offset = 0
    for b, (a, _v, pairs, cover) in enumerate(batch):
        new = dist[offset:offset + len(cover)][:, b * n + rows]
        offset += len(cover)
        reached = np.isfinite(new) & (new > 0)
        part = np.where(reached, 1.0 / np.where(reached, new, 1.0), 0.0)
        inverse = np.zeros(pairs.shape)
        inverse[:, cover] = part.T
        inverse[cover, :] = part
        yield a, inverse, pairs


def rank_taktgeber(
    G: nx.MultiDiGraph,
    U: nx.Graph,
    *,
    community_of: dict | None = None,
    designated: str | None = None,
    seed: int = 0,
    exact: bool | None = None,
    weights: dict | None = None,
    csr=None,
    cut_pairs: dict | None = None,
    lang: str = "de",
    assumed: bool = False,
    main: set | None = None,
    today: str | None = None,
    evidence: Evidence | None = None,
    explain: int | None = None,
) -> dict:
    """Rank the Taktgeber candidates by an explained, weighted score.

    Parts, each in 0..1 (see ``SCORE_EXPLANATION`` and ``WEIGHTS``):

    - ``brokerage``: half the subset betweenness on paths between member municipalities
      (municipality hubs as sources and targets in ``U``; a municipality's own units get no
      credit for its own paths), half the Gould-Fernandez liaison
      plus representative counts in the directed tie graph (groups: municipalities, each
      regional body its own group); each relative to the best candidate.
    - ``reach``: share of municipalities reached in at most two steps.
    - ``coverage``: share of communities (``community_of``: municipality -> community id)
      with a municipality so reached; only communities with a municipality in ``main`` (the
      main component, :func:`graphs.structure.main_component` of ``U`` by default) count,
      so members not connected to the network are no community of their own. The raw
      figures are ``communities_reached`` of ``communities_counted`` (the same number for
      every candidate; it can be smaller than the report's count of communities, which
      includes those of unconnected members).
    - ``level``: coordinating 1, strategic 0.5, operational 0.25.
    - ``mandate``: :func:`mandate_part` (the ``designated`` actor, unless ``assumed``,
      holds the network's mandate by its rule).
    - ``takt``: :func:`takt_parts` (recurring formats it convenes, on ``today``, an ISO
      date; None counts every format).
    - ``capacity``: ``fte / (fte + 2)``; 0 when unknown.
    - ``loss``: relative to the largest, in networks up to ``LOSS_EXACT_NODES`` nodes the
      exact efficiency loss (:func:`efficiency_losses`); in larger ones the number of
      municipality pairs the candidate's departure disconnects (``cut_pairs`` from
      :func:`graphs.structure.cut_structure`, computed here when not given): a
      component-size loss that needs one biconnected-components pass for all candidates,
      where the efficiency loss would need a breadth-first search from every municipality
      per candidate. Both are computed for every candidate, so no cut-off can reorder the
      ranking.

    ``weights`` (default ``WEIGHTS``; :func:`check_weights` must accept them) weigh the
    parts. Each row's ``rank_range`` is its ``[best, worst]`` rank when any one weight changes
    by ``RANK_RANGE_CHANGE`` (:func:`rank_ranges`), and ``assumed_share`` the share of the
    records behind the candidate (itself, its ties and participations) that are assumed.

    A ``designated`` actor (the Taktgeber an adopted rule designated) is marked
    ``designated: true`` and listed first, beside the computed ranking: its parts are
    computed like everyone's, its mandate being the rule's, and its ``rank`` is its place
    by score. With
    ``assumed`` (the what-if "X becomes Taktgeber") the scenario counts its level and mandate
    as fulfilled (1): its ``score`` and ``rank`` are then those of the scenario, and
    ``computed_score`` keeps the score without that assumption. Every row has ``assumed``
    and ``computed_score``.

    Betweenness is exact up to ``EXACT_SOURCES_MAX`` municipalities, above that estimated
    from ``SAMPLE_SOURCES`` source municipalities sampled with ``seed``, stratified by
    community (``exact`` forces either way); ``method.error_bound`` is the Hoeffding bound
    of :func:`graphs.brokerage.sampling_error_bound` over all candidates at 95 %.

    ``lang`` ("de" or "en") is the language of each candidate's ``explanation``; with
    ``explain`` only the first that many rows and a designated one are explained (the
    others' ``explanation`` is None), since a report shows only those.

    Returns
    -------
    dict
        ``ranking``: list of ``{key, name, rank, rank_range, score, computed_score,
        designated, assumed, assumed_share, parts, raw, explanation}``, the designated actor
        first, then best first;
        ``method``: how betweenness and loss were computed.
    """
    weights = dict(WEIGHTS if weights is None else weights)
    check_lang(lang)
    problems = check_weights(weights, lang)
    if problems:
        raise ValueError(" ".join(problems))
    weights = {p: float(weights.get(p, 0.0)) for p in PARTS}
    if designated is not None and (designated not in G or G._node[designated]["type"] != "actor"):
        raise ValueError(f"designated Taktgeber {designated!r} is not an actor of the network")
    cands = candidates(G, designated)
    munis = nodes_of_type(G, "municipality")
    if not cands:
        return {"ranking": [], "method": {"betweenness": "exact", "sources": 0,
                                          "of": len(munis), "error_bound": 0.0}}
    csr = csr if csr is not None else to_csr(U)
    sampled = len(munis) > EXACT_SOURCES_MAX if exact is None else not exact
    k = min(SAMPLE_SOURCES, len(munis)) if sampled else None
    own = {a: m for a, m in home_units(G).items() if m != a}
    shared: dict = {}
    with _beside(releases_gil(len(U))) as run:
        # on a large graph the compiled betweenness kernel (numba, without the GIL) runs in
        # a thread of its own while this one counts the other parts: the same figures, on
        # the machine's second core
        pending = run(subset_betweenness, U, munis, munis, own=own, k=k, seed=seed,
                      strata=community_of, csr=csr, paths=shared)
        actor_net = actor_graph(G)
        groups = home_units(G)
        roles = gould_fernandez_brokerage(actor_net, groups, nodes=cands)
        reached = members_within_two_steps(G, cands)
        betweenness = pending.result()
    pairs = max(1, len(munis) * (len(munis) - 1) / 2)
    main = main_component(U) if main is None else main
    community_of = {m: c for m, c in (community_of or {}).items() if m in main}
    n_communities = len({community_of[m] for m in munis if m in community_of})
    territories = _territories(G)
    mandated = None if assumed else designated
    kinds = {a: mandate_kind(G, a, designated=mandated, territories=territories)
             for a in cands}
    takt = takt_parts(G, cands, today=today)
    evidence = Evidence(G) if evidence is None else evidence

    raw = {}
    for a in cands:
        data = G._node[a]
        fte = data.get("capacity_fte")
        reach_set = reached[a]
        raw[a] = {
            "betweenness": betweenness[a],
            "path_share": betweenness[a] / pairs,
            "liaison": roles[a]["liaison"],
            "representative": roles[a]["representative"],
            "members_reached": len(reach_set),
            "communities_reached": len({community_of[m] for m in reach_set
                                        if m in community_of}),
            "communities_counted": n_communities,
            "fte": fte,
            "efficiency_drop": 0.0,
            "mandate": kinds[a],
            "formats_convened": takt[a][1],
        }
    best_b = max(r["betweenness"] for r in raw.values()) or 1.0
    best_gf = max(r["liaison"] + r["representative"] for r in raw.values()) or 1
    parts = {}
    for a in cands:
        r, data = raw[a], G._node[a]
        fte = r["fte"] if isinstance(r["fte"], int | float) and r["fte"] > 0 else 0.0
        parts[a] = {
            "brokerage": 0.5 * r["betweenness"] / best_b
            + 0.5 * (r["liaison"] + r["representative"]) / best_gf,
            "reach": r["members_reached"] / len(munis) if munis else 0.0,
            "coverage": (min(1.0, r["communities_reached"] / n_communities)
                         if n_communities else 0.0),
            "level": LEVEL_FIT.get(data.get("level"), 0.0),
            "mandate": MANDATE_VALUE[kinds[a]],
            "capacity": fte / (fte + CAPACITY_HALF_FTE),
            "loss": 0.0,
            "takt": takt[a][0],
        }
    if len(U) <= LOSS_EXACT_NODES:
        losses = {}
        for a, (loss, eff) in efficiency_losses(U, cands, csr=csr, paths=shared,
                                                cut_pairs=cut_pairs).items():
            losses[a] = loss
            raw[a]["efficiency_drop"] = loss / eff if eff > 0 else 0.0
    else:
        if cut_pairs is None:
            cut_pairs = cut_structure(U, main_component(U))["cut_pairs"]
        pairs_total = max(1, len(munis) * (len(munis) - 1) // 2)
        losses = {a: float(cut_pairs.get(a, 0)) for a in cands}
        for a in cands:
            raw[a]["pairs_cut"] = int(cut_pairs.get(a, 0))
            raw[a]["efficiency_drop"] = losses[a] / pairs_total
    best_loss = max(losses.values(), default=0.0) or 1.0
    for a, loss in losses.items():
        parts[a]["loss"] = loss / best_loss

    computed = {a: sum(weights[p] * parts[a][p] for p in weights) for a in cands}
    if assumed and designated is not None:
        parts[designated].update(level=1.0, mandate=1.0)
    ranking = []
    for a in cands:
        score = sum(weights[p] * parts[a][p] for p in weights)
        ranking.append({
            "key": a,
            "name": name(G, a),
            "score": round(score, 4),
            "computed_score": round(computed[a], 4),
            "designated": a == designated,
            "assumed": bool(assumed) and a == designated,
            "assumed_share": evidence.assumed_share([a]),
            "parts": {p: round(parts[a][p], 4) for p in PARTS},
            "raw": _plain(raw[a]),
        })
    ranking.sort(key=lambda r: (-r["score"], r["key"]))
    ranges = rank_ranges({r["key"]: r["parts"] for r in ranking}, weights)
    for i, r in enumerate(ranking, 1):
        r["rank"] = i
        best, worst = ranges[r["key"]]
        r["rank_range"] = [min(best, i), max(worst, i)]
        a = r["key"]
        if explain is not None and i > explain and a != designated:
            r["explanation"] = None
            continue
        r["explanation"] = _explain(G, a, parts[a], raw[a], len(munis), a == designated,
                                    lang, assumed=bool(assumed),
                                    computed=computed[a], score=r["score"], weights=weights,
                                    rank_range=r["rank_range"],
                                    assumed_share=r["assumed_share"])
    ranking.sort(key=lambda r: not r["designated"])  # stable: the rest keep their order
    method = {
        "betweenness": "sampled" if k else "exact",
        "sources": k or len(munis),
        "of": len(munis),
        "error_bound": round(sampling_error_bound(k, n_nodes=len(cands)), 4) if k else 0.0,
        "loss": "efficiency" if len(U) <= LOSS_EXACT_NODES else "pairs cut",
    }
    return {"ranking": ranking, "method": method}


@contextmanager
def _beside(threaded: bool):
    """Yield ``run(function, *args, **kwargs)`` -> a future of its result: computed in a
    thread beside the caller's work when ``threaded``, else at once (small graphs: a thread
    costs more than it saves). The thread is joined when the block ends, also on an error."""
    if not threaded:
        def run(function, *args, **kwargs):
            done: Future = Future()
            done.set_result(function(*args, **kwargs))
            return done
        yield run
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kommunalnetz-brokerage") as pool:
        yield pool.submit


def _plain(raw: dict) -> dict:
    out = {}
    for key, value in raw.items():
        if isinstance(value, float):
            value = round(value, 4)
        out[key] = value
    return out


def _explain(G, a, parts, raw, n_munis, designated, lang="de", *,
             assumed=False, computed=0.0, score=0.0, weights=None, rank_range=None,
             assumed_share=0.0) -> str:
    """Sentences naming the candidate's strongest and weakest part (among those that weigh),
    how stable its rank is and how much of it rests on assumed records."""
    weights = WEIGHTS if weights is None else weights
    shown = {p: v for p, v in parts.items() if weights.get(p, 0.0) > 0} or parts
    weight = weights.get
    best = max(shown, key=lambda p: (round(shown[p], 4), weight(p, 0), p))
    worst = min(shown, key=lambda p: (round(shown[p], 4), -weight(p, 0), p))
    text = say(lang, "explain", name=name(G, a),
               best=label(lang, "part", best), best_value=number(shown[best], 2, lang),
               best_reason=_reason(best, parts, raw, n_munis,
                                   designated and assumed, lang),
               worst=label(lang, "part", worst), worst_value=number(shown[worst], 2, lang),
               worst_reason=_reason(worst, parts, raw, n_munis,
                                    designated and assumed, lang))
    if designated and assumed:
        text += say(lang, "explain.assumed", before=number(computed, 2, lang),
                    after=number(score, 2, lang))
    elif designated:
        text += say(lang, "explain.designated")
    if rank_range is not None:
        best_rank, worst_rank = rank_range
        text += say(lang, "explain.rank_stable", rank=best_rank) if best_rank == worst_rank \
            else say(lang, "explain.rank_range", best=best_rank, worst=worst_rank)
    if assumed_share > 0:
        text += say(lang, "assumed_share", share=percent(assumed_share, lang))
    return text


def _reason(part, parts, raw, n_munis, designated, lang="de") -> str:
    """The figures behind one part; ``designated`` here means assumed as Taktgeber."""
    if part == "brokerage":
        return say(lang, "reason.brokerage", share=percent(raw["path_share"], lang),
                   count=raw["liaison"] + raw["representative"])
    if part == "reach":
        return say(lang, "reason.reach", count=raw["members_reached"], total=n_munis)
    if part == "coverage":
        return say(lang, "reason.coverage", count=raw["communities_reached"],
                   total=raw["communities_counted"])
    if part == "level":
        if designated:
            return say(lang, "reason.level.designated")
        level = FIT_LEVEL.get(parts["level"])
        return label(lang, "level", level) if level else say(lang, "reason.level.unknown")
    if part == "mandate":
        if designated:
            return say(lang, "reason.mandate.designated")
        return say(lang, f"reason.mandate.{raw.get('mandate') or 'none'}")
    if part == "takt":
        if not raw.get("formats_convened"):
            return say(lang, "reason.takt.none")
        return plural(lang, "reason.takt", raw["formats_convened"])
    if part == "capacity":
        if raw["fte"] is None:
            return say(lang, "reason.capacity.unknown")
        return say(lang, "reason.capacity", fte=number(float(raw["fte"]), 1, lang))
    if "pairs_cut" in raw:
        return say(lang, "reason.loss.pairs", share=percent(raw["efficiency_drop"], lang))
    return say(lang, "reason.loss", share=percent(raw["efficiency_drop"], lang))
