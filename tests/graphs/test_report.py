"""The analysis report: shape, plain types, determinism, what-if."""

import json
import random
from pathlib import Path

import networkx as nx
import pytest

from graphs import WEIGHTS, analyse
from graphs.build import build_graph
from graphs.report import compare
from graphs.structure import core_periphery

from .bundles import actor, bundle, clean_network, copy_of, full_member, muni, tie
from .test_taktgeber import project_group_vs_staff_unit, star

SEED = Path(__file__).resolve().parents[2] / "seeds" / "swf5.json"
KEYS = {"region", "summary", "taktgeber", "gaps", "transfer", "solutions", "communities",
        "core_periphery", "org_models", "weights", "weights_rule", "whatif", "timings_ms"}


def plain(value, path="report"):
    """Assert ``value`` holds only JSON types (no numpy scalars, tuples or sets)."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str, path
            plain(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            plain(v, f"{path}[{i}]")
    else:
        assert type(value) in (str, int, float, bool, type(None)), (path, type(value))


def without_timings(report):
    return {k: v for k, v in report.items() if k != "timings_ms"}


def test_report_shape_and_types():
    report = analyse(project_group_vs_staff_unit())
    assert set(report) == KEYS
    plain(report)
    json.dumps(report)
    assert report["region"] == "test"
    summary = report["summary"]
    assert (summary["municipalities"], summary["actors"], summary["initiatives"]) == (6, 9, 0)
    assert summary["components"] == 1 and 0 < summary["density"] < 1
    assert report["whatif"] is None
    assert report["weights"] == WEIGHTS and report["weights_rule"] is None
    assert all(r["rank_range"][0] <= r["rank"] <= r["rank_range"][1] and
               0.0 <= r["assumed_share"] <= 1.0 for r in report["taktgeber"])
    assert all("assumed_share" in g for g in report["gaps"])
    assert {"build", "network", "structure", "taktgeber", "transfer", "gaps", "total"} <= set(
        report["timings_ms"])
    assert report["communities"] and all(c == sorted(c) for c in report["communities"])
    assert report["core_periphery"]["k_max"] >= 1
    members = report["org_models"]["members"]
    assert [m["key"] for m in members] == ["m0", "m1", "m2", "m3", "m4", "stadt"]
    assert members[-1]["levels"] == {"strategic": ["council"], "coordinating": ["staff_unit"],
                                     "operational": ["project_group"]}
    assert members[-1]["models"] == ["staff_unit"]


def test_deterministic_for_a_seed_and_record_order():
    b = project_group_vs_staff_unit()
    first = without_timings(analyse(b, seed=3))
    assert first == without_timings(analyse(b, seed=3))
    shuffled = copy_of(b)
    rng = random.Random(2)
    for part in ("municipalities", "actors", "ties"):
        rng.shuffle(shuffled[part])
    assert first == without_timings(analyse(shuffled, seed=3))


def test_whatif_without_actor():
    report = analyse(star(4), without="agentur")
    whatif = report["whatif"]
    assert whatif["without"] == "agentur" and whatif["taktgeber"] is None
    opened = {(g["kind"], tuple(g["keys"])) for g in whatif["gaps_opened"]}
    assert opened == {("isolated_member", (f"m{i}",)) for i in range(4)}
    assert whatif["summary_changes"]["components"] == [1, 4]
    assert whatif["summary_changes"]["actors"] == [5, 4]
    left = next(c for c in whatif["ranking_changes"] if c["key"] == "agentur")
    assert (left["rank_before"], left["rank_after"]) == (1, None)
    assert whatif["message"].startswith("Ohne die agentur: 4 Lücken kommen hinzu")
    assert "agentur" not in {r["key"] for r in report["taktgeber"]}
    assert any(k.startswith("baseline_") for k in report["timings_ms"])


def test_whatif_without_municipality_removes_its_actors():
    report = analyse(clean_network(), without="dd")
    assert report["summary"]["municipalities"] == 3 and report["summary"]["actors"] == 12


def test_whatif_designated_taktgeber():
    """Member ee lacks a coordinating unit but is tied to the agency; once the agency is the
    designated Taktgeber it covers ee's coordinating level."""
    b = clean_network()
    m, actors, ties = full_member("ee")
    b["municipalities"].append(m)
    b["actors"] += [a for a in actors if a["key"] != "ee-digital"]
    b["ties"] += [tie("ee-rat", "ee-amt", "mandate"), tie("ee-amt", "aa-amt"),
                  tie("ee-amt", "bb-amt"), tie("ee-rat", "cc-rat")]
    b["actors"].append(actor("agentur", None, "coordinating", "agency", fte=2))
    b["ties"] += [tie("agentur", "aa-digital"), tie("agentur", "ee-amt"),
                  tie("agentur", "bb-digital")]
    baseline = analyse(b)
    assert [g["keys"] for g in baseline["gaps"] if g["kind"] == "missing_level"] == [["ee"]]
    report = analyse(b, taktgeber="agentur")
    first = report["taktgeber"][0]
    assert first["key"] == "agentur" and first["designated"] is True
    assert first["parts"]["mandate"] == 1.0
    whatif = report["whatif"]
    assert [(g["kind"], g["keys"]) for g in whatif["gaps_closed"]] == [("missing_level", ["ee"])]
    assert not any(g["kind"] == "missing_level" for g in report["gaps"])
    assert whatif["message"].startswith("Mit der agentur als Taktgeber: 0 Lücken kommen "
                                        "hinzu, 1 Lücke entfällt")
    covered = next(m for m in report["org_models"]["members"] if m["key"] == "ee")
    assert covered["covered_by"] == "agentur"


@pytest.mark.parametrize("kwargs, message", [
    ({"without": "nobody"}, "Unbekannter Schlüssel für without: 'nobody'"),
    ({"taktgeber": "nobody"}, "Unbekannter Schlüssel für taktgeber: 'nobody'"),
    ({"taktgeber": "aa"}, "kein Akteur"),
    ({"taktgeber": "aa-digital", "without": "aa-digital"}, "denselben Schlüssel"),
    ({"taktgeber": "aa-digital", "without": "aa"}, "entfernten Kommune"),
])
def test_whatif_unknown_keys(kwargs, message):
    with pytest.raises(ValueError, match=message):
        analyse(clean_network(), **kwargs)


def test_empty_bundle():
    report = analyse({"format": "kommunalnetz-bundle", "version": 1, "region": {"slug": "x"}})
    assert report["taktgeber"] == [] and report["gaps"] == [] and report["transfer"] == []
    assert report["summary"]["municipalities"] == 0


@pytest.mark.skipif(not SEED.exists(), reason="seeds/swf5.json not written yet")
def test_swf5_seed_sanity():
    """The Südwestfalen Agentur leads the ranking of the demo network with sensible parts."""
    report = analyse(json.loads(SEED.read_text(encoding="utf-8")))
    top = report["taktgeber"][0]
    assert top["key"] == "swa"
    assert top["parts"]["brokerage"] == 1.0 and top["parts"]["level"] == 1.0
    assert top["parts"]["reach"] > 0.9
    plain(report)


def test_whatif_lists_as_changed_only_gaps_whose_severity_changed():
    """Of three gaps kept by kind and keys, one changes severity (changed), one only its
    suggestion text (counted as reworded, not listed) and one nothing at all."""
    G = build_graph(clean_network())

    def report(gaps):
        return {"gaps": gaps, "taktgeber": [], "summary": {"gaps": len(gaps)}}

    def gap(key, severity, message):
        return {"kind": "missing_level", "keys": [key], "severity": severity,
                "message": message}

    before = report([gap("aa", "high", "x"), gap("bb", "high", "Vorschlag: A"),
                     gap("cc", "low", "same"), gap("dd", "high", "about dd")])
    after = report([gap("aa", "medium", "x"), gap("bb", "high", "Vorschlag: B"),
                    gap("cc", "low", "same")])
    result = compare(before, after, G, without="dd")
    assert [(c["keys"], c["severity"]) for c in result["gaps_changed"]] == [
        (["aa"], ["high", "medium"])]
    assert result["gaps_reworded"] == 1
    assert "1 Lücke ändert ihre Dringlichkeit" in result["message"]
    # the gap about the removed member went with it: counted, so that the numbers add up
    assert result["gaps_closed"] == [] and result["gaps_went"] == 1
    assert "1 Lücke betraf" in result["message"] and "selbst und entfällt damit" in \
        result["message"]
    english = compare(before, after, G, without="dd", lang="en")["message"]
    assert "1 gap was about" in english and "itself and goes with it" in english


def test_core_names_the_regional_bodies_its_k_counts():
    """Four members whose units all work with each other (a four-clique: each has 3 other
    members) and a regional agency tied to each of them: in the contact graph the five form
    a 4-core, so k_max is 4 although the core lists only 4 municipalities. The agency is
    named beside them (``core_with``): within the 5, each works with at least 4 others;
    without it, only with 3. A member with a single tie is periphery; no body besides."""
    members = ["m0", "m1", "m2", "m3"]
    actors = [actor(f"{m}-d", m) for m in [*members, "rand"]]
    actors.append(actor("agentur", None, "coordinating", "agency"))
    ties = [tie(f"{a}-d", f"{b}-d") for i, a in enumerate(members) for b in members[i + 1:]]
    ties += [tie("agentur", f"{m}-d") for m in members] + [tie("rand-d", "m0-d")]
    cp = analyse(bundle([muni(m) for m in [*members, "rand"]], actors, (), ties))[
        "core_periphery"]
    assert (cp["k_max"], cp["core"], cp["core_with"]) == (4, members, ["agentur"])
    assert (cp["middle"], cp["periphery"]) == ([], ["rand"])
    assert cp["coreness"] == {"m0": 4, "m1": 4, "m2": 4, "m3": 4, "rand": 1}
    C = nx.complete_graph([*members, "agentur"])
    nx.set_node_attributes(C, "municipality", "type")
    C.nodes["agentur"]["type"] = "actor"
    assert min(d for _n, d in C.degree()) == 4
    assert min(d for _n, d in C.subgraph(members).degree()) == 3
    C.remove_node("agentur")  # the same members without the agency: a 3-core, no body
    cp = core_periphery(C)
    assert (cp["k_max"], cp["core"], cp["core_with"]) == (3, members, [])


def test_core_periphery_lists_every_member_once():
    """A four-clique (coreness 3) with a chain d-f (coreness 1); then d joins the clique's
    3-core; then f, g, h form a triangle (coreness 2): they are neither core nor periphery
    and are listed in ``middle``, so every member is in exactly one list."""
    C = nx.Graph()
    for m in "abcdef":
        C.add_node(m, type="municipality")
    C.add_edges_from([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d"), ("a", "e"), ("e", "b"),
                      ("e", "c"), ("d", "f")])
    cp = core_periphery(C)
    assert cp["k_max"] == 3
    assert (cp["core"], cp["middle"], cp["periphery"]) == (["a", "b", "c", "e"], [],
                                                          ["d", "f"])
    C.add_edges_from([("d", "a"), ("d", "b")])
    cp = core_periphery(C)
    assert (cp["core"], cp["middle"], cp["periphery"]) == (["a", "b", "c", "d", "e"], [], ["f"])
    C.add_edge("f", "g")
    C.add_edge("g", "h")
    C.add_edge("h", "f")
    C.nodes["g"]["type"] = C.nodes["h"]["type"] = "municipality"
    cp = core_periphery(C)
    assert (cp["core"], cp["middle"], cp["periphery"]) == (["a", "b", "c", "d", "e"],
                                                          ["f", "g", "h"], [])


def test_whatif_member_cut_off_is_not_missing_data():
    """A member whose only unit is assumed is rated low while it is isolated (maybe missing
    data); cut off by a departure, it is the departure's consequence and rated like any
    known isolation (high for a member), and the scenario's gaps stay sorted by severity."""
    b = {
        "format": "kommunalnetz-bundle", "version": 1, "region": {"slug": "t", "name": "T"},
        "municipalities": [
            {"key": k, "name": k.upper(), "kind": "gemeinde", "tier": tier}
            for k, tier in (("a", "member"), ("b", "member"), ("c", "member"),
                            ("d", "supporter"))],
        "actors": [
            actor("a-cdo", "a"), actor("a-rat", "a", level="strategic", type_="council"),
            actor("b-cdo", "b"),
            {**actor("c-bm", "c", level="strategic"), "provenance": "assumed"},
            {**actor("d-bm", "d", level="strategic"), "provenance": "assumed"}],
        "initiatives": [],
        "ties": [tie("a-cdo", "a-rat"), tie("a-cdo", "b-cdo"), tie("b-cdo", "c-bm"),
                 tie("b-cdo", "d-bm")],
        "rules": []}
    isolated = analyse({**b, "ties": b["ties"][:2]})
    assert {(tuple(g["keys"]), g["severity"]) for g in isolated["gaps"]
            if g["kind"] == "isolated_member"} == {(("c",), "low"), (("d",), "low")}

    report = analyse(b, without="b-cdo")
    opened = {tuple(g["keys"]): g["severity"] for g in report["whatif"]["gaps_opened"]
              if g["kind"] == "isolated_member"}
    # b lost its only unit, c (a member) and d (a supporter) their only link
    assert opened == {("b",): "high", ("c",): "high", ("d",): "medium"}
    in_scenario = {tuple(g["keys"]): g["severity"] for g in report["gaps"]
                   if g["kind"] == "isolated_member"}
    assert in_scenario == opened
    order = ["high", "medium", "low"]
    ranks = [order.index(g["severity"]) for g in report["gaps"]]
    assert ranks == sorted(ranks)
    ranks = [order.index(g["severity"]) for g in report["whatif"]["gaps_opened"]]
    assert ranks == sorted(ranks)
