"""The compiled kernels (numba) give the same figures and orders as the numpy / networkx code."""

import random

import networkx as nx
import numpy as np
import pytest

import graphs.brokerage as brokerage
import graphs.structure as structure

pytest.importorskip("numba")
from graphs import kernels  # noqa: E402


def _graph_with_units(seed):
    """Municipality hubs with their actors, random ties between actors, a second component."""
    rng = random.Random(seed)
    G = nx.gnm_random_graph(80, 150, seed=seed)
    G.add_edges_from([(200, 201), (201, 202)])
    hubs = rng.sample(range(80), 12)
    own = {}
    for h in hubs:
        for v in G[h]:
            if v not in hubs and v not in own:
                own[v] = h
    return G, hubs, own


@pytest.mark.parametrize("seed", range(6))
def test_compiled_dependencies_identical_to_numpy(seed):
    """Same sum to the last bit: the same additions in the same order."""
    G, hubs, own = _graph_with_units(seed)
    nodes, index, A = brokerage.to_csr(G)
    home = np.full(len(nodes), -1, dtype=np.int64)
    for v, h in own.items():
        home[index[v]] = index[h]
    is_target = np.zeros(len(nodes))
    is_target[[index[h] for h in hubs]] = 1.0
    rng = random.Random(seed)
    sources = sorted(index[h] for h in hubs) + [index[200]]
    weights = [rng.choice([1.0, 2.5, 7.0 / 3.0]) for _ in sources]
    expected = brokerage._dependencies_sum(A, sources, weights, is_target, home)
    found = kernels.dependencies_sum(A, sources, weights, is_target, home)
    assert np.array_equal(found, expected)


@pytest.mark.parametrize("seed", range(3))
def test_subset_betweenness_same_with_and_without_compiled(monkeypatch, seed):
    monkeypatch.setattr(brokerage, "_SMALL_GRAPH", 5)  # the large-graph path
    G, hubs, own = _graph_with_units(seed)
    compiled = brokerage.subset_betweenness(G, hubs, hubs, own=own, k=5, seed=seed)
    monkeypatch.setattr(brokerage, "USE_COMPILED", False)
    assert brokerage.compiled() is None
    assert brokerage.subset_betweenness(G, hubs, hubs, own=own, k=5, seed=seed) == compiled


@pytest.mark.parametrize("seed", range(40))
def test_compiled_biconnected_components_same_blocks_same_order(monkeypatch, seed):
    """networkx's blocks in networkx's order (the order decides what a cut names)."""
    rng = random.Random(seed)
    G = nx.gnm_random_graph(rng.randint(1, 70), rng.randint(0, 110), seed=seed)
    G = nx.relabel_nodes(G, {v: f"n{rng.random():.6f}" for v in G})
    if seed % 4 == 0 and len(G):
        v = next(iter(G))
        G.add_edge(v, v)
    monkeypatch.setattr(structure, "_COMPILED_FROM", -1)
    monkeypatch.setattr(brokerage, "USE_COMPILED", False)
    expected = structure.biconnected_components(G)
    monkeypatch.setattr(brokerage, "USE_COMPILED", True)
    assert structure.biconnected_components(G) == expected


def test_warm_kernels():
    assert brokerage.warm_kernels() is True


def _seed_graphs():
    import json
    from pathlib import Path

    from graphs.build import build_graph, network_graph

    seed = json.loads((Path(__file__).resolve().parents[2] / "seeds" / "swf5.json").read_text())
    G = build_graph(seed)
    return G, network_graph(G)


def test_betweenness_in_a_thread_gives_the_same_ranking(monkeypatch):
    """On a large graph the compiled betweenness runs in a thread beside the other parts
    (``taktgeber._beside``); the ranking is the one computed in line."""
    import threading

    import graphs.taktgeber as taktgeber

    G, U = _seed_graphs()
    monkeypatch.setattr(brokerage, "_SMALL_GRAPH", 5)  # the seed network counts as large
    monkeypatch.setattr(taktgeber, "releases_gil", lambda n: False)
    in_line = taktgeber.rank_taktgeber(G, U, seed=3)
    monkeypatch.setattr(taktgeber, "releases_gil", brokerage.releases_gil)
    ran_in, real = [], taktgeber.subset_betweenness

    def spy(*args, **kwargs):
        ran_in.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(taktgeber, "subset_betweenness", spy)
    assert taktgeber.rank_taktgeber(G, U, seed=3) == in_line
    assert ran_in and ran_in[0].startswith("kommunalnetz-brokerage")


def test_an_error_in_the_betweenness_thread_reaches_the_caller(monkeypatch):
    import graphs.taktgeber as taktgeber

    G, U = _seed_graphs()
    monkeypatch.setattr(brokerage, "_SMALL_GRAPH", 5)

    def broken(*args, **kwargs):
        raise ValueError("kaputt")

    monkeypatch.setattr(taktgeber, "subset_betweenness", broken)
    with pytest.raises(ValueError, match="kaputt"):
        taktgeber.rank_taktgeber(G, U, seed=3)
