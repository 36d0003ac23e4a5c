"""JSON API v1: the same services as the pages, authenticated with bearer tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from collab.accounts import services as account_services
from collab.analysis import reports
from collab.api import openapi
from collab.bundles import services as bundle
from collab.core import permissions as perm
from collab.core import validation
from collab.core.errors import error_response
from collab.core.models import Actor, Initiative, InitiativeJoinRequest, JoinRequest, Region, Rule
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.extensions import db
from collab.objects.kinds import KINDS, MAX_PER_PAGE, filtered_query, list_params
from collab.spielregeln import services as spielregeln

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
    user = account_services.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
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
    details = [{"field": exc.field, "message": exc.message}]
    if request.endpoint in OBJECT_ENDPOINTS:  # like 422: a general sentence, then the details
        return error_response(409, _("Konflikt mit bestehenden Daten."), details)
    return error_response(409, exc.message, details)


#: the network-object endpoints, whose 409 answers follow the shape of 422
OBJECT_ENDPOINTS = frozenset({"api.create_object", "api.patch_object", "api.delete_object"})


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError([validation.Problem("$", _(
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
    """The analysis report; ``?without=<key>`` and ``?taktgeber=<key>`` for a what-if,
    ``?lang=en`` for its sentences in English (default de)."""
    region = perm.get_region(slug)
    lang = reports.parse_lang(request.args.get("lang"))
    without = request.args.get("without", "").strip() or None
    taktgeber = request.args.get("taktgeber", "").strip() or None
    reports.check_whatif(region, without, taktgeber)
    return jsonify(reports.region_report(region, without=without, taktgeber=taktgeber,
                                         lang=lang))


@bp.get("/regions/<slug>/graph")
def graph(slug: str):
    """The network view's vis-network data (the page's filters as query parameters);
    ``?format=graphml`` or ``?format=gexf`` for Gephi and other tools."""
    from collab.analysis import view
    from graphs.vis import FilterError

    region = perm.get_region(slug)
    fmt = request.args.get("format", "vis")
    if fmt not in ("vis", *view.EXPORT_FORMATS):
        raise ValidationError([validation.Problem("format", _(
            "Format: vis, graphml oder gexf erwartet."))])
    try:
        if fmt == "vis":
            lang = reports.parse_lang(request.args.get("lang"))
            return jsonify(view.graph_payload(region, request.args, lang=lang))
        return view.export_response(region, request.args, fmt)
    except FilterError as exc:
        raise ValidationError([validation.Problem(exc.field, exc.message)]) from exc


@bp.get(f"/regions/<slug>/{KIND_PATH}")
def list_objects(slug: str, kind: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    number, per_page, problems = list_params(k, request.args)
    if problems:
        raise ValidationError(problems)
    page = db.paginate(filtered_query(k, region, request.args), page=number, per_page=per_page,
                       max_per_page=MAX_PER_PAGE, error_out=False)
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


# --- Spielregeln ------------------------------------------------------------------------------
# Rules, ballots, votes, the charter and join requests; the use cases are collab.spielregeln.services.


@bp.get("/regions/<slug>/rules")
def list_rules(slug: str):
    """The region's rules; ``?status=``, ``?actor=``, ``?initiative=``, ``?tie_kind=``."""
    region = perm.get_region(slug)
    query = sa.select(Rule).filter_by(region_id=region.id).order_by(Rule.id)
    if request.args.get("status"):
        query = query.where(Rule.status == request.args["status"])
    if request.args.get("actor"):
        query = query.join(Actor, Rule.actor_id == Actor.id).where(
            Actor.key == request.args["actor"])
    if request.args.get("initiative"):
        query = query.join(Initiative, Rule.initiative_id == Initiative.id).where(
            Initiative.key == request.args["initiative"])
    if request.args.get("tie_kind"):
        query = query.where(Rule.tie_kind == request.args["tie_kind"])
    rules = spielregeln.settle_all(db.session.scalars(query).all())
    return jsonify({"items": [spielregeln.rule_summary(r) for r in rules]})


@bp.post("/regions/<slug>/rules")
def propose_rule(slug: str):
    region = perm.get_region(slug)
    if not perm.can_propose_rule(g.api_user, region):
        abort(403)
    rule = spielregeln.propose_rule(region, json_body(), g.api_user)
    response = jsonify(spielregeln.rule_detail(rule))
    response.headers["Location"] = url_for(".get_rule", slug=slug, rule_id=rule.id)
    return response, 201


@bp.get("/regions/<slug>/rules/<int:rule_id>")
def get_rule(slug: str, rule_id: int):
    _region, rule = spielregeln.load_rule(slug, rule_id)
    return jsonify(spielregeln.rule_detail(rule))


@bp.patch("/regions/<slug>/rules/<int:rule_id>")
def revise_rule(slug: str, rule_id: int):
    """The proposer revises title or text (409 once a ballot was opened)."""
    region, rule = spielregeln.load_rule(slug, rule_id)
    if not perm.can_revise_rule(g.api_user, rule):
        abort(403)
    spielregeln.revise_rule(region, rule, json_body(), g.api_user)
    return jsonify(spielregeln.rule_detail(rule))


@bp.post("/regions/<slug>/rules/<int:rule_id>/withdraw")
def withdraw_rule(slug: str, rule_id: int):
    """The proposer or the coordinator withdraws a draft: it is deleted (204; 409 once a
    ballot was opened); the activity log keeps the record."""

    region, rule = spielregeln.load_rule(slug, rule_id)
    if not perm.can_withdraw_rule(g.api_user, rule):
        abort(403)
    spielregeln.withdraw_rule(region, rule, g.api_user)
    return "", 204


@bp.post("/regions/<slug>/rules/<int:rule_id>/comments")
def comment_rule(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    if not perm.can_comment_rule(g.api_user, rule):
        abort(403)
    comment = spielregeln.add_comment(region, rule, json_body(), g.api_user)
    return jsonify({"id": comment.id, "text": comment.text}), 201


@bp.post("/regions/<slug>/rules/<int:rule_id>/ballot")
def open_ballot(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    if not perm.can_open_ballot(g.api_user, rule):
        abort(403)
    spielregeln.open_ballot(region, rule, json_body(), g.api_user)
    return jsonify(spielregeln.rule_detail(rule))


@bp.post("/regions/<slug>/rules/<int:rule_id>/votes")
def cast_vote(slug: str, rule_id: int):
    """A member votes for its municipality; the coordinator records a vote on a
    municipality's behalf with ``municipality`` and ``reference``."""

    region, rule = spielregeln.load_rule(slug, rule_id)
    vote = spielregeln.cast_vote(region, rule, json_body(), g.api_user)
    return jsonify({"municipality": vote.municipality.key, "vote": vote.vote,
                    "reason": vote.reason, "reference": vote.reference,
                    "rule": spielregeln.rule_detail(rule)}), 201


@bp.get("/regions/<slug>/charter")
def get_charter(slug: str):
    """The adopted rules in order, each with its date, tally and versions."""
    region = perm.get_region(slug)
    rules = spielregeln.charter(region)
    designated = spielregeln.designated_taktgeber(rules)
    return jsonify({"region": region.slug, "name": region.name,
                    "taktgeber": designated.key if designated else None,
                    "rules": [spielregeln.rule_detail(r) for r in rules]})


@bp.get("/regions/<slug>/join-requests")
def list_join_requests(slug: str):
    """The coordinator sees every application; an applicant its own."""
    region = perm.get_region(slug)
    found = db.session.scalars(sa.select(JoinRequest).filter_by(region_id=region.id)
                               .order_by(JoinRequest.id)).all()
    return jsonify({"items": [spielregeln.join_request_record(r) for r in found
                              if perm.can_read_join_request(g.api_user, r)]})


@bp.post("/regions/<slug>/join-requests")
def apply_to_join(slug: str):
    region = perm.get_region(slug)
    if not perm.can_apply_to_join(g.api_user, region):
        abort(403)
    req = spielregeln.apply_to_join(region, json_body(), g.api_user)
    return jsonify(spielregeln.join_request_record(req)), 201


@bp.post("/regions/<slug>/join-requests/<int:request_id>/decision")
def decide_join(slug: str, request_id: int):
    """``{"approve": true|false, "reason": "…"}``; a reason is required to decline."""
    region = perm.get_region(slug)
    req = perm.get_join_request(region, request_id)
    if not perm.can_decide_join(g.api_user, region):
        abort(403)
    spielregeln.decide_join(region, req, json_body(), g.api_user)
    return jsonify(spielregeln.join_request_record(req))


@bp.get("/regions/<slug>/initiatives/<key>/join-requests")
def list_initiative_join_requests(slug: str, key: str):
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    found = db.session.scalars(sa.select(InitiativeJoinRequest).filter_by(
        initiative_id=initiative.id).order_by(InitiativeJoinRequest.id)).all()
    return jsonify({"items": [spielregeln.initiative_join_record(r) for r in found]})


@bp.post("/regions/<slug>/initiatives/<key>/join-requests")
def request_initiative_join(slug: str, key: str):
    """``{"actor": "<own actor key>", "role": "partner", "message": "…"}``."""
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    if not perm.can_request_initiative_join(g.api_user, initiative):
        abort(403)
    req = spielregeln.request_initiative_join(region, initiative, json_body(), g.api_user)
    return jsonify(spielregeln.initiative_join_record(req)), 201


@bp.post("/regions/<slug>/initiatives/<key>/join-requests/<int:request_id>/decision")
def decide_initiative_join(slug: str, key: str, request_id: int):
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    req = perm.get_initiative_join_request(initiative, request_id)
    if not perm.can_decide_initiative_join(g.api_user, initiative):
        abort(403)
    spielregeln.decide_initiative_join(region, req, json_body(), g.api_user)
    return jsonify(spielregeln.initiative_join_record(req))
