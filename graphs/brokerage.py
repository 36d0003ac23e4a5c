"""Brokerage measures: Gould-Fernandez roles and (sampled) subset betweenness on scipy arrays."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping

import networkx as nx
import numpy as np
from scipy.sparse import csgraph, csr_array

from .build import undirected_edges

__all__ = [
    "GF_ROLES",
    "bfs_distances",
    "breadth_first",
    "gould_fernandez_brokerage",
    "path_counts",
    "releases_gil",
    "sampling_error_bound",
    "subset_betweenness",
    "to_csr",
    "warm_kernels",
]

#: Graphs up to this many nodes handle their sources in stacked numpy passes (few calls);
#: larger ones source by source (less memory).
_SMALL_GRAPH = 3000
#: Use the compiled kernel (:mod:`graphs.kernels`, numba) for large graphs when numba is
#: installed; ``False`` forces the numpy version (same figures; for tests and benchmarks).
USE_COMPILED = True
_compiled: list = []
#: The five Gould-Fernandez roles of a broker ``b`` on an open two-path ``a -> b -> c``.
GF_ROLES = ("coordinator", "itinerant", "gatekeeper", "representative", "liaison")


def gould_fernandez_brokerage(
    G: nx.DiGraph, groups: Mapping[Hashable, Hashable], *, nodes: Iterable | None = None
) -> dict:
    """Return the Gould-Fernandez brokerage role counts of each node.

    A node ``b`` brokers an ordered pair ``(a, c)`` of two other, distinct nodes when
    ``a -> b -> c`` is a two-path and there is no arc ``a -> c`` (the pair needs ``b``).
    Gould and Fernandez classify each such two-path by the groups of ``a``, ``b`` and ``c``:

    ================  ==========================  ===========================================
    role              groups                      meaning
    ================  ==========================  ===========================================
    coordinator       a = b = c                   mediates inside its own group (w_I)
    itinerant         a = c, b differs            consultant between members of another
                                                  group (w_O)
    gatekeeper        a differs, b = c            lets contact from outside into its group
                                                  (b_OI)
    representative    a = b, c differs            carries its group's contact outward (b_IO)
    liaison           a, b, c all differ          mediates between two groups, neither its
                                                  own (b_O)
    ================  ==========================  ===========================================

    The counts are raw (not divided by their expectation under random group assignment).

    Parameters
    ----------
    G : networkx.DiGraph or networkx.Graph
        The transaction network. An undirected graph is read as arcs in both directions.
        Self-loops are ignored.
    groups : mapping
        Node -> group label for every node of ``G``.
    nodes : iterable, optional
        The brokers to report (default: every node).

    Returns
    -------
    roles : dict
        Node -> ``{"coordinator": int, "itinerant": int, "gatekeeper": int,
        "representative": int, "liaison": int, "total": int}``.

    Raises
    ------
    ValueError
        If a node of ``G`` has no group, or ``nodes`` names a node not in ``G``.

    Notes
    -----
    Counting uses group tallies of each broker's in- and out-neighbours (all two-paths by
    role in O(degree)), then subtracts the pairs with ``a == c`` and the closed pairs
    (``a -> c`` exists), found by intersecting neighbour sets. The cost is
    O(sum over arcs of min(out-degree, broker out-degree)).

    Examples
    --------
    Two departments of town A pass contact through A's digital office to town B's office,
    which passes it on to a regional agency R (its own group):

    >>> G = nx.DiGraph([("a1", "a0"), ("a2", "a0"), ("a0", "b0"), ("b0", "r")])
    >>> groups = {"a0": "A", "a1": "A", "a2": "A", "b0": "B", "r": "R"}
    >>> roles = gould_fernandez_brokerage(G, groups)
    >>> roles["a0"]["representative"], roles["b0"]["liaison"], roles["b0"]["total"]
    (2, 1, 1)

    References
    ----------
    .. [1] Gould, R. V. and Fernandez, R. M. (1989). Structures of mediation: A formal
       approach to brokerage in transaction networks. Sociological Methodology 19, 89-126.
       https://doi.org/10.2307/270949
    """
    missing = [n for n in G if n not in groups]
    if missing:
        raise ValueError(f"nodes without a group: {sorted(map(str, missing))[:5]}")
    brokers = list(G) if nodes is None else list(nodes)
    unknown = [n for n in brokers if n not in G]
    if unknown:
        raise ValueError(f"brokers not in the graph: {sorted(map(str, unknown))[:5]}")
    # networkx's neighbour dicts serve as the neighbour sets (membership, ``keys() &``);
    # only a node with a self-loop gets sets of its own without itself
    succ = G._succ if G.is_directed() else G._adj
    pred = G._pred if G.is_directed() else succ
    loops = [n for n, nbrs in succ.items() if n in nbrs]
    if loops:
        succ, pred = dict(succ), (dict(pred) if pred is not succ else None)
        pred = succ if pred is None else pred
        for n in loops:
            succ[n] = {m: None for m in succ[n] if m != n}
            pred[n] = {m: None for m in pred[n] if m != n}
    result = {}
    for b in brokers:
        gb = groups[b]
        P, Q = pred[b], succ[b]
        p_groups = Counter(groups[a] for a in P)
        q_groups = Counter(groups[c] for c in Q)
        p_in, q_in = p_groups.get(gb, 0), q_groups.get(gb, 0)
        p_out, q_out = len(P) - p_in, len(Q) - q_in
        small, large = (p_groups, q_groups) if len(p_groups) <= len(q_groups) else (
            q_groups, p_groups)
        same_outside = sum(k * large.get(g, 0) for g, k in small.items() if g != gb)
        counts = {
            "coordinator": p_in * q_in,
            "itinerant": same_outside,
            "gatekeeper": p_out * q_in,
            "representative": p_in * q_out,
            "liaison": p_out * q_out - same_outside,
        }
        for a in P.keys() & Q.keys():  # a -> b -> a is no brokerage
            counts["coordinator" if groups[a] == gb else "itinerant"] -= 1
        for a in P:  # closed two-paths: a reaches c directly
            out_a = succ[a]
            common = (c for c in out_a if c in Q) if len(out_a) <= len(Q) else (
                c for c in Q if c in out_a)
            ga = groups[a]
            for c in common:
                if c != a:
                    counts[_role(ga, gb, groups[c])] -= 1
        counts["total"] = sum(counts.values())
        result[b] = counts
    return result


def _role(ga, gb, gc) -> str:
    if ga == gb:
        return "coordinator" if gc == gb else "representative"
    if gc == gb:
        return "gatekeeper"
    return "itinerant" if ga == gc else "liaison"


def to_csr(G: nx.Graph, nodelist: list | None = None) -> tuple[list, dict, csr_array]:
    """Return ``(nodes, index, A)``: the node order, node -> row, and the 0/1 CSR adjacency.

    Faster than :func:`networkx.to_scipy_sparse_array` for our sizes (no attribute lookup).
    An undirected graph gives a symmetric matrix.
    """
    nodes = list(G) if nodelist is None else list(nodelist)
    index = {n: i for i, n in enumerate(nodes)}
    rows, cols = [], []
    simple = not G.is_directed() and not G.is_multigraph()
    for u, v, *_ in (undirected_edges(G) if simple else G.edges()):
        if u in index and v in index and u != v:
            rows.append(index[u])
            cols.append(index[v])
    r = np.asarray(rows, dtype=np.int32)
    c = np.asarray(cols, dtype=np.int32)
    if not G.is_directed():
        r, c = np.concatenate([r, c]), np.concatenate([c, r])
    data = np.ones(len(r), dtype=np.float64)
    A = csr_array((data, (r, c)), shape=(len(nodes), len(nodes)))
    A.sum_duplicates()
    A.data[:] = 1.0
    return nodes, index, A


def subset_betweenness(
    G: nx.Graph,
    sources: Iterable,
    targets: Iterable,
    *,
    own: Mapping | None = None,
    k: int | None = None,
    seed: int | None = None,
    strata: Mapping | None = None,
    csr: tuple[list, dict, csr_array] | None = None,
    paths: dict | None = None,
) -> dict:
    """Return the betweenness of every node on shortest paths from ``sources`` to ``targets``.

    The same quantity as :func:`networkx.betweenness_centrality_subset` with
    ``normalized=False`` (unweighted; on an undirected graph a pair that is both
    source-target and target-source counts half each way), computed with Brandes'
    dependency accumulation in numpy: scipy's C breadth-first search gives the distances,
    the arcs of the shortest-path DAG come out already ordered by level, and path counts and
    dependencies are accumulated level by level.

    ``own`` maps a node to the source/target it belongs to (a neighbour of it, e.g. an
    actor to its municipality's hub); such a node gets no credit for pairs that start or end
    there, so a municipality's own units do not count as brokers of its own paths. This is
    betweenness on paths between actors of different municipalities.

    With ``k`` (fewer than the number of sources), ``k`` sources are drawn without
    replacement (seeded) and each counts ``len(sources) / k`` times: an unbiased estimate
    (Brandes and Pich 2007) whose error :func:`sampling_error_bound` bounds. With ``strata``
    (source -> label, e.g. its community) the sample is stratified (proportional
    allocation, at least one source per stratum; see ``_sample``): still unbiased, and much
    less variable for nodes whose betweenness comes from a few strata (a Kreis body
    brokering for its own Kreis).

    Parameters
    ----------
    G : networkx.Graph
        Undirected graph (edge weights are ignored).
    sources, targets : iterable
        Nodes of ``G``.
    own : mapping, optional
        Node -> the neighbouring source or target whose pairs do not count for it.
    k : int, optional
        Number of sampled sources; ``None`` or ``k >= len(sources)`` computes exactly.
    seed : int, optional
        Seed of the source sample.
    strata : mapping, optional
        Source -> stratum label for stratified sampling.
    csr : tuple, optional
        ``to_csr(G)`` when the caller has it already.
    paths : dict, optional
        Filled with ``rows``, ``dist`` and ``sigma`` (see :func:`path_counts`) of the sources
        when they were computed exactly on a small graph, for reuse.

    Returns
    -------
    betweenness : dict
        Node -> float.

    Raises
    ------
    ValueError
        If ``G`` is directed, ``k < 1``, a source or target is not in ``G``, or an ``own``
        entry is not a neighbour.

    Examples
    --------
    >>> G = nx.path_graph(4)
    >>> subset_betweenness(G, [0], [3])
    {0: 0.0, 1: 0.5, 2: 0.5, 3: 0.0}
    >>> subset_betweenness(G, [0], [3], own={1: 0})
    {0: 0.0, 1: 0.0, 2: 0.5, 3: 0.0}

    References
    ----------
    .. [1] Brandes, U. (2008). On variants of shortest-path betweenness centrality and their
       generic computation. Social Networks 30(2), 136-145.
    .. [2] Brandes, U. and Pich, C. (2007). Centrality estimation in large networks.
       International Journal of Bifurcation and Chaos 17(7), 2303-2318.
    """
    if G.is_directed():
        raise ValueError("subset_betweenness expects an undirected graph")
    if k is not None and k < 1:
        raise ValueError("k must be at least 1")
    nodes, index, A = csr if csr is not None else to_csr(G)
    try:
        src = sorted({index[s] for s in sources})
        tgt = sorted({index[t] for t in targets})
    except KeyError as exc:
        raise ValueError(f"node {exc.args[0]!r} is not in the graph") from None
    n = len(nodes)
    home = np.full(n, -1, dtype=np.int64)
    for node, endpoint in (own or {}).items():
        if node in index and endpoint in index:
            if not G.has_edge(node, endpoint):
                raise ValueError(f"own: {endpoint!r} is not a neighbour of {node!r}")
            home[index[node]] = index[endpoint]
    weight = dict.fromkeys(src, 1.0)
    sampled = k is not None and k < len(src)
    if sampled:
        weight = _sample(src, k, seed, None if strata is None else
                         {index[x]: strata.get(x) for x in index if x in strata})
        src = sorted(weight)
    total = np.zeros(n)
    if src and tgt and A.nnz:
        is_target = np.zeros(n)
        is_target[tgt] = 1.0
        if n <= _SMALL_GRAPH:
            batch = max(1, 4_000_000 // A.nnz)
            found = []
            for start in range(0, len(src), batch):
                rows = src[start:start + batch]
                part, dist, sigma = _dependencies_batch(A, rows, is_target, home,
                                                        np.asarray([weight[r] for r in rows]))
                total += part
                found.append((dist, sigma))
            if paths is not None and not sampled:
                paths.update(rows=np.asarray(src), dist=np.concatenate([d for d, _ in found]),
                             sigma=np.concatenate([s for _, s in found]))
        else:
            kernel = compiled() or _dependencies_sum
            total += kernel(A, src, [weight[r] for r in src], is_target, home)
    return {node: float(total[i] * 0.5) for i, node in enumerate(nodes)}


def compiled():
    """The compiled ``dependencies_sum`` (:mod:`graphs.kernels`), or ``None`` without numba
    (or with ``USE_COMPILED`` off). Loads numba and the cached machine code on first call."""
    if not USE_COMPILED:
        return None
    if not _compiled:
        try:
            from . import kernels
        except ImportError:  # numba not installed: the numpy version
            _compiled.append(None)
        else:
            _compiled.append(kernels.dependencies_sum)
    return _compiled[0]


def releases_gil(n_nodes: int) -> bool:
    """Whether :func:`subset_betweenness` on a graph of ``n_nodes`` spends its time in the
    compiled kernel, which runs without the GIL (so a thread can run it beside other work)."""
    return n_nodes > _SMALL_GRAPH and compiled() is not None


def warm_kernels() -> bool:
    """Load the compiled kernels now (numba, its cached machine code; compiled and cached
    when there is none yet): about 0.5 s of CPU with the cache, 1.5 s without. A process
    that forks its analyses (the RQ worker) calls this first, so that no analysis pays it.
    Returns whether the compiled kernels are in use."""
    kernel = compiled()
    if kernel is None:
        return False
    from . import kernels

    kernels.warm()
    return True


def _sample(src: list, k: int, seed, strata: dict | None) -> dict:
    """Sampled source -> weight (the number of sources it stands for), seeded.

    Without strata a uniform sample, each source standing for ``len(src) / k``. With strata
    (at least as many samples as strata) ``k`` is shared among the strata in proportion to
    their sizes, every stratum getting at least one (largest remainders for the rest), and
    each sampled source stands for (stratum size / sampled in its stratum). With fewer
    samples than strata, the sources ordered by stratum are cut into ``k`` equal chunks and
    one is drawn per chunk.
    """
    rng = random.Random(seed)
    if strata is None:
        return dict.fromkeys(rng.sample(src, k), len(src) / k)
    groups: dict = {}
    for s in sorted(src, key=lambda s: (strata.get(s) is None, str(strata.get(s)), s)):
        groups.setdefault(strata.get(s), []).append(s)
    if k < len(groups):
        ordered = [s for members in groups.values() for s in members]
        bounds = [round(i * len(ordered) / k) for i in range(k + 1)]
        return {rng.choice(ordered[lo:hi]): float(hi - lo)
                for lo, hi in zip(bounds, bounds[1:], strict=False)}
    share = {g: k * len(members) / len(src) for g, members in groups.items()}
    take = {g: min(len(groups[g]), max(1, int(share[g]))) for g in groups}
    for g in sorted(groups, key=lambda g: (int(share[g]) - share[g], str(g))):
        if sum(take.values()) >= k:
            break
        take[g] += take[g] < len(groups[g])
    weights = {}
    for g, members in groups.items():
        for s in rng.sample(members, take[g]):
            weights[s] = len(members) / take[g]
    return weights


def _dependencies_batch(A, rows, is_target, home, weights) -> np.ndarray:
    """Sum of Brandes' subset dependencies over the sources ``rows``, all at once.

    For small graphs: each level is one numpy pass over the DAG arcs of every source (node
    ``v`` of the i-th source is ``i * n + v``).
    """
    n, b = A.shape[0], len(rows)
    dist, u, v, layer = _dag(A, rows)
    starts = np.arange(b) * n + np.asarray(rows)
    sigma, delta = _accumulate(u, v, layer, starts, np.tile(is_target, b))
    sigma = sigma.reshape(b, n)
    delta = _discount_own(delta.reshape(b, n), sigma, dist, rows, is_target, home)
    return weights @ delta, dist, sigma


def _dag(A, rows) -> tuple:
    """Distances from ``rows`` and the arcs of their shortest-path DAGs, sorted by level.

    Returns ``(dist, u, v, layer)``: ``dist`` is ``len(rows) x n`` (-1 unreached); arc
    ``u -> v`` of the i-th source is stored as ``i * n + u -> i * n + v``.
    """
    n = A.shape[0]
    eu, ev = A.nonzero()
    dist = bfs_distances(A, rows)
    s_idx, e_idx = np.nonzero((dist[:, ev] == dist[:, eu] + 1) & (dist[:, eu] >= 0))
    layer = dist[s_idx, eu[e_idx]]
    order = np.argsort(layer, kind="stable")
    s_idx, layer = s_idx[order] * n, layer[order]
    return dist, s_idx + eu[e_idx[order]], s_idx + ev[e_idx[order]], layer


def path_counts(A: csr_array, rows) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(dist, sigma)``: hop distances and numbers of shortest paths from ``rows``.

    Both are ``len(rows) x n`` arrays over the nodes of the CSR adjacency ``A``; ``dist`` is
    -1 where a node is not reached.
    """
    n, b = A.shape[0], len(rows)
    dist, u, v, layer = _dag(A, rows)
    sigma = _sigma(u, v, layer, np.arange(b) * n + np.asarray(rows, dtype=np.int64), b * n)
    return dist, sigma.reshape(b, n)


def _dependencies_sum(A, sources, weights, is_target, home) -> np.ndarray:
    """Weighted sum of Brandes' subset dependencies of every node over ``sources`` (rows of
    ``A``), source by source: for large graphs (less memory than stacked passes).

    Per source: scipy's C breadth-first search gives the visiting order, levels follow
    from it; the arcs of the shortest-path DAG are picked from all arcs at once and sorted
    by level (a radix sort of small integers); path counts and dependencies are accumulated
    level by level; then each own unit loses its credit for pairs from or to its endpoint
    (as in ``_discount_own``).
    """
    n = A.shape[0]
    degree = np.diff(A.indptr)
    arc_u = np.repeat(np.arange(n, dtype=np.int32), degree)
    arc_v = A.indices.astype(np.int32, copy=False)
    owned = np.flatnonzero(home >= 0)
    h = home[owned]
    h_target = is_target[h] > 0
    total = np.zeros(n)
    dist = np.empty(n, dtype=np.int32)
    position = np.empty(n, dtype=np.int32)
    for source, weight in zip(sources, weights, strict=True):
        order, pred = csgraph.breadth_first_order(A, source, directed=True,
                                                  return_predecessors=True)
        position[order] = np.arange(len(order), dtype=np.int32)
        parent_pos = position[pred[order[1:]]]  # never decreases along the order
        starts = [0, 1]  # level d occupies order[starts[d]:starts[d + 1]]
        while starts[-1] < len(order):
            starts.append(1 + int(np.searchsorted(parent_pos, starts[-1], side="left")))
        dist.fill(-2)
        dist[order] = np.repeat(np.arange(len(starts) - 1, dtype=np.int32), np.diff(starts))
        du = np.repeat(dist, degree)  # dist[arc_u], read in order
        keep = np.flatnonzero((dist[arc_v] == du + 1) & (du >= 0))
        layer = du[keep].astype(np.int16)
        by_level = np.argsort(layer, kind="stable")
        keep = keep[by_level]
        u, v = arc_u[keep], arc_v[keep]
        bounds = np.searchsorted(layer[by_level], np.arange(len(starts), dtype=np.int16))
        sigma = np.zeros(n)
        sigma[source] = 1.0
        for d in range(len(bounds) - 1):
            lo, hi = bounds[d], bounds[d + 1]
            if lo < hi:
                np.add.at(sigma, v[lo:hi], sigma[u[lo:hi]])
        delta = np.zeros(n)
        for d in range(len(bounds) - 2, -1, -1):
            lo, hi = bounds[d], bounds[d + 1]
            if lo < hi:
                w, x = v[lo:hi], u[lo:hi]
                np.add.at(delta, x, sigma[x] * (is_target[w] + delta[w]) / sigma[w])
        delta[source] = 0.0
        if owned.size:
            d_own = dist[owned]
            last = (d_own >= 0) & (dist[h] == d_own + 1) & h_target
            fix = np.where(last, sigma[owned] / np.where(last, sigma[h], 1.0), 0.0)
            mine = h == source
            fix[mine] = delta[owned[mine]]
            delta[owned] -= fix
        total += weight * delta
    return total


def _discount_own(delta, sigma, dist, rows, is_target, home) -> np.ndarray:
    """Drop each node's credit for pairs starting or ending at its own endpoint ``home``.

    Pairs from the node's own endpoint: its whole dependency on that source. Pairs to it:
    the shortest paths that reach the endpoint through the node, ``sigma(v) / sigma(home)``
    when the node is one step before it.
    """
    owned = np.flatnonzero(home >= 0)
    if owned.size == 0:
        return delta
    h = home[owned]
    delta[:, owned] = np.where(h[None, :] == np.asarray(rows)[:, None], 0.0, delta[:, owned])
    last = (dist[:, owned] >= 0) & (dist[:, h] == dist[:, owned] + 1) & (is_target[h] > 0)
    ratio = sigma[:, owned] / np.where(last, sigma[:, h], 1.0)
    delta[:, owned] -= np.where(last, ratio, 0.0)
    return delta


def _sigma(u, v, layer, starts, size) -> np.ndarray:
    """Numbers of shortest paths, level by level over DAG arcs ``u -> v`` sorted by level."""
    sigma = np.zeros(size)
    sigma[starts] = 1.0
    bounds = np.searchsorted(layer, np.arange(int(layer[-1]) + 2 if layer.size else 1))
    for d in range(len(bounds) - 1):
        lo, hi = bounds[d], bounds[d + 1]
        np.add.at(sigma, v[lo:hi], sigma[u[lo:hi]])
    return sigma


def _accumulate(u, v, layer, starts, is_target) -> tuple[np.ndarray, np.ndarray]:
    """Path counts and Brandes' dependencies over DAG arcs ``u -> v`` sorted by level."""
    sigma = _sigma(u, v, layer, starts, len(is_target))
    bounds = np.searchsorted(layer, np.arange(int(layer[-1]) + 2 if layer.size else 1))
    delta = np.zeros(len(is_target))
    for d in range(len(bounds) - 2, -1, -1):
        lo, hi = bounds[d], bounds[d + 1]
        w, x = v[lo:hi], u[lo:hi]
        np.add.at(delta, x, sigma[x] * (is_target[w] + delta[w]) / sigma[w])
    delta[starts] = 0.0
    return sigma, delta


def breadth_first(A: csr_array, source: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(order, dist)`` of a breadth-first search from row ``source`` of CSR ``A``.

    ``dist`` is -2 for unreached nodes. scipy's C search gives the visiting order and
    parents; levels follow from the order, in which parents' positions never decrease.
    """
    n = A.shape[0]
    order, pred = csgraph.breadth_first_order(A, source, directed=True,
                                              return_predecessors=True)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(len(order))
    parent_pos = position[pred[order[1:]]]
    starts = [0, 1]  # level d occupies order[starts[d]:starts[d + 1]]
    while starts[-1] < len(order):
        starts.append(1 + int(np.searchsorted(parent_pos, starts[-1], side="left")))
    counts = np.diff(starts)
    dist = np.full(n, -2, dtype=np.int32)
    dist[order] = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return order.astype(np.int64), dist


def bfs_distances(A: csr_array, rows) -> np.ndarray:
    """Return the ``len(rows) x n`` hop distances from each of ``rows`` (-1: not reached).

    One scipy breadth-first search per source gives the parents; depths follow by walking
    all parent pointers up together, one level per numpy step.
    """
    rows = np.asarray(rows, dtype=np.int64)
    b, n = len(rows), A.shape[0]
    parent = np.empty((b, n), dtype=np.int64)
    for i, r in enumerate(rows):
        parent[i] = csgraph.breadth_first_order(A, r, directed=True,
                                                return_predecessors=True)[1]
    reached = parent >= 0
    dist = reached.astype(np.int32)
    line = np.arange(b)[:, None]
    up, active = np.where(reached, parent, 0), reached
    while True:
        above = parent[line, up]
        active = active & (above >= 0)
        if not active.any():
            break
        dist += active
        up = np.where(active, above, up)
    dist[~reached] = -1
    dist[np.arange(b), rows] = 0
    return dist


def sampling_error_bound(k: int, *, confidence: float = 0.95, n_nodes: int = 1) -> float:
    """Return ε such that every sampled estimate is within ε of the exact value.

    For ``k`` sources sampled uniformly, each source's dependency ``δ_s(v) / (T - 1)`` of a
    node ``v`` on ``T`` targets lies in [0, 1]; by Hoeffding's inequality the estimate of the
    mean deviates by more than ε with probability at most ``2 exp(-2 k ε²)``. A union bound
    over ``n_nodes`` nodes gives ``ε = sqrt(ln(2 n_nodes / (1 - confidence)) / (2 k))``, in
    units of the normalised subset betweenness (betweenness divided by
    ``|S| (|T| - 1) / 2``).

    Examples
    --------
    >>> round(sampling_error_bound(400), 3)
    0.068
    """
    if k < 1 or not 0 < confidence < 1 or n_nodes < 1:
        raise ValueError("k and n_nodes must be positive and confidence in (0, 1)")
    return math.sqrt(math.log(2 * n_nodes / (1 - confidence)) / (2 * k))
