"""Kommunalnetz: the web application. :func:`create_app` does configuration → extensions →
blueprints → command line, and nothing else; each feature is a package of its own
(see README, "Architecture")."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from collab import api, cli, config
from collab.accounts import pages as accounts_pages
from collab.accounts import region_pages as region_account_pages
from collab.activity import pages as activity_pages
from collab.analysis import jobs
from collab.analysis import pages as analysis_pages
from collab.analysis import view as view_pages
from collab.applications import pages as applications_pages
from collab.bundles import pages as bundles_pages
from collab.core import errors, web
from collab.core.web import select_locale
from collab.extensions import babel, csrf, db, limiter, login_manager, migrate
from collab.history import pages as history_pages
from collab.home import pages as home_pages
from collab.notifications import delivery
from collab.notifications import pages as notification_pages
from collab.objects import pages as objects_pages
from collab.ops import logs
from collab.ops import pages as ops_pages
from collab.solutions import pages as solutions_pages
from collab.spielregeln import pages as spielregeln_pages
from collab.surveys import pages as surveys_pages


def _files() -> Path:
    """Where templates, static files, migrations, translations and seeds are: the
    checkout's root, or ``collab/_files`` in an installed wheel (see setup.py)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "templates").is_dir() and (checkout / "migrations").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_files"


ROOT = _files()


def create_app(test_config: dict | None = None, *, env: str | None = None) -> Flask:
    """The application. ``env`` ("development" or "production") defaults to ``KN_ENV``,
    else development; see :mod:`collab.config`."""
    instance = os.environ.get("KN_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=instance,
                instance_relative_config=True)
    app.config.from_mapping(config.load(app.instance_path, env))
    app.config["SEEDS_DIR"] = str(ROOT / "seeds")
    app.config.from_prefixed_env("KN")
    if test_config:
        app.config.update(test_config)
    config.finish(app.config, app.instance_path)
    logs.init_app(app)
    if app.config["PROXY_FIX"]:
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    limiter.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"

    app.url_map.converters["int"] = web.BoundedInt
    register_blueprints(app)
    cli.init_app(app)
    web.init_app(app)
    jobs.init_app(app)
    delivery.init_app(app)
    return app


def register_blueprints(app: Flask) -> None:
    for feature in (errors, ops_pages, accounts_pages, home_pages, objects_pages, view_pages,
                    analysis_pages, spielregeln_pages, region_account_pages, activity_pages,
                    bundles_pages, history_pages, solutions_pages, surveys_pages,
                    applications_pages, notification_pages, api):
        app.register_blueprint(feature.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, never with cookies
