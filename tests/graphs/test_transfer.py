"""Knowledge-transfer paths: experience, channels, mentors, alternative paths, new ties."""

from graphs import analyse, build_graph
from graphs.build import network_graph
from graphs.transfer import (
    WEAK_PENALTY,
    edge_length,
    self_declared,
    settlement_class,
    topic_experience,
    transfer_paths,
)

from .bundles import actor, bundle, fmt, initiative, muni, tie


def paths(b, **kwargs):
    G = build_graph(b)
    return {t["topic"]: t for t in transfer_paths(G, network_graph(G), **kwargs)}


def test_topic_experience_needs_a_role_in_an_initiative():
    """Listing a topic is no experience, only "nach eigener Angabe"."""
    b = bundle(
        [muni("aa"), muni("bb"), muni("cc"), muni("dd")],
        [actor("aa-x", "aa", topics=["mobility"]), actor("bb-x", "bb", topics=["data_platform"]),
         actor("cc-x", "cc"), actor("dd-x", "dd"),
         actor("agentur", None, topics=["energy_climate"])],
        [initiative("i1", "data_platform", "completed", ("bb-x", "lead"), ("cc-x", "observer")),
         initiative("i2", "security", "idea", ("dd-x", "lead"))],
    )
    G = build_graph(b)
    assert topic_experience(G) == {
        "data_platform": {"bb": ["bb-x"]},  # observers and ideas give no experience
    }
    assert self_declared(G) == {"mobility": {"aa": ["aa-x"]}}  # bb has it by experience


def broker_network():
    """Big city aa has run a mobility project; bb learns it through the regional agency
    (strong ties) or, longer, through cc's digital unit."""
    return bundle(
        [muni("aa", kind="kreisfreie_stadt", population=200_000), muni("bb"),
         muni("cc", tier="supporter")],
        [actor("aa-digital", "aa"), actor("aa-amt", "aa", "operational"),
         actor("bb-digital", "bb"), actor("bb-amt", "bb", "operational"),
         actor("cc-digital", "cc"),
         actor("agentur", None, "coordinating", "agency", name="Regionalagentur")],
        [initiative("mob", "mobility", "completed", ("aa-digital", "lead"),
                    ("aa-amt", "partner"))],
        [tie("aa-digital", "agentur", weight=5), tie("agentur", "bb-digital", weight=5),
         tie("aa-amt", "cc-digital", weight=4), tie("cc-digital", "bb-amt", weight=4),
         tie("aa-digital", "aa-amt"), tie("bb-digital", "bb-amt")],
    )


def test_transfer_path_and_broker():
    mobility = paths(broker_network())["mobility"]
    assert mobility["sources"] == ["aa"] and mobility["targets"] == ["bb"]
    [path] = mobility["paths"]
    assert (path["from"], path["to"], path["via"]) == ("aa", "bb", ["agentur"])
    assert path["length"] == 3.0 and path["weakest"] == 5  # 0.5 + 1 + 1 + 0.5
    assert (path["weak"], path["unit"], path["unit_name"]) == (0, "aa-digital", "aa-digital")
    assert path["distance_km"] == 0.0 and path["assumed_share"] == 0.0
    alternative = path["alternative"]
    assert alternative["via"] == ["cc-digital"] and alternative["length"] == 5.0
    assert not set(alternative["via"]) & set(path["via"])  # node-disjoint
    assert mobility["brokers"][0] == {"key": "agentur", "name": "Regionalagentur",
                                      "type": "actor", "municipality": None, "paths": 1}
    assert mobility["unreachable"] == [] and mobility["suggested_ties"] == []


def test_every_knowledge_tie_counts_whatever_its_weight():
    """A cooperation of weight 1 is a channel (length 5); known trust shortens it."""
    b = broker_network()
    for t in b["ties"]:
        if t["target"] in ("bb-digital", "bb-amt") and t["source"] != "bb-digital":
            t["weight"] = 1
    [path] = paths(b)["mobility"]["paths"]
    assert (path["length"], path["weak"], path["weakest"]) == (7.0, 0, 1)  # 0.5+1+5+0.5
    for t in b["ties"]:
        if t["target"] == "bb-digital":
            t["trust"] = 5  # strength (1 + 5) / 2 = 3
    [path] = paths(b)["mobility"]["paths"]
    assert path["length"] == 5.0


def test_other_ties_are_weak_channels():
    """Funding ties carry no knowledge of their own: bb is reached over weak channels only,
    which is a path (flagged) but leaves bb among the unreachable."""
    b = broker_network()
    for t in b["ties"]:
        if t["target"] in ("bb-digital", "bb-amt") and t["source"] != "bb-digital":
            t["kind"] = "funding"
    mobility = paths(b)["mobility"]
    [path] = mobility["paths"]
    assert (path["weak"], path["length"]) == (1, 7.0)  # 0.5 + 1 + 5 (weak) + 0.5
    assert mobility["unreachable"] == mobility["weak_only"] == ["bb"]
    assert "nur über schwache Kanäle erreichbar" in mobility["note"]
    G = build_graph(b)
    U = network_graph(G)
    assert edge_length(U, "agentur", "bb-digital", U["agentur"]["bb-digital"]) == \
        5.0 + WEAK_PENALTY
    report = analyse(b)
    assert [g["keys"] for g in report["gaps"] if g["kind"] == "topic_gap"] == [["bb"]]


def formats_network():
    """Experienced aa and learner bb share only formats and a project on another topic."""
    return bundle(
        [muni("aa"), muni("bb")],
        [actor("aa-x", "aa"), actor("bb-x", "bb"),
         actor("agentur", None, "coordinating", "agency", name="Regionalagentur")],
        [initiative("bildung", "education", "completed", ("aa-x", "lead")),
         initiative("verkehr", "mobility", "running", ("aa-x", "lead"), ("bb-x", "partner"))],
        (),
        formats=[fmt("schule", "agentur", ["aa-x", "bb-x"], cadence="once", kind="training",
                     topic="education")])


def test_one_off_event_and_other_topic_are_weak():
    """A one-off training and a joint project on mobility are weak channels for education:
    the path runs through one of them (flagged weak); a monthly working group on education
    is a real channel and outranks both."""
    education = paths(formats_network())["education"]
    [path] = education["paths"]
    assert path["weak"] == 1 and education["weak_only"] == ["bb"]
    b = formats_network()
    b["formats"].append(fmt("ag", "aa-x", ["bb-x"], kind="working_group", topic="education"))
    education = paths(b)["education"]
    [path] = education["paths"]
    assert (path["via"], path["weak"], path["length"]) == (["ag"], 0, 4.0)
    assert education["brokers"][0]["type"] == "format"
    assert education["unreachable"] == []


def test_recurring_format_without_topic_serves_every_topic_until_it_ends():
    b = formats_network()
    b["formats"].append(fmt("jf", "agentur", ["aa-x", "bb-x"], until="2025-06-30"))
    assert paths(b, today="2025-01-01")["education"]["paths"][0]["via"] == ["jf"]
    assert paths(b, today="2025-07-01")["education"]["paths"][0]["weak"] == 1


def test_mentor_of_the_same_kind_and_nearer():
    """Rural tt is equally near (over the agency) to a city 70 km away, a rural Gemeinde 40 km
    away and a rural Gemeinde 10 km away: the nearest rural one is its mentor, and the unit
    to call is the one that led the project there. The city's rural-looking neighbour of 25,000
    inhabitants counts as urban."""
    munis = [muni("tt", population=14_000), muni("stadt", kind="kreisfreie_stadt",
                                                 population=300_000),
             muni("fern", population=19_000), muni("nah", population=5_000)]
    coords = {"tt": (50.8, 8.1), "stadt": (51.4, 8.1), "fern": (51.16, 8.1),
              "nah": (50.89, 8.1)}
    for m in munis:
        m["lat"], m["lon"] = coords[m["key"]]
    actors = [actor("agentur", None, type_="agency"), actor("tt-x", "tt")]
    ties = [tie("agentur", "tt-x")]
    initiatives = []
    for key in ("stadt", "fern", "nah"):
        actors += [actor(f"{key}-x", key), actor(f"{key}-amt", key, "operational")]
        ties.append(tie("agentur", f"{key}-x"))
        initiatives.append(initiative(f"{key}-schule", "education", "completed",
                                      (f"{key}-amt", "lead"), (f"{key}-x", "partner")))
    education = paths(bundle(munis, actors, initiatives, ties))["education"]
    path = next(p for p in education["paths"] if p["to"] == "tt")
    assert (path["from"], path["unit"], path["distance_km"]) == ("nah", "nah-amt", 10.0)
    assert [settlement_class(m) for m in munis] == ["rural", "urban", "rural", "rural"]
    assert settlement_class({"kind": "kreisangehoerige_stadt", "population": 25_000}) == \
        "urban"


def test_self_declared_topics_are_shown_not_used():
    b = broker_network()
    b["actors"].append(actor("bb-lotse", "bb", "operational", topics=["mobility"]))
    mobility = paths(b)["mobility"]
    assert mobility["self_declared"] == ["bb"] and mobility["targets"] == ["bb"]
    assert "Nach eigener Angabe mit dem Thema vertraut" in mobility["note"]


def test_path_assumed_share():
    """The path aa - agentur - bb: actors aa-digital, agentur, bb-digital and two ties; the
    agency is assumed (1 of 5 records)."""
    b = broker_network()
    next(a for a in b["actors"] if a["key"] == "agentur")["provenance"] = "assumed"
    [path] = paths(b)["mobility"]["paths"]
    assert path["assumed_share"] == 0.2


def test_suggested_tie_by_link_prediction():
    """bb is cut off from the experienced aa; both are funded by the partner 'verein' (no
    knowledge channel): the resource-allocation index proposes the tie aa-digital -
    bb-digital."""
    b = bundle(
        [muni("aa"), muni("bb")],
        [actor("aa-digital", "aa"), actor("bb-digital", "bb"),
         actor("verein", None, "operational", "association")],
        [initiative("p", "participation", "completed", ("aa-digital", "lead"))],
        [tie("verein", "aa-digital", "funding", 2), tie("verein", "bb-digital", "funding", 2)])
    participation = paths(b)["participation"]
    assert participation["unreachable"] == ["bb"]
    assert participation["suggested_ties"] == [["aa-digital", "bb-digital"]]
    suggestion = participation["suggestions"][0]
    assert suggestion["score"] == 0.5 and suggestion["length_before"] is None
    assert suggestion["length_after"] == 4.0


def test_output_is_bounded():
    munis = [muni("src", kind="kreisfreie_stadt")] + [muni(f"t{i:02d}") for i in range(30)]
    actors = [actor("src-x", "src")] + [actor(f"t{i:02d}-x", f"t{i:02d}") for i in range(30)]
    ties = [tie("src-x", f"t{i:02d}-x") for i in range(30)]
    b = bundle(munis, actors, [initiative("w", "economy", "completed", ("src-x", "lead"))],
               ties)
    economy = paths(b, max_paths=5)["economy"]
    assert len(economy["paths"]) == 5 and economy["n_targets"] == 30
    assert "Gezeigt werden die 5 kürzesten von 30 Wegen" in economy["note"]
