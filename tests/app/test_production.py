"""The production configuration and the analysis off the request path: configuration from
the environment, demo accounts only in development, /healthz, request ids and TLS headers,
JSON logs, reports computed by a worker (thread and Redis/RQ) into the shared store while
pages and API never wait."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time

import pytest
import sqlalchemy as sa
from werkzeug.middleware.proxy_fix import ProxyFix

import graphs
from collab import config, create_app
from collab.analysis import jobs, reports
from collab.core.models import AnalysisReport, Region, StagedBundle, User
from collab.extensions import db
from collab.ops.logs import JsonFormatter

from ..conftest import FAST, Browser

R = "/regions/swf5"
KEY = "k" * 64


@pytest.fixture(autouse=True)
def empty_cache():
    reports.clear_cache()
    yield
    reports.clear_cache()


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KN_ENV", "KN_SECRET_KEY",
                 "BASE_URL", "KN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- configuration ----------------------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    clean_env.setenv("BASE_URL", "https://kommunalnetz.example")
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        create_app(env="production")
    clean_env.setenv("SECRET_KEY", "short")
    with pytest.raises(config.ConfigError, match="at least 32"):
        create_app(env="production")


def test_production_configuration_from_the_environment(clean_env):
    clean_env.setenv("SECRET_KEY", KEY)
    clean_env.setenv("DATABASE_URL", "postgres://kn@db.example/kn")
    clean_env.setenv("REDIS_URL", "redis://cache.example:6379/0")
    clean_env.setenv("BASE_URL", "https://kommunalnetz.example")
    clean_env.setenv("KN_PER_PAGE", "50")
    clean_env.setenv("KN_HSTS_SECONDS", "600")
    app = create_app(env="production")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kn@db.example/kn"
    assert app.config["PER_PAGE"] == 50 and app.config["HSTS_SECONDS"] == 600
    assert app.config["ANALYSIS_QUEUE"] == "redis" and not app.config["DEMO_ACCOUNTS"]
    assert isinstance(app.wsgi_app, ProxyFix)
    assert app.config["SECRET_KEY"] == KEY


def test_development_needs_nothing(clean_env, tmp_path):
    clean_env.setenv("KN_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["ENV"] == "development" and app.config["DEMO_ACCOUNTS"]
    assert app.config["ANALYSIS_QUEUE"] == "thread"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def _read_key(path: str, out) -> None:
    out.put(config._dev_secret_key(path))


def test_development_key_is_the_same_for_processes_starting_together(tmp_path):
    """Workers starting together once wrote different keys (random logouts); the key file
    is now created atomically and every process reads the one written first."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_read_key, args=(str(tmp_path), out)) for _ in range(8)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=20) for _ in procs}
    for p in procs:
        p.join()
    assert len(keys) == 1 and (tmp_path / "secret_key").read_text() in keys


def test_seed_under_production_creates_no_accounts(tmp_path):
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                      "DEMO_ACCOUNTS": False})
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        assert "keine Demo-Zugänge" in result.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) >= 1


def test_demo_account_cannot_sign_in_under_production(database_url):
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "DEMO_ACCOUNTS": False})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "betrieb", "--role", "admin", "--password",
                               "ein-langes-passwort"]).exit_code == 0
    browser = Browser(app.test_client())
    token = browser.csrf("/login")
    response = browser.client.post("/login", data={"login": "koordination", "password": "demo",
                                                   "csrf_token": token})
    assert response.status_code == 200
    assert "Demo-Zugänge sind im Produktivbetrieb gesperrt" in response.get_data(as_text=True)
    assert browser.get(f"{R}/analysis").status_code == 302  # not signed in
    browser.login("betrieb", "ein-langes-passwort")
    assert browser.get(R).status_code == 200
    with app.app_context():
        db.engine.dispose()


# --- operations: health, request ids, TLS, logs -----------------------------------------------


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["status"] == "ok" and doc["checks"]["database"]["ok"]
    assert doc["checks"]["queue"]["backend"] == "inline"


def test_request_id_is_echoed_or_made(client):
    assert client.get("/login", headers={"X-Request-ID": "abc-123"}).headers[
        "X-Request-ID"] == "abc-123"
    made = client.get("/login", headers={"X-Request-ID": "bad id <script>"}).headers[
        "X-Request-ID"]
    assert len(made) == 32 and all(c in "0123456789abcdef" for c in made)


def test_secure_cookie_and_hsts_only_over_tls(database_url):
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "HSTS_SECONDS": 600,
                      "PROXY_FIX": 1})
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" not in plain.headers.get("Set-Cookie", "")
    behind_proxy = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.headers["Strict-Transport-Security"] == "max-age=600"
    assert "Secure" in behind_proxy.headers["Set-Cookie"]
    with app.app_context():
        db.engine.dispose()


def test_json_log_lines_carry_extra_fields():
    record = logging.makeLogRecord({"name": "kommunalnetz.access", "levelname": "INFO",
                                    "msg": "GET %s", "args": ("/x",), "status": 200,
                                    "request_id": "r1"})
    doc = json.loads(JsonFormatter().format(record))
    assert doc["msg"] == "GET /x" and doc["status"] == 200 and doc["request_id"] == "r1"
    assert doc["level"] == "INFO" and doc["ts"].endswith("Z")


# --- staged uploads live in the database ------------------------------------------------------


def test_checked_bundle_waits_in_the_database(as_user, app, seed_bundle):
    from collab.bundles.staging import Upload

    coordinator = as_user("koordination")
    seed_bundle["actors"][0]["name"] += " (neu)"
    body = json.dumps(seed_bundle).encode()
    import io
    response = coordinator.post(f"{R}/bundle", {"bundle": (io.BytesIO(body), "swf5.json")},
                                csrf_from=R, content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        staged = db.session.scalars(sa.select(StagedBundle)).all()
        assert len(staged) == 1
        kept = Upload.unpack(staged[0].body)  # the file as it came, with how it was previewed
        assert kept.body == body and kept.filename == "swf5.json" and kept.version is not None
        db.session.remove()
    assert not (app.instance_path and __import__("pathlib").Path(
        app.instance_path, "imports").exists() and any(
        __import__("pathlib").Path(app.instance_path, "imports").iterdir()))


# --- the analysis off the request path --------------------------------------------------------


@pytest.fixture
def gate(monkeypatch):
    """graphs.analyse waits until ``release`` is set (``started`` tells it has begun)."""
    release, started, calls = threading.Event(), threading.Event(), []
    real = graphs.analyse

    def gated(*args, **kwargs):
        calls.append(kwargs)
        started.set()
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(graphs, "analyse", gated)
    yield release, started, calls
    release.set()


def _coordinator_edits_an_actor(app, capacity_fte: float, key: str | None = None) -> None:
    """The coordinator changes an actor's capacity through the API (the first actor of the
    list unless ``key``): a new data version of the region."""
    token = app.test_cli_runner().invoke(args=["create-token", "koordination"]).output
    headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
    client = app.test_client()
    key = key or client.get(f"/api/v1{R}/actors?per_page=1", headers=headers).get_json()[
        "items"][0]["key"]
    assert client.patch(f"/api/v1{R}/actors/{key}", json={"capacity_fte": capacity_fte},
                        headers=headers).status_code == 200


def _until_ready(browser, path=f"{R}/analysis/status.json", timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = browser.get(path).get_json()
        if doc["state"] == "ready":
            return doc
        time.sleep(0.05)
    raise AssertionError(f"report not ready: {doc}")


@pytest.fixture
def thread_app(database_url):
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "ANALYSIS_QUEUE": "thread"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_page_never_waits_first_progress_then_stale_then_ready(thread_app, gate):
    """The first analysis shows progress; after an edit the last report is shown marked
    "wird neu berechnet" while the worker computes; then the new one."""
    release, started, calls = gate
    viewer = Browser(thread_app.test_client()).login("gast")
    coordinator = Browser(thread_app.test_client()).login("koordination")
    t0 = time.monotonic()
    page = viewer.get(f"{R}/analysis")
    assert time.monotonic() - t0 < 5
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Die Analyse wird berechnet." in html
    assert "<progress" in html and f'data-status-url="{R}/analysis/status.json"' in html
    assert "analysis-status.js" in html
    assert started.wait(30)
    status = viewer.get(f"{R}/analysis/status.json").get_json()
    assert status["state"] == "pending" and status["job"] == "running"
    # the API answers 202 with the progress document meanwhile
    token = thread_app.test_cli_runner().invoke(args=["create-token", "gast"]).output.split()[-1]
    api = thread_app.test_client()
    first = api.get("/api/v1/regions/swf5/analysis", headers={"Authorization": f"Bearer {token}"})
    assert first.status_code == 202 and first.headers["Retry-After"] == "2"
    assert first.get_json()["state"] == "pending"
    marks = viewer.get(f"{R}/network/marks.json")
    assert marks.status_code == 202 and marks.get_json()["pending"] is True
    release.set()
    _until_ready(viewer)
    assert "Die Analyse wird berechnet." not in viewer.get(f"{R}/analysis").get_data(
        as_text=True)
    ready = api.get("/api/v1/regions/swf5/analysis", headers={"Authorization": f"Bearer {token}"})
    assert ready.status_code == 200 and ready.headers["X-Analysis-State"] == "ready"
    assert ready.get_json()["taktgeber"][0]["key"] == "swa"

    release.clear()
    started.clear()
    assert coordinator.post(f"{R}/actors/olpe-digital/edit", {
        "name": "Smart-City-Projektleitung der Stadt Olpe", "type": "staff_unit",
        "level": "coordinating", "sector": "public", "municipality": "olpe",
        "capacity_fte": "3"}).status_code == 302
    t0 = time.monotonic()
    html = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert time.monotonic() - t0 < 5
    assert "wird neu berechnet" in html and "Südwestfalen Agentur" in html
    assert started.wait(30)
    stale = api.get("/api/v1/regions/swf5/analysis", headers={"Authorization": f"Bearer {token}"})
    assert stale.status_code == 200 and stale.headers["X-Analysis-State"] == "stale"
    delta = viewer.get(f"{R}/network/marks.json").get_json()
    assert delta["stale"] is True and delta["top"] == "swa"
    release.set()
    _until_ready(viewer)
    html = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert "wird neu berechnet" not in html and "3,0 VZÄ" in html
    assert len(calls) == 2  # once per data version, however often asked


def test_whatif_is_computed_by_the_worker_too(thread_app):
    viewer = Browser(thread_app.test_client()).login("gast")
    viewer.get(f"{R}/analysis")
    _until_ready(viewer)
    path = f"{R}/analysis?without=swa"
    viewer.get(path)
    _until_ready(viewer, f"{R}/analysis/status.json?without=swa")
    html = viewer.get(path).get_data(as_text=True)
    assert "Szenario:" in html and "wird neu berechnet" not in html
    assert viewer.get(f"{R}/analysis/status.json?without=nope").status_code == 422


def test_failed_analysis_is_stored_and_said(thread_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("kaputt")
    monkeypatch.setattr(graphs, "analyse", broken)
    viewer = Browser(thread_app.test_client()).login("gast")
    viewer.get(f"{R}/analysis")
    deadline = time.monotonic() + 30
    while viewer.get(f"{R}/analysis/status.json").get_json()["state"] != "failed":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    html = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert "Die Analyse der aktuellen Daten ist fehlgeschlagen." in html


# --- Redis and RQ: one job for all app processes, computed by a worker ------------------------


def test_reports_computed_once_for_all_app_processes_by_the_rq_worker(database_url, redis_url):
    """Two app processes (apps) share one database and one Redis: asking both queues one
    job; `flask analysis-worker --burst` computes it; both then serve the same stored
    report. Without a worker /healthz says so (503)."""
    import redis as redis_lib
    from rq import Queue

    redis_lib.Redis.from_url(redis_url).flushdb()
    settings = {**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "redis",
                "REDIS_URL": redis_url, "ANALYSIS_NICE": 0}  # the worker runs in this process
    first, second = create_app(settings), create_app(settings)
    a = Browser(first.test_client()).login("gast")
    b = Browser(second.test_client()).login("koordination")
    for browser in (a, b, a):
        assert "Die Analyse wird berechnet." in browser.get(f"{R}/analysis").get_data(
            as_text=True)
    queue = Queue(first.config["ANALYSIS_QUEUE_NAME"],
                  connection=redis_lib.Redis.from_url(redis_url),
                  serializer=jobs.job_serializer())
    assert queue.count == 1
    # the job travels as JSON (RQ compresses its data), never as a pickle a worker would run
    import zlib
    stored = redis_lib.Redis.from_url(redis_url).hget(f"rq:job:{queue.job_ids[0]}", "data")
    assert json.loads(zlib.decompress(stored))[0] == "collab.analysis.jobs.run_job"
    health = first.test_client().get("/healthz")
    assert health.status_code == 503
    assert "no analysis worker" in health.get_json()["checks"]["queue"]["error"]
    result = first.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert queue.count == 0
    _until_ready(a)
    _until_ready(b)
    with first.app_context():
        rows = db.session.scalars(sa.select(AnalysisReport)).all()
        assert [(r.status, r.lang, r.without) for r in rows] == [("done", "de", "")]
        db.session.remove()
    assert "Südwestfalen Agentur" in b.get(f"{R}/analysis").get_data(as_text=True)
    spec = jobs.Spec(region_id=rows[0].region_id, data_version=rows[0].data_version)
    with first.app_context():
        assert jobs.state(spec) is None  # the marker is gone once the job ended
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_a_killed_analysis_process_is_stored_as_failed(database_url, redis_url,
                                                       analysis_killed_in_work_horse):
    """A work horse killed from outside (out of memory, kill -9) runs neither its ``except``
    nor its ``finally``: before, the page said "wird neu berechnet" until the job's marker
    expired (an hour), and then queued the same job again. The worker now stores the report
    of that data version as failed, the page says so at once, its marker is gone and no job
    is queued again for it."""
    import redis as redis_lib
    from rq import Queue

    redis_lib.Redis.from_url(redis_url).flushdb()
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "ANALYSIS_QUEUE": "redis", "REDIS_URL": redis_url, "ANALYSIS_NICE": 0})
    try:
        viewer = Browser(app.test_client()).login("gast")
        assert "Die Analyse wird berechnet." in viewer.get(f"{R}/analysis").get_data(
            as_text=True)
        queue = Queue(app.config["ANALYSIS_QUEUE_NAME"],
                      connection=redis_lib.Redis.from_url(redis_url),
                      serializer=jobs.job_serializer())
        assert queue.count == 1
        result = app.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert redis_lib.Redis.from_url(redis_url).keys("kommunalnetz:job:*") == []
        assert viewer.get(f"{R}/analysis/status.json").get_json()["state"] == "failed"
        html = viewer.get(f"{R}/analysis").get_data(as_text=True)
        assert "Die Analyse der aktuellen Daten ist fehlgeschlagen." in html
        assert queue.count == 0
        with app.app_context():
            row = db.session.scalar(sa.select(AnalysisReport))
            assert row.status == "failed" and "signal 9" in row.error
    finally:
        with app.app_context():
            db.engine.dispose()


def _forged_callback(job, connection, *rest) -> None:
    """A callback written into a forged job: leaves a file where the test looks."""
    with open(job.description, "w") as f:
        f.write("ran")


def test_the_worker_runs_only_the_platforms_own_jobs(database_url, redis_url, tmp_path):
    """Whoever can write into Redis cannot have a worker run code of its choosing: RQ imports
    the function a job names (and its callbacks), JSON arguments or not. A job naming
    os.system, or a platform function with a callback, fails or runs without its callback;
    the platform's own jobs still run."""
    import redis as redis_lib
    from rq import Callback, Queue

    redis_lib.Redis.from_url(redis_url).flushdb()
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "ANALYSIS_QUEUE": "redis", "REDIS_URL": redis_url, "ANALYSIS_NICE": 0})
    queue = Queue(app.config["ANALYSIS_QUEUE_NAME"],
                  connection=redis_lib.Redis.from_url(redis_url),
                  serializer=jobs.job_serializer())
    shell, callback = tmp_path / "shell", tmp_path / "callback"
    forged = queue.enqueue("os.system", f"touch {shell}")
    queue.enqueue("collab.notifications.delivery.run_job", description=str(callback),
                  on_success=Callback(f"{__name__}._forged_callback"))
    queue.enqueue("collab.analysis.jobs.run_job", {"region_id": 1, "snapshot_id": 10**9})
    bad_spec = queue.enqueue("collab.analysis.jobs.run_job",
                             {"region_id": "1 OR 1=1", "snapshot_id": 10**9})
    result = app.test_cli_runner().invoke(args=["analysis-worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert not shell.exists() and not callback.exists()
    assert set(queue.failed_job_registry.get_job_ids()) == {forged.id, bad_spec.id}
    with app.app_context():
        db.engine.dispose()


def test_the_analysis_worker_yields_the_cpu_to_the_pages():
    """`flask analysis-worker` lowers its CPU priority (KN_ANALYSIS_NICE, default 10; its
    forked work horses inherit it), so a national analysis does not slow the pages of the
    web workers on the same host. Measured in a child process (niceness cannot be undone)."""
    def child(out, nice):
        out.put((jobs.lower_priority(nice), os.nice(0)))

    ctx = multiprocessing.get_context("fork")
    for asked, expected in ((10, 10), (0, os.nice(0)), (99, 19)):
        out = ctx.Queue()
        process = ctx.Process(target=child, args=(out, asked))
        process.start()
        process.join(30)
        assert out.get(timeout=5) == (max(expected, os.nice(0)),) * 2, asked
    assert create_app({**FAST}).config["ANALYSIS_NICE"] == 10


def test_the_network_picture_is_drawn_once_for_all_app_processes(database_url, redis_url,
                                                                 monkeypatch):
    """After an edit, the first app process to be asked draws the new picture and stores
    it in Redis; another process serves the same picture without building the graph or
    drawing it again (network.plain_data, Shared)."""
    import redis as redis_lib

    from collab.analysis import network
    from graphs import vis

    redis_lib.Redis.from_url(redis_url).flushdb()
    settings = {**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "inline",
                "REDIS_URL": redis_url}
    first, second = create_app(settings), create_app(settings)
    # drawn at once after the edit however slow this machine is (served stale otherwise)
    monkeypatch.setattr(network._pictures, "slow", 1e9)
    drawn = []
    real = vis.vis_data
    monkeypatch.setattr(vis, "vis_data", lambda **kw: drawn.append(1) or real(**kw))
    a = Browser(first.test_client()).login("koordination")
    b = Browser(second.test_client()).login("gast")
    network.clear_caches()  # the processes' own caches (one module here, two processes there)
    data_a = a.get(f"{R}/network/data.json").get_json()
    network._pictures.clear()  # the second process has nothing of its own
    network._shared_pictures.local.clear()
    network._views.clear()
    data_b = b.get(f"{R}/network/data.json").get_json()
    assert drawn == [1]
    assert data_a["nodes"] == data_b["nodes"] and data_a["edges"] == data_b["edges"]
    assert data_b["stale"] is False and data_b["data_version"] == data_a["data_version"]
    assert not network._views.items  # the second process did not even build the graph

    # an edit: drawn once more, and both serve the new picture
    _coordinator_edits_an_actor(first, 3.5)
    new_a = a.get(f"{R}/network/data.json").get_json()
    network._pictures.clear()
    network._shared_pictures.local.clear()
    new_b = b.get(f"{R}/network/data.json").get_json()
    assert new_a["data_version"] > data_a["data_version"]
    assert new_b["data_version"] == new_a["data_version"] and len(drawn) == 2
    for app in (first, second):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_process_serves_its_last_picture_while_another_draws_the_new_one(
        database_url, redis_url, monkeypatch):
    """Under a stream of edits every data.json request would wait for another process'
    drawing of the newest version: a process that holds an earlier picture serves it at
    once, marked ``stale`` (the page asks again), and the new one once it is stored."""
    import time

    import redis as redis_lib
    from werkzeug.datastructures import MultiDict

    from collab.analysis import network
    from collab.core.models import Region

    client = redis_lib.Redis.from_url(redis_url)
    client.flushdb()
    settings = {**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "inline",
                "REDIS_URL": redis_url}
    app = create_app(settings)
    monkeypatch.setattr(network._pictures, "slow", 1e9)  # a quick picture: drawn at once
    network.clear_caches()
    viewer = Browser(app.test_client()).login("gast")
    before = viewer.get(f"{R}/network/data.json").get_json()
    _coordinator_edits_an_actor(app, 2.5)
    with app.test_request_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        version = region.data_version
        query = network._query_key(network.checked_query(region, MultiDict()))
        name = network._shared_pictures._redis_key(
            (app.config["SQLALCHEMY_DATABASE_URI"], region.id, version, query))
        db.session.remove()
    client.set(f"{name}:making", 1, ex=60)  # another process is drawing version `version`
    start = time.monotonic()
    served = viewer.get(f"{R}/network/data.json").get_json()
    assert time.monotonic() - start < 2  # not the 5 s a waiting process would give it
    assert served["stale"] is True and served["data_version"] == before["data_version"]
    assert served["nodes"] == before["nodes"]
    client.delete(f"{name}:making")  # it died or stored it: the next request has it
    fresh = viewer.get(f"{R}/network/data.json").get_json()
    assert fresh["stale"] is False and fresh["data_version"] == version
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_analysis_page_shows_the_last_body_while_another_renders_the_new_one(
        database_url, redis_url, monkeypatch):
    """After a new report, the first process to be asked renders its page body and the
    others would wait for it: a process that served this view before shows its last body
    at once, as the last report ("wird neu berechnet"; the page reloads itself)."""
    import redis as redis_lib

    from collab.analysis import pages as analysis_pages
    from collab.core import caching

    redis_lib.Redis.from_url(redis_url).flushdb()
    settings = {**FAST, "SQLALCHEMY_DATABASE_URI": database_url, "ANALYSIS_QUEUE": "inline",
                "REDIS_URL": redis_url}
    app = create_app(settings)
    analysis_pages._bodies.clear()
    analysis_pages._last_bodies.clear()
    viewer = Browser(app.test_client()).login("gast")
    first = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert "Südwestfalen Agentur" in first and "wird neu berechnet" not in first
    _coordinator_edits_an_actor(app, 5.5, "swa")

    real = caching.redis_client

    class OtherProcessRenders:  # every body's lock is held by another process
        def __init__(self, client):
            self.client = client

        def set(self, name, value, nx=False, **kw):
            if nx and name.startswith("kn:analysis-body:"):
                return None
            return self.client.set(name, value, nx=nx, **kw)

        def __getattr__(self, name):
            return getattr(self.client, name)
    monkeypatch.setattr(caching, "redis_client", lambda url: OtherProcessRenders(real(url)))
    start = time.monotonic()
    meanwhile = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert time.monotonic() - start < 4  # not the 5 s a waiting process would give it
    assert "wird neu berechnet" in meanwhile and "data-status-url" in meanwhile
    assert meanwhile.split("<main")[1].count("Südwestfalen Agentur") == \
        first.split("<main")[1].count("Südwestfalen Agentur")
    monkeypatch.setattr(caching, "redis_client", real)
    after = viewer.get(f"{R}/analysis").get_data(as_text=True)
    assert "wird neu berechnet" not in after
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
