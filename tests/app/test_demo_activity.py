"""The demo has something to do at the first sign-in (user test: a fresh `make run` had no
open survey round and no running ballot): `flask seed` opens a survey round and a ballot on a
proposed rule (seeds/demo/), with deadlines counted from the day it is loaded. The proposal
is a modelling assumption of the demo and says so where it is shown."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from collab import create_app
from collab.core.localtime import local_today, to_local
from collab.core.models import Notification, Region, Rule, Survey, User, Vote
from collab.extensions import db

from ..conftest import FAST, Browser

TITLE = "Fortführung nach dem Förderende (Annahme der Demo)"


def _activity(app) -> dict:
    """The swf5 demo's survey rounds and rules in ballot, and who was told about them."""
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        rounds = db.session.scalars(sa.select(Survey).filter_by(region_id=region.id)).all()
        voting = db.session.scalars(sa.select(Rule).filter_by(
            region_id=region.id, status="voting")).all()
        told = {(login, kind) for login, kind in db.session.execute(
            sa.select(User.login, Notification.kind).join(User, User.id == Notification.user_id))}
        return {"today": local_today(),
                "rounds": [(s.closes_at, s.ended_at) for s in rounds],
                "voting": [{"title": r.title, "kind": r.kind, "text": r.text,
                            "closes": to_local(r.closes_at), "id": r.id,
                            "electorate": len(r.electorate or [])} for r in voting],
                "votes": db.session.scalar(sa.select(sa.func.count()).select_from(Vote)),
                "told": told}


def test_a_fresh_demo_has_an_open_round_and_a_running_ballot(tmp_path):
    """`make run` on an empty database: init-db, then seed --if-empty."""
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/demo.sqlite"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(args=["seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Netzwerkbefragung offen bis" in result.output and TITLE in result.output
    found = _activity(app)
    today = found["today"]
    assert found["rounds"] == [(today + dt.timedelta(days=21), None)]
    [ballot] = found["voting"]
    assert ballot["title"] == TITLE and ballot["kind"] == "continuation"
    assert "Herkunft: angenommen" in ballot["text"] and "Modellierungsannahme" in ballot["text"]
    assert ballot["closes"].date() == today + dt.timedelta(days=14)
    assert (ballot["closes"].hour, ballot["closes"].minute) == (18, 0)
    assert ballot["electorate"] == 19  # the 5 pioneers and 14 members of swf5
    for login in ("olpe", "soest"):
        assert (login, "survey_opened") in found["told"]
        assert (login, "ballot_opened") in found["told"]

    # the clerk's first sign-in: the round and the ballot on its home, the assumption shown
    olpe = Browser(app.test_client()).login("olpe")
    home = olpe.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Netzwerkbefragung" in home and TITLE in home
    page = olpe.get(f"/regions/swf5/rules/{ballot['id']}").get_data(as_text=True)
    assert TITLE in page and "Herkunft: angenommen" in page
    # proposed by the demo's coordination, as in the network; not "imported"
    assert "Koordination 5 für Südwestfalen" in page and "mit einem Import" not in page

    # loading the seeds again changes nothing, also after a municipality voted
    assert olpe.post(f"/regions/swf5/rules/{ballot['id']}/vote",
                     {"vote": "yes", "reason": "", "confirm": "y"}).status_code == 302
    assert _activity(app)["votes"] == 1 + found["votes"]
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0, again.output
    assert "unverändert" in again.output and "Netzwerkbefragung" not in again.output
    after = _activity(app)
    assert after["rounds"] == found["rounds"] and len(after["voting"]) == 1
    assert after["votes"] == 1 + found["votes"]
    with app.app_context():
        db.engine.dispose()


def test_seeding_the_test_database_again_adds_the_activity(app, runner):
    """The tests' database is seeded without it (--no-activity); a plain `flask seed` then
    opens the round and the ballot (SQLite and PostgreSQL), once."""
    before = _activity(app)
    assert before["rounds"] == [] and before["voting"] == []
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    found = _activity(app)
    assert found["rounds"] == [(found["today"] + dt.timedelta(days=21), None)]
    assert [b["title"] for b in found["voting"]] == [TITLE]
    assert runner.invoke(args=["seed"]).exit_code == 0
    again = _activity(app)
    assert again["rounds"] == found["rounds"] and len(again["voting"]) == 1


def test_production_seed_opens_nothing(tmp_path):
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                      "DEMO_ACCOUNTS": False})
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    found = _activity(app)
    assert found["rounds"] == [] and found["voting"] == []
    with app.app_context():
        db.engine.dispose()
