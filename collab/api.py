"""JSON API v1: the same services as the pages, authenticated with bearer tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from . import bundle, openapi, reports, services
from . import permissions as perm
from .errors import error_response
from .extensions import db
from .kinds import KINDS, filtered_query
from .models import Region
from .services import Conflict
from .validation import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

KIND_PATH = "<any(municipalities,actors,initiatives,ties):kind>"
PUBLIC_ENDPOINTS = {"api.openapi_document"}


@bp.before_request
def authenticate():
    """Every endpoint but the OpenAPI document needs ``Authorization: Bearer <token>``."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = services.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return error_response(401)
    g.api_user = user
    return None


@bp.errorhandler(ValidationError)
def invalid(exc: ValidationError):
    return error_response(422, _("Die Eingabe ist ungültig."),
                          [p.as_dict() for p in exc.problems])


@bp.errorhandler(Conflict)
def conflict(exc: Conflict):
    return error_response(409, exc.message, [{"field": exc.field, "message": exc.message}])


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError([services.Problem("$", _(
            "Der Inhalt muss ein JSON-Objekt sein (Content-Type: application/json)."))])
    return body


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(url_for("api.regions", _external=False)))


@bp.get("/regions")
def regions():
    found = db.session.scalars(sa.select(Region).order_by(Region.name)).all()
    return jsonify([{"slug": r.slug, "name": r.name, "decision_rule": r.decision_rule,
                     "quorum": r.quorum} for r in found])


@bp.get("/regions/<slug>/bundle")
def get_bundle(slug: str):
    region = perm.get_region(slug)
    contact = request.args.get("contact") == "1" and perm.can_manage_region(g.api_user, region)
    return jsonify(bundle.export_bundle(region, contact=contact))


@bp.put("/regions/<slug>/bundle")
def put_bundle(slug: str):
    region = db.session.scalar(sa.select(Region).filter_by(slug=slug))
    if not perm.can_import_bundle(g.api_user, region):
        abort(403)
    dry_run = request.args.get("dry_run") in ("1", "true")
    summary = bundle.import_bundle(request.get_json(silent=True), g.api_user, slug=slug,
                                   dry_run=dry_run)
    return jsonify(summary), (201 if region is None and not dry_run else 200)


@bp.get("/regions/<slug>/analysis")
def analysis(slug: str):
    """The analysis report; ``?without=<key>`` and ``?taktgeber=<key>`` for a what-if."""
    region = perm.get_region(slug)
    without = request.args.get("without", "").strip() or None
    taktgeber = request.args.get("taktgeber", "").strip() or None
    reports.check_whatif(region, without, taktgeber)
    return jsonify(reports.region_report(region, without=without, taktgeber=taktgeber))


@bp.get(f"/regions/<slug>/{KIND_PATH}")
def list_objects(slug: str, kind: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    per_page = min(request.args.get("per_page", 100, type=int), 1000)
    page = db.paginate(filtered_query(k, region, request.args), per_page=per_page,
                       max_per_page=1000, error_out=False)
    return jsonify({"items": [k.record(o) for o in page.items], "page": page.page,
                    "pages": page.pages, "per_page": page.per_page, "total": page.total})


@bp.post(f"/regions/<slug>/{KIND_PATH}")
def create_object(slug: str, kind: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    if not k.can_add(g.api_user, region):
        abort(403)
    obj = k.add(region, json_body(), g.api_user)
    response = jsonify(k.record(obj))
    response.headers["Location"] = url_for(".get_object", slug=slug, kind=kind,
                                           key=k.key_of(obj))
    return response, 201


@bp.get(f"/regions/<slug>/{KIND_PATH}/<key>")
def get_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    return jsonify(k.record(k.load(region, key)))


@bp.patch(f"/regions/<slug>/{KIND_PATH}/<key>")
def patch_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    obj = k.load(region, key)
    if not k.can_edit(g.api_user, region, obj):
        abort(403)
    k.update(region, obj, json_body(), g.api_user)
    return jsonify(k.record(obj))


@bp.delete(f"/regions/<slug>/{KIND_PATH}/<key>")
def delete_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    obj = k.load(region, key)
    allowed = (perm.can_delete_municipality(g.api_user, region, obj.municipality)
               if kind == "municipalities" else k.can_edit(g.api_user, region, obj))
    if not allowed:
        abort(403)
    k.delete(region, obj, g.api_user)
    return "", 204


