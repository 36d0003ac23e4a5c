"""A survey answer's size and cost (security review): how many partners one answer may name
and create, what writing it costs, and what a writer kept waiting by another is told."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from collab.core import records
from collab.core.models import Activity, Actor, Region, Survey, Tie
from collab.extensions import db
from collab.surveys.services import MAX_NEW_PARTNERS, MAX_PARTNERS

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
