"""API: the regions, their bundle, analysis report and graph data."""


from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, g, jsonify, request
from flask_babel import gettext as _

from collab.analysis import reports
from collab.api import KIND_PATH, bp, json_body, json_document  # noqa: F401
from collab.bundles import services as bundle
from collab.core import permissions as perm
from collab.core import validation
from collab.core.collation import by_name
from collab.core.models import Region
from collab.core.validation import ValidationError
from collab.extensions import db


@bp.get("/regions")
def regions():
    found = by_name(db.session.scalars(sa.select(Region)), then=lambda r: r.slug)
    return jsonify([region_record(r) for r in found])


@bp.get("/regions/compare")
def compare_regions():
    """The regions the account reads, side by side, and the municipalities through which
    knowledge and solutions cross their borders (``region`` may name some, repeatable)."""
    from collab.solutions import services as solutions

    found = solutions.readable_regions(g.api_user)
    wanted = request.args.getlist("region")
    if wanted:
        found = [r for r in found if r.slug in wanted]
    return jsonify({"regions": [solutions.region_facts(r, reports.latest(r).report)
                                for r in found],
                    "crossing": solutions.crossing_paths(found)})


@bp.patch("/regions/<slug>")
def patch_region(slug: str):
    """The coordinator changes the region's settings (``funded_until``)."""
    from collab.objects import services as object_services

    region = perm.get_region(slug)
    if not perm.can_edit_region_settings(g.api_user, region):
        abort(403)
    body = json_body()
    unknown = sorted(set(body) - set(object_services.REGION_SETTINGS))
    if unknown:
        raise ValidationError([validation.Problem(name, _(
            "Unbekanntes Feld; änderbar ist: %(known)s.",
            known=", ".join(object_services.REGION_SETTINGS))) for name in unknown])
    object_services.update_region_settings(region, body, g.api_user)
    return jsonify(region_record(region))


def region_record(region: Region) -> dict:
    return {"slug": region.slug, "name": region.name, "decision_rule": region.decision_rule,
            "quorum": region.quorum,
            "funded_until": region.funded_until.isoformat() if region.funded_until else None}


@bp.get("/regions/<slug>/bundle")
def get_bundle(slug: str):
    """The bundle (JSON); ``?format=xlsx`` for the Excel workbook, one sheet per kind."""
    from collab.bundles import sheets

    region = perm.get_region(slug)
    contact = request.args.get("contact") == "1" and perm.can_manage_region(g.api_user, region)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "xlsx"):
        raise ValidationError([validation.Problem("format", _(
            "Format: json oder xlsx erwartet."))])
    doc = bundle.export_bundle(region, contact=contact)
    if fmt == "xlsx":
        return Response(sheets.workbook_bytes(doc), mimetype=sheets.XLSX_MIME, headers={
            "Content-Disposition": f'attachment; filename="{region.slug}.xlsx"'})
    return jsonify(doc)


#: the request bodies PUT /bundle reads as a spreadsheet instead of JSON
SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "upload.xlsx",
    "text/csv": "upload.csv",
}


@bp.put("/regions/<slug>/bundle")
def put_bundle(slug: str):
    """Import a bundle (JSON), a workbook (XLSX body) or one CSV sheet (text/csv body);
    ``?merge=1`` adds and updates only (a CSV sheet always), ``?dry_run=1`` checks."""
    region = db.session.scalar(sa.select(Region).filter_by(slug=slug))
    if not perm.can_import_bundle(g.api_user, region):
        abort(403)
    dry_run = request.args.get("dry_run") in ("1", "true")
    expected = None
    if request.args.get("if_version") is not None:
        # the data version a dry run reported: 409 instead of importing over changes
        # someone made since (the page's preview and confirmation do the same)
        problems: list[validation.Problem] = []
        expected = validation.parse_field(problems, "bundle_import", "if_version",
                                          request.args["if_version"], parse=None)
        if problems or expected is None:
            raise ValidationError(problems or [validation.Problem(
                "if_version", _("%(f)s: Angabe fehlt.", f="if_version"))])
    sheet_name = SPREADSHEET_TYPES.get(request.mimetype)
    if sheet_name:
        summary, _doc = bundle.import_spreadsheet(
            request.get_data(), sheet_name, g.api_user, slug=slug,
            merge=request.args.get("merge") in ("1", "true"), dry_run=dry_run,
            expected_version=expected)
    else:
        summary = bundle.import_bundle(json_document("$"), g.api_user, slug=slug,
                                       dry_run=dry_run, expected_version=expected)
    return jsonify(summary), (201 if region is None and not dry_run else 200)


@bp.get("/regions/<slug>/analysis")
def analysis(slug: str):
    """The analysis report; ``?without=<key>`` and ``?taktgeber=<key>`` for a what-if,
    ``?lang=en`` for its sentences in English (default de)."""
    region = perm.get_region(slug)
    lang = reports.parse_lang(request.args.get("lang"))
    without = request.args.get("without", "").strip() or None
    taktgeber = request.args.get("taktgeber", "").strip() or None
    reports.check_whatif(region, without, taktgeber)
    latest = reports.latest(region, without=without, taktgeber=taktgeber, lang=lang)
    return _report_response(latest, latest.report)


def _report_response(latest, body):
    """200 with ``body`` when a report exists (headers ``X-Analysis-State``: ready, stale,
    failed, and ``X-Analysis-Version``: the data version it was computed from); 202 with
    the progress document and ``Retry-After`` while the first one is being computed."""
    if body is None:
        if latest.state == "failed":
            return jsonify({"error": latest.status()["state_text"], "details": [],
                            **latest.status()}), 503
        response = jsonify(latest.status())
        response.headers["Retry-After"] = "2"
        response.headers["X-Analysis-State"] = latest.state
        return response, 202
    response = jsonify(body)
    response.headers["X-Analysis-State"] = latest.state
    response.headers["X-Analysis-Version"] = str(latest.report_version)
    return response


@bp.get("/regions/<slug>/graph")
def graph(slug: str):
    """The network view's vis-network data (the page's filters as query parameters);
    ``?format=graphml`` or ``?format=gexf`` for Gephi and other tools."""
    from collab.analysis import network as view
    from graphs.vis import FilterError

    region = perm.get_region(slug)
    fmt = request.args.get("format", "vis")
    if fmt not in ("vis", *view.EXPORT_FORMATS):
        raise ValidationError([validation.Problem("format", _(
            "Format: vis, graphml oder gexf erwartet."))])
    try:
        if fmt == "vis":
            lang = reports.parse_lang(request.args.get("lang"))
            payload = view.graph_payload(region, request.args, lang=lang)
            return _report_response(reports.latest(region, lang=lang), payload)
        return view.export_response(region, request.args, fmt)
    except FilterError as exc:
        raise ValidationError([validation.Problem(exc.field, exc.message)]) from exc
