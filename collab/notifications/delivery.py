"""Sending the outbox: after a commit that queued mails the background worker of
``ANALYSIS_QUEUE`` (see :mod:`collab.analysis.jobs`) delivers every due mail, never the
request itself:

``redis``   an RQ job on the analysis queue, run by ``flask analysis-worker``;
``thread``  a worker thread in this process (``make run``), which also retries every minute;
``inline``  at once after the commit, in a session of its own (tests).

A failed attempt is retried later (1, 2, 4, 8 minutes …) until ``MAIL_MAX_ATTEMPTS``, then
the mail is marked failed; ``flask send-mail`` (on the schedule of ``close-ballots``)
retries what is due. Without ``MAIL_SERVER`` a mail is written to the log and kept in the
outbox (status ``logged``) for the admin's outbox page.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import event
from sqlalchemy.orm import Session

from collab.core.models import OutboxMail, utcnow
from collab.extensions import db
from collab.notifications import mail

log = logging.getLogger("kommunalnetz.mail")

#: mails delivered per run at most (the rest in the next run)
BATCH = 200


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=2 ** max(attempts - 1, 0))


def _claim(row_id: int, now: dt.datetime) -> bool:
    """Take a due mail for this worker (another worker running at once skips it)."""
    done = db.session.execute(sa.update(OutboxMail).where(
        OutboxMail.id == row_id, OutboxMail.status == "pending",
        OutboxMail.next_attempt_at <= now).values(status="sending")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1


def deliver_due(now: dt.datetime | None = None) -> dict[str, int]:
    """Send (or log) every due mail of the outbox; returns counts by outcome."""
    now = now or utcnow()
    server = current_app.config.get("MAIL_SERVER")
    limit = int(current_app.config.get("MAIL_MAX_ATTEMPTS", 5))
    ids = db.session.scalars(sa.select(OutboxMail.id).where(
        OutboxMail.status == "pending", OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.id).limit(BATCH)).all()
    counts = {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    for row_id in ids:
        if not _claim(row_id, now):
            continue
        row = db.session.get(OutboxMail, row_id)
        row.attempts += 1
        try:
            if server:
                mail.send(mail.message(row.to_addr, row.subject, row.text_body, row.html_body))
                row.status = "sent"
            else:
                log.info("mail (no MAIL_SERVER): to=%s subject=%s\n%s", row.to_addr,
                         row.subject, row.text_body)
                row.status = "logged"
            row.sent_at, row.last_error = utcnow(), ""
        except Exception as exc:  # any SMTP or network failure: try again later
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= limit:
                row.status = "failed"
                log.error("mail failed for good: id=%s to=%s: %s", row.id, row.to_addr,
                          row.last_error)
            else:
                row.status = "pending"
                row.next_attempt_at = now + backoff(row.attempts)
                log.warning("mail attempt %s failed: id=%s: %s", row.attempts, row.id,
                            row.last_error)
        db.session.commit()
        outcome = {"sent": "sent", "logged": "logged", "failed": "failed"}.get(row.status,
                                                                               "retry")
        counts[outcome] += 1
    return counts


# --- backends ---------------------------------------------------------------------------------


class _Thread:
    """One mail thread in this process: woken by each commit that queued mail, and every
    minute for retries."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.app: Flask | None = None

    def kick(self, app: Flask) -> None:
        with self.lock:
            self.app = app  # the newest app (one per process, except in tests)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="mail-worker",
                                               daemon=True)
                self.thread.start()
        self.wake.set()

    def _work(self) -> None:
        while True:
            self.wake.wait(timeout=60)
            self.wake.clear()
            try:
                with self.app.app_context():
                    deliver_due()
                    db.session.remove()
            except Exception:  # keep the thread for the next mail
                log.exception("mail delivery failed")


_thread = _Thread()


def run_job() -> None:
    """The RQ job: deliver what is due (in the worker's app)."""
    from collab.analysis import jobs

    app = jobs._worker_app or jobs._make_worker_app()
    with app.app_context():
        db.engine.dispose(close=False)
        try:
            deliver_due()
        finally:
            db.session.remove()


def kick() -> None:
    """Hand the outbox to the workers (after a commit that queued mail)."""
    app = current_app._get_current_object()
    kind = app.config["ANALYSIS_QUEUE"]
    if kind == "inline":
        with app.app_context():
            deliver_due()
            db.session.remove()
    elif kind == "thread":
        _thread.kick(app)
    else:
        from rq import Queue

        from collab.analysis import jobs

        backend = jobs.backend()
        Queue(backend.queue_name, connection=backend.redis,
              serializer=jobs.job_serializer()).enqueue(
            run_job, job_timeout=300, result_ttl=0, failure_ttl=24 * 3600,
            description="deliver outbox")


def _after_commit(session: Session) -> None:
    if session.info.pop("kn_outbox", False):
        try:
            kick()
        except Exception:  # the mail stays in the outbox; `flask send-mail` sends it
            log.exception("could not hand the outbox to the workers")


def _after_rollback(session: Session) -> None:
    session.info.pop("kn_outbox", None)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, t: _after_rollback(s))
        _listening = True
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_digests_command)


@click.command("send-mail")
@with_appcontext
def send_mail_command() -> None:
    """Send (or retry) every due mail of the outbox now."""
    counts = deliver_due()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Queue the daily digest of every account that chose it (run once a day)."""
    from collab.notifications import services

    count = services.send_digests()
    click.echo(f"{count} Sammel-E-Mail(s) in den Postausgang gelegt.")
