"""Use cases of accounts and API tokens: create, change a password, (de)activate, tokens."""


from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from collab.core import permissions as perm
from collab.core import validation
from collab.core.models import (
    ApiToken,
    Municipality,
    Region,
    RegionMembership,
    User,
    utcnow,
)
from collab.core.store import Conflict, change, claim, differs, raise_if, require  # noqa: F401
from collab.core.validation import Problem, ValidationError
from collab.extensions import db

# --- accounts and tokens ----------------------------------------------------------------------

#: a login: ASCII letters and digits, single dots, underscores or hyphens between them (no
#: look-alike letters of other scripts, no "..", nothing a URL would shorten)
LOGIN_RE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
DISPLAY_NAME_MAX = 200


def create_user(login: str, password: str | None, role: str, *, region: Region | None = None,
                municipality: Municipality | None = None, display_name: str = "",
                by: User | None = None, demo: bool = False, email: str = "",
                language: str = "de") -> User:
    """Create an account. From the command line ``by`` is None; in the app the coordinator
    of ``region`` may invite members and viewers for it.

    ``password`` None: an invitation. The account gets an unusable random password and a
    mail with a link to set its own (7 days, once); ``email`` is then required. The
    coordinator never sees a password."""
    from collab.notifications import services as notifications

    problems = []
    try:
        email = notifications.clean_email(email)
    except ValidationError as exc:
        problems += exc.problems
    if password is None and not email:
        problems.append(Problem("email", _("E-Mail: für eine Einladung erforderlich (sie "
                                           "erhält den Link zum Setzen des Passworts).")))
    if language not in ("de", "en"):
        problems.append(Problem("language", _("Sprache: de oder en.")))
    if not LOGIN_RE.fullmatch(login or "") or len(login) > 64:
        problems.append(Problem("login", _(
            "Login: nur Buchstaben a–z (ohne Umlaute), Ziffern und dazwischen einzelne "
            "Punkte, Unterstriche oder Bindestriche.")))
    try:
        display_name = validation.text(DISPLAY_NAME_MAX)(display_name or "")
    except validation.Invalid as exc:
        problems.append(Problem("display_name", _("Bezeichnung: %(m)s", m=str(exc))))
    if role not in ("admin", "coordinator", "member", "viewer"):
        problems.append(Problem("role", _("Rolle: unbekannt (admin, coordinator, member, "
                                          "viewer).")))
    if role in ("coordinator", "member") and region is None:
        problems.append(Problem("region", _("Region: für diese Rolle erforderlich.")))
    if role == "member" and municipality is None:
        problems.append(Problem("municipality", _("Kommune: für Mitglieder erforderlich.")))
    if municipality is not None and region is not None and not db.session.scalar(
            sa.select(RegionMembership.id).filter_by(region_id=region.id,
                                                     municipality_id=municipality.id)):
        problems.append(Problem("municipality", _("Kommune: ist kein Mitglied der Region.")))
    elif by is not None and region is not None and perm.can_manage_accounts(by, region) \
            and not perm.can_name_account_for(by, region, municipality):
        problems.append(Problem("municipality", _(
            "Kommune: %(m)s gehört auch zu %(r)s, und ein Zugang für sie spricht dort "
            "ebenfalls für sie. Einen solchen Zugang legt ein Admin an.", m=municipality.name,
            r=", ".join(sorted(m.region.name for m in municipality.memberships
                               if m.region_id != region.id)))))
    shortest = 4 if demo else min_password()  # the demo accounts of `flask seed`: "demo"
    if password is not None and len(password or "") < shortest:
        problems.append(Problem("password", _("Passwort: mindestens %(n)d Zeichen.",
                                              n=shortest)))
    raise_if(problems)
    if by is not None:
        require(region is not None and perm.can_manage_accounts(by, region)
                and (perm.is_admin(by) or role in ("member", "viewer")))
    if db.session.scalar(sa.select(User.id).filter_by(login=login)):
        raise Conflict(_("Login: „%(l)s“ ist bereits vergeben.", l=login), field="login")
    with change(None, by, "user.invite" if password is None else "user.create", login, role):
        user = User(login=login, role=role, region=region, municipality=municipality,
                    display_name=display_name, email=email, language=language)
        user.set_password(password if password is not None else secrets.token_urlsafe(32))
        db.session.add(user)
        if password is None:
            db.session.flush()
            _password_mail(user, "invitation", by)
    return user


def invitation_mail(user: User, by: User | None = None) -> None:
    """Queue the invitation mail of ``user`` (an account made for someone, e.g. an approved
    municipality): the link that sets its own password. Nothing without an address."""
    if user.email:
        _password_mail(user, "invitation", by)


def _password_mail(user: User, purpose: str, by: User | None = None) -> None:
    """Queue the mail with the link that sets the account's own password."""
    from flask_babel import force_locale

    from collab.notifications import mail
    from collab.notifications import services as notifications

    link = mail.absolute("accounts.set_password",
                         token=notifications.password_token(user, purpose))
    with force_locale(user.language or "de"):
        if purpose == "invitation":
            inviter = (by.display_name or by.login) if by is not None else "Kommunalnetz"
            subject = _("Einladung zu Kommunalnetz")
            body = _("%(who)s hat für Sie einen Zugang zu Kommunalnetz angelegt (Login: "
                     "%(login)s). Bitte setzen Sie Ihr Passwort über den folgenden Link; er "
                     "gilt 7 Tage und nur einmal.", who=inviter, login=user.login)
        else:
            subject = _("Passwort für Kommunalnetz zurücksetzen")
            body = _("Für Ihren Zugang (Login: %(login)s) wurde ein neues Passwort angefordert. "
                     "Über den folgenden Link setzen Sie es; er gilt 24 Stunden und nur "
                     "einmal. Wenn Sie das nicht angefordert haben, ignorieren Sie diese "
                     "E-Mail.", login=user.login)
        notifications.queue_mail(user, purpose, subject, body, link,
                                 link_text=_("Passwort setzen"))


def request_password_reset(identifier: str) -> None:
    """"Passwort vergessen": queue a reset link for the active account whose login or
    e-mail address is ``identifier`` and that has an address. The caller answers the same
    whether or not such an account exists."""
    identifier = (identifier or "").strip()[:254]
    if not identifier:
        return
    user = db.session.scalar(sa.select(User).where(User.login == identifier))
    if user is None and "@" in identifier:
        found = db.session.scalars(sa.select(User).where(
            sa.func.lower(User.email) == identifier.lower())).all()
        user = found[0] if len(found) == 1 else None
    if user is None or not user.active or not user.email:
        return
    with change(None, None, "user.reset_request", user.login, data=False):
        _password_mail(user, "password_reset")


def set_password_with_token(token: str, new: str, repeat: str) -> User:
    """Set the password through an invitation or reset link (once; then the link expires).
    Raises :class:`ValidationError` at ``token`` for a link that is invalid, expired or
    used."""
    from collab.notifications import services as notifications

    user, why = notifications.user_for_password_token(token)
    problems = []
    if user is None:
        problems.append(Problem("token", {
            "expired": _("Link: ist abgelaufen. Bitte fordern Sie einen neuen an."),
            "used": _("Link: wurde bereits benutzt. Bitte fordern Sie einen neuen an."),
        }.get(why, _("Link: ist ungültig."))))
        raise_if(problems)
    if len(new or "") < max(min_password(), 8):
        problems.append(Problem("new", _("Neues Passwort: mindestens %(n)d Zeichen.",
                                         n=max(min_password(), 8))))
    if new != repeat:
        problems.append(Problem("repeat", _("Wiederholung: stimmt nicht mit dem neuen "
                                            "Passwort überein.")))
    raise_if(problems)
    with change(None, user, "user.password", user.login, why, data=False):
        user.set_password(new)
        user.end_sessions()
    return user


#: the shortest password outside the demo (the demo's accounts keep "demo")
MIN_PASSWORD = 10


def min_password() -> int:
    return 4 if current_app.config.get("DEMO") else MIN_PASSWORD


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """The signed-in account sets a new password; it must know the current one."""
    require(perm.can_change_own_password(user))
    problems = []
    if not user.check_password(current or ""):
        problems.append(Problem("current", _("Bisheriges Passwort: stimmt nicht.")))
    if len(new or "") < max(min_password(), 8):
        problems.append(Problem("new", _("Neues Passwort: mindestens %(n)d Zeichen.",
                                         n=max(min_password(), 8))))
    elif new == current:
        problems.append(Problem("new", _("Neues Passwort: muss sich vom bisherigen "
                                         "unterscheiden.")))
    if new != repeat:
        problems.append(Problem("repeat", _("Wiederholung: stimmt nicht mit dem neuen "
                                            "Passwort überein.")))
    raise_if(problems)
    with change(user.region, user, "user.password", user.login, data=False):
        user.set_password(new)
        user.end_sessions()  # every other session ends; the page signs this one in again


def set_account_active(region: Region, account: User, active: bool, by: User | None) -> None:
    """Deactivate an account (it can no longer sign in, its sessions end and its API tokens
    are revoked) or reactivate it."""
    require(perm.can_manage_account(by, region, account))
    if bool(account.active) == active:
        return
    tokens = [] if active else db.session.scalars(sa.select(ApiToken).filter_by(
        user_id=account.id, revoked_at=None)).all()
    with change(region, by, "user.activate" if active else "user.deactivate", account.login,
                account.display_name, data=False):
        account.active = active
        if not active:
            account.end_sessions()
        for token in tokens:
            token.revoked_at = utcnow()


def end_sessions(user: User) -> None:
    """End every session of ``user`` (logout): its session version goes up."""
    with change(None, user, "user.logout", user.login, data=False):
        user.end_sessions()


def issue_token(user: User, by: User | None = None, *, days: int | None = None) -> str:
    """A new API token for ``user``, valid ``days`` (default ``TOKEN_DAYS``, a year); the
    plain token is returned once and never stored. ``token_expiry(plain)`` tells until when."""
    days = days or current_app.config.get("TOKEN_DAYS", 365)
    with change(None, by, "token.create", user.login):
        token, plain = ApiToken.issue(user)
        token.expires_at = utcnow() + dt.timedelta(days=days)
        db.session.add(token)
    return plain


#: valid tokens an account may hold at once (one per programme that uses the API is plenty)
MAX_OWN_TOKENS = 10


def own_tokens(user: User) -> list[ApiToken]:
    """The account's tokens, newest first (revoked and expired ones included, marked)."""
    return list(db.session.scalars(sa.select(ApiToken).filter_by(user_id=user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_valid(token: ApiToken) -> bool:
    return token.revoked_at is None and (token.expires_at is None
                                         or token.expires_at > utcnow())


def issue_own_token(user: User) -> str:
    """The signed-in account makes an API token for itself (shown once); at most
    ``MAX_OWN_TOKENS`` valid ones."""
    require(perm.can_manage_own_tokens(user))
    claim(user)  # requests at once take turns: each counts the keys the others made
    valid = sum(1 for t in own_tokens(user) if token_valid(t))
    if valid >= MAX_OWN_TOKENS:
        raise ValidationError([Problem("token", _(
            "Sie haben schon %(n)d gültige Schlüssel; widerrufen Sie zuerst einen, den Sie "
            "nicht mehr brauchen.", n=MAX_OWN_TOKENS))])
    return issue_token(user, by=user)


def own_token(user: User, token_id: int) -> ApiToken | None:
    """One of the account's own tokens (None for another account's: not found)."""
    return db.session.scalar(sa.select(ApiToken).filter_by(id=token_id, user_id=user.id))


def revoke_own_token(user: User, token: ApiToken) -> None:
    """The account revokes one of its tokens; a programme using it gets 401 from then on."""
    require(perm.can_manage_own_tokens(user) and token.user_id == user.id)
    if token.revoked_at is not None:
        return
    with change(None, user, "token.revoke", user.login, token.prefix):
        token.revoked_at = utcnow()


def token_expiry(plain: str) -> dt.datetime | None:
    return db.session.scalar(sa.select(ApiToken.expires_at).filter_by(
        token_hash=ApiToken.hash(plain)))


def revoke_tokens(user: User, by: User | None = None) -> int:
    tokens = db.session.scalars(sa.select(ApiToken).filter_by(user_id=user.id,
                                                              revoked_at=None)).all()
    with change(None, by, "token.revoke", user.login, str(len(tokens))):
        for token in tokens:
            token.revoked_at = utcnow()
    return len(tokens)


def user_for_token(plain: str) -> User | None:
    # the token and its account in one query (every API request asks)
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=ApiToken.hash(plain))
                              .options(sa.orm.joinedload(ApiToken.user)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return token.user


