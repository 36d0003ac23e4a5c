"""The import preview on the region page: what it names (every section labelled, the
records that change and how), and a confirmation that comes after someone else changed the
region, which must not import a bundle that silently undoes that change."""

import io
import json
import re

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from collab.activity.summaries import SECTIONS

R = "/regions/swf5"
DIGEST = re.compile(r'name="digest" type="hidden" value="([0-9a-f]{64})"')


def text(response):
    return response.get_data(as_text=True)


def _upload(client, body: bytes | dict, name: str = "swf5.json"):
    if isinstance(body, dict):
        body = json.dumps(body).encode()
    return client.post(f"{R}/bundle", {"bundle": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def _digest(page: str) -> str:
    found = DIGEST.search(page)
    assert found, page
    return found.group(1)


def _actor(api_client, key: str) -> dict:
    response = api_client.get(f"/regions/swf5/actors/{key}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _olpe_edits(api) -> None:
    """User olpe edits an actor of its own municipality the upload does not touch."""
    response = api("olpe").patch("/regions/swf5/actors/olpe-bm",
                                 {"description": "Geändert von Olpe"})
    assert response.status_code == 200, response.get_json()


# --- 1. a confirmation after a change since the preview -------------------------------------


def test_json_confirmed_after_a_change_shows_the_fresh_preview_and_imports_nothing(
        as_user, api):
    """Koordination previews a bundle, olpe edits another actor, koordination confirms:
    nothing is imported, olpe's edit stays, the page explains why and shows the preview
    computed against the current data (in which the bundle would now undo olpe's edit);
    confirming that fresh preview imports."""
    coordinator = as_user("koordination")
    doc = json.loads(coordinator.get(f"{R}/bundle.json").data)
    next(a for a in doc["actors"] if a["key"] == "swa")["name"] = "Agentur (per Bündel)"
    page = text(_upload(coordinator, doc))
    assert "Probelauf" in page and "Bürgermeister der Stadt Olpe" not in page
    first = _digest(page)

    _olpe_edits(api)
    response = coordinator.post(f"{R}/bundle/import", {"digest": first})
    page = text(response)
    assert response.status_code == 200
    assert "Die Region wurde seit der Vorschau geändert (1 Änderung). Bitte prüfen Sie die " \
           "aktualisierte Vorschau und bestätigen Sie erneut" in page
    reader = api("gast")
    assert _actor(reader, "olpe-bm")["description"] == "Geändert von Olpe"
    assert _actor(reader, "swa")["name"] != "Agentur (per Bündel)"  # nothing imported
    # the fresh preview: the old bundle would now also change olpe's actor, and says so
    assert "Probelauf" in page and "Jetzt importieren" in page
    assert "Bürgermeister der Stadt Olpe" in page and "Agentur (per Bündel)" in page
    second = _digest(page)
    assert second != first
    # the old confirmation is used up; the new one imports what the fresh preview showed
    assert coordinator.post(f"{R}/bundle/import", {"digest": first}).status_code == 302
    response = coordinator.post(f"{R}/bundle/import", {"digest": second})
    assert "angeglichen" in text(response)
    assert _actor(reader, "swa")["name"] == "Agentur (per Bündel)"


def test_a_csv_sheet_confirmed_after_a_change_is_read_again_over_the_current_records(
        as_user, api):
    """A spreadsheet is read over the region's records: confirmed after a change, it is
    read again over the changed ones, so the merge keeps olpe's edit."""
    coordinator = as_user("koordination")
    sheet = ("Schlüssel;Name;Typ;Ebene;Kommune\r\n"
             "olpe-kita;Kita-Verbund Olpe;Fachamt;Umsetzung;olpe\r\n").encode()
    page = text(_upload(coordinator, sheet, "akteure.csv"))
    assert "Probelauf" in page and "Kita-Verbund Olpe" in page
    first = _digest(page)

    _olpe_edits(api)
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": first}))
    assert "Die Region wurde seit der Vorschau geändert" in page
    assert coordinator.get(f"{R}/actors/olpe-kita").status_code == 404
    # read again over the current records: the merge changes nothing of olpe's
    assert "Kita-Verbund Olpe" in page and "Bürgermeister der Stadt Olpe" not in page
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": _digest(page)}))
    assert "angeglichen" in page
    assert coordinator.get(f"{R}/actors/olpe-kita").status_code == 200
    assert _actor(api("gast"), "olpe-bm")["description"] == "Geändert von Olpe"


def test_a_workbook_confirmed_after_a_change_is_checked_again_in_english(as_user, api):
    """The same for a workbook, and the explanation in the reader's language."""
    coordinator = as_user("koordination")
    wb = load_workbook(io.BytesIO(coordinator.get(f"{R}/bundle.xlsx").data))
    ws = wb["Akteure"]
    assert ws["A2"].value == "arnsberg-ausschuss-digital"
    ws["B2"] = "Ausschuss (per Arbeitsmappe)"
    out = io.BytesIO()
    wb.save(out)
    coordinator.post("/lang/en", {"next": R}, csrf_from=R)
    page = text(_upload(coordinator, out.getvalue(), "swf5.xlsx"))
    first = _digest(page)
    _olpe_edits(api)
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": first}))
    assert "The region has changed since the preview (1 change)" in page
    assert "Die Region wurde" not in page
    assert _actor(api("gast"), "arnsberg-ausschuss-digital")["name"] != \
        "Ausschuss (per Arbeitsmappe)"
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": _digest(page)}))
    assert _actor(api("gast"), "arnsberg-ausschuss-digital")["name"] == \
        "Ausschuss (per Arbeitsmappe)"


def test_an_unchanged_region_imports_on_the_first_confirmation(as_user, api):
    """Changes of other regions and the upload's own staging do not count as changes."""
    coordinator = as_user("koordination")
    doc = json.loads(coordinator.get(f"{R}/bundle.json").data)
    next(a for a in doc["actors"] if a["key"] == "swa")["name"] = "Agentur (per Bündel)"
    digest = _digest(text(_upload(coordinator, doc)))
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": digest}))
    assert "angeglichen" in page and "seit der Vorschau" not in page


# --- 3. every section labelled -----------------------------------------------------------


def test_every_bundle_section_has_a_label(seed_bundle):
    sections = set(seed_bundle) - {"format", "version"}
    assert sections | {"former_members"} <= set(SECTIONS)


def test_preview_and_result_name_the_solutions_section(as_user, seed_bundle):
    coordinator = as_user("koordination")
    seed_bundle["solutions"][0]["description"] = "Neu beschrieben"
    page = text(_upload(coordinator, seed_bundle))
    assert '<th scope="row">Lösungen</th>' in page
    assert ">solutions<" not in page
    page = text(coordinator.post(f"{R}/bundle/import", {"digest": _digest(page)}))
    assert "angeglichen" in page and '<th scope="row">Lösungen</th>' in page


# --- 4. which records change, and how ---------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_preview_names_the_changed_records_and_their_fields(as_user, seed_bundle, lang):
    """Changed records are named (the first 20 of a section, then how many more), each
    with the fields that change and their values now and after the import, as the pages
    show them (a level by its label, in the reader's language)."""
    coordinator = as_user("koordination")
    if lang == "en":
        coordinator.post("/lang/en", {"next": R}, csrf_from=R)
    for actor in seed_bundle["actors"][:25]:
        actor["description"] = "Neu beschrieben"
    first = seed_bundle["actors"][0]
    first["level"] = "strategic" if first["level"] != "strategic" else "operational"
    tie = seed_bundle["ties"][0]
    weight = tie.get("weight", 3)
    tie["weight"] = 1 if weight != 1 else 2
    page = text(_upload(coordinator, seed_bundle))
    after = '<span class="after">Neu beschrieben</span>'
    if lang == "de":
        assert "Akteure: würden geändert (25)" in page
        assert "<li>Ebene: " in page and "<li>Beschreibung: " in page
        assert f'<li>Stärke: <span class="before">{weight}</span> → ' \
               f'<span class="after">{tie["weight"]}</span></li>' in page
        assert "politisch-strategisch" in page or "Umsetzung" in page
        assert "und 5 weitere Einträge" in page
    else:
        assert "Actors: would be changed (25)" in page
        assert "<li>Level: " in page and "<li>Description: " in page
        assert "<li>Strength: " in page
        assert "and 5 more entries" in page
    assert after in page
    block = page.split("würden geändert (25)" if lang == "de" else "would be changed (25)")[1]
    named = re.findall(r'<li>([^<]*)<ul class="fields">', block)
    assert named[:20] == [str(escape(a["name"])) for a in seed_bundle["actors"][:20]]


def test_api_import_with_if_version_refuses_after_a_change(api, seed_bundle):
    """A dry run reports the data version; an import that names it gets 409 (nothing
    imported) when someone changed the region since, and imports when nobody did."""
    coordinator = api("koordination")
    seed_bundle["actors"][0]["name"] += " (geändert)"
    dry = coordinator.put("/regions/swf5/bundle?dry_run=1", seed_bundle)
    assert dry.status_code == 200
    version = dry.get_json()["data_version"]
    assert api("olpe").patch("/regions/swf5/actors/olpe-bm",
                             {"description": "nach der Vorschau"}).status_code == 200
    stale = coordinator.put(f"/regions/swf5/bundle?if_version={version}", seed_bundle)
    assert stale.status_code == 409, stale.get_json()
    actor = coordinator.get("/regions/swf5/actors/olpe-bm").get_json()
    assert actor["description"] == "nach der Vorschau"
    fresh = coordinator.put("/regions/swf5/bundle?dry_run=1", seed_bundle).get_json()
    done = coordinator.put(f"/regions/swf5/bundle?if_version={fresh['data_version']}",
                           seed_bundle)
    assert done.status_code == 200, done.get_json()
    bad = coordinator.put("/regions/swf5/bundle?if_version=abc", seed_bundle)
    assert bad.status_code == 422
    assert "if_version" in {d["field"] for d in bad.get_json()["details"]}


@pytest.mark.parametrize(("name", "expected"), [
    ("bild.png", "Excel-Arbeitsmappe (.xlsx) oder eine CSV-Tabelle (.csv)"),
    ("bild", "Excel-Arbeitsmappe (.xlsx) oder eine CSV-Tabelle (.csv)"),
    ("netz.json", "nicht UTF-8-kodiert"),
])
def test_a_file_the_import_cannot_read_is_told_what_it_reads(as_user, name, expected):
    """A picture uploaded by mistake is told which kinds of file the import reads (it was
    told to save it as UTF-8); a .json file that is not UTF-8 is told that."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    page = text(_upload(as_user("koordination"), png, name))
    assert expected in page and "nicht importiert" in page
