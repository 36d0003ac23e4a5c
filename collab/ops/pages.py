"""``/healthz``: whether this app process can serve: the database answers, and where
reports are computed by workers on Redis, Redis answers and at least one analysis worker
listens on the queue. 200 with the checks when all pass, 503 naming what failed. No login;
it reveals no data (counts and states only)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, jsonify

from collab.analysis import jobs
from collab.extensions import db

bp = Blueprint("ops", __name__)


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = {"ok": True, **(check() or {})}
    except Exception as exc:  # a health check reports every failure, never raises
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return result


def _database() -> dict:
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()
    return {}


@bp.get("/healthz")
def healthz():
    checks = {"database": _timed(_database), "queue": _timed(jobs.health)}
    ok = all(c["ok"] for c in checks.values())
    response = jsonify({"status": "ok" if ok else "fail", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response, (200 if ok else 503)


@bp.get("/livez")
def livez():
    """The process answers (no checks): a liveness probe, and the load benchmark's trivial
    endpoint (the ceiling of the machine's request throughput)."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
