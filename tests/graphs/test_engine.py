"""Community detection on networkit's engine (large graphs) and the networkx fallback."""

import networkx as nx
import pytest

from graphs import structure


def two_cliques() -> nx.Graph:
    C = nx.Graph()
    for group in ("a", "b"):
        nodes = [f"{group}{i}" for i in range(6)]
        C.add_edges_from(((u, v) for i, u in enumerate(nodes) for v in nodes[i + 1:]),
                         weight=2.0)
    C.add_edge("a0", "b0", weight=1.0)
    nx.set_node_attributes(C, "municipality", "type")
    return C


def test_networkx_below_the_threshold_and_without_networkit(monkeypatch):
    C = two_cliques()
    expected = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
    assert structure.communities(C, seed=0) == expected
    monkeypatch.setattr(structure, "networkit", None)
    monkeypatch.setattr(structure, "PLM_MIN_NODES", 0)
    assert structure.communities(C, seed=0) == expected


def test_networkit_engine_same_communities_and_deterministic(monkeypatch):
    pytest.importorskip("networkit")
    monkeypatch.setattr(structure, "PLM_MIN_NODES", 0)
    C = two_cliques()
    found = structure.communities(C, seed=3)
    assert found == [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
    assert structure.communities(C, seed=3) == found


def test_biconnected_components_in_node_order():
    U = nx.Graph([("z", "y"), ("y", "x"), ("x", "z"), ("x", "w")])
    blocks = sorted(structure.biconnected_components(U))
    assert blocks == [["x", "w"], ["z", "y", "x"]]
