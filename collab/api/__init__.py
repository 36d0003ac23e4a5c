"""JSON API v1: the same services as the pages, authenticated with bearer tokens.

This module holds the blueprint, authentication and error answers; the endpoints live in one
module per resource family: :mod:`.regions` (regions, bundle, analysis, graph),
:mod:`.objects` (the five object kinds), :mod:`.spielregeln` (rules, ballots, charter, joining);
the OpenAPI document is generated in :mod:`.openapi`."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _

from collab.accounts import services as account_services
from collab.api import openapi
from collab.core import validation
from collab.core.errors import error_response
from collab.core.store import Conflict
from collab.core.validation import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

KIND_PATH = "<any(municipalities,actors,initiatives,ties,formats,solutions):kind>"
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


def json_document(path: str = ""):
    """The request's JSON document, or None when there is none or it is no valid JSON;
    a document with characters no text may hold or nested too deep is refused (422)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
        raise ValidationError([validation.Problem(path or "$", _(
            "zu tief verschachtelt (höchstens %(n)d Ebenen).", n=validation.MAX_DEPTH))]) \
            from None
    problems = validation.bad_characters(body, path)  # "": fields as in every other 422
    if problems:
        raise ValidationError(problems)
    return body


def json_body() -> dict:
    body = json_document()
    if not isinstance(body, dict):
        raise ValidationError([validation.Problem("$", _(
            "Der Inhalt muss ein JSON-Objekt sein (Content-Type: application/json)."))])
    return body


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(url_for("api.regions", _external=False)))


# the endpoint modules add their routes to bp
from collab.api import accounts, objects, regions, snapshots, spielregeln, surveys  # noqa: E402,F401

