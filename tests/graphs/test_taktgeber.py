"""Taktgeber ranking: the explained score, its parts, and who should win."""

import networkx as nx
import pytest

import graphs.taktgeber as taktgeber
from graphs import SCORE_EXPLANATION, WEIGHTS, analyse, build_graph
from graphs.build import network_graph, nodes_of_type
from graphs.taktgeber import (
    candidates,
    check_weights,
    efficiency_losses,
    mandate_kind,
    mandate_part,
    members_within_two_steps,
    rank_ranges,
    rank_taktgeber,
    takt_parts,
    weights_in_force,
)

from .bundles import actor, bundle, fmt, muni, rule, tie


def rank(b, **kwargs):
    G = build_graph(b)
    return rank_taktgeber(G, network_graph(G), **kwargs)


def star(n=6):
    """A regional agency tied to the only unit of each of ``n`` members."""
    munis = [muni(f"m{i}") for i in range(n)]
    actors = [actor(f"m{i}-digital", f"m{i}", fte=1) for i in range(n)]
    actors.append(actor("agentur", None, "coordinating", "agency", fte=1))
    ties = [tie("agentur", f"m{i}-digital") for i in range(n)]
    return bundle(munis, actors, (), ties)


def test_star_centre_is_taktgeber():
    ranking = rank(star())["ranking"]
    assert ranking[0]["key"] == "agentur"
    assert ranking[0]["parts"]["brokerage"] == 1.0
    assert ranking[0]["parts"]["loss"] == 1.0
    assert all(r["parts"]["brokerage"] == 0.0 for r in ranking[1:])


def project_group_vs_staff_unit():
    """The project group links every member but has no staff and no mandate; the
    Stabsstelle has the network's mandate (from its steering committee, a regional
    strategic body) and 3 FTE but fewer links."""
    munis = [muni("stadt", kind="kreisfreie_stadt", population=90_000)] + [
        muni(f"m{i}") for i in range(5)]
    actors = [
        actor("stadt-rat", "stadt", "strategic", "council"),
        actor("stadt-stab", "stadt", "coordinating", "staff_unit", fte=3,
              name="Stabsstelle Digitales"),
        actor("stadt-pg", "stadt", "operational", "project_group", fte=0,
              name="Projektgruppe Smart City"),
    ] + [actor(f"m{i}-digital", f"m{i}", fte=1) for i in range(5)]
    actors.append(actor("lenkung", None, "strategic", "committee", name="Lenkungskreis"))
    ties = [tie("stadt-rat", "stadt-stab", "mandate", 5), tie("stadt-stab", "stadt-pg"),
            tie("lenkung", "stadt-stab", "mandate", 5)]
    ties += [tie("stadt-pg", f"m{i}-digital", weight=3) for i in range(5)]
    ties += [tie("stadt-stab", f"m{i}-digital") for i in range(2)]
    return bundle(munis, actors, (), ties)


def test_raw_betweenness_alone_does_not_win():
    """A project group with the highest betweenness but no staff and no mandate must not
    outrank the staffed, mandated Stabsstelle that actually steers."""
    ranking = {r["key"]: r for r in rank(project_group_vs_staff_unit())["ranking"]}
    pg, stab = ranking["stadt-pg"], ranking["stadt-stab"]
    assert pg["raw"]["betweenness"] > stab["raw"]["betweenness"]
    assert pg["parts"]["brokerage"] == 1.0 > stab["parts"]["brokerage"]
    assert pg["parts"]["mandate"] == 0.0 and pg["parts"]["capacity"] == 0.0
    assert stab["parts"]["mandate"] == 1.0 and stab["parts"]["capacity"] == 0.6
    assert stab["rank"] == 1 and stab["score"] > pg["score"]
    assert pg["explanation"] == (
        "Projektgruppe Smart City – Stärke: Vermittlung zwischen Kommunen mit 1,00 (liegt auf "
        "63 % der kürzesten Wege zwischen Mitgliedskommunen, 23-mal Vermittlung zwischen "
        "Gruppen); Schwäche: Mandat mit 0,00 (kein Mandat der politischen Ebene). Rang 2 auch "
        "bei ±25 % für jedes Gewicht.")


def test_parts_and_score():
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    for r in rank(project_group_vs_staff_unit())["ranking"]:
        assert set(r["parts"]) == set(WEIGHTS)
        assert all(0.0 <= v <= 1.0 for v in r["parts"].values())
        assert r["score"] == pytest.approx(
            sum(WEIGHTS[p] * v for p, v in r["parts"].items()), abs=1e-3)
        assert r["explanation"].startswith(r["name"])
    assert "Mandat" in SCORE_EXPLANATION["de"] and "Mandate" in SCORE_EXPLANATION["en"]


def test_candidates():
    G = build_graph(project_group_vs_staff_unit())
    assert candidates(G) == ["m0-digital", "m1-digital", "m2-digital", "m3-digital",
                             "m4-digital", "stadt-pg", "stadt-stab"]
    assert "stadt-rat" in candidates(G, designated="stadt-rat")


def test_mandate_part():
    """Own council: half; another level, funding from one municipality or a reporting
    line: a quarter; none: 0."""
    b = bundle([muni("aa")], [
        actor("rat", "aa", "strategic", "council"), actor("stab", "aa"),
        actor("amt", "aa", "operational", "department"), actor("agentur", None, type_="agency"),
        actor("lotsen", "aa", "operational"), actor("cdo", "aa", type_="cdo"),
        actor("bericht", "aa"),
    ], (), [tie("rat", "stab", "mandate"), tie("amt", "lotsen", "mandate"),
            tie("amt", "agentur", "mandate"), tie("rat", "cdo", "funding"),
            tie("bericht", "rat", "reporting")])
    G = build_graph(b)
    assert mandate_part(G, "stab") == 0.5  # from its own council: that municipality only
    assert mandate_kind(G, "stab") == "own"
    assert mandate_part(G, "agentur") == 0.25  # a mandate from another level
    assert mandate_part(G, "lotsen") == 0.25
    assert mandate_part(G, "cdo") == 0.25  # funded by one municipality's political level
    assert mandate_part(G, "bericht") == 0.25  # reports to the political level
    assert mandate_part(G, "amt") == 0.0 and mandate_kind(G, "rat") is None
    assert mandate_part(G, "amt", designated="amt") == 1.0  # named by an adopted rule


def test_network_mandate():
    """A mandate or funding from the political level of two members, or from a Landkreis
    for its Gemeinden, or from a regional body, is the network's mandate (1); a Landkreis
    without member Gemeinden in the network speaks for one municipality only."""
    munis = [muni("aa"), muni("bb"), muni("kreis", kind="landkreis", tier="supporter"),
             muni("anderswo", kind="landkreis", tier="supporter", district="Kreis Fern")]
    munis[2]["name"] = "Kreis Test"  # the district of aa and bb
    actors = [actor("aa-rat", "aa", "strategic", "council"),
              actor("bb-rat", "bb", "strategic", "council"),
              actor("kreistag", "kreis", "strategic", "council"),
              actor("anderer-kreistag", "anderswo", "strategic", "council"),
              actor("lenkung", None, "strategic", "steering_group"),
              actor("zwei", None, type_="agency"), actor("kreisweit", None, type_="agency"),
              actor("regional", None, type_="agency"), actor("fern", None, type_="agency")]
    ties = [tie("aa-rat", "zwei", "mandate"), tie("bb-rat", "zwei", "funding"),
            tie("kreistag", "kreisweit", "mandate"), tie("lenkung", "regional", "mandate"),
            tie("anderer-kreistag", "fern", "mandate")]
    G = build_graph(bundle(munis, actors, (), ties))
    assert [mandate_kind(G, a) for a in ("zwei", "kreisweit", "regional", "fern")] == [
        "network", "network", "network", "own"]


def test_check_weights():
    assert check_weights({"brokerage": 0.5, "mandate": 0.25, "takt": 0.25}) == []
    assert check_weights({"mandate": 1}) == []
    assert check_weights({"brokerage": 0.5, "mandate": 0.4}) == [
        "Die Gewichte müssen zusammen 1 ergeben (sie ergeben 0,90)."]
    assert check_weights({"charm": 1.0}) == [
        "Unbekannter Teil „charm“ (erlaubt: brokerage, mandate, capacity, takt, loss, "
        "coverage, level, reach)."]
    assert check_weights({"brokerage": -0.5, "mandate": 1.5}) == [
        "Das Gewicht von „brokerage“ muss eine Zahl ab 0 sein."]
    assert check_weights({"brokerage": True}) == [
        "Das Gewicht von „brokerage“ muss eine Zahl ab 0 sein."]
    assert check_weights({"brokerage": float("nan")}) == [
        "Das Gewicht von „brokerage“ muss eine Zahl ab 0 sein."]
    assert check_weights([0.5, 0.5]) == check_weights({}) == [
        "Gewichte: bitte je Teil eine Zahl angeben (z. B. brokerage: 0.3)."]
    assert check_weights({"loss": 2}, lang="en") == [
        "The weights must add up to 1 (they add up to 2.00)."]
    with pytest.raises(ValueError, match="zusammen 1"):
        rank(star(), weights={"brokerage": 0.5})


def test_weights_in_force():
    """The latest adopted criteria rule with valid weights sets them; drafts, older and
    invalid rules do not."""
    assert weights_in_force([]) == (WEIGHTS, None)
    rules = [rule("alt", "criteria", decided_at="2024-01-01T00:00:00",
                  weights={"brokerage": 1.0}),
             rule("neu", "criteria", decided_at="2025-01-01T00:00:00",
                  weights={"mandate": 0.5, "capacity": 0.5}),
             rule("kaputt", "criteria", decided_at="2026-01-01T00:00:00",
                  weights={"mandate": 0.5}),
             rule("entwurf", "criteria", status="draft", weights={"loss": 1.0})]
    weights, key = weights_in_force(rules)
    assert key == "neu"
    assert weights == {"brokerage": 0.0, "mandate": 0.5, "capacity": 0.5, "takt": 0.0,
                       "loss": 0.0, "coverage": 0.0, "level": 0.0, "reach": 0.0}


def test_criteria_rule_changes_the_ranking_and_the_report_cites_it():
    """With the default weights the Stabsstelle leads; a network that adopts brokerage and
    loss as its only criteria puts the project group first, and the report names the rule
    and its weights."""
    b = project_group_vs_staff_unit()
    plain = analyse(b)
    assert (plain["weights"], plain["weights_rule"]) == (WEIGHTS, None)
    assert plain["taktgeber"][0]["key"] == "stadt-stab"
    b["rules"] = [rule("kriterien", "criteria", weights={"brokerage": 0.6, "loss": 0.4})]
    report = analyse(b)
    assert report["weights_rule"] == "kriterien"
    assert report["weights"]["brokerage"] == 0.6 and report["weights"]["mandate"] == 0.0
    first = report["taktgeber"][0]
    assert (first["key"], first["score"], first["rank_range"]) == ("stadt-pg", 1.0, [1, 1])
    assert "Mandat" not in first["explanation"]  # parts of weight 0 are not named


def test_rank_range():
    """Two candidates that swap places when one weight moves by 25 %, one far behind."""
    parts = {"a": {"brokerage": 1.0, "mandate": 0.0}, "b": {"brokerage": 0.0, "mandate": 0.9},
             "c": {"brokerage": 0.1, "mandate": 0.1}}
    assert rank_ranges(parts, {"brokerage": 0.5, "mandate": 0.5}) == {
        "a": [1, 2], "b": [1, 2], "c": [3, 3]}
    assert rank_ranges(parts, {"brokerage": 0.5, "mandate": 0.5}, change=0.0) == {
        "a": [1, 1], "b": [2, 2], "c": [3, 3]}
    for r in rank(project_group_vs_staff_unit())["ranking"]:
        assert r["rank_range"][0] <= r["rank"] <= r["rank_range"][1]


def test_rank_range_in_the_explanation():
    ranking = rank(project_group_vs_staff_unit(),
                   weights={"brokerage": 0.5, "mandate": 0.5})["ranking"]
    stab, pg = ranking[0], ranking[1]
    assert (stab["key"], stab["rank_range"], pg["rank_range"]) == ("stadt-stab", [1, 2],
                                                                   [1, 2])
    assert stab["explanation"].endswith(" Rang 1–2, wenn sich ein Gewicht um ±25 % ändert.")


def test_takt_part():
    """A monthly jour fixe of the agency with all six members gives 0,75, a yearly one of
    two members adds 0,25 · 2/6; a one-off event, one with a single municipality, or an
    ended one adds nothing."""
    b = star(6)
    members = [f"m{i}-digital" for i in range(6)]
    b["formats"] = [fmt("jf", "agentur", members),
                    fmt("jahr", "agentur", members[:2], cadence="yearly"),
                    fmt("schule", "agentur", members, cadence="once", kind="training"),
                    fmt("allein", "m0-digital", [], cadence="weekly"),
                    fmt("alt", "agentur", members, cadence="weekly", until="2020-12-31")]
    G = build_graph(b)
    found = takt_parts(G, ["agentur", "m0-digital"], today="2026-01-01")
    assert found["agentur"] == (pytest.approx(0.75 + 0.25 * 2 / 6), 2)
    assert found["m0-digital"] == (0.0, 0)
    ranking = {r["key"]: r for r in analyse(b, today="2026-01-01")["taktgeber"]}
    assert ranking["agentur"]["parts"]["takt"] == 0.8333
    assert ranking["agentur"]["raw"]["formats_convened"] == 2


def test_isolated_members_are_no_communities_for_coverage():
    """Two newcomers without ties do not lower anyone's coverage."""
    before = {r["key"]: r["parts"]["coverage"] for r in analyse(star(4))["taktgeber"]}
    b = star(4)
    b["municipalities"] += [muni("neu1"), muni("neu2")]
    after = {r["key"]: r["parts"]["coverage"] for r in analyse(b)["taktgeber"]}
    assert before == after == {k: 1.0 for k in before}


def two_groups_and_a_newcomer():
    """Two groups of members, x1-x4 (a triangle x1, x2, x3 with x4 hanging on x2) and the
    triangle y1-y3, joined by one weak tie x1-y1, and a member "solo" without any tie: three
    communities, two of them in the connected network."""
    munis = [muni(k) for k in ("x1", "x2", "x3", "x4", "y1", "y2", "y3", "solo")]
    actors = [actor(f"{m['key']}-d", m["key"], fte=1) for m in munis]
    ties = [tie("x1-d", "x2-d"), tie("x2-d", "x3-d"), tie("x1-d", "x3-d"), tie("x4-d", "x2-d"),
            tie("y1-d", "y2-d"), tie("y2-d", "y3-d"), tie("y1-d", "y3-d"),
            tie("x1-d", "y1-d", weight=1)]
    return bundle(munis, actors, (), ties)


def test_coverage_counts_the_communities_of_the_connected_network():
    """The report counts 3 communities (solo is one of its own), coverage only the 2 of the
    connected network: x1-d reaches both (1.0), x4-d only its own (x4, x2, x1, x3: 1 of 2,
    0.5), solo-d none. The raw figures say "of 2" for everyone, and so does the sentence."""
    report = analyse(two_groups_and_a_newcomer())
    assert report["communities"] == [["x1", "x2", "x3", "x4"], ["y1", "y2", "y3"], ["solo"]]
    assert report["summary"]["communities"] == 3
    rows = {r["key"]: r for r in report["taktgeber"]}
    expected = {"x1-d": (2, 1.0), "x2-d": (2, 1.0), "x3-d": (2, 1.0), "y1-d": (2, 1.0),
                "y2-d": (2, 1.0), "y3-d": (2, 1.0), "x4-d": (1, 0.5), "solo-d": (0, 0.0)}
    assert {k: (r["raw"]["communities_reached"], r["parts"]["coverage"])
            for k, r in rows.items()} == expected
    assert {r["raw"]["communities_counted"] for r in rows.values()} == {2}
    only_coverage = {p: 1.0 if p == "coverage" else 0.0 for p in WEIGHTS}
    ranked = {r["key"]: r for r in rank(two_groups_and_a_newcomer(),
                                        community_of=report_communities(report),
                                        weights=only_coverage)["ranking"]}
    assert "(erreicht 1 von 2 Teilnetzen des zusammenhängenden Netzes)" in \
        ranked["x4-d"]["explanation"]
    english = rank(two_groups_and_a_newcomer(), community_of=report_communities(report),
                   weights=only_coverage, lang="en")["ranking"]
    assert "(reaches 2 of the connected network's 2 communities)" in english[0]["explanation"]


def report_communities(report):
    return {m: i for i, members in enumerate(report["communities"]) for m in members}


def test_candidate_assumed_share():
    """The agency with 6 ties, one of them assumed: 1 of 7 records."""
    b = star(6)
    b["ties"][0]["provenance"] = "assumed"
    top = analyse(b)["taktgeber"][0]
    assert (top["key"], top["assumed_share"]) == ("agentur", 0.1429)
    assert top["explanation"].endswith("Beruht zu 14 % auf angenommenen Angaben.")


def test_members_within_two_steps():
    G = build_graph(star(4))
    reach = members_within_two_steps(G, ["agentur", "m0-digital"])
    assert reach["agentur"] == {"m0", "m1", "m2", "m3"}
    assert reach["m0-digital"] == {"m0", "m1", "m2", "m3"}  # via the agency


def brute_force_loss(U, actor_key):
    munis = nodes_of_type(U, "municipality")

    def efficiency(H):
        total = 0.0
        for m in munis:
            lengths = nx.single_source_shortest_path_length(H, m)
            total += sum(1 / lengths[t] for t in munis if t in lengths and t != m)
        return total

    H = U.copy()
    H.remove_node(actor_key)
    return efficiency(U) - efficiency(H), efficiency(U)


def test_efficiency_losses_exact():
    U = network_graph(build_graph(project_group_vs_staff_unit()))
    actors = nodes_of_type(U, "actor")
    found = efficiency_losses(U, actors)
    for a in actors:
        assert found[a] == pytest.approx(brute_force_loss(U, a))


def test_loss_in_large_networks_counts_pairs_cut(monkeypatch):
    """Above LOSS_EXACT_NODES the loss is the number of municipality pairs a candidate's
    departure disconnects (a component-size loss)."""
    monkeypatch.setattr(taktgeber, "LOSS_EXACT_NODES", 5)
    result = rank(star(6))
    assert result["method"]["loss"] == "pairs cut"
    ranking = {r["key"]: r for r in result["ranking"]}
    assert ranking["agentur"]["raw"]["pairs_cut"] == 15  # 6 members, all pairs
    assert ranking["agentur"]["parts"]["loss"] == 1.0
    assert ranking["m0-digital"]["raw"]["pairs_cut"] == 5  # its own municipality, cut off
    assert ranking["m0-digital"]["raw"]["efficiency_drop"] == round(5 / 15, 4)


def test_designated_taktgeber_first():
    """A designated actor is listed first; its rule is the network's mandate (part 1), so it
    ranks second by score (0,441) behind the Stabsstelle; assumed (the what-if), its level
    and mandate count as 1 and ``computed_score`` keeps the score without the rule."""
    ranking = rank(project_group_vs_staff_unit(), designated="m3-digital")["ranking"]
    first = ranking[0]
    assert first["key"] == "m3-digital" and first["designated"] is True
    assert (first["parts"]["mandate"], first["parts"]["level"], first["rank"]) == (1.0, 1.0, 2)
    assert first["score"] == first["computed_score"] == 0.441 and not first["assumed"]
    assert "als Taktgeber benannt" in first["explanation"]
    assert not any(r["designated"] for r in ranking[1:])
    assert [r["rank"] for r in ranking[1:]] == [1, 3, 4, 5, 6, 7]
    assumed = rank(project_group_vs_staff_unit(), designated="m3-digital",
                   assumed=True)["ranking"][0]
    assert assumed["parts"]["mandate"] == 1.0 and assumed["assumed"]
    assert (assumed["computed_score"], assumed["score"]) == (0.241, 0.441)
    assert "als erfüllt gewertet" in assumed["explanation"]
    with pytest.raises(ValueError, match="not an actor"):
        rank(project_group_vs_staff_unit(), designated="stadt")


def test_sampled_betweenness_is_seeded_and_reported(monkeypatch):
    monkeypatch.setattr(taktgeber, "EXACT_SOURCES_MAX", 3)
    monkeypatch.setattr(taktgeber, "SAMPLE_SOURCES", 4)
    first = rank(project_group_vs_staff_unit(), seed=7)
    assert first["method"]["betweenness"] == "sampled" and first["method"]["sources"] == 4
    assert first["method"]["error_bound"] > 0
    assert first == rank(project_group_vs_staff_unit(), seed=7)
    exact = rank(project_group_vs_staff_unit(), exact=True)
    assert exact["method"]["betweenness"] == "exact"
