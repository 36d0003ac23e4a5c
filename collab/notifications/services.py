"""Use cases of notifications: tell accounts something (:func:`notify`), their choices per
kind, reading the in-app list, signed links (set a password, unsubscribe a kind).

A notification is written in the same transaction as the change it reports (call
:func:`notify` inside the ``store.change()`` block); its mail goes to the outbox
(:class:`collab.core.models.OutboxMail`) and is sent after the commit by the background
workers (:mod:`collab.notifications.delivery`), never inside the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from collab.core.localtime import local_time
from collab.core.models import Notification, OutboxMail, User, utcnow
from collab.core.store import change, require
from collab.core.validation import Problem, ValidationError
from collab.extensions import db
from collab.notifications import mail

#: the kinds an account chooses for (immediately, daily digest, off), with their labels;
#: another feature adds its own with :func:`register_kind`
KINDS: dict[str, Any] = {
    "ballot_opened": _l("Abstimmung geöffnet"),
    "ballot_reminder": _l("Erinnerung vor Abstimmungsende"),
    "ballot_result": _l("Ergebnis einer Abstimmung"),
    "rule_proposed": _l("Neuer Vorschlag einer Spielregel"),
    "rule_discussion": _l("Beiträge und neue Fassungen zu Regeln, an denen Sie beteiligt sind"),
    "request_new": _l("Neue Anfrage oder Einladung (Beitritt, Initiative, Format, "
                      "Nachnutzung), über die Sie entscheiden"),
    "application_new": _l("Antrag einer neuen Kommune auf Aufnahme in die Region"),
    "request_decided": _l("Entscheidung über Ihre Anfrage"),
    "survey_opened": _l("Netzwerkbefragung gestartet"),
    "survey_reminder": _l("Erinnerung vor Ende einer Netzwerkbefragung"),
}

#: kinds only a coordinator (or an admin) receives: no choice for other accounts
COORDINATOR_KINDS = frozenset({"application_new"})


def kinds_for(user: User) -> dict[str, Any]:
    """The kinds ``user`` may receive, and so choose for (its settings page)."""
    if user.role in ("coordinator", "admin"):
        return KINDS
    return {k: label for k, label in KINDS.items() if k not in COORDINATOR_KINDS}


#: how an account hears of a kind
CHOICES: dict[str, Any] = {
    "immediately": _l("sofort per E-Mail"),
    "daily": _l("täglich gesammelt"),
    "off": _l("keine E-Mail"),
}

#: mails about the account itself: always sent, never a choice, no unsubscribe link
ACCOUNT_MAILS = ("invitation", "password_reset")

#: how long an invitation link and a reset link work
INVITATION_AGE = dt.timedelta(days=7)
RESET_AGE = dt.timedelta(hours=24)


def register_kind(kind: str, label: Any) -> None:
    """Add a kind of notification (e.g. ``"survey_opened"``) that accounts can choose for."""
    KINDS.setdefault(kind, label)


def choice(user: User, kind: str) -> str:
    """How ``user`` wants to hear of ``kind`` (immediately unless it chose otherwise)."""
    found = (user.notification_choices or {}).get(kind, "immediately")
    return found if found in CHOICES else "immediately"


def _text(value: Any, **params: Any) -> str:
    """A subject or body in the current locale: a string, a lazy string or a callable."""
    if callable(value) and not isinstance(value, str):
        return str(value(**params))
    return str(value)


def _portable(value: Any) -> Any:
    """A text as data to render again in any language (:func:`_render`): a lazy string of
    ``lazy_gettext`` or ``lazy_pgettext`` as ``{"msgid", "context", "params"}`` (its
    parameters portable too), one of ``lazy_local_time`` as ``{"moment"}``, a number as it
    is; anything else as its text now."""
    if isinstance(value, LazyString):
        func, args, kwargs = value._func, value._args, value._kwargs
        if func is gettext and len(args) == 1:
            return {"msgid": args[0], "params": {k: _portable(v) for k, v in kwargs.items()}}
        if func is pgettext and len(args) == 2:
            return {"msgid": args[1], "context": args[0],
                    "params": {k: _portable(v) for k, v in kwargs.items()}}
        if func is local_time and len(args) == 1 and isinstance(args[0], dt.datetime):
            return {"moment": args[0].isoformat()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _render(data: Any) -> Any:
    """A text kept by :func:`_portable`, in the current locale."""
    if isinstance(data, dict) and "moment" in data:  # a date and time, as read here
        return local_time(dt.datetime.fromisoformat(data["moment"]))
    if isinstance(data, dict):
        params = {k: _render(v) for k, v in (data.get("params") or {}).items()}
        if data.get("context") is not None:
            return pgettext(data["context"], data["msgid"], **params)
        return gettext(data["msgid"], **params)
    return data


def text_of(note: Notification) -> tuple[str, str]:
    """A notification's subject and body in the current locale (the language the account
    reads in now); a notification whose texts could not be kept as msgids (or made before
    they were) in the language it was made in."""
    message = note.message
    if isinstance(message, dict) and "subject" in message and "body" in message:
        try:
            return str(_render(message["subject"]))[:300], str(_render(message["body"]))
        except (KeyError, TypeError, ValueError):  # a msgid whose parameters changed since
            pass
    return note.subject, note.body


def notify(users: Iterable[User | None], kind: str, subject: Any, body: Any, url: str = "",
           *, exclude: User | None = None) -> list[Notification]:
    """Tell ``users`` (each account once; inactive ones and ``exclude``, the acting account,
    are left out) about ``kind``. ``subject`` and ``body`` are strings, lazy strings
    (``lazy_gettext``) or callables; they are rendered in each account's language.
    ``url``: the page it is about (a path on this site).

    Call it inside the ``store.change()`` block of the change it reports: it adds rows to
    the session only. Mails for accounts that chose "immediately" go to the outbox and are
    sent after the commit by the background workers.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    portable = {"subject": _portable(subject), "body": _portable(body)}
    message = portable if all(isinstance(v, dict) for v in portable.values()) else None
    seen: set[int] = set()
    made = []
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        if exclude is not None and getattr(exclude, "id", None) == user.id:
            continue
        seen.add(user.id)
        how = choice(user, kind)
        with force_locale(user.language or "de"):
            note = Notification(user_id=user.id, kind=kind, subject=_text(subject)[:300],
                                body=_text(body), url=url, message=message,
                                mail={"immediately": "immediately", "daily": "daily"}.get(
                                    how, "off") if user.email else "off")
            db.session.add(note)
            if note.mail == "immediately":
                queue_mail(user, kind, note.subject, note.body, url)
        made.append(note)
    return made


def queue_mail(user: User, kind: str, subject: str, body: str, url: str = "",
               *, link_text: str | None = None) -> OutboxMail | None:
    """Compose a mail to ``user`` in its language and put it in the outbox (sent after the
    commit). None when the account has no address."""
    if not user.email:
        return None
    subject = " ".join(str(subject).split())  # a header holds no line break (user text)
    with force_locale(user.language or "de"):
        unsubscribe = (None if kind in ACCOUNT_MAILS or kind == "digest"
                       else mail.absolute("notifications.unsubscribe",
                                          token=unsubscribe_token(user, kind)))
        text, html = mail.compose(user, subject, body, mail.absolute_path(url) if url else None,
                                  unsubscribe, kind_label=str(KINDS.get(kind, "")),
                                  link_text=link_text)
    row = OutboxMail(user_id=user.id, to_addr=user.email, kind=kind, subject=subject[:300],
                     text_body=text, html_body=html, next_attempt_at=utcnow())
    db.session.add(row)
    db.session.info["kn_outbox"] = True  # the commit hands it to the workers
    return row


# --- the in-app list --------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def listing(user: User, limit: int = 100) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id.desc()).limit(limit)).all()


def get_own(user: User, note_id: int) -> Notification:
    from flask import abort

    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != user.id:
        abort(404)
    return note


def mark_read(user: User, notes: list[Notification] | None = None) -> int:
    """Mark ``notes`` (default: all of the account's unread ones) as read."""
    query = sa.update(Notification).where(Notification.user_id == user.id,
                                          Notification.read_at.is_(None))
    if notes is not None:
        query = query.where(Notification.id.in_([n.id for n in notes]))
    with change(None, user, "notification.read", user.login, data=False):
        done = db.session.execute(query.values(read_at=utcnow())
                                  .execution_options(synchronize_session=False))
    return done.rowcount


def mark_read_about(url: str, kinds: Iterable[str],
                    users: Iterable[User] | None = None) -> None:
    """Mark the unread notifications of ``kinds`` about the page ``url`` as read (only those
    of ``users``, when given): what they asked for is done, e.g. a survey round was answered
    or ended. Call it inside the ``store.change()`` block of that change: it is saved with
    it, or not at all."""
    query = sa.update(Notification).where(Notification.url == url,
                                          Notification.kind.in_(list(kinds)),
                                          Notification.read_at.is_(None))
    if users is not None:
        query = query.where(Notification.user_id.in_([u.id for u in users]))
    db.session.execute(query.values(read_at=utcnow())
                       .execution_options(synchronize_session=False))


# --- the account's settings -------------------------------------------------------------------


def _check_email(problems: list[Problem], value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem("email", _("E-Mail: muss Text sein.")))
        return ""
    value = value.strip()
    if value and (len(value) > 254 or value.count("@") != 1 or any(c.isspace() for c in value)
                  or "." not in value.rsplit("@", 1)[1] or value.startswith("@")
                  or any(c in value for c in "<>,;\"'")):
        problems.append(Problem("email", _("E-Mail: keine gültige Adresse (name@beispiel.de).")))
    return value


def clean_email(value: Any) -> str:
    """An e-mail address ("" for none), or :class:`ValidationError` at the field email."""
    problems: list[Problem] = []
    found = _check_email(problems, value)
    if problems:
        raise ValidationError(problems)
    return found


def update_settings(user: User, raw: dict, by: User | None) -> User:
    """The account changes its e-mail address, language and choices per kind (each given
    key only). A new e-mail address needs the account's password (``current_password``):
    "Passwort vergessen" mails that address, so whoever holds a session or an API key
    could otherwise take the account over."""
    require(by is not None and by.is_authenticated and by.id == user.id)
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    if "email" in raw:
        data["email"] = _check_email(problems, raw["email"])
        if data["email"] != (user.email or "") and not problems:
            given = raw.get("current_password")
            if not isinstance(given, str) or not given:
                problems.append(Problem("current_password", _(
                    "Passwort: Um die E-Mail-Adresse zu ändern, geben Sie Ihr Passwort ein.")))
            elif not user.check_password(given):
                problems.append(Problem("current_password", _("Passwort: stimmt nicht.")))
    if "language" in raw:
        if not isinstance(raw["language"], str) or raw["language"] not in ("de", "en"):
            problems.append(Problem("language", _("Sprache: de oder en.")))
        data["language"] = raw["language"]
    if "choices" in raw:
        given = raw["choices"]
        if not isinstance(given, dict):
            problems.append(Problem("choices", _("Benachrichtigungen: ein Objekt "
                                                 "{Art: immediately|daily|off}.")))
        else:
            for kind, how in given.items():
                if kind not in KINDS:
                    problems.append(Problem(f"choices.{kind}", _(
                        "Benachrichtigungen: unbekannte Art „%(k)s“.", k=str(kind)[:40])))
                elif not isinstance(how, str) or how not in CHOICES:
                    problems.append(Problem(f"choices.{kind}", _(
                        "Benachrichtigungen: immediately, daily oder off.")))
            if not problems:
                data["choices"] = {**(user.notification_choices or {}), **given}
    if problems:
        raise ValidationError(problems)
    with change(None, by, "user.settings", user.login, data=False):
        if "email" in data:
            user.email = data["email"]
        if "language" in data:
            user.language = data["language"]
        if "choices" in data:
            user.notification_choices = data["choices"]
    return user


def settings_record(user: User) -> dict[str, Any]:
    return {"login": user.login, "email": user.email, "language": user.language,
            "choices": {kind: choice(user, kind) for kind in KINDS},
            "unread": unread_count(user)}


# --- signed links -----------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    """Changes with the password: a link made before a password was set no longer works."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def password_token(user: User, purpose: str) -> str:
    """A link token to set the password of ``user`` (``purpose``: invitation or
    password_reset). It works once: setting the password changes the fingerprint it holds."""
    return _serializer("kn-password").dumps({"u": user.id, "f": _fingerprint(user),
                                             "p": purpose})


def user_for_password_token(token: str) -> tuple[User | None, str]:
    """The account a password token is for and its purpose, or (None, why) when it is
    unknown, expired or used."""
    try:
        data, signed_at = _serializer("kn-password").loads(token, return_timestamp=True)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None, "invalid"
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None, "invalid"
    age = INVITATION_AGE if data.get("p") == "invitation" else RESET_AGE
    signed = signed_at.astimezone(dt.UTC).replace(tzinfo=None)
    if utcnow() - signed > age:
        return None, "expired"
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        return None, "invalid"
    if not secrets.compare_digest(_fingerprint(user), str(data.get("f"))):
        return None, "used"
    return user, data.get("p", "password_reset")


def unsubscribe_token(user: User, kind: str) -> str:
    return _serializer("kn-unsubscribe").dumps({"u": user.id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[User | None, str | None]:
    try:
        data = _serializer("kn-unsubscribe").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None, None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("u"),
                                                                                  int):
        return None, None
    return db.session.get(User, data["u"]), data["k"]


def unsubscribe(user: User, kind: str) -> None:
    """No more mails of ``kind`` for ``user`` (the in-app list still shows them)."""
    with change(None, None, "user.unsubscribe", user.login, kind, data=False):
        user.notification_choices = {**(user.notification_choices or {}), kind: "off"}


# --- daily digest -----------------------------------------------------------------------------


def send_digests() -> int:
    """One mail per account with the notifications it chose to get daily and has not got
    yet (``flask send-digests``, once a day). Returns the number of mails queued."""
    pending = db.session.scalars(sa.select(Notification).where(Notification.mail == "daily")
                                 .order_by(Notification.user_id, Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    count = 0
    with change(None, None, "notification.digest", "", str(len(by_user)), data=False):
        for notes in by_user.values():
            user = notes[0].user
            for note in notes:
                note.mail = "digested"
            if not user.active or not user.email:
                continue
            with force_locale(user.language or "de"):
                subject = _("Ihre Benachrichtigungen (%(n)d)", n=len(notes))
                body = "\n\n".join(  # each in the language the account chose by now
                    "• {}\n{}".format(*text_of(n))
                    + (f"\n{mail.absolute_path(n.url)}" if n.url else "") for n in notes)
                queue_mail(user, "digest", subject, body,
                           link_text=None)
            count += 1
    return count


# --- who is told ------------------------------------------------------------------------------


def accounts(region, *, roles: Iterable[str] = ("coordinator", "member"),
             municipality_ids: Iterable[int] | None = None) -> list[User]:
    """The active accounts of ``region`` with one of ``roles`` (members only of
    ``municipality_ids``, when given)."""
    query = sa.select(User).where(User.region_id == region.id, User.active.is_(True),
                                  User.role.in_(list(roles)))
    if municipality_ids is not None:
        query = query.where(User.municipality_id.in_(list(municipality_ids)))
    return db.session.scalars(query.order_by(User.id)).all()


def coordinators(region) -> list[User]:
    return accounts(region, roles=("coordinator",))
