"""The region's analysis report, computed once per change of the region's data.

Two ways to a report:

* :func:`latest` (pages, API, network view): never waits for an analysis. It reads the
  shared report store (:class:`collab.core.models.AnalysisReport`, one row per region, data
  version, what-if and language, written by the analysis workers of
  :mod:`collab.analysis.jobs`) and, when the region's current data version has no report
  yet, queues its computation and answers with the newest report it has (``stale``) or none
  (``pending``), with the job's progress.
* :func:`region_report` (CLI, tests): computes synchronously in this process, cached per
  process until the region's ``data_version`` (bumped by every write in
  :mod:`collab.core.store`), the what-if arguments or the language change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

import graphs
from collab.analysis import jobs
from collab.core.caching import LRU, version_key
from collab.core.localtime import local_today
from collab.core.models import (
    Actor,
    AnalysisReport,
    Format,
    Initiative,
    Municipality,
    Region,
    RegionMembership,
    utcnow,
)
from collab.core.records import analysis_records
from collab.core.validation import Problem, ValidationError
from collab.extensions import db
from graphs.text import LANGUAGES, check_lang, number

#: reports kept per process (baseline and a few what-ifs per region)
CACHE_SIZE = 32

_reports = LRU(CACHE_SIZE)


def region_report(region: Region, *, without: str | None = None,
                  taktgeber: str | None = None, lang: str = "de") -> dict:
    """The analysis report of ``region`` (see DESIGN.md), from the cache when still valid.

    ``lang`` ("de" or "en") is the language of the report's sentences (gap messages,
    explanations, transfer notes, what-if message); keys and figures are the same in both.
    Raises ``ValueError`` (from :func:`graphs.analyse`) for an unknown what-if key or
    language. The returned dict is shared: callers must not change it.
    """
    check_lang(lang)
    key = (*version_key(region), without or None, taktgeber or None, lang)
    return _reports.get(key, lambda: graphs.analyse(
        analysis_records(region), without=without or None, taktgeber=taktgeber or None,
        lang=lang, today=local_today()))


#: parsed stored reports kept per process (rows never change: keyed by row id)
DOCUMENT_CACHE_SIZE = 8
_documents = LRU(DOCUMENT_CACHE_SIZE)


@dataclass
class Latest:
    """What the store has for one report: ``report`` (the newest computed one, possibly of
    an older data version, or None) and ``state``:

    ``ready``   the report is of the region's current data;
    ``stale``   it is of older data, the current one is being computed (``job``);
    ``pending`` no report yet, it is being computed (``job``);
    ``failed``  the analysis of the current data failed (``error``); ``report`` is the
                last good one, if any.
    """

    report: dict | None
    state: str
    data_version: int
    report_version: int | None = None
    job: jobs.JobState | None = None
    error: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def status(self) -> dict:
        """The progress document of pages' polling and the API's 202 answer."""
        doc = {"state": self.state, "data_version": self.data_version,
               "report_version": self.report_version,
               "state_text": STATE_TEXT[self.state](), "progress": None}
        if self.job is not None:
            doc.update(self.job.as_dict())
            doc["state"] = self.state
            doc["job"] = self.job.state
        if self.error:
            doc["error"] = self.error
        return doc


STATE_TEXT = {
    "ready": lambda: _("Die Analyse ist aktuell."),
    "stale": lambda: _("wird neu berechnet"),
    "pending": lambda: _("Die Analyse wird berechnet."),
    "failed": lambda: _("Die Analyse der aktuellen Daten ist fehlgeschlagen."),
}


class _Pruned(Exception):
    """The report row was removed after it was found (a newer report superseded it)."""


def _document(row_id: int) -> dict:
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], row_id)

    def load():
        text = db.session.scalar(
            sa.select(AnalysisReport.document).where(AnalysisReport.id == row_id))
        if text is None:
            raise _Pruned(row_id)
        return json.loads(text)
    return _documents.get(key, load)


def latest(region: Region, *, without: str | None = None, taktgeber: str | None = None,
           lang: str = "de", _retried: bool = False) -> Latest:
    """The newest stored report of ``region`` for the what-if and language, queueing the
    computation of the current data version when it is missing (never computes here,
    except with the ``inline`` backend of the tests). Check what-if keys with
    :func:`check_whatif` first. The returned report is shared: callers must not change it."""
    check_lang(lang)
    current = region.data_version or 0
    key = {"region_id": region.id, "without": without or "", "taktgeber": taktgeber or "",
           "lang": lang}

    def rows():
        return db.session.execute(
            sa.select(AnalysisReport.id, AnalysisReport.data_version, AnalysisReport.status,
                      AnalysisReport.error, AnalysisReport.created_at,
                      AnalysisReport.duration_ms).filter_by(**key).where(
                AnalysisReport.data_version <= current).order_by(
                AnalysisReport.data_version.desc())).all()

    found = rows()
    job = None
    if not found or found[0].data_version != current:
        if not _too_soon(found):
            done = next((r for r in found if r.status == "done"), None)
            job = jobs.submit(jobs.Spec(data_version=current, **key),
                              done.duration_ms if done else None)
            if job is None:  # computed at once (inline): read again
                found = rows()
    good = next((r for r in found if r.status == "done"), None)
    try:
        report = _document(good.id) if good else None
    except _Pruned:  # a worker stored a newer report and removed this one meanwhile
        if _retried:
            raise
        db.session.expire(region, ["data_version"])  # the newer report's version
        return latest(region, without=without, taktgeber=taktgeber, lang=lang,
                      _retried=True)
    report_version = good.data_version if good else None
    if found and found[0].data_version == current:
        if found[0].status == "done":
            return Latest(report, "ready", current, report_version)
        return Latest(report, "failed", current, report_version, error=found[0].error)
    if job is None:
        job = jobs.state(jobs.Spec(data_version=current, **key))
    return Latest(report, "stale" if report else "pending", current, report_version, job)


def _too_soon(found) -> bool:
    """Whether the newest report was stored less than ``ANALYSIS_MIN_INTERVAL`` seconds ago:
    then the next is queued by a later look (the pages poll), so that a burst of edits is
    analysed once instead of once per edit."""
    interval = current_app.config.get("ANALYSIS_MIN_INTERVAL") or 0
    if not interval or not found or found[0].status != "done":
        return False
    return (utcnow() - found[0].created_at).total_seconds() < interval


def parse_lang(value: str | None) -> str:
    """The report language asked for by a request argument: "de" when none is given;
    :class:`ValidationError` on the field ``lang`` for anything but "de" or "en"."""
    if value is None or value == "":
        return "de"
    if value not in LANGUAGES:
        raise ValidationError([Problem("lang", _(
            "Sprache: „%(v)s“ gibt es nicht; erwartet wird de oder en.", v=value))])
    return value


#: the kinds of :func:`directory` a what-if may take away (a format is only a name there)
WHATIF_KINDS = ("municipalities", "actors", "initiatives")


def directory(region: Region) -> dict[str, dict]:
    """Every key the region's analysis may name -> ``{"kind", "name", "municipality"}``.

    ``kind`` is the URL part of its detail page (municipalities, actors, initiatives,
    formats): the nodes of the graph, and the formats a knowledge-transfer path may run
    through. Node keys never repeat across the three node kinds, so one dict holds them
    all; a format whose key is a node's is no channel of its own (as in
    :mod:`graphs.transfer`) and is left out.
    """
    found: dict[str, dict] = {}
    for key, name in db.session.execute(
            sa.select(Municipality.key, Municipality.name).join(RegionMembership)
            .where(RegionMembership.region_id == region.id)
            .order_by(Municipality.sort_name, Municipality.key)):
        found[key] = {"kind": "municipalities", "name": name, "municipality": None}
    for key, name, muni in db.session.execute(
            sa.select(Actor.key, Actor.name, Municipality.key)
            .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
            .where(Actor.region_id == region.id).order_by(Actor.sort_name, Actor.key)):
        found[key] = {"kind": "actors", "name": name, "municipality": muni}
    for key, name in db.session.execute(
            sa.select(Initiative.key, Initiative.name)
            .where(Initiative.region_id == region.id)
            .order_by(Initiative.sort_name, Initiative.key)):
        found[key] = {"kind": "initiatives", "name": name, "municipality": None}
    for key, name in db.session.execute(
            sa.select(Format.key, Format.name)
            .where(Format.region_id == region.id).order_by(Format.sort_name, Format.key)):
        found.setdefault(key, {"kind": "formats", "name": name, "municipality": None})
    return found


def check_whatif(region: Region, without: str | None, taktgeber: str | None,
                 keys: dict[str, dict] | None = None) -> None:
    """Raise :class:`ValidationError` naming the field when a what-if key is not usable:
    ``without`` must be a municipality, actor or initiative of the region, ``taktgeber`` one
    of its actors, not the removed object and not an actor of a removed municipality."""
    keys = directory(region) if keys is None else keys
    problems = []
    if without and keys.get(without, {}).get("kind") not in WHATIF_KINDS:
        problems.append(Problem("without", _(
            "„Ohne“: „%(k)s“ ist weder Kommune noch Akteur noch Initiative dieses Netzwerks.",
            k=without)))
    if taktgeber and keys.get(taktgeber, {}).get("kind") != "actors":
        problems.append(Problem("taktgeber", _(
            "„Als Taktgeber“: „%(k)s“ ist kein Akteur dieses Netzwerks.", k=taktgeber)))
    if not problems and without and taktgeber:
        if without == taktgeber:
            problems.append(Problem("taktgeber", _(
                "„Als Taktgeber“: Dieselbe Stelle kann nicht zugleich wegfallen und Taktgeber "
                "werden.")))
        elif keys[taktgeber]["municipality"] == without:
            problems.append(Problem("taktgeber", _(
                "„Als Taktgeber“: %(a)s gehört zu %(m)s, die in diesem Szenario wegfällt.",
                a=keys[taktgeber]["name"], m=keys[without]["name"])))
    if problems:
        raise ValidationError(problems)


#: The command line's plain-text frame around the report, per language: part names, severity
#: names and the lines' templates (the report's own sentences come in its language).
TEXT_REPORT = {
    "de": {
        "parts": {"brokerage": "Vermittlung zwischen Kommunen", "mandate": "Mandat",
                  "capacity": "Kapazität", "reach": "Reichweite",
                  "coverage": "Abdeckung der Teilnetze", "level": "passende Ebene",
                  "loss": "Verlust bei Ausscheiden", "takt": "Takt"},
        "severities": {"high": "hoch", "medium": "mittel", "low": "niedrig"},
        "title": "Analyse der Region {region}",
        "summary": "Überblick: {municipalities} Kommunen, {actors} Akteure, {initiatives} "
                   "Initiativen, {ties} Verbindungen; Dichte {density}, {components} "
                   "Zusammenhangskomponente(n), {communities} Teilnetze, {gaps} Lücken.",
        "candidates": "Taktgeber-Kandidaten (die besten {shown} von {total}):",
        "row": "  {rank}. {name} ({key}): Wert {score}{mark}",
        "designated": " [vorgesehen]",
        "gaps": "Lücken ({count}):",
        "transfer": "Wissenstransfer:",
        "topic": "  {label}: {sources} mit Erfahrung ({source_names}), {targets} ohne "
                 "({target_names})",
        "via": " über {names}",
        "direct": " direkt",
        "alternative": "; Ausweichweg über {names}",
        "suggestion": "    Vorschlag: Verbindung {first} – {second} (erreicht {target})",
    },
    "en": {
        "parts": {"brokerage": "Brokerage between municipalities", "mandate": "Mandate",
                  "capacity": "Capacity", "reach": "Reach",
                  "coverage": "Coverage of the communities", "level": "Fitting level",
                  "loss": "Loss on leaving", "takt": "Beat (recurring formats)"},
        "severities": {"high": "high", "medium": "medium", "low": "low"},
        "title": "Analysis of the region {region}",
        "summary": "Overview: {municipalities} municipalities, {actors} actors, {initiatives} "
                   "initiatives, {ties} ties; density {density}, {components} connected "
                   "component(s), {communities} communities, {gaps} gaps.",
        "candidates": "Taktgeber candidates (the best {shown} of {total}):",
        "row": "  {rank}. {name} ({key}): score {score}{mark}",
        "designated": " [designated]",
        "gaps": "Gaps ({count}):",
        "transfer": "Knowledge transfer:",
        "topic": "  {label}: {sources} with experience ({source_names}), {targets} without "
                 "({target_names})",
        "via": " via {names}",
        "direct": " directly",
        "alternative": "; alternative via {names}",
        "suggestion": "    Suggestion: tie {first} – {second} (reaches {target})",
    },
}
#: German names of the parts of the Taktgeber score and of the gap severities (CLI text).
PART_NAMES = TEXT_REPORT["de"]["parts"]
SEVERITY_NAMES = TEXT_REPORT["de"]["severities"]


def text_report(report: dict, keys: dict[str, dict], *, top: int = 5, lang: str = "de") -> str:
    """The report as plain text for the command line (German, or English with
    ``lang="en"``; pass a report analysed in the same language): summary, the ``top``
    Taktgeber candidates with the parts of their score, every gap, and the transfer paths
    per topic."""
    words = TEXT_REPORT[check_lang(lang)]

    def name(key):
        return keys.get(key, {}).get("name") or str(key)

    def names(list_):
        return ", ".join(name(k) for k in list_) or "–"

    def num(value, digits=2):
        return number(value, digits, lang)

    s = report["summary"]
    lines = [words["title"].format(region=report["region"]), "",
             words["summary"].format(**{**s, "density": num(s["density"], 3)}), "",
             words["candidates"].format(shown=min(top, len(report["taktgeber"])),
                                        total=s["candidates"])]
    weights = sorted((report.get("weights") or graphs.WEIGHTS).items(), key=lambda pw: -pw[1])
    percent = " %" if lang == "de" else "%"
    for row in report["taktgeber"][:top]:
        mark = words["designated"] if row["designated"] else ""
        lines.append(words["row"].format(rank=row["rank"], name=row["name"], key=row["key"],
                                         score=num(row["score"]), mark=mark))
        lines.append("     " + "; ".join(
            f"{words['parts'][p]} {num(row['parts'].get(p, 0.0))} × {round(100 * w)}{percent}"
            for p, w in weights))
        lines.append(f"     {row['explanation']}")
    lines += ["", words["gaps"].format(count=len(report["gaps"]))]
    for gap in report["gaps"]:
        lines.append(f"  [{words['severities'][gap['severity']]}] {gap['kind']} "
                     f"({', '.join(gap['keys'])}): {gap['message']}")
    lines += ["", words["transfer"]]
    for t in report["transfer"]:
        lines.append(words["topic"].format(
            label=t["label"], sources=t["n_sources"], source_names=names(t["sources"]),
            targets=t["n_targets"], target_names=names(t["targets"])))
        for p in t["paths"]:
            via = words["via"].format(names=names(p["via"])) if p["via"] else words["direct"]
            alt = (words["alternative"].format(names=names(p["alternative"]["via"]))
                   if p.get("alternative") else "")
            lines.append(f"    {name(p['from'])} → {name(p['to'])}{via}{alt}")
        for sug in t["suggestions"]:
            lines.append(words["suggestion"].format(first=name(sug["from"]),
                                                    second=name(sug["to"]),
                                                    target=name(sug["target"])))
        lines.append(f"    {t['note']}")
    return "\n".join(lines) + "\n"


def clear_cache() -> None:
    """Forget every cached report (tests; a process that changed data behind our back)."""
    _reports.clear()
    _documents.clear()
