"""API: the relationship survey (open a round, read it, answer it for a municipality)."""

from __future__ import annotations

from flask import abort, g, jsonify, url_for

from collab.api import bp, json_body, json_document
from collab.core import permissions as perm
from collab.surveys import services as survey_services


@bp.post("/regions/<slug>/surveys")
def open_survey(slug: str):
    """The coordinator opens a round: ``{"closes_at": "YYYY-MM-DD"}`` → 201 with ``id``."""
    region = perm.get_region(slug)
    if not perm.can_open_survey(g.api_user, region):
        abort(403)
    survey = survey_services.open_survey(region, json_body(), g.api_user)
    response = jsonify(survey_services.survey_record(region, survey, g.api_user))
    response.headers["Location"] = url_for(".get_survey", slug=slug, survey_id=survey.id)
    return response, 201


@bp.post("/regions/<slug>/surveys/<int:survey_id>/close")
def close_survey(slug: str, survey_id: int):
    """The coordinator ends an open round early → 200 with the round (409 when closed)."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    if not perm.can_open_survey(g.api_user, region):
        abort(403)
    survey = survey_services.close_survey(region, survey, g.api_user)
    return jsonify(survey_services.survey_record(region, survey, g.api_user))


@bp.get("/regions/<slug>/surveys/<int:survey_id>")
def get_survey(slug: str, survey_id: int):
    """The round; the coordinator sees every answer, the response rate and the share of
    confirmed ties, a member its own answer."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    return jsonify(survey_services.survey_record(region, survey, g.api_user))


@bp.put("/regions/<slug>/surveys/<int:survey_id>/responses/<key>")
def put_response(slug: str, survey_id: int, key: str):
    """A member municipality's answer (it replaces an earlier one of the same round)."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    membership = perm.get_membership(region, key)
    if not perm.can_answer_survey(g.api_user, region, membership.municipality):
        abort(403)
    response = survey_services.submit_response(region, survey, membership.municipality,
                                               json_document("$"), g.api_user)
    return jsonify(survey_services.response_record(response))
