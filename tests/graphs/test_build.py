"""Building the typed graph from a bundle and its projections."""

import io
import random
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graphs import build_graph
from graphs.build import actor_graph, exportable, municipality_graph, network_graph

from .bundles import actor, bundle, copy_of, initiative, muni, tie


def small():
    return bundle(
        [muni("aa"), muni("bb")],
        [actor("aa-rat", "aa", "strategic", "council"), actor("aa-digital", "aa", fte=2),
         actor("bb-digital", "bb", topics=["mobility"]),
         actor("agentur", None, "coordinating", "agency")],
        [initiative("i1", "mobility", "running", ("aa-digital", "lead"),
                    ("bb-digital", "partner"))],
        [tie("aa-rat", "aa-digital", "mandate", 5), tie("aa-digital", "bb-digital", weight=2),
         tie("bb-digital", "aa-digital", "advice", 4), tie("agentur", "bb-digital")],
    )


def test_nodes_are_typed_and_carry_bundle_fields():
    G = build_graph(small())
    assert isinstance(G, nx.MultiDiGraph)
    assert G.nodes["aa"]["type"] == "municipality" and G.nodes["aa"]["tier"] == "member"
    assert G.nodes["aa-digital"]["type"] == "actor"
    assert G.nodes["aa-digital"]["actor_type"] == "staff_unit"
    assert G.nodes["aa-digital"]["capacity_fte"] == 2
    assert G.nodes["i1"]["type"] == "initiative" and "participants" not in G.nodes["i1"]
    assert G.graph["region"]["slug"] == "test"


def test_edges_are_typed():
    G = build_graph(small())
    assert G.edges["aa-digital", "aa", "acts_for"]["type"] == "acts_for"
    assert G.edges["aa-digital", "i1", "participation"]["role"] == "lead"
    mandate = G.edges["aa-rat", "aa-digital", "aa-rat-aa-digital-mandate"]
    assert mandate == {"type": "tie", "kind": "mandate", "weight": 5, "directed": True,
                       "description": "", "trust": None, "provenance": "documented"}
    assert G.edges["aa-digital", "bb-digital", "aa-digital-bb-digital-cooperation"][
        "directed"] is False
    assert not G.has_edge("agentur", None)  # a regional body acts for no municipality


def test_record_order_does_not_matter():
    b = small()
    shuffled = copy_of(b)
    rng = random.Random(1)
    for part in ("municipalities", "actors", "initiatives", "ties"):
        rng.shuffle(shuffled[part])
    G, H = build_graph(b), build_graph(shuffled)
    assert list(G.nodes(data=True)) == list(H.nodes(data=True))
    assert list(G.edges(keys=True, data=True)) == list(H.edges(keys=True, data=True))


@pytest.mark.parametrize("change, message", [
    (lambda b: b.update(format="other"), "not a kommunalnetz bundle"),
    (lambda b: b["actors"].append(actor("aa", "aa")), "used twice"),
    (lambda b: b["actors"].append(actor("x", "nowhere")), "unknown municipality 'nowhere'"),
    (lambda b: b["ties"].append(tie("aa-rat", "ghost")), "unknown actor 'ghost'"),
    (lambda b: b["ties"].append(tie("aa-rat", "aa-rat")), "with itself"),
    (lambda b: b["initiatives"][0]["participants"].append({"actor": "aa", "role": "lead"}),
     "unknown actor 'aa'"),
])
def test_invalid_bundles_are_rejected(change, message):
    b = small()
    change(b)
    with pytest.raises(ValueError, match=message):
        build_graph(b)
    with pytest.raises(ValueError, match="mapping"):
        build_graph([])


def test_network_graph_collapses_parallel_ties():
    U = network_graph(build_graph(small()))
    assert not U.is_directed() and not U.is_multigraph()
    edge = U["aa-digital"]["bb-digital"]
    assert edge["type"] == "tie" and edge["weight"] == 4
    assert edge["kinds"] == ["advice", "cooperation"]
    assert U["aa-digital"]["aa"] == {"type": "acts_for", "weight": 5}
    assert U["bb-digital"]["i1"]["role"] == "partner"


def test_actor_graph_directions():
    A = actor_graph(build_graph(small()))
    assert set(A) == {"aa-rat", "aa-digital", "bb-digital", "agentur"}
    assert A.has_edge("aa-rat", "aa-digital") and not A.has_edge("aa-digital", "aa-rat")
    assert A.has_edge("agentur", "bb-digital") and A.has_edge("bb-digital", "agentur")
    assert A["bb-digital"]["aa-digital"]["weight"] == 4


def test_municipality_graph():
    G = build_graph(small())
    M = municipality_graph(G)
    assert set(M) == {"aa", "bb"}
    assert M["aa"]["bb"]["links"] == ["initiative:i1", "tie:aa-digital:bb-digital"]
    C = municipality_graph(G, regional=True)
    assert set(C) == {"aa", "bb", "agentur"}
    assert C["agentur"]["bb"]["links"] == ["tie:agentur:bb-digital"]


def test_exportable_writes_graphml_and_gexf():
    G = build_graph(small())
    for H in (exportable(G), exportable(network_graph(G))):
        assert "".join(nx.generate_graphml(H))
        assert "".join(nx.generate_gexf(H))
    assert exportable(G).nodes["bb-digital"]["topics"] == "mobility"
    assert "capacity_fte" not in exportable(G).nodes["bb-digital"]


#: the values GEXF 1.2 allows for an edge's ``type`` attribute
GEXF_EDGE_TYPES = {"directed", "undirected", "mutual"}


def _gexf_edge_types(text: str) -> list:
    """The ``type`` attribute of every <edge> element of a GEXF document (None if absent)."""
    root = ET.fromstring(text)
    return [e.get("type") for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "edge"]


def test_exported_edges_keep_their_relation_and_gexf_stays_valid():
    """The export copy names an edge's kind ``relation``, not ``type``: GEXF's edge ``type``
    attribute only allows directed/undirected/mutual. Every other edge attribute is kept,
    and GEXF and GraphML both read back with the relation."""
    G = build_graph(small())
    for source in (G, network_graph(G)):
        H = exportable(source)
        edges = H.edges(keys=True, data=True) if H.is_multigraph() else H.edges(data=True)
        for *ends, d in edges:
            original = source.edges[tuple(ends)]
            assert "type" not in d
            assert d["relation"] == original["type"]
            assert set(d) == {"relation"} | {k for k, val in original.items()
                                             if k != "type" and val is not None}
        text = "".join(nx.generate_gexf(H))
        types = _gexf_edge_types(text)
        assert len(types) == H.number_of_edges()
        assert all(t is None or t in GEXF_EDGE_TYPES for t in types), set(types)
        for back in (nx.read_gexf(io.StringIO(text)),
                     nx.read_graphml(io.StringIO("".join(nx.generate_graphml(H))))):
            relations = sorted(d["relation"] for *_e, d in back.edges(data=True))
            assert relations == sorted(d["type"] for *_e, d in source.edges(data=True))
    back = nx.read_gexf(io.StringIO("".join(nx.generate_gexf(exportable(G)))))
    assert {d["relation"] for *_e, d in back.edges(data=True)} == {
        "acts_for", "participation", "tie"}
    mandate = [d for *_e, d in back.edges(data=True) if d.get("kind") == "mandate"]
    assert mandate and mandate[0]["weight"] == 5 and mandate[0]["directed"] is True
