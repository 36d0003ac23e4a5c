"""Browser fixtures: the app served on a free local port (a thread, a seeded temporary
SQLite database) and Debian's Chromium driven by Playwright's sync API."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import pytest

from collab import create_app
from collab.extensions import db

from ..conftest import FAST, IN_CI, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
#: the name of an actor added to the demo network: markup that must show as text
MARKUP_NAME = '<img src=x onerror="window.__xss=1"><b>Fett</b> & Co'
MARKUP_KEY = "markup-test"


def _require_browser():
    """Skip (locally) or fail (in CI) when Chromium or Playwright is missing."""
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append("Chromium not found at /usr/bin/chromium (Debian: apt-get install "
                        "chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Python Playwright not installed (pip install '.[test]')")
    if problems:
        message = "; ".join(problems)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _static_read_whole(app):
    """Static files handed over as one bytes chunk, their file closed before werkzeug writes.

    werkzeug's development server closes a response's iterable only after draining the
    socket; when Chromium cancels a request (the icon, on navigation) that drain raises
    ConnectionResetError first, the file is never closed, and pytest's `error` filter turns
    the ResourceWarning into a failure of whichever test runs next."""

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return response
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


class LiveServer:
    """The app served by werkzeug in a background thread on 127.0.0.1 and a free port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, _static_read_whole(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["BASE_URL"] = self.url  # links in mails lead here
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def held_analysis_server(tmp_path, sqlite_template, monkeypatch):
    """``held_analysis_server(then)``: the demo on a live server of its own whose analysis
    runs in a worker thread and waits for the returned ``release`` event; then ``then``
    (default: the real analysis) runs, e.g. one that raises. Yields (server, release)
    through a context manager."""
    from contextlib import contextmanager

    import graphs

    _require_browser()
    real = graphs.analyse

    @contextmanager
    def make(then=None):
        release = threading.Event()

        def analyse(*args, **kwargs):
            assert release.wait(60)
            return (then or real)(*args, **kwargs)

        monkeypatch.setattr(graphs, "analyse", analyse)
        path = tmp_path / "live.sqlite"
        shutil.copy(sqlite_template, path)
        app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                          "ANALYSIS_QUEUE": "thread"})
        try:
            with LiveServer(app) as server:
                yield server, release
        finally:
            release.set()

    return make


def _add_markup_actor(app) -> None:
    from collab.core.models import Region
    from collab.core.permissions import SYSTEM
    from collab.objects import services as object_services

    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        object_services.add_actor(region, {"key": MARKUP_KEY, "name": MARKUP_NAME, "type": "other",
                                    "level": "operational", "sector": "civil_society",
                                    "municipality": "olpe", "topics": ["mobility"]}, SYSTEM)
        db.session.remove()


def national_bundle() -> dict:
    """The benchmarks' national synthetic bundle (seed 0)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return generate("national", 0)


def _import_national(app) -> str:
    from collab.bundles.services import import_bundle
    from collab.core.permissions import SYSTEM

    bundle = national_bundle()
    with app.app_context():
        import_bundle(bundle, SYSTEM)
        db.session.remove()
    return bundle["region"]["slug"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sqlite_template):
    """The demo network (plus an actor named with markup) served on a free local port."""
    _require_browser()
    path = tmp_path_factory.mktemp("live") / "live.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    _add_markup_actor(app)
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def national_slug(live_server):
    """The national synthetic bundle imported into the live server's database. Nothing of
    it is cached yet: the first view of it is a cold one (graph and analysis)."""
    return _import_national(live_server.app)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, launched headless by Playwright."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def signed_in(chromium, live_server):
    """``signed_in("koordination")`` gives a new page of a fresh context, signed in; every
    request the page makes is recorded in ``page.requests_seen``. ``phone=True``: a phone's
    screen (390 × 844, touch)."""
    contexts = []

    def make(login: str, *, phone: bool = False):
        context = chromium.new_context(viewport={"width": 390, "height": 844},
                                       is_mobile=True) if phone else chromium.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.requests_seen = []
        page.on("request", lambda request: page.requests_seen.append(request.url))
        page.goto(f"{live_server.url}/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", "demo")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()
