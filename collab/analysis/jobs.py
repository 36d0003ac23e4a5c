"""Computing analysis reports off the request path.

A page or API call that finds no report of the region's current data version in the shared
store (:class:`collab.core.models.AnalysisReport`) calls :func:`submit`; a worker computes the
report (:func:`compute`) and stores it, once for every app process and host. Three
backends, chosen by ``ANALYSIS_QUEUE`` (see :mod:`collab.config`):

``redis``
    RQ jobs on Redis (``REDIS_URL``), run by ``flask analysis-worker`` processes on any host
    (production). The job id is derived from region, data version, what-if and language,
    and a Redis key set with NX while the job is queued or running keeps every app process
    from queueing it twice. RQ forks a work horse per job, so the memory of a national
    analysis (hundreds of MB) is returned when the job ends.
``thread``
    one worker thread in this process (``make run``: no Redis needed).
``inline``
    computed at once in the asking request, in a session of its own (tests).

Progress: a queued or running job is described by :class:`JobState` (``queued`` or
``running``, since when, and the expected duration: how long the region's last report
took), which the pages turn into a progress bar.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import socket
import threading
import time
from dataclasses import asdict, dataclass, field, fields

import click
import sqlalchemy as sa
from flask import Flask, current_app, g
from flask.cli import with_appcontext

import graphs
from collab.core.caching import redis_client
from collab.core.localtime import local_today
from collab.core.models import AnalysisReport, Region
from collab.core.records import analysis_records
from collab.extensions import db
from graphs.brokerage import warm_kernels
from graphs.report import gc_paused

log = logging.getLogger("kommunalnetz.analysis")

#: what-if reports kept per region (the baseline of each language is always kept)
WHATIF_KEEP = 40
#: seconds a queued or running job's marker lives in Redis at most (a lost job is queued
#: again after this, or after ANALYSIS_JOB_TIMEOUT when it was seen running)
MARKER_TTL = 3600


def job_serializer():
    """How jobs travel through Redis: as JSON, not pickle (RQ's default), so that whoever
    could write into Redis cannot have a worker run code of its choosing. A job's arguments
    are plain data; the function it names is one of the platform's own or the job fails
    (:class:`collab.analysis.worker_jobs.TrustedJob`, the worker's job class). (Imported
    when needed: RQ takes half a second to import.)"""
    from rq.serializers import JSONSerializer
    return JSONSerializer


@dataclass(frozen=True)
class Spec:
    """One report to compute: region, data version, what-if and language."""

    region_id: int
    data_version: int
    without: str = ""
    taktgeber: str = ""
    lang: str = "de"

    @property
    def job_id(self) -> str:
        variant = hashlib.sha256(f"{self.without}\0{self.taktgeber}\0{self.lang}".encode())
        return f"kn-report-{self.region_id}-{self.data_version}-{variant.hexdigest()[:16]}"


@dataclass(frozen=True)
class SnapshotSpec:
    """The key figures of the region's saved states that lack them (snapshots saved while
    no stored report could give them): each one's bundle analysed in every language of the
    history (:func:`collab.history.services.fill_missing`). One job per region at a time:
    ``snapshot_id`` (the snapshot that asked) does not tell two jobs apart, so saving a
    hundred snapshots queues one job, not a hundred."""

    region_id: int
    snapshot_id: int = field(compare=False)

    @property
    def job_id(self) -> str:
        return f"kn-snapshot-{self.region_id}"


def _spec(document: dict) -> Spec | SnapshotSpec:
    """A job's spec from the JSON it travelled as; a document the platform would not have
    written (unknown or missing fields, a number that is no integer >= 0, a text field that
    is no short string) raises ValueError or TypeError: the job fails."""
    kind = SnapshotSpec if "snapshot_id" in document else Spec
    spec = kind(**document)
    for part in fields(kind):
        value = getattr(spec, part.name)
        if part.type == "int":
            ok = type(value) is int and value >= 0
        else:
            ok = isinstance(value, str) and len(value) <= 200
        if not ok:
            raise ValueError(f"job document: {part.name} {str(value)[:40]!r} is invalid")
    return spec


def _run(spec: Spec | SnapshotSpec, started=None) -> None:
    """Run the job of ``spec``; ``started(snapshot_id)`` is told which snapshot a snapshot
    job analyses next (the Redis worker keeps it in the job's marker, see
    :func:`horse_killed`)."""
    if isinstance(spec, SnapshotSpec):
        from collab.history import services as history  # the history builds on the analysis

        with gc_paused():
            history.fill_missing(spec.region_id, started=started)
    else:
        compute(spec)


@dataclass
class JobState:
    """A report being computed: ``state`` is queued or running; times in Unix seconds."""

    state: str
    queued_at: float
    started_at: float | None = None
    expected_ms: int | None = None
    #: the snapshot a running snapshot job analyses (its work horse may be killed meanwhile)
    snapshot_id: int | None = None

    def progress(self, now: float | None = None) -> float | None:
        """The share done as estimated from the expected duration (at most 0.95), or None
        while queued or when nothing is known about this region's reports yet."""
        if self.state != "running" or self.started_at is None or not self.expected_ms:
            return None
        elapsed = (now or time.time()) - self.started_at
        return round(min(0.95, max(0.0, 1000 * elapsed / self.expected_ms)), 2)

    def as_dict(self) -> dict:
        now = time.time()
        return {"state": self.state, "progress": self.progress(now),
                "queued_seconds": round(now - self.queued_at, 1),
                "running_seconds": (round(now - self.started_at, 1)
                                    if self.started_at else None),
                "expected_seconds": (round(self.expected_ms / 1000, 1)
                                     if self.expected_ms else None)}


# --- computing and storing --------------------------------------------------------------------


def compute(spec: Spec) -> AnalysisReport | None:
    """Compute the report of ``spec``'s region from its *current* data and store it (needs
    an app context; uses and ends the context's session). Returns the stored row, or None
    when the region is gone. A report already stored for that version is not computed again.
    A failing analysis is stored as ``failed`` with its error, so pages can say so."""
    session = db.session
    if db.engine.dialect.name == "postgresql":  # data version and records from one snapshot
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    region = session.get(Region, spec.region_id)
    if region is None:
        session.rollback()
        return None
    version = region.data_version or 0
    key = {"region_id": region.id, "without": spec.without, "taktgeber": spec.taktgeber,
           "lang": spec.lang}
    found = session.scalar(sa.select(AnalysisReport).filter_by(**key, data_version=version))
    if found is not None:
        session.rollback()
        return found
    started = time.perf_counter()
    status, document, error = "done", "", ""
    try:
        with gc_paused():
            report = graphs.analyse(analysis_records(region), without=spec.without or None,
                                    taktgeber=spec.taktgeber or None, lang=spec.lang,
                                    today=local_today())
        document = json.dumps(report, ensure_ascii=False, separators=(",", ":"))
    except Exception as exc:  # stored and logged: the page says the analysis failed
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        log.exception("analysis failed", extra={"region": region.slug, **key})
    duration = round(1000 * (time.perf_counter() - started))
    slug = region.slug
    session.rollback()  # end the read snapshot before writing
    row = AnalysisReport(**key, data_version=version, status=status, document=document,
                         error=error, duration_ms=duration)
    session.add(row)
    try:
        session.commit()
    except sa.exc.IntegrityError:  # another worker stored the same report meanwhile
        session.rollback()
        return session.scalar(sa.select(AnalysisReport).filter_by(**key, data_version=version))
    log.info("report stored", extra={"region": slug, "data_version": version,
                                     "without": spec.without, "taktgeber": spec.taktgeber,
                                     "lang": spec.lang, "status": status,
                                     "duration_ms": duration})
    if status == "done":
        _prune(row)
    return row


def _prune(row: AnalysisReport) -> None:
    """Drop reports superseded by ``row`` (same region, what-if and language, older data
    version), and what-if reports of the region beyond the newest ``WHATIF_KEEP``."""
    session = db.session
    session.execute(sa.delete(AnalysisReport).where(
        AnalysisReport.region_id == row.region_id, AnalysisReport.without == row.without,
        AnalysisReport.taktgeber == row.taktgeber, AnalysisReport.lang == row.lang,
        AnalysisReport.data_version < row.data_version))
    whatif = sa.or_(AnalysisReport.without != "", AnalysisReport.taktgeber != "")
    keep = sa.select(AnalysisReport.id).where(
        AnalysisReport.region_id == row.region_id, whatif).order_by(
        AnalysisReport.id.desc()).limit(WHATIF_KEEP)
    session.execute(sa.delete(AnalysisReport).where(
        AnalysisReport.region_id == row.region_id, whatif,
        AnalysisReport.id.not_in(keep.scalar_subquery())).execution_options(
        synchronize_session=False))
    session.commit()


def expected_ms(region_id: int) -> int | None:
    """How long the region's most recent report took (the estimate for the next one)."""
    return db.session.scalar(sa.select(AnalysisReport.duration_ms).where(
        AnalysisReport.region_id == region_id, AnalysisReport.status == "done").order_by(
        AnalysisReport.id.desc()).limit(1))


# --- backends ---------------------------------------------------------------------------------


class Inline:
    """Compute at once, in a nested app context (a session of its own): tests."""

    name = "inline"

    def submit(self, spec: Spec | SnapshotSpec,
               expected: int | None = None) -> JobState | None:
        with current_app.app_context():
            g.worker_job = True  # the worker's write, done here at once (not the request's)
            _run(spec)
            db.session.remove()
        return None

    def state(self, spec: Spec) -> JobState | None:
        return None

    def health(self) -> dict:
        return {"backend": self.name}


class ThreadQueue:
    """One worker thread in this process, started with the first job (``make run``)."""

    name = "thread"

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Flask, Spec | SnapshotSpec]] = queue.Queue()
        self.states: dict[Spec | SnapshotSpec, JobState] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def submit(self, spec: Spec | SnapshotSpec, expected: int | None = None) -> JobState:
        app = current_app._get_current_object()
        with self.lock:
            if spec in self.states:
                return self.states[spec]
            state = self.states[spec] = JobState(
                "queued", time.time(),
                expected_ms=expected if expected is not None else expected_ms(spec.region_id))
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._work, name="analysis-worker",
                                               daemon=True)
                self.thread.start()
        self.jobs.put((app, spec))
        return state

    def _work(self) -> None:
        while True:
            app, spec = self.jobs.get()
            with self.lock:
                if spec in self.states:
                    self.states[spec].state = "running"
                    self.states[spec].started_at = time.time()
            try:
                with app.app_context():
                    _run(spec)
                    db.session.remove()
            except Exception:  # keep the thread alive for the next job
                log.exception("analysis job failed")
            finally:
                with self.lock:
                    self.states.pop(spec, None)

    def state(self, spec: Spec | SnapshotSpec) -> JobState | None:
        with self.lock:
            return self.states.get(spec)

    def health(self) -> dict:
        return {"backend": self.name, "queued": self.jobs.qsize(),
                "thread_alive": bool(self.thread and self.thread.is_alive())}


class RedisQueue:
    """RQ jobs on Redis, run by ``flask analysis-worker`` processes (production)."""

    name = "redis"

    def __init__(self, url: str, queue_name: str, timeout: int) -> None:
        self.url, self.queue_name, self.timeout = url, queue_name, timeout

    @property
    def redis(self):
        return redis_client(self.url)

    def _queue(self):
        from rq import Queue
        return Queue(self.queue_name, connection=self.redis, serializer=job_serializer())

    @staticmethod
    def marker(spec: Spec | SnapshotSpec) -> str:
        return f"kommunalnetz:job:{spec.job_id}"

    def submit(self, spec: Spec | SnapshotSpec, expected: int | None = None) -> JobState:
        state = JobState("queued", time.time(), expected_ms=expected
                         if expected is not None else expected_ms(spec.region_id))
        if self.redis.set(self.marker(spec), json.dumps(asdict(state)), nx=True,
                          ex=MARKER_TTL):
            self._queue().enqueue(
                run_job, asdict(spec), job_id=spec.job_id, job_timeout=self.timeout,
                result_ttl=0, failure_ttl=24 * 3600,
                description=(f"snapshot {spec.snapshot_id} region={spec.region_id}"
                             if isinstance(spec, SnapshotSpec) else
                             f"report region={spec.region_id} v{spec.data_version}"))
            return state
        return self.state(spec) or state

    def state(self, spec: Spec | SnapshotSpec) -> JobState | None:
        raw = self.redis.get(self.marker(spec))
        if raw is None:
            return None
        state = JobState(**json.loads(raw))
        if state.state == "running" and state.started_at and \
                time.time() - state.started_at > self.timeout + 60:
            self.redis.delete(self.marker(spec))  # its worker died: queue it again
            return None
        return state

    def health(self) -> dict:
        from rq import Worker
        self.redis.ping()
        q = self._queue()
        workers = Worker.count(connection=self.redis, queue=q)
        result = {"backend": self.name, "queued": q.count, "workers": workers}
        if not workers:
            raise RuntimeError(f"no analysis worker listens on queue {self.queue_name}")
        return result


def run_job(spec: dict) -> None:
    """The RQ job: compute and store one report (or a snapshot's key figures), keeping the
    Redis marker up to date."""
    spec = _spec(spec)
    app = _worker_app or _make_worker_app()
    with app.app_context():
        db.engine.dispose(close=False)  # a forked work horse opens connections of its own
        backend = app.extensions["kommunalnetz_jobs"]
        marker = RedisQueue.marker(spec)
        raw = backend.redis.get(marker)
        state = JobState(**json.loads(raw)) if raw else JobState("queued", time.time())
        state.state, state.started_at = "running", time.time()
        backend.redis.set(marker, json.dumps(asdict(state)), ex=MARKER_TTL)

        def started(snapshot_id: int) -> None:
            state.snapshot_id = snapshot_id
            backend.redis.set(marker, json.dumps(asdict(state)), ex=MARKER_TTL)

        try:
            _run(spec, started)
        finally:
            backend.redis.delete(marker)
            db.session.remove()


def horse_killed(job, pid: int, status: int, rusage) -> None:
    """RQ's ``work_horse_killed_handler``, run by the worker itself when a work horse ended
    without finishing its job (killed from outside: out of memory, ``kill -9``), so that
    neither its ``except`` nor its ``finally`` ran: a report is stored as failed (the page
    says so instead of "wird neu berechnet" until the marker expires, then queueing the same
    job again), a snapshot's failed analysis is recorded (tried again after its back-off),
    and the job's marker is dropped. Never raises (the worker goes on with the next job)."""
    try:
        spec = _spec(job.args[0])
    except Exception:  # not one of ours (TrustedJob refuses those anyway)
        return
    how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit status {os.waitstatus_to_exitcode(status)}")
    app = _worker_app or _make_worker_app()
    with app.app_context():
        backend = app.extensions["kommunalnetz_jobs"]
        marker = RedisQueue.marker(spec)
        try:
            raw = backend.redis.get(marker)
            state = JobState(**json.loads(raw)) if raw else None
            log.error("analysis process killed", extra={"region_id": spec.region_id,
                                                        "job": spec.job_id, "how": how,
                                                        "pid": pid})
            if isinstance(spec, SnapshotSpec):
                from collab.history import services as history

                if state is not None and state.snapshot_id is not None:
                    history.record_failure(state.snapshot_id)
            else:
                _store_killed(spec, f"work horse killed ({how}), e.g. out of memory")
        except Exception:
            log.exception("recording a killed analysis failed", extra={"job": spec.job_id})
        finally:
            try:
                backend.redis.delete(marker)
            finally:
                db.session.remove()
                db.engine.dispose()  # no connection is shared with the next work horse


def _store_killed(spec: Spec, error: str) -> None:
    """Store the report of ``spec`` (its data version) as failed with ``error``, unless
    one is stored already."""
    region = db.session.get(Region, spec.region_id)
    if region is None:
        return
    db.session.add(AnalysisReport(region_id=region.id, without=spec.without,
                                  taktgeber=spec.taktgeber, lang=spec.lang,
                                  data_version=spec.data_version, status="failed",
                                  document="", error=error, duration_ms=0))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # stored meanwhile (the horse got that far, or another)
        db.session.rollback()


_worker_app: Flask | None = None


def _make_worker_app() -> Flask:
    global _worker_app
    from collab import create_app
    _worker_app = create_app()
    return _worker_app


# --- wiring -----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    kind = app.config["ANALYSIS_QUEUE"]
    if kind == "redis":
        backend = RedisQueue(app.config["REDIS_URL"], app.config["ANALYSIS_QUEUE_NAME"],
                             int(app.config["ANALYSIS_JOB_TIMEOUT"]))
    elif kind == "thread":
        backend = ThreadQueue()
    else:
        backend = Inline()
    app.extensions["kommunalnetz_jobs"] = backend
    app.cli.add_command(worker_command)


def backend():
    return current_app.extensions["kommunalnetz_jobs"]


def submit(spec: Spec | SnapshotSpec, expected: int | None = None) -> JobState | None:
    """Queue the report (or snapshot figures) of ``spec`` unless it is queued or running;
    ``expected``: how long it will take in ms, when the caller knows (else the region's
    most recent report's)."""
    return backend().submit(spec, expected)


def state(spec: Spec | SnapshotSpec) -> JobState | None:
    return backend().state(spec)


def health() -> dict:
    return backend().health()


def lower_priority(nice: int) -> int:
    """Lower this process' CPU priority by ``nice`` (its work horses inherit it), so that a
    national analysis, seconds of CPU after every burst of edits, does not slow the pages of
    web workers on the same host. Returns the niceness now."""
    nice = max(0, min(19, int(nice)))
    current = os.nice(0)
    return os.nice(nice - current) if nice > current else current


@click.command("analysis-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Compute analysis reports from the Redis queue (production; runs until stopped)."""
    from rq import Worker

    from collab.analysis.worker_jobs import TrustedJob

    global _worker_app
    app = current_app._get_current_object()
    queue_backend = app.extensions["kommunalnetz_jobs"]
    if not isinstance(queue_backend, RedisQueue):
        raise click.ClickException("analysis-worker needs REDIS_URL (the Redis queue)")
    _worker_app = app
    lower_priority(app.config.get("ANALYSIS_NICE") or 0)
    db.session.remove()
    db.engine.dispose()  # no connection is shared with the forked work horses
    # the compiled kernels (numba) are loaded once here, before the work horses are forked:
    # each forked analysis inherits them instead of paying about 0.5 s CPU to load them
    compiled = warm_kernels()
    name = f"kn-{socket.gethostname()}-{os.getpid()}"
    # TrustedJob: a job written into Redis by anyone else (a function of its choosing) fails
    worker = Worker([queue_backend._queue()], connection=queue_backend.redis, name=name,
                    serializer=job_serializer(), job_class=TrustedJob,
                    work_horse_killed_handler=horse_killed)
    log.info("analysis worker started", extra={"worker": name,
                                               "queue": queue_backend.queue_name,
                                               "compiled_kernels": compiled})
    worker.work(burst=burst, with_scheduler=False,
                logging_level=app.config.get("LOG_LEVEL", "INFO"))
