"""Sign in and out; the login form returns only to same-site pages."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse as parse_limit
from werkzeug.security import check_password_hash, generate_password_hash

from collab.accounts import services as account_services
from collab.accounts.forms import (
    ForgotPasswordForm,
    LoginForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from collab.core import permissions as perm
from collab.core.forms import EmptyForm, show_problems
from collab.core.models import User
from collab.core.validation import ValidationError
from collab.core.web import safe_next
from collab.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session's account (``User.get_id``: "<id>:<session version>"); a deactivated
    account's sessions end at once, and so do sessions of an older session version (after
    a logout, a password change or a deactivation)."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or int(user_id) > 2**31:
        return None
    user = db.session.get(User, int(user_id),
                          options=[sa.orm.undefer(User.unread_notifications)])
    if user is None or not user.active or version != str(user.session_version or 0):
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        login_name = form.login.data.strip()
        if throttled(login_name):
            return render_template("accounts/login.html", form=form, throttled=_(
                "Zu viele fehlgeschlagene Anmeldungen für dieses Login oder von dieser "
                "Adresse. Bitte versuchen Sie es in 15 Minuten erneut.")), 429
        user = db.session.scalar(sa.select(User).filter_by(login=login_name))
        if user is None:
            check_password_hash(dummy_hash(), form.password.data)  # costs the same time
        if user is None or not user.check_password(form.password.data):
            record_failure(login_name)
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


def _login_keys(login_name: str) -> list[tuple[str, str]]:
    return [("login-address", request.remote_addr or "-"),
            ("login-name", login_name.casefold()[:64])]


def throttled(login_name: str) -> bool:
    """After ``LOGIN_LIMIT`` failed attempts (10 in 15 minutes) for one login or from one
    address, sign-in is refused (429), the right password too, until the window passes."""
    if not limiter.enabled:
        return False
    item = parse_limit(current_app.config["LOGIN_LIMIT"])
    return not all(limiter.limiter.test(item, *key) for key in _login_keys(login_name))


def record_failure(login_name: str) -> None:
    if not limiter.enabled:
        return
    item = parse_limit(current_app.config["LOGIN_LIMIT"])
    for key in _login_keys(login_name):
        limiter.limiter.hit(item, *key)


_DUMMY: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash made like the accounts' own, to check an unknown login's password against."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("kein Zugang", method=method)
    return _DUMMY[method]


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Signing out ends every session of the account (a captured cookie no longer works)."""
    form = EmptyForm()
    if form.validate_on_submit():
        account_services.end_sessions(current_user)
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
            # this session goes on; the account itself, not the proxy (a proxy stored as
            # the user of the request refers to itself: a recursion that crashes Python)
            login_user(current_user._get_current_object())
            flash(_("Ihr Passwort wurde geändert."), "success")
            _keys_stay_valid(current_user)
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)


def _keys_stay_valid(user) -> None:
    """After a new password: the account's API keys stay valid (programmes keep working);
    say so, with how many, so that someone who fears a stranger knows them revokes them."""
    valid = sum(1 for t in account_services.own_tokens(user) if account_services.token_valid(t))
    if valid:
        flash(ngettext(
            "Ihr API-Schlüssel bleibt gültig. Könnte ihn jemand anderes kennen, widerrufen Sie "
            "ihn unter „API-Schlüssel“.",
            "Ihre %(num)d API-Schlüssel bleiben gültig. Könnte jemand anderes sie kennen, "
            "widerrufen Sie sie unter „API-Schlüssel“.", valid), "info")


@bp.route("/konto/schluessel", methods=["GET", "POST"])
@login_required
def tokens():
    """The account's API tokens: make one (shown once, on this answer only) and see which
    are valid; revoking goes through a confirmation page."""
    perm.require(perm.can_manage_own_tokens(current_user))
    form = EmptyForm()
    plain = None
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Das Formular war abgelaufen; bitte erneut senden."), "error")
        elif not _use_once(request.form.get("once")):
            # the same form sent again (the page reloaded after a key was made): no second
            # key; the first is not shown again, only a fingerprint of it is kept
            flash(_("Dieses Formular wurde schon gesendet (die Seite wurde neu geladen): es "
                    "wurde kein weiterer Schlüssel erstellt. Der zuvor erstellte wird nicht "
                    "noch einmal angezeigt."), "info")
            return redirect(url_for(".tokens"))
        else:
            try:
                plain = account_services.issue_own_token(current_user)
            except ValidationError as exc:
                show_problems(form, exc)
    return render_template("accounts/tokens.html", form=form, plain=plain, once=_once(),
                           tokens=account_services.own_tokens(current_user),
                           valid=account_services.token_valid,
                           expiry=account_services.token_expiry(plain) if plain else None)


#: the key form's one-time values kept in the session (several windows may be open)
ONCE_KEPT = 5


def _once() -> str:
    """A one-time value for the key form: the form is used once, so reloading the answer
    (the browser sends the form again) makes no second key."""
    value = secrets.token_urlsafe(16)
    session["token_forms"] = [*session.get("token_forms", [])[-(ONCE_KEPT - 1):], value]
    return value


def _use_once(value: str | None) -> bool:
    kept = session.get("token_forms", [])
    if not value or value not in kept:
        return False
    session["token_forms"] = [v for v in kept if v != value]
    return True


@bp.route("/konto/schluessel/<int:token_id>/widerrufen", methods=["GET", "POST"])
@login_required
def revoke_token(token_id: int):
    """Confirm, then revoke one of the account's own tokens (another account's: 404)."""
    perm.require(perm.can_manage_own_tokens(current_user))
    token = account_services.own_token(current_user, token_id)
    if token is None:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        account_services.revoke_own_token(current_user, token)
        flash(_("Der Schlüssel %(p)s… ist widerrufen.", p=token.prefix), "success")
        return redirect(url_for(".tokens"))
    return render_template("accounts/revoke_token.html", form=form, token=token)


def _reset_keys(identifier: str) -> list[tuple[str, str]]:
    return [("reset-address", request.remote_addr or "-"),
            ("reset-name", identifier.casefold()[:254])]


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the login exists;
    ``RESET_LIMIT`` requests per address and per login (429 beyond)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        identifier = (form.identifier.data or "").strip()
        item = parse_limit(current_app.config["RESET_LIMIT"])
        keys = _reset_keys(identifier)
        if not all(limiter.limiter.test(item, *key) for key in keys):
            return render_template("accounts/forgot.html", form=form, throttled=_(
                "Zu viele Anfragen. Bitte versuchen Sie es in 15 Minuten erneut.")), 429
        for key in keys:
            limiter.limiter.hit(item, *key)
        account_services.request_password_reset(identifier)
        return render_template("accounts/forgot.html", form=None, sent=True)
    return render_template("accounts/forgot.html", form=form)


@bp.route("/passwort/neu/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set one's own password through an invitation or reset link (once, while valid)."""
    from collab.notifications import services as notifications

    user, why = notifications.user_for_password_token(token)
    if user is None:
        return render_template("accounts/set_password.html", form=None, why=why), 410 \
            if why in ("expired", "used") else 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            account_services.set_password_with_token(token, form.new.data or "",
                                                     form.repeat.data or "")
        except ValidationError as exc:
            show_problems(form, exc)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Ihr Passwort ist gesetzt. Bitte melden Sie sich an."), "success")
            _keys_stay_valid(user)
            return redirect(url_for(".login"))
    return render_template("accounts/set_password.html", form=form, account=user)
