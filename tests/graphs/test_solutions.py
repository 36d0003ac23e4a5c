"""Solutions on hand-built networks with known answers: users, wishes, paths to the users,
re-use as experience, and the gap reuse_candidate."""

from __future__ import annotations

import json
from pathlib import Path

from graphs import analyse, build_graph, network_graph
from graphs.gaps import reuse_candidate
from graphs.solutions import is_neighbour, solution_users, solutions_report
from graphs.transfer import topic_experience

from .bundles import actor, bundle, initiative, muni, tie

SEED = Path(__file__).resolve().parents[2] / "seeds" / "swf5.json"


def solution(key, topic="mobility", maturity="production", uses=(), initiatives=(),
             owner=None):
    return {"key": key, "name": f"Lösung {key}", "topic": topic, "kind": "software",
            "owner": owner, "open_source": True, "licence": "", "maturity": maturity,
            "links": {}, "initiatives": list(initiatives), "description": "", "source": "",
            "uses": [{"municipality": m, "relation": r, "from": None, "since": None}
                     for m, r in uses]}


def chain(**solution_kwargs) -> dict:
    """a - b - c - d in a line of cooperation ties (weights 5, 4, 3); e stands alone.
    The solution is used by a, wanted by c."""
    munis = [muni(k) for k in "abcde"]
    actors = [actor(f"{k}1", k) for k in "abcde"]
    ties = [tie("a1", "b1", weight=5), tie("b1", "c1", weight=4), tie("c1", "d1", weight=3)]
    doc = bundle(munis, actors, (), ties)
    doc["solutions"] = [solution("s", uses=[("a", "uses"), ("c", "wants")],
                                 **solution_kwargs)]
    return doc


def report_of(doc: dict) -> list:
    G = build_graph(doc)
    return solutions_report(G, network_graph(G))


def test_users_and_wishes():
    """Who uses a solution: uses and reused_from; who wants it: wants, unless using it."""
    assert solution_users({"uses": [
        {"municipality": "a", "relation": "uses"},
        {"municipality": "b", "relation": "reused_from"},
        {"municipality": "b", "relation": "wants"},
        {"municipality": "c", "relation": "wants"}]}) == (["a", "b"], ["c"])


def test_paths_end_at_the_users_wanting_first():
    """Every other member reaches the user a over the chain; c, who wants it, comes first;
    lengths are 6 - weight per tie plus 0.5 for each step between unit and municipality."""
    [entry] = report_of(chain())
    assert entry["users"] == ["a"] and entry["wanting"] == ["c"]
    assert entry["candidates"] == ["c", "b", "d", "e"]
    by_target = {p["to"]: p for p in entry["paths"]}
    assert [p["to"] for p in entry["paths"]] == ["c", "b", "d"]
    assert by_target["b"]["length"] == 2.0          # 0.5 + (6-5) + 0.5
    assert by_target["c"]["length"] == 4.0          # + (6-4)
    assert by_target["d"]["length"] == 7.0          # + (6-3)
    assert by_target["c"]["via"] == ["b1"] and by_target["c"]["wants"] is True
    assert all(p["from"] == "a" and p["unit"] == "a1" for p in entry["paths"])
    assert entry["unreachable"] == ["e"]


def test_nearer_user_is_chosen():
    """With a second user d, c's path goes to d when d is nearer (tie 5 instead of 4)."""
    doc = chain()
    doc["ties"][2]["weight"] = 5
    doc["solutions"][0]["uses"].append({"municipality": "d", "relation": "reused_from",
                                        "from": "a", "since": None})
    [entry] = report_of(doc)
    by_target = {p["to"]: p for p in entry["paths"]}
    assert by_target["c"]["from"] == "d" and by_target["c"]["length"] == 2.0
    assert by_target["b"]["from"] == "a"


def test_reuse_counts_as_experience():
    """A municipality running a solution has experience in its topic, through its actors;
    an initiative role outranks it."""
    doc = chain()
    G = build_graph(doc)
    assert topic_experience(G) == {"mobility": {"a": ["a1"]}}
    transfer = analyse(doc, today="2026-01-01")["transfer"]
    assert [t["topic"] for t in transfer] == ["mobility"]
    assert transfer[0]["sources"] == ["a"]


def test_neighbours():
    assert is_neighbour({"district": "K"}, {"district": "K", "lat": 54.0, "lon": 9.0})
    assert not is_neighbour({"district": ""}, {"district": ""})
    assert is_neighbour({"lat": 51.0, "lon": 8.0}, {"lat": 51.4, "lon": 8.0})   # 44 km
    assert not is_neighbour({"lat": 51.0, "lon": 8.0}, {"lat": 51.5, "lon": 8.0})  # 56 km


def candidate_network(maturity="production", status="planned", district="Kreis Test"):
    """b builds on mobility (its initiative); a, in b's Kreis, runs a mature solution."""
    munis = [muni("a"), muni("b", district=district), muni("c")]
    for m in munis:
        m["lat"], m["lon"] = 51.0, 7.9
    munis[1]["lat"] = 52.0 if district != "Kreis Test" else 51.0  # 111 km away when elsewhere
    actors = [actor("a1", "a"), actor("b1", "b"), actor("c1", "c")]
    doc = bundle(munis, actors, [initiative("b-bau", "mobility", status, ("b1", "lead"))])
    doc["solutions"] = [solution("s", maturity=maturity, uses=[("a", "uses")])]
    return doc


def gaps_of(doc):
    G = build_graph(doc)
    return reuse_candidate(G, {"lang": "de"})


def test_reuse_candidate_known_answer():
    [gap] = gaps_of(candidate_network())
    assert gap["kind"] == "reuse_candidate"
    assert gap["keys"] == ["b", "b-bau"] and gap["solutions"] == ["s"]
    assert gap["neighbours"] == ["a"] and gap["severity"] == "medium"
    assert "Lösung s" in gap["message"] and "Initiative b-bau" in gap["message"]


def test_reuse_candidate_needs_maturity_neighbourhood_and_building():
    assert gaps_of(candidate_network(status="running"))[0]["severity"] == "low"
    assert gaps_of(candidate_network(maturity="pilot")) == []
    assert gaps_of(candidate_network(status="completed")) == []
    assert gaps_of(candidate_network(district="Anderer Kreis")) == []


def test_reuse_candidate_not_for_users_or_the_building_initiative():
    doc = candidate_network()
    doc["solutions"][0]["uses"].append({"municipality": "b", "relation": "uses"})
    assert gaps_of(doc) == []
    doc = candidate_network()
    doc["solutions"][0]["initiatives"] = ["b-bau"]
    assert gaps_of(doc) == []


def test_demo_data_platform_and_dorf_dashboards():
    """On the demo: the data platform runs in the five pioneer towns; every other member
    reaches one of them; Arnsberg's participation lab is a re-use candidate for the
    Dorf-Dashboards of Bad Berleburg (46 km away)."""
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    report = analyse(doc, today="2026-01-01")
    entries = {s["key"]: s for s in report["solutions"]}
    platform = entries["datenplattform"]
    assert platform["users"] == ["arnsberg", "bad-berleburg", "menden", "olpe", "soest"]
    assert platform["paths"] and all(p["from"] in platform["users"]
                                     for p in platform["paths"])
    assert "burbach" in entries["dorf-dashboards"]["neighbours"]
    assert entries["dorf-dashboards"]["neighbours"]["burbach"] == ["bad-berleburg"]
    reuse = [g for g in report["gaps"] if g["kind"] == "reuse_candidate"]
    assert any("arnsberg" in g["keys"] and "dorf-dashboards" in g["solutions"] for g in reuse)
