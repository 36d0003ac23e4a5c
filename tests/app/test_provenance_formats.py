"""Issues 12 and 13 on the platform: provenance and source, the region's funding end,
joined_by, scope, survey answers of ties, formats, criteria rules with weights."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from collab.core.models import Actor, Format, Region, Tie
from collab.extensions import db
from collab.objects import services as object_services

from .test_permissions import _client, _expect

R = "/regions/swf5"
OLPE_FORMAT = {"key": "olpe-jf", "name": "Jour fixe Olpe", "kind": "jour_fixe",
               "cadence": "biweekly", "convenor": "olpe-digital",
               "participants": ["olpe-digital", "olpe-bm"]}


@pytest.fixture
def olpe_format(app):
    """A format convened by Olpe's digital unit (the seeds' formats have no convenor)."""
    from collab.core.permissions import SYSTEM

    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        object_services.add_format(region, dict(OLPE_FORMAT), SYSTEM)
        db.session.remove()
    return OLPE_FORMAT["key"]


# --- formats: pages and API by role ------------------------------------------------------------

FORMAT_PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/formats", "302 200 200 200 200"),
    (f"{R}/formats/pl-arbeitsrunde", "302 200 200 200 200"),
    (f"{R}/formats/new", "302 403 200 200 200"),
    (f"{R}/formats/pl-arbeitsrunde/edit", "302 403 403 403 200"),  # no convenor: coordinator
    (f"{R}/formats/pl-arbeitsrunde/delete", "302 403 403 403 200"),
    (f"{R}/formats/olpe-jf", "302 200 200 200 200"),
    (f"{R}/formats/olpe-jf/edit", "302 403 200 403 200"),  # the convenor's member
    (f"{R}/formats/olpe-jf/delete", "302 403 200 403 200"),
    (f"{R}/formats/nope", "302 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", FORMAT_PAGES, ids=[p for p, _ in FORMAT_PAGES])
def test_format_page_matrix(path, spec, olpe_format, browser, as_user):
    """Formats are the coordinator's; a member edits those its own actor convenes."""
    for role, status in _expect(spec).items():
        response = _client(role, browser, as_user).get(path)
        assert response.status_code == status, (role, path, response.status_code)


FORMAT_API = [
    # method, path, body, no token, gast, olpe, soest, koordination
    ("get", "/regions/swf5/formats", None, "401 200 200 200 200"),
    ("get", "/regions/swf5/formats/olpe-jf", None, "401 200 200 200 200"),
    ("post", "/regions/swf5/formats",
     {"key": "olpe-ag", "name": "AG Olpe", "convenor": "olpe-digital"}, "401 403 201 403 201"),
    ("post", "/regions/swf5/formats", {"key": "regio", "name": "Runde", "convenor": None},
     "401 403 403 403 201"),
    ("patch", "/regions/swf5/formats/olpe-jf", {"cadence": "monthly"}, "401 403 200 403 200"),
    ("patch", "/regions/swf5/formats/pl-arbeitsrunde", {"cadence": "weekly"},
     "401 403 403 403 200"),
    ("patch", "/regions/swf5/formats/olpe-jf", {"convenor": "soest-innovation"},
     "401 403 403 403 200"),  # a member does not hand its format to another member
    ("delete", "/regions/swf5/formats/olpe-jf", None, "401 403 204 403 204"),
    ("delete", "/regions/swf5/formats/sc-konferenz", None, "401 403 403 403 204"),
]


@pytest.mark.parametrize("method,path,body,spec", FORMAT_API,
                         ids=[f"{m} {p}" for m, p, _b, _s in FORMAT_API])
def test_format_api_matrix(method, path, body, spec, olpe_format, api):
    for role, status in _expect(spec).items():
        client = api(None if role == "anonymous" else role)
        response = getattr(client, method)(path, body)
        assert response.status_code == status, (role, method, path, response.get_json())
        if status in (201, 204) or (method == "patch" and status == 200):
            break  # changed: later roles would meet other data


def test_format_api_record_and_problems(olpe_format, api):
    coordinator = api("koordination")
    found = coordinator.get("/regions/swf5/formats/olpe-jf").get_json()
    assert found == {**OLPE_FORMAT, "participants": ["olpe-bm", "olpe-digital"], "topic": None,
                     "since": None, "until": None, "description": "",
                     "provenance": "documented", "source": ""}
    bad = coordinator.post("/regions/swf5/formats", {
        "key": "x", "name": "X", "cadence": "daily", "participants": ["nobody"],
        "provenance": "rumoured"})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.get_json()["details"]}
    assert {"cadence", "provenance"} <= fields
    bad = coordinator.post("/regions/swf5/formats", {"key": "x", "name": "X",
                                                      "participants": ["nobody"]})
    assert bad.status_code == 422
    assert bad.get_json()["details"][0]["field"] == "participants[0]"
    taken = coordinator.post("/regions/swf5/formats", {"key": "olpe-jf", "name": "Nochmal"})
    assert taken.status_code == 409
    dates = coordinator.patch("/regions/swf5/formats/olpe-jf",
                              {"since": "2025-05-01", "until": "2025-01-01"})
    assert dates.status_code == 422 and dates.get_json()["details"][0]["field"] == "until"


def test_format_pages_create_edit_delete(olpe_format, as_user):
    olpe = as_user("olpe")
    response = olpe.post(f"{R}/formats/new", {
        "key": "olpe-schulung", "name": "Schulung Olpe", "kind": "training", "cadence": "once",
        "convenor": "olpe-digital", "participants": ["olpe-bm", "olpe-rat"], "topic": "",
        "since": "2026-03-01", "until": "2026-03-01", "provenance": "self_reported",
        "source": "https://www.olpe.de/schulung"}, csrf_from=f"{R}/formats/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = olpe.get(f"{R}/formats/olpe-schulung").get_data(as_text=True)
    assert "Schulung Olpe" in page and "selbst gemeldet" in page
    assert '<a href="https://www.olpe.de/schulung"' in page
    # a member may not name another member's unit as convenor
    refused = olpe.post(f"{R}/formats/new", {
        "key": "fremd", "name": "Fremd", "kind": "other", "cadence": "monthly",
        "convenor": "soest-innovation", "provenance": "documented"},
        csrf_from=f"{R}/formats/new")
    assert refused.status_code == 200 and "Einladende Stelle" in refused.get_data(as_text=True)
    edited = olpe.post(f"{R}/formats/olpe-jf/edit", {
        "name": "Jour fixe Olpe", "kind": "jour_fixe", "cadence": "weekly",
        "convenor": "olpe-digital", "participants": ["olpe-digital"],
        "provenance": "self_reported", "source": ""}, csrf_from=f"{R}/formats/olpe-jf/edit")
    assert edited.status_code == 302
    assert "wöchentlich" in olpe.get(f"{R}/formats/olpe-jf").get_data(as_text=True)
    gone = olpe.post(f"{R}/formats/olpe-jf/delete", {}, csrf_from=f"{R}/formats/olpe-jf")
    assert gone.status_code == 302
    assert olpe.get(f"{R}/formats/olpe-jf").status_code == 404


def test_deleting_an_actor_keeps_its_formats(olpe_format, app, api):
    """The convenor goes: the format stays without one; a participant goes: it leaves the
    list."""
    assert api("koordination").delete("/regions/swf5/actors/olpe-digital").status_code == 204
    with app.app_context():
        fmt = db.session.scalar(sa.select(Format).filter_by(key="olpe-jf"))
        assert fmt.convenor is None and [a.key for a in fmt.participants] == ["olpe-bm"]
        db.session.remove()


def test_openapi_describes_formats_and_provenance(api):
    doc = api(None).get("/openapi.json").get_json()
    assert {"/regions/{slug}/formats", "/regions/{slug}/formats/{key}",
            "/regions/{slug}"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    assert schemas["format"]["properties"]["cadence"]["enum"] == [
        "weekly", "biweekly", "monthly", "quarterly", "yearly", "once"]
    assert schemas["format"]["properties"]["participants"]["type"] == "array"
    for entity in ("municipality", "actor", "participant", "tie", "format"):
        assert schemas[entity]["properties"]["provenance"]["enum"] == [
            "documented", "self_reported", "confirmed", "assumed"]
    assert "reference" in schemas["tie"]["properties"]
    assert schemas["tie"]["properties"]["trust"]["type"] == ["integer", "null"]
    assert "criteria" in schemas["rule_proposal"]["properties"]["kind"]["enum"]


# --- provenance, survey answers and the other new fields on pages --------------------------------


def test_provenance_badge_and_source(app, as_user, api):
    """Assumed records say so; a source is a link only when it is a web address."""
    coordinator = api("koordination")
    assert coordinator.patch("/regions/swf5/actors/swa", {
        "provenance": "confirmed", "source": "https://www.suedwestfalen.com/"}).status_code == 200
    assert coordinator.patch("/regions/swf5/actors/soest-innovation", {
        "source": "javascript:alert(1)"}).status_code == 200
    viewer = as_user("gast")
    page = viewer.get(f"{R}/actors/swa").get_data(as_text=True)
    assert "bestätigt" in page and '<a href="https://www.suedwestfalen.com/"' in page
    page = viewer.get(f"{R}/actors/soest-innovation").get_data(as_text=True)
    assert "javascript:alert(1)" in page and 'href="javascript' not in page
    assert "angenommen" in viewer.get(f"{R}/actors/olpe-digital").get_data(as_text=True)
    assert "dokumentiert" in viewer.get(f"{R}/municipalities/olpe").get_data(as_text=True)


def test_tie_form_takes_trust_value_and_provenance(app, as_user, api):
    coordinator = as_user("koordination")
    path = f"{R}/ties/olpe-bm-swa-cooperation/edit"
    assert 'name="trust"' in coordinator.get(path).get_data(as_text=True)
    response = coordinator.post(path, {
        "source": "olpe-bm", "target": "swa", "kind": "cooperation", "weight": "3",
        "trust": "4", "value": "", "provenance": "self_reported",
        "reference": "Umfrage 2026", "description": ""}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    tie = api("gast").get("/regions/swf5/ties/olpe-bm-swa-cooperation").get_json()
    assert (tie["trust"], tie["value"], tie["provenance"], tie["reference"]) == (
        4, None, "self_reported", "Umfrage 2026")
    page = coordinator.get(f"{R}/ties/olpe-bm-swa-cooperation").get_data(as_text=True)
    assert "Vertrauen (1–5)" in page and "Umfrage 2026" in page
    bad = api("koordination").patch("/regions/swf5/ties/olpe-bm-swa-cooperation",
                                    {"trust": 6, "value": "viel"})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.get_json()["details"]} == {"trust", "value"}


def test_membership_joined_by_and_initiative_scope(as_user, api):
    olpe = as_user("olpe")
    path = f"{R}/municipalities/olpe/edit"
    form = olpe.get(path).get_data(as_text=True)
    assert 'name="joined_by"' in form and 'name="provenance"' in form
    record = api("olpe").get("/regions/swf5/municipalities/olpe").get_json()
    data = {k: ("" if v is None else v) for k, v in record.items() if k != "key"}
    data.update(joined_by="council_decision", provenance="self_reported",
                population=str(record["population"]),
                lat=str(record["lat"]).replace(".", ","), lon=str(record["lon"]).replace(".", ","),
                area_km2=str(record["area_km2"]).replace(".", ","))
    response = olpe.post(path, data, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = olpe.get(f"{R}/municipalities/olpe").get_data(as_text=True)
    assert "Ratsbeschluss" in page and "selbst gemeldet" in page
    bad = api("olpe").patch("/regions/swf5/municipalities/olpe", {"joined_by": "handshake"})
    assert bad.status_code == 422 and bad.get_json()["details"][0]["field"] == "joined_by"

    coordinator = api("koordination")
    changed = coordinator.patch("/regions/swf5/initiatives/m01", {
        "scope": "local", "funding": "Modellprojekte Smart Cities",
        "participants": [{"actor": "swa", "role": "lead", "provenance": "assumed"}]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["scope"] == "local"
    assert changed.get_json()["participants"] == [
        {"actor": "swa", "role": "lead", "provenance": "assumed", "source": ""}]
    # a change that does not name the participants' provenance keeps it
    again = coordinator.patch("/regions/swf5/initiatives/m01", {
        "participants": [{"actor": "swa", "role": "partner"}]}).get_json()
    assert again["participants"][0]["provenance"] == "assumed"
    page = as_user("gast").get(f"{R}/initiatives/m01").get_data(as_text=True)
    assert "lokal" in page and "angenommen" in page and "Modellprojekte Smart Cities" in page


def test_region_settings_funded_until(as_user, api):
    path = f"{R}/settings"
    coordinator = as_user("koordination")
    assert 'name="funded_until"' in coordinator.get(R).get_data(as_text=True)
    assert 'name="funded_until"' not in as_user("olpe").get(R).get_data(as_text=True)
    response = coordinator.post(path, {"funded_until": "2027-12-31"}, csrf_from=R)
    assert response.status_code == 302
    assert "31.12.2027" in coordinator.get(R).get_data(as_text=True)
    bad = coordinator.post(path, {"funded_until": "Ende 2027"}, csrf_from=R,
                           follow_redirects=True)
    assert "JJJJ-MM-TT" in bad.get_data(as_text=True)
    assert api("gast").get("/regions/swf5/bundle").get_json()["region"][
        "funded_until"] == "2027-12-31"
    for role, status in (("gast", 403), ("olpe", 403)):
        assert as_user(role).post(path, {"funded_until": ""}, csrf_from=R).status_code == status
    assert api("olpe").patch("/regions/swf5", {"funded_until": None}).status_code == 403
    answer = api("koordination").patch("/regions/swf5", {"funded_until": None})
    assert answer.status_code == 200 and answer.get_json()["funded_until"] is None
    assert api("koordination").patch("/regions/swf5", {"name": "X"}).status_code == 422


# --- bundles ---------------------------------------------------------------------------------


def _every_new_field(bundle: dict) -> dict:
    """The seed bundle with every field of round 2 set to a value other than its default."""
    doc = copy.deepcopy(bundle)
    doc["region"]["funded_until"] = "2027-06-30"
    member = doc["municipalities"][0]
    member.update(joined_by="letter_of_intent", provenance="confirmed",
                  source="https://example.org/absichtserklaerung.pdf")
    doc["actors"][0].update(provenance="self_reported", source="Fragebogen 2026")
    initiative = doc["initiatives"][0]
    initiative.update(scope="local", funding="Landesmittel 2026–2028")
    initiative["participants"][0].update(provenance="assumed", source="Annahme")
    doc["ties"][0].update(trust=5, value=2, provenance="confirmed", reference="Umfrage 2026")
    actors = [a["key"] for a in doc["actors"]]
    doc["formats"].append({
        "key": "jf-test", "name": "Jour fixe", "kind": "jour_fixe", "cadence": "biweekly",
        "convenor": actors[0], "participants": sorted(actors[1:3]), "topic": "mobility",
        "since": "2024-01-10", "until": "2026-06-30", "description": "Test",
        "provenance": "self_reported", "source": "https://example.org/jf"})
    doc["rules"] += [
        {"key": "kriterien", "title": "Kriterien", "text": "Gewichte", "status": "adopted",
         "kind": "criteria", "weights": {"brokerage": 0.4, "mandate": 0.35, "takt": 0.25},
         "votes": []},
        {"key": "weiter", "title": "Fortführung", "text": "Nach 2026", "status": "draft",
         "kind": "continuation", "votes": []}]
    return doc


def test_bundle_round_trip_with_every_new_field(api, seed_bundle):
    coordinator = api("koordination")
    doc = _every_new_field(seed_bundle)
    first = coordinator.put("/regions/swf5/bundle", doc)
    assert first.status_code == 200, first.get_json()
    exported = coordinator.get("/regions/swf5/bundle").get_json()
    assert exported["region"]["funded_until"] == "2027-06-30"
    def find(section: str) -> dict:
        return next(i for i in exported[section] if i["key"] == doc[section][0]["key"])

    member = find("municipalities")
    assert (member["joined_by"], member["provenance"], member["source"]) == (
        "letter_of_intent", "confirmed", "https://example.org/absichtserklaerung.pdf")
    actor = find("actors")
    assert (actor["provenance"], actor["source"]) == ("self_reported", "Fragebogen 2026")
    initiative = find("initiatives")
    assert (initiative["scope"], initiative["funding"]) == ("local", "Landesmittel 2026–2028")
    part = next(p for p in initiative["participants"]
                if p["actor"] == doc["initiatives"][0]["participants"][0]["actor"])
    assert (part["provenance"], part["source"]) == ("assumed", "Annahme")
    tie = find("ties")
    assert (tie["trust"], tie["value"], tie["provenance"], tie["reference"]) == (
        5, 2, "confirmed", "Umfrage 2026")
    assert next(f for f in exported["formats"] if f["key"] == "jf-test") == doc["formats"][-1]
    rules = {r["key"]: r for r in exported["rules"]}
    assert rules["kriterien"]["weights"] == {"brokerage": 0.4, "mandate": 0.35, "takt": 0.25}
    assert rules["weiter"]["kind"] == "continuation" and "weights" not in rules["weiter"]
    # export -> import -> export gives the same document, and the import changes nothing
    again = coordinator.put("/regions/swf5/bundle", exported)
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert coordinator.get("/regions/swf5/bundle").get_json() == exported


def test_old_bundle_without_new_fields_still_imports(api, seed_bundle):
    doc = copy.deepcopy(seed_bundle)
    doc.pop("formats")
    doc["region"].pop("funded_until")
    for section in ("municipalities", "actors", "ties"):
        for item in doc[section]:
            for name in ("provenance", "source", "joined_by", "trust", "value"):
                if not (section == "ties" and name == "source"):
                    item.pop(name, None)
    answer = api("koordination").put("/regions/swf5/bundle", doc)
    assert answer.status_code == 200, answer.get_json()
    exported = api("koordination").get("/regions/swf5/bundle").get_json()
    assert exported["formats"] == [] and exported["region"]["funded_until"] is None
    assert {a["provenance"] for a in exported["actors"]} == {"documented"}


@pytest.mark.parametrize("weights,field,words", [
    ({"brokerage": 0.5, "mandate": 0.4}, "$.rules[5].weights", "zusammen 1"),
    ({"brokerage": 0.5, "charm": 0.5}, "$.rules[5].weights.charm", "unbekannter Teil"),
    ({"brokerage": 1.5, "reach": -0.5}, "$.rules[5].weights.brokerage", "größer als 1"),
    ({"brokerage": "viel"}, "$.rules[5].weights.brokerage", "Zahl"),
    (None, "$.rules[5].weights", "Objekt"),
    ([0.5, 0.5], "$.rules[5].weights", "Objekt"),
])
def test_criteria_weights_refused_with_their_path(weights, field, words, api, seed_bundle):
    doc = copy.deepcopy(seed_bundle)
    assert len(doc["rules"]) == 5
    doc["rules"].append({"key": "kriterien", "title": "Kriterien", "status": "adopted",
                         "kind": "criteria", "weights": weights, "votes": []})
    answer = api("koordination").put("/regions/swf5/bundle", doc)
    assert answer.status_code == 422
    details = {d["field"]: d["message"] for d in answer.get_json()["details"]}
    assert field in details and words in details[field], details


def test_bundle_refuses_bad_new_fields(api, seed_bundle):
    doc = copy.deepcopy(seed_bundle)
    doc["actors"][0]["provenance"] = "rumoured"
    doc["ties"][0]["trust"] = 9
    doc["formats"][0]["cadence"] = "daily"
    doc["formats"][1]["participants"] = ["nobody"]
    doc["formats"].append(dict(doc["formats"][0], cadence="once"))
    doc["rules"][0]["weights"] = {"brokerage": 1}
    answer = api("koordination").put("/regions/swf5/bundle", doc)
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.get_json()["details"]}
    assert {"$.actors[0].provenance", "$.ties[0].trust", "$.formats[0].cadence",
            "$.formats[1].participants[0]", "$.formats[4].key",
            "$.rules[0].weights"} <= fields, fields


def test_seeds_keep_their_new_fields(app, api):
    """What the seeds say comes back in the export: swf5's assumed actors stay assumed."""
    from tests.conftest import ROOT

    for slug in ("swf5", "thueringen"):
        seed = json.loads((ROOT / "seeds" / f"{slug}.json").read_text(encoding="utf-8"))
        exported = api("gast").get(f"/regions/{slug}/bundle").get_json()
        assert exported["region"]["funded_until"] == seed["region"]["funded_until"]
        for section in ("municipalities", "actors", "ties"):
            want = {i["key"]: i for i in seed[section]}
            for item in exported[section]:
                for name in ("provenance", "source", "joined_by", "trust", "value"):
                    if name in want[item["key"]] and not (section == "ties" and name == "source"):
                        assert item[name] == want[item["key"]][name], (slug, item["key"], name)
        assert exported["formats"] == sorted(
            ({**f, "participants": sorted(f["participants"])} for f in seed["formats"]),
            key=lambda f: f["key"])
        seed_scope = {i["key"]: i["scope"] for i in seed["initiatives"]}
        assert {i["key"]: i["scope"] for i in exported["initiatives"]} == seed_scope
        seed_parts = {(i["key"], p["actor"]): (p["provenance"], p["source"])
                      for i in seed["initiatives"] for p in i["participants"]}
        assert {(i["key"], p["actor"]): (p["provenance"], p["source"])
                for i in exported["initiatives"] for p in i["participants"]} == seed_parts
    swf5 = api("gast").get("/regions/swf5/bundle").get_json()
    assumed = {a["key"] for a in swf5["actors"] if a["provenance"] == "assumed"}
    assert "olpe-digital" in assumed and len(assumed) == 20


# --- rules of kind criteria ------------------------------------------------------------------


def test_propose_criteria_rule_through_the_api(api):
    olpe = api("olpe")
    made = olpe.post("/regions/swf5/rules", {
        "title": "Gewichte", "text": "So wählen wir den Taktgeber.", "kind": "criteria",
        "weights": {"brokerage": 0.5, "mandate": 0.25, "takt": 0.25}})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["weights"] == {"brokerage": 0.5, "mandate": 0.25, "takt": 0.25}
    for weights, field in (({"brokerage": 0.5}, "weights"),
                           ({"brokerage": 0.5, "luck": 0.5}, "weights.luck"),
                           (None, "weights")):
        bad = olpe.post("/regions/swf5/rules", {"title": "Andere Gewichte", "text": "…",
                                                "kind": "criteria", "weights": weights})
        assert bad.status_code == 422
        assert field in {d["field"] for d in bad.get_json()["details"]}
    general = olpe.post("/regions/swf5/rules", {"title": "Allgemein", "text": "…",
                                                "weights": {"brokerage": 1}})
    assert general.status_code == 422
    continuation = olpe.post("/regions/swf5/rules", {
        "title": "Nach der Förderung", "text": "Wir machen weiter.", "kind": "continuation"})
    assert continuation.status_code == 201


def test_propose_criteria_rule_on_the_page(as_user):
    olpe = as_user("olpe")
    path = f"{R}/rules/new"
    form = olpe.get(path).get_data(as_text=True)
    assert 'name="weight_parts-takt"' in form and "Kriterien des Taktgebers" in form
    data = {"title": "Unsere Gewichte", "text": "Mandat zählt mehr.", "kind": "criteria",
            "actor": "", "initiative": "", "tie_kind": "",
            "weight_parts-brokerage": "0,5", "weight_parts-mandate": "0,3",
            "weight_parts-takt": "0,2"}
    bad = olpe.post(path, {**data, "weight_parts-takt": "0,3"}, csrf_from=path)
    assert bad.status_code == 422 and "zusammen 1" in bad.get_data(as_text=True)
    made = olpe.post(path, data, csrf_from=path)
    assert made.status_code == 302, made.get_data(as_text=True)
    page = olpe.get(made.headers["Location"]).get_data(as_text=True)
    assert "Gewichte des Taktgeber-Werts" in page and "Mandat" in page


# --- network view ------------------------------------------------------------------------------


def test_network_view_marks_assumed_records(app, as_user):
    """Assumed actors are pale, assumed ties pale and dashed; the panel names the
    provenance."""
    from collab.analysis import network

    network.clear_caches()
    data = as_user("gast").get(f"{R}/network/data.json").get_json()
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["olpe-digital"]["info"]["provenance"] == "assumed"
    assert nodes["olpe-digital"]["opacity"] < 1
    assert nodes["swa"]["info"]["provenance"] == "documented" and "opacity" not in nodes["swa"]
    assert data["labels"]["provenance"]["assumed"] == "angenommen"
    with app.app_context():
        ties = db.session.execute(sa.select(Tie.provenance, Actor.key).join(
            Actor, Tie.source_id == Actor.id).where(Tie.key == "olpe-rat-olpe-digital-mandate")
        ).one()
        db.session.remove()
    assert ties.provenance == "assumed"
    edges = {frozenset((e["from"], e["to"])): e for e in data["edges"]}
    edge = edges[frozenset(("olpe-rat", "olpe-digital"))]
    assert edge["provenance"] == "assumed" and edge["dashes"] and edge["color"]["opacity"] < 1
    assert edges[frozenset(("swa", "olpe-digital"))].get("provenance") is None
