"""Knowledge-transfer paths: experience, best and alternative paths, brokers, new ties."""

from graphs import build_graph
from graphs.build import network_graph
from graphs.transfer import edge_length, topic_experience, transfer_paths

from .bundles import actor, bundle, initiative, muni, tie


def paths(b, **kwargs):
    G = build_graph(b)
    return {t["topic"]: t for t in transfer_paths(G, network_graph(G), **kwargs)}


def test_topic_experience():
    b = bundle(
        [muni("aa"), muni("bb"), muni("cc"), muni("dd")],
        [actor("aa-x", "aa", topics=["mobility"]), actor("bb-x", "bb"), actor("cc-x", "cc"),
         actor("dd-x", "dd"), actor("agentur", None, topics=["energy_climate"])],
        [initiative("i1", "data_platform", "completed", ("bb-x", "lead"), ("cc-x", "observer")),
         initiative("i2", "security", "idea", ("dd-x", "lead"))],
    )
    assert topic_experience(build_graph(b)) == {
        "data_platform": {"bb": ["bb-x"]},  # observers and ideas give no experience
        "mobility": {"aa": ["aa-x"]},  # regional bodies are no member
    }


def broker_network():
    """Big city aa knows mobility; bb learns it through the regional agency (strong ties)
    or, longer, through cc's digital unit."""
    return bundle(
        [muni("aa", kind="kreisfreie_stadt", population=200_000), muni("bb"),
         muni("cc", tier="supporter")],
        [actor("aa-digital", "aa", topics=["mobility"]), actor("aa-amt", "aa", "operational"),
         actor("bb-digital", "bb"), actor("bb-amt", "bb", "operational"),
         actor("cc-digital", "cc"),
         actor("agentur", None, "coordinating", "agency", name="Regionalagentur")],
        (),
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
    alternative = path["alternative"]
    assert alternative["via"] == ["cc-digital"] and alternative["length"] == 5.0
    assert not set(alternative["via"]) & set(path["via"])  # node-disjoint
    assert mobility["brokers"][0] == {"key": "agentur", "name": "Regionalagentur",
                                      "type": "actor", "municipality": None, "paths": 1}
    assert mobility["unreachable"] == [] and mobility["suggested_ties"] == []


def test_weak_ties_carry_no_knowledge():
    b = broker_network()
    for t in b["ties"]:
        if t["target"] in ("bb-digital", "bb-amt") and t["source"] != "bb-digital":
            t["weight"] = 2
    mobility = paths(b)["mobility"]
    assert mobility["paths"] == [] and mobility["unreachable"] == ["bb"]
    assert "nicht erreichbar" in mobility["note"]
    G = build_graph(b)
    U = network_graph(G)
    assert edge_length(U, "agentur", "bb-digital", U["agentur"]["bb-digital"]) is None


def test_urban_large_source_preferred_when_equally_good():
    """Equal paths from a Gemeinde (key first alphabetically) and a kreisfreie Stadt."""
    b = bundle(
        [muni("aa-dorf", population=2_000), muni("zz-stadt", kind="kreisfreie_stadt",
                                                 population=300_000), muni("mm")],
        [actor("aa-dorf-x", "aa-dorf", topics=["education"]),
         actor("zz-stadt-x", "zz-stadt", topics=["education"]), actor("mm-x", "mm")],
        (), [tie("aa-dorf-x", "mm-x"), tie("zz-stadt-x", "mm-x")])
    education = paths(b)["education"]
    assert education["paths"][0]["from"] == "zz-stadt"
    assert "kreisfreie Stadt vor kreisangehöriger Stadt vor Gemeinde" in education["note"]


def test_suggested_tie_by_link_prediction():
    """bb is cut off from the experienced aa; both know the partner 'verein' (weakly):
    the resource-allocation index proposes the tie aa-digital - bb-digital."""
    b = bundle(
        [muni("aa"), muni("bb")],
        [actor("aa-digital", "aa", topics=["participation"]), actor("bb-digital", "bb"),
         actor("verein", None, "operational", "association")],
        (), [tie("aa-digital", "verein", weight=2), tie("bb-digital", "verein", weight=2)])
    participation = paths(b)["participation"]
    assert participation["unreachable"] == ["bb"]
    assert participation["suggested_ties"] == [["aa-digital", "bb-digital"]]
    suggestion = participation["suggestions"][0]
    assert suggestion["score"] == 0.5 and suggestion["length_before"] is None
    assert suggestion["length_after"] == 4.0


def test_output_is_bounded():
    munis = [muni("src", kind="kreisfreie_stadt")] + [muni(f"t{i:02d}") for i in range(30)]
    actors = [actor("src-x", "src", topics=["economy"])] + [
        actor(f"t{i:02d}-x", f"t{i:02d}") for i in range(30)]
    ties = [tie("src-x", f"t{i:02d}-x") for i in range(30)]
    economy = paths(bundle(munis, actors, (), ties), max_paths=5)["economy"]
    assert len(economy["paths"]) == 5 and economy["n_targets"] == 30
    assert "Gezeigt werden die 5 kürzesten von 30 Wegen" in economy["note"]
