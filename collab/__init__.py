"""Kommunalnetz: the web application. :func:`create_app` does configuration → extensions →
blueprints → command line, and nothing else; each feature is a package of its own
(see README, "Architecture")."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from collab import api, cli, config
from collab.accounts import pages as accounts_pages
from collab.accounts import region_pages as region_account_pages
from collab.activity import pages as activity_pages
from collab.analysis import pages as analysis_pages
from collab.analysis import view as view_pages
from collab.bundles import pages as bundles_pages
from collab.core import errors, web
from collab.core.web import select_locale
from collab.extensions import babel, csrf, db, limiter, login_manager, migrate
from collab.home import pages as home_pages
from collab.objects import pages as objects_pages
from collab.spielregeln import pages as spielregeln_pages

ROOT = Path(__file__).resolve().parent.parent


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
    limiter.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.login_message_category = "info"

    app.url_map.converters["int"] = web.BoundedInt
    register_blueprints(app)
    cli.init_app(app)
    web.init_app(app)
    return app


def register_blueprints(app: Flask) -> None:
    for feature in (errors, accounts_pages, home_pages, objects_pages, view_pages,
                    analysis_pages, spielregeln_pages, region_account_pages, activity_pages,
                    bundles_pages, api):
        app.register_blueprint(feature.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, never with cookies
