"""Error pages, and JSON errors for the API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from collab.core.store import Busy, Conflict, busy_now, database_busy
from collab.extensions import db

bp = Blueprint("errors", __name__)

#: Methods that never change anything, so no change can have been lost.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MESSAGES = {
    400: lambda: _("Die Anfrage ist ungültig."),
    401: lambda: _("Bitte melden Sie sich an (API: gültiges Token im Authorization-Header)."),
    403: lambda: _("Dafür fehlt Ihrem Zugang die Berechtigung."),
    404: lambda: _("Diese Seite oder dieses Objekt gibt es nicht."),
    405: lambda: _("Diese Methode ist hier nicht erlaubt."),
    409: lambda: _("Das kollidiert mit vorhandenen Daten."),
    413: lambda: _("Die Datei ist zu groß."),
    422: lambda: _("Die Eingabe ist ungültig."),
    500: lambda: (_("Ein interner Fehler ist aufgetreten.") if request.method in SAFE_METHODS
                  else _("Ein interner Fehler ist aufgetreten. "
                         "Die Änderung wurde nicht gespeichert.")),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _region_of_request():
    """The region whose pages the refused or missing URL belongs to (``/regions/<slug>/…``),
    so the error page keeps its navigation; None elsewhere or for an unknown region."""
    from collab.core.models import Region

    slug = (request.view_args or {}).get("slug") if request.url_rule else None
    if not slug:
        parts = request.path.split("/")
        slug = parts[2] if len(parts) > 2 and parts[1] == "regions" else None
    if not slug:
        return None
    try:
        return db.session.scalar(db.select(Region).filter_by(slug=slug))
    except Exception:  # noqa: BLE001 - an error page must never fail over its navigation
        db.session.rollback()
        return None


def refusal_reason(region) -> str:
    """Why the signed-in account may not do what it asked, from its role (when the code
    that refused gave no reason of its own)."""
    from flask_login import current_user

    user = current_user
    if not getattr(user, "is_authenticated", False):
        return _("Bitte melden Sie sich an.")
    role = getattr(user, "role", None)
    if role == "viewer":
        return _("Ihr Zugang hat nur Leserechte: Ändern können die Mitglieder und die "
                 "Koordination der Region.")
    if region is not None and getattr(user, "region_id", None) != region.id and (
            role == "coordinator"):
        return _("Sie koordinieren eine andere Region; hier entscheidet die Koordination "
                 "von %(r)s.", r=region.name)
    if role == "member":
        return _("Ihr Zugang spricht nur für Ihre eigene Kommune; dies ist Sache der "
                 "betroffenen Kommune oder der Koordination der Region.")
    return MESSAGES[403]()


def error_response(status: int, message: str | None = None, details: list | None = None,
                   reason: str | None = None):
    message = message or MESSAGES.get(status, lambda: str(status))()
    if wants_json():
        body = {"error": message}
        if reason:
            body["reason"] = reason
        if details is not None:
            body["details"] = details
        return jsonify(body), status
    region = _region_of_request()
    if status == 403 and not reason:
        reason = refusal_reason(region)
    return render_template("errors/error.html", status=status, message=message,
                           reason=reason, region=region, details=details or []), status


@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    return error_response(400, _("Das Formular ist abgelaufen oder ungültig (CSRF). "
                                 "Bitte laden Sie die Seite neu und versuchen Sie es erneut."))


@bp.app_errorhandler(Conflict)
def conflict(exc: Conflict):
    """A conflict no page caught (a race lost at commit): 409 with its German message."""
    db.session.rollback()
    return error_response(409, exc.message)


#: seconds after which a request that found the database busy may be sent again
RETRY_AFTER = 5


@bp.app_errorhandler(Busy)
def busy(exc: Busy):
    """A change that found the database busy with another writer for longer than a writer
    waits (nothing was saved; the same request may be sent again): 503 with the German
    message and ``Retry-After``, for every page and endpoint."""
    db.session.rollback()
    response = make_response(error_response(503, exc.message))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


@bp.app_errorhandler(sa.exc.OperationalError)
def operational_error(exc: sa.exc.OperationalError):
    """A busy database is :func:`busy` (503); any other database failure stays a 500."""
    if not database_busy(exc):
        raise exc
    return busy(busy_now())


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code in MESSAGES:
        # a description of its own (perm.require(..., reason), abort(403, description=…))
        # says why; werkzeug's English default does not
        own = exc.description if exc.description != type(exc).description else None
        return error_response(exc.code, reason=own)
    return exc


@bp.app_errorhandler(500)
def internal_error(exc):
    db.session.rollback()
    return error_response(500)
