"""Error pages, and JSON errors for the API."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from collab.core.store import Conflict
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


def error_response(status: int, message: str | None = None, details: list | None = None):
    message = message or MESSAGES.get(status, lambda: str(status))()
    if wants_json():
        body = {"error": message}
        if details is not None:
            body["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message,
                           details=details or []), status


@bp.app_errorhandler(CSRFError)
def csrf_error(exc):
    return error_response(400, _("Das Formular ist abgelaufen oder ungültig (CSRF). "
                                 "Bitte laden Sie die Seite neu und versuchen Sie es erneut."))


@bp.app_errorhandler(Conflict)
def conflict(exc: Conflict):
    """A conflict no page caught (a race lost at commit): 409 with its German message."""
    db.session.rollback()
    return error_response(409, exc.message)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code in MESSAGES:
        return error_response(exc.code)
    return exc


@bp.app_errorhandler(500)
def internal_error(exc):
    db.session.rollback()
    return error_response(500)
