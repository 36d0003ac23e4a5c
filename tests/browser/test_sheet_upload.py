"""The spreadsheet upload on the region page in real Chromium: a CSV sheet as German Excel
writes it is previewed (nothing changes before the confirmation), a broken one is
explained by sheet, row and column."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CSV = ("Schlüssel;Name;Typ;Ebene;Kommune;Kapazität (VZÄ)\r\n"
       "olpe-browser-kita;Kita-Verbund Browser;Fachamt;Umsetzung;olpe;1,5\r\n")


def _upload(page, base, body: bytes, name: str, merge: bool):
    page.goto(f"{base}/regions/swf5")
    page.set_input_files("input[name=bundle]", files=[
        {"name": name, "mimeType": "text/csv", "buffer": body}])
    if merge:
        page.check("input[name=merge]")
    page.click("form[action$='/bundle'] button[type=submit]")
    page.wait_for_load_state()


def test_csv_upload_shows_a_preview_and_changes_nothing_until_confirmed(signed_in,
                                                                         live_server):
    page = signed_in("koordination")
    base = live_server.url
    _upload(page, base, b"\xef\xbb\xbf" + CSV.encode("utf-8"), "akteure.csv", merge=True)
    body = page.inner_text("main")
    assert "Probelauf" in body and "Nur ergänzen" in body
    assert "würden entfernt" not in body
    page.click("summary:has-text('Akteure')")
    assert page.is_visible("text=Kita-Verbund Browser")
    assert page.is_visible("button:has-text('Jetzt importieren')")
    page.click("text=Abbrechen")
    page.wait_for_load_state()
    assert page.goto(f"{base}/regions/swf5/actors/olpe-browser-kita").status == 404


def test_csv_upload_problem_names_sheet_row_and_column(signed_in, live_server):
    page = signed_in("koordination")
    broken = CSV.replace("Umsetzung", "galaktisch").encode("cp1252")
    _upload(page, live_server.url, broken, "akteure.csv", merge=False)
    body = page.inner_text("main")
    assert "Akteure, Zeile 2, Spalte „Ebene“" in body
    assert "unbekannter Wert „galaktisch“" in body and "es wurde nichts geändert" in body
    assert not page.is_visible("button:has-text('Jetzt importieren')")
