"""Shared fixtures: the app on SQLite and on PostgreSQL, clients, CLI runner, accounts."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from collab import create_app
from collab.core.localtime import local_today
from collab.extensions import db

from .pg_server import ThrowawayCluster
from .redis_server import ThrowawayRedis

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "swf5.json"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_sessionstart(session):
    """Compile the English catalogue as `make` does, so that a bare `pytest` sees it too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    if po.exists():
        with po.open("rb") as f:
            catalogue = read_po(f)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalogue)


def pytest_report_header(config):
    return [f"PostgreSQL tests: {os.environ.get('TEST_DATABASE_URL') or 'throwaway cluster'}"]


# --- databases --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server: TEST_DATABASE_URL, else a throwaway cluster started here."""
    url = os.environ.get("TEST_DATABASE_URL")
    cluster = None
    if not url:
        cluster = ThrowawayCluster()
        if not cluster.available:
            message = ("PostgreSQL not found: install the server (Debian: postgresql) or set "
                       "TEST_DATABASE_URL=postgresql+psycopg://user@host/db")
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        url = cluster.start()
    yield url
    if cluster is not None:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_url():
    """A Redis server: TEST_REDIS_URL, else a throwaway redis-server started here (a missing
    server skips locally and fails in CI)."""
    url = os.environ.get("TEST_REDIS_URL")
    server = None
    if not url:
        server = ThrowawayRedis()
        if not server.available:
            message = "redis-server not found: install it (Debian: redis-server)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        url = server.start()
    yield url
    if server is not None:
        server.stop()


#: fast password hashing for tests (production uses scrypt)
FAST = {"TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "DEMO": True}


def _seeded(app) -> None:
    """The demo network and accounts, without the demo's open survey round and running
    ballot (seeds/demo/): tests open rounds and ballots themselves
    (tests/app/test_demo_activity.py checks the demo with them)."""
    with app.app_context():
        db.create_all()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["seed", "--no-activity"])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A seeded SQLite file, built once and copied for every test."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    _seeded(app)
    with app.app_context():
        db.engine.dispose()  # the last connection checkpoints the WAL into the file copied
    return path


#: pytest-xdist's worker name ("gw0", ...; "main" without xdist): database names carry it, so
#: parallel workers share one PostgreSQL server without meeting each other
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TEMPLATE_DB = f"kn_template_{WORKER}"


@pytest.fixture(scope="session")
def pg_template(pg_url):
    """A seeded PostgreSQL database used as TEMPLATE for each test's database."""
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {TEMPLATE_DB}"))
    template_url = pg_url.rsplit("/", 1)[0] + f"/{TEMPLATE_DB}"
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": template_url})
    _seeded(app)
    with app.app_context():
        db.engine.dispose()
    yield admin
    admin.dispose()


_counter = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Every app test runs against SQLite and against a real PostgreSQL server."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_template")
    name = f"kn_test_{WORKER}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def app(database_url):
    """The application on a fresh copy of the seeded demo database.

    No app context stays pushed (requests must not share ``g``, where Flask-Login keeps the
    user); tests that touch the database directly use the ``ctx`` fixture.
    """
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that query the database directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def today(app) -> dt.date:
    """Today as the app counts days: in its local zone (Europe/Berlin, see
    :func:`collab.core.localtime.local_today`). Not ``dt.date.today()`` nor the UTC date,
    which stay on the day before from 23:00 UTC (22:00 in summer): a test naming "today"
    by the machine's clock fails in that hour."""
    with app.app_context():
        return local_today()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def other_coordinator(runner):
    """A coordinator of another region (Thüringen), login ``koord-th``, password ``demo``."""
    result = runner.invoke(args=["create-user", "koord-th", "--role", "coordinator",
                                 "--region", "thueringen", "--password", "demo"])
    assert result.exit_code == 0, result.output
    return "koord-th"


# --- helpers ----------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Browser:
    """A signed-in (or anonymous) user of the pages, with CSRF tokens like a browser."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, (f"no CSRF token on {path}: {page.status_code} "
                       f"{page.get_data(as_text=True)[:2000]}")
        return match.group(1)

    def login(self, login: str, password: str = "demo"):
        token = self.csrf("/login")
        response = self.client.post("/login", data={"login": login, "password": password,
                                                    "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, *, csrf_from: str = "/hilfe", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(csrf_from))
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def as_user(app):
    """``as_user("olpe")`` gives a Browser signed in as that demo account."""
    def make(login: str) -> Browser:
        return Browser(app.test_client()).login(login)
    return make


class Api:
    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __getattr__(self, method):
        def call(path, json_body=None, **kw):
            return getattr(self.client, method)(f"/api/v1{path}", json=json_body,
                                                headers=self.headers, **kw)
        return call


@pytest.fixture
def api(app, runner):
    """``api("olpe")`` gives an API client with a fresh token of that account."""
    def make(login: str | None) -> Api:
        if login is None:
            return Api(app.test_client(), None)
        result = runner.invoke(args=["create-token", login])
        assert result.exit_code == 0, result.output
        return Api(app.test_client(), result.output.strip().splitlines()[-1])
    return make


@pytest.fixture
def seed_bundle() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


@pytest.fixture
def no_commit_on_get():
    """Fails the test when any GET or HEAD request commits the session: reading never writes
    (ballot results are fixed by the deciding vote and by ``flask close-ballots``)."""
    from flask import has_request_context, request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    commits: list[str] = []

    def before_commit(session):
        from flask import g
        if g and g.get("worker_job"):  # the analysis worker's own write (inline in tests)
            return
        if has_request_context() and request.method in ("GET", "HEAD"):
            commits.append(f"{request.method} {request.full_path}")

    event.listen(Session, "before_commit", before_commit)
    yield commits
    event.remove(Session, "before_commit", before_commit)
    assert not commits, f"GET requests committed: {commits}"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with no sign-in or reset attempts counted (Flask-Limiter's memory
    storage lives as long as the process, across the apps the tests create)."""
    from collab.extensions import limiter

    def reset():
        if getattr(limiter, "_storage", None) is not None:
            limiter.reset()

    reset()
    yield
    reset()


@pytest.fixture
def analysis_killed_in_work_horse(monkeypatch):
    """graphs.analyse kills its own process with SIGKILL when it runs in a forked RQ work
    horse (as the kernel's out-of-memory killer would); in the test's own process it fails
    the test instead."""
    import signal

    import graphs

    test_process = os.getpid()

    def killed(*args, **kwargs):
        if os.getpid() != test_process:  # in the forked work horse only
            os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("the analysis ran in the test's own process")

    monkeypatch.setattr(graphs, "analyse", killed)

