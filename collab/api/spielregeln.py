"""API: rules, ballots, votes, the charter and join requests."""


from __future__ import annotations

import sqlalchemy as sa
from flask import abort, g, jsonify, request, url_for

from collab.api import KIND_PATH, bp, json_body  # noqa: F401
from collab.core import permissions as perm
from collab.core.models import (
    Actor,
    FormatInvitation,
    Initiative,
    InitiativeJoinRequest,
    JoinRequest,
    Rule,
)
from collab.extensions import db
from collab.spielregeln import services as spielregeln

# --- Spielregeln ------------------------------------------------------------------------------
# Rules, ballots, votes, the charter and join requests (use cases: collab.spielregeln.services).


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
    rules = db.session.scalars(query).all()
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
    return jsonify({"items": [spielregeln.initiative_join_record(r, g.api_user) for r in found]})


@bp.post("/regions/<slug>/initiatives/<key>/join-requests")
def request_initiative_join(slug: str, key: str):
    """``{"actor": "<own actor key>", "role": "partner", "message": "…"}``."""
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    if not perm.can_request_initiative_join(g.api_user, initiative):
        abort(403)
    req = spielregeln.request_initiative_join(region, initiative, json_body(), g.api_user)
    return jsonify(spielregeln.initiative_join_record(req, g.api_user)), 201


@bp.post("/regions/<slug>/initiatives/<key>/join-requests/<int:request_id>/decision")
def decide_initiative_join(slug: str, key: str, request_id: int):
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    req = perm.get_initiative_join_request(initiative, request_id)
    if not perm.can_decide_initiative_request(g.api_user, req):
        abort(403)
    spielregeln.decide_initiative_join(region, req, json_body(), g.api_user)
    return jsonify(spielregeln.initiative_join_record(req, g.api_user))


@bp.get("/regions/<slug>/formats/<key>/invitations")
def list_format_invitations(slug: str, key: str):
    """Invitations of other municipalities' actors to a format (the reason of a decline only
    for the format's editors and the invited municipality)."""
    region = perm.get_region(slug)
    fmt = perm.get_format(region, key)
    found = db.session.scalars(sa.select(FormatInvitation).filter_by(
        format_id=fmt.id).order_by(FormatInvitation.id)).all()
    return jsonify({"items": [spielregeln.format_invitation_record(i, g.api_user)
                              for i in found]})


@bp.post("/regions/<slug>/formats/<key>/invitations/<int:invitation_id>/decision")
def decide_format_invitation(slug: str, key: str, invitation_id: int):
    """``{"approve": true|false, "reason": "…"}``: the invited municipality's member
    accounts only; a reason is required to decline."""
    region = perm.get_region(slug)
    fmt = perm.get_format(region, key)
    invitation = perm.get_format_invitation(fmt, invitation_id)
    if not perm.can_decide_format_invitation(g.api_user, invitation):
        abort(403)
    spielregeln.decide_format_invitation(region, invitation, json_body(), g.api_user)
    return jsonify(spielregeln.format_invitation_record(invitation, g.api_user))
