"""Issue 16 over HTTP: the map page and its data, the charts on the analysis and rule pages,
the printed "Stand" line, and the PDF reports (text via pdftotext, pages via pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

#: the map reads only (the analysis and PDF pages store a report computed inline in tests)
reads_only = pytest.mark.usefixtures("no_commit_on_get")

R = "/regions/swf5"


@reads_only
def test_map_page_and_data(as_user):
    user = as_user("gast")
    page = user.get(f"{R}/map")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/leaflet/leaflet.js" in html and "js/map.js" in html
    assert 'data-tiles-url=""' in html  # no tile server unless configured
    assert ">Karte<" in html  # in the menu
    assert "<script>" not in html.replace('<script type="application/json"', "")
    data = user.get(f"{R}/map/data.json").get_json()
    olpe = next(m for m in data["municipalities"] if m["key"] == "olpe")
    assert (olpe["lat"], olpe["lon"], olpe["tier"]) == (51.03, 7.85, "pioneer")
    assert olpe["population"] == 24551
    swa = next(b for b in data["bodies"] if b["key"] == "swa")
    assert swa["seat"] == "region"
    m01 = next(i for i in data["initiatives"] if i["key"] == "m01")
    assert {"Olpe", "Soest"} <= {c["name"] for c in m01["carriers"]}
    assert data["routes"] == []


@reads_only
def test_map_sizes_for_every_measure(as_user):
    """Each member carries its value for every "Größe nach" measure: connections,
    population, its actors' FTE, and (the report computed) its best Taktgeber score and
    gap count with its actors."""
    user = as_user("gast")
    data = user.get(f"{R}/map/data.json").get_json()
    olpe = next(m for m in data["municipalities"] if m["key"] == "olpe")
    assert set(olpe["sizes"]) == {"degree", "population", "capacity", "taktgeber", "gaps"}
    assert olpe["sizes"]["population"] == 24551 and olpe["sizes"]["degree"] > 0
    assert data["analysed"] is True
    values = {m: {x["sizes"][m] for x in data["municipalities"]}
              for m in ("degree", "capacity", "taktgeber", "gaps")}
    assert all(len(v) > 1 for v in values.values()), values


@reads_only
def test_map_filters_and_topic_routes(as_user):
    user = as_user("gast")
    data = user.get(f"{R}/map/data.json?tier=pioneer&type=municipality").get_json()
    assert {m["tier"] for m in data["municipalities"]} == {"pioneer"}
    topic = user.get(f"{R}/map/data.json?topic=data_platform").get_json()
    assert topic["routes"], "a topic's transfer routes are drawn on the map"
    assert all(len(r["points"]) >= 2 for r in topic["routes"])
    bad = user.get(f"{R}/map/data.json?tier=gold")
    assert bad.status_code == 422 and "Stufe" in bad.get_json()["details"][0]["message"]


def test_map_tiles_only_when_configured(app):
    from collab import create_app
    from tests.conftest import FAST

    other = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "MAP_TILES_URL": "https://sgx.geodatenzentrum.de/wmts/{z}/{x}/{y}.png"})
    from tests.conftest import Browser
    user = Browser(other.test_client()).login("gast")
    page = user.get(f"{R}/map")
    assert 'data-tiles-url="https://sgx.geodatenzentrum.de/wmts/{z}/{x}/{y}.png"' in \
        page.get_data(as_text=True)
    assert "img-src 'self' data: blob: https://sgx.geodatenzentrum.de;" in \
        page.headers["Content-Security-Policy"]
    from collab.extensions import db
    with other.app_context():  # close this second app's connections now, not in the GC
        db.session.remove()
        db.engine.dispose()


def test_analysis_page_has_charts_and_details(as_user):
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    for chart in ("chart-taktgeber", "chart-gaps", "chart-topics", "chart-levels"):
        assert f'id="{chart}"' in html, chart
    assert html.count('class="table-details"') == 2
    assert "Details: Rangliste als Tabelle" in html
    assert "js/print.js" in html
    assert "Stand: " in html


def test_taktgeber_chart_writes_values_as_the_table_does(as_user):
    """QA: the chart said "0,1" where the ranking's table said "0,10". Each bar's value, on
    the wide drawing and the phone's, reads as the table's (two decimals)."""
    import re

    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    table = html[html.index('<table class="ranking'):]
    table = table[:table.index("</table>")]
    scores = re.findall(r"<strong>([0-9,.]+)</strong>", table)
    assert scores and all(re.fullmatch(r"\d,\d\d", s) for s in scores), scores
    for chart in ("chart-taktgeber", "chart-taktgeber-phone"):
        svg = html[html.index(f'id="{chart}"'):]
        svg = svg[:svg.index("</svg>")]
        drawn = re.findall(r'class="kn-score"[^>]*>([^<]+)<', svg)
        assert drawn == scores[:len(drawn)] and len(drawn) == min(10, len(scores)), \
            (chart, drawn, scores)


def test_taktgeber_chart_keeps_two_decimals(app):
    """A value of 0.1 is drawn "0,10" (English "0.10"), as the table writes it, not "0,1"."""
    import re

    from flask_babel import force_locale

    from collab.analysis.figures import taktgeber_chart

    report = {"weights": {"mandate": 1.0},
              "taktgeber": [{"name": "Kreis", "score": 0.1, "parts": {"mandate": 0.1},
                             "rank_range": None}]}
    with app.test_request_context("/"):
        for lang, text in (("de", "0,10"), ("en", "0.10")):
            with force_locale(lang):
                for phone in (False, True):
                    svg = taktgeber_chart(report, {"mandate": "Mandat"}, phone=phone)
                    assert re.findall(r'class="kn-score"[^>]*>([^<]+)<', svg) == [text]


def test_ballot_chart_of_a_tally(app):
    """The rule page draws its tally (a dict, as ``tally_of`` gives it) as a chart."""
    from collab.analysis.figures import ballot_chart

    with app.test_request_context("/"):
        svg = ballot_chart({"yes": 3, "no": 1, "abstain": 0, "eligible": 6, "needed": 4})
    assert svg.startswith("<svg") and "kn-chart-ballot" in svg
    assert "Quorum: 4 Stimmen" in svg and "Nicht abgestimmt" in svg


def _pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")


@needs_poppler
def test_region_report_pdf(as_user, tmp_path):
    response = as_user("gast").get(f"{R}/report.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = _pdftext(data, tmp_path)
    assert "Bericht zum Netzwerk" in text
    assert "Taktgeber-Kandidaten" in text and "Südwestfalen Agentur GmbH" in text
    assert "Lücken: Aufgabenliste" in text
    assert "Kooperationsvereinbarung" in text and "Stand: " in text
    assert "Herkunft der Angaben" in text
    # the pages as images: every page renders and is not blank
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "report.pdf"),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    from PIL import Image
    for png in pages:
        with Image.open(png) as image:
            lo, hi = image.convert("L").getextrema()
            assert hi - lo > 100, f"{png.name} looks blank"


def test_region_report_pdf_is_made_once_per_state(as_user, api, monkeypatch):
    """User pass: the region's PDF took 4.5 s on every request (WeasyPrint in the web
    worker). It is made once per data version, report, language, day and charter and then
    served from the shared cache, to every reader alike; a change of the data makes it anew;
    the English one is its own."""
    from collab.analysis import pdf

    made = []
    real = pdf.region_report_pdf

    def counting(*args, **kwargs):
        made.append(args[0].slug)
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf, "region_report_pdf", counting)
    first = as_user("gast").get(f"{R}/report.pdf")
    again = as_user("koordination").get(f"{R}/report.pdf")
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data() and len(made) == 1
    assert first.headers["Cache-Control"] == "no-store"  # no copy in a browser or proxy
    english = as_user("gast")
    english.post("/lang/en", {"next": "/"})
    assert english.get(f"{R}/report.pdf").get_data() != first.get_data()
    assert len(made) == 2
    assert api("koordination").patch(f"{R}/actors/olpe-rat", {"capacity_fte": 2.5}
                                     ).status_code == 200
    as_user("gast").get(f"{R}/report.pdf")
    assert len(made) == 3


@needs_poppler
def test_region_report_pdf_in_english(as_user, tmp_path):
    user = as_user("gast")
    user.post("/lang/en", {"next": "/"})
    text = _pdftext(user.get(f"{R}/report.pdf").get_data(), tmp_path)
    assert "Network report" in text and "Gaps: to-do list" in text


@needs_poppler
def test_member_report_pdf(as_user, tmp_path):
    user = as_user("gast")
    response = user.get(f"{R}/municipalities/olpe/report.pdf")
    assert response.status_code == 200
    text = _pdftext(response.get_data(), tmp_path)
    assert "Ratsvorlage: Olpe" in text
    assert "Offene Entscheidungen" in text
    assert user.get(f"{R}/municipalities/swa/report.pdf").status_code == 404


def test_exports_carry_label_colour_and_position(as_user):
    import io

    import networkx as nx

    user = as_user("gast")
    gexf = user.get(f"{R}/network/export.gexf").get_data()
    assert b"viz:position" in gexf and b"viz:color" in gexf
    G = nx.read_gexf(io.BytesIO(gexf))
    olpe = G.nodes["olpe"]
    assert olpe["label"] == "Olpe"
    assert set(olpe["viz"]["position"]) >= {"x", "y"}
    assert olpe["viz"]["color"]["r"] == 0x1b
    graphml = nx.read_graphml(io.BytesIO(user.get(f"{R}/network/export.graphml").get_data()))
    node = graphml.nodes["olpe"]
    assert node["label"] == "Olpe" and node["color"] == "#1b4f72"
    assert isinstance(node["x"], float) and isinstance(node["y"], float)
