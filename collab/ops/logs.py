"""Logs and the per-request frame of a production run: a request id on every request
(``X-Request-ID``: the proxy's when it sent a sane one, else a new one; echoed in the
response), one access line per request, JSON lines on stdout (``LOG_FORMAT=json``, the
production default), secure cookies and HSTS whenever the request came over TLS.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

ACCESS = logging.getLogger("kommunalnetz.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: attributes of a LogRecord that are not extra fields
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, msg, request_id (inside
    a request), any ``extra`` fields, and the traceback as ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {"ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                   timespec="milliseconds").replace("+00:00", "Z"),
               "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        rid = getattr(record, "request_id", None) or request_id()
        if rid:
            doc["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in doc:
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Send every log record of this process to stdout, as JSON lines or as text
    (idempotent: the handler is installed once)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kommunalnetz", False):
            return
    handler = logging.StreamHandler(sys.stdout)
    handler._kommunalnetz = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    root.setLevel(level)


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over TLS (directly or, with
    ProxyFix, as the proxy's ``X-Forwarded-Proto``), and always with SESSION_COOKIE_SECURE."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Request ids, access lines, TLS cookies and HSTS. Where log lines go is the entry
    point's choice (:mod:`collab.wsgi` calls :func:`configure`), not the factory's."""
    app.session_interface = TlsAwareSessionInterface()

    @app.before_request
    def start_request():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
        if request.is_secure and app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}")
        started = g.get("request_started")
        if started is not None and request.endpoint != "static":
            # the account only if this request loaded it (asking current_user here would
            # load it anew after a logout, inside the response)
            user = getattr(g.get("_login_user"), "id", None)
            ACCESS.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"method": request.method, "path": request.path,
                               "status": response.status_code,
                               "duration_ms": round(1000 * (time.perf_counter() - started), 1),
                               "user": user, "remote": request.remote_addr})
        return response
