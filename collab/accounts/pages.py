"""Sign in and out; the login form returns only to same-site pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from collab.accounts import services as account_services
from collab.accounts.forms import LoginForm, PasswordChangeForm
from collab.core import permissions as perm
from collab.core.forms import EmptyForm
from collab.core.models import User
from collab.core.validation import ValidationError
from collab.extensions import db, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's account; a deactivated account's sessions end at once."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).filter_by(login=form.login.data.strip()))
        if user is None or not user.check_password(form.password.data):
            flash(_("Login oder Passwort ist falsch."), "error")
        elif not perm.may_sign_in_with(form.password.data):
            flash(_("Demo-Zugänge sind im Produktivbetrieb gesperrt. Bitte lassen Sie sich "
                    "einen Zugang einrichten."), "error")
        elif not user.active:
            flash(_("Dieser Zugang ist deaktiviert. Bitte wenden Sie sich an die "
                    "Koordination Ihrer Region."), "error")
        else:
            login_user(user)
            flash(_("Willkommen, %(name)s.", name=user.display_name or user.login), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/konto/passwort", methods=["GET", "POST"])
@login_required
def change_password():
    """The signed-in account changes its own password; the current one is required."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            account_services.change_password(current_user, form.current.data or "",
                                     form.new.data or "", form.repeat.data or "")
        except ValidationError as exc:
            for problem in exc.problems:
                getattr(form, problem.field).errors = [problem.message]
            flash(_("Das Passwort wurde nicht geändert."), "error")
        else:
            flash(_("Ihr Passwort wurde geändert."), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)
