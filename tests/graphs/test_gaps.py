"""Coordination gaps: planted gaps are found, a clean network has none, no noise."""

import pytest

from graphs import GAP_DETECTORS, GAP_KINDS, analyse
from graphs.gaps import NETWORK_KINDS

from .bundles import (
    actor,
    bundle,
    clean_network,
    copy_of,
    full_member,
    initiative,
    muni,
    settle,
    tie,
    vote_all,
)


def gaps(b, kind=None):
    found = analyse(b)["gaps"]
    return [g for g in found if kind is None or g["kind"] == kind]


def test_registry_has_every_kind():
    assert GAP_KINDS == ("missing_level", "isolated_member", "single_municipality_initiative",
                         "initiative_without_lead", "articulation_point", "bridge",
                         "weak_community_link", "topic_gap", "reuse_candidate", "overloaded_actor",
                         "missing_data", "sector_gap", "no_designated_taktgeber",
                         "unvoted_charter", "funding_end")
    assert all(callable(f) for f in GAP_DETECTORS.values())


def test_clean_network_has_no_gaps():
    assert gaps(clean_network()) == []


def without_unit(b, key):
    """``b`` without actor ``key`` and its ties."""
    b["actors"] = [a for a in b["actors"] if a["key"] != key]
    b["ties"] = [t for t in b["ties"] if key not in (t["source"], t["target"])]
    return b


def test_missing_level_planted():
    found = gaps(without_unit(clean_network(), "bb-digital"), "missing_level")
    assert [(g["keys"], g["severity"]) for g in found] == [(["bb"], "high")]
    message = found[0]["message"]
    assert message.startswith("Bb fehlt die koordinierende Ebene (z. B. Stabsstelle, CDO")
    assert "Eine koordinierende Stelle benennen" in message


def test_missing_level_not_for_supporters_and_covered_by_mandate():
    b = clean_network()
    b["municipalities"].append(muni("kreis", kind="landkreis", tier="supporter"))
    b["actors"].append(actor("kreis-rat", "kreis", "strategic", "council"))
    b["ties"].append(tie("kreis-rat", "aa-rat"))
    assert gaps(b, "missing_level") == []  # a supporter need not have all three levels
    b = clean_network()
    b["actors"] = [a for a in b["actors"] if a["key"] != "bb-digital"]
    b["ties"] = [t for t in b["ties"] if "bb-digital" not in (t["source"], t["target"])]
    b["actors"].append(actor("agentur", None, "coordinating", "agency", fte=3,
                             name="Regionalagentur"))
    b["ties"] += [tie("agentur", "aa-digital"), tie("agentur", "cc-digital")]
    message = gaps(b, "missing_level")[0]["message"]
    assert "oder die Regionalagentur beauftragen" in message
    b["ties"].append(tie("bb-rat", "agentur", "mandate", 5))  # the council delegates
    assert gaps(b, "missing_level") == []


def test_isolated_member_planted():
    b = clean_network()
    m, actors, ties = full_member("ee", tier="member")
    b["municipalities"].append(m)
    b["actors"] += actors
    b["ties"] += ties
    b["municipalities"].append(muni("ff", tier="supporter"))
    found = gaps(b, "isolated_member")
    # ee has documented units: a real isolation; ff has none: maybe missing data only
    assert [(g["keys"], g["severity"]) for g in found] == [(["ee"], "high"), (["ff"], "low")]
    assert "nicht verbunden" in found[0]["message"]
    assert "keine Akteure" in found[1]["message"]


def test_isolated_members_together_are_one_gap():
    b = clean_network()
    for key in ("ee", "gg"):
        m, actors, ties = full_member(key)
        b["municipalities"].append(m)
        b["actors"] += actors
        b["ties"] += ties
    b["ties"].append(tie("ee-digital", "gg-digital"))
    found = gaps(b, "isolated_member")
    assert [g["keys"] for g in found] == [["ee", "gg"]]
    assert "nur untereinander" in found[0]["message"]


def hub_network():
    """Clean network plus 'hub', an actor of aa through which members ee and gg hang on by
    two ties each (no bridge): hub is a cut point; ee and gg are complete members."""
    b = clean_network()
    b["actors"].append(actor("hub", "aa", "operational", "project_group", fte=1,
                             name="Projektgruppe Anbindung"))
    b["ties"] += [tie("aa-digital", "hub"), tie("aa-amt", "hub")]
    for key in ("ee", "gg"):
        m, actors, ties = full_member(key)
        b["municipalities"].append(m)
        b["actors"] += actors
        b["ties"] += ties + [tie("hub", f"{key}-digital"), tie("hub", f"{key}-amt")]
    return vote_all(b)


def test_articulation_point_planted():
    found = gaps(hub_network())
    assert [(g["kind"], g["keys"], g["severity"]) for g in found] == [
        ("articulation_point", ["hub"], "high")]
    assert found[0]["message"].startswith(
        "Fällt die Projektgruppe Anbindung weg, sind Ee und Gg vom Netzwerk abgeschnitten.")


def test_leaf_is_not_a_point_of_failure():
    b = clean_network()
    b["actors"].append(actor("verein", None, "operational", "association"))
    b["ties"].append(tie("verein", "aa-digital"))  # a pendant partner
    assert gaps(b) == []


def test_bridge_groups_its_endpoints():
    """ee hangs on one tie from aa-digital to ee-digital: one bridge gap, no cut points."""
    b = clean_network()
    m, actors, ties = full_member("ee")
    b["municipalities"].append(m)
    b["actors"] += actors
    b["ties"] += ties + [tie("ee-digital", "ee-amt"), tie("aa-digital", "ee-digital", weight=3)]
    found = gaps(vote_all(b))
    assert [(g["kind"], g["keys"], g["severity"]) for g in found] == [
        ("bridge", ["aa-digital", "ee-digital"], "high")]
    assert found[0]["message"].startswith(
        "Ee hängt nur an der Verbindung zwischen der Stabsstelle aa und der Stabsstelle ee")


def test_single_municipality_initiative_and_missing_lead():
    b = clean_network()
    b["initiatives"] += [
        initiative("solo", "education", "planned", ("aa-digital", "lead"), ("aa-amt", "partner")),
        initiative("leer", "security", "running", ("aa-digital", "partner"),
                   ("bb-digital", "partner")),
        initiative("alt", "security", "completed", ("aa-digital", "partner")),
    ]
    found = gaps(b)
    kinds = {(g["kind"], tuple(g["keys"]), g["severity"]) for g in found}
    assert ("single_municipality_initiative", ("solo",), "medium") in kinds
    assert ("initiative_without_lead", ("leer",), "high") in kinds
    assert not any("alt" in g["keys"] for g in found)  # completed initiatives are done
    lead = next(g for g in found if g["kind"] == "initiative_without_lead")
    # both partners are coordinating units with 2 FTE; aa already leads two initiatives, but
    # its Stabsstelle took part in the completed security initiative: experience comes first
    assert lead["message"].endswith("z. B. die Stabsstelle aa (Erfahrung mit dem Thema).")
    b["initiatives"] = [i for i in b["initiatives"] if i["key"] != "alt"]
    lead = next(g for g in gaps(b) if g["kind"] == "initiative_without_lead")
    # without it, the one whose municipality leads fewer initiatives
    assert lead["message"].endswith("z. B. die Stabsstelle bb.")


def three_clusters():
    """Three dense clusters of three complete members, joined in a triangle by single ties."""
    munis, actors, ties = [], [], []
    clusters = [["a1", "a2", "a3"], ["b1", "b2", "b3"], ["c1", "c2", "c3"]]
    for cluster in clusters:
        for key in cluster:
            m, a, t = full_member(key)
            munis.append(m)
            actors += a
            ties += t
        for x in range(3):
            for y in range(x + 1, 3):
                ties.append(tie(f"{cluster[x]}-digital", f"{cluster[y]}-digital", weight=5))
                ties.append(tie(f"{cluster[x]}-amt", f"{cluster[y]}-amt", weight=5))
    ties += [tie("a1-digital", "b1-digital", weight=3), tie("b2-digital", "c2-digital", weight=3),
             tie("c3-digital", "a3-digital", weight=3)]
    return settle(bundle(munis, actors, (), ties), "a1-digital", "a1", "a2-digital")


def test_weak_community_link():
    report = analyse(three_clusters())
    assert sorted(report["communities"]) == [["a1", "a2", "a3"], ["b1", "b2", "b3"],
                                             ["c1", "c2", "c3"]]
    found = [g for g in report["gaps"]]
    assert sorted((g["kind"], tuple(g["keys"])) for g in found) == [
        ("weak_community_link", ("a1-digital", "b1-digital")),
        ("weak_community_link", ("a3-digital", "c3-digital")),
        ("weak_community_link", ("b2-digital", "c2-digital")),
    ]
    assert all(g["severity"] == "medium" for g in found)
    assert "nur über die Verbindung zwischen" in found[0]["message"]


def test_topic_gap_planted():
    b = clean_network()
    m, actors, ties = full_member("ee")
    b["municipalities"].append(m)
    b["actors"] += actors
    b["ties"] += ties + [tie("ee-digital", "aa-digital", "funding", 2),
                         tie("ee-amt", "bb-amt", "reporting", 1)]  # no knowledge channels
    found = gaps(vote_all(b), "topic_gap")
    assert [(g["keys"], g["topics"]) for g in found] == [(["ee"], ["data_platform",
                                                                   "mobility"])]
    assert "Bei den Themen „Datenplattform“ und „Mobilität“" in found[0]["message"]


def test_overloaded_actor_planted():
    b = clean_network()
    b["initiatives"] += [
        initiative(f"x{i}", "education", "running", ("bb-amt", "lead"), ("cc-amt", "partner"))
        for i in range(4)]
    found = gaps(b, "overloaded_actor")
    assert [(g["keys"], g["severity"]) for g in found] == [(["bb-amt"], "high")]
    assert "an 5 laufenden oder geplanten Initiativen beteiligt, davon 4 federführend, mit " \
           "1,0 VZÄ" in found[0]["message"]


def test_gaps_are_sorted_by_severity():
    b = copy_of(hub_network())
    b["initiatives"].append(initiative("idee", "security", "idea", ("aa-digital", "partner"),
                                       ("bb-amt", "partner")))
    order = {"high": 0, "medium": 1, "low": 2}
    found = gaps(b)
    assert [order[g["severity"]] for g in found] == sorted(order[g["severity"]] for g in found)
    assert {g["kind"] for g in found} == {"articulation_point", "initiative_without_lead"}


def planted(kind):
    """A network with at least one gap of ``kind`` (built by the planted tests below)."""
    b = clean_network()
    if kind == "missing_level":
        return without_unit(b, "bb-digital")
    if kind == "isolated_member":
        b["municipalities"].append(muni("ff", tier="member"))
        return vote_all(b)
    if kind in ("single_municipality_initiative", "initiative_without_lead"):
        b["initiatives"] += [
            initiative("solo", "education", "planned", ("aa-digital", "lead")),
            initiative("leer", "security", "running", ("aa-digital", "partner"),
                       ("bb-digital", "partner"))]
        return b
    if kind == "articulation_point":
        return hub_network()
    if kind == "weak_community_link":
        return three_clusters()
    if kind == "topic_gap":
        m, actors, ties = full_member("ee")
        b["municipalities"].append(m)
        b["actors"] += actors
        b["ties"] += ties + [tie("ee-digital", "aa-digital", "funding", 2)]
        return vote_all(b)
    if kind == "bridge":
        m, actors, ties = full_member("ee")
        b["municipalities"].append(m)
        b["actors"] += actors
        b["ties"] += ties + [tie("ee-digital", "ee-amt"), tie("aa-digital", "ee-digital")]
        return vote_all(b)
    if kind == "overloaded_actor":
        b["initiatives"] += [initiative(f"x{i}", "education", "running", ("bb-amt", "lead"),
                                        ("cc-amt", "partner")) for i in range(4)]
        return b
    if kind == "missing_data":
        for a in b["actors"]:
            if a["municipality"] == "dd":
                a["provenance"] = "assumed"
        return b
    if kind == "sector_gap":
        b["actors"] = [a for a in b["actors"] if a["sector"] == "public"]
        for i in b["initiatives"]:
            i["participants"] = [p for p in i["participants"]
                                 if p["actor"] in {a["key"] for a in b["actors"]}]
        return b
    if kind == "no_designated_taktgeber":
        b["rules"] = []
        return b
    if kind == "unvoted_charter":
        b["rules"][0]["votes"] = b["rules"][0]["votes"][:1]
        return b
    if kind == "funding_end":
        b["region"]["funded_until"] = "2026-09-30"
        return b
    if kind == "reuse_candidate":
        b["initiatives"].append(initiative("bb-bau", "mobility", "planned", ("bb-amt", "lead")))
        b["solutions"] = [{"key": "app", "name": "App", "topic": "mobility",
                           "maturity": "production", "initiatives": [],
                           "uses": [{"municipality": "cc", "relation": "uses"}]}]
        return b
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", GAP_KINDS)
def test_every_gap_is_well_formed(kind):
    """Each kind's planted network has a gap of that kind, and every gap is well formed:
    keys (empty only for a gap about the network as a whole), severity, a sentence, and
    the share of assumed records."""
    found = analyse(planted(kind), today="2026-03-01")["gaps"]
    assert any(g["kind"] == kind for g in found), kind
    for g in found:
        assert set(g) >= {"kind", "keys", "severity", "message", "assumed_share"}
        assert g["severity"] in ("high", "medium", "low")
        assert g["keys"] or g["kind"] in NETWORK_KINDS
        assert g["message"].endswith(".") and "{" not in g["message"]
        assert 0.0 <= g["assumed_share"] <= 1.0


def test_lone_initiatives_of_one_member_are_one_gap():
    """A member's lone running pilots form one low gap naming all of them; a planned one of
    the same member stays a separate medium gap (different urgency)."""
    b = clean_network()
    b["initiatives"] += [
        initiative("p1", "mobility", "running", ("bb-digital", "lead")),
        initiative("p2", "energy_climate", "running", ("bb-amt", "lead")),
        initiative("p3", "education", "planned", ("bb-digital", "lead")),
    ]
    found = gaps(b, "single_municipality_initiative")
    assert [(g["keys"], g["severity"]) for g in found] == [(["p3"], "medium"),
                                                           (["p1", "p2"], "low")]
    assert found[1]["message"].startswith(
        "Die 2 Initiativen „Initiative p1“ und „Initiative p2“ werden nur von Bb getragen.")


def test_leaderless_initiatives_are_spread_by_spare_capacity():
    """Two leaderless initiatives with the same two equal partners: the first is suggested
    to one, the second to the other, whose spare capacity is then larger."""
    b = clean_network()
    b["initiatives"] += [
        initiative("n1", "security", "running", ("cc-digital", "partner"),
                   ("dd-digital", "partner")),
        initiative("n2", "economy", "running", ("cc-digital", "partner"),
                   ("dd-digital", "partner")),
    ]
    found = {g["keys"][0]: g["message"] for g in gaps(b, "initiative_without_lead")}
    assert found["n1"].endswith("z. B. die Stabsstelle cc.")
    assert found["n2"].endswith("z. B. die Stabsstelle dd.")


def test_topic_gap_names_each_member_once():
    """ee lacks three topics, ff (which has security experience itself) two of them, and
    ff's security experience reaches nobody: each member is named in one gap only, with its
    own topics, instead of once per set of members sharing a topic."""
    b = clean_network()
    for key in ("ee", "ff"):
        m, actors, ties = full_member(key)
        b["municipalities"].append(m)
        b["actors"] += actors
        b["ties"] += ties
    b["ties"] += [tie("ee-digital", "aa-digital", "funding", 2),
                  tie("ff-digital", "bb-digital", "funding", 2)]  # no knowledge channels
    vote_all(b)
    b["initiatives"].append(initiative("sec", "security", "completed", ("ff-digital", "lead"),
                                       ("ff-amt", "partner")))
    found = gaps(b, "topic_gap")
    assert [(g["keys"], g["topics"]) for g in found] == [
        (["aa", "bb", "cc", "dd"], ["security"]),
        (["ee"], ["data_platform", "mobility", "security"]),
        (["ff"], ["data_platform", "mobility"])]


def assume(b, *keys):
    """Mark the actors ``keys`` of bundle ``b`` as assumed records."""
    for a in b["actors"]:
        if a["key"] in keys:
            a["provenance"] = "assumed"
    return b


def test_level_known_only_from_assumed_records_is_a_data_request():
    """Bb's council is a modelling assumption: its strategic level is a request to confirm
    (low), not a missing level; the records behind it are 1 of 4 assumed."""
    found = gaps(assume(clean_network(), "bb-rat"))
    assert [(g["kind"], g["keys"], g["severity"], g["levels"], g["assumed_share"])
            for g in found] == [("missing_data", ["bb"], "low", ["strategic"], 0.25)]
    assert found[0]["message"] == (
        "Für Bb sind diese Ebenen nur aus angenommenen Angaben bekannt: politisch-strategische "
        "Ebene. Bitte bestätigen Sie, welche Stellen dort zuständig sind, oder tragen Sie sie "
        "ein.")


def test_member_with_assumed_records_only_is_asked_not_blamed():
    """All of dd's units are assumed: no missing_level, one request naming the levels its
    assumed records show (its coordinating level is covered by the designated Taktgeber)."""
    found = gaps(planted("missing_data"))
    assert [(g["kind"], g["keys"], g["levels"], g["assumed_share"]) for g in found] == [
        ("missing_data", ["dd"], ["strategic", "operational"], 0.75)]
    assert found[0]["message"].startswith("Für Dd liegen keine belegten Angaben vor "
                                          "(angenommen: politisch-strategische Ebene und "
                                          "Umsetzungsebene). Bitte bestätigen Sie")


def test_request_tells_assumed_levels_from_levels_without_any_record():
    """Like Lüdenscheid in "5 für Südwestfalen": one assumed implementing unit, nothing on
    the other two levels. The request names the assumed level as assumed and the others as
    not recorded (it used to call all three "nur angenommene Angaben"); the organisation
    table's states say the same, and a supporter's empty levels are not recorded, not
    missing."""
    b = clean_network()
    b["municipalities"] += [muni("ll", tier="member"), muni("kk", tier="supporter")]
    b["actors"] += [dict(actor("ll-it", "ll", "operational", "department"),
                         provenance="assumed"),
                    actor("kk-landrat", "kk", "strategic", "administration_head")]
    b["ties"] += [tie("ll-it", "bb-amt"), tie("kk-landrat", "cc-rat")]
    report = analyse(vote_all(b))
    [gap] = [g for g in report["gaps"] if "ll" in g["keys"] and g["kind"] != "isolated_member"]
    assert (gap["kind"], gap["levels"]) == ("missing_data", ["strategic", "coordinating",
                                                              "operational"])
    assert gap["message"] == (
        "Für Ll liegen keine belegten Angaben vor (angenommen: Umsetzungsebene; nicht "
        "erfasst: politisch-strategische Ebene und koordinierende Ebene). Bitte bestätigen "
        "Sie, welche Stellen dort zuständig sind, oder tragen Sie sie ein.")
    english = [g for g in analyse(vote_all(b), lang="en")["gaps"]
               if g["kind"] == "missing_data"][0]["message"]
    assert "(assumed: implementation level; not recorded: " in english, english
    states = {m["key"]: m["states"] for m in report["org_models"]["members"]}
    assert states["ll"] == {"strategic": "unrecorded", "coordinating": "unrecorded",
                            "operational": "assumed"}
    assert states["kk"] == {"strategic": "documented", "coordinating": "unrecorded",
                            "operational": "unrecorded"}
    assert states["aa"] == dict.fromkeys(("strategic", "coordinating", "operational"),
                                         "documented")


def test_missing_level_is_the_state_missing():
    """A level with no record of a member with documented units is "missing" in the
    organisation table, and exactly those levels are the missing_level gap."""
    report = analyse(without_unit(clean_network(), "bb-digital"))
    [gap] = [g for g in report["gaps"] if g["kind"] == "missing_level"]
    assert gap["keys"] == ["bb"]
    states = {m["key"]: m["states"] for m in report["org_models"]["members"]}
    assert states["bb"]["coordinating"] == "missing"
    assert [k for k, s in states.items() if "missing" in s.values()] == ["bb"]


def test_member_without_records_gets_a_data_request():
    b = clean_network()
    b["municipalities"].append(muni("ff", tier="member"))
    found = gaps(vote_all(b))
    assert [(g["kind"], g["keys"], g["severity"]) for g in found] == [
        ("isolated_member", ["ff"], "low"), ("missing_data", ["ff"], "low")]
    assert found[1]["message"].startswith("Für Ff ist noch keine Stelle erfasst. Bitte "
                                          "bestätigen Sie")


def test_finding_on_assumed_records_says_so():
    """A missing level stays a finding when bb has documented units, but its message and
    assumed_share say that 1 of its 3 records (membership, council, office) is assumed."""
    b = assume(without_unit(clean_network(), "bb-digital"), "bb-rat")
    [gap] = gaps(b, "missing_level")
    assert gap["assumed_share"] == 0.3333
    assert gap["message"].endswith("Beruht zu 33 % auf angenommenen Angaben.")
    assert analyse(b, lang="en")["gaps"][0]["message"].endswith(
        "33% of this rests on assumed records.")


def test_council_decision_to_join_is_the_strategic_level():
    b = without_unit(clean_network(), "cc-rat")
    assert [g["keys"] for g in gaps(b, "missing_level")] == [["cc"]]
    b["municipalities"][2]["joined_by"] = "council_decision"
    assert gaps(b) == []
    b["municipalities"][2]["provenance"] = "assumed"  # an assumed decision is a request
    assert [(g["kind"], g["levels"]) for g in gaps(b)] == [("missing_data", ["strategic"])]


def test_local_initiative_is_no_single_municipality_initiative():
    b = clean_network()
    b["initiatives"].append(initiative("plan", "urban_development", "planned",
                                       ("bb-digital", "lead")))
    assert [g["keys"] for g in gaps(b, "single_municipality_initiative")] == [["plan"]]
    b["initiatives"][-1]["scope"] = "local"
    assert gaps(b) == []


def test_sector_gap_when_no_partner_at_all():
    [gap] = gaps(planted("sector_gap"))
    assert (gap["kind"], gap["keys"], gap["severity"], gap["sectors"]) == (
        "sector_gap", [], "medium", ["civil_society", "business", "science"])
    assert gap["message"].startswith("Im Netzwerk ist kein Partner aus Zivilgesellschaft, "
                                     "Wirtschaft oder Wissenschaft vertreten.")


def test_sector_gap_when_partners_stay_out_of_running_joint_initiatives():
    """The business partner only takes part in a completed and in a local initiative."""
    b = clean_network()
    mob = next(i for i in b["initiatives"] if i["key"] == "mob")
    mob["participants"] = [p for p in mob["participants"] if p["actor"] != "aa-firma"]
    b["initiatives"] += [
        initiative("lokal", "economy", "running", ("aa-digital", "lead"),
                   ("aa-firma", "partner")),
        initiative("alt", "economy", "completed", ("aa-firma", "lead"), ("bb-amt", "partner"))]
    b["initiatives"][-2]["scope"] = "local"
    [gap] = gaps(b, "sector_gap")
    assert (gap["keys"], gap["severity"], gap["sectors"]) == (["aa-firma"], "low", ["business"])
    assert gap["message"].startswith("Partner aus dem Bereich Wirtschaft (Firma aa) gehören "
                                     "zum Netzwerk, wirken aber an keiner laufenden "
                                     "gemeinsamen Initiative mit.")


def test_no_designated_taktgeber():
    """Without an adopted designation the gap names the two best candidates; the what-if
    "bb-digital becomes Taktgeber" closes it."""
    b = planted("no_designated_taktgeber")
    [gap] = gaps(b)
    assert (gap["kind"], gap["keys"], gap["severity"]) == ("no_designated_taktgeber", [],
                                                          "medium")
    assert gap["message"].endswith("die stärksten Kandidaten sind derzeit die Stabsstelle aa "
                                   "und die Stabsstelle bb.")
    whatif = analyse(b, taktgeber="bb-digital")["whatif"]
    assert [g["kind"] for g in whatif["gaps_closed"]] == ["no_designated_taktgeber"]


def test_designation_by_adopted_rule_without_region_field():
    """The latest adopted rule of kind taktgeber designates even when the bundle's region
    does not repeat it."""
    report = analyse(clean_network())
    assert report["taktgeber"][0]["key"] == "aa-digital" and report["taktgeber"][0][
        "designated"]


def test_unvoted_charter_quorum_missed():
    """Only aa voted on the designation rule: 1 of 4 misses the quorum of 50 %."""
    [gap] = gaps(planted("unvoted_charter"))
    assert (gap["keys"], gap["severity"], gap["rules"], gap["recorded"]) == (
        ["bb", "cc", "dd"], "medium", ["taktgeber-aa-digital"], 0)
    assert gap["message"] == (
        "Über die beschlossene Spielregel „Regel taktgeber-aa-digital“ haben nur 1 von 4 "
        "stimmberechtigten Mitgliedern abgestimmt (Quorum 50 %); sie bindet dennoch auch Bb, "
        "Cc und Dd. Die Abstimmung wiederholen oder die Zustimmung der übrigen Mitglieder "
        "einholen.")


def test_unvoted_charter_members_who_never_voted_and_recorded_votes():
    """Three of four voted (quorum met), one of them recorded from a document: a low gap
    for dd that says a vote was taken from a document."""
    b = clean_network()
    b["rules"][0]["votes"] = b["rules"][0]["votes"][:3]
    b["rules"][0]["votes"][0]["recorded"] = True
    [gap] = gaps(b)
    assert (gap["kind"], gap["keys"], gap["severity"], gap["recorded"]) == (
        "unvoted_charter", ["dd"], "low", 1)
    assert gap["message"] == (
        "Die beschlossene Spielregel „Regel taktgeber-aa-digital“ bindet auch Mitglieder, die "
        "nie darüber abgestimmt haben: Dd. Die Zustimmung nachholen, per Abstimmung oder mit "
        "dem Beitrittsbeschluss. 1 der gezählten Stimmen ist aus einem Dokument übernommen, "
        "nicht auf der Plattform abgegeben.")


def test_unvoted_charter_members_joined_later_do_not_count_for_the_quorum():
    """dd joined after the rule was decided: aa's vote alone is 1 of 3 eligible, still
    under the quorum; supporters never vote."""
    b = clean_network()
    b["municipalities"][3]["since"] = "2025-01-01"
    b["municipalities"].append(muni("kreis", kind="landkreis", tier="supporter"))
    b["rules"][0].update(decided_at="2024-05-01T10:00:00", votes=b["rules"][0]["votes"][:1])
    [gap] = gaps(b, "unvoted_charter")
    assert gap["keys"] == ["bb", "cc", "dd"]
    assert "nur 1 von 3 stimmberechtigten Mitgliedern" in gap["message"]


@pytest.mark.parametrize("today, severity, text", [
    ("2025-09-29", None, None),  # 12 months and a day ahead
    ("2025-10-01", "medium", "endet am 30.09.2026 (in 11 Monaten)"),
    ("2026-09-15", "medium", "endet am 30.09.2026 (in weniger als einem Monat)"),
    ("2026-10-01", "high", "ist am 30.09.2026 ausgelaufen"),
])
def test_funding_end(today, severity, text):
    found = analyse(planted("funding_end"), today=today)["gaps"]
    if severity is None:
        assert found == []
        return
    [gap] = found
    assert (gap["kind"], gap["keys"], gap["severity"], gap["funded_until"]) == (
        "funding_end", [], severity, "2026-09-30")
    assert text in gap["message"]


def test_funding_end_settled_by_a_continuation_rule():
    b = planted("funding_end")
    b["rules"].append({**b["rules"][0], "key": "weiter", "kind": "continuation"})
    assert analyse(b, today="2026-10-01")["gaps"] == []
    b["rules"][-1]["status"] = "voting"
    assert [g["kind"] for g in analyse(b, today="2026-10-01")["gaps"]] == ["funding_end"]


def test_isolation_known_only_from_assumed_units_is_low():
    """A member cut off from the network whose only unit is an assumed record gets a low
    isolated_member gap (beside its data request), a documented one a high gap."""
    from graphs import analyse

    def bundle(provenance):
        return {
            "format": "kommunalnetz-bundle", "version": 1,
            "region": {"slug": "t", "name": "T"},
            "municipalities": [
                {"key": k, "name": k.upper(), "kind": "gemeinde", "ags": f"0595800{i}",
                 "state": "NW", "population": 5000, "tier": "member"}
                for i, k in enumerate(["a", "b", "c"], start=1)],
            "actors": [
                {"key": "a-cdo", "name": "CDO A", "type": "cdo", "level": "coordinating",
                 "sector": "public", "municipality": "a", "topics": []},
                {"key": "b-cdo", "name": "CDO B", "type": "cdo", "level": "coordinating",
                 "sector": "public", "municipality": "b", "topics": []},
                {"key": "c-bm", "name": "BM C", "type": "administration_head",
                 "level": "strategic", "sector": "public", "municipality": "c", "topics": [],
                 "provenance": provenance}],
            "initiatives": [],
            "ties": [{"source": "a-cdo", "target": "b-cdo", "kind": "cooperation",
                      "weight": 3}],
            "rules": []}

    for provenance, severity in (("assumed", "low"), ("documented", "high")):
        report = analyse(bundle(provenance))
        [gap] = [g for g in report["gaps"] if g["kind"] == "isolated_member"]
        assert gap["keys"] == ["c"] and gap["severity"] == severity, (provenance, gap)
