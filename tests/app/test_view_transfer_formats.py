"""User pass (analyst): the network view's transfer paths are the analysis' paths, also
those through a format (a meeting, no node of the drawing), and every place that names an
intermediary says its kind, so the actor "Arbeitsrunde der fünf Projektleitungen" and the
format "Arbeitsrunde der Projektleitungen" can be told apart."""

from __future__ import annotations

import datetime as dt

import pytest

from collab.analysis import reports

from .test_pictures import _pdftext, needs_poppler

R = "/regions/swf5"

pytestmark = pytest.mark.usefixtures("no_commit_on_get")


@pytest.fixture(autouse=True)
def empty_cache():
    reports.clear_cache()
    yield
    reports.clear_cache()


def _mobility(api) -> dict:
    report = api("gast").get("/regions/swf5/analysis").get_json()
    return next(t for t in report["transfer"] if t["topic"] == "mobility")


def _agrees(path: dict, route: list, formats: list, entry: dict) -> bool:
    """A drawn route stands for an analysis path: same ends, each intermediary on it (an
    actor or initiative as a node, a format as a named step), in the path's order."""
    if (route[0], route[-1]) != (path["from"], path["to"]):
        return False
    stops = []
    for i, node in enumerate(route):
        stops.append(node)
        stops += [step["key"] for step in formats if step["at"] == i]
    positions = [stops.index(v) for v in path["via"] if v in stops]
    return len(positions) == len(path["via"]) and positions == sorted(positions)


@pytest.mark.parametrize("part", ["data.json", "marks.json"])
def test_view_lists_every_analysis_path_also_through_a_format(part, as_user, api):
    """All ten mobility paths of the analysis are in the view's routes (data.json draws them
    without the report, marks.json keeps them), the two through the format
    "Arbeitsrunde der Projektleitungen" among them: the step between the two project
    leads names the format, which is no node of the drawing."""
    entry = _mobility(api)
    paths = entry["paths"]
    assert len(paths) == 10
    through_format = [p for p in paths if "pl-arbeitsrunde" in p["via"]]
    assert {(p["from"], p["to"]) for p in through_format} == {
        ("arnsberg", "olpe"), ("arnsberg", "soest")}
    doc = as_user("gast").get(f"{R}/network/{part}?topic=mobility").get_json()
    routes, formats = doc["routes"], doc["route_formats"]
    assert len(routes) == len(formats) == len(paths)
    for path in paths:
        assert any(_agrees(path, r, f, entry) for r, f in zip(routes, formats, strict=True)), path
    olpe = routes.index(["arnsberg", "arnsberg-digital", "olpe-digital", "olpe"])
    assert formats[olpe] == [{"at": 1, "key": "pl-arbeitsrunde",
                              "name": "Arbeitsrunde der Projektleitungen"}]
    soest = next(i for i, r in enumerate(routes) if r[-1] == "soest")
    assert [s["key"] for s in formats[soest]] == ["pl-arbeitsrunde"]
    if part == "data.json":
        ids = {n["id"] for n in doc["nodes"]}
        assert {"olpe-digital", "soest-innovation", "olpe", "soest"} <= ids
        assert "pl-arbeitsrunde" not in ids
        assert doc["urls"]["format"] == f"{R}/formats/"


def test_view_routes_on_todays_date_like_the_analysis(api, as_user, today):
    """A format that has ended is a weak channel for the analysis (it runs on today's
    date); the view's routes, drawn without the report, judge it on the same date: once
    the Arbeitsrunde ended, neither goes through it."""
    ended = (today - dt.timedelta(days=30)).isoformat()
    response = api("koordination").patch("/regions/swf5/formats/pl-arbeitsrunde",
                                         {"until": ended})
    assert response.status_code == 200, response.get_json()
    entry = _mobility(api)
    assert not any("pl-arbeitsrunde" in p["via"] for p in entry["paths"])
    doc = as_user("gast").get(f"{R}/network/data.json?topic=mobility").get_json()
    assert not any(doc["route_formats"])
    assert len(doc["routes"]) == len(entry["paths"])
    for path in entry["paths"]:
        assert any(_agrees(path, r, f, entry)
                   for r, f in zip(doc["routes"], doc["route_formats"], strict=True)), path


def test_every_place_names_the_kind_of_an_intermediary(as_user, api):
    """The analysis page's paths, alternatives and brokers, and the PDF report's paths,
    say "Format" or "Akteur" beside each intermediary: the actor "Arbeitsrunde der fünf
    Projektleitungen" and the format "Arbeitsrunde der Projektleitungen" are two records
    (the body, modelled as a steering group, and its meetings)."""
    entry = _mobility(api)
    assert {b["key"]: b["type"] for b in entry["brokers"]}.items() >= {
        "pl-arbeitsrunde": "format", "pl-runde": "actor"}.items()
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    section = html[html.index('id="transfer-mobility"'):]
    section = section[:section.index("</details>")]
    assert (f'<a href="{R}/formats/pl-arbeitsrunde">Arbeitsrunde der Projektleitungen</a>'
            " (Format)") in section
    assert (f'<a href="{R}/actors/pl-runde">Arbeitsrunde der fünf Projektleitungen</a>'
            " (Akteur)") in section
    assert (f'<a href="{R}/formats/pl-arbeitsrunde">Arbeitsrunde der Projektleitungen</a>'
            " (Format, 4 Wege)") in section
    assert (f'<a href="{R}/actors/pl-runde">Arbeitsrunde der fünf Projektleitungen</a>'
            " (Akteur, 1 Weg)") in section
    assert f'<a href="{R}/actors/swa">Südwestfalen Agentur GmbH</a> (Akteur' in section


@needs_poppler
def test_pdf_report_names_the_kind(as_user, tmp_path):
    """The PDF report's transfer table says the kind of each intermediary too."""
    text = " ".join(_pdftext(as_user("gast").get(f"{R}/report.pdf").get_data(),
                             tmp_path).split())
    assert "Arbeitsrunde der Projektleitungen (Format)" in text
    assert "Südwestfalen Agentur GmbH (Akteur)" in text
