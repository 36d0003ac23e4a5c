"""The synthetic bundle generator of the benchmarks writes valid, seeded bundles."""

import importlib.util
import re
from pathlib import Path

import pytest

from graphs import analyse

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STATES = ["SH", "HH", "NI", "HB", "NW", "HE", "RP", "BW", "BY", "SL", "BE", "BB", "MV", "SN",
          "ST", "TH"]
KINDS = {"kreisfreie_stadt", "kreisangehoerige_stadt", "gemeinde", "verbandsgemeinde",
         "landkreis"}
TYPES = {"council", "committee", "steering_group", "administration_head", "cdo", "staff_unit",
         "smart_city_office", "digital_office", "project_matrix", "project_group", "department",
         "digital_pilot", "agency", "municipal_company", "advisory_board", "topic_sponsor",
         "association", "business", "research", "other"}
TOPICS = {"administration", "data_platform", "mobility", "energy_climate", "education",
          "health_care", "economy", "participation", "infrastructure_iot", "culture_tourism",
          "security", "urban_development"}


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def check(b):
    """Validate a bundle against docs/bundle.md."""
    assert b["format"] == "kommunalnetz-bundle" and b["version"] == 1
    assert KEY.match(b["region"]["slug"])
    keys = set()
    for part in ("municipalities", "actors", "initiatives"):
        for record in b[part]:
            assert KEY.match(record["key"]) and len(record["key"]) <= 64
            assert record["key"] not in keys
            keys.add(record["key"])
    munis = {m["key"] for m in b["municipalities"]}
    ags = set()
    for m in b["municipalities"]:
        assert m["kind"] in KINDS and m["tier"] in ("pioneer", "member", "supporter")
        assert re.fullmatch(r"\d{8}", m["ags"]) and m["ags"] not in ags
        ags.add(m["ags"])
        assert int(m["ags"][:2]) == STATES.index(m["state"]) + 1
        assert 47.2 <= m["lat"] <= 55.1 and 5.8 <= m["lon"] <= 15.1
        assert isinstance(m["population"], int) and m["population"] >= 0
    actors = {a["key"] for a in b["actors"]}
    for a in b["actors"]:
        assert a["type"] in TYPES and a["level"] in ("strategic", "coordinating", "operational")
        assert a["sector"] in ("public", "civil_society", "business", "science")
        assert a["municipality"] is None or a["municipality"] in munis
        assert set(a["topics"]) <= TOPICS
    for i in b["initiatives"]:
        assert i["topic"] in TOPICS and i["status"] in ("idea", "planned", "running",
                                                        "completed")
        assert len({p["actor"] for p in i["participants"]}) == len(i["participants"])
        for p in i["participants"]:
            assert p["actor"] in actors
            assert p["role"] in ("lead", "partner", "supporter", "observer")
    for t in b["ties"]:
        assert t["source"] in actors and t["target"] in actors and t["source"] != t["target"]
        assert 1 <= t["weight"] <= 5
    return b


def test_region_bundle_is_valid_and_seeded(generate):
    b = check(generate("region", 0))
    assert len(b["municipalities"]) == 50
    assert {m["kind"] for m in b["municipalities"]} >= {"kreisfreie_stadt", "landkreis",
                                                        "gemeinde"}
    assert generate("region", 0) == b and generate("region", 1) != b
    report = analyse(b)
    assert report["summary"]["municipalities"] == 50 and report["taktgeber"]


def test_state_bundle_is_valid(generate):
    b = check(generate("state", 1))
    assert len(b["municipalities"]) == 2000
    assert {m["state"] for m in b["municipalities"]} == {"BY"}


def test_unknown_scale(generate):
    with pytest.raises(ValueError, match="unknown scale"):
        generate("galaxy", 0)
