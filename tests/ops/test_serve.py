"""End to end: the production topology as `make serve` starts it (gunicorn, an analysis
worker, PostgreSQL, Redis; `python -m collab.ops.serve` from environment variables), checked
over HTTP like an operator would: it refuses to start without SECRET_KEY; /healthz; the
login page; demo accounts refused; an analysis page that shows progress and becomes ready;
after an edit the last report marked "wird neu berechnet", then the new one. CI runs it
(`.ci/run`); it needs PostgreSQL and redis-server (skipped locally without them, failed in CI).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from ..conftest import ROOT

pytestmark = pytest.mark.smoke
FLASK = [sys.executable, "-m", "flask", "--app", "collab.wsgi"]
PASSWORD = "ein-langes-betriebspasswort"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path, data=None, headers=None, method=None):
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {},
                                     method=method)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()

    def login(self, login, password):
        status, _, html = self.request("/login")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]
        return self.request("/login", {"login": login, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def production_env(pg_url, redis_url):
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS kn_smoke WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE kn_smoke"))
    url = admin.url.set(database="kn_smoke").render_as_string(hide_password=False)
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KN_", "FLASK_"))}
    port = _free_port()
    env.update({"DATABASE_URL": url, "REDIS_URL": redis_url, "SECRET_KEY": "s" * 64,
                "BASE_URL": f"http://127.0.0.1:{port}", "PORT": str(port), "WEB_CONCURRENCY": "2",
                "KN_THREADS": "2",
                "KN_ANALYSIS_WORKERS": "1", "KN_ENV": "production"})
    yield env
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS kn_smoke WITH (FORCE)"))
    admin.dispose()


def _run(env, *args) -> str:
    result = subprocess.run([*FLASK, *args], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_production_topology_end_to_end(production_env, tmp_path):
    env = production_env
    no_key = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    refused = subprocess.run([sys.executable, "-m", "collab.ops.serve"], env=no_key, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "SECRET_KEY" in refused.stderr

    _run(env, "init-db")
    assert "keine Demo-Zugänge" in _run(env, "seed")
    _run(env, "create-user", "betrieb", "--role", "coordinator", "--region", "swf5",
         "--password", PASSWORD)
    token = _run(env, "create-token", "betrieb").strip().splitlines()[-1]

    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([sys.executable, "-m", "collab.ops.serve"], env=env, cwd=ROOT,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        web = Client(base)
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                status, _, body = web.request("/healthz")
                health = json.loads(body)
                if status == 200:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        assert health and health["status"] == "ok", (health, (tmp_path / "serve.log").read_text())
        assert health["checks"]["queue"]["workers"] >= 1

        status, headers, html = web.request("/login", headers={"X-Request-ID": "smoke-1"})
        assert status == 200 and headers["X-Request-ID"] == "smoke-1" and "Anmelden" in html

        status, _, html = web.login("koordination", "demo")
        assert "Demo-Zugänge sind im Produktivbetrieb gesperrt" in html or \
            "Login oder Passwort ist falsch" in html
        status, _, html = web.login("betrieb", PASSWORD)
        assert status == 200 and "Abmelden" in html

        t0 = time.monotonic()
        status, _, html = web.request("/regions/swf5/analysis")
        assert status == 200 and time.monotonic() - t0 < 5
        assert "Die Analyse wird berechnet." in html or "Taktgeber" in html

        def until_ready():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                doc = json.loads(web.request("/regions/swf5/analysis/status.json")[2])
                if doc["state"] == "ready":
                    return doc
                time.sleep(0.3)
            raise AssertionError(f"analysis not ready: {doc}")

        until_ready()
        status, _, html = web.request("/regions/swf5/analysis")
        assert status == 200 and "Südwestfalen Agentur" in html
        assert "wird neu berechnet" not in html

        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        status, headers, body = web.request("/api/v1/regions/swf5/analysis", headers=auth)
        assert status == 200 and headers["X-Analysis-State"] == "ready"
        status, _, _ = web.request("/api/v1/regions/swf5/actors/olpe-digital",
                                   json.dumps({"capacity_fte": 3}).encode(), auth, "PATCH")
        assert status == 200
        t0 = time.monotonic()
        status, _, html = web.request("/regions/swf5/analysis")
        assert status == 200 and time.monotonic() - t0 < 5
        until_ready()
        assert "3,0 VZÄ" in web.request("/regions/swf5/analysis")[2]
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("logger") == "kommunalnetz.access" and
               line.get("request_id") == "smoke-1" for line in lines), output[-3000:]
    assert any(line.get("msg") == "report stored" for line in lines), output[-3000:]
