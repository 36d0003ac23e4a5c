"""Brokerage measures: Gould-Fernandez roles by hand and by brute force, subset betweenness."""

import itertools
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphs.brokerage as brokerage
from graphs.brokerage import (
    bfs_distances,
    gould_fernandez_brokerage,
    path_counts,
    sampling_error_bound,
    subset_betweenness,
    to_csr,
)

ZERO = {"coordinator": 0, "itinerant": 0, "gatekeeper": 0, "representative": 0, "liaison": 0,
        "total": 0}


def hand_checked_graph():
    """Groups A = {a1, a2, b}, B = {c1, c2}, C = {d, e}; c1 -> c2 closes one two-path."""
    G = nx.DiGraph([("a1", "b"), ("c1", "b"), ("d", "b"), ("b", "a2"), ("b", "c2"),
                    ("b", "d"), ("c1", "c2"), ("a2", "e"), ("e", "a1")])
    groups = {"a1": "A", "a2": "A", "b": "A", "c1": "B", "c2": "B", "d": "C", "e": "C"}
    return G, groups


def test_gould_fernandez_hand_checked():
    """Every two-path through b counted by hand (see hand_checked_graph):

    a1->b->a2 coordinator; a1->b->c2, a1->b->d representative; c1->b->a2, d->b->a2
    gatekeeper; c1->b->d, d->b->c2 liaison; c1->b->c2 is closed by c1->c2 (no itinerant);
    d->b->d is no pair. a2->e->a1 makes e an itinerant, b->a2->e a representative for a2,
    e->a1->b a gatekeeper for a1.
    """
    G, groups = hand_checked_graph()
    roles = gould_fernandez_brokerage(G, groups)
    assert roles["b"] == {"coordinator": 1, "itinerant": 0, "gatekeeper": 2,
                          "representative": 2, "liaison": 2, "total": 7}
    assert roles["e"] == {**ZERO, "itinerant": 1, "total": 1}
    assert roles["a2"] == {**ZERO, "representative": 1, "total": 1}
    assert roles["a1"] == {**ZERO, "gatekeeper": 1, "total": 1}
    for n in ("c1", "c2", "d"):
        assert roles[n] == ZERO


def test_gould_fernandez_selected_nodes_and_undirected():
    G, groups = hand_checked_graph()
    assert list(gould_fernandez_brokerage(G, groups, nodes=["e"])) == ["e"]
    H = nx.path_graph(["x", "y", "z"])  # undirected: arcs both ways, two open two-paths
    roles = gould_fernandez_brokerage(H, {"x": 1, "y": 2, "z": 3})
    assert roles["y"]["liaison"] == 2
    roles = gould_fernandez_brokerage(H, {"x": 1, "y": 2, "z": 1})
    assert roles["y"]["itinerant"] == 2


def test_gould_fernandez_guards():
    G, groups = hand_checked_graph()
    del groups["e"]
    with pytest.raises(ValueError, match="without a group"):
        gould_fernandez_brokerage(G, groups)
    G, groups = hand_checked_graph()
    with pytest.raises(ValueError, match="not in the graph"):
        gould_fernandez_brokerage(G, groups, nodes=["nobody"])


def brute_force(G, groups):
    found = {n: dict.fromkeys(brokerage.GF_ROLES, 0) for n in G}
    for a, b, c in itertools.permutations(G, 3):
        if G.has_edge(a, b) and G.has_edge(b, c) and not G.has_edge(a, c):
            found[b][brokerage._role(groups[a], groups[b], groups[c])] += 1
    for counts in found.values():
        counts["total"] = sum(counts.values())
    return found


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 12), st.floats(0.1, 0.6), st.integers(1, 4), st.integers(0, 10_000))
def test_gould_fernandez_matches_brute_force(n, p, k, seed):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    rng = random.Random(seed)
    groups = {v: rng.randrange(k) for v in G}
    assert gould_fernandez_brokerage(G, groups) == brute_force(G, groups)


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 12), st.floats(0.1, 0.6), st.integers(1, 4), st.integers(0, 10_000),
       st.booleans())
def test_gould_fernandez_ignores_self_loops(n, p, k, seed, directed):
    """Self-loops (a tie of an actor with itself) broker nothing, in a directed and an
    undirected graph, and leave the graph as it was."""
    G = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = random.Random(seed)
    G.add_edges_from((v, v) for v in list(G) if rng.random() < 0.4)
    groups = {v: rng.randrange(k) for v in G}
    edges = sorted(G.edges())
    assert gould_fernandez_brokerage(G, groups) == brute_force(G, groups)
    assert sorted(G.edges()) == edges


@pytest.mark.parametrize("small", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_subset_betweenness_equals_networkx(monkeypatch, small, seed):
    if not small:  # force the one-source-at-a-time path used for large graphs
        monkeypatch.setattr(brokerage, "_SMALL_GRAPH", 5)
    G = nx.gnm_random_graph(50, 90, seed=seed)
    G.add_edge(100, 101)  # a second component
    rng = random.Random(seed)
    sources, targets = rng.sample(list(G), 12), rng.sample(list(G), 15)
    expected = nx.betweenness_centrality_subset(G, sources, targets, normalized=False)
    found = subset_betweenness(G, sources, targets)
    assert found == pytest.approx(expected)
    everyone = list(G)
    expected = nx.betweenness_centrality_subset(G, everyone, everyone, normalized=False)
    assert subset_betweenness(G, everyone, everyone) == pytest.approx(expected)


def brute_force_own(G, sources, targets, own):
    found = dict.fromkeys(G, 0.0)
    for s in sources:
        for t in targets:
            if s == t or not nx.has_path(G, s, t):
                continue
            paths = list(nx.all_shortest_paths(G, s, t))
            for path in paths:
                for v in path[1:-1]:
                    if own.get(v) not in (s, t):
                        found[v] += 0.5 / len(paths)
    return found


@pytest.mark.parametrize("small", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_subset_betweenness_own_endpoint_excluded(monkeypatch, small, seed):
    """A node gets no credit for the pairs of the endpoint it belongs to."""
    if not small:
        monkeypatch.setattr(brokerage, "_SMALL_GRAPH", 5)
    G = nx.gnm_random_graph(30, 60, seed=seed)
    rng = random.Random(seed)
    hubs = rng.sample(list(G), 8)
    own = {}
    for h in hubs:
        for v in G[h]:
            if v not in hubs and v not in own:
                own[v] = h
    expected = brute_force_own(G, hubs, hubs, own)
    assert subset_betweenness(G, hubs, hubs, own=own) == pytest.approx(expected)
    with pytest.raises(ValueError, match="not a neighbour"):
        subset_betweenness(G, hubs, hubs, own={hubs[0]: next(
            v for v in G if v != hubs[0] and not G.has_edge(v, hubs[0]))})


def test_subset_betweenness_sampling():
    G = nx.connected_watts_strogatz_graph(200, 4, 0.1, seed=1)
    sources = list(G)
    exact = subset_betweenness(G, sources, sources)
    assert subset_betweenness(G, sources, sources, k=len(sources), seed=3) == exact
    first = subset_betweenness(G, sources, sources, k=80, seed=3)
    assert first == subset_betweenness(G, sources, sources, k=80, seed=3)
    # unbiased estimate: the totals agree closely, the top node is found
    assert sum(first.values()) == pytest.approx(sum(exact.values()), rel=0.1)
    top = sorted(exact, key=exact.get, reverse=True)[:5]
    assert max(first, key=first.get) in top


def test_subset_betweenness_guards_and_example():
    assert subset_betweenness(nx.path_graph(4), [0], [3]) == {0: 0.0, 1: 0.5, 2: 0.5, 3: 0.0}
    with pytest.raises(ValueError, match="undirected"):
        subset_betweenness(nx.DiGraph([(0, 1)]), [0], [1])
    with pytest.raises(ValueError, match="not in the graph"):
        subset_betweenness(nx.path_graph(3), [7], [1])
    with pytest.raises(ValueError, match="k must"):
        subset_betweenness(nx.path_graph(3), [0], [1], k=0)
    assert subset_betweenness(nx.empty_graph(3), [0], [1]) == {0: 0.0, 1: 0.0, 2: 0.0}


def test_bfs_distances_and_path_counts():
    G = nx.gnm_random_graph(40, 60, seed=5)
    nodes, index, A = to_csr(G)
    rows = [0, 7, 13]
    dist = bfs_distances(A, rows)
    _dist, sigma = path_counts(A, rows)
    for i, r in enumerate(rows):
        lengths = nx.single_source_shortest_path_length(G, nodes[r])
        for j, v in enumerate(nodes):
            assert dist[i, j] == lengths.get(v, -1)
            if v in lengths and v != nodes[r]:
                assert sigma[i, j] == len(list(nx.all_shortest_paths(G, nodes[r], v)))
    assert isinstance(dist, np.ndarray)


def test_sampling_error_bound():
    assert sampling_error_bound(400) == pytest.approx(0.0679, abs=1e-4)
    assert sampling_error_bound(400, n_nodes=100) > sampling_error_bound(400)
    with pytest.raises(ValueError):
        sampling_error_bound(0)
