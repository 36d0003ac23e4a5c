"""Provenance: how much of a finding rests on records the network only assumed."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = ["ASSUMED", "Evidence", "is_assumed"]

#: The provenance of a record that is a modelling assumption, not a documented fact.
ASSUMED = "assumed"


def is_assumed(data: dict) -> bool:
    """Whether a node's or edge's attributes mark it as assumed."""
    return data.get("provenance") == ASSUMED


class Evidence:
    """The records behind the nodes of a graph built by :func:`graphs.build.build_graph`.

    Records are what the bundle gives a provenance: memberships (municipality nodes), actors,
    ties and participations. The records a finding about a node rests on:

    ============  ================================================================
    node          records
    ============  ================================================================
    municipality  its membership and the actors acting for it
    actor         the actor, its ties and its participations
    initiative    its participations
    ============  ================================================================

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The typed network graph.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("a", type="municipality", provenance="documented")
    >>> G.add_node("x", type="actor", provenance="assumed")
    >>> G.add_edge("x", "a", "acts_for", type="acts_for")
    'acts_for'
    >>> Evidence(G).assumed_share(["a"])
    0.5
    """

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G

    def records(self, keys: Iterable) -> set:
        """The records a finding about ``keys`` rests on (nodes as keys, edges as triples)."""
        G, found = self.G, set()
        for key in keys:
            if key not in G:
                continue
            type_ = G.nodes[key]["type"]
            if type_ == "municipality":
                found.add(key)
                found.update(a for a, _m, k in G.in_edges(key, keys=True) if k == "acts_for")
            elif type_ == "actor":
                found.add(key)
                found.update((u, v, k) for u, v, k, d in G.out_edges(key, keys=True, data=True)
                             if d["type"] != "acts_for")
                found.update((u, v, k) for u, v, k in G.in_edges(key, keys=True))
            elif type_ == "initiative":
                found.update((u, v, k) for u, v, k in G.in_edges(key, keys=True))
        return found

    def share(self, records: Iterable) -> float:
        """Share (0..1, 4 decimals) of ``records`` that are assumed; 0 for none."""
        G = self.G
        total = assumed = 0
        for record in records:
            total += 1
            data = G.edges[record] if isinstance(record, tuple) else G.nodes[record]
            assumed += is_assumed(data)
        return round(assumed / total, 4) if total else 0.0

    def assumed_share(self, keys: Iterable) -> float:
        """Share of the records behind ``keys`` (see the table above) that are assumed."""
        return self.share(self.records(keys))
