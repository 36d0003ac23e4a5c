"""The analysis page, the `flask analyse` command and the analysis API: content, what-if,
links to the objects concerned, the role matrix, and the per-change report cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

import graphs
from collab.analysis import reports

from .test_pictures import _pdftext, needs_poppler

R = "/regions/swf5"
ROLES = ["anonymous", "gast", "olpe", "soest", "koordination"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts and ends without cached reports."""
    reports.clear_cache()
    yield
    reports.clear_cache()


@pytest.fixture
def report(api):
    """The baseline report of the demo region, as the API serves it."""
    response = api("gast").get("/regions/swf5/analysis")
    assert response.status_code == 200
    return response.get_json()


def without_timings(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "timings_ms"}


# --- the page ---------------------------------------------------------------------------------


def test_page_shows_summary_ranking_and_swa_part_by_part(as_user, report):
    """The coordinator sees the summary, the ranking, and the Südwestfalen Agentur's score
    taken apart: every part with its weight and the ties behind its mandate part."""
    html = as_user("koordination").get(f"{R}/analysis").get_data(as_text=True)
    s = report["summary"]
    for count, label in ((s["municipalities"], "Mitgliedskommunen"), (s["actors"], "Akteure"),
                         (s["initiatives"], "Initiativen"), (s["communities"], "Teilnetze"),
                         (s["components"], "Zusammenhangskomponenten")):
        assert f"<strong>{count}</strong> {label}" in html
    top = report["taktgeber"][0]
    assert top["key"] == "swa"
    assert 'id="tg-swa"' in html and str(escape(top["explanation"])) in html
    for label in ("Vermittlung zwischen Kommunen", "Mandat", "Kapazität", "Reichweite",
                  "Abdeckung der Teilnetze", "Passende Ebene", "Verlust bei Ausscheiden"):
        assert f'<th scope="row">{label}</th>' in html
    share = round(100 * report["weights"]["brokerage"])
    assert f"Vermittlung zwischen Kommunen <small>({share}\xa0%)</small>" in html
    assert "finanziert von Landrat / Kreisverwaltung" in html
    assert f"erreicht {top['raw']['members_reached']} von {s['municipalities']} Mitgliedern" \
        in html
    assert "4,0 VZÄ" in html  # swa's staff, the raw figure of its capacity part


def test_every_gap_links_to_the_objects_it_concerns(as_user, report):
    """Each gap of the report is on the page, with a link to each object named in its keys
    (municipality, actor or initiative detail page)."""
    html = as_user("koordination").get(f"{R}/analysis").get_data(as_text=True)
    seed = json.loads((Path(__file__).resolve().parents[2] / "seeds" / "swf5.json").read_text())
    kinds = {}
    for section in ("actors", "initiatives", "solutions"):
        kinds.update({o["key"]: section for o in seed.get(section, [])})
    for row in report["org_models"]["members"]:
        kinds[row["key"]] = "municipalities"
    for gap in report["gaps"]:
        assert str(escape(gap["message"])) in html
        for key in gap["keys"]:
            kind = kinds.get(key) or ("initiatives" if gap["kind"].startswith(
                ("single_municipality", "initiative_")) else "actors")
            assert f'href="{R}/{kind}/{key}"' in html, (gap["kind"], key)
    assert f'href="{R}/municipalities/burbach"' in html  # the isolated member
    assert f'href="{R}/initiatives/m01"' in html  # an initiative without a lead


def test_page_for_viewer_shows_transfer_structure_and_whatif_form(as_user, report):
    """A viewer reads the whole analysis: transfer paths with their broker and the
    urban-before-rural note, communities, core and periphery, organisation models, and the
    what-if form; the region's navigation links to the page."""
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    mobility = next(t for t in report["transfer"] if t["topic"] == "mobility")
    assert 'id="transfer-mobility"' in html
    assert "ländlich für ländlich" in html
    broker = mobility["brokers"][0]["key"]
    assert f'href="{R}/{"initiatives" if broker == "sc-schule" else "actors"}/{broker}"' in html
    assert "Kern und Rand" in html and "Organisationsmodelle im Vergleich" in html
    # the counted models say what they count (user pass: "Koordinierende Modelle" counted
    # 5 while 6 members have a coordinating unit, Soest's Fachamt being no model)
    assert "Gewählte Organisationsmodelle (Zahl der Mitglieder):" in html
    assert "Ein Fachamt, das eine Ebene übernimmt, ist kein eigenes Modell" in html
    assert "Koordinierende Modelle:" not in html
    assert '<select name="without">' in html and '<select name="taktgeber">' in html
    assert f'<a href="{R}/analysis" aria-current="page">Analyse</a>' in html
    overview = as_user("gast").get(R).get_data(as_text=True)
    assert f'href="{R}/analysis"' in overview


def test_transfer_steps_are_explained_truthfully(as_user, report):
    """User pass: "über (Vermittler): direkt" beside "Schritte 3" puzzled an analyst. The
    page explains the count, and what it says holds for every path of the demo: a direct
    path has 3 steps, each intermediary adds at least one."""
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    assert "„direkt“ heißt ohne Vermittler" in html and "3 Schritte" in html
    paths = [p for t in report["transfer"] for p in t["paths"]]
    assert paths and any(not p["via"] for p in paths) and any(p["via"] for p in paths)
    assert all(p["hops"] == 3 if not p["via"] else p["hops"] >= 3 + len(p["via"])
               for p in paths)


def test_whatif_on_page(as_user, api):
    """"Ohne die Agentur" and "mit Menden's CDO als Taktgeber" show the comparison the API
    reports: its sentence, the gaps that open, and the assumed candidate marked."""
    browser = as_user("olpe")
    expected = api("olpe").get("/regions/swf5/analysis?without=swa").get_json()["whatif"]
    html = browser.get(f"{R}/analysis?without=swa").get_data(as_text=True)
    assert str(escape(expected["message"])) in html
    assert f"Lücken, die hinzukommen <small>({len(expected['gaps_opened'])})</small>" in html
    assert '<option value="swa" selected>' in html
    # each gap that opens says how urgent it is in words, not by its colour alone
    opened = html[html.index("Lücken, die hinzukommen"):html.index("Lücken, die entfallen")]
    assert opened.count('<span class="badge sev-high">hoch</span>') == sum(
        g["severity"] == "high" for g in expected["gaps_opened"]) > 0
    html = browser.get(f"{R}/analysis?taktgeber=menden-cdo").get_data(as_text=True)
    assert "als Taktgeber angenommen" in html and 'class="designated"' in html


@pytest.mark.parametrize("query,message", [
    ("without=nope", "„Ohne“: „nope“ ist weder Kommune noch Akteur noch Initiative"),
    ("taktgeber=olpe", "„Als Taktgeber“: „olpe“ ist kein Akteur dieses Netzwerks."),
    ("without=swa&taktgeber=swa", "Dieselbe Stelle kann nicht zugleich wegfallen"),
    ("without=olpe&taktgeber=olpe-digital", "gehört zu Olpe, die in diesem Szenario wegfällt"),
    ("without=pl-arbeitsrunde", "„pl-arbeitsrunde“ ist weder Kommune noch Akteur noch Initiative"),
])
def test_unknown_whatif_key_on_page(as_user, query, message):
    """A what-if key the network does not have gets a German message (422), not an error."""
    response = as_user("gast").get(f"{R}/analysis?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert str(escape(message)) in html and 'role="alert"' in html
    assert "Taktgeber-Kandidaten" in html  # the rest of the analysis is still there


@needs_poppler
def test_transfer_names_every_stop_and_lists_each_broker_once(as_user, tmp_path):
    """A format on a transfer path (pl-arbeitsrunde, "Arbeitsrunde der Projektleitungen") is
    named and linked like the actors, marked as a format among the brokers, and listed
    once; the PDF report and the Ratsvorlage name it too. It is no what-if choice."""
    user = as_user("koordination")
    html = user.get(f"{R}/analysis").get_data(as_text=True)
    transfer = html[html.index('<section id="transfer">'):html.index('<section id="structure">')]
    link = f'<a href="{R}/formats/pl-arbeitsrunde">Arbeitsrunde der Projektleitungen</a>'
    assert f'(Vermittler)">{link} (Format)</td>' in transfer  # with its kind (user pass)
    assert f"{link} (Format, " in transfer
    assert 'class="key"' not in transfer and ">pl-arbeitsrunde<" not in transfer
    for line in transfer.split("Wichtigste Vermittler:")[1:]:
        brokers = re.findall(r'<a href="([^"]+)">', line.split("</p>")[0])
        assert brokers and len(brokers) == len(set(brokers)), brokers
    whatif = html[html.index('<select name="without">'):]
    assert 'value="pl-arbeitsrunde"' not in whatif.split("</select>")[0]
    for path in (f"{R}/report.pdf", f"{R}/municipalities/olpe/report.pdf"):
        text = _pdftext(user.get(path).get_data(), tmp_path)
        assert "Arbeitsrunde der Projektleitungen" in text and "pl-arbeitsrunde" not in text


# --- command line -----------------------------------------------------------------------------


def test_cli_text(runner, report):
    """`flask analyse swf5` prints summary, the best candidates with their parts, every gap
    and the transfer paths, in German."""
    result = runner.invoke(args=["analyse", "swf5"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Analyse der Region swf5")
    assert f"Überblick: {report['summary']['municipalities']} Kommunen" in out
    best = report["taktgeber"][0]
    assert best["key"] == "swa"
    score = f"{best['score']:.2f}".replace(".", ",")
    assert f"1. Südwestfalen Agentur GmbH (swa): Wert {score}" in out
    share = round(100 * report["weights"]["brokerage"])
    assert f"Vermittlung zwischen Kommunen 1,00 × {share} %" in out
    assert f"Lücken ({len(report['gaps'])}):" in out
    assert all(g["message"] in out for g in report["gaps"])
    assert "Wissenstransfer:" in out and " über " in out  # paths name their brokers


def test_cli_json_is_the_api_document(runner, api):
    """`flask analyse swf5 --json` prints the report document the API serves (timings
    apart), each computed afresh."""
    result = runner.invoke(args=["analyse", "swf5", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    reports.clear_cache()
    served = api("koordination").get("/regions/swf5/analysis").get_json()
    assert without_timings(printed) == without_timings(served)
    assert printed["region"] == "swf5" and printed["whatif"] is None


def test_cli_unknown_region(runner):
    result = runner.invoke(args=["analyse", "nope"])
    assert result.exit_code == 1
    assert "Region „nope“ gibt es nicht." in result.output


# --- API --------------------------------------------------------------------------------------


def test_api_errors(api):
    """401 without token, 404 for an unknown region, 422 naming the field of an unknown
    what-if key."""
    assert api(None).get("/regions/swf5/analysis").status_code == 401
    client = api("gast")
    assert client.get("/regions/nope/analysis").status_code == 404
    response = client.get("/regions/swf5/analysis?without=nope&taktgeber=olpe")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "Die Eingabe ist ungültig."
    assert [d["field"] for d in body["details"]] == ["without", "taktgeber"]
    assert "nope" in body["details"][0]["message"]


def test_api_whatif(api, report):
    """?without= and ?taktgeber= return the scenario's report with its comparison."""
    client = api("soest")
    gone = client.get("/regions/swf5/analysis?without=swa").get_json()
    assert gone["whatif"]["without"] == "swa"
    assert "swa" not in [r["key"] for r in gone["taktgeber"]]
    assert gone["summary"]["actors"] == report["summary"]["actors"] - 1
    assert gone["whatif"]["message"].startswith("Ohne die Südwestfalen Agentur GmbH")
    designated = client.get("/regions/swf5/analysis?taktgeber=menden-cdo").get_json()
    assert designated["taktgeber"][0]["key"] == "menden-cdo"
    assert designated["taktgeber"][0]["designated"] is True
    assert designated["whatif"]["taktgeber"] == "menden-cdo"


def test_openapi_lists_the_analysis(api):
    doc = api(None).get("/openapi.json").get_json()
    entry = doc["paths"]["/regions/{slug}/analysis"]
    assert {p["name"] for p in entry["parameters"]} == {"slug", "without", "taktgeber", "lang"}
    assert set(entry["get"]["responses"]) >= {"200", "401", "404", "422"}


# --- the cache --------------------------------------------------------------------------------


def test_report_computed_once_per_change(monkeypatch, as_user, today):
    """Two page views run the analysis once; a write through a service (the coordinator
    edits an actor) bumps the region's data version, and the next view runs it again. It
    judges funding ends and running formats by the local day."""
    calls = []
    real = graphs.analyse

    def counting(bundle, **kwargs):
        calls.append(kwargs)
        return real(bundle, **kwargs)

    monkeypatch.setattr(graphs, "analyse", counting)
    coordinator = as_user("koordination")
    assert coordinator.get(f"{R}/analysis").status_code == 200
    assert coordinator.get(f"{R}/analysis").status_code == 200
    assert as_user("gast").get(f"{R}/analysis").status_code == 200
    assert len(calls) == 1 and calls[0]["today"] == today
    response = coordinator.post(f"{R}/actors/olpe-digital/edit", {
        "name": "Smart-City-Projektleitung der Stadt Olpe", "type": "staff_unit",
        "level": "coordinating", "sector": "public", "municipality": "olpe",
        "capacity_fte": "3"})
    assert response.status_code == 302
    html = coordinator.get(f"{R}/analysis").get_data(as_text=True)
    assert len(calls) == 2
    assert "3,0 VZÄ" in html  # the new staff figure is in the recomputed report
    coordinator.get(f"{R}/analysis")
    assert len(calls) == 2


# --- who may see it ---------------------------------------------------------------------------

MATRIX = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/analysis", "302 200 200 200 200"),
    (f"{R}/analysis?without=swa", "302 200 200 200 200"),
    (f"{R}/analysis?taktgeber=olpe-digital", "302 200 200 200 200"),
    (f"{R}/analysis?without=nope", "302 422 422 422 422"),
    ("/regions/nope/analysis", "302 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", MATRIX, ids=[p for p, _ in MATRIX])
def test_page_matrix(path, spec, browser, as_user):
    """Every signed-in role reads the analysis; anonymous users are sent to /login."""
    for role, status in zip(ROLES, (int(s) for s in spec.split()), strict=True):
        client = browser if role == "anonymous" else as_user(role)
        response = client.get(path)
        assert response.status_code == status, (role, path, response.status_code)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]


API_MATRIX = [
    # path, no token, gast, olpe, soest, koordination
    ("/regions/swf5/analysis", "401 200 200 200 200"),
    ("/regions/swf5/analysis?without=olpe", "401 200 200 200 200"),
    ("/regions/swf5/analysis?taktgeber=nope", "401 422 422 422 422"),
    ("/regions/nope/analysis", "401 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", API_MATRIX, ids=[p for p, _ in API_MATRIX])
def test_api_matrix(path, spec, api):
    """Every account with a token reads the analysis; without a token: 401."""
    for role, status in zip(ROLES, (int(s) for s in spec.split()), strict=True):
        response = api(None if role == "anonymous" else role).get(path)
        assert response.status_code == status, (role, path, response.status_code)


def test_analysis_reads_the_same_records_as_the_export(app, ctx, seed_bundle):
    """The fast reader behind the export, the analysis and the view gives exactly the
    records the API gives object by object (collab.core.store' record functions)."""
    import sqlalchemy as sa

    from collab.core.models import Actor, Initiative, Tie
    from collab.core.permissions import get_region
    from collab.core.records import network_records
    from collab.extensions import db
    from collab.objects import services as object_services

    region = get_region("swf5")

    def each(model, record):
        return [record(o) for o in db.session.scalars(
            sa.select(model).filter_by(region_id=region.id).order_by(model.key))]

    memberships = sorted(region.memberships, key=lambda m: m.municipality.key)
    exported = {"municipalities": [object_services.municipality_record(m) for m in memberships],
                "actors": each(Actor, object_services.actor_record),
                "initiatives": each(Initiative, object_services.initiative_record),
                "ties": each(Tie, object_services.tie_record)}
    records = network_records(region)
    assert {name: records[name] for name in exported} == exported
    assert records["region"]["slug"] == "swf5"
    with_contact = network_records(region, contact=True)["actors"]
    assert [a.get("contact") for a in with_contact] == [
        r.get("contact")
        for r in each(Actor, lambda a: object_services.actor_record(a, contact=True))]


# --- review fixes: designation, what-if wording, numbers, overview cover ----------------------


def designate(api, seed_bundle, actor="swa"):
    """Adopt a rule naming ``actor`` as the Taktgeber (every voting member says yes)."""
    from .test_rules import propose_and_open, proxy, voting_keys
    rule_id = propose_and_open(api, {"title": "Taktgeber", "text": "Benennung.",
                                     "kind": "taktgeber", "actor": actor},
                               proposer="koordination")
    coordinator = api("koordination")
    for key in voting_keys(seed_bundle):
        assert proxy(coordinator, rule_id, key).status_code == 201
    assert coordinator.get(f"{R}/rules/{rule_id}").get_json()["status"] == "adopted"


def test_adopted_designation_counts_as_the_networks_mandate_and_the_overview_shows_the_cover(
        api, as_user, seed_bundle, report):
    """Once swa is designated by an adopted rule, the designation is the network's mandate
    (mandate part 1, score not lower than before, rank 1), the page says so, the gap "no
    designated Taktgeber" is gone, and the overview's level matrix names swa in the
    coordinating cell of exactly the members the analysis says it covers (none a gap)."""
    before = report["taktgeber"][0]
    assert "no_designated_taktgeber" in {g["kind"] for g in report["gaps"]}
    designate(api, seed_bundle)
    after = api("gast").get(f"{R}/analysis").get_json()
    swa = after["taktgeber"][0]
    assert swa["key"] == "swa" and swa["designated"] and not swa["assumed"]
    assert swa["parts"]["mandate"] == 1.0 and swa["rank"] == 1
    assert swa["score"] >= before["score"]
    assert "no_designated_taktgeber" not in {g["kind"] for g in after["gaps"]}
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    score = f"{swa['score']:.2f}".replace(".", ",")
    assert (f"(berechnet: Rang 1, Wert {score}); die Benennung zählt als Mandat des "
            "Netzwerks") in html
    assert "als Taktgeber angenommen" not in html
    covered = {m["key"] for m in after["org_models"]["members"] if m["covered_by"] == "swa"}
    assert covered  # swa is tied to members without a coordinating unit of their own
    missing = {k for g in after["gaps"] if g["kind"] == "missing_level" for k in g["keys"]
               if "koordinierende" in g["message"]}
    assert not covered & missing
    overview = as_user("gast").get(R).get_data(as_text=True)
    link = f'übernommen von <a href="{R}/actors/swa">Südwestfalen Agentur GmbH</a>'
    assert overview.count(link) == len(covered)
    assert "„Übernommen von“: Die koordinierende Ebene füllt" in overview


def test_taktgeber_whatif_explains_why_the_assumed_body_is_first(as_user, api, report):
    """"Mit swa als Taktgeber" is a scenario that counts its mandate (0,5: funded, not
    mandated) as fulfilled: 0,1 more (weight 0,2); the page explains the assumption with
    its score before and after, in German number notation. Menden's CDO, already
    coordinating and mandated, keeps its score and gets the same sentence."""
    swa = next(r for r in report["taktgeber"] if r["key"] == "swa")
    row = api("gast").get(f"{R}/analysis?taktgeber=swa").get_json()["taktgeber"][0]
    assert row["key"] == "swa" and row["assumed"] and row["computed_score"] == swa["score"]
    assert row["score"] == round(swa["score"] + 0.2 * (1 - swa["parts"]["mandate"]), 4)
    for key in ("swa", "menden-cdo"):
        row = api("gast").get(f"{R}/analysis?taktgeber={key}").get_json()["taktgeber"][0]
        html = as_user("gast").get(f"{R}/analysis?taktgeber={key}").get_data(as_text=True)
        after = f"{row['score']:.2f}".replace(".", ",")
        before = f"{row['computed_score']:.2f}".replace(".", ",")
        assert (f"als Taktgeber angenommen ist: Ebene und Mandat als erfüllt gewertet (Wert "
                f"{after} statt {before})") in html
        assert "als Taktgeber angenommen</span>" in html


def test_whatif_lists_only_real_changes_and_formats_figures_by_language(as_user, api):
    """"Ohne swa": every gap listed as changed changed its severity; suggestion-only changes
    are one line; the key figures use the decimal comma in German."""
    whatif = api("gast").get(f"{R}/analysis?without=swa").get_json()["whatif"]
    assert all(c["severity"][0] != c["severity"][1] for c in whatif["gaps_changed"])
    assert whatif["gaps_reworded"] > 0
    html = as_user("gast").get(f"{R}/analysis?without=swa").get_data(as_text=True)
    assert f"Bei {whatif['gaps_reworded']} weiteren Lücken ändert sich nur der Vorschlag" in html
    line = html[html.index("Kennzahlen:"):].split("</p>")[0]
    density = whatif["summary_changes"]["density"]
    assert f"{density[0]:.3f} → {density[1]:.3f}".replace(".", ",") in line
    assert not any(ch.isdigit() and line[i + 1:i + 2] == "." and line[i + 2:i + 3].isdigit()
                   for i, ch in enumerate(line))


@pytest.mark.parametrize("lang,lead,point,percent", [("de", "Kennzahlen:", ",", "\xa0%"),
                                                     ("en", "Metrics:", ".", "%")])
def test_whatif_figures_read_as_the_overview_does(as_user, api, lang, lead, point, percent):
    """"Ohne menden-cdo" in either language: densities with three decimals and the share
    of the largest part as a percentage, as the overview above them (the scenario's) has
    them."""
    changes = api("gast").get(f"{R}/analysis?without=menden-cdo").get_json()[
        "whatif"]["summary_changes"]
    assert {"density", "municipality_density", "main_component_share"} <= set(changes)
    user = as_user("gast")
    user.post(f"/lang/{lang}", {"next": "/"})
    html = user.get(f"{R}/analysis?without=menden-cdo").get_data(as_text=True)
    overview = html[html.index('<dl class="facts">'):].split("</dl>")[0]
    line = html[html.index(lead):].split("</p>")[0]
    for key in ("density", "municipality_density"):
        before, after = (f"{v:.3f}".replace(".", point) for v in changes[key])
        assert f"{before} → {after}" in line, line
        assert f"<dd>{after} " in overview
    before, after = (f"{round(v * 100)}{percent}" for v in changes["main_component_share"])
    assert f"{before} → {after}" in line and f"<dd>{after} " in overview


def test_wording_sorting_and_sums_on_the_page(as_user, report):
    """Plural-aware "1 Weg", every member in core/middle/periphery, the what-if lists sorted
    by German collation, each candidate's points adding up to the shown sum, and the
    definition of experience as the code counts it."""
    from collab.analysis.pages import collation_key, taktgeber_rows
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    assert "(1 Wege)" not in html and "1 Schritte)" not in html
    brokers = [b for t in report["transfer"] for b in t["brokers"]]
    if any(b["paths"] == 1 for b in brokers):
        assert ", 1 Weg)" in html  # after the broker's kind: "(Akteur, 1 Weg)"
    cp = report["core_periphery"]
    listed = cp["core"] + cp["middle"] + cp["periphery"]
    assert sorted(listed) == sorted(m["key"] for m in report["org_models"]["members"])
    select = html[html.index('<select name="taktgeber">'):]
    select = select[:select.index("</select>")]
    names = [part.split(">", 1)[1].split("<", 1)[0] for part in select.split("<option")[2:]]
    assert names == sorted(names, key=collation_key) and len(names) == report["summary"]["actors"]
    assert collation_key("Märkischer Kreis") < collation_key("Menden") < \
        collation_key("mendigital GmbH")
    for row in taktgeber_rows(report):
        assert round(sum(p["points"] for p in row["part_rows"]), 3) == row["points_sum"]
        assert abs(row["points_sum"] - row["score"]) < 0.004
    # what the page says experience is, as the analysis counts it: an initiative or a
    # solution in use; a topic a member only lists is its own account, never a mentor's
    assert "oder wenn es eine Lösung zum Thema einsetzt" in html
    assert "gilt das als eigene Angabe, nicht als Erfahrung" in html
    assert "oder das Thema unter seinen Themen nennt" not in html
    assert all(not set(t["self_declared"]) & set(t["sources"]) for t in report["transfer"])
    assert "eine Initiative geführt oder abgeschlossen" not in html


def test_coverage_sentences_count_the_communities_the_score_counts(app, as_user, report,
                                                                   tmp_path):
    """Burbach has no tie to the network: the overview counts 4 communities, the coverage
    part only the 3 of the connected network. The Südwestfalen Agentur reaches all 3 (1,00):
    its part row on the page says "3 von 3", as every coverage sentence of page and PDF
    report says "von 3" (before, the page said "3 von 4" beside a coverage of 1,00)."""
    import re
    import shutil
    import subprocess

    from collab.analysis.pages import part_reason

    assert report["summary"]["communities"] == 4 and ["burbach"] in report["communities"]
    swa = report["taktgeber"][0]
    assert swa["key"] == "swa" and swa["parts"]["coverage"] == 1.0
    assert (swa["raw"]["communities_reached"], swa["raw"]["communities_counted"]) == (3, 3)
    user = as_user("gast")
    html = user.get(f"{R}/analysis").get_data(as_text=True)
    swa_html = html[html.index('id="tg-swa"'):]
    swa_html = swa_html[:swa_html.index("</details>")]
    assert "erreicht 3 von 3 Teilnetzen des zusammenhängenden Netzes" in swa_html
    said = re.findall(r"erreicht (\d+) von (\d+) Teilnetzen", html)
    assert said and {of for _n, of in said} == {"3"}
    for row in report["taktgeber"]:
        reached, counted = row["raw"]["communities_reached"], row["raw"]["communities_counted"]
        assert row["parts"]["coverage"] == round(reached / counted, 4)
    # a report stored before the raw figure existed: the count comes back from the part
    old = {**swa, "raw": {k: v for k, v in swa["raw"].items() if k != "communities_counted"}}
    with app.test_request_context("/"):
        assert part_reason("coverage", old, report["summary"]) == \
            "erreicht 3 von 3 Teilnetzen des zusammenhängenden Netzes"
    if shutil.which("pdftotext"):
        path = tmp_path / "report.pdf"
        path.write_bytes(user.get(f"{R}/report.pdf").get_data())
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                       capture_output=True, text=True).stdout.split())
        said = re.findall(r"erreicht (\d+) von (\d+) Teilnetzen", text)
        assert said and {of for _n, of in said} == {"3"}


def test_core_names_the_agency_its_k_counts(as_user, report):
    """The demo region's innermost core is a 16-core of the contact graph: 16 municipalities
    and the Südwestfalen Agentur (the 16 alone work with 15 others each). The page names the
    agency in the core and says the 16 count it, so "mindestens 16 anderen" fits a group of
    17 (before, the line listed 16 municipalities only)."""
    cp = report["core_periphery"]
    assert (cp["k_max"], len(cp["core"]), cp["core_with"]) == (16, 16, ["swa"])
    html = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    line = html[html.index("<dt>Kern</dt>"):]
    line = line[:line.index("</dd>")]
    assert line.count('href="/regions/swf5/municipalities/') == 16
    assert 'dazu die regionale Stelle <a href="/regions/swf5/actors/swa">' in line
    assert "die engste Gruppe (diese Kommunen mit den regionalen Stellen): jede arbeitet mit " \
        "mindestens 16 anderen dieser Gruppe zusammen" in line
    assert len(cp["core"]) + len(cp["core_with"]) > cp["k_max"]


def test_overview_needs_no_analysis_without_a_designated_taktgeber(monkeypatch, as_user):
    """The overview's level matrix asks the analysis only when a designated Taktgeber could
    cover members' coordinating level; the demo region has none adopted yet."""
    calls = []
    monkeypatch.setattr(graphs, "analyse", lambda bundle, **kw: calls.append(kw))
    html = as_user("gast").get(R).get_data(as_text=True)
    assert "Ebenen der Mitglieder" in html
    assert calls == []


def test_adopting_a_criteria_rule_changes_the_ranking_and_the_page_cites_it(
        api, as_user, seed_bundle):
    """Issue 12: a criteria rule the network adopts sets the Taktgeber weights; the ranking
    follows them, the report and the page name the rule, every candidate shows its rank
    range."""
    from .test_rules import propose_and_open, proxy, voting_keys

    gast = api("gast")
    before = gast.get(f"{R}/analysis").get_json()
    assert before["weights_rule"] is None
    order_before = [r["key"] for r in before["taktgeber"]]

    rule_id = propose_and_open(api, {
        "title": "Kapazität entscheidet", "text": "Der Taktgeber braucht Personal.",
        "kind": "criteria", "weights": {"capacity": 1}}, proposer="koordination")
    coordinator = api("koordination")
    for key in voting_keys(seed_bundle):
        assert proxy(coordinator, rule_id, key).status_code == 201
    rule = coordinator.get(f"{R}/rules/{rule_id}").get_json()
    assert rule["status"] == "adopted"

    after = gast.get(f"{R}/analysis").get_json()
    assert after["weights_rule"] == rule["key"]
    assert after["weights"]["capacity"] == 1
    assert not any(w for part, w in after["weights"].items() if part != "capacity")
    order_after = [r["key"] for r in after["taktgeber"] if not r.get("designated")]
    assert order_after != [k for k in order_before if k in order_after]
    by_capacity = sorted(after["taktgeber"], key=lambda r: -r["parts"].get("capacity", 0))
    assert [r["parts"].get("capacity", 0) for r in after["taktgeber"]
            if not r.get("designated")] == [r["parts"].get("capacity", 0)
                                           for r in by_capacity if not r.get("designated")]
    assert [round(r["score"], 6) for r in after["taktgeber"] if not r.get("designated")] == [
        round(r["parts"].get("capacity", 0), 6) for r in after["taktgeber"]
        if not r.get("designated")]

    page = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    link = f'href="/regions/swf5/rules/{rule_id}"'
    assert link in page and "Kapazität entscheidet" in page
    assert page.index(link) < page.index("Kapazität entscheidet")
    ranks = page.count('class="num rank-range" data-label="Rangspanne">Rang')
    assert ranks == len(after["taktgeber"]) > 1


def test_cached_analysis_body_follows_the_viewer_and_the_data(as_user, api):
    """The page body is rendered once per report and permission, then cached: a viewer never
    gets the coordinator's links, and a change of the data shows the new report."""
    from collab.analysis import pages as analysis_pages

    analysis_pages._bodies.clear()
    url = "/regions/swf5/analysis"
    coordinator = as_user("koordination")
    first = coordinator.get(url).get_data(as_text=True)
    assert 'class="suggest-tie"' in first and len(analysis_pages._bodies.local.items) == 1
    again = coordinator.get(url).get_data(as_text=True)  # served from the cache
    assert again.count('class="suggest-tie"') == first.count('class="suggest-tie"')
    assert len(analysis_pages._bodies.local.items) == 1
    assert 'class="suggest-tie"' not in as_user("gast").get(url).get_data(as_text=True)
    response = api("koordination").patch("/regions/swf5/actors/swa",
                                         {"name": "Agentur Südwestfalen umbenannt"})
    assert response.status_code == 200, response.get_json()
    assert "Agentur Südwestfalen umbenannt" in coordinator.get(url).get_data(as_text=True)


def test_a_report_pruned_while_a_page_reads_it_gives_the_newer_one(app):
    """A worker stores a newer report and removes the old one between the page finding the
    old row and reading its document: the page shows the newer report, never a 500."""
    import sqlalchemy as sa

    from collab.analysis import jobs, reports
    from collab.core.models import AnalysisReport, Region
    from collab.extensions import db

    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        first = reports.latest(region)
        assert first.state == "ready"
        reports.clear_cache()
        original, raced = reports._documents.get, []

        def racing_get(key, make):
            if not raced:  # the worker wins the race once: newer version stored, old pruned
                raced.append(1)
                with app.app_context():  # the worker: its own session
                    db.session.execute(sa.update(Region).where(Region.id == region.id)
                                       .values(data_version=Region.data_version + 1))
                    db.session.commit()
                    jobs.compute(jobs.Spec(region_id=region.id,
                                           data_version=first.data_version + 1))
                assert db.session.scalar(sa.select(sa.func.count(AnalysisReport.id)).where(
                    AnalysisReport.region_id == region.id, AnalysisReport.lang == "de",
                    AnalysisReport.without == "", AnalysisReport.taktgeber == "",
                    AnalysisReport.data_version == first.data_version)) == 0
            return original(key, make)
        reports._documents.get = racing_get
        try:
            again = reports.latest(region)
        finally:
            reports._documents.get = original
        assert raced and again.state == "ready" and again.report is not None
        assert again.report_version == first.data_version + 1


def test_edits_in_quick_succession_are_analysed_together(app, monkeypatch):
    """With ANALYSIS_MIN_INTERVAL (production: 2 s) a report is not queued sooner than that
    after the last one: the last report is shown as "stale" meanwhile, and the first look
    after the interval queues the current data's report."""
    import datetime as dt

    import sqlalchemy as sa

    from collab.analysis import reports
    from collab.core.models import AnalysisReport, Region
    from collab.extensions import db

    app.config["ANALYSIS_MIN_INTERVAL"] = 60
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        first = reports.latest(region)  # no report yet: computed at once
        assert first.state == "ready"
        region.data_version += 1
        db.session.commit()
        soon = reports.latest(region)
        assert soon.state == "stale" and soon.report_version == first.data_version
        assert soon.report is first.report
        for row in db.session.scalars(sa.select(AnalysisReport)):
            row.created_at -= dt.timedelta(seconds=61)
        db.session.commit()
        later = reports.latest(region)
        assert later.state == "ready" and later.report_version == first.data_version + 1
