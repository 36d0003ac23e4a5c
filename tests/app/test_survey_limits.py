"""A survey answer's size and cost (security review): how many partners one answer may name
and create, what writing it costs, and what a writer kept waiting by another is told."""

from __future__ import annotations

import importlib.util
import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from collab.core import records
from collab.core.models import Activity, Actor, Region, Survey, SurveyResponse, Tie
from collab.extensions import db
from collab.surveys.services import MAX_NEW_PARTNERS, MAX_NEW_PARTNERS_PER_ROUND, MAX_PARTNERS

from ..conftest import ROOT
from .test_races import at_once
from .test_surveys import _open

ANSWER = "/regions/swf5/surveys/{}/responses/olpe"


def _new(n: int, name: str = "Partner") -> dict:
    return {"from": "olpe-digital", "new": {"name": f"{name} {n}", "type": "business"},
            "frequency": "yearly"}


def test_an_answer_never_reads_the_whole_region_once_per_record(app, api, monkeypatch):
    """1,000 new partners took eight minutes: each actor and tie the answer created read the
    whole region twice (to log what it replaced), and the region grew with every one. A
    new actor, a new tie and a rejected tie read that one record now; the log still holds
    what each added, and the answer's new actor can be undone as before."""
    survey = _open(api)
    read = []
    real = records.network_records

    def counted(region, **kwargs):
        read.append(kwargs.get("only"))
        return real(region, **kwargs)
    monkeypatch.setattr(records, "network_records", counted)
    answer = api("olpe").put(ANSWER.format(survey), {"partners": [
        _new(n) for n in range(12)] + [{"from": "olpe-digital", "actor": "menden-cdo",
                                        "frequency": "monthly"}]})
    assert answer.status_code == 200, answer.get_json()
    assert read and None not in read, "a nested change read the whole region"
    monkeypatch.setattr(records, "network_records", real)
    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        now = real(region, contact=True)
        actors = {a["key"]: a for a in now["actors"]}
        ties = {t["key"]: t for t in now["ties"]}
        created = db.session.scalars(db.select(Activity).where(
            Activity.action.in_(["actor.create", "tie.create"]))
            .order_by(Activity.id)).all()
        assert len(created) == 12 + 13
        for entry in created:
            section, current = (("actors", actors) if entry.action == "actor.create"
                                else ("ties", ties))
            assert entry.before == {"records": {section: {
                entry.target: [None, current[entry.target]]}}}, entry.action


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                     for model in (Actor, Activity, Tie))


@pytest.mark.parametrize("partners, message", [
    ([_new(n) for n in range(MAX_NEW_PARTNERS)] + [
        {"from": "olpe-digital", "actor": "menden-cdo", "frequency": "yearly"}] * (
        MAX_PARTNERS - MAX_NEW_PARTNERS + 1),
     "Partner: Eine Antwort nennt höchstens 200 Partner; diese nennt 201."),
    ([_new(n, "Spam Partner") for n in range(1000)],
     "Partner: Eine Antwort nennt höchstens 200 Partner; diese nennt 1000."),
    ([_new(n) for n in range(MAX_NEW_PARTNERS + 1)],
     "Partner: Eine Antwort legt höchstens 50 neue Partner an; diese nennt 51."),
])
def test_an_answer_names_at_most_200_partners_and_creates_at_most_50(app, api, partners,
                                                                     message):
    """The attacker's answer of 1,000 new partners created 1,000 actors of the region. The
    API takes what the form takes (200 rows), of which at most 50 new partners; more are
    refused at once with a German message, and nothing is written."""
    survey = _open(api)
    olpe = api("olpe")
    before = _counts(app)
    refused = olpe.put(ANSWER.format(survey), {"partners": partners})
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["details"][0]["field"] == "partners"
    assert refused.get_json()["details"][0]["message"].startswith(message)
    assert _counts(app) == before


def test_the_largest_answer_is_taken(app, api):
    """200 partners, 50 of them new, are taken in one answer."""
    survey = _open(api)
    with app.app_context():
        region_id = db.session.scalar(db.select(Region.id).filter_by(slug="swf5"))
        keys = sorted(db.session.scalars(db.select(Actor.key).where(
            Actor.region_id == region_id, Actor.key != "olpe-digital")))
    kinds = ["cooperation", "advice", "funding", "knowledge_transfer"]
    existing = [{"from": "olpe-digital", "actor": keys[n % len(keys)],
                 "kind": kinds[n // len(keys)], "frequency": "yearly"}
                for n in range(MAX_PARTNERS - MAX_NEW_PARTNERS)]
    answer = api("olpe").put(ANSWER.format(survey), {
        "partners": existing + [_new(n) for n in range(MAX_NEW_PARTNERS)]})
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["answer"]["partners"]) == MAX_PARTNERS
    assert sum(c["action"] == "actor.create" for c in answer.get_json()["changes"]) == 50


def test_a_unit_named_twice_is_refused(app, api):
    survey = _open(api)
    refused = api("olpe").put(ANSWER.format(survey), {"units": [
        {"actor": "olpe-digital", "level": "coordinating"},
        {"actor": "olpe-digital", "level": "operational"}]})
    assert refused.status_code == 422
    assert refused.get_json()["details"] == [{
        "field": "units[1].actor", "message": "Einheit: „olpe-digital“ ist zweimal genannt."}]


def test_the_form_offers_as_many_rows_as_an_answer_may_name(app, api, as_user):
    """A posted "rows" of 10,000 builds 200 rows; 51 new partners on the form are refused
    with the message of the API, and nothing is saved."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    olpe = as_user("olpe")
    form = {"rows": "10000", "submit": "1"}
    for n in range(MAX_NEW_PARTNERS + 1):
        form |= {f"p-{n}-from": "olpe-digital", f"p-{n}-new_name": f"Verein {n}",
                 f"p-{n}-new_type": "association", f"p-{n}-frequency": "yearly"}
    before = _counts(app)
    page = olpe.post(path, form, csrf_from=path)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert html.count('name="p-199-from"') == 1 and 'name="p-200-from"' not in html
    assert "Eine Antwort legt höchstens 50 neue Partner an; diese nennt 51." in html
    assert _counts(app) == before


# --- a writer that finds the database busy --------------------------------------------------------


@contextmanager
def _database_held(app, database_url: str):
    """Another writer holds the database (SQLite) or the region's row (PostgreSQL) while the
    block runs, and the app's connections wait 0.2 s for it instead of 30 s."""
    def short_wait(connection, _record):
        cursor = connection.cursor()
        if database_url.startswith("sqlite"):
            cursor.execute("PRAGMA busy_timeout=200")
        else:
            cursor.execute("SET lock_timeout = '200ms'")
            connection.commit()
        cursor.close()
    with app.app_context():
        event.listen(db.engine, "connect", short_wait)
        db.engine.dispose()
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    else:
        engine = sa.create_engine(database_url)
        with engine.connect() as other:
            other.execute(sa.text("SELECT id FROM region WHERE slug = 'swf5' FOR UPDATE"))
            try:
                yield
            finally:
                other.rollback()
        engine.dispose()


BUSY = ("Die Datenbank ist gerade mit einer anderen Änderung beschäftigt; es wurde nichts "
        "gespeichert. Bitte versuchen Sie es gleich noch einmal.")
SOEST = {"units": [{"actor": "soest-innovation", "level": "operational"}],
         "partners": [{"from": "soest-innovation", "actor": "olpe-digital",
                       "frequency": "monthly"}]}


def test_an_answer_that_finds_the_database_busy_gets_503(app, api, database_url):
    """Soest answered while the attacker's answer held the database: after 30 s of waiting
    it got a 500 (sqlite3.OperationalError: database is locked). It gets 503 now, with a
    German message to try again in a moment and Retry-After; nothing is saved, and the same
    request sent again is taken."""
    survey = _open(api)
    soest, koordination = api("soest"), api("koordination")
    before = _counts(app)
    with _database_held(app, database_url):
        busy = soest.put(f"/regions/swf5/surveys/{survey}/responses/soest", SOEST)
        closing = koordination.post(f"/regions/swf5/surveys/{survey}/close")
    for response in (busy, closing):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json() == {"error": BUSY}
        assert response.headers["Retry-After"] == "5"
    assert _counts(app) == before
    again = soest.put(f"/regions/swf5/surveys/{survey}/responses/soest", SOEST)
    assert again.status_code == 200, again.get_json()


def test_the_answer_form_that_finds_the_database_busy_stays_filled_in(app, api, as_user,
                                                                       database_url):
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    soest = as_user("soest")
    form = {"rows": "1", "submit": "1", "unit-soest-innovation": "operational",
            "p-0-from": "soest-innovation", "p-0-new_name": "Heimatverein Soest",
            "p-0-new_type": "association", "p-0-frequency": "yearly"}
    token = soest.csrf(path)
    before = _counts(app)
    with _database_held(app, database_url):
        page = soest.post(path, {**form, "csrf_token": token})
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert BUSY in html and 'value="Heimatverein Soest"' in html
    assert _counts(app) == before
    assert soest.post(path, {**form, "csrf_token": token}).status_code == 302


def test_closing_a_round_on_the_page_while_the_database_is_busy(app, api, as_user,
                                                                database_url):
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/close"
    koordination = as_user("koordination")
    token = koordination.csrf(path)
    with _database_held(app, database_url):
        page = koordination.post(path, {"csrf_token": token})
    assert page.status_code == 503 and BUSY in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Survey, survey).ended_at is None
    assert koordination.post(path, {"csrf_token": token}).status_code == 302


def test_any_change_that_finds_the_database_busy_gets_503(app, api, as_user, database_url):
    """The attacker saw soest's ordinary actor edit fail with 500 while its answer held the
    database. Every writer, not only the survey's, gets 503 with Retry-After now (API and
    pages); a real database failure would still be a 500."""
    soest = api("soest")
    browser = as_user("soest")
    page = "/regions/swf5/actors/soest-projektgruppe/delete"
    token = browser.csrf(page)
    with _database_held(app, database_url):
        edited = soest.patch("/regions/swf5/actors/soest-innovation", {"capacity_fte": 3.5})
        posted = browser.post(page, {"csrf_token": token})
    assert edited.status_code == 503, edited.get_data(as_text=True)
    assert edited.get_json() == {"error": BUSY} and edited.headers["Retry-After"] == "5"
    assert posted.status_code == 503 and BUSY in posted.get_data(as_text=True)
    assert soest.patch("/regions/swf5/actors/soest-innovation",
                       {"capacity_fte": 3.5}).status_code == 200
    assert soest.get("/regions/swf5/actors/soest-projektgruppe").status_code == 200


# --- new partners over a round: every submission of one municipality counts -----------------------

ROUND_CAP = MAX_NEW_PARTNERS_PER_ROUND


def _actors(app) -> int:
    return _counts(app)[0]


def _left_message(left: int, named: int) -> str:
    return (f"Partner: Ihre Kommune kann in dieser Runde noch {left} von höchstens "
            f"{ROUND_CAP} neuen Partnern anlegen (über alle ihre Antworten gezählt); diese "
            f"Antwort nennt {named}. Bitte wählen Sie, wo möglich, erfasste Akteure; weitere "
            "neue Partner kann die Koordination der Region anlegen.")


def test_submitting_again_and_again_does_not_flood_the_region(app, api):
    """The attacker's flood: an answer may be changed while the round is open, and each
    change created 50 more actors (the earlier ones stay when the next answer leaves them
    out), so one account could add thousands. Four answers of 50 new partners each created
    200 actors before; now the round takes 100 from Olpe in all, and the third and fourth
    are refused with a German 422 saying none remain, writing nothing."""
    survey = _open(api)
    olpe = api("olpe")
    before = _actors(app)
    codes = []
    for batch in range(4):
        answer = olpe.put(ANSWER.format(survey), {"partners": [
            _new(n, f"Flut {batch}") for n in range(MAX_NEW_PARTNERS)]})
        codes.append(answer.status_code)
    assert codes == [200, 200, 422, 422]
    assert answer.get_json()["details"] == [{"field": "partners",
                                             "message": _left_message(0, MAX_NEW_PARTNERS)}]
    assert _actors(app) - before == ROUND_CAP == 2 * MAX_NEW_PARTNERS


def test_the_round_cap_at_its_boundary_through_the_api(app, api):
    """60 created (50, then 10 in a changed answer that drops the first 50): 41 more are
    refused, naming the 40 that remain, and change nothing; 40 are taken; then one more is
    refused. Partners the round created, named again as mapped actors, count nothing."""
    survey = _open(api)
    olpe = api("olpe")
    first = olpe.put(ANSWER.format(survey), {"partners": [
        _new(n, "Erste") for n in range(MAX_NEW_PARTNERS)]})
    second = olpe.put(ANSWER.format(survey), {"partners": [_new(n, "Zweite")
                                                          for n in range(10)]})
    assert (first.status_code, second.status_code) == (200, 200)
    created = second.get_json()["created"]
    assert len(created) == 60 and created[:50] == first.get_json()["created"]
    before = _counts(app)
    over = olpe.put(ANSWER.format(survey), {"partners": [_new(n, "Dritte") for n in range(41)]})
    assert over.status_code == 422
    assert over.get_json()["details"] == [{"field": "partners",
                                           "message": _left_message(40, 41)}]
    assert _counts(app) == before
    at_cap = olpe.put(ANSWER.format(survey), {"partners": [_new(n, "Dritte")
                                                          for n in range(40)]})
    assert at_cap.status_code == 200, at_cap.get_json()
    assert len(at_cap.get_json()["created"]) == ROUND_CAP
    one_more = olpe.put(ANSWER.format(survey), {"partners": [_new(0, "Vierte")]})
    assert one_more.status_code == 422
    assert one_more.get_json()["details"][0]["message"] == _left_message(0, 1)
    # the actors it created, named as mapped partners: an answer like any other
    again = olpe.put(ANSWER.format(survey), {"partners": [
        {"from": "olpe-digital", "actor": key, "frequency": "yearly"} for key in created]})
    assert again.status_code == 200, again.get_json()
    assert not any(c["action"] == "actor.create" for c in again.get_json()["changes"])


def test_the_cap_is_per_municipality_and_round(app, api):
    """Olpe's 100 leave Soest its own 100; the next round gives Olpe 100 again."""
    survey = _open(api)
    olpe, soest = api("olpe"), api("soest")
    for batch in range(2):
        assert olpe.put(ANSWER.format(survey), {"partners": [
            _new(n, f"Olpe {batch}") for n in range(MAX_NEW_PARTNERS)]}).status_code == 200
    soest_new = [{"from": "soest-innovation", "new": {"name": f"Soest {n}"},
                  "frequency": "yearly"} for n in range(MAX_NEW_PARTNERS)]
    taken = soest.put(f"/regions/swf5/surveys/{survey}/responses/soest",
                      {"partners": soest_new})
    assert taken.status_code == 200, taken.get_json()
    assert api("koordination").post(f"/regions/swf5/surveys/{survey}/close").status_code == 200
    survey = _open(api)
    assert olpe.put(ANSWER.format(survey), {"partners": [
        _new(n, "Neue Runde") for n in range(MAX_NEW_PARTNERS)]}).status_code == 200


def test_the_round_cap_on_the_form(app, api, as_user):
    """The form says how many new partners remain once fewer than one answer's 50 do, and
    refuses one too many with the API's message (422, nothing saved); the last ones are
    taken."""
    survey = _open(api)
    olpe_api = api("olpe")
    for batch, count in enumerate((MAX_NEW_PARTNERS, 20)):
        assert olpe_api.put(ANSWER.format(survey), {"partners": [
            _new(n, f"Vorher {batch}") for n in range(count)]}).status_code == 200
    path = f"/regions/swf5/surveys/{survey}/answer"
    olpe = as_user("olpe")
    page = olpe.get(path).get_data(as_text=True)
    assert ('id="survey-new-left">Neue Partner: Ihre Kommune kann in dieser Runde noch 30 von '
            'höchstens 100 anlegen.') in page

    def form(count: int) -> dict:
        fields = {"rows": str(count), "submit": "1"}
        for n in range(count):
            fields |= {f"p-{n}-from": "olpe-digital", f"p-{n}-new_name": f"Verein {n}",
                       f"p-{n}-new_type": "association", f"p-{n}-frequency": "yearly"}
        return fields
    before = _counts(app)
    refused = olpe.post(path, form(31), csrf_from=path)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert _left_message(30, 31) in html and 'value="Verein 30"' in html
    assert _counts(app) == before
    taken = olpe.post(path, form(30), csrf_from=path)
    assert taken.status_code == 302, taken.get_data(as_text=True)
    assert _actors(app) - before[0] == 30
    page = olpe.get(path).get_data(as_text=True)
    assert "noch 0 von höchstens 100 anlegen." in page


def test_a_fresh_answer_does_not_show_the_round_cap(app, api, as_user):
    survey = _open(api)
    page = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    assert 'id="survey-new-left"' not in page


def test_answers_at_once_take_turns_on_the_round_cap(app, api):
    """Three answers of 50 new partners sent at once (SQLite and PostgreSQL): the first two
    are taken, the third counts their 100 and is refused; 100 actors are created, not 150."""
    survey = _open(api)
    headers = api("olpe").headers
    before = _actors(app)
    results = at_once(app, [("put", ANSWER.format(survey), {"partners": [
        _new(n, f"Zugleich {batch}") for n in range(MAX_NEW_PARTNERS)]}, headers)
        for batch in range(3)])
    assert sorted(code for code, _body in results) == [200, 200, 422], results
    assert _actors(app) - before == ROUND_CAP
    with app.app_context():
        response = db.session.scalar(db.select(SurveyResponse))
        assert len(response.created) == ROUND_CAP


def test_the_migration_finds_what_earlier_answers_created(app, api):
    """Answers given before the round's cap: their new partners are found again in the
    activity log (the source each new partner was given), also those a later answer of the
    municipality left out, which its last answer's changes no longer list."""
    survey = _open(api)
    olpe = api("olpe")
    first = olpe.put(ANSWER.format(survey), {"partners": [_new(n, "Alt") for n in range(3)]})
    second = olpe.put(ANSWER.format(survey), {"partners": [_new(n, "Neu") for n in range(2)]})
    keys = second.get_json()["created"]
    assert keys[:3] == first.get_json()["created"] and len(keys) == 5
    with app.app_context():
        db.session.execute(sa.update(SurveyResponse).values(created=[]))
        db.session.commit()
        with db.engine.begin() as connection:
            _migration().backfill(connection)
        assert db.session.scalar(db.select(SurveyResponse.created)) == keys


def test_the_caps_are_documented(api, client):
    """The OpenAPI document and the help page name the caps the service enforces."""
    schemas = api(None).get("/openapi.json").get_json()["components"]["schemas"]
    partners = schemas["survey_answer"]["properties"]["partners"]
    assert partners["maxItems"] == MAX_PARTNERS
    new = partners["items"]["properties"]["new"]["description"]
    assert f"at most {MAX_NEW_PARTNERS} in one answer" in new
    assert f"at most {ROUND_CAP} over all of a municipality's answers to one round" in new
    assert "created" in schemas["survey_response"]["properties"]
    help_page = client.get("/hilfe").get_data(as_text=True)
    assert (f"Eine Antwort nennt höchstens {MAX_PARTNERS} Partner, davon höchstens "
            f"{MAX_NEW_PARTNERS} neue, und alle Antworten einer Kommune in einer Runde legen "
            f"zusammen höchstens {ROUND_CAP} neue Partner an") in help_page


def _migration():
    path = ROOT / "migrations" / "versions" / "5f2b8d0c6e31_survey_response_created.py"
    spec = importlib.util.spec_from_file_location("created_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
