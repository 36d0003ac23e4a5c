"""History pages: snapshots (list, save, download, delete, restore), comparison over time,
undo from the activity log."""

from __future__ import annotations

import datetime as dt
import json
import re

import networkx as nx
from babel.dates import format_skeleton
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from collab.activity import summaries
from collab.core import permissions as perm
from collab.core import store
from collab.core.caching import LRU, digest
from collab.core.forms import EmptyForm
from collab.core.localtime import local_date, local_time, to_local
from collab.core.models import Activity, Snapshot
from collab.core.validation import ValidationError
from collab.core.web import select_locale
from collab.extensions import db
from collab.history import services as history
from graphs import vis

bp = Blueprint("history", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page needs a signed-in account."""


def _coordinator(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_manage_snapshots(current_user, region))
    return region


@bp.route("/<slug>/snapshots", methods=["GET", "POST"])
def snapshots(slug: str):
    region = _coordinator(slug)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            snap = history.save_snapshot(region, {"name": request.form.get("name", ""),
                                                  "date": request.form.get("date", "")},
                                         current_user)
            flash(_("Stand „%(n)s“ gespeichert.", n=snap.name))
            return redirect(url_for("history.snapshots", slug=slug))
        except ValidationError as exc:
            for p in exc.problems:
                flash(p.message, "error")
        except store.Conflict as exc:  # the region holds as many snapshots as it may
            flash(exc.message, "error")
    found = history.snapshots(region)
    status = history.figures_status(region, found)  # queues the figures still missing
    return render_template("history/snapshots.html", region=region, snapshots=found,
                           form=form, timeline=timeline_svg(found), status=status,
                           status_url=url_for("history.status", slug=slug),
                           limit=history.snapshot_limit())


@bp.get("/<slug>/snapshots/<int:snapshot_id>/download")
def download(slug: str, snapshot_id: int):
    region = _coordinator(slug)
    snap = history.get_snapshot(region, snapshot_id)
    body = json.dumps(snap.bundle, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{region.slug}-{snap.date}-{snap.id}.json"'})


@bp.route("/<slug>/snapshots/<int:snapshot_id>/delete", methods=["GET", "POST"])
def delete(slug: str, snapshot_id: int):
    """The coordinator deletes a snapshot, after a confirmation (a deleted snapshot, such as
    the one saved before an import, cannot be brought back)."""
    region = _coordinator(slug)
    snap = history.get_snapshot(region, snapshot_id)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        history.delete_snapshot(region, snap, current_user)
        flash(_("Stand gelöscht."))
        return redirect(url_for("history.snapshots", slug=slug))
    return render_template("history/delete.html", region=region, snap=snap, form=form)


@bp.route("/<slug>/snapshots/<int:snapshot_id>/restore", methods=["GET", "POST"])
def restore(slug: str, snapshot_id: int):
    region = _coordinator(slug)
    snap = history.get_snapshot(region, snapshot_id)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit() or request.form.get("confirm") != "1":
            abort(400)
        try:
            history.restore(region, snap, current_user)
        except (ValidationError, store.Conflict) as exc:
            problems = getattr(exc, "problems", None) or [exc]
            return _restore_page(region, snap, form, problems), 422
        flash(_("Die Region wurde auf den Stand „%(n)s“ zurückgesetzt; der vorige Stand ist "
                "als Stand gespeichert.", n=snapshot_name(snap)))
        return redirect(url_for("history.snapshots", slug=slug))
    return _restore_page(region, snap, form, [])


def _restore_page(region, snap, form, problems: list) -> str:
    preview = history.restore_preview(region, snap)
    return render_template("history/restore.html", region=region, snap=snap, form=form,
                           preview=preview, problems=problems,
                           names=summaries.names_in(region, preview["changes"].items()))


def _state(region, which: str):
    """("today" or a snapshot id) -> (title, bundle, summary, today's
    :class:`~collab.analysis.reports.Latest` or the snapshot). The summary is None while its
    figures are being computed; today's come from the stored analysis report (possibly of
    the data before the latest change), never from an analysis in this request."""
    if which in ("", "today"):
        summary, latest = history.today_figures(region, select_locale())
        return _("heute"), history.current_bundle(region), summary, latest
    # ASCII digits of an id a database column holds ("²" is a digit to str.isdigit but no
    # number to int(); a larger number overflows the driver): anything else is no snapshot
    if not (which.isascii() and which.isdigit()) or int(which) > 2**31 - 1:
        abort(404)
    snap = history.get_snapshot(region, int(which))
    return (f"{snapshot_name(snap)} ({local_date(snapshot_day(snap))})", snap.bundle,
            snap.summary, snap)


def _compared(region):
    """The two states the comparison's arguments name: (a, b, each side's ``_state``)."""
    found = history.snapshots(region)
    a = request.args.get("a") or (str(found[0].id) if found else "today")
    b = request.args.get("b") or "today"
    return found, a, b, _state(region, a), _state(region, b)


def _status(region, sides) -> dict:
    """Where the figures of the compared ``sides`` stand (see ``history.figures_status``)."""
    snaps = [side[3] for side in sides if isinstance(side[3], Snapshot)]
    today = next((side[3] for side in sides if not isinstance(side[3], Snapshot)), None)
    return history.figures_status(region, snaps, today)


@bp.get("/<slug>/snapshots/compare")
def compare(slug: str):
    region = _coordinator(slug)
    found, a, b, side_a, side_b = _compared(region)
    status = _status(region, (side_a, side_b))  # queues what is missing
    # a snapshot's figures may have been filled meanwhile (inline backend, a fast worker)
    (title_a, bundle_a, summary_a, _a), (title_b, bundle_b, summary_b, _b) = (
        (t, bundle, state.summary if isinstance(state, Snapshot) else summary, state)
        for t, bundle, summary, state in (side_a, side_b))
    result = history.compare(bundle_a, bundle_b, summary_a, summary_b)
    # a side whose figures could not be computed says so rather than "wird berechnet"
    result["failed"] = [isinstance(state, Snapshot) and state.id in status["failed"]
                        for state in (_a, _b)]
    lang = select_locale()
    for which in ("gaps_opened", "gaps_closed"):  # the sentences in the reader's language
        if result[which] is not None:
            result[which] = [{**g, "text": history.gap_text(g, lang)} for g in result[which]]
    pictures, pictured_nodes, all_nodes = network_svgs(bundle_a, bundle_b)
    return render_template("history/compare.html", region=region, snapshots=found, a=a, b=b,
                           title_a=title_a, title_b=title_b, result=result, pictures=pictures,
                           pictured_nodes=pictured_nodes, all_nodes=all_nodes,
                           status=status, status_url=url_for("history.status", slug=slug,
                                                             a=a, b=b))


@bp.get("/<slug>/snapshots/status.json")
def status(slug: str):
    """Where the key figures stand that the snapshot list (no arguments: every snapshot) or
    a comparison (``a``, ``b``) shows: the pages poll it and reload when they are ready.
    Queues what is missing."""
    region = _coordinator(slug)
    if request.args.get("a") or request.args.get("b"):
        _found, _a, _b, side_a, side_b = _compared(region)
        doc = _status(region, (side_a, side_b))
    else:
        doc = history.figures_status(region, history.snapshots(region))
    if doc["state"] == "ready":
        doc["detail"] = ""
    elif doc["state"] == "failed":  # figures_status says when they are tried again
        pass
    elif doc.get("job") == "running":
        doc["detail"] = _("Wird seit %(s)s s berechnet.", s=format_decimal(
            round(doc.get("running_seconds") or 0)))
    else:
        doc["detail"] = _("Wartet auf einen freien Analyse-Prozess.")
    response = jsonify(doc)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<slug>/activity/<int:activity_id>/undo", methods=["GET", "POST"])
def undo(slug: str, activity_id: int):
    region = perm.get_region(slug)
    activity = db.get_or_404(Activity, activity_id)
    perm.require(perm.can_undo(current_user, region, activity))
    form = EmptyForm()
    problems: list = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            history.undo(region, activity, current_user)
        except (ValidationError, store.Conflict) as exc:
            problems = getattr(exc, "problems", None) or [exc]
        else:
            flash(_("Rückgängig gemacht."))
            return redirect(url_for("activity.activity", slug=slug))
    preview = history.undo_preview(region, activity)  # once, for the page and the rule
    # the records the preview names by key (participants, a tie's ends), by name: one query
    names = summaries.names_in(region, [*preview.get("changes", {}).items(),
                                        *preview["changed_since"].items()])
    return render_template("history/undo.html", region=region, activity=activity, form=form,
                           problem=history.undo_problem(activity, current_user, region, preview,
                                                        names),
                           problems=problems, preview=preview,
                           names=names), 422 if problems else 200


# --- pictures ---------------------------------------------------------------------------------


def _graph(bundle: dict) -> nx.Graph:
    G = nx.Graph()
    for section, kind in (("municipalities", "municipality"), ("actors", "actor"),
                          ("initiatives", "initiative")):
        for r in bundle.get(section, []):
            G.add_node(r["key"], kind=kind, name=r.get("name", r["key"]))
    for a in bundle.get("actors", []):
        if a.get("municipality") in G:
            G.add_edge(a["key"], a["municipality"])
    for i in bundle.get("initiatives", []):
        for p in i.get("participants", []):
            if p.get("actor") in G:
                G.add_edge(i["key"], p["actor"])
    for t in bundle.get("ties", []):
        if t["source"] in G and t["target"] in G:
            G.add_edge(t["source"], t["target"])
    return G


COLOURS = {"municipality": "#1f5f8b", "actor": "#6c757d", "initiative": "#b8860b"}


#: layouts of compared states, by the content of the graph they picture
_layouts = LRU(8)


#: a comparison pictures at most this many nodes: of a larger network only the surroundings
#: of what changed (a layout of a national network takes minutes, and its picture would be
#: tens of megabytes of SVG no one can read at 360 pixels)
PICTURE_MAX = 400


def pictured(A: nx.Graph, B: nx.Graph, limit: int | None = None) -> tuple[nx.Graph, int]:
    """The graph a comparison pictures -> (graph, number of nodes of both states together):
    both states together when that is at most ``limit`` (default :data:`PICTURE_MAX`)
    nodes, else the nodes and ties that differ and, while there is room, their neighbours
    (at most ``limit`` nodes; none when nothing differs)."""
    limit = PICTURE_MAX if limit is None else limit
    everything = set(A) | set(B)
    if len(everything) <= limit:
        return nx.compose(A, B), len(everything)
    edges_a = {frozenset(e) for e in A.edges}
    edges_b = {frozenset(e) for e in B.edges}
    changed = sorted((set(A) ^ set(B)) | {n for e in edges_a ^ edges_b for n in e}, key=str)
    keep = dict.fromkeys(changed[:limit])
    for n in changed:
        neighbours = set(A.adj[n] if n in A else ()) | set(B.adj[n] if n in B else ())
        for m in sorted(neighbours, key=str):
            if len(keep) >= limit:
                break
            keep.setdefault(m)
        if len(keep) >= limit:
            break
    return nx.compose(A.subgraph(keep), B.subgraph(keep)), len(everything)


def network_svgs(old: dict, new: dict, size: int = 360) -> tuple[list[Markup], int, int]:
    """A small picture of each state on the same layout (of both states together); nodes
    and ties only in the other state are marked: added green, removed red (dashed). Of a
    network larger than :data:`PICTURE_MAX` nodes only the surroundings of the changes
    (:func:`pictured`). Returns the two pictures, the nodes pictured and the nodes of both
    states together."""
    A, B = _graph(old), _graph(new)
    union, total = pictured(A, B)
    if len(union) < total:
        A, B = A.subgraph(n for n in A if n in union), B.subgraph(n for n in B if n in union)
    # the layout (most of the page's time) by the pictured graph: the same comparison
    # viewed again, or with the other language, is not laid out again
    shape = digest((sorted((str(n), str(d.get("kind"))) for n, d in union.nodes(data=True)),
                    sorted(tuple(sorted((str(u), str(v)))) for u, v in union.edges)))
    pos = _layouts.get((shape,), lambda: vis.layout(union, seed=0))
    if not pos:
        return [Markup(""), Markup("")], 0, total
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)

    def xy(n):
        return (12 + (pos[n][0] - min(xs)) / span * (size - 24),
                12 + (pos[n][1] - min(ys)) / span * (size - 24))

    out = []
    for G, other, mark in ((A, B, "#c0392b"), (B, A, "#2e8b57")):
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
                 f'width="{size}" height="{size}" role="img" class="history-net">']
        for u, v in G.edges:
            (x1, y1), (x2, y2) = xy(u), xy(v)
            new_edge = not other.has_edge(u, v)
            stroke = mark if new_edge else "#bbb"
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                         f'stroke="{stroke}" stroke-width="{2 if new_edge else 1}"/>')
        for n, data in G.nodes(data=True):
            x, y = xy(n)
            differs = n not in other
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if differs else 4}" '
                f'fill="{COLOURS.get(data.get("kind"), "#888")}"'
                + (f' stroke="{mark}" stroke-width="3"' if differs else "")
                + f'><title>{escape(data.get("name", n))}</title></circle>')
        parts.append("</svg>")
        out.append(Markup("".join(parts)))
    return out, len(union), total


def timeline_svg(snaps: list, width: int = 640, height: int = 160) -> Markup:
    """The region's snapshots on a time line with actors, ties and gaps as lines; the axis
    names each year once, or, when all fall in one year, the days (labels that would
    overlap are left out)."""
    snaps = [s for s in snaps if s.summary is not None]  # the others: once computed
    if not snaps:
        return Markup("")
    series = (("actors", "#6c757d"), ("ties", "#1f5f8b"), ("gaps", "#c0392b"))
    snaps = sorted(snaps, key=lambda s: (snapshot_day(s), s.id))
    days = {s.id: snapshot_day(s) for s in snaps}
    lo, hi = min(days.values()).toordinal(), max(days.values()).toordinal()
    span = max(hi - lo, 1)
    top = max([s.summary["figures"].get(name) or 0 for s in snaps for name, _c in series] + [1])

    def x(s):
        return 40 + (days[s.id].toordinal() - lo) / span * (width - 60) if hi > lo \
            else width / 2

    def y(v):
        return height - 30 - (v or 0) / top * (height - 50)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" class="history-timeline">',
             f'<line x1="40" y1="{height - 30}" x2="{width - 20}" y2="{height - 30}" '
             'stroke="#999"/>']
    for name, colour in series:
        points = " ".join(f"{x(s):.1f},{y(s.summary['figures'].get(name)):.1f}" for s in snaps)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"><title>{escape(_label(name))}</title></polyline>')
    for s in snaps:
        parts.append(f'<circle cx="{x(s):.1f}" cy="{height - 30}" r="3" fill="#333">'
                     f'<title>{escape(snapshot_name(s))} ({escape(local_date(days[s.id]))})'
                     '</title></circle>')
    for at, text in axis_labels([(x(s), days[s.id]) for s in snaps]):
        parts.append(f'<text x="{at:.1f}" y="{height - 12}" font-size="10" '
                     f'text-anchor="middle">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def axis_labels(points: list[tuple[float, dt.date]], gap: float = 56) -> list[tuple[float, str]]:
    """The time line's labels for ``(x, day)`` in order of x: the year, once per year, when
    the days span several years, else the day ("28. Nov."); a label closer than ``gap`` to
    the one before is left out."""
    several_years = len({day.year for _x, day in points}) > 1
    labels: list[tuple[float, str]] = []
    for at, day in points:
        text = str(day.year) if several_years else format_skeleton("dMMM", day,
                                                                   locale=get_locale())
        if labels and (text == labels[-1][1] or at - labels[-1][0] < gap):
            continue
        labels.append((at, text))
    return labels


#: the name the platform gives a snapshot it saves itself ("Vor dem Import 2026-11-28 20:10
#: UTC"; see collab.history.services.save_automatic)
_AUTOMATIC_NAME = re.compile(r".* (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


def snapshot_name(snap) -> str:
    """A snapshot's name; one the platform saved before an import or a restore is written in
    the reader's language and local time ("Vor dem Import 28.11.2026, 21:10 MEZ"), as the
    rest of the page, rather than as stored (in UTC)."""
    found = _AUTOMATIC_NAME.fullmatch(snap.name or "")
    names = {"import": _("Vor dem Import"), "restore": _("Vor der Wiederherstellung")}
    if found is None or snap.kind not in names:
        return snap.name
    moment = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M")
    return f"{names[snap.kind]} {local_time(moment)}"


def snapshot_day(snap) -> dt.date:
    """The day a snapshot stands for: the one chosen when it was saved by hand, the local
    day it was taken when the platform saved it (stored so now; older ones stored the UTC
    day)."""
    if snap.kind == "manual" or snap.created_at is None:
        return snap.date
    return to_local(snap.created_at).date()


def figure_value(name: str, value, recorded: bool = True) -> str:
    """A key figure in the reader's notation, as the analysis shows it: counts as they are,
    the density with three decimals ("0,041"), the reach and the brokerage as percentages;
    "nicht erfasst" when the state was saved before the figure was recorded."""
    if not recorded:
        return _("nicht erfasst")
    if value is None:
        return "–"
    if name in ("reach", "brokerage"):
        return format_percent(value)
    if isinstance(value, int):
        return format_decimal(value)
    if name == "density":
        return format_decimal(value, format="#,##0.000")
    return format_decimal(value, format="#,##0.###")


def _label(name: str) -> str:
    return {"actors": _("Akteure"), "ties": _("Verbindungen"), "gaps": _("Lücken")}[name]


FIGURES = {"municipalities": _l("Kommunen"), "actors": _l("Akteure"),
           "initiatives": _l("Initiativen"), "ties": _l("Verbindungen"),
           "density": _l("Dichte"), "reach": _l("Reichweite (Anteil der Kommunen im Netz)"),
           "brokerage": _l("Vermittlung (Anteil der kürzesten Wege zwischen Kommunen über den "
                            "stärksten Vermittler)"), "gaps": _l("Lücken")}
KINDS = {"manual": _l("gespeichert"), "import": _l("vor einem Import"),
         "restore": _l("vor einer Wiederherstellung")}


@bp.app_context_processor
def helpers():
    from collab.activity.summaries import (
        SECTIONS,
        action_label,
        field_changes,
        record_name,
        records_text,
    )

    return {"section_label": lambda s: str(SECTIONS.get(s, s)),
            "figure_label": lambda f: str(FIGURES.get(f, f)), "kinds": KINDS,
            "field_changes": field_changes, "action_label": action_label,
            "record_name": record_name, "records_text": records_text,
            "snapshot_name": snapshot_name, "summary_state": history.summary_state,
            "snapshot_day": snapshot_day, "figure_value": figure_value,
            "local_time": local_time, "local_date": local_date}
