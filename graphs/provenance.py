"""Provenance: how much of a finding rests on records the network only assumed."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from .build import edges_of_type

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
        self._index = None
        self._shares: dict = {}  # key -> assumed_share([key]), asked by ranking and gaps

    def _build(self) -> tuple:
        """One pass over the edges: the actors of each municipality, the tie and
        participation records at each node, and whether any record is assumed."""
        G = self.G
        acts: dict = {}
        incident: dict = {}
        any_assumed = any(is_assumed(d) for _n, d in G.nodes(data=True))
        for u, v, k, d in edges_of_type(G, None):
            if d["type"] == "acts_for":
                acts.setdefault(v, []).append(u)
                continue
            record = ((u, v, k), is_assumed(d))
            any_assumed = any_assumed or record[1]
            incident.setdefault(u, []).append(record)
            incident.setdefault(v, []).append(record)
        return acts, incident, any_assumed

    def records(self, keys: Iterable) -> dict:
        """The records a finding about ``keys`` rests on: record (a node key, or an edge as
        ``(u, v, key)``) -> whether it is assumed."""
        G = self.G
        if self._index is None:
            self._index = self._build()
        acts, incident, _any = self._index
        found: dict = {}
        for key in keys:
            if key not in G:
                continue
            type_ = G._node[key]["type"]
            if type_ != "initiative":
                found[key] = is_assumed(G._node[key])
            if type_ == "municipality":
                found.update((a, is_assumed(G._node[a])) for a in acts.get(key, ()))
            else:
                found.update(incident.get(key, ()))
        return found

    def assumed_share(self, keys: Iterable) -> float:
        """Share (0..1, 4 decimals) of the records behind ``keys`` (see the table above)
        that are assumed; 0 when there are none, or none in the whole graph is assumed."""
        if self._index is None:
            self._index = self._build()
        if not self._index[2]:
            return 0.0
        single = len(keys) == 1 if isinstance(keys, list | tuple) else False
        if single and keys[0] in self._shares:  # asked again: a candidate that is a cut
            return self._shares[keys[0]]
        found = self.records(keys)
        share = round(sum(found.values()) / len(found), 4) if found else 0.0
        if single:
            self._shares[keys[0]] = share
        return share
