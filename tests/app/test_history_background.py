"""The history never analyses in the request: a snapshot takes its key figures from the
stored reports of that moment, or gets them from the analysis worker afterwards (the pages
show "wird berechnet" and update themselves); the comparison with today reads today's
stored report. (Before, saving a snapshot analysed the region twice in the request: at
national scale about 10 s of a web worker, holding the write transaction.)"""

from __future__ import annotations

import time

import sqlalchemy as sa

import graphs
from collab.core.models import AnalysisReport, Snapshot
from collab.extensions import db
from collab.history import services as history

from ..conftest import Browser
from .test_production import _until_ready, gate, thread_app  # noqa: F401 (fixtures)

R = "/regions/swf5"


def _snapshot(app, name: str) -> Snapshot:
    with app.app_context():
        snap = db.session.scalar(sa.select(Snapshot).filter_by(name=name))
        db.session.expunge(snap)
        return snap


def test_saving_a_snapshot_never_waits_for_an_analysis(thread_app, gate):  # noqa: F811
    """While every analysis is held, saving a snapshot answers at once; the list says
    "wird berechnet" with a live status box; once the worker is let go, the figures are
    there, in both languages, and the comparison shows them."""
    release, started, calls = gate
    coordinator = Browser(thread_app.test_client()).login("koordination")
    t0 = time.monotonic()
    saved = coordinator.post(f"{R}/snapshots", {"name": "Vor der Klausur", "date": ""},
                             csrf_from=f"{R}/snapshots")
    assert saved.status_code == 302 and time.monotonic() - t0 < 5
    assert _snapshot(thread_app, "Vor der Klausur").summary is None
    page = coordinator.get(f"{R}/snapshots").get_data(as_text=True)
    assert "Vor der Klausur" in page and "wird berechnet" in page
    assert f'data-status-url="{R}/snapshots/status.json"' in page
    assert "analysis-status.js" in page
    assert started.wait(30)
    status = coordinator.get(f"{R}/snapshots/status.json").get_json()
    assert status["state"] == "pending" and status["pending"]
    assert status["job"] in ("queued", "running") and status["detail"]
    sid = _snapshot(thread_app, "Vor der Klausur").id
    t0 = time.monotonic()
    compared = coordinator.get(f"{R}/snapshots/compare?a={sid}&b=today")
    assert compared.status_code == 200 and time.monotonic() - t0 < 5
    assert "wird berechnet" in compared.get_data(as_text=True)
    release.set()
    _until_ready(coordinator, f"{R}/snapshots/status.json", timeout=90)
    _until_ready(coordinator, f"{R}/snapshots/status.json?a={sid}&b=today", timeout=90)
    summary = _snapshot(thread_app, "Vor der Klausur").summary
    assert summary["figures"]["municipalities"] == 24
    assert all(set(g["messages"]) == {"de", "en"} and g["messages"]["en"]
               for g in summary["gaps"])
    page = coordinator.get(f"{R}/snapshots").get_data(as_text=True)
    assert "wird berechnet" not in page and "data-status-url" not in page
    compared = coordinator.get(f"{R}/snapshots/compare?a={sid}&b=today").get_data(as_text=True)
    assert "wird berechnet" not in compared and "Lücken geöffnet (0)" in compared
    assert {c.get("lang", "de") for c in calls} == {"de", "en"}


def test_a_snapshot_takes_its_figures_from_the_stored_reports(app, api, monkeypatch):
    """When the reports of the current data are stored in both languages, a snapshot is
    saved with its figures and nothing is analysed; they are the figures an analysis of the
    snapshot's own bundle gives."""
    for lang in ("de", "en"):  # the reports the analysis stores, in each language
        assert api("gast").get(f"{R}/analysis?lang={lang}").status_code == 200
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(AnalysisReport.lang))) == ["de", "en"]
        db.session.remove()
    calls = []
    real = graphs.analyse
    monkeypatch.setattr(graphs, "analyse", lambda *a, **k: calls.append(k) or real(*a, **k))
    made = api("koordination").post(f"{R}/snapshots", {"name": "Aus dem Speicher"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["summary_state"] == "ready" and calls == []
    monkeypatch.setattr(graphs, "analyse", real)
    snap = _snapshot(app, "Aus dem Speicher")
    assert snap.summary == history.summarise(snap.bundle)


def test_the_api_says_when_a_snapshots_figures_are_pending(thread_app, gate):  # noqa: F811
    """Through the API a snapshot saved without stored reports answers 201 at once with
    ``summary`` null and ``summary_state`` pending; reading it later gives the figures."""
    release, started, _calls = gate
    token = thread_app.test_cli_runner().invoke(
        args=["create-token", "koordination"]).output.strip().splitlines()[-1]
    client = thread_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    t0 = time.monotonic()
    made = client.post(f"/api/v1{R}/snapshots", json={"name": "API"}, headers=headers)
    assert made.status_code == 201 and time.monotonic() - t0 < 5
    assert made.get_json()["summary"] is None and made.get_json()["summary_state"] == "pending"
    listed = client.get(f"/api/v1{R}/snapshots", headers=headers).get_json()
    assert [s["summary_state"] for s in listed] == ["pending"]
    release.set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        one = client.get(f"/api/v1{R}/snapshots/{made.get_json()['id']}",
                         headers=headers).get_json()
        if one["summary_state"] == "ready":
            break
        time.sleep(0.05)
    assert one["summary"]["figures"]["municipalities"] == 24


def test_many_snapshots_queue_one_job_that_analyses_each_state_once(thread_app,  # noqa: F811
                                                                       gate):  # noqa: F811
    """Saving snapshot after snapshot while no stored report gives their figures queues one
    job for the region, not one per snapshot (each a full analysis in both languages, on
    the workers every region shares), and snapshots of the same data are analysed once:
    twenty saves cost two analyses (de, en), not forty."""
    release, started, calls = gate
    token = thread_app.test_cli_runner().invoke(
        args=["create-token", "koordination"]).output.strip().splitlines()[-1]
    client = thread_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    ids = []
    for n in range(20):
        made = client.post(f"/api/v1{R}/snapshots", json={"name": f"Stand {n}"},
                           headers=headers)
        assert made.status_code == 201 and made.get_json()["summary_state"] == "pending"
        ids.append(made.get_json()["id"])
    assert started.wait(30)
    with thread_app.app_context():
        assert len(thread_app.extensions["kommunalnetz_jobs"].states) == 1
    release.set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listed = client.get(f"/api/v1{R}/snapshots", headers=headers).get_json()
        if all(s["summary_state"] == "ready" for s in listed):
            break
        time.sleep(0.05)
    assert sorted(s["id"] for s in listed) == ids
    assert all(s["summary"]["figures"]["municipalities"] == 24 for s in listed)
    assert sorted(c.get("lang", "de") for c in calls) == ["de", "en"]


def test_the_status_of_the_figures_needs_the_coordinator(as_user):
    """The status document of the snapshot figures is the coordinator's, like the pages."""
    assert as_user("olpe").get(f"{R}/snapshots/status.json").status_code == 403
    doc = as_user("koordination").get(f"{R}/snapshots/status.json").get_json()
    assert doc["state"] == "ready" and doc["pending"] == []


def test_the_rq_worker_fills_a_snapshots_figures(database_url, redis_url):
    """With the Redis queue, a saved snapshot's figures are a JSON job that
    `flask analysis-worker --burst` computes; the list then shows them."""
    import json
    import zlib

    import redis as redis_lib
    from rq import Queue

    from collab import create_app
    from collab.analysis import jobs

    from ..conftest import FAST

    redis_lib.Redis.from_url(redis_url).flushdb()
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "redis",
                      "REDIS_URL": redis_url, "ANALYSIS_NICE": 0})
    coordinator = Browser(app.test_client()).login("koordination")
    assert coordinator.post(f"{R}/snapshots", {"name": "Über Redis", "date": ""},
                            csrf_from=f"{R}/snapshots").status_code == 302
    queue = Queue(app.config["ANALYSIS_QUEUE_NAME"],
                  connection=redis_lib.Redis.from_url(redis_url),
                  serializer=jobs.job_serializer())
    assert queue.count == 1
    stored = redis_lib.Redis.from_url(redis_url).hget(f"rq:job:{queue.job_ids[0]}", "data")
    name, _instance, args, _kwargs = json.loads(zlib.decompress(stored))
    assert name == "collab.analysis.jobs.run_job" and "snapshot_id" in args[0]
    assert "wird berechnet" in coordinator.get(f"{R}/snapshots").get_data(as_text=True)
    assert queue.count == 1  # looking again does not queue it twice
    result = app.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert _snapshot(app, "Über Redis").summary["figures"]["municipalities"] == 24
    assert coordinator.get(f"{R}/snapshots/status.json").get_json()["state"] == "ready"
    with app.app_context():
        db.engine.dispose()


def test_a_compared_state_that_is_no_id_is_not_found(as_user):
    """The comparison and its status document answer 404 for a side that names no
    snapshot: a digit int() cannot read ("²"), a number beyond the id column (which
    overflowed the database driver: 500)."""
    coordinator = as_user("koordination")
    for side in ("%C2%B2", "2147483648", "99999999999999999999999", "-1", "x"):
        for path in (f"{R}/snapshots/compare", f"{R}/snapshots/status.json"):
            for arg in ("a", "b"):
                assert coordinator.get(f"{path}?{arg}={side}").status_code == 404, \
                    (path, arg, side)
