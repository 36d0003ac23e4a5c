"""Kommunalnetz: the web application (factory, blueprints, services)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request, session, url_for
from flask_babel import lazy_gettext as _l

from collab import config
from collab.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def select_locale() -> str:
    """German by default; English when chosen (stored in the session)."""
    if not has_request_context():
        return "de"
    chosen = session.get("lang")
    if chosen in ("de", "en"):
        return chosen
    return "de"


def page_url(number: int) -> str:
    """This page's URL with its query kept and ``page`` set."""
    from werkzeug.datastructures import MultiDict
    from werkzeug.urls import urlencode

    path = url_for(request.endpoint, **(request.view_args or {}))
    args = MultiDict(request.args)
    args.setlist("page", [str(number)])  # query names may equal route names (``kind``)
    return f"{path.split('?', 1)[0]}?{urlencode(args)}"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"),
                instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"

    from collab import api, cli
    from collab.accounts import pages as auth
    from collab.analysis import pages as analysis
    from collab.core import errors
    from collab.home import pages as ui
    from collab.objects import pages as network

    app.register_blueprint(errors.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(network.bp)
    from collab.analysis import view
    app.register_blueprint(view.bp)
    app.register_blueprint(analysis.bp)
    from collab.spielregeln import pages as rules
    app.register_blueprint(rules.bp)
    from collab.accounts import region_pages
    from collab.activity import pages as activity
    from collab.bundles import pages as bundles
    app.register_blueprint(region_pages.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(bundles.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, never with cookies
    cli.init_app(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.template_filter("number")
    def number(value, decimals: int | None = None) -> str:
        """A number in the interface language's notation: 1.234,5 in German, 1,234.5 in
        English; ``decimals`` fixes the digits after the separator. None stays empty."""
        from flask_babel import format_decimal
        if value is None or value == "":
            return ""
        if decimals is None:
            return format_decimal(value)
        return format_decimal(value, format="#,##0." + "0" * decimals, decimal_quantization=True)

    @app.template_filter("labels")
    def labels(values, vocabulary) -> str:
        from collab.core.vocab import label
        return ", ".join(label(vocabulary, v) for v in values or [])

    @app.context_processor
    def inject_helpers():
        from collab.core import permissions, vocab
        return {"vocab": vocab, "perm": permissions, "label": vocab.label,
                "current_lang": select_locale(), "request_path": request.path}

    app.jinja_env.globals["page_url"] = page_url

    return app
