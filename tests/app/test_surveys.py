"""The relationship survey (issue 13.2): rounds, answers, confirmation from both ends."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from collab.core.models import Actor, Notification, Survey, Tie, User
from collab.extensions import db

from .test_races import at_once

#: two weeks after today where the platform counts days (the app's zone; the machine's date,
#: UTC on CI, is a day behind from 23:00 UTC): set when the module loads, outside an app
CLOSES = (dt.datetime.now(ZoneInfo("Europe/Berlin")).date() + dt.timedelta(days=14)).isoformat()


def _tie(app, source: str, target: str, kind: str = "cooperation") -> Tie | None:
    with app.app_context():
        ids = {a.key: a.id for a in db.session.scalars(db.select(Actor).where(
            Actor.key.in_([source, target])))}
        tie = db.session.scalar(db.select(Tie).where(
            Tie.kind == kind,
            ((Tie.source_id == ids[source]) & (Tie.target_id == ids[target]))
            | ((Tie.source_id == ids[target]) & (Tie.target_id == ids[source]))))
        if tie is not None:
            db.session.expunge(tie)
        return tie


def _open(api) -> int:
    response = api("koordination").post("/regions/swf5/surveys", {"closes_at": CLOSES})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_olpe_and_soest_confirm_the_ties_both_report(app, api):
    """Demo: a round answered by Olpe and Soest confirms the ties both report, and the
    analysis marks them confirmed."""
    survey = _open(api)
    olpe = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-digital", "level": "coordinating"}],
        "partners": [
            {"from": "olpe-digital", "actor": "soest-innovation", "kind": "cooperation",
             "frequency": "monthly", "trust": 4, "value": 5},
            {"from": "olpe-digital", "actor": "menden-cdo", "kind": "cooperation",
             "frequency": "yearly", "trust": 2, "value": 3}]})
    assert olpe.status_code == 200, olpe.get_json()
    tie = _tie(app, "olpe-digital", "soest-innovation")
    assert (tie.provenance, tie.trust, tie.value, tie.weight) == ("self_reported", 4, 5, 4)

    soest = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest", {
        "units": [{"actor": "soest-innovation", "level": "coordinating"}],
        "partners": [{"from": "soest-innovation", "actor": "olpe-digital",
                      "kind": "cooperation", "frequency": "monthly", "trust": 5,
                      "value": 4}]})
    assert soest.status_code == 200, soest.get_json()
    assert any(c["action"] == "tie.confirm" for c in soest.get_json()["changes"])
    assert _tie(app, "olpe-digital", "soest-innovation").provenance == "confirmed"
    # reported by one end only: stays self-reported
    assert _tie(app, "olpe-digital", "menden-cdo").provenance == "self_reported"

    status = api("koordination").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert status["answered"] == 2 and status["named_ties"] == 2
    assert status["confirmed_ties"] == 1 and status["confirmed_share"] == 0.5
    assert {r["municipality"] for r in status["responses"]} == {"olpe", "soest"}

    report = api("koordination").get("/regions/swf5/analysis").get_json()
    assert report["summary"]["ties_confirmed"] == 1
    assert report["summary"]["ties_self_reported"] == 1


def test_other_side_confirms_or_rejects_on_its_form(app, api, as_user):
    """A tie reported by Olpe shows on Soest's form as reported by others; Soest rejects it
    and it is gone; Soest's records were never changed by Olpe's answer."""
    survey = _open(api)
    with app.app_context():
        before = {a.key: (a.level, a.provenance) for a in db.session.scalars(
            db.select(Actor).join(Actor.municipality).where(Actor.key.like("soest%")))}
    api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-rat", "actor": "soest-rat", "kind": "cooperation",
                      "frequency": "quarterly"}]})
    with app.app_context():
        after = {a.key: (a.level, a.provenance) for a in db.session.scalars(
            db.select(Actor).join(Actor.municipality).where(Actor.key.like("soest%")))}
    assert after == before
    soest = as_user("soest")
    page = soest.get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    assert "Von anderen gemeldete Verbindungen" in page and "olpe-rat-soest-rat" in page
    tie_key = _tie(app, "olpe-rat", "soest-rat").key
    response = soest.post(f"/regions/swf5/surveys/{survey}/answer",
                          {"rows": "0", f"tie-{tie_key}": "reject",
                           "submit": "Antwort absenden"},
                          csrf_from=f"/regions/swf5/surveys/{survey}/answer")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _tie(app, "olpe-rat", "soest-rat") is None


def test_a_name_two_actors_bear_is_refused_on_the_form(app, api, as_user):
    """A partner typed by a name two actors bear is not guessed: the form answers 422 with
    both keys and saves nothing; the key, or a name only one actor bears, is taken."""
    survey = _open(api)
    coordinator = api("koordination")
    for key in ("soest-verein-a", "soest-verein-b"):
        created = coordinator.post("/regions/swf5/actors", {
            "key": key, "name": "Digitalverein", "type": "association",
            "level": "operational", "municipality": "soest"})
        assert created.status_code == 201, created.get_json()
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    row = {"rows": "1", "p-0-from": "olpe-digital", "p-0-kind": "cooperation",
           "p-0-frequency": "monthly", "submit": "x"}
    refused = olpe.post(path, {**row, "p-0-actor": " digitalverein "}, csrf_from=path)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422, page
    assert "heißen mehrere Akteure" in page and "soest-verein-a, soest-verein-b" in page
    assert _tie(app, "olpe-digital", "soest-verein-a") is None
    assert _tie(app, "olpe-digital", "soest-verein-b") is None
    taken = olpe.post(path, {**row, "p-0-actor": "soest-verein-b"}, csrf_from=path)
    assert taken.status_code == 302, taken.get_data(as_text=True)
    assert _tie(app, "olpe-digital", "soest-verein-b") is not None


def test_a_long_partner_name_keeps_every_key_valid(app, api):
    """A new partner with a long name: its tie's key stays within 64 characters, so the
    region still exports and imports (a key of 83 characters had made every import, undo
    and restore of the region fail)."""
    from collab.objects.services import default_tie_key

    survey = _open(api)
    name = "Zweckverband für die Digitalisierung der Kommunalverwaltung in Südwestfalen"
    answered = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest", {
        "partners": [{"from": "soest-innovation", "new": {"name": name},
                      "frequency": "monthly", "kind": "cooperation"}]})
    assert answered.status_code == 200, answered.get_json()
    coordinator = api("koordination")
    bundle = coordinator.get("/regions/swf5/bundle?contact=1").get_json()
    keys = [r["key"] for section in ("actors", "ties") for r in bundle[section]]
    assert max(len(k) for k in keys) <= 64
    partner = next(a["key"] for a in bundle["actors"] if a["name"] == name)
    tie = next(t for t in bundle["ties"] if partner in (t["source"], t["target"]))
    assert tie["key"] == default_tie_key("soest-innovation", partner, "cooperation")
    again = coordinator.put("/regions/swf5/bundle?dry_run=1", bundle)
    assert again.status_code == 200, again.get_json()


def test_default_tie_keys_fit_and_stay_the_same():
    from collab.core.validation import KEY_RE
    from collab.objects.services import default_tie_key

    assert default_tie_key("olpe-rat", "soest-rat", "knowledge_transfer") == \
        "olpe-rat-soest-rat-knowledge-transfer"
    long_a, long_b = "a" * 40 + "-b", "c" * 50 + "-d"
    key = default_tie_key(long_a, long_b, "cooperation")
    assert len(key) <= 64 and KEY_RE.match(key)
    assert key == default_tie_key(long_a, long_b, "cooperation")
    assert key != default_tie_key(long_a, long_b, "advice")


def test_new_partner_and_unit_correction_through_the_form(app, api, as_user):
    survey = _open(api)
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    response = olpe.post(path, {
        "rows": "2", "unit-olpe-digital": "coordinating", "unit-olpe-rat": "strategic",
        "unit-olpe-bm": "strategic",
        "p-0-from": "olpe-digital", "p-0-actor": "Südwestfalen Agentur GmbH", "p-0-kind":
        "cooperation", "p-0-frequency": "weekly", "p-0-trust": "5", "p-0-value": "5",
        "p-1-from": "olpe-digital", "p-1-new_name": "Heimatverein <b>Olpe</b>",
        "p-1-new_type": "association", "p-1-new_level": "operational",
        "p-1-kind": "cooperation", "p-1-frequency": "yearly", "submit": "x"}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(db.select(Actor).filter_by(name="Heimatverein <b>Olpe</b>"))
        assert new.provenance == "self_reported" and new.municipality is None
        assert new.key.startswith("olpe-heimatverein") and new.sector == "civil_society"
    assert _tie(app, "olpe-digital", "swa").trust == 5
    page = as_user("koordination").get(f"/regions/swf5/surveys/{survey}").get_data(
        as_text=True)
    assert "1 / 24" in page and "Heimatverein &lt;b&gt;Olpe&lt;/b&gt;" in page
    # who answered, by the account's name (its login "olpe" is no name)
    assert "(Stadt Olpe)" in page and "(olpe)" not in page


@pytest.mark.parametrize("body, field", [
    ({"partners": [{"from": "soest-rat", "actor": "swa", "frequency": "weekly"}]},
     "partners[0].from"),
    ({"units": [{"actor": "soest-rat", "level": "strategic"}]}, "units[0].actor"),
    ({"partners": [{"from": "olpe-rat", "actor": "swa", "frequency": "daily"}]},
     "partners[0].frequency"),
    ({"partners": [{"from": "olpe-rat", "actor": "nobody", "frequency": "weekly"}]},
     "partners[0].actor"),
    ({"partners": [{"from": "olpe-rat", "actor": "swa", "frequency": "weekly", "trust": 9}]},
     "partners[0].trust"),
    ({"confirm": ["swa-olpe-digital-cooperation"]}, "confirm[0]"),
    ({"extra": 1}, "extra"),
])
def test_bad_answers_are_refused_and_change_nothing(app, api, body, field):
    survey = _open(api)
    with app.app_context():
        ties = db.session.scalar(db.select(db.func.count()).select_from(Tie))
    response = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", body)
    assert response.status_code == 422, response.get_json()
    assert field in [d["field"] for d in response.get_json()["details"]]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Tie)) == ties


def test_permissions(api):
    assert api("olpe").post("/regions/swf5/surveys", {"closes_at": CLOSES}).status_code == 403
    assert api("koordination").post("/regions/swf5/surveys",
                                    {"closes_at": "2001-01-01"}).status_code == 422
    survey = _open(api)
    assert api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/soest",
                           {}).status_code == 403
    assert api("gast").put(f"/regions/swf5/surveys/{survey}/responses/olpe",
                           {}).status_code == 403
    own = api("olpe").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert "response_rate" not in own
    doc = api(None).get("/openapi.json").get_json()
    assert "/regions/{slug}/surveys/{survey_id}/responses/{key}" in doc["paths"]


def test_an_answer_that_fails_halfway_saves_nothing(app, api, monkeypatch):
    """An answer is one transaction: when writing one of its ties fails after its new actor
    and the unit correction were written, none of it is kept (no actor, no level change, no
    tie, no answer, no activity entry), and the data version stays."""
    from collab.core.models import Activity, Region, SurveyResponse
    from collab.objects import services as object_services

    survey = _open(api)
    olpe = api("olpe")  # its token is made (and logged) now

    def counts():
        with app.app_context():
            return (db.session.scalar(db.select(db.func.count()).select_from(Actor)),
                    db.session.scalar(db.select(db.func.count()).select_from(Tie)),
                    db.session.scalar(db.select(db.func.count()).select_from(Activity)),
                    db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)),
                    db.session.scalar(db.select(Actor.level).filter_by(key="olpe-rat")),
                    db.session.scalar(db.select(Region.data_version).filter_by(slug="swf5")))
    before = counts()
    real, calls = object_services.add_tie, []

    def second_tie_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)
    monkeypatch.setattr(object_services, "add_tie", second_tie_fails)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500, not the error
    response = olpe.put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-rat", "level": "coordinating"}],
        "partners": [
            {"from": "olpe-digital", "new": {"name": "Heimatverein Olpe",
                                             "type": "association", "level": "operational"},
             "kind": "cooperation", "frequency": "yearly"},
            {"from": "olpe-digital", "actor": "menden-cdo", "kind": "cooperation",
             "frequency": "yearly"}]})
    assert response.status_code == 500 and len(calls) == 2
    assert counts() == before


# --- a new partner is an external partner, not one of the municipality's own units ---------------


def _olpe_levels(app, api, as_user) -> tuple[str, list]:
    """Olpe's row of the level matrix on the region page and its gaps in the analysis."""
    page = as_user("koordination").get("/regions/swf5").get_data(as_text=True)
    row = re.search(r'/municipalities/olpe">.*?</tr>', page, re.S).group(0)
    report = api("koordination").get("/regions/swf5/analysis").get_json()
    gaps = sorted(g["message"] for g in report["gaps"]
                  if g["kind"] == "missing_level" and "olpe" in g["keys"])
    return row, gaps


def test_new_partner_from_the_survey_is_no_level_of_olpe(app, api, as_user):
    """QA: a company Olpe names as a new partner on the operational level became an actor of
    Olpe, filled Olpe's operational level in the matrix and hid its gap. It is an external
    partner now: no municipality, tied to the unit that named it, not among Olpe's units."""
    survey = _open(api)
    row, gaps = _olpe_levels(app, api, as_user)
    assert "fehlt" in row and gaps, (row, gaps)  # Olpe has no operational level of its own
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    response = olpe.post(path, {
        "rows": "1", "p-0-from": "olpe-digital", "p-0-new_name": "Sauerland Netz GmbH",
        "p-0-new_type": "business", "p-0-new_level": "operational", "p-0-kind": "cooperation",
        "p-0-frequency": "monthly", "submit": "x"}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(db.select(Actor).filter_by(name="Sauerland Netz GmbH"))
        assert new.municipality is None
        assert (new.type, new.level, new.sector, new.provenance) == (
            "business", "operational", "business", "self_reported")
        key = new.key
    assert _tie(app, "olpe-digital", key).provenance == "self_reported"
    assert _olpe_levels(app, api, as_user) == (row, gaps)
    form = olpe.get(path).get_data(as_text=True)
    units = form.split("1. Ihre Einheiten")[1].split("2. Ihre Partner")[0]
    assert "Sauerland Netz GmbH" not in units
    changes = api("koordination").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert {"action": "actor.create", "target": key, "summary": "Sauerland Netz GmbH"} in \
        changes["responses"][0]["changes"]


def test_new_partner_through_the_api_keeps_a_sector_it_names(app, api):
    survey = _open(api)
    response = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-rat", "frequency": "yearly",
                      "new": {"name": "Uni Siegen", "type": "research", "level": "strategic",
                              "sector": "public"}}]})
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        new = db.session.scalar(db.select(Actor).filter_by(name="Uni Siegen"))
        assert (new.municipality, new.sector) == (None, "public")


# --- one open round per region, closing within a year ---------------------------------------------


def _open_rounds(app, today: dt.date) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Survey).where(
            Survey.closes_at >= today))


def _notes(app, login: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Notification).join(
            User, User.id == Notification.user_id).where(User.login == login,
                                                         Notification.kind == "survey_opened"))


def test_one_open_round_at_a_time_on_the_page(app, as_user, today):
    """QA: "Antworten bis" submitted as 31.12.9999, then twice more, opened three rounds and
    told Olpe three times. Now the absurd date is refused, one round opens, and the next is
    refused while it runs; Olpe is told once."""
    coordinator = as_user("koordination")
    path = "/regions/swf5/surveys"
    for far in ("31.12.9999", "31.12.2099"):
        refused = coordinator.post(path, {"closes_at": far}, csrf_from=path)
        assert refused.status_code == 200 and _open_rounds(app, today) == 0
    assert "Antworten bis: höchstens ein Jahr im Voraus." in refused.get_data(as_text=True)
    closes = today + dt.timedelta(days=20)
    first = coordinator.post(path, {"closes_at": closes.isoformat()}, csrf_from=path)
    assert first.status_code == 302, first.get_data(as_text=True)
    page = coordinator.get(path).get_data(as_text=True)
    assert 'id="survey-running"' in page and 'name="closes_at"' not in page
    second = coordinator.post(path, {"closes_at": closes.strftime("%d.%m.%Y")}, csrf_from="/hilfe")
    text = second.get_data(as_text=True)
    assert second.status_code == 200 and "nimmt noch bis" in text, text
    assert _open_rounds(app, today) == 1 and _notes(app, "olpe") == 1


@pytest.mark.parametrize("days, status", [(0, 201), (1, 201), (-1, 422), (364, 201),
                                          (370, 422)])
def test_closing_date_today_to_one_year_ahead(api, today, days, status):
    closes = (today + dt.timedelta(days=days)).isoformat()
    response = api("koordination").post("/regions/swf5/surveys", {"closes_at": closes})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert response.get_json()["details"][0]["field"] == "closes_at"


def test_second_open_round_is_a_conflict_in_the_api(app, api, today):
    _open(api)
    response = api("koordination").post("/regions/swf5/surveys", {"closes_at": CLOSES})
    assert response.status_code == 409
    assert "nimmt noch bis" in response.get_json()["error"]
    assert _open_rounds(app, today) == 1


def test_a_closed_round_makes_room_for_the_next(app, api, today):
    survey = _open(api)
    with app.app_context():
        db.session.get(Survey, survey).closes_at = today - dt.timedelta(days=1)
        db.session.commit()
    assert api("koordination").post("/regions/swf5/surveys",
                                    {"closes_at": CLOSES}).status_code == 201


def test_rounds_opened_at_once_open_one(app, api, today):
    """Four requests at once (SQLite and PostgreSQL): one round opens, three get 409."""
    headers = api("koordination").headers
    results = at_once(app, [("post", "/regions/swf5/surveys", {"closes_at": CLOSES},
                             headers)] * 4)
    assert sorted(code for code, _body in results) == [201, 409, 409, 409], results
    assert _open_rounds(app, today) == 1 and _notes(app, "olpe") == 1


def test_only_ties_the_other_side_reported_wait_for_confirmation(app, api, as_user):
    """A tie Olpe reported waits on Soest's form, not on Olpe's own (Olpe cannot confirm
    what it reported); a tie entered on the pages waits for the coordinator, on no form."""
    survey = _open(api)
    api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-rat", "actor": "soest-rat", "kind": "cooperation",
                      "frequency": "quarterly"}]})
    created = api("olpe").post("/regions/swf5/ties", {
        "source": "olpe-digital", "target": "soest-innovation", "kind": "advice"})
    assert created.status_code == 201, created.get_json()
    olpe = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    soest = as_user("soest").get(f"/regions/swf5/surveys/{survey}/answer") \
        .get_data(as_text=True)
    assert "olpe-rat-soest-rat" in soest and "olpe-rat-soest-rat" not in olpe
    assert "olpe-digital-soest-innovation-advice" not in soest


def test_coordinator_ends_a_round_early_and_opens_the_next(app, api, as_user):
    """A closing date set too far no longer blocks the region for a year: the coordinator
    ends the round (after a confirmation), answers stay, a new round can start."""
    survey = _open(api)
    api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {"partners": []})
    coordinator = as_user("koordination")
    index = coordinator.get("/regions/swf5/surveys").get_data(as_text=True)
    assert f"/regions/swf5/surveys/{survey}/close" in index
    confirm = coordinator.get(f"/regions/swf5/surveys/{survey}/close")
    assert confirm.status_code == 200 and "vorzeitig beenden?" in confirm.get_data(as_text=True)
    assert api("olpe").post(f"/regions/swf5/surveys/{survey}/close").status_code == 403
    assert as_user("olpe").get(f"/regions/swf5/surveys/{survey}/close").status_code == 403
    done = coordinator.post(f"/regions/swf5/surveys/{survey}/close",
                            csrf_from=f"/regions/swf5/surveys/{survey}/close")
    assert done.status_code == 302
    answer = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest",
                              {"partners": []})
    assert answer.status_code == 409
    record = api("koordination").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert len(record["responses"]) == 1
    assert api("koordination").post(f"/regions/swf5/surveys/{survey}/close").status_code \
        == 409
    _open(api)  # the next round


# --- the ties the network already holds, on the form ----------------------------------------------

KNOWN_UNIT = re.compile(r'<th colspan="3" scope="rowgroup" class="unit-name">(.*?)</th>')
KNOWN_ROW = re.compile(r'<tr><td class="partner">(.*?)</td>\s*<td class="kind">(.*?)</td>'
                       r'\s*<td class="origin"><span[^>]*>(.*?)</span>', re.S)


def _known(page: str) -> list[tuple[str, str, str, str]]:
    """The rows of the form's list "Bereits im Netzwerk bekannt" (unit, partner, kind,
    provenance), in the page's order."""
    if 'id="survey-known"' not in page:
        return []
    block = page.split('id="survey-known"')[1].split("</table>")[0]
    return [(KNOWN_UNIT.search(group).group(1), *row)
            for group in block.split("<tbody>")[1:] for row in KNOWN_ROW.findall(group)]


OLPE_DIGITAL = "Smart-City-Projektleitung der Stadt Olpe"


def test_the_form_lists_the_ties_the_network_already_holds(app, api, as_user):
    """A clerk re-entered partners the network already knew, some as new partners. Olpe's
    form lists its 11 ties of the demo network as known (its unit, the partner with its
    municipality, kind, provenance), before the rows; no tie of another municipality."""
    survey = _open(api)
    page = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    known = _known(page)
    assert len(known) == 11
    assert page.index("Bereits im Netzwerk bekannt") < page.index('name="p-0-from"')
    assert (OLPE_DIGITAL, "Südwestfalen Agentur GmbH", "Kooperation", "dokumentiert") in known
    assert (OLPE_DIGITAL, "Stabsabteilung Regionalentwicklung (Bad Berleburg)",
            "Wissenstransfer", "angenommen") in known
    assert ("Rat der Stadt Olpe", OLPE_DIGITAL, "Auftrag/Mandat", "angenommen") in known
    # "Gemeinde Wenden" names its municipality "Wenden (Wendener Land)" already
    assert (OLPE_DIGITAL, "Bürgermeister der Gemeinde Wenden", "Wissenstransfer",
            "angenommen") in known
    # by unit, each unit once, then by partner
    assert [row[:2] for row in known] == sorted((row[:2] for row in known),
                                                key=lambda r: (r[0].casefold(), r[1].casefold()))
    assert page.count('scope="rowgroup"') == 3
    assert not any("Soest" in row[1] or "Innovation" in row[1] for row in known)


def test_known_ties_move_to_the_answer_or_wait_for_confirmation(app, api, as_user):
    """A known tie Olpe's answer names is one of the answer's rows, no longer listed as
    known; a tie Soest reported waits under 3. for Olpe's word; a tie entered on the pages
    is known at once."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    answered = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-digital", "actor": "swa", "kind": "cooperation",
                      "frequency": "weekly"}]})
    assert answered.status_code == 200, answered.get_json()
    reported = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest", {
        "partners": [{"from": "soest-rat", "actor": "olpe-rat", "frequency": "yearly"}]})
    assert reported.status_code == 200, reported.get_json()
    entered = api("koordination").post("/regions/swf5/ties", {
        "source": "olpe-bm", "target": "menden-cdo", "kind": "advice"})
    assert entered.status_code == 201, entered.get_json()
    page = as_user("olpe").get(path).get_data(as_text=True)
    known = _known(page)
    assert len(known) == 11
    assert (OLPE_DIGITAL, "Südwestfalen Agentur GmbH", "Kooperation", "dokumentiert") \
        not in known
    assert 'value="Südwestfalen Agentur GmbH"' in page  # the answer's row
    assert not any(row[1] == "Rat der Stadt Soest" for row in known)
    assert "soest-rat-olpe-rat" in page.split("3. Von anderen gemeldete Verbindungen")[1]
    assert ("Bürgermeister der Stadt Olpe", "Digitalisierungsbeauftragte der Stadt Menden "
            "(Sauerland)", "Beratung", "dokumentiert") in known


def test_a_municipality_without_ties_sees_no_known_list(app, api, as_user, runner):
    survey = _open(api)
    result = runner.invoke(args=["create-user", "wenden", "--role", "member", "--region",
                                 "swf5", "--municipality", "wenden", "--password", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        wenden = db.session.scalar(db.select(Actor).filter_by(key="wenden-bm"))
        for tie in db.session.scalars(db.select(Tie).where(
                (Tie.source_id == wenden.id) | (Tie.target_id == wenden.id))):
            db.session.delete(tie)
        db.session.commit()
    page = as_user("wenden").get(f"/regions/swf5/surveys/{survey}/answer")
    assert page.status_code == 200
    assert 'id="survey-known"' not in page.get_data(as_text=True)


def test_a_new_round_suggests_three_weeks_to_answer(as_user, today):
    """The coordinator's form proposes a closing day three weeks ahead (it was empty, and
    'Befragung starten' first answered 'Angabe fehlt'); starting with it opens the round."""
    import datetime as dt

    coordinator = as_user("koordination")
    page = coordinator.get("/regions/swf5/surveys").get_data(as_text=True)
    closes = today + dt.timedelta(days=21)
    assert f'value="{closes:%d.%m.%Y}"' in page
    started = coordinator.post("/regions/swf5/surveys", {"closes_at": f"{closes:%d.%m.%Y}"},
                               csrf_from="/regions/swf5/surveys")
    assert started.status_code == 302, started.get_data(as_text=True)[:500]


def test_a_data_request_on_the_home_says_how_to_answer_it(app, api, as_user):
    """User pass: "Bitte bestätigen oder ergänzen: Für Olpe sind diese Ebenen nur aus
    angenommenen Angaben bekannt …" on the clerk's home had no link, and nothing said how
    to confirm. It leads to the running survey while Olpe has not answered it, else to
    Olpe's page, saying what to do there."""
    olpe = as_user("olpe")
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Bitte bestätigen oder ergänzen" in home
    assert "Herkunft auf „bestätigt“" in home
    assert 'href="/regions/swf5/municipalities/olpe">Seite Ihrer Kommune</a></p>' in home
    survey = _open(api)
    home = olpe.get("/kommune").get_data(as_text=True)
    hint = home[home.index('class="how-to-confirm"'):]
    hint = hint[:hint.index("</p>")]
    assert "In der laufenden Netzwerkbefragung" in hint
    assert f'href="/regions/swf5/surveys/{survey}/answer">Zur Befragung</a>' in hint


def test_the_survey_leads_to_adding_a_unit_and_back(app, api, as_user):
    """User pass: a newly approved municipality without units found "noch keine Einheiten
    erfasst", an empty "Eigene Einheit" and no way on. The survey links to adding a unit of
    the municipality, and after saving the clerk is back at the survey."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    olpe = as_user("olpe")
    page = olpe.get(path).get_data(as_text=True)
    link = f"/regions/swf5/actors/new?municipality=olpe&amp;next={path}"
    assert f'href="{link}">Einheit anlegen</a>' in page and "Fehlt eine Einheit?" in page
    target = link.replace("&amp;", "&")
    response = olpe.post(target, {"key": "", "name": "Digitallotsen Olpe", "type": "department",
                                  "level": "operational", "sector": "public",
                                  "municipality": "olpe", "provenance": "self_reported"},
                         csrf_from=target)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert response.headers["Location"].endswith(path)
    assert "Digitallotsen Olpe" in olpe.get(path).get_data(as_text=True)
    # an address elsewhere is no way back
    evil = "/regions/swf5/actors/new?municipality=olpe&next=//evil.example/"
    response = olpe.post(evil, {"key": "", "name": "Zweite Einheit Olpe", "type": "department",
                                "level": "operational", "sector": "public",
                                "municipality": "olpe", "provenance": "self_reported"},
                         csrf_from=evil)
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
