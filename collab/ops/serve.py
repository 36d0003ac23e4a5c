"""``make serve`` / ``python -m collab.ops.serve``: the production topology of one host in
the foreground: the schema brought up to date, ``KN_ANALYSIS_WORKERS`` analysis workers
(``flask analysis-worker``, RQ on ``REDIS_URL``), gunicorn with ``WEB_CONCURRENCY`` workers
on ``PORT``, and the ballot timer (``close-ballots``, ``send-reminders`` and ``send-mail``
(mail retries) every ``KN_BALLOT_INTERVAL`` seconds; 0 turns it off when a cron job or
systemd timer does it). Ctrl-C or SIGTERM stops everything; if one part dies, the others
are stopped and the exit status says so.

Options: ``--no-web`` (workers only: a worker host), ``--no-workers`` (web only: an app host
whose workers run elsewhere), ``--no-migrate``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from collab.config import ConfigError
from collab.ops import logs

log = logging.getLogger("kommunalnetz.serve")
FLASK = [sys.executable, "-m", "flask", "--app", "collab.wsgi"]


def _check_and_migrate(migrate: bool) -> None:
    """Build the production app once (refuses without SECRET_KEY, DATABASE_URL, REDIS_URL)
    and upgrade the schema (PostgreSQL: under an advisory lock, so hosts may start
    together)."""
    os.environ.setdefault("KN_ENV", "production")
    from collab import create_app
    from collab.cli import upgrade_schema

    app = create_app()
    if migrate:
        with app.app_context():
            upgrade_schema()
            log.info("schema up to date")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collab.ops.serve", description=__doc__)
    parser.add_argument("--no-web", action="store_true")
    parser.add_argument("--no-workers", action="store_true")
    parser.add_argument("--no-migrate", action="store_true")
    args = parser.parse_args(argv)
    logs.configure(os.environ.get("KN_LOG_FORMAT") or "json")
    try:
        _check_and_migrate(not args.no_migrate)
    except ConfigError as exc:
        log.error(str(exc))
        print(f"kommunalnetz: {exc}", file=sys.stderr)
        return 2
    env = {**os.environ, "KN_ENV": os.environ.get("KN_ENV", "production")}
    children: dict[str, subprocess.Popen] = {}
    if not args.no_workers:
        for n in range(int(os.environ.get("KN_ANALYSIS_WORKERS") or 1)):
            children[f"worker-{n + 1}"] = subprocess.Popen([*FLASK, "analysis-worker"], env=env)
    if not args.no_web:
        conf = Path(__file__).with_name("gunicorn_conf.py")
        children["web"] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(conf), "collab.wsgi:app"], env=env)
    log.info("started", extra={"children": {k: p.pid for k, p in children.items()}})

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    interval = int(os.environ.get("KN_BALLOT_INTERVAL") or 300)
    next_ballots = time.monotonic() + min(interval, 30)
    status = 0
    while not stopping:
        dead = {name: p.returncode for name, p in children.items() if p.poll() is not None}
        if dead:
            log.error("a part of the topology stopped; stopping the rest",
                      extra={"exited": dead})
            status = 1
            break
        if interval and time.monotonic() >= next_ballots:
            next_ballots = time.monotonic() + interval
            for command in ("close-ballots", "send-reminders", "send-mail"):
                subprocess.run([*FLASK, command], env=env, stdout=subprocess.DEVNULL,
                               check=False)
        time.sleep(0.5)
    for p in children.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for p in children.values():
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
    log.info("stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
