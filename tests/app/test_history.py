"""History (issue 17): snapshots, comparison, undo of each kind of change, restore."""

import re

import pytest
import sqlalchemy as sa

from collab.core.models import Activity, NodePosition, Snapshot
from collab.extensions import db

pytestmark = pytest.mark.usefixtures("no_commit_on_get")
R = "/regions/swf5"
ROLES = ["anonymous", "gast", "olpe", "soest", "koordination"]


def _export(api_client):
    response = api_client.get("/regions/swf5/bundle?contact=1")
    assert response.status_code == 200
    return response.get_json()


def _last(app, action):
    with app.app_context():
        return db.session.scalar(sa.select(Activity.id).filter_by(action=action)
                                 .order_by(Activity.id.desc()))


def _undo(browser, activity_id):
    page = browser.get(f"{R}/activity/{activity_id}/undo")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    response = browser.post(f"{R}/activity/{activity_id}/undo",
                            csrf_from=f"{R}/activity/{activity_id}/undo")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_export_snapshot_restore_export_identical(api):
    koord = api("koordination")
    before = _export(koord)
    made = koord.post("/regions/swf5/snapshots", {"name": "Stand 2021", "date": "2021-09-30"})
    assert made.status_code == 201, made.get_json()
    sid = made.get_json()["id"]
    assert koord.delete("/regions/swf5/actors/olpe-digital").status_code in (200, 204)
    assert koord.patch("/regions/swf5/actors/swa", {"name": "Anders"}).status_code == 200
    assert _export(koord) != before
    assert koord.post(f"/regions/swf5/snapshots/{sid}/restore", {}).status_code == 422
    restored = koord.post(f"/regions/swf5/snapshots/{sid}/restore", {"confirm": True})
    assert restored.status_code == 200, restored.get_json()
    assert _export(koord) == before
    listed = koord.get("/regions/swf5/snapshots").get_json()
    assert [s["kind"] for s in listed].count("restore") == 1  # the state before the restore
    assert koord.get(f"/regions/swf5/snapshots/{sid}").get_json()["bundle"]["region"]
    assert koord.delete(f"/regions/swf5/snapshots/{sid}").status_code == 204


def test_undo_deletion_and_the_undo_itself(app, api, as_user):
    koord = api("koordination")
    before = _export(koord)
    assert koord.delete("/regions/swf5/actors/olpe-digital").status_code in (200, 204)
    browser = as_user("koordination")
    _undo(browser, _last(app, "actor.delete"))
    assert _export(koord) == before
    _undo(browser, _last(app, "activity.undo"))  # undo the undo: gone again
    keys = {a["key"] for a in _export(koord)["actors"]}
    assert "olpe-digital" not in keys


def test_an_entry_whose_change_is_gone_offers_nothing_to_undo(app, api, as_user):
    """User pass: after the data went back (a restore, or the same field changed back), the
    undo preview listed nothing under "Das kommt zurück" and still offered the red button.
    It says nothing comes back and offers no button."""
    koord = api("koordination")
    seeded = next(a for a in _export(koord)["actors"] if a["key"] == "olpe-digital")
    assert koord.patch("/regions/swf5/actors/olpe-digital", {"capacity_fte": 3}
                       ).status_code == 200
    changed = _last(app, "actor.update")
    assert koord.patch("/regions/swf5/actors/olpe-digital",  # back as it was
                       {"capacity_fte": seeded["capacity_fte"]}).status_code == 200
    page = as_user("koordination").get(f"{R}/activity/{changed}/undo").get_data(as_text=True)
    assert "Nichts kommt zurück" in page
    assert 'class="danger"' not in page and "wird mit zurückgesetzt" not in page


def test_undo_edit_by_its_author(app, api, as_user):
    olpe = api("olpe")
    before = _export(api("koordination"))
    assert olpe.patch("/regions/swf5/actors/olpe-digital",
                      {"name": "Neu", "capacity_fte": 3}).status_code == 200
    activity_id = _last(app, "actor.update")
    log = as_user("koordination").get(f"{R}/activity").get_data(as_text=True)
    assert "Name: " in log and "→ Neu" in log
    assert as_user("soest").get(f"{R}/activity/{activity_id}/undo").status_code == 403
    _undo(as_user("olpe"), activity_id)
    assert _export(api("koordination")) == before
    again = as_user("olpe").post(f"{R}/activity/{activity_id}/undo",
                                 csrf_from=f"{R}/activity/{activity_id}/undo")
    assert again.status_code == 422  # already undone


def test_a_member_cannot_undo_into_records_of_others(app, api, as_user):
    """Olpe deleted its own actor, which also took it out of initiatives Olpe does not lead;
    undoing that would put those initiatives back as they were (with anything their leads
    changed since): the coordinator's decision. Olpe's page says why and offers no button,
    the POST is 403 and changes nothing; the coordinator can undo it."""
    koord = api("koordination")
    assert api("olpe").delete("/regions/swf5/actors/olpe-digital").status_code in (200, 204)
    entry = _last(app, "actor.delete")
    before = _export(koord)
    olpe = as_user("olpe")
    page = olpe.get(f"{R}/activity/{entry}/undo").get_data(as_text=True)
    # the records by their names, by section, not as "initiatives/lora"
    assert "nicht bearbeiten dürfen: Initiativen: " in page
    assert "LoRaWAN-/IoT-Konzept" in page and "Smarte vernetzte Mobilität" not in page
    assert "; Formate: Arbeitsrunde der Projektleitungen." in page
    assert "initiatives/lora" not in page and "formats/pl-arbeitsrunde" not in page
    assert "Zurück zum Änderungsprotokoll" in page
    assert 'type="submit" class="danger"' not in page
    refused = olpe.post(f"{R}/activity/{entry}/undo", csrf_from=f"{R}/activity")
    assert refused.status_code == 403
    assert "LoRaWAN-/IoT-Konzept" in refused.get_data(as_text=True)
    assert "initiatives/lora" not in refused.get_data(as_text=True)
    assert _export(koord) == before
    _undo(as_user("koordination"), entry)
    assert "olpe-digital" in {a["key"] for a in _export(koord)["actors"]}


def test_a_refused_undo_names_a_tie_by_its_ends(app, api, as_user):
    """Olpe added a tie; the coordinator moved it to two other municipalities' actors. Olpe's
    undo of its addition would remove a tie it may not edit: the page names it by its ends'
    names (not "ties/<key>"); the coordinator's preview names it so as changed since."""
    made = api("olpe").post("/regions/swf5/ties", {"source": "olpe-bm",
                                                  "target": "soest-innovation",
                                                  "kind": "advice"})
    assert made.status_code == 201, made.get_json()
    key = made.get_json()["key"]
    entry = _last(app, "tie.create")
    moved = api("koordination").patch(f"/regions/swf5/ties/{key}",
                                      {"source": "arnsberg-digital"})
    assert moved.status_code == 200, moved.get_json()
    ends = "Digitaler Wandel | Smart City | Zukunft Lernen → Abteilung Innovation und " \
           "digitaler Wandel"
    page = as_user("olpe").get(f"{R}/activity/{entry}/undo").get_data(as_text=True)
    assert f"nicht bearbeiten dürfen: Verbindungen: {ends}." in page, page
    assert f"ties/{key}" not in page
    preview = as_user("koordination").get(f"{R}/activity/{entry}/undo").get_data(as_text=True)
    assert f"Seitdem erneut geändert (wird mit zurückgesetzt): Verbindungen: {ends}</p>" \
        in preview
    assert f"<strong>wird entfernt:</strong> {ends} ({key})" in preview


def test_an_entry_undone_from_several_windows_at_once_is_undone_once(app, api, as_user):
    import threading

    assert api("olpe").patch("/regions/swf5/actors/olpe-digital",
                             {"name": "Neu"}).status_code == 200
    entry = _last(app, "actor.update")
    path = f"{R}/activity/{entry}/undo"
    windows = []
    for _ in range(6):
        window = as_user("olpe")
        windows.append((window, window.csrf(path)))
    barrier, codes = threading.Barrier(len(windows)), []

    def undo(window, token):
        barrier.wait()
        codes.append(window.client.post(path, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=undo, args=pair) for pair in windows]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [302] + [422] * (len(windows) - 1), codes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)
                                 .filter_by(undo_of=entry)) == 1


def test_a_snapshot_deleted_at_once_is_deleted_and_logged_once(app, api):
    from .test_races import at_once

    koord = api("koordination")
    made = koord.post("/regions/swf5/snapshots", {"name": "Doppelt", "date": "2026-01-01"})
    sid = made.get_json()["id"]
    results = at_once(app, [("delete", f"/regions/swf5/snapshots/{sid}", None,
                             koord.headers)] * 6)
    assert sorted(code for code, _body in results) == [204] + [404] * 5, results
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity).filter_by(
            action="snapshot.delete", target=str(sid))) == 1


def test_undoing_a_creation_takes_what_was_added_to_it_since(app, api, as_user):
    """An actor created, then tied to another and put into an initiative: undoing its
    creation removes the tie and the participation too (before, the undo failed with a
    technical message about a tie to an actor no longer in the bundle); the preview lists
    them; undoing the undo brings all of it back."""
    koord = api("koordination")
    created = koord.post("/regions/swf5/actors", {
        "key": "olpe-neu", "name": "Neue Einheit", "type": "department",
        "level": "operational", "municipality": "olpe"})
    assert created.status_code == 201, created.get_json()
    entry = _last(app, "actor.create")
    assert koord.post("/regions/swf5/ties", {"source": "olpe-neu", "target": "soest-innovation",
                                            "kind": "advice"}).status_code == 201
    initiative = koord.get("/regions/swf5/initiatives/olpe-2030").get_json()
    participants = [{"actor": p["actor"], "role": p["role"]}
                    for p in initiative["participants"]] + [
        {"actor": "olpe-neu", "role": "partner"}]
    assert koord.patch("/regions/swf5/initiatives/olpe-2030",
                       {"participants": participants}).status_code == 200
    with_it = _export(koord)
    browser = as_user("koordination")
    page = browser.get(f"{R}/activity/{entry}/undo").get_data(as_text=True)
    assert "olpe-neu-soest-innovation-advice" in page and "olpe-2030" in page
    _undo(browser, entry)
    after = _export(koord)
    assert "olpe-neu" not in {a["key"] for a in after["actors"]}
    assert not [t for t in after["ties"] if "olpe-neu" in (t["source"], t["target"])]
    olpe_2030 = next(i for i in after["initiatives"] if i["key"] == "olpe-2030")
    assert "olpe-neu" not in {p["actor"] for p in olpe_2030["participants"]}
    _undo(browser, _last(app, "activity.undo"))
    assert _export(koord) == with_it


def test_undo_layout(app, as_user):
    with app.app_context():
        had = {p.node_key: (p.x, p.y) for p in db.session.scalars(sa.select(NodePosition))}
    koord = as_user("koordination")
    response = koord.client.post(f"{R}/network/positions",
                                 json={"positions": {"olpe": [1, 2]}},
                                 headers={"X-CSRFToken": koord.csrf(f"{R}/network")})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    _undo(as_user("koordination"), _last(app, "view.positions"))
    with app.app_context():
        now = {p.node_key: (p.x, p.y) for p in db.session.scalars(sa.select(NodePosition))}
    assert now == had


def test_undo_import_and_automatic_snapshot(app, api, as_user, today):
    koord = api("koordination")
    before = _export(koord)
    changed = {**before, "actors": [a for a in before["actors"] if a["key"] != "olpe-digital"],
               "ties": [t for t in before["ties"]
                        if "olpe-digital" not in (t["source"], t["target"])],
               "initiatives": [{**i, "participants": [p for p in i["participants"]
                                                      if p["actor"] != "olpe-digital"]}
                               for i in before["initiatives"]],
               "formats": [{**f, "participants": [p for p in f["participants"]
                                                  if p != "olpe-digital"],
                            "convenor": None if f["convenor"] == "olpe-digital"
                            else f["convenor"]} for f in before.get("formats", [])]}
    response = koord.put("/regions/swf5/bundle", changed)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        snaps = db.session.scalars(sa.select(Snapshot).filter_by(kind="import")).all()
        assert len(snaps) == 1 and snaps[0].bundle == before
        assert snaps[0].date == today  # the local day, as the page shows it
    _undo(as_user("koordination"), _last(app, "bundle.import"))
    assert _export(koord) == before


def test_compare_page_and_cli(app, runner, as_user, today):
    result = runner.invoke(args=["snapshot", "swf5", "--name", "Stand 2021",
                                 "--date", "2021-09-30"])
    assert result.exit_code == 0, result.output
    koord = as_user("koordination")
    page = koord.post(f"{R}/snapshots", {"name": "Stand heute", "date": ""},
                      csrf_from=f"{R}/snapshots")
    assert page.status_code == 302
    with app.app_context():  # a snapshot saved without a date stands for today
        assert db.session.scalar(sa.select(Snapshot.date).filter_by(name="Stand heute")) == today
    listing = koord.get(f"{R}/snapshots").get_data(as_text=True)
    assert "Stand 2021" in listing and "<svg" in listing
    ids = [int(i) for i in re.findall(r"/snapshots/(\d+)/download", listing)]
    compared = koord.get(f"{R}/snapshots/compare?a={ids[0]}&b={ids[1]}")
    assert compared.status_code == 200
    text = compared.get_data(as_text=True)
    assert "Taktgeber" in text and text.count("<svg") >= 2
    assert koord.get(f"{R}/snapshots/compare?a={ids[0]}&b=today").status_code == 200
    assert koord.get(f"{R}/snapshots/{ids[0]}/download").get_json()["region"]["slug"] == "swf5"
    assert koord.get(f"{R}/snapshots/{ids[0]}/restore").status_code == 200
    assert runner.invoke(args=["snapshot", "nope", "--name", "x"]).exit_code == 1
    bad = runner.invoke(args=["snapshot", "swf5", "--name", "x", "--date", "2021-13-01"])
    assert bad.exit_code == 1


PAGES = [
    (f"{R}/snapshots", "302 403 403 403 200"),
    (f"{R}/snapshots/compare", "302 403 403 403 200"),
    (f"{R}/snapshots/{{sid}}/download", "302 403 403 403 200"),
    (f"{R}/snapshots/{{sid}}/restore", "302 403 403 403 200"),
    (f"{R}/snapshots/999999/restore", "302 403 403 403 404"),
]


@pytest.mark.parametrize("path,spec", PAGES, ids=[p for p, _ in PAGES])
def test_page_permissions(path, spec, runner, browser, as_user):
    result = runner.invoke(args=["snapshot", "swf5", "--name", "A"])
    sid = re.search(r"Stand (\d+)", result.output).group(1)
    for role, status in zip(ROLES, spec.split(), strict=True):
        client = browser if role == "anonymous" else as_user(role)
        got = client.get(path.format(sid=sid)).status_code
        assert got == int(status), (role, path, got)


def test_post_permissions(runner, as_user, app):
    result = runner.invoke(args=["snapshot", "swf5", "--name", "A"])
    sid = re.search(r"Stand (\d+)", result.output).group(1)
    for role in ("gast", "olpe", "soest"):
        client = as_user(role)
        for path in (f"{R}/snapshots", f"{R}/snapshots/{sid}/delete",
                     f"{R}/snapshots/{sid}/restore"):
            assert client.post(path, {"name": "x", "confirm": "1"}).status_code == 403
    koord = as_user("koordination")
    no_csrf = koord.client.post(f"{R}/snapshots/{sid}/delete")
    assert no_csrf.status_code == 400


API = [("get", "/regions/swf5/snapshots", None),
       ("post", "/regions/swf5/snapshots", {"name": "x"}),
       ("get", "/regions/swf5/snapshots/{sid}", None),
       ("post", "/regions/swf5/snapshots/{sid}/restore", {"confirm": True}),
       ("delete", "/regions/swf5/snapshots/{sid}", None)]


def test_api_permissions(api, runner):
    result = runner.invoke(args=["snapshot", "swf5", "--name", "A"])
    sid = re.search(r"Stand (\d+)", result.output).group(1)
    for login, status in ((None, 401), ("gast", 403), ("olpe", 403), ("soest", 403)):
        client = api(login)
        for method, path, body in API:
            got = getattr(client, method)(path.format(sid=sid), body).status_code
            assert got == status, (login, method, path, got)
    koord = api("koordination")
    assert koord.post("/regions/swf5/snapshots", {"name": ""}).status_code == 422
    assert koord.post("/regions/swf5/snapshots", {"name": "a", "date": "x"}).status_code == 422
    assert koord.get("/regions/swf5/snapshots/999999").status_code == 404
    paths = koord.get("/openapi.json").get_json()["paths"]
    assert "/regions/{slug}/snapshots/{id}/restore" in paths


def test_activity_log_filters_and_language(api, as_user):
    api("koordination").patch("/regions/swf5/actors/swa", {"name": "Anders"})
    koord = as_user("koordination")
    page = koord.get(f"{R}/activity?object=swa&from=2000-01-01").get_data(as_text=True)
    assert "Akteur geändert" in page and "/actors/swa" in page
    assert "Akteur geändert" not in koord.get(f"{R}/activity?object=nope").get_data(
        as_text=True)
    english = koord.get(f"{R}/activity?object=swa&lang=en")
    assert english.status_code == 200


def test_region_nav_links_the_snapshots_for_who_may_see_them(as_user):
    link = f'href="{R}/snapshots"'
    assert link in as_user("koordination").get(f"{R}/analysis").get_data(as_text=True)
    page = as_user("koordination").get(f"{R}/snapshots").get_data(as_text=True)
    assert re.search(rf'<a {link} aria-current="page">', page)
    for login in ("gast", "olpe"):
        assert link not in as_user(login).get(R).get_data(as_text=True), login


def test_compared_gaps_read_in_the_readers_language(app, api, runner, as_user):
    """The gaps opened and closed are shown in the language of whoever reads the comparison,
    whatever the language of whoever saved the snapshot."""
    result = runner.invoke(args=["snapshot", "swf5", "--name", "Vorher"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        snap = db.session.scalar(sa.select(Snapshot).order_by(Snapshot.id.desc()))
        sid, before = snap.id, snap.summary
    assert all(set(g["messages"]) == {"de", "en"} and g["messages"]["en"]
               for g in before["gaps"])
    assert api("koordination").delete(f"{R}/actors/swa").status_code == 204
    koord = as_user("koordination")
    texts = {}
    for lang in ("de", "en"):
        koord.post(f"/lang/{lang}", {"next": R}, csrf_from=R)
        page = koord.get(f"{R}/snapshots/compare?a={sid}&b=today").get_data(as_text=True)
        texts[lang] = [item for which in ("opened", "closed") for item in re.findall(
            r"<li>([^<]*)</li>", page.split(f'<ul class="gaps-{which}">')[1].split("</ul>")[0])]
    assert texts["de"] and len(texts["de"]) == len(texts["en"])
    assert set(texts["de"]).isdisjoint(texts["en"])
    english = {g["message"] for g in api("gast").get(
        f"{R}/analysis?lang=en").get_json()["gaps"]} | {
        g["messages"]["en"] for g in before["gaps"]}
    from markupsafe import escape
    assert {str(escape(m)) for m in english} >= set(texts["en"])


def _participants(api_client, key: str) -> set[tuple[str, str]]:
    found = api_client.get(f"{R}/initiatives/{key}").get_json()["participants"]
    return {(p["actor"], p["role"]) for p in found}


@pytest.mark.parametrize("direction", ["ends", "brings_back"])
def test_a_lead_cannot_change_another_municipalitys_participation_by_undo(app, api, as_user,
                                                                        direction):
    """Attacker pass: Olpe, the lead, undid an unrelated edit of its own initiative and so
    ended Soest's participation (approved after the edit), or brought back one the
    coordinator had ended since: an edit is refused that, and so is such an undo."""
    koord, olpe = api("koordination"), api("olpe")
    ini = "olpe-2030"  # Olpe leads it with olpe-digital
    if direction == "brings_back":
        assert koord.patch(f"{R}/initiatives/{ini}", {"participants": [
            *[{"actor": a, "role": r} for a, r in _participants(koord, ini)],
            {"actor": "soest-rat", "role": "partner"}]}).status_code == 200
    assert olpe.patch(f"{R}/initiatives/{ini}", {"description": "E1"}).status_code == 200
    entry = _last(app, "initiative.update")
    kept = {(a, r) for a, r in _participants(koord, ini) if a != "soest-rat"}
    after = kept if direction == "brings_back" else kept | {("soest-rat", "partner")}
    assert koord.patch(f"{R}/initiatives/{ini}", {"participants": [
        {"actor": a, "role": r} for a, r in after]}).status_code == 200
    before = _participants(koord, ini)
    browser = as_user("olpe")
    page = browser.get(f"{R}/activity/{entry}/undo").get_data(as_text=True)
    assert 'type="submit" class="danger"' not in page
    assert browser.post(f"{R}/activity/{entry}/undo",
                        csrf_from=f"{R}/activity").status_code == 403
    assert _participants(koord, ini) == before
    _undo(as_user("koordination"), entry)  # the coordinator may


def test_a_comparison_viewed_again_is_not_laid_out_again(app, as_user, monkeypatch):
    """User pass: comparing two states took 4 to 8 s, most of it the layout of both
    networks; viewing the same comparison again (or in the other language) reuses it."""
    from collab.history import pages as history_pages
    from graphs import vis

    history_pages._layouts.clear()
    calls = []
    real = vis.layout
    monkeypatch.setattr(vis, "layout", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    coordinator = as_user("koordination")
    saved = coordinator.post(f"{R}/snapshots", {"name": "Vorher", "date": "2026-11-01"},
                             csrf_from=f"{R}/snapshots")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    with app.app_context():
        snap = db.session.scalar(sa.select(Snapshot.id).order_by(Snapshot.id.desc()))
        db.session.remove()
    page = f"{R}/snapshots/compare?a={snap}&b=today"
    first = coordinator.get(page)
    assert first.status_code == 200 and "<svg" in first.get_data(as_text=True)
    assert len(calls) == 1
    coordinator.get(page)
    coordinator.post("/lang/en", {"next": page}, csrf_from=R)
    assert "<svg" in coordinator.get(page).get_data(as_text=True)
    assert len(calls) == 1


def test_snapshot_list_names_who_saved_it(api, as_user):
    """User pass: the list said "· koordination" (the login) where every other page names
    the account ("Koordination 5 für Südwestfalen")."""
    assert api("koordination").post("/regions/swf5/snapshots",
                                     {"name": "Stand für den Bericht"}).status_code == 201
    page = as_user("koordination").get("/regions/swf5/snapshots").get_data(as_text=True)
    row = page[page.index(">Stand für den Bericht<"):]
    row = row[:row.index("</tr>")]
    assert "· Koordination 5 für Südwestfalen" in row and "· koordination<" not in row
