"""History of a region: snapshots, comparison over time, undo and restore.

Snapshots keep the region's bundle (with contacts) and key figures of the analysis of that
moment. Undo and restore apply bundles through :func:`collab.bundles.services.import_bundle`
(validation, the rules' integrity checks, logging, one commit); what an entry replaced comes
from its ``before`` (:func:`collab.core.store.change`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

import graphs
from collab.activity import summaries
from collab.core import permissions as perm
from collab.core import store, validation, vocab
from collab.core.localtime import local_time, local_today, to_local
from collab.core.models import (
    Activity,
    Actor,
    AnalysisReport,
    Municipality,
    NodePosition,
    Region,
    Snapshot,
    User,
    utcnow,
)
from collab.core.records import network_records
from collab.core.validation import Problem, ValidationError
from collab.extensions import db

log = logging.getLogger("kommunalnetz.history")

#: an entry of the activity log can be undone this long
UNDO_DAYS = 30
#: how many Taktgeber candidates a snapshot keeps
RANKING_KEEP = 10
SECTIONS = ("municipalities", "actors", "initiatives", "ties", "formats")


# --- snapshots --------------------------------------------------------------------------------


#: the languages a snapshot keeps its gap sentences in (the comparison shows the reader's)
LANGUAGES = ("de", "en")


def strongest_brokerage(ranking: list[dict]) -> float | None:
    """The share of the shortest paths between member municipalities that runs through the
    strongest broker among the Taktgeber candidates (their raw ``path_share``, 0..1; the
    analysis page's "liegt auf … der kürzesten Wege"), None without candidates. An absolute
    figure, so two states compare; the brokerage part itself is relative to the best one."""
    shares = [r["raw"]["path_share"] for r in ranking
              if isinstance(r.get("raw", {}).get("path_share"), int | float)]
    return max(shares, default=None)


def summarise(bundle: dict, languages: tuple[str, ...] = LANGUAGES,
              today: dt.date | None = None) -> dict[str, Any]:
    """Key figures of the analysis of ``bundle``, analysed here once per language (see
    :func:`summary_of`; the snapshot job, tests) as of ``today`` (the platform's local
    day in the job; the machine's without one)."""
    return summary_of({lang: graphs.analyse(bundle, lang=lang, today=today)
                       for lang in languages})


def summary_of(reports: dict[str, dict]) -> dict[str, Any]:
    """Key figures of one state from its analysis reports (language -> report, the first
    the main one; the others add their gap sentences): counts, density, reach, brokerage
    (see :func:`strongest_brokerage`), the Taktgeber ranking (first :data:`RANKING_KEEP`)
    and the gaps (kind, keys, severity, and their sentence in each language: ``messages``;
    ``message`` the first)."""
    languages = list(reports)
    report = reports[languages[0]]
    others = {lang: {(g["kind"], tuple(g["keys"])): g.get("message", "")
                     for g in reports[lang]["gaps"]}
              for lang in languages[1:]}
    facts = report["summary"]
    ranking = report["taktgeber"]
    return {
        "figures": {
            "municipalities": facts.get("municipalities", 0),
            "actors": facts.get("actors", 0), "initiatives": facts.get("initiatives", 0),
            "ties": facts.get("ties", 0), "density": facts.get("density", 0.0),
            "reach": facts.get("main_component_share", 0.0),
            "brokerage": strongest_brokerage(ranking),
            "gaps": len(report["gaps"])},
        "taktgeber": [{"key": r["key"], "name": r["name"], "score": r["score"]}
                      for r in ranking[:RANKING_KEEP]],
        "gaps": [{"kind": g["kind"], "keys": list(g["keys"]), "severity": g.get("severity"),
                  "message": g.get("message", ""),
                  "messages": {languages[0]: g.get("message", ""), **{
                      lang: found.get((g["kind"], tuple(g["keys"])), "")
                      for lang, found in others.items()}}}
                 for g in report["gaps"]],
    }


def stored_summary(region: Region) -> dict[str, Any] | None:
    """The key figures of the region's current data from the reports the analysis workers
    stored for it (:class:`collab.core.models.AnalysisReport`, every language of
    :data:`LANGUAGES`), or None while one of them is missing: a snapshot saved now then gets
    its figures from a job (:func:`fill_summary`) instead of analysing in the request."""
    version = region.data_version
    if not isinstance(version, int) or region.id is None:  # bumped in this change: unknown
        return None
    rows = dict(db.session.execute(
        sa.select(AnalysisReport.lang, AnalysisReport.document).where(
            AnalysisReport.region_id == region.id, AnalysisReport.data_version == version,
            AnalysisReport.without == "", AnalysisReport.taktgeber == "",
            AnalysisReport.status == "done", AnalysisReport.lang.in_(LANGUAGES))).all())
    if set(rows) != set(LANGUAGES):
        return None
    return summary_of({lang: json.loads(rows[lang]) for lang in LANGUAGES})


def fill_summary(snapshot_id: int, known: dict[str, dict] | None = None) -> Snapshot | None:
    """Analyse a snapshot saved without its key figures and store them (``flask snapshot``,
    and :func:`fill_missing`; needs an app context and commits). Returns the snapshot, None
    when it was deleted meanwhile. ``known``: figures by bundle digest, of bundles analysed
    before (a snapshot of the same data is not analysed again); this one's is added."""
    snap = db.session.get(Snapshot, snapshot_id)
    if snap is None or snap.summary is not None:
        db.session.rollback()
        return snap
    bundle = snap.bundle
    db.session.rollback()  # no transaction is held open while analysing
    content = hashlib.sha256(json.dumps(bundle, sort_keys=True, ensure_ascii=False,
                                        separators=(",", ":")).encode()).hexdigest()
    summary = (known or {}).get(content) or summarise(bundle, today=local_today())
    if known is not None:
        known[content] = summary
    updated = db.session.execute(
        sa.update(Snapshot).where(Snapshot.id == snapshot_id, Snapshot.summary.is_(None))
        .values(summary=summary, summary_attempts=0, summary_failed_at=None)).rowcount
    db.session.commit()
    return db.session.get(Snapshot, snapshot_id) if updated else None


#: how long the snapshot job waits before it tries a snapshot again whose analysis failed,
#: after the first, second, third failure; after one more it gives up (the snapshot keeps
#: no figures, and the pages say so): a snapshot that fails every time (a bundle the
#: analysis cannot read) is no longer queued again at every look at the page
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))
#: failed analyses of one snapshot after which the job gives up
MAX_ATTEMPTS = len(BACKOFF) + 1


def retry_at(attempts: int, failed_at: dt.datetime | None) -> dt.datetime | None:
    """When a snapshot whose analysis failed ``attempts`` times, the last at ``failed_at``
    (UTC), may be tried again: ``failed_at`` plus its :data:`BACKOFF`; None after
    :data:`MAX_ATTEMPTS` (given up). A snapshot that never failed may be tried at once
    (the minimum datetime)."""
    if not attempts or failed_at is None:
        return dt.datetime.min
    if attempts >= MAX_ATTEMPTS:
        return None
    return failed_at + BACKOFF[min(attempts, len(BACKOFF)) - 1]


def due(snap: Snapshot, now: dt.datetime | None = None) -> bool:
    """Whether the snapshot job should analyse ``snap`` now: it has no figures, and no
    failed analysis of it is within its back-off (:func:`retry_at`) or beyond the last."""
    if snap.summary is not None:
        return False
    at = retry_at(snap.summary_attempts or 0, snap.summary_failed_at)
    return at is not None and at <= (now or utcnow())


def summary_state(snap: Snapshot, now: dt.datetime | None = None) -> str:
    """``ready`` (it has its figures), ``pending`` (being computed, or to be tried again
    now) or ``failed`` (its analysis failed, and it is not tried again before its back-off
    has passed, or no more: :func:`retry_at`)."""
    if snap.summary is not None:
        return "ready"
    return "pending" if not snap.summary_attempts or due(snap, now) else "failed"


def failure_text(snaps: list[Snapshot]) -> str:
    """What the pages say about ``snaps`` whose figures could not be computed: when the
    platform tries again (the earliest), and that it gave up (on any)."""
    times = [retry_at(s.summary_attempts, s.summary_failed_at) for s in snaps]
    waiting = [t for t in times if t is not None]
    texts = []
    if waiting:
        texts.append(_("Die Plattform versucht es ab %(t)s erneut, wenn Sie die Seite dann "
                       "wieder aufrufen.", t=local_time(min(waiting))))
    if len(waiting) < len(times):  # given up on some
        texts.append(_("Die Plattform hat es mehrmals vergeblich versucht. Bitte wenden Sie "
                       "sich an den Betrieb der Plattform, oder löschen Sie den Stand."))
    return " ".join(texts)


def record_failure(snapshot_id: int) -> None:
    """Count a failed analysis of the snapshot and note when it ended (its back-off starts
    then: :func:`retry_at`); commits."""
    db.session.rollback()
    db.session.execute(
        sa.update(Snapshot).where(Snapshot.id == snapshot_id, Snapshot.summary.is_(None))
        .values(summary_attempts=Snapshot.summary_attempts + 1, summary_failed_at=utcnow()))
    db.session.commit()


def fill_missing(region_id: int, started=None) -> None:
    """The snapshot job of :mod:`collab.analysis.jobs` (one per region at a time): analyse
    the region's snapshots still without key figures that are due (:func:`due`), oldest
    first, each once, also those saved while it runs, and store their figures; snapshots
    of the same data (the same bundle) are analysed once. A failing analysis is logged and
    recorded on its snapshot (:func:`record_failure`): it is tried again after its
    back-off, and given up after :data:`MAX_ATTEMPTS`. ``started(snapshot_id)``, when
    given, is told each snapshot before its analysis (a killed analysis process is recorded
    on it: :func:`collab.analysis.jobs.horse_killed`)."""
    known: dict[str, dict] = {}
    tried: list[int] = []
    while True:
        query = (sa.select(Snapshot).where(Snapshot.region_id == region_id,
                                           Snapshot.summary.is_(None))
                 .options(sa.orm.defer(Snapshot.bundle)).order_by(Snapshot.id))
        if tried:
            query = query.where(Snapshot.id.not_in(tried))
        now = utcnow()
        snapshot_id = next((s.id for s in db.session.scalars(query) if due(s, now)), None)
        db.session.rollback()
        if snapshot_id is None:
            return
        tried.append(snapshot_id)
        if started is not None:
            started(snapshot_id)
        try:
            fill_summary(snapshot_id, known)
        except Exception:  # the others are still filled; this one after its back-off
            db.session.rollback()
            log.exception("snapshot figures failed", extra={"snapshot": snapshot_id})
            record_failure(snapshot_id)


def queue_missing(region: Region, snaps: list[Snapshot]) -> list[Snapshot]:
    """Queue the key figures of those ``snaps`` saved without them that are due
    (:func:`due`: not within the back-off of a failed analysis, nor given up; one job for
    all the region's, :func:`fill_missing`, unless it is queued or running already);
    returns those still without figures, failed ones included (with the ``inline`` backend
    of the tests, only failed ones: the others are computed at once)."""
    from collab.analysis import jobs

    missing = [s for s in snaps if s.summary is None]
    now = utcnow()
    ready = [s for s in missing if due(s, now)]
    if not ready:
        return missing
    expected = jobs.expected_ms(region.id)
    jobs.submit(jobs.SnapshotSpec(region.id, ready[0].id),
                expected * len(LANGUAGES) * len(ready) if expected else None)
    for snap in missing:  # filled (or failed) meanwhile: inline backend, or a fast worker
        db.session.refresh(snap, ["summary", "summary_attempts", "summary_failed_at"])
    return [s for s in missing if s.summary is None]


def today_figures(region: Region, lang: str):
    """The key figures of the region's current data in ``lang`` from the stored analysis
    report (never analysed here: :func:`collab.analysis.reports.latest` queues a missing
    report) -> ``(summary or None while none is stored, latest)``; ``latest.state`` tells
    whether the figures are current (``ready``) or of older data (``stale``)."""
    from collab.analysis import reports

    latest = reports.latest(region, lang=lang)
    summary = summary_of({lang: latest.report}) if latest.report is not None else None
    return summary, latest


def figures_status(region: Region, snaps: list[Snapshot], today: Any = None) -> dict:
    """Where the key figures of ``snaps`` (and of today, ``today`` being the
    :class:`collab.analysis.reports.Latest` shown) stand, for the pages' polling:
    ``state`` is ``ready`` when every one is there and current, ``stale`` when today's are
    of older data, ``failed`` when those still missing could not be computed (the
    snapshots' listed in ``failed``, ``detail`` says when they are tried again; or today's
    analysis failed), else ``pending``; ``progress`` and the job's times as the analysis
    status has them."""
    from collab.analysis import jobs

    missing = queue_missing(region, snaps)
    now = utcnow()
    failed = [s for s in missing if summary_state(s, now) == "failed"]
    pending = [s for s in missing if s not in failed]
    state = "pending" if pending else "failed" if failed else "ready"
    job = None
    if today is not None and today.state != "ready":
        state = "pending" if today.state == "pending" or pending else today.state
        job = today.job
    if pending:  # one job fills all the region's
        job = job or jobs.state(jobs.SnapshotSpec(region.id, pending[0].id))
    doc = {"state": state, "progress": None, "pending": [s.id for s in pending],
           "failed": [s.id for s in failed]}
    if job is not None:
        doc.update(job.as_dict())
        doc["state"], doc["job"] = state, job.state
    today_failed = today is not None and today.state == "failed"
    doc["state_text"] = {
        "ready": _("Die Kennzahlen sind aktuell."),
        "stale": _("wird neu berechnet"),
        "failed": (_("Die Analyse der aktuellen Daten ist fehlgeschlagen.") if today_failed
                   else _("Die Kennzahlen konnten nicht berechnet werden.")),
        "pending": _("Die Kennzahlen werden berechnet."),
    }[state]
    if state == "failed":
        doc["detail"] = (_("Bitte wenden Sie sich an den Betrieb der Plattform.")
                         if today_failed else failure_text(failed))
    return doc


def gap_text(gap: dict, lang: str) -> str:
    """A stored gap's sentence in ``lang`` (snapshots saved before both languages were kept
    have the German one only; the kind when there is none)."""
    return (gap.get("messages") or {}).get(lang) or gap.get("message") or gap["kind"]


def current_bundle(region: Region) -> dict[str, Any]:
    from collab.bundles import services as bundles

    return bundles.export_bundle(region, contact=True)


def _snapshot(region: Region, user: User | None, name: str, date: dt.date, kind: str,
              bundle: dict) -> Snapshot:
    snap = Snapshot(region_id=region.id, name=name, date=date, kind=kind, bundle=bundle,
                    summary=stored_summary(region), created_at=utcnow(),
                    created_by_id=user.id if user is not None and user.is_authenticated
                    else None)
    db.session.add(snap)
    return snap


def save_automatic(region: Region, user: User | None, kind: str, bundle: dict,
                   spare: int | None = None) -> Snapshot:
    """The snapshot an import, restore or undo saves before it changes anything (inside the
    change's :func:`store.change`, under the region's lock: it is kept exactly when the
    change is). It counts towards :func:`snapshot_limit`: once the region holds that many,
    it replaces the oldest automatic snapshot (:func:`_replace_oldest_automatic`; never
    ``spare``, the snapshot a restore goes back to), so imports in turn cannot grow the
    history without bound. It is never refused: the history never holds up an import or a
    restore, nor takes its way back."""
    _replace_oldest_automatic(region, user, spare)
    names = {"import": _("Vor dem Import"), "restore": _("Vor der Wiederherstellung")}
    stamp = utcnow()
    return _snapshot(region, user, f"{names.get(kind, kind)} {stamp:%Y-%m-%d %H:%M} UTC",
                     to_local(stamp).date(), kind, bundle)


def _replace_oldest_automatic(region: Region, user: User | None, spare: int | None) -> None:
    """Make room for an automatic snapshot when the region holds :func:`snapshot_limit`
    snapshots: delete the oldest one saved automatically (any kind but ``manual``; never
    ``spare``), logged as a deletion (``snapshot.delete`` by ``user``, ``replaced``) in the
    change it runs in. Called under the region's lock (the import's)."""
    limit = snapshot_limit()
    if snapshot_count(region) < limit:
        return
    query = (sa.select(Snapshot.id, Snapshot.name)
             .where(Snapshot.region_id == region.id, Snapshot.kind != "manual")
             .order_by(Snapshot.created_at, Snapshot.id).limit(1))
    if spare is not None:
        query = query.where(Snapshot.id != spare)
    oldest = db.session.execute(query).first()
    if oldest is None:
        # Only manual snapshots (and the one a restore goes back to): the new one is saved
        # beyond the limit all the same, as before. An import or a restore is never refused
        # for the history's sake, and the snapshots a coordinator saved by hand are theirs to
        # delete; the list of snapshots asks to make room.
        return
    deleted = db.session.execute(sa.delete(Snapshot).where(Snapshot.id == oldest.id)).rowcount
    if not deleted:  # deleted by hand meanwhile: that made the room
        return
    with store.change(region, user, "snapshot.delete", str(oldest.id), oldest.name, data=False,
                      params={"name": oldest.name, "replaced": True, "limit": limit}):
        pass


def clean_snapshot_input(raw: Any) -> tuple[str, dt.date]:
    problems = []
    if not isinstance(raw, dict):
        raise ValidationError([Problem("$", _("Ein JSON-Objekt {\"name\", \"date\"} erwartet."))])
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 120:
        problems.append(Problem("name", _("Name: erforderlich, höchstens 120 Zeichen.")))
    date = raw.get("date") or None
    if date is None:
        day = local_today()
    else:
        try:
            day = validation.date(date) if isinstance(date, str) else None
            if day is None:
                problems.append(Problem("date", _("Datum: im Format JJJJ-MM-TT erwartet.")))
        except validation.Invalid as exc:  # not a date, or a year the platform does not know
            problems.append(Problem("date", _("Datum: %(m)s", m=str(exc))))
    store.raise_if(problems)
    return name.strip(), day


def snapshot_limit() -> int:
    """How many snapshots a region keeps at most (``SNAPSHOT_LIMIT``, README "Operations"):
    each holds the region's whole bundle."""
    from flask import current_app

    return int(current_app.config["SNAPSHOT_LIMIT"])


def snapshot_count(region: Region) -> int:
    return db.session.scalar(sa.select(sa.func.count(Snapshot.id))
                             .where(Snapshot.region_id == region.id)) or 0


def limit_text(limit: int) -> str:
    """What a coordinator is told when the region holds :func:`snapshot_limit` snapshots."""
    return _("Für diese Region sind bereits %(n)d Stände gespeichert, mehr sind nicht "
             "möglich. Bitte löschen Sie zuerst Stände, die Sie nicht mehr brauchen (in der "
             "Liste der Stände: „löschen …“), und speichern Sie dann erneut.", n=limit)


def save_snapshot(region: Region, raw: Any, user: User | None) -> Snapshot:
    """A coordinator saves the region's state under a name and date; refused (409) when
    the region holds :func:`snapshot_limit` snapshots already. (The snapshots the platform
    saves before an import or a restore are counted, but never refused: see
    :func:`save_automatic`.)"""
    store.require(perm.can_manage_snapshots(user, region))
    name, day = clean_snapshot_input(raw)
    with store.change(region, user, "snapshot.create", name, name, data=False,
                      params={"name": name}):
        store.lock(region)  # two saves at once: the second counts the first
        limit = snapshot_limit()
        if snapshot_count(region) >= limit:
            raise store.Conflict(limit_text(limit))
        snap = _snapshot(region, user, name, day, "manual", current_bundle(region))
    queue_missing(region, [snap])  # saved: the worker can read it now
    return snap


def delete_snapshot(region: Region, snap: Snapshot, user: User | None) -> None:
    store.require(perm.can_manage_snapshots(user, region))
    with store.change(region, user, "snapshot.delete", str(snap.id), snap.name, data=False,
                      params={"name": snap.name}):
        store.claim(snap)  # deleted in parallel: once, the others get 404
        db.session.delete(snap)


def get_snapshot(region: Region, snapshot_id: int) -> Snapshot:
    snap = db.session.get(Snapshot, snapshot_id)
    if snap is None or snap.region_id != region.id:
        from flask import abort

        abort(404)
    return snap


def snapshots(region: Region) -> list[Snapshot]:
    """The region's snapshots, oldest first, without their bundles (read when one is used:
    a national bundle is about 14 MB of JSON, and the list, the status poll and the
    comparison's choices need only names, dates and figures)."""
    return list(db.session.scalars(sa.select(Snapshot).filter_by(region_id=region.id)
                                   .options(sa.orm.defer(Snapshot.bundle))
                                   .order_by(Snapshot.date, Snapshot.id)))


# --- restore ----------------------------------------------------------------------------------


def _decided(rule: dict) -> bool:
    return rule["status"] != "draft" or bool(rule["votes"])


def restore_document(region: Region, snap: Snapshot) -> tuple[dict, list[str]]:
    """The bundle a restore applies: the snapshot's, except the rules: a rule with a ballot,
    a result or votes stays as the platform holds it (no restore forges or erases a vote);
    drafts follow the snapshot. Returns the document and the keys of the rules kept."""
    doc = copy.deepcopy(snap.bundle)
    held = {r["key"]: r for r in current_bundle(region)["rules"]}
    old = {r["key"]: r for r in doc.get("rules", [])}
    rules, kept = [], []
    for key in sorted(held.keys() | old.keys()):
        now, then = held.get(key), old.get(key)
        if now is not None and _decided(now):
            rules.append(now)
            if now != then:
                kept.append(key)
        elif then is not None and not _decided(then):
            rules.append(then)
        elif then is not None:  # decided then, no longer held: cannot be forged back
            kept.append(key)
    doc["rules"] = rules
    return doc, kept


def restore_preview(region: Region, snap: Snapshot) -> dict[str, Any]:
    doc, kept = restore_document(region, snap)
    return {"changes": store.record_diff(network_records(region, contact=True), doc),
            "rules_kept": kept}


def restore(region: Region, snap: Snapshot, user: User | None) -> dict[str, Any]:
    """Make the region equal to the snapshot (the current state is snapshotted first)."""
    from collab.bundles import services as bundles

    store.require(perm.can_manage_snapshots(user, region))
    doc, kept = restore_document(region, snap)
    result = bundles.import_bundle(doc, user, slug=region.slug, action="snapshot.restore",
                                   permitted=True, snapshot="restore", spare=snap.id,
                                   log={"target": str(snap.id), "params": {
                                       "name": snap.name, "rules_kept": kept}})
    result["rules_kept"] = kept
    return result


# --- undo -------------------------------------------------------------------------------------


def undo_problem(activity: Activity, user: User | None = None,
                 region: Region | None = None, preview: dict | None = None,
                 names: summaries.Names | None = None) -> str | None:
    """Why the entry cannot be undone (None when it can); with ``user`` and ``region`` also
    when the undo would change records that account may not edit (:func:`perm.undo_beyond`;
    ``preview``: :func:`undo_preview`, and ``names``: :func:`summaries.names_in` of its
    changes, when the caller has them already)."""
    if not activity.before:
        return _("Dieser Eintrag lässt sich nicht rückgängig machen.")
    if activity.at < utcnow() - dt.timedelta(days=UNDO_DAYS):
        return _("Älter als %(n)d Tage: nicht mehr rückgängig zu machen.", n=UNDO_DAYS)
    if db.session.scalar(sa.select(Activity.id).filter_by(undo_of=activity.id)) is not None:
        return _("Bereits rückgängig gemacht.")
    if region is not None:
        return _beyond_problem(region, _beyond(region, activity, user, preview), names)
    return None


def _beyond_problem(region: Region, beyond: dict[str, dict],
                    names: summaries.Names | None = None) -> str | None:
    """What the member is told about the records ``beyond`` its rights: each by its name
    (a tie by its ends' names), as the pages name them."""
    if not beyond:
        return None
    if names is None:
        names = summaries.names_in(region, beyond.items())
    return _("Das Rückgängigmachen würde auch Einträge ändern, die Sie nicht "
             "bearbeiten dürfen: %(k)s. Bitte wenden Sie sich an die Koordination.",
             k=summaries.records_text(beyond, names))


def _beyond(region: Region, activity: Activity, user: User | None,
            preview: dict | None = None) -> dict[str, dict]:
    """The records the undo would change that ``user`` may not edit, as the preview's
    changes hold them (section -> key -> [now, after the undo])."""
    if perm.can_manage_region(user, region) or "positions" in (activity.before or {}):
        return {}
    changes = (preview or undo_preview(region, activity))["changes"]
    home: dict[str, str | None] = dict(db.session.execute(
        sa.select(Actor.key, Municipality.key)
        .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
        .where(Actor.region_id == region.id)).all())
    for now, old in (changes.get("actors") or {}).values():
        for record in (now, old):
            if record is not None:
                home.setdefault(record["key"], record.get("municipality"))
    beyond: dict[str, dict] = {}
    for section, key in perm.undo_beyond(user, region, changes, home):
        beyond.setdefault(section, {})[key] = changes[section][key]
    return beyond


def _positions(region: Region, keys: list[str]) -> dict[str, list[float] | None]:
    rows = {p.node_key: p for p in db.session.scalars(sa.select(NodePosition).where(
        NodePosition.region_id == region.id, NodePosition.node_key.in_(keys)))}
    return {k: [rows[k].x, rows[k].y] if k in rows else None for k in keys}


def undo_preview(region: Region, activity: Activity) -> dict[str, Any]:
    """What returns: per record ``[now, after the undo]``; ``changed_since`` holds the
    records changed again after the entry (the undo puts them back as they were before
    it), per record ``[after the entry, now]``."""
    before = activity.before or {}
    if "positions" in before:
        now = _positions(region, list(before["positions"]))
        return {"positions": {k: [now[k], v] for k, v in before["positions"].items()},
                "changed_since": {}}
    current = network_records(region, contact=True)
    changes: dict[str, dict] = {}
    changed_since: dict[str, dict] = {}
    for section, records in before.get("records", {}).items():
        if section == "region":
            have = {"region": current["region"]}
        else:
            have = {r["key"]: r for r in current[section]}
        for key, (old, new) in records.items():
            now = have.get(key)
            if now != new:
                changed_since.setdefault(section, {})[key] = [new, now]
            if now != old:
                changes.setdefault(section, {})[key] = [now, old]
    # what goes with a record the undo removes (an actor's ties and participations, added
    # since the entry): shown too, since the undo removes it as well
    for section, found in store.record_diff(
            current, _patched(region, before.get("records", {}))).items():
        for key, pair in found.items():
            changes.setdefault(section, {}).setdefault(key, pair)
    return {"changes": changes, "changed_since": changed_since}


def _patched(region: Region, records: dict) -> dict:
    doc = current_bundle(region)
    for section, found in records.items():
        if section == "region":
            doc["region"] = {**doc["region"], **found["region"][0]}
            continue
        items = {r["key"]: r for r in doc[section]}
        for key, (old, _new) in found.items():
            if old is None:
                items.pop(key, None)
            else:
                items[key] = old
        doc[section] = [items[k] for k in sorted(items)]
    return _without_dangling(doc)


def _without_dangling(doc: dict) -> dict:
    """``doc`` without what refers to a record no longer in it, as deleting that record
    would leave the region: an undone creation of an actor takes the ties and
    participations added to it since, of a municipality its actors and re-uses, of an
    initiative its place in solutions."""
    municipalities = {m["key"] for m in doc.get("municipalities", [])}
    doc["actors"] = [a for a in doc.get("actors", [])
                     if a.get("municipality") is None or a["municipality"] in municipalities]
    actors = {a["key"] for a in doc["actors"]}
    initiatives = {i["key"] for i in doc.get("initiatives", [])}
    doc["ties"] = [t for t in doc.get("ties", [])
                   if t["source"] in actors and t["target"] in actors]
    doc["initiatives"] = [
        {**i, "participants": [p for p in i.get("participants") or [] if p["actor"] in actors]}
        for i in doc.get("initiatives", [])]
    doc["formats"] = [
        {**f, "convenor": f.get("convenor") if f.get("convenor") in actors else None,
         "participants": [a for a in f.get("participants") or [] if a in actors]}
        for f in doc.get("formats", [])]
    doc["solutions"] = [
        {**s, "owner": s.get("owner") if s.get("owner") in actors else None,
         "initiatives": [i for i in s.get("initiatives") or [] if i in initiatives],
         "uses": [{**u, "from": u.get("from") if u.get("from") in municipalities else None}
                  for u in s.get("uses") or [] if u.get("municipality") in municipalities]}
        for s in doc.get("solutions", [])]
    return doc


def undo(region: Region, activity: Activity, user: User | None) -> dict[str, Any]:
    """Undo an entry of the log: put back what it replaced, through the normal services. The
    undo is logged (with what it replaced) and can itself be undone."""
    from collab.bundles import services as bundles

    store.require(perm.can_undo(user, region, activity))
    store.lock(region)  # the same entry undone twice at once: the second sees the first
    problem = undo_problem(activity)
    if problem:
        raise store.Conflict(problem)
    beyond = _beyond(region, activity, user)
    store.require(not beyond, _beyond_problem(region, beyond))
    before = activity.before
    params = {"of": activity.id, "action": activity.action}
    if "positions" in before:
        store.require(perm.can_save_positions(user, region))
        keys = list(before["positions"])
        with store.change(region, user, "activity.undo", str(activity.id), "", data=False,
                          before={"positions": _positions(region, keys)}, params=params,
                          undo_of=activity.id):
            rows = {p.node_key: p for p in db.session.scalars(sa.select(NodePosition).where(
                NodePosition.region_id == region.id, NodePosition.node_key.in_(keys)))}
            for key, value in before["positions"].items():
                row = rows.get(key)
                if value is None:
                    if row is not None:
                        db.session.delete(row)
                elif row is None:
                    db.session.add(NodePosition(region_id=region.id, node_key=key,
                                                x=value[0], y=value[1], saved_at=utcnow()))
                else:
                    row.x, row.y = value
        return {"positions": len(keys)}
    doc = _patched(region, before.get("records", {}))
    result = bundles.import_bundle(doc, user, slug=region.slug, action="activity.undo",
                                   permitted=True, snapshot=None,
                                   log={"target": str(activity.id), "params": params,
                                        "undo_of": activity.id})
    if not result["changed"]:  # nothing to put back: still mark the entry as undone
        with store.change(region, user, "activity.undo", str(activity.id), "", data=False,
                          params=params, undo_of=activity.id):
            pass
    return result


# --- comparison -------------------------------------------------------------------------------


def _label(section: str, record: dict, names: dict | None = None) -> str:
    """A record as the comparison lists it: by name; a tie by its ends' names and its kind
    in the reader's language ("Stadt Olpe → Südwestfalen Agentur GmbH (Kooperation)")."""
    names = names or {}
    if section == "ties":
        source, target = record.get("source"), record.get("target")
        return (f"{names.get(source, source)} → {names.get(target, target)} "
                f"({vocab.label(vocab.TIE_KINDS, record.get('kind'))})")
    return str(record.get("name") or record.get("key"))


def unrecorded(summary: dict | None) -> list[str]:
    """The figures a summary lacks because it was saved before they were recorded: the
    brokerage of a state with Taktgeber candidates (snapshots saved before it was kept have
    None there; without candidates None is the figure). None while being computed."""
    if summary is None:
        return []
    missing = summary["figures"].get("brokerage") is None and summary.get("taktgeber")
    return ["brokerage"] if missing else []


#: the key figures a comparison lists, in order
FIGURES = ("municipalities", "actors", "initiatives", "ties", "density", "reach", "brokerage",
           "gaps")


def compare(old: dict, new: dict, old_summary: dict | None,
            new_summary: dict | None) -> dict[str, Any]:
    """What changed from one state (bundle and summary) to another; ``unrecorded`` names
    each side's figures that were not recorded (:func:`unrecorded`). A summary is None
    while its figures are being computed: its figures are None, its ranking empty, and the
    gaps opened and closed None (unknown) until both are there."""
    sections = {}
    names = {r["key"]: r.get("name") or r["key"] for state in (old, new)
             for section in ("municipalities", "actors", "initiatives")
             for r in state.get(section, [])}
    for section in ("municipalities", "actors", "initiatives", "ties"):
        a = {r["key"]: r for r in old.get(section, [])}
        b = {r["key"]: r for r in new.get(section, [])}
        sections[section] = {
            "added": [_label(section, b[k], names) for k in sorted(b.keys() - a.keys())],
            "removed": [_label(section, a[k], names) for k in sorted(a.keys() - b.keys())],
            "changed": [_label(section, b[k], names) for k in sorted(a.keys() & b.keys())
                        if a[k] != b[k]]}
    empty: dict[str, Any] = {"figures": {}, "taktgeber": [], "gaps": []}
    old_known, new_known = old_summary or empty, new_summary or empty
    names = [n for n in FIGURES if n in new_known["figures"] or n in old_known["figures"]
             ] if new_summary or old_summary else list(FIGURES)
    figures = {name: [old_known["figures"].get(name), new_known["figures"].get(name)]
               for name in names}

    def gap_key(g):
        return (g["kind"], tuple(g["keys"]))

    known = old_summary is not None and new_summary is not None
    gaps_old = {gap_key(g): g for g in old_known["gaps"]}
    gaps_new = {gap_key(g): g for g in new_known["gaps"]}
    return {
        "sections": sections, "figures": figures,
        "unrecorded": [unrecorded(old_summary), unrecorded(new_summary)],
        "pending": [old_summary is None, new_summary is None],
        "ranking": [old_known["taktgeber"], new_known["taktgeber"]],
        "gaps_opened": [g for k, g in gaps_new.items() if k not in gaps_old] if known else None,
        "gaps_closed": [g for k, g in gaps_old.items() if k not in gaps_new] if known else None,
    }
