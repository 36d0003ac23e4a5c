"""The comparison's network pictures stay readable and quick on a large network: above
PICTURE_MAX nodes only the surroundings of what changed are laid out and drawn (a layout of
the national network took minutes, and its SVG would be tens of megabytes)."""

from __future__ import annotations

import networkx as nx

from collab.history import pages


def test_a_small_network_is_pictured_whole():
    A = nx.path_graph(5)
    B = nx.path_graph(6)
    shown, total = pages.pictured(A, B, limit=10)
    assert set(shown) == set(range(6)) and total == 6


def test_a_large_network_shows_what_changed_and_its_neighbours_within_the_limit():
    A = nx.path_graph(100)
    B = A.copy()
    B.remove_edge(10, 11)          # a tie that went
    B.add_edge(50, "neu")          # a node and tie that came
    shown, total = pages.pictured(A, B, limit=8)
    assert total == 101 and len(shown) <= 8
    assert {10, 11, 50, "neu"} <= set(shown)  # everything that changed
    assert set(shown) - {10, 11, 50, "neu"} <= {9, 12, 49, 51}  # then their neighbours
    unchanged, total = pages.pictured(A, A.copy(), limit=8)
    assert len(unchanged) == 0 and total == 100


def test_the_comparison_of_a_large_network_says_what_its_picture_shows(app, as_user,
                                                                      monkeypatch):
    """With the limit below the demo network's size the page pictures the changes only and
    says so; with nothing changed it draws nothing and says why."""
    monkeypatch.setattr(pages, "PICTURE_MAX", 20)
    coordinator = as_user("koordination")
    assert coordinator.post("/regions/swf5/snapshots", {"name": "Vorher", "date": ""},
                            csrf_from="/regions/swf5/snapshots").status_code == 302
    same = coordinator.get("/regions/swf5/snapshots/compare?b=today").get_data(as_text=True)
    assert "zwischen den beiden Ständen hat sich nichts geändert" in same
    assert "history-net" not in same
    assert coordinator.post("/regions/swf5/actors/olpe-digital/delete", {"confirm": "y"},
                            csrf_from="/regions/swf5/actors/olpe-digital/delete"
                            ).status_code == 302
    changed = coordinator.get("/regions/swf5/snapshots/compare?b=today").get_data(as_text=True)
    assert "gezeigt wird nur die Umgebung der Änderungen" in changed
    assert changed.count('class="history-net"') == 2
    assert changed.count("<circle") <= 2 * 20
