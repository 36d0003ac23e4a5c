"""Use cases of self-service applications: a municipality not yet on the platform applies
to join a region from a public page; the coordinator approves (the municipality and its
member account are created, the applicant sets the password through a one-time link) or
declines with a reason."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.accounts import services as account_services
from collab.core import permissions as perm
from collab.core import vocab
from collab.core.localtime import local_today
from collab.core.models import (
    ApiToken,
    Application,
    Municipality,
    PasswordToken,
    Region,
    RegionMembership,
    User,
    utcnow,
)
from collab.core.store import Conflict, change, lock, lock_pending, raise_if, require
from collab.core.validation import Problem, ValidationError, clean, key_from_name
from collab.extensions import db
from collab.notifications import services as notifications
from collab.notifications.mail import path_for as url_for
from collab.objects import services as objects

#: how long a link to set the password works
TOKEN_DAYS = 7


def apply(region: Region, raw: dict) -> Application:
    """File an application (no account needed) and tell the region's coordinators (once
    per application; the public page is rate-limited per address, see
    ``APPLICATION_LIMIT``). A municipality the platform holds already (same AGS) signs in
    and applies from its account instead."""
    data, problems = clean("application", raw)
    raise_if(problems)
    known = db.session.scalar(sa.select(Municipality).filter_by(ags=data["ags"]))
    if known is not None:
        member = db.session.scalar(sa.select(RegionMembership.id).filter_by(
            region_id=region.id, municipality_id=known.id))
        has_account = db.session.scalar(sa.select(User.id).filter_by(
            municipality_id=known.id, active=True).limit(1))
        if member:  # e.g. a Mitmacherkommune the network recorded, without an account yet
            message = _("AGS: %(n)s ist bereits Mitglied von %(r)s. Einen Zugang für die "
                        "Kommune legt die Koordination des Netzwerks an; bitte wenden Sie sich "
                        "an sie.", n=known.name, r=region.name)
        elif has_account:
            message = _("AGS: %(a)s gehört bereits zur Kommune „%(n)s“ auf der Plattform; "
                        "bitte beantragen Sie den Beitritt mit deren Zugang.", a=data["ags"],
                        n=known.name)
        else:
            message = _("AGS: %(a)s gehört bereits zur Kommune „%(n)s“ auf der Plattform, "
                        "die noch keinen Zugang hat. Einen Zugang legt die Koordination eines "
                        "Netzwerks an, dem sie angehört; mit ihm beantragt sie den Beitritt.",
                        a=data["ags"], n=known.name)
        raise ValidationError([Problem("ags", message)])
    lock(region)  # applications of one AGS at once take turns: the second gets 409
    if db.session.scalar(sa.select(Application.id).filter_by(
            region_id=region.id, ags=data["ags"], status="pending")):
        raise Conflict(_("AGS: Für diese Kommune liegt bereits ein offener Antrag vor."),
                       field="ags")
    with change(region, None, "application.create", data["ags"], data["name"], data=False):
        application = Application(region=region, **data)
        db.session.add(application)
        db.session.flush()  # its id, for the link
        notifications.notify(
            notifications.coordinators(region), "application_new",
            _l("Antrag einer neuen Kommune: %(m)s", m=application.name),
            _l("%(m)s (AGS %(a)s) beantragt die Aufnahme in %(r)s (%(j)s). Kontakt: %(e)s. "
               "Bezug: %(b)s", m=application.name, a=application.ags, r=region.name,
               j=vocab.JOINED_BY.get(application.joined_by, application.joined_by),
               e=application.email, b=application.reference),
            _url(region, application))
    return application


def applications(region: Region) -> list[Application]:
    return db.session.scalars(sa.select(Application).filter_by(region_id=region.id)
                              .order_by(Application.status != "pending",
                                        Application.id.desc())).all()


def get_application(region: Region, application_id: int) -> Application:
    return db.first_or_404(sa.select(Application).filter_by(region_id=region.id,
                                                            id=application_id))


def approval_defaults(region: Region, application: Application) -> dict:
    """What the approval form starts with: the application's facts, a key from the name,
    the region's Land, kind Gemeinde, tier member."""
    key = key_from_name(application.name) or "kommune"
    return {"key": key, "name": application.name, "ags": application.ags,
            "district": application.district, "kind": "gemeinde",
            "state": objects.region_state(region) or "", "tier": "member", "population": "",
            "login": key, "email": application.email}


def _url(region: Region, application: Application) -> str:
    return url_for("applications.decide", slug=region.slug, application_id=application.id)


def _decided(region: Region, application: Application) -> None:
    """The coordinators' notices of ``application`` are done: marked read."""
    notifications.mark_read_about(_url(region, application), ["application_new"])


def _pending(region: Region, application: Application) -> None:
    """Lock the region and read the application again (:func:`store.lock_pending`): two
    decisions at once take turns, and the second is refused (409) instead of approving a
    declined application or declining an approved one."""
    lock_pending(region, application, _("Über diesen Antrag wurde bereits entschieden."))


def approve(region: Region, application: Application, raw: dict,
            user: User | None) -> tuple[Application, str]:
    """Create the municipality (facts from the application and the coordinator's
    completions) and its member account, whose e-mail address is the application's contact
    address unless the coordinator gives another (``raw["email"]``, "" for none), which
    gets the invitation mail with a link that sets the account's password; returns the
    one-time token that sets its password too (valid :data:`TOKEN_DAYS` days, shown to the
    coordinator once). All of it is saved, or on any problem none of it."""
    require(perm.can_decide_application(user, region))
    _pending(region, application)
    login = (raw.get("login") or "").strip()
    if login and db.session.scalar(sa.select(User.id).filter_by(login=login)):
        raise Conflict(_("Login: „%(l)s“ ist bereits vergeben.", l=login), field="login")
    email = notifications.clean_email(
        application.email if raw.get("email") is None else raw["email"])
    facts = {name: raw.get(name) for name in ("key", "kind", "state", "population", "tier",
                                               "area_km2", "lat", "lon")
             if raw.get(name) not in (None, "")}
    with change(region, user, "application.approve", application.ags, application.name,
                data=False):
        membership = objects.add_municipality(region, {
            **facts, "name": application.name, "ags": application.ags,
            "district": application.district, "joined_by": application.joined_by,
            "since": local_today().isoformat(), "provenance": "self_reported",
            "source": application.reference[:2000]}, user)
        account = account_services.create_user(
            login or membership.municipality.key, secrets.token_urlsafe(24), "member",
            region=region, municipality=membership.municipality,
            display_name=application.name, by=user, email=email)
        application.status = "approved"
        application.decided_by_id = getattr(user, "id", None)
        application.decided_at = utcnow()
        application.municipality = membership.municipality
        application.account = account
        token, plain = PasswordToken.issue(account, TOKEN_DAYS)
        db.session.add(token)
        db.session.flush()
        # the contact address is told at once (the link on the page stays the fallback)
        account_services.invitation_mail(account, user)
        _decided(region, application)
    return application, plain


def decline(region: Region, application: Application, reason: str, user: User | None) -> None:
    require(perm.can_decide_application(user, region))
    _pending(region, application)
    data, problems = clean("decision", {"reason": reason})
    raise_if(problems)
    if not data["reason"]:
        raise ValidationError([Problem("reason", _("Begründung: Bitte begründen Sie die "
                                                   "Ablehnung."))])
    with change(region, user, "application.decline", application.ags, application.name,
                data=False):
        application.status = "declined"
        application.reason = data["reason"]
        application.decided_by_id = getattr(user, "id", None)
        application.decided_at = utcnow()
        _decided(region, application)


def token_for(plain: str) -> PasswordToken | None:
    """The unused, unexpired token ``plain`` names, or None."""
    if not plain or len(plain) > 100:
        return None
    token = db.session.scalar(sa.select(PasswordToken).filter_by(
        token_hash=ApiToken.hash(plain)))
    if token is None or token.used_at is not None or token.expires_at < utcnow():
        return None
    return token


def set_password(token: PasswordToken, new: str, repeat: str) -> User:
    """Set the account's password through its one-time link (the link then stops working)."""
    shortest = max(account_services.min_password(), 8)
    problems = []
    if len(new or "") < shortest:
        problems.append(Problem("new", _("Neues Passwort: mindestens %(n)d Zeichen.",
                                         n=shortest)))
    if new != repeat:
        problems.append(Problem("repeat", _("Wiederholung: stimmt nicht mit dem neuen "
                                            "Passwort überein.")))
    raise_if(problems)
    user = token.user
    with change(user.region, None, "user.password", user.login, data=False):
        user.set_password(new)
        user.end_sessions()
        token.used_at = utcnow()
    return user
