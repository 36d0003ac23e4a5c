"""The interactive network view's pages: the page, its JSON data and analysis marks, the
exports and saved node positions; the data comes from :mod:`collab.analysis.network`.

The page draws as soon as the graph data is there (``data.json``), then fetches the analysis
marks (``marks.json``), which need the region's report (many seconds at national scale the
first time after a change).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.analysis import network, reports
from collab.analysis import positions as layout
from collab.core import permissions as perm
from collab.core.errors import MESSAGES, error_response
from collab.core.models import (
    Initiative,
    Municipality,
    RegionMembership,
)
from collab.core.validation import ValidationError
from collab.core.web import select_locale
from collab.extensions import db
from graphs import vis

bp = Blueprint("view", __name__, url_prefix="/regions")

@bp.before_request
@login_required
def require_login():
    """The network view, like every page of a region, needs a signed-in account."""


def invalid_response(details: list[dict]):
    """422 with the API's error document (the view's JSON endpoints answer JSON)."""
    return jsonify({"error": _("Die Eingabe ist ungültig."), "details": details}), 422


def _invalid_query(exc: ValidationError):
    return invalid_response([p.as_dict() for p in exc.problems])


def _choice_lists(region):
    """The filter form's option lists (None above :data:`network.CHOICE_LIST_MAX`)."""
    municipalities = db.session.execute(
        sa.select(Municipality.key, Municipality.name).join(RegionMembership)
        .where(RegionMembership.region_id == region.id)
        .order_by(Municipality.sort_name, Municipality.key)
        .limit(network.CHOICE_LIST_MAX + 1)).all()
    initiatives = db.session.execute(
        sa.select(Initiative.key, Initiative.name).where(Initiative.region_id == region.id)
        .order_by(Initiative.sort_name, Initiative.key).limit(network.CHOICE_LIST_MAX + 1)).all()
    return {
        "municipalities": municipalities if len(municipalities) <= network.CHOICE_LIST_MAX
        else None,
        "initiatives": initiatives if len(initiatives) <= network.CHOICE_LIST_MAX else None}


@bp.get("/<slug>/network")
def page(slug: str):
    region = perm.get_region(slug)
    return render_template(
        "view/network.html", region=region, args=request.args, **_choice_lists(region),
        metrics=_metric_labels(), can_save=perm.can_save_positions(current_user, region))


@bp.get("/<slug>/map")
def map_page(slug: str):
    """The map of the region (Leaflet, served by the app): members, regional bodies,
    initiatives and a topic's transfer routes over the Germany and Länder outlines; a tile
    layer only when the deployment sets ``MAP_TILES_URL``."""
    region = perm.get_region(slug)
    return render_template(
        "view/map.html", region=region, args=request.args, **_choice_lists(region),
        metrics=_metric_labels(), default_metric="population",
        tiles_url=current_app.config.get("MAP_TILES_URL") or "",
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION") or "")


@bp.get("/<slug>/map/data.json")
def map_data(slug: str):
    """The map's data (:func:`network.map_data`) for the same query as ``data.json``."""
    region = perm.get_region(slug)
    try:
        chosen = network.checked_query(region, request.args)
    except ValidationError as exc:
        return _invalid_query(exc)
    # the Taktgeber score and the gaps to size markers by, when the region's report is
    # there (never waited for: until then those sizes are missing)
    latest = reports.latest(region, lang=select_locale())
    return jsonify(network.map_data(region, chosen, latest.report))


def _metric_labels() -> dict:
    return {"degree": _("Verbindungen"), "taktgeber": _("Taktgeber-Wert"),
            "population": _("Einwohnerzahl"), "capacity": _("Kapazität (VZÄ)"),
            "gaps": _("Anzahl Lücken")}


@bp.get("/<slug>/network/data.json")
def data(slug: str):
    """The page's graph data (same origin, session cookie), without waiting for the
    analysis: nodes, edges, aggregation, layout, saved positions, labels, and ``editable``
    (:func:`network.editable_keys` of the signed-in account), and ``stale`` while a large
    network's graph is being rebuilt after a change (the previous one is drawn meanwhile;
    :func:`network.region_network`). The marks follow from ``marks.json``."""
    region = perm.get_region(slug)
    try:
        chosen = network.checked_query(region, request.args)
    except ValidationError as exc:
        return _invalid_query(exc)
    picture = network.plain_data(region, chosen)
    document = network.picture_document(region, chosen, picture)
    # the viewer's part appended to the shared, encoded document (it ends with "}")
    viewer = json.dumps({"editable": network.editable_keys(current_user, region),
                         "stale": picture["data_version"] < (region.data_version or 0)})
    return current_app.response_class(f"{document[:-1]},{viewer[1:]}",
                                      mimetype="application/json")


@bp.get("/<slug>/network/marks.json")
def marks(slug: str):
    """The analysis marks of the same query (:func:`graphs.vis.marks_delta` from the graph
    data to the marked data): Taktgeber, gaps and transfer routes in the interface
    language. Never waits for the analysis: while the region has no report yet, 202 with
    ``{"pending": true, "status": …}`` (ask again); while a newer one is being computed,
    the last report's marks with ``"stale": true`` and the ``status_url`` to watch."""
    region = perm.get_region(slug)
    try:
        chosen = network.checked_query(region, request.args)
    except ValidationError as exc:
        return _invalid_query(exc)
    plain = network.plain_data(region, chosen)
    lang = select_locale()
    latest = reports.latest(region, lang=lang)
    status_url = url_for("analysis.status", slug=region.slug)
    if latest.report is None:
        response = jsonify({"pending": True, "status": latest.status(), "lang": lang,
                            "status_url": status_url})
        response.headers["Retry-After"] = "2"
        return response, 202
    positions = network.saved_positions(region)
    marked = network.marked_data(region, chosen, latest.report, (latest.report_version, lang))
    delta = vis.marks_delta(vis.with_positions(plain, positions),
                            vis.with_positions(marked, positions))
    delta["lang"] = lang
    delta["suggested_ties"] = _suggested_ties(region, latest.report, chosen)
    delta["stale"] = latest.state != "ready"
    if delta["stale"]:
        delta["status"] = latest.status()
        delta["status_url"] = status_url
    return jsonify(delta)


def _suggested_ties(region, report: dict, chosen: dict) -> list[dict]:
    """The ties the transfer analysis suggests (of the topics the query filters by, else of
    all), each with the topic and, for an account that may add ties, the tie form filled
    in ("Verbindung anlegen")."""
    topics = chosen["filters"].get("topic") or ()
    topics = {topics} if isinstance(topics, str) else set(topics)
    may_add = perm.can_add_tie(current_user, region)
    found = []
    for entry in report.get("transfer") or ():
        if topics and entry.get("topic") not in topics:
            continue
        for sug in entry.get("suggestions") or ():
            item = {"from": sug["from"], "to": sug["to"], "target": sug.get("target"),
                    "topic": entry.get("topic"), "label": entry.get("label")}
            if may_add:
                item["url"] = url_for("objects.create", slug=region.slug, kind="ties",
                                      source=sug["from"], target=sug["to"],
                                      tie_kind="knowledge_transfer")
            found.append(item)
    return found


@bp.get("/<slug>/network/export.<fmt>")
def export(slug: str, fmt: str):
    """GraphML or GEXF download of the (filtered) network for Gephi and other tools; bad
    query values give the German error page (422) naming the fields (the API's exports
    answer JSON)."""
    region = perm.get_region(slug)
    if fmt not in network.EXPORT_FORMATS:
        abort(404)
    try:
        return network.export_response(region, request.args, fmt)
    except ValidationError as exc:
        # a link the person opens in the browser: the German error page, not raw JSON
        return error_response(422, details=[p.as_dict() for p in exc.problems])


@bp.post("/<slug>/network/positions")
def positions(slug: str):
    """Save node positions (coordinator): JSON ``{"positions": {"key": [x, y], ...}}`` with
    the ``X-CSRFToken`` header. Answers JSON, also when refused (403 ``{"error": ...}``)."""
    region = perm.get_region(slug)
    if not perm.can_save_positions(current_user, region):
        # the page's script asks with fetch and reads the answer as JSON
        return jsonify({"error": MESSAGES[403]()}), 403
    body = request.get_json(silent=True)
    raw = body.get("positions") if isinstance(body, dict) else None
    U = network.region_network(region)
    known = set(U) | {vis.kreis_id(d) for _n, d in U.nodes(data=True)
                      if d["type"] == "municipality"}
    try:
        count = layout.save_positions(region, raw, current_user, known=known)
    except ValidationError as exc:
        return invalid_response([p.as_dict() for p in exc.problems])
    return jsonify({"saved": count})
