"""Property-based: any valid small bundle analyses without error, with consistent output."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphs import analyse

from .bundles import actor, bundle, initiative, muni, tie
from .test_report import plain

LEVELS = ["strategic", "coordinating", "operational"]
TYPES = ["council", "staff_unit", "cdo", "agency", "project_group", "department", "association"]
TOPICS = ["mobility", "education", "data_platform"]


@st.composite
def bundles(draw):
    n_munis = draw(st.integers(0, 6))
    munis = [muni(f"m{i}", tier=draw(st.sampled_from(["pioneer", "member", "supporter"])),
                  kind=draw(st.sampled_from(["kreisfreie_stadt", "gemeinde", "landkreis"])),
                  population=draw(st.integers(0, 500_000)),
                  district=draw(st.sampled_from(["Kreis A", "Kreis B", ""])))
             for i in range(n_munis)]
    actors = []
    for i in range(draw(st.integers(0, 12))):
        home = draw(st.sampled_from([None] + [m["key"] for m in munis]))
        actors.append(actor(f"a{i}", home, draw(st.sampled_from(LEVELS)),
                            draw(st.sampled_from(TYPES)),
                            fte=draw(st.one_of(st.none(), st.floats(0, 8))),
                            topics=draw(st.lists(st.sampled_from(TOPICS), max_size=2))))
    keys = [a["key"] for a in actors]
    ties = []
    if len(keys) >= 2:
        for _ in range(draw(st.integers(0, 20))):
            source, target = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
            if source != target:
                ties.append(tie(source, target, draw(st.sampled_from(
                    ["cooperation", "mandate", "reporting", "advice", "funding",
                     "knowledge_transfer"])), draw(st.integers(1, 5))))
    initiatives = []
    for i in range(draw(st.integers(0, 4))):
        members = draw(st.lists(st.sampled_from(keys), unique=True, max_size=4)) if keys else []
        initiatives.append(initiative(
            f"i{i}", draw(st.sampled_from(TOPICS)),
            draw(st.sampled_from(["idea", "planned", "running", "completed"])),
            *[(a, draw(st.sampled_from(["lead", "partner", "supporter", "observer"])))
              for a in members]))
    return bundle(munis, actors, initiatives, ties)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundles(), st.integers(0, 3))
def test_any_bundle_analyses(b, seed):
    report = analyse(b, seed=seed)
    plain(report)
    json.dumps(report)
    keys = {r["key"] for part in ("municipalities", "actors", "initiatives") for r in b[part]}
    for gap in report["gaps"]:
        assert set(gap["keys"]) <= keys and gap["message"]
    for candidate in report["taktgeber"]:
        assert all(0.0 <= v <= 1.0 for v in candidate["parts"].values())
        assert 0.0 <= candidate["score"] <= 1.0
    for community in report["communities"]:
        assert set(community) <= {m["key"] for m in b["municipalities"]}
    again = analyse(b, seed=seed)
    assert {k: v for k, v in again.items() if k != "timings_ms"} == {
        k: v for k, v in report.items() if k != "timings_ms"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundles(), st.data())
def test_any_whatif_analyses(b, data):
    actors = [a["key"] for a in b["actors"]]
    keys = [r["key"] for part in ("municipalities", "actors", "initiatives") for r in b[part]]
    if not keys:
        return
    without = data.draw(st.sampled_from(keys))
    report = analyse(b, without=without)
    plain(report)
    assert report["whatif"]["without"] == without
    if actors:
        designated = data.draw(st.sampled_from(actors))
        report = analyse(b, taktgeber=designated)
        assert report["taktgeber"][0]["key"] == designated
        assert report["taktgeber"][0]["designated"] is True
