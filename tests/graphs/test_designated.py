"""A Taktgeber designated by an adopted rule (``region.taktgeber``) in the report."""

import pytest

from graphs import analyse

from .bundles import copy_of
from .test_taktgeber import project_group_vs_staff_unit


def designating(key):
    b = copy_of(project_group_vs_staff_unit())
    b["region"]["taktgeber"] = key
    return b


def without_timings(report):
    return {k: v for k, v in report.items() if k != "timings_ms"}


def test_designated_actor_is_marked_and_listed_first_without_a_whatif():
    """The project group (ranked below the Stabsstelle) is designated: it is listed first and
    marked, the computed candidates follow, and the report is not a what-if."""
    plain = analyse(project_group_vs_staff_unit())
    assert plain["taktgeber"][0]["key"] == "stadt-stab"
    assert not any(r["designated"] for r in plain["taktgeber"])
    report = analyse(designating("stadt-pg"))
    assert report["whatif"] is None
    first, second = report["taktgeber"][0], report["taktgeber"][1]
    assert (first["key"], first["designated"]) == ("stadt-pg", True)
    assert second["key"] == "stadt-stab" and not second["designated"]
    assert [r for r in report["taktgeber"] if r["designated"]] == [first]


def test_designation_counts_as_the_networks_mandate():
    """An adopted designation is the network's mandate: the project group's mandate part
    becomes 1 (0,475 -> 0,675, mandate weighs 0,20), its other parts stay those of the
    plain ranking, and it ranks by that score (first)."""
    plain = {r["key"]: r for r in analyse(project_group_vs_staff_unit())["taktgeber"]}
    first = analyse(designating("stadt-pg"))["taktgeber"][0]
    assert first["key"] == "stadt-pg" and first["designated"] and not first["assumed"]
    assert plain["stadt-pg"]["score"] == 0.475 and plain["stadt-pg"]["rank"] == 2
    assert first["score"] == first["computed_score"] == 0.675 and first["rank"] == 1
    assert first["parts"] == {**plain["stadt-pg"]["parts"], "mandate": 1.0}
    assert first["raw"]["mandate"] == "rule"
    assert "zählt als Mandat des Netzwerks" in first["explanation"]


def test_taktgeber_whatif_assumes_level_and_mandate_and_says_so():
    """The what-if "X becomes Taktgeber" boosts X's level and mandate to 1 (0,475 -> 0,75:
    level, weight 0,10, was 0,25 and mandate, weight 0,20, was 0) and explains it with
    both scores."""
    whatif = analyse(project_group_vs_staff_unit(), taktgeber="stadt-pg")
    first = whatif["taktgeber"][0]
    assert first["key"] == "stadt-pg" and first["designated"] and first["assumed"]
    assert (first["computed_score"], first["score"], first["rank"]) == (0.475, 0.75, 1)
    assert first["parts"]["level"] == first["parts"]["mandate"] == 1.0
    assert "Ebene und Mandat als erfüllt gewertet (Wert 0,75 statt " in first["explanation"]


def test_whatif_keeps_the_designation_in_its_baseline():
    """Asking "what if the Stabsstelle left" keeps the designated m3-digital marked (not
    assumed) in the scenario; its rank moves from 2 to 1 only because the Stabsstelle,
    ranked first before, is gone."""
    report = analyse(designating("m3-digital"), without="stadt-stab")
    first = report["taktgeber"][0]
    assert first["key"] == "m3-digital" and first["designated"] and not first["assumed"]
    change = next(c for c in report["whatif"]["ranking_changes"] if c["key"] == "m3-digital")
    assert (change["rank_before"], change["rank_after"]) == (2, 1)
    assert change["score_before"] == 0.541


def test_designated_must_be_an_actor():
    with pytest.raises(ValueError, match="region.taktgeber"):
        analyse(designating("m0"))


def test_whatif_message_names_the_top_of_the_table():
    """The assumed Taktgeber counts when the message names the highest score: the project
    group is listed first and has it (0,75), so the message names it, not the runner-up."""
    whatif = analyse(project_group_vs_staff_unit(), taktgeber="stadt-pg")
    assert whatif["taktgeber"][0]["rank"] == 1
    assert whatif["whatif"]["message"].endswith(
        "Den höchsten Taktgeber-Wert hat dann Projektgruppe Smart City statt Stabsstelle "
        "Digitales.")
