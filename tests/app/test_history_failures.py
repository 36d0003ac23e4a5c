"""Snapshots whose key figures cannot be computed, and how many snapshots a region keeps.

A snapshot whose analysis fails is marked (attempts, time of the failure) and tried again only
after a back-off (1, 5, 30 minutes, then never): before, every poll of an open page queued the
region's snapshot job again, without end, and the page said "wird berechnet" forever. A region
keeps at most SNAPSHOT_LIMIT snapshots (each holds its whole bundle); the coordinator deletes
old ones to make room, after a confirmation, with CSRF, logged. At the limit, the snapshot an
import or a restore saves replaces the oldest automatic one (logged), never a manual one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

import graphs
from collab.core.models import Activity, Region, Snapshot, utcnow
from collab.extensions import db
from collab.history import services as history

from ..conftest import Browser

pytestmark = pytest.mark.usefixtures("no_commit_on_get")
R = "/regions/swf5"


class Clock:
    """The history's clock (UTC), moved on by hand."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(history, "utcnow", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def broken_analysis(monkeypatch):
    """graphs.analyse raises (as for a bundle it cannot read) while ``broken["on"]``; every
    call is counted in ``broken["calls"]``."""
    broken = {"on": True, "calls": 0}
    real = graphs.analyse

    def analyse(*args, **kwargs):
        broken["calls"] += 1
        if broken["on"]:
            raise RuntimeError("kaputtes Bündel")
        return real(*args, **kwargs)

    monkeypatch.setattr(graphs, "analyse", analyse)
    return broken


def _row(app, snapshot_id: int) -> Snapshot:
    with app.app_context():
        snap = db.session.get(Snapshot, snapshot_id)
        db.session.expunge(snap)
        return snap


def _save(koord: Browser, name: str):
    return koord.post(f"{R}/snapshots", {"name": name, "date": ""}, csrf_from=f"{R}/snapshots")


def _only_snapshot_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Snapshot.id))


def test_a_failing_snapshot_is_not_queued_again_within_its_back_off(app, as_user, api,
                                                                   clock, broken_analysis):
    """The job raises: the failure is recorded on the snapshot; the page, the status
    document and the API say the figures could not be computed (not "wird berechnet"), and
    looking again within the back-off analyses nothing. After a minute the next look tries
    again (and fails: five minutes now); after those, it succeeds and the figures are
    there."""
    koord = as_user("koordination")
    assert _save(koord, "Kaputt").status_code == 302
    sid = _only_snapshot_id(app)
    assert broken_analysis["calls"] == 1  # the inline job ran at once, and failed
    snap = _row(app, sid)
    assert snap.summary is None and snap.summary_attempts == 1
    assert snap.summary_failed_at == clock.now

    page = koord.get(f"{R}/snapshots").get_data(as_text=True)
    assert "Kennzahlen konnten nicht berechnet werden" in page
    assert "wird berechnet" not in page
    assert 'data-state="failed"' in page and "<progress" not in page
    status = koord.get(f"{R}/snapshots/status.json").get_json()
    assert status["state"] == "failed" and status["failed"] == [sid]
    assert status["pending"] == []
    assert status["state_text"] == "Die Kennzahlen konnten nicht berechnet werden."
    assert "erneut" in status["detail"]
    listed = api("koordination").get(f"{R}/snapshots").get_json()
    assert [s["summary_state"] for s in listed] == ["failed"]
    retry = dt.datetime.fromisoformat(listed[0]["summary_retry_at"].removesuffix("Z"))
    assert retry == clock.now + dt.timedelta(minutes=1)
    compared = koord.get(f"{R}/snapshots/compare?a={sid}&b={sid}").get_data(as_text=True)
    assert "Kennzahlen konnten nicht berechnet werden" in compared
    assert "wird berechnet" not in compared
    assert broken_analysis["calls"] == 1  # none of these looks queued it again

    clock.advance(seconds=59)
    koord.get(f"{R}/snapshots/status.json")
    assert broken_analysis["calls"] == 1
    clock.advance(seconds=2)  # the minute has passed: the next look tries again
    status = koord.get(f"{R}/snapshots/status.json").get_json()
    assert broken_analysis["calls"] == 2 and _row(app, sid).summary_attempts == 2
    assert status["state"] == "failed"
    clock.advance(minutes=4)  # within the five minutes after the second failure
    koord.get(f"{R}/snapshots")
    assert broken_analysis["calls"] == 2

    broken_analysis["on"] = False
    clock.advance(minutes=1, seconds=1)
    status = koord.get(f"{R}/snapshots/status.json").get_json()
    assert status["state"] == "ready" and status["failed"] == []
    snap = _row(app, sid)
    assert snap.summary["figures"]["municipalities"] == 24
    assert snap.summary_attempts == 0 and snap.summary_failed_at is None
    assert api("koordination").get(f"{R}/snapshots/{sid}").get_json()[
        "summary_state"] == "ready"


def test_the_job_gives_up_after_the_last_attempt(app, as_user, api, clock, broken_analysis):
    """After four failures (back-offs of 1, 5 and 30 minutes between them) a snapshot is
    never queued again, however late; the pages say whom to ask, the API has no retry
    time."""
    koord = as_user("koordination")
    assert _save(koord, "Immer kaputt").status_code == 302
    sid = _only_snapshot_id(app)
    for wait in history.BACKOFF:
        clock.advance(seconds=wait.total_seconds() + 1)
        koord.get(f"{R}/snapshots/status.json")
    assert broken_analysis["calls"] == history.MAX_ATTEMPTS == 4
    assert _row(app, sid).summary_attempts == 4
    clock.advance(days=30)
    status = koord.get(f"{R}/snapshots/status.json").get_json()
    assert broken_analysis["calls"] == 4
    assert status["state"] == "failed" and "Betrieb der Plattform" in status["detail"]
    record = api("koordination").get(f"{R}/snapshots/{sid}").get_json()
    assert record["summary_state"] == "failed" and record["summary_retry_at"] is None
    assert "Betrieb der Plattform" in koord.get(f"{R}/snapshots").get_data(as_text=True)


def test_one_failing_snapshot_does_not_stop_the_others(app, api, clock, monkeypatch):
    """The job fills the snapshots it can and marks only the one that fails; while that one
    waits out its back-off, another saved meanwhile is analysed, the failed one not."""
    real = graphs.analyse
    calls = []

    def marked(bundle) -> bool:  # the state that cannot be analysed
        return any(a.get("capacity_fte") == 77 for a in bundle["actors"])

    def analyse(bundle, *args, **kwargs):
        calls.append(marked(bundle))
        if marked(bundle):
            raise ValueError("kaputt")
        return real(bundle, *args, **kwargs)

    monkeypatch.setattr(graphs, "analyse", analyse)
    koord = api("koordination")
    assert koord.patch(f"{R}/actors/swa", {"capacity_fte": 77}).status_code == 200
    bad = koord.post(f"{R}/snapshots", {"name": "Kaputt"}).get_json()
    assert bad["summary_state"] == "failed"
    assert koord.patch(f"{R}/actors/swa", {"capacity_fte": 4}).status_code == 200
    calls.clear()
    good = koord.post(f"{R}/snapshots", {"name": "Heil"}).get_json()
    assert good["summary_state"] == "ready"
    assert calls == [False, False]  # both languages of the good one, not the failed one
    states = {s["name"]: s["summary_state"] for s in koord.get(f"{R}/snapshots").get_json()}
    assert states == {"Kaputt": "failed", "Heil": "ready"}


def test_the_command_line_records_a_failed_analysis(app, runner, clock, broken_analysis):
    """`flask snapshot` analyses at once; when that fails it says so (exit 1), keeps the
    snapshot and records the failure, so the pages do not queue it again at once."""
    result = runner.invoke(args=["snapshot", "swf5", "--name", "Von der Kommandozeile"])
    assert result.exit_code == 1 and "gespeichert" in result.output
    assert "Kennzahlen konnten nicht berechnet werden" in result.output
    snap = _row(app, _only_snapshot_id(app))
    assert snap.summary is None and snap.summary_attempts == 1
    assert broken_analysis["calls"] == 1  # not analysed a second time at once


def test_the_status_of_the_figures_is_failed_only_when_nothing_else_is_pending(app, ctx,
                                                                              clock):
    """summary_state and due() by attempts and time: never failed -> pending; failed within
    the back-off -> failed; after it -> pending (to be tried again); given up -> failed."""
    snap = Snapshot(summary=None, summary_attempts=0, summary_failed_at=None)
    assert history.summary_state(snap, clock.now) == "pending"
    assert history.due(snap, clock.now)
    snap.summary_attempts, snap.summary_failed_at = 1, clock.now
    assert history.summary_state(snap, clock.now) == "failed"
    assert history.summary_state(snap, clock.now + dt.timedelta(minutes=1)) == "pending"
    snap.summary_attempts = 3
    assert history.summary_state(snap, clock.now + dt.timedelta(minutes=29)) == "failed"
    assert history.summary_state(snap, clock.now + dt.timedelta(minutes=30)) == "pending"
    snap.summary_attempts = 4
    assert history.retry_at(4, clock.now) is None
    assert history.summary_state(snap, clock.now + dt.timedelta(days=365)) == "failed"
    snap.summary = {"figures": {}}
    assert history.summary_state(snap) == "ready" and not history.due(snap)


def test_the_failure_text_names_the_next_attempt_and_those_given_up(app, clock):
    """One snapshot waiting out its back-off and one given up: the pages say when the
    platform tries again and that it gave up on the other."""
    waiting = Snapshot(summary=None, summary_attempts=2, summary_failed_at=clock.now)
    given_up = Snapshot(summary=None, summary_attempts=4, summary_failed_at=clock.now)
    with app.test_request_context():
        both = history.failure_text([waiting, given_up])
        assert "versucht es ab" in both and "mehrmals vergeblich" in both
        assert "mehrmals" not in history.failure_text([waiting])
        assert "versucht es ab" not in history.failure_text([given_up])


# --- the limit --------------------------------------------------------------------------------


def _fill(app, count: int) -> None:
    """``count`` snapshots of the region written directly (saving them one by one would
    export the region a hundred times)."""
    summary = {"figures": {"municipalities": 24, "actors": 1, "initiatives": 0, "ties": 0,
                           "density": 0.0, "reach": 1.0, "brokerage": None, "gaps": 0},
               "taktgeber": [], "gaps": []}
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        for n in range(count):
            db.session.add(Snapshot(region_id=region.id, name=f"Alt {n}",
                                    date=dt.date(2020, 1, 1) + dt.timedelta(days=n),
                                    kind="manual", bundle={}, summary=summary))
        db.session.commit()


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Snapshot.id)))


LIMIT_TEXT = ("Für diese Region sind bereits 100 Stände gespeichert, mehr sind nicht möglich. "
              "Bitte löschen Sie zuerst Stände, die Sie nicht mehr brauchen")


def test_the_101st_snapshot_is_refused_with_how_to_make_room(app, as_user, api, runner):
    """With 100 snapshots the region is full: the page, the API (409) and the command line
    refuse the 101st and say to delete old ones; the list says so before. Once one is
    deleted, saving works again."""
    assert app.config["SNAPSHOT_LIMIT"] == 100
    _fill(app, 99)
    koord = as_user("koordination")
    listing = koord.get(f"{R}/snapshots").get_data(as_text=True)
    assert "99 von höchstens 100 Ständen gespeichert." in listing
    assert _save(koord, "Der hundertste").status_code == 302
    assert _count(app) == 100
    listing = koord.get(f"{R}/snapshots").get_data(as_text=True)
    assert "Für diese Region sind 100 von höchstens 100 Ständen gespeichert." in listing

    refused = _save(koord, "Einer zu viel")
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert LIMIT_TEXT in page and "„löschen …“" in page
    assert "Einer zu viel" not in page and _count(app) == 100
    by_api = api("koordination").post(f"{R}/snapshots", {"name": "Einer zu viel"})
    assert by_api.status_code == 409 and LIMIT_TEXT in by_api.get_json()["error"]
    by_cli = runner.invoke(args=["snapshot", "swf5", "--name", "Einer zu viel"])
    assert by_cli.exit_code == 1 and LIMIT_TEXT in by_cli.output
    assert _count(app) == 100

    oldest = int(re.search(r"/snapshots/(\d+)/delete", listing).group(1))
    assert koord.post(f"{R}/snapshots/{oldest}/delete",
                      csrf_from=f"{R}/snapshots/{oldest}/delete").status_code == 302
    assert _save(koord, "Jetzt mit Platz").status_code == 302
    assert _count(app) == 100


def test_the_limit_is_a_setting(database_url):
    """KN_SNAPSHOT_LIMIT sets the limit (here 2)."""
    from collab import create_app

    from ..conftest import FAST

    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "SNAPSHOT_LIMIT": 2})
    try:
        koord = Browser(app.test_client()).login("koordination")
        assert _save(koord, "Eins").status_code == 302
        assert _save(koord, "Zwei").status_code == 302
        refused = _save(koord, "Drei").get_data(as_text=True)
        assert "Für diese Region sind bereits 2 Stände gespeichert" in refused
        assert _count(app) == 2
    finally:
        with app.app_context():
            db.engine.dispose()


def test_an_import_at_the_limit_still_keeps_its_way_back(app, api, seed_bundle):
    """The snapshot an import saves before it changes anything is saved beyond the limit:
    the history never holds up an import, nor takes its undo."""
    _fill(app, 100)
    seed_bundle["actors"][0]["capacity_fte"] = 9
    imported = api("koordination").put(f"{R}/bundle", seed_bundle)
    assert imported.status_code == 200, imported.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))
                                 .filter_by(kind="import")) == 1
        # only manual snapshots: none replaced, the new one saved beyond the limit
        assert db.session.scalar(sa.select(sa.func.count(Activity.id))
                                 .filter_by(action="snapshot.delete")) == 0
    assert _count(app) == 101


def _fill_automatic(app, names: list[str], kind: str = "import") -> dict[str, int]:
    """Snapshots as an import saves them, one a day from 2021-01-01 (written directly, with
    an empty bundle) -> their ids by name."""
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        snaps = [Snapshot(region_id=region.id, name=name, date=dt.date(2021, 1, 1 + n),
                          kind=kind, bundle={},
                          created_at=dt.datetime(2021, 1, 1 + n, 12, 0))
                 for n, name in enumerate(names)]
        db.session.add_all(snaps)
        db.session.commit()
        return {s.name: s.id for s in snaps}


def _names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Snapshot.name).order_by(Snapshot.id)))


def test_imports_at_the_limit_replace_the_oldest_automatic_snapshot(app, api, as_user,
                                                                   seed_bundle):
    """Importing two bundles in turn cannot grow the history without bound: at the limit,
    the snapshot an import saves replaces the oldest one saved automatically (the manual
    ones stay, even older ones), and the log says so, by the importing account."""
    _fill(app, 97)  # manual, saved before the automatic ones
    ids = _fill_automatic(app, ["Auto 0", "Auto 1"]) | _fill_automatic(app, ["Auto 2"],
                                                                      kind="restore")
    with app.app_context():  # the oldest automatic one is not the first saved
        db.session.execute(sa.update(Snapshot).where(Snapshot.id == ids["Auto 1"])
                           .values(created_at=dt.datetime(2020, 6, 1)))
        db.session.commit()
    assert _count(app) == 100
    koord = api("koordination")
    for fte, gone in ((9, "Auto 1"), (8, "Auto 0"), (9, "Auto 2")):
        seed_bundle["actors"][0]["capacity_fte"] = fte
        imported = koord.put(f"{R}/bundle", seed_bundle)
        assert imported.status_code == 200, imported.get_json()
        assert _count(app) == 100
        assert gone not in _names(app)
    names = _names(app)
    assert [n for n in names if n.startswith("Alt ")] == [f"Alt {n}" for n in range(97)]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))
                                 .filter_by(kind="import")) == 3
        deleted = db.session.scalars(sa.select(Activity).filter_by(action="snapshot.delete")
                                     .order_by(Activity.id)).all()
        assert [a.target for a in deleted] == [str(ids[n]) for n in ("Auto 1", "Auto 0",
                                                                     "Auto 2")]
        assert all(a.user.login == "koordination" for a in deleted)
        # the replacement is part of the import: logged just before it
        after = db.session.scalar(sa.select(Activity.action)
                                  .where(Activity.id > deleted[0].id).order_by(Activity.id))
        assert after == "bundle.import"
    log = as_user("koordination").get(f"{R}/activity").get_data(as_text=True)
    assert ("„Auto 1“ durch einen neuen automatisch gespeicherten Stand ersetzt "
            "(höchstens 100 Stände je Region)") in log

    # from now on the imports' own snapshots replace each other
    seed_bundle["actors"][0]["capacity_fte"] = 7
    assert koord.put(f"{R}/bundle", seed_bundle).status_code == 200
    assert _count(app) == 100


def test_a_restore_at_the_limit_keeps_the_snapshot_it_goes_back_to(app, api, as_user,
                                                                  seed_bundle):
    """The snapshot a restore goes back to is not the one replaced, though it is the
    oldest automatic one: the next oldest is."""
    seed_bundle["actors"][0]["capacity_fte"] = 9
    assert api("koordination").put(f"{R}/bundle", seed_bundle).status_code == 200
    with app.app_context():
        target = db.session.scalar(sa.select(Snapshot).filter_by(kind="import"))
        target.created_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        target_id = target.id
    ids = _fill_automatic(app, ["Auto 0", "Auto 1"])
    _fill(app, 97)
    assert _count(app) == 100
    koord = as_user("koordination")
    restored = koord.post(f"{R}/snapshots/{target_id}/restore", {"confirm": "1"},
                          csrf_from=f"{R}/snapshots/{target_id}/restore")
    assert restored.status_code == 302, restored.get_data(as_text=True)[:2000]
    assert _count(app) == 100
    with app.app_context():
        assert db.session.get(Snapshot, target_id) is not None
        assert db.session.get(Snapshot, ids["Auto 0"]) is None
        assert db.session.get(Snapshot, ids["Auto 1"]) is not None
        assert db.session.scalar(sa.select(sa.func.count(Snapshot.id))
                                 .filter_by(kind="restore")) == 1


# --- deleting a snapshot ----------------------------------------------------------------------


def _client(app, role: str, other: str) -> Browser:
    browser = Browser(app.test_client())
    if role == "anonymous":
        return browser
    if role == "other_coordinator":
        return browser.login(other)
    return browser.login(role)


#: who may delete a snapshot of swf5: (role, GET confirmation page, POST with CSRF)
DELETE = [("anonymous", 302, 302), ("gast", 403, 403), ("olpe", 403, 403),
          ("other_coordinator", 403, 403), ("koordination", 200, 302)]


@pytest.mark.parametrize("role,get_status,post_status", DELETE, ids=[d[0] for d in DELETE])
def test_who_may_delete_a_snapshot(app, api, other_coordinator, role, get_status,
                                   post_status):
    """Only the region's coordinator sees the confirmation page and deletes (logged as
    snapshot.delete); an anonymous visitor is sent to sign in; the viewer, a member and the
    coordinator of another region get 403 and nothing is deleted."""
    sid = api("koordination").post(f"{R}/snapshots", {"name": "Zum Löschen"}).get_json()["id"]
    client = _client(app, role, other_coordinator)
    path = f"{R}/snapshots/{sid}/delete"
    got = client.get(path)
    assert got.status_code == get_status, got.get_data(as_text=True)[:500]
    if get_status == 302:
        assert "/login" in got.headers["Location"]
    token = client.csrf("/login" if role == "anonymous" else "/hilfe")
    done = client.client.post(path, data={"csrf_token": token})
    assert done.status_code == post_status
    with app.app_context():
        exists = db.session.get(Snapshot, sid) is not None
        logged = db.session.scalar(sa.select(sa.func.count(Activity.id)).filter_by(
            action="snapshot.delete", target=str(sid)))
    assert exists == (role != "koordination")
    assert logged == (1 if role == "koordination" else 0)
    if role != "koordination":
        assert api("koordination").get(f"{R}/snapshots/{sid}").status_code == 200


def test_deleting_a_snapshot_needs_the_csrf_token(app, api, as_user):
    """The coordinator's POST without a token, or with a wrong one, deletes nothing (400)."""
    sid = api("koordination").post(f"{R}/snapshots", {"name": "Bleibt"}).get_json()["id"]
    koord = as_user("koordination")
    path = f"{R}/snapshots/{sid}/delete"
    assert koord.client.post(path).status_code == 400
    assert koord.client.post(path, data={"csrf_token": "falsch"}).status_code == 400
    with app.app_context():
        assert db.session.get(Snapshot, sid) is not None


def test_the_rq_worker_records_a_failure_and_the_next_look_queues_nothing(
        database_url, redis_url, clock, broken_analysis):
    """With the Redis queue (production): the worker's failed job is recorded on the
    snapshot; looking at the list again within the back-off puts no job on the queue (before,
    each look queued it again); after the back-off one look queues it once."""
    import redis as redis_lib
    from rq import Queue

    from collab import create_app
    from collab.analysis import jobs

    from ..conftest import FAST

    redis_lib.Redis.from_url(redis_url).flushdb()
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "redis",
                      "REDIS_URL": redis_url, "ANALYSIS_NICE": 0})
    try:
        queue = Queue(app.config["ANALYSIS_QUEUE_NAME"],
                      connection=redis_lib.Redis.from_url(redis_url),
                      serializer=jobs.job_serializer())
        koord = Browser(app.test_client()).login("koordination")
        assert _save(koord, "Über Redis, kaputt").status_code == 302
        assert queue.count == 1
        result = app.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
        assert result.exit_code == 0, result.output
        sid = _only_snapshot_id(app)
        assert _row(app, sid).summary_attempts == 1
        page = koord.get(f"{R}/snapshots").get_data(as_text=True)
        assert "Kennzahlen konnten nicht berechnet werden" in page
        for _look in range(3):
            assert koord.get(f"{R}/snapshots/status.json").get_json()["state"] == "failed"
        assert queue.count == 0
        clock.advance(minutes=2)
        assert koord.get(f"{R}/snapshots/status.json").get_json()["state"] == "pending"
        koord.get(f"{R}/snapshots/status.json")
        assert queue.count == 1
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_killed_analysis_process_is_recorded_on_its_snapshot(
        database_url, redis_url, clock, analysis_killed_in_work_horse):
    """A work horse killed while it analyses a snapshot (out of memory, kill -9) ran no
    ``except``: before, nothing was recorded, and the page said "wird berechnet" until the
    job's marker expired, then queued the job again, without end. The worker now records
    the failed attempt on the snapshot the job was analysing: the page says so, the job's
    marker is gone, nothing is queued within the back-off."""
    import redis as redis_lib
    from rq import Queue

    from collab import create_app
    from collab.analysis import jobs

    from ..conftest import FAST

    redis_lib.Redis.from_url(redis_url).flushdb()
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "redis",
                      "REDIS_URL": redis_url, "ANALYSIS_NICE": 0})
    try:
        queue = Queue(app.config["ANALYSIS_QUEUE_NAME"],
                      connection=redis_lib.Redis.from_url(redis_url),
                      serializer=jobs.job_serializer())
        koord = Browser(app.test_client()).login("koordination")
        assert _save(koord, "Über Redis, abgestürzt").status_code == 302
        assert queue.count == 1
        result = app.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert redis_lib.Redis.from_url(redis_url).keys("kommunalnetz:job:*") == []
        sid = _only_snapshot_id(app)
        assert _row(app, sid).summary_attempts == 1
        page = koord.get(f"{R}/snapshots").get_data(as_text=True)
        assert "Kennzahlen konnten nicht berechnet werden" in page
        assert koord.get(f"{R}/snapshots/status.json").get_json()["state"] == "failed"
        assert queue.count == 0
    finally:
        with app.app_context():
            db.engine.dispose()
