"""The region's analysis report, computed once per change of the region's data.

Pages, API, CLI and the network view all ask :func:`region_report`; it runs
:func:`graphs.analyse` on the region's bundle only when the region's ``data_version`` (bumped
by every write in :mod:`collab.services`) or the what-if arguments differ from a cached run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

import graphs

from .bundle import export_bundle
from .extensions import db
from .models import Actor, Initiative, Municipality, Region, RegionMembership
from .validation import Problem, ValidationError

#: reports kept per process (baseline and a few what-ifs per region)
CACHE_SIZE = 32

_cache: OrderedDict[tuple, dict] = OrderedDict()
_lock = threading.Lock()


def cache_key(region: Region, without: str | None, taktgeber: str | None) -> tuple:
    """Database, region, its data version and the what-if arguments."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return (database, region.id, region.data_version or 0, without or None, taktgeber or None)


def region_report(region: Region, *, without: str | None = None,
                  taktgeber: str | None = None) -> dict:
    """The analysis report of ``region`` (see DESIGN.md), from the cache when still valid.

    Raises ``ValueError`` (from :func:`graphs.analyse`) for an unknown what-if key.
    The returned dict is shared: callers must not change it.
    """
    key = cache_key(region, without, taktgeber)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    report = graphs.analyse(export_bundle(region), without=without or None,
                            taktgeber=taktgeber or None)
    with _lock:
        _cache[key] = report
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return report


def directory(region: Region) -> dict[str, dict]:
    """Every key of the region's graph -> ``{"kind", "name", "municipality"}``.

    ``kind`` is the URL part of its detail page (municipalities, actors, initiatives);
    bundle keys never repeat across the three kinds, so one dict holds them all.
    """
    found: dict[str, dict] = {}
    for key, name in db.session.execute(
            sa.select(Municipality.key, Municipality.name).join(RegionMembership)
            .where(RegionMembership.region_id == region.id).order_by(Municipality.name)):
        found[key] = {"kind": "municipalities", "name": name, "municipality": None}
    for key, name, muni in db.session.execute(
            sa.select(Actor.key, Actor.name, Municipality.key)
            .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
            .where(Actor.region_id == region.id).order_by(Actor.name)):
        found[key] = {"kind": "actors", "name": name, "municipality": muni}
    for key, name in db.session.execute(
            sa.select(Initiative.key, Initiative.name)
            .where(Initiative.region_id == region.id).order_by(Initiative.name)):
        found[key] = {"kind": "initiatives", "name": name, "municipality": None}
    return found


def check_whatif(region: Region, without: str | None, taktgeber: str | None,
                 keys: dict[str, dict] | None = None) -> None:
    """Raise :class:`ValidationError` naming the field when a what-if key is not usable:
    ``without`` must be a municipality, actor or initiative of the region, ``taktgeber`` one
    of its actors, not the removed object and not an actor of a removed municipality."""
    keys = directory(region) if keys is None else keys
    problems = []
    if without and without not in keys:
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


#: German names of the parts of the Taktgeber score and of the gap severities (CLI text).
PART_NAMES = {"brokerage": "Vermittlung zwischen Kommunen", "mandate": "Mandat",
              "capacity": "Kapazität", "reach": "Reichweite", "coverage": "Abdeckung der Teilnetze",
              "level": "passende Ebene", "loss": "Verlust bei Ausscheiden"}
SEVERITY_NAMES = {"high": "hoch", "medium": "mittel", "low": "niedrig"}


def _de(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def text_report(report: dict, keys: dict[str, dict], *, top: int = 5) -> str:
    """The report as German plain text for the command line: summary, the ``top`` Taktgeber
    candidates with the parts of their score, every gap, and the transfer paths per topic."""
    def name(key):
        return keys.get(key, {}).get("name") or str(key)

    def names(list_):
        return ", ".join(name(k) for k in list_) or "–"

    s = report["summary"]
    lines = [f"Analyse der Region {report['region']}", "",
             f"Überblick: {s['municipalities']} Kommunen, {s['actors']} Akteure, "
             f"{s['initiatives']} Initiativen, {s['ties']} Verbindungen; Dichte "
             f"{_de(s['density'], 3)}, {s['components']} Zusammenhangskomponente(n), "
             f"{s['communities']} Teilnetze, {s['gaps']} Lücken.", "",
             f"Taktgeber-Kandidaten (die besten {min(top, len(report['taktgeber']))} "
             f"von {s['candidates']}):"]
    weights = sorted(graphs.WEIGHTS.items(), key=lambda pw: -pw[1])
    for row in report["taktgeber"][:top]:
        mark = " [vorgesehen]" if row["designated"] else ""
        lines.append(f"  {row['rank']}. {row['name']} ({row['key']}): Wert "
                     f"{_de(row['score'])}{mark}")
        lines.append("     " + "; ".join(
            f"{PART_NAMES[p]} {_de(row['parts'].get(p, 0.0))} × {round(100 * w)} %"
            for p, w in weights))
        lines.append(f"     {row['explanation']}")
    lines += ["", f"Lücken ({len(report['gaps'])}):"]
    for gap in report["gaps"]:
        lines.append(f"  [{SEVERITY_NAMES[gap['severity']]}] {gap['kind']} "
                     f"({', '.join(gap['keys'])}): {gap['message']}")
    lines += ["", "Wissenstransfer:"]
    for t in report["transfer"]:
        lines.append(f"  {t['label']}: {t['n_sources']} mit Erfahrung ({names(t['sources'])}), "
                     f"{t['n_targets']} ohne ({names(t['targets'])})")
        for p in t["paths"]:
            via = f" über {names(p['via'])}" if p["via"] else " direkt"
            alt = (f"; Ausweichweg über {names(p['alternative']['via'])}"
                   if p.get("alternative") else "")
            lines.append(f"    {name(p['from'])} → {name(p['to'])}{via}{alt}")
        for sug in t["suggestions"]:
            lines.append(f"    Vorschlag: Verbindung {name(sug['from'])} – {name(sug['to'])} "
                         f"(erreicht {name(sug['target'])})")
        lines.append(f"    {t['note']}")
    return "\n".join(lines) + "\n"


def clear_cache() -> None:
    """Forget every cached report (tests; a process that changed data behind our back)."""
    with _lock:
        _cache.clear()
