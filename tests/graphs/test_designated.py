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


def test_designation_is_the_same_as_the_taktgeber_whatif_scenario():
    """The designated report equals the scenario of the what-if "X becomes Taktgeber"."""
    designated = analyse(designating("stadt-pg"))
    whatif = analyse(project_group_vs_staff_unit(), taktgeber="stadt-pg")
    assert whatif["whatif"] is not None
    assert without_timings(designated) == {**without_timings(whatif), "whatif": None}


def test_whatif_keeps_the_designation_in_its_baseline():
    """Asking "what if the Stabsstelle left" keeps the designated project group marked in
    both the baseline and the scenario, so nothing changes about the designation itself."""
    report = analyse(designating("stadt-pg"), without="stadt-stab")
    assert report["taktgeber"][0]["key"] == "stadt-pg" and report["taktgeber"][0]["designated"]
    assert not any(c["key"] == "stadt-pg" and c["rank_before"] != c["rank_after"]
                   for c in report["whatif"]["ranking_changes"])


def test_designated_must_be_an_actor():
    with pytest.raises(ValueError, match="region.taktgeber"):
        analyse(designating("m0"))
