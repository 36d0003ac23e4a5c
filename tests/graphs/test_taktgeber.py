"""Taktgeber ranking: the explained score, its parts, and who should win."""

import networkx as nx
import pytest

import graphs.taktgeber as taktgeber
from graphs import SCORE_EXPLANATION, WEIGHTS, build_graph
from graphs.build import network_graph, nodes_of_type
from graphs.taktgeber import (
    candidates,
    efficiency_losses,
    mandate_part,
    members_within_two_steps,
    rank_taktgeber,
)

from .bundles import actor, bundle, muni, tie


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
    Stabsstelle has a council mandate and 3 FTE but fewer links."""
    munis = [muni("stadt", kind="kreisfreie_stadt", population=90_000)] + [
        muni(f"m{i}") for i in range(5)]
    actors = [
        actor("stadt-rat", "stadt", "strategic", "council"),
        actor("stadt-stab", "stadt", "coordinating", "staff_unit", fte=3,
              name="Stabsstelle Digitales"),
        actor("stadt-pg", "stadt", "operational", "project_group", fte=0,
              name="Projektgruppe Smart City"),
    ] + [actor(f"m{i}-digital", f"m{i}", fte=1) for i in range(5)]
    ties = [tie("stadt-rat", "stadt-stab", "mandate", 5), tie("stadt-stab", "stadt-pg")]
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
    assert "am schwächsten bei Mandat" in pg["explanation"]
    assert "am stärksten bei Vermittlung zwischen Kommunen" in pg["explanation"]


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
    b = bundle([muni("aa")], [
        actor("rat", "aa", "strategic", "council"), actor("stab", "aa"),
        actor("amt", "aa", "operational", "department"), actor("agentur", None, type_="agency"),
        actor("kreis", None, "strategic", "council"), actor("lotsen", "aa", "operational"),
        actor("cdo", "aa", type_="cdo"),
    ], (), [tie("rat", "stab", "mandate"), tie("amt", "lotsen", "mandate"),
            tie("amt", "agentur", "mandate"), tie("kreis", "cdo", "funding"),
            tie("stab", "rat", "reporting")])
    G = build_graph(b)
    assert mandate_part(G, "stab") == 1.0  # from the council
    assert mandate_part(G, "agentur") == 1.0  # regional body with a mandate
    assert mandate_part(G, "lotsen") == 0.5  # mandate from another level
    assert mandate_part(G, "cdo") == 0.5  # funded by the political level
    assert mandate_part(G, "amt") == 0.0
    assert mandate_part(G, "rat") == 0.0


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
    """A designated actor is listed first with its computed parts and rank (6: m3-digital
    ties with four others at 0,391 and sorts after them by key); assumed (the what-if),
    its level and mandate count as 1 and it ranks by the boosted score."""
    ranking = rank(project_group_vs_staff_unit(), designated="m3-digital")["ranking"]
    first = ranking[0]
    assert first["key"] == "m3-digital" and first["designated"] is True
    assert (first["parts"]["mandate"], first["parts"]["level"], first["rank"]) == (0.0, 1.0, 6)
    assert first["score"] == first["computed_score"] and not first["assumed"]
    assert "als Taktgeber vorgesehen" in first["explanation"]
    assert not any(r["designated"] for r in ranking[1:])
    assert [r["rank"] for r in ranking[1:]] == [1, 2, 3, 4, 5, 7]
    assumed = rank(project_group_vs_staff_unit(), designated="m3-digital",
                   assumed=True)["ranking"][0]
    assert assumed["parts"]["mandate"] == 1.0 and assumed["assumed"]
    assert assumed["score"] == round(assumed["computed_score"] + 0.2, 4)
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
