"""The interactive network view: the page, its JSON data, saved node positions."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import networkx as nx
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

import graphs
from graphs import vis

from . import permissions as perm
from . import select_locale, services, vocab
from .bundle import export_bundle
from .extensions import db
from .models import Initiative, Municipality, NodePosition, Region, RegionMembership
from .reports import region_report
from .validation import ValidationError

bp = Blueprint("view", __name__, url_prefix="/regions")

#: built graphs kept per process (region, data version)
GRAPH_CACHE_SIZE = 4
#: above this many municipalities or initiatives the filter fields offer no option list
CHOICE_LIST_MAX = 500

_graphs: OrderedDict[tuple, tuple[nx.MultiDiGraph, nx.Graph]] = OrderedDict()
_lock = threading.Lock()


@bp.before_request
@login_required
def require_login():
    """The network view, like every page of a region, needs a signed-in account."""


def region_graph(region: Region) -> tuple[nx.MultiDiGraph, nx.Graph]:
    """The region's graph (:func:`graphs.build_graph`) and its network graph, cached until
    the region's data version changes."""
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, region.data_version or 0)
    with _lock:
        if key in _graphs:
            _graphs.move_to_end(key)
            return _graphs[key]
    G = graphs.build_graph(export_bundle(region))
    found = (G, graphs.network_graph(G))
    with _lock:
        _graphs[key] = found
        while len(_graphs) > GRAPH_CACHE_SIZE:
            _graphs.popitem(last=False)
    return found


def saved_positions(region: Region) -> dict[str, tuple[float, float]]:
    rows = db.session.execute(sa.select(NodePosition.node_key, NodePosition.x, NodePosition.y)
                              .where(NodePosition.region_id == region.id))
    return {key: (x, y) for key, x, y in rows}


def view_args(args) -> dict:
    """The view's query parameters: filters (repeatable), ``ego``, ``expand`` (repeatable),
    ``metric``."""
    filters = {name: [v for v in args.getlist(name) if v] for name in vis.FILTERS}
    return {"filters": {k: v for k, v in filters.items() if v},
            "ego": args.get("ego") or None,
            "expand": [v for v in args.getlist("expand") if v],
            "metric": args.get("metric") or "degree"}


def _labels() -> dict:
    return {name: {k: str(v) for k, v in vocabulary.items()} for name, vocabulary in (
        ("type", {"municipality": _("Kommune"), "actor": _("Akteur"),
                  "initiative": _("Initiative"), "kreis": _("Kreis")}),
        ("level", vocab.LEVELS), ("sector", vocab.SECTORS), ("tier", vocab.TIERS),
        ("topic", vocab.TOPICS), ("actor_type", vocab.ACTOR_TYPES),
        ("kind", vocab.MUNICIPALITY_KINDS), ("status", vocab.INITIATIVE_STATUSES))}


def graph_payload(region: Region, args, *, lang: str = "de") -> dict:
    """The vis-network data of ``region`` for the query ``args`` (raises
    :class:`graphs.vis.FilterError` for bad filters), with the analysis marks (gap messages
    and explanations in ``lang``), saved positions, the vocabulary's labels and the URLs of
    the nodes' pages."""
    G, U = region_graph(region)
    chosen = view_args(args)
    data = vis.vis_data(G, U=U, report=region_report(region, lang=lang),
                        positions=saved_positions(region), **chosen)
    base = url_for("network.overview", slug=region.slug)
    data["urls"] = {"municipality": f"{base}/municipalities/", "actor": f"{base}/actors/",
                    "initiative": f"{base}/initiatives/"}
    data["labels"] = _labels()
    data["query"] = chosen
    return data


#: export formats: writer and media type
EXPORT_FORMATS = {"graphml": (nx.write_graphml, "application/graphml+xml"),
                  "gexf": (nx.write_gexf, "application/gexf+xml")}


def export_response(region: Region, args, fmt: str) -> Response:
    """The region's graph (the bundle's nodes and edges with all their attributes, narrowed
    by the view's filters and ego view) as a GraphML or GEXF download."""
    writer, media_type = EXPORT_FORMATS[fmt]
    G, U = region_graph(region)
    chosen = view_args(args)
    keep = vis.filter_nodes(U, chosen["filters"])
    if chosen["ego"]:
        keep &= vis.ego_nodes(U, chosen["ego"])
    buffer = io.BytesIO()
    writer(graphs.exportable(G.subgraph(keep)), buffer)
    return Response(buffer.getvalue(), mimetype=media_type, headers={
        "Content-Disposition": f'attachment; filename="{region.slug}-netzwerk.{fmt}"'})


def invalid_response(details: list[dict]):
    """422 with the API's error document (the view's JSON endpoints answer JSON)."""
    return jsonify({"error": _("Die Eingabe ist ungültig."), "details": details}), 422


def _filter_error(exc: vis.FilterError):
    return invalid_response([{"field": exc.field, "message": exc.message}])


@bp.get("/<slug>/network")
def page(slug: str):
    region = perm.get_region(slug)
    municipalities = db.session.execute(
        sa.select(Municipality.key, Municipality.name).join(RegionMembership)
        .where(RegionMembership.region_id == region.id).order_by(Municipality.name)
        .limit(CHOICE_LIST_MAX + 1)).all()
    initiatives = db.session.execute(
        sa.select(Initiative.key, Initiative.name).where(Initiative.region_id == region.id)
        .order_by(Initiative.name).limit(CHOICE_LIST_MAX + 1)).all()
    return render_template(
        "view/network.html", region=region, args=request.args,
        municipalities=municipalities if len(municipalities) <= CHOICE_LIST_MAX else None,
        initiatives=initiatives if len(initiatives) <= CHOICE_LIST_MAX else None,
        metrics=_metric_labels(), can_save=perm.can_save_positions(current_user, region))


def _metric_labels() -> dict:
    return {"degree": _("Verbindungen"), "taktgeber": _("Taktgeber-Wert"),
            "population": _("Einwohnerzahl"), "capacity": _("Kapazität (VZÄ)"),
            "gaps": _("Anzahl Lücken")}


@bp.get("/<slug>/network/data.json")
def data(slug: str):
    """The page's data (same origin, session cookie): the same document as the API's
    ``/api/v1/regions/<slug>/graph``."""
    region = perm.get_region(slug)
    try:
        return jsonify(graph_payload(region, request.args, lang=select_locale()))
    except vis.FilterError as exc:
        return _filter_error(exc)


@bp.get("/<slug>/network/export.<fmt>")
def export(slug: str, fmt: str):
    """GraphML or GEXF download of the (filtered) network for Gephi and other tools."""
    region = perm.get_region(slug)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    try:
        return export_response(region, request.args, fmt)
    except vis.FilterError as exc:
        return _filter_error(exc)


@bp.post("/<slug>/network/positions")
def positions(slug: str):
    """Save node positions (coordinator): JSON ``{"positions": {"key": [x, y], ...}}`` with
    the ``X-CSRFToken`` header."""
    region = perm.get_region(slug)
    perm.require(perm.can_save_positions(current_user, region))
    body = request.get_json(silent=True)
    raw = body.get("positions") if isinstance(body, dict) else None
    G, _U = region_graph(region)
    known = set(G) | {vis.kreis_id(d) for _n, d in G.nodes(data=True)
                      if d["type"] == "municipality"}
    try:
        count = services.save_positions(region, raw, current_user, known=known)
    except ValidationError as exc:
        return invalid_response([p.as_dict() for p in exc.problems])
    return jsonify({"saved": count})
