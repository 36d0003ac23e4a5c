"""History and activity log as a reader sees them (QA session qa1): a snapshot is deleted only
after a confirmation; the log, the undo preview and the snapshot page speak the page's words,
dates, numbers and time zone rather than field names, codes, ISO dates and UTC."""

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from collab.core.models import Activity, Snapshot
from collab.extensions import db

pytestmark = pytest.mark.usefixtures("no_commit_on_get")
R = "/regions/swf5"


def text_of_html(body: str) -> str:
    """Tags removed, entities resolved, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def text_of(response) -> str:
    """The page as a reader sees it."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return text_of_html(body)


def _snapshot_id(api, name: str, date: str = "") -> int:
    made = api("koordination").post(f"{R}/snapshots", {"name": name, "date": date})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def _last(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Activity.id).filter_by(action=action)
                                 .order_by(Activity.id.desc()))


def _exists(app, snapshot_id: int) -> bool:
    with app.app_context():
        return db.session.get(Snapshot, snapshot_id) is not None


def test_a_snapshot_is_deleted_only_after_a_confirmation(app, api, as_user):
    """The list links to a confirmation page (no one-click delete form); the page names the
    snapshot and deletes nothing; only its confirmed POST (with CSRF) deletes."""
    sid = _snapshot_id(api, "Stand zum Löschen")
    koord = as_user("koordination")
    listing = koord.get(f"{R}/snapshots").get_data(as_text=True)
    assert f'action="{R}/snapshots/{sid}/delete"' not in listing
    assert f'href="{R}/snapshots/{sid}/delete"' in listing
    confirm = koord.get(f"{R}/snapshots/{sid}/delete")
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Stand zum Löschen" in page and "Endgültig löschen" in page
    assert _exists(app, sid)
    assert koord.client.post(f"{R}/snapshots/{sid}/delete").status_code == 400  # no CSRF
    assert _exists(app, sid)
    done = koord.post(f"{R}/snapshots/{sid}/delete", csrf_from=f"{R}/snapshots/{sid}/delete")
    assert done.status_code == 302
    assert not _exists(app, sid)
    assert as_user("olpe").get(f"{R}/snapshots/{sid}/delete").status_code == 403


def test_the_automatic_snapshot_warns_before_it_is_deleted(app, api, as_user):
    sid = _snapshot_id(api, "Vorlage")
    with app.app_context():
        snap = db.session.get(Snapshot, sid)
        snap.kind, snap.name = "import", "Vor dem Import 2026-11-28 20:10 UTC"
        snap.created_at = dt.datetime(2026, 11, 28, 20, 10)
        db.session.commit()
    page = text_of(as_user("koordination").get(f"{R}/snapshots/{sid}/delete"))
    assert "Stand „Vor dem Import 28.11.2026, 21:10 MEZ“ löschen?" in page
    assert "automatisch gespeichert" in page


def test_the_log_and_the_undo_preview_use_labels_values_and_local_dates(app, api, as_user,
                                                                         today):
    """"Kapazität (VZÄ): 1 → 1,5" and "Herkunft: … → selbst gemeldet", not "capacity_fte" and
    "self_reported"; the survey's closing day as the page writes dates; an undo names what it
    undid, not the entry's id; the same in English."""
    koord = api("koordination")
    assert koord.patch(f"{R}/actors/olpe-digital", {"capacity_fte": 1}).status_code == 200
    assert koord.patch(f"{R}/actors/olpe-digital", {
        "capacity_fte": 1.5, "provenance": "self_reported"}).status_code == 200
    edit = _last(app, "actor.update")
    closes = today + dt.timedelta(days=14)
    assert koord.post(f"{R}/surveys", {"closes_at": closes.isoformat()}).status_code == 201
    browser = as_user("koordination")
    preview = text_of(browser.get(f"{R}/activity/{edit}/undo"))
    assert "Kapazität (VZÄ): 1,5 → 1" in preview
    assert "Herkunft: selbst gemeldet →" in preview
    assert "capacity_fte" not in preview and "self_reported" not in preview
    done = browser.post(f"{R}/activity/{edit}/undo", csrf_from=f"{R}/activity/{edit}/undo")
    assert done.status_code == 302
    log = browser.get(f"{R}/activity").get_data(as_text=True)
    text = text_of_html(log)
    assert "Kapazität (VZÄ): 1 → 1,5" in text and "→ selbst gemeldet" in text
    assert "capacity_fte" not in text and "provenance:" not in text
    assert f"Netzwerkbefragung bis {closes:%d.%m.%Y}" in text
    assert closes.isoformat() not in text
    undo_row = next(row for row in re.findall(r"<tr>.*?</tr>", log, flags=re.S)
                    if "Änderung rückgängig gemacht" in row)
    cells = [text_of_html(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", undo_row, re.S)]
    assert cells[3] and not cells[3].isdigit(), cells  # the actor, not the entry's id
    assert "Rückgängig gemacht: Akteur geändert vom" in cells[4]
    browser.post("/lang/en", {"next": "/"}, csrf_from=f"{R}/activity")
    english = text_of(browser.get(f"{R}/activity"))
    assert "Capacity (FTE): 1 → 1.5" in english and "→ self-reported" in english
    assert f"Network survey until {closes:%b} {closes.day}, {closes.year}" in english


def test_the_snapshot_page_uses_one_notation(app, api, as_user):
    """Density in the reader's notation ("0,041", as the analysis), the automatic snapshot's
    name in local time like its row, and each axis label once."""
    first = _snapshot_id(api, "Morgens", "2026-11-28")
    _snapshot_id(api, "Abends", "2026-11-28")
    with app.app_context():
        snap = db.session.get(Snapshot, first)
        snap.kind, snap.name = "import", "Vor dem Import 2026-11-28 20:10 UTC"
        snap.created_at = dt.datetime(2026, 11, 28, 20, 10)
        db.session.commit()
    response = as_user("koordination").get(f"{R}/snapshots")
    body = response.get_data(as_text=True)
    page = text_of(response)
    assert "Vor dem Import 28.11.2026, 21:10 MEZ" in page and "UTC" not in page
    numbers = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', body)
    assert numbers and not [n for n in numbers if "." in n], numbers
    assert [n for n in numbers if re.fullmatch(r"0,\d{3}", n)], numbers
    labels = re.findall(r"<text [^>]*>([^<]*)</text>", body)
    assert labels and len(labels) == len(set(labels)), labels
    assert "2026" not in labels  # one year: the axis names days


def test_the_comparison_shows_the_strongest_brokers_share_of_the_paths(app, api, as_user):
    """The brokerage row of the comparison is the share of the shortest paths between
    member municipalities through the strongest broker: in the demo region the
    Südwestfalen Agentur's 50 % (its raw path_share 0.5012 on the analysis), in a snapshot
    and today alike (before, the summary read a raw key no ranking has: "–" for both)."""
    report = api("gast").get(f"{R}/analysis").get_json()
    shares = {r["key"]: r["raw"]["path_share"] for r in report["taktgeber"]}
    assert max(shares, key=shares.get) == "swa" and shares["swa"] == 0.5012
    sid = _snapshot_id(api, "Vorher")
    stored = api("koordination").get(f"{R}/snapshots/{sid}").get_json()["summary"]
    assert stored["figures"]["brokerage"] == 0.5012
    page = text_of(as_user("koordination").get(f"{R}/snapshots/compare?a={sid}&b=today"))
    assert "Vermittlung (Anteil der kürzesten Wege zwischen Kommunen über den stärksten " \
        "Vermittler) 50 % 50 %" in page.replace("\xa0", " ")


def test_a_snapshot_saved_before_the_brokerage_was_kept_says_so(app, api, as_user):
    """A snapshot whose summary has no brokerage figure (saved before it was kept, with
    candidates in its ranking) reads "nicht erfasst" beside today's 50 %; a state without
    any candidate has no strongest broker: "–"."""
    from collab.history.services import unrecorded

    sid = _snapshot_id(api, "Alt")
    with app.app_context():
        snap = db.session.get(Snapshot, sid)
        summary = {**snap.summary, "figures": {**snap.summary["figures"], "brokerage": None}}
        snap.summary = summary
        db.session.commit()
    page = text_of(as_user("koordination").get(f"{R}/snapshots/compare?a={sid}&b=today"))
    assert "stärksten Vermittler) nicht erfasst 50 %" in page.replace("\xa0", " ")
    assert unrecorded(summary) == ["brokerage"]
    assert unrecorded({**summary, "taktgeber": []}) == []


def _log_rows(browser, query: str = "") -> list[list[str]]:
    log = browser.get(f"{R}/activity{query}").get_data(as_text=True)
    return [[text_of_html(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", log, flags=re.S)[1:]]


def test_the_log_names_the_actors_a_record_refers_to(app, api, as_user):
    """An initiative's participants and a tie's ends are named by the actors' names, not
    their keys; an actor deleted since is named as it was called where the page has its
    record (the deletion's entry), else by its key."""
    koord = api("koordination")
    participants = koord.get(f"{R}/initiatives/m15").get_json()["participants"]
    added = [*participants, {"actor": "olpe-digital", "role": "observer"}]
    assert koord.patch(f"{R}/initiatives/m15", {"participants": added}).status_code == 200
    made = koord.post(f"{R}/ties", {"source": "olpe-digital", "target": "swa",
                                    "kind": "advice"})
    assert made.status_code == 201, made.get_json()
    browser = as_user("koordination")
    rows = _log_rows(browser)
    tie, initiative = rows[0], rows[1]
    assert tie[3] == "Smart-City-Projektleitung der Stadt Olpe → Südwestfalen Agentur GmbH"
    assert ("Smart-City-Projektleitung der Stadt Olpe (Beobachter)" in initiative[4]
            and "Digitalisierungsbeauftragte der Stadt Menden (Sauerland) (Partner)"
            in initiative[4]), initiative
    assert "olpe-digital" not in initiative[4] and "menden-cdo" not in initiative[4]

    assert koord.delete(f"{R}/actors/olpe-digital").status_code in (200, 204)
    deleted = _log_rows(browser)[0]
    assert deleted[3] == "Smart-City-Projektleitung der Stadt Olpe"  # its own record
    assert "Smart-City-Projektleitung der Stadt Olpe (Beobachter)" in deleted[4]
    assert "Smart-City-Projektleitung der Stadt Olpe → Südwestfalen Agentur GmbH" in deleted[4]
    assert "olpe-digital" not in deleted[4]
    # the initiative's entries alone: no record of the deleted actor on the page, its key
    alone = _log_rows(browser, "?object=m15")
    assert "olpe-digital (Beobachter)" in alone[0][4], alone


def test_the_log_reads_the_names_of_a_page_in_one_query(app, api, as_user):
    """However many entries name actors by key, the page reads their names at once."""
    from sqlalchemy import event

    koord = api("koordination")
    browser = as_user("koordination")

    def actor_queries() -> int:
        seen = []

        def record(conn, cursor, statement, *args):
            if "actor" in statement.lower() and " in (" in statement.lower():
                seen.append(statement)
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert browser.get(f"{R}/activity").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    for weight in (1, 2, 3, 4):  # four entries, each naming two actors by key
        assert koord.patch(f"{R}/ties/olpe-bm-swa-cooperation",
                           {"weight": weight}).status_code == 200
    for key in ("m15", "m04", "lora"):  # three more, each naming several
        participants = koord.get(f"{R}/initiatives/{key}").get_json()["participants"]
        assert koord.patch(f"{R}/initiatives/{key}",
                           {"participants": participants[:-1]}).status_code == 200
    assert actor_queries() == 1


def test_names_of_every_kind_of_reference_at_once(app):
    """A solution names actors, initiatives and municipalities by key: one query reads all
    three (a UNION), and a value shows each by name, a key no record has as it is."""
    from collab.activity import summaries
    from collab.core.models import Region

    old = {"key": "s", "name": "Lösung", "owner": "swa", "initiatives": ["m15"],
           "uses": [{"municipality": "olpe", "relation": "uses"}]}
    new = {**old, "owner": "gone", "initiatives": ["m15", "lora"],
           "uses": [{"municipality": "olpe"}, {"municipality": "soest"}]}
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        names = summaries.names_in(region, [("solutions", {"s": [old, new]})])
        changes = {label: (before, after) for label, before, after
                   in summaries.field_changes("solutions", old, new, names)}
    assert changes["Eigentümer"] == ("Südwestfalen Agentur GmbH", "gone")
    assert changes["Initiativen"] == ("Smarte vernetzte Mobilität",
                                      "Smarte vernetzte Mobilität, LoRaWAN-/IoT-Konzept")
    assert changes["Nutzung durch Kommunen"] == ("Olpe", "Olpe, Soest")


def test_the_comparison_names_a_ties_ends_and_its_kind(api, as_user):
    """QA: a tie that went read "olpe-bm → olpe-testpartner-b-50 (cooperation)"; it reads
    with the names of its ends and its kind in the reader's language."""
    sid = _snapshot_id(api, "Vor der neuen Verbindung")
    koord = api("koordination")
    made = koord.post(f"{R}/ties", {"source": "olpe-digital", "target": "swa", "kind": "advice"})
    assert made.status_code == 201, made.get_json()
    page = text_of(as_user("koordination").get(f"{R}/snapshots/compare?a={sid}&b=today"))
    assert ("hinzugekommen (1): Smart-City-Projektleitung der Stadt Olpe → Südwestfalen "
            "Agentur GmbH (Beratung)") in page, page[:3000]
    assert "olpe-digital" not in page
