"""Use cases of the platform, shared by the pages, the API and the command line.

This is the one place that commits. Every change checks the permission again, validates
with :mod:`collab.core.validation`, records an :class:`Activity`, bumps the region's
``data_version`` (the analysis cache key) and commits; on any error it rolls back, so bad
input changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from collab.core import permissions as perm
from collab.core import vocab
from collab.core.models import (
    Activity,
    Actor,
    ApiToken,
    Initiative,
    Municipality,
    NodePosition,
    Participation,
    Region,
    RegionMembership,
    Tie,
    User,
    utcnow,
)
from collab.core.validation import Problem, ValidationError, clean
from collab.extensions import db


class Conflict(Exception):
    """The change collides with existing data (a key taken, a vote already cast): 409."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


@contextmanager
def change(region: Region | None, user: User | None, action: str, target: str = "",
           summary: str = "", *, data: bool = True) -> Iterator[None]:
    """Run a change as one unit: record it, bump the region's data version, commit.

    ``data=False`` is for state that is not network data (the view's node positions): the
    change is recorded and committed, but the data version, and with it every cached
    analysis and graph of the region, stays as it is.
    Any exception rolls everything back and propagates.
    """
    try:
        yield
        if region is not None and data:
            region.data_version = (region.data_version or 0) + 1
        db.session.add(Activity(
            region_id=region.id if region is not None else None,
            user_id=user.id if user is not None and user.is_authenticated else None,
            action=action, target=target, summary=summary))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _differs(obj: Any, data: dict, names: tuple[str, ...]) -> bool:
    """Whether applying ``data`` would change any of ``names`` on ``obj`` (an update that
    changes nothing is neither written nor recorded)."""
    for name in names:
        if name not in data:
            continue
        have, want = getattr(obj, name), data[name]
        if isinstance(have, list) and isinstance(want, list | tuple):
            have, want = sorted(have), sorted(want)
        if have != want:
            return True
    return False


# --- records: the bundle's shape of each object ------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def municipality_record(m: RegionMembership) -> dict[str, Any]:
    mu = m.municipality
    return {
        "key": mu.key, "name": mu.name, "kind": mu.kind, "ags": mu.ags,
        "district": mu.district, "state": mu.state, "population": mu.population,
        "area_km2": mu.area_km2, "lat": mu.lat, "lon": mu.lon, "tier": m.tier,
        "since": _iso(m.since), "description": mu.description,
    }


def actor_record(a: Actor, *, contact: bool = False) -> dict[str, Any]:
    record = {
        "key": a.key, "name": a.name, "type": a.type, "level": a.level, "sector": a.sector,
        "municipality": a.municipality.key if a.municipality else None,
        "topics": sorted(a.topics or []), "capacity_fte": a.capacity_fte,
        "description": a.description,
    }
    if contact and a.contact:
        record["contact"] = a.contact
    return record


def initiative_record(i: Initiative) -> dict[str, Any]:
    return {
        "key": i.key, "name": i.name, "topic": i.topic, "status": i.status,
        "description": i.description, "start": _iso(i.start), "end": _iso(i.end),
        "participants": sorted(
            ({"actor": p.actor.key, "role": p.role} for p in i.participations),
            key=lambda p: p["actor"]),
    }


def tie_record(t: Tie) -> dict[str, Any]:
    return {
        "key": t.key, "source": t.source.key, "target": t.target.key, "kind": t.kind,
        "weight": t.weight, "description": t.description,
    }


# --- keys -------------------------------------------------------------------------------------


def node_key_owner(region: Region, key: str) -> str | None:
    """Which kind of node of the region already uses ``key`` (municipality, actor,
    initiative), or None. The three share one namespace per region."""
    if db.session.scalar(
        sa.select(RegionMembership.id).join(Municipality)
        .where(RegionMembership.region_id == region.id, Municipality.key == key)
    ):
        return "municipality"
    if db.session.scalar(sa.select(Actor.id).filter_by(region_id=region.id, key=key)):
        return "actor"
    if db.session.scalar(sa.select(Initiative.id).filter_by(region_id=region.id, key=key)):
        return "initiative"
    return None


def _check_new_key(region: Region, key: str) -> None:
    owner = node_key_owner(region, key)
    if owner:
        raise Conflict(_("Schlüssel: „%(k)s“ ist in dieser Region bereits vergeben.", k=key),
                       field="key")


def _check_key_unchanged(obj_key: str, data: dict) -> None:
    if "key" in data and data["key"] != obj_key:
        raise ValidationError([Problem("key", _(
            "Schlüssel: kann nicht geändert werden (er ist der stabile Bezeichner in Bündeln "
            "und Adressen)."))])


def _member_municipality(region: Region, key: str | None, field: str) -> Municipality | None:
    if key is None:
        return None
    found = db.session.scalar(
        sa.select(Municipality).join(RegionMembership)
        .where(RegionMembership.region_id == region.id, Municipality.key == key))
    if found is None:
        raise ValidationError([Problem(field, _(
            "Kommune: „%(k)s“ ist kein Mitglied dieser Region.", k=key))])
    return found


def _region_actor(region: Region, key: str, field: str) -> Actor:
    found = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id, key=key))
    if found is None:
        raise ValidationError([Problem(field, _(
            "Akteur: „%(k)s“ gibt es in dieser Region nicht.", k=key))])
    return found


# --- municipalities ---------------------------------------------------------------------------

MUNICIPALITY_FIELDS = ("name", "kind", "ags", "district", "state", "population", "area_km2",
                        "lat", "lon", "description")


def add_municipality(region: Region, raw: dict, user: User | None) -> RegionMembership:
    require(perm.can_add_municipality(user, region))
    data, problems = clean("municipality", raw)
    _raise_if(problems)
    owner = node_key_owner(region, data["key"])
    if owner:
        raise Conflict(_("Schlüssel: „%(k)s“ ist in dieser Region bereits vergeben.",
                         k=data["key"]), field="key")
    by_key = db.session.scalar(sa.select(Municipality).filter_by(key=data["key"]))
    by_ags = db.session.scalar(sa.select(Municipality).filter_by(ags=data["ags"]))
    if by_ags is not None and by_ags is not by_key:
        raise Conflict(_("AGS: %(a)s gehört bereits zur Kommune „%(n)s“ (Schlüssel %(k)s).",
                         a=data["ags"], n=by_ags.name, k=by_ags.key), field="ags")
    if by_key is not None and by_key.ags != data["ags"]:
        raise Conflict(_("Schlüssel: „%(k)s“ bezeichnet bereits eine andere Kommune (AGS %(a)s).",
                         k=data["key"], a=by_key.ags), field="key")
    with change(region, user, "municipality.create", data["key"], data["name"]):
        municipality = by_key or Municipality(key=data["key"])
        for name in MUNICIPALITY_FIELDS:
            setattr(municipality, name, data[name])
        membership = RegionMembership(region=region, municipality=municipality,
                                      tier=data["tier"], since=data["since"])
        db.session.add(membership)
    return membership


def update_municipality(region: Region, membership: RegionMembership, raw: dict,
                        user: User | None) -> RegionMembership:
    municipality = membership.municipality
    require(perm.can_edit_municipality(user, region, municipality))
    data, problems = clean("municipality", raw, partial=True)
    _raise_if(problems)  # a bad value is refused, never dropped while the rest is saved
    _check_key_unchanged(municipality.key, data)
    merged = municipality_record(membership) | data
    _raise_if(clean("municipality", merged)[1])  # cross-field rules on the result
    if "tier" in data and data["tier"] != membership.tier:
        require(perm.can_manage_region(user, region))  # a member does not promote itself
    if "ags" in data and data["ags"] != municipality.ags:
        other = db.session.scalar(sa.select(Municipality).filter_by(ags=data["ags"]))
        if other is not None:
            raise Conflict(_("AGS: %(a)s gehört bereits zur Kommune „%(n)s“.",
                             a=data["ags"], n=other.name), field="ags")
    if not (_differs(municipality, data, MUNICIPALITY_FIELDS)
            or _differs(membership, data, ("tier", "since"))):
        return membership
    with change(region, user, "municipality.update", municipality.key, municipality.name):
        for name in MUNICIPALITY_FIELDS:
            if name in data:
                setattr(municipality, name, data[name])
        if "tier" in data:
            membership.tier = data["tier"]
        if "since" in data:
            membership.since = data["since"]
    return membership


def municipality_consequences(region: Region, membership: RegionMembership) -> list[str]:
    """What goes with a municipality when it leaves the region (for the confirmation)."""
    actors = db.session.scalars(sa.select(Actor).filter_by(
        region_id=region.id, municipality_id=membership.municipality_id)).all()
    found = [_("Akteur „%(n)s“", n=a.name) for a in actors]
    found += _actor_dependents(actors)
    users = db.session.scalars(sa.select(User).filter_by(
        region_id=region.id, municipality_id=membership.municipality_id)).all()
    found += [_("Zugang „%(l)s“ verliert seine Kommune", l=u.login) for u in users]
    return found


def remove_municipality(region: Region, membership: RegionMembership, user: User | None) -> None:
    municipality = membership.municipality
    require(perm.can_delete_municipality(user, region, municipality))
    with change(region, user, "municipality.delete", municipality.key, municipality.name):
        actors = db.session.scalars(sa.select(Actor).filter_by(
            region_id=region.id, municipality_id=municipality.id)).all()
        _delete_actors(actors)
        for account in db.session.scalars(sa.select(User).filter_by(
                region_id=region.id, municipality_id=municipality.id)):
            account.municipality_id = None
        db.session.delete(membership)


# --- actors -----------------------------------------------------------------------------------

_ACTOR_FIELDS = ("name", "type", "level", "sector", "topics", "capacity_fte", "description",
                 "contact")


def add_actor(region: Region, raw: dict, user: User | None) -> Actor:
    require(perm.can_add_actor(user, region))
    data, problems = clean("actor", raw)
    _raise_if(problems)
    municipality = _member_municipality(region, data["municipality"], "municipality")
    require(perm.can_edit_actor_of(user, region, municipality))
    _check_new_key(region, data["key"])
    with change(region, user, "actor.create", data["key"], data["name"]):
        actor = Actor(region=region, key=data["key"], municipality=municipality)
        for name in _ACTOR_FIELDS:
            setattr(actor, name, data[name])
        db.session.add(actor)
    return actor


def update_actor(region: Region, actor: Actor, raw: dict, user: User | None) -> Actor:
    require(perm.can_edit_actor(user, actor))
    data, problems = clean("actor", raw, partial=True)
    _raise_if(problems)
    _check_key_unchanged(actor.key, data)
    municipality = actor.municipality
    if "municipality" in data:
        municipality = _member_municipality(region, data["municipality"], "municipality")
        require(perm.can_edit_actor_of(user, region, municipality))
    if municipality is actor.municipality and not _differs(actor, data, _ACTOR_FIELDS):
        return actor
    with change(region, user, "actor.update", actor.key, actor.name):
        actor.municipality = municipality
        for name in _ACTOR_FIELDS:
            if name in data:
                setattr(actor, name, data[name])
    return actor


def _actor_dependents(actors: list[Actor]) -> list[str]:
    ids = [a.id for a in actors]
    if not ids:
        return []
    ties = db.session.scalars(sa.select(Tie).where(
        sa.or_(Tie.source_id.in_(ids), Tie.target_id.in_(ids)))).all()
    parts = db.session.scalars(sa.select(Participation).where(
        Participation.actor_id.in_(ids))).all()
    found = [_("Verbindung %(s)s → %(t)s (%(k)s)", s=t.source.name, t=t.target.name,
               k=vocab.label(vocab.TIE_KINDS, t.kind))
             for t in ties]
    found += [_("Beteiligung von „%(a)s“ an „%(i)s“", a=p.actor.name, i=p.initiative.name)
              for p in parts]
    return found


def actor_consequences(actor: Actor) -> list[str]:
    return _actor_dependents([actor])


def _delete_actors(actors: list[Actor]) -> None:
    ids = [a.id for a in actors]
    if not ids:
        return
    db.session.execute(sa.delete(Tie).where(
        sa.or_(Tie.source_id.in_(ids), Tie.target_id.in_(ids))))
    for actor in actors:
        db.session.delete(actor)  # cascades to participations


def delete_actor(region: Region, actor: Actor, user: User | None) -> None:
    require(perm.can_edit_actor(user, actor))
    with change(region, user, "actor.delete", actor.key, actor.name):
        _delete_actors([actor])


# --- initiatives ------------------------------------------------------------------------------

_INITIATIVE_FIELDS = ("name", "topic", "status", "description", "start", "end")


def _participants(region: Region, raw: Any) -> list[tuple[Actor, str]]:
    if not isinstance(raw, list):
        raise ValidationError([Problem("participants", _(
            "Beteiligte: muss eine Liste von {actor, role} sein."))])
    problems: list[Problem] = []
    found: list[tuple[Actor, str]] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        data, item_problems = clean("participant", item, path=f"participants[{n}]")
        problems += item_problems
        if item_problems:
            continue
        if data["actor"] in seen:
            problems.append(Problem(f"participants[{n}].actor", _(
                "Beteiligte: „%(k)s“ ist doppelt aufgeführt.", k=data["actor"])))
            continue
        seen.add(data["actor"])
        actor = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id,
                                                             key=data["actor"]))
        if actor is None:
            problems.append(Problem(f"participants[{n}].actor", _(
                "Beteiligte: Akteur „%(k)s“ gibt es in dieser Region nicht.", k=data["actor"])))
            continue
        found.append((actor, data["role"]))
    _raise_if(problems)
    return found


def add_initiative(region: Region, raw: dict, user: User | None) -> Initiative:
    require(perm.can_add_initiative(user, region))
    data, problems = clean("initiative", raw)
    _raise_if(problems)
    participants = _participants(region, raw.get("participants", []))
    if not perm.can_manage_region(user, region):
        # a member proposes with its own units only
        for actor, _role in participants:
            require(perm.speaks_for(user, region, actor.municipality))
    _check_new_key(region, data["key"])
    with change(region, user, "initiative.create", data["key"], data["name"]):
        initiative = Initiative(region=region, key=data["key"])
        for name in _INITIATIVE_FIELDS:
            setattr(initiative, name, data[name])
        initiative.participations = [Participation(actor=a, role=r) for a, r in participants]
        db.session.add(initiative)
    return initiative


def update_initiative(region: Region, initiative: Initiative, raw: dict,
                      user: User | None) -> Initiative:
    require(perm.can_edit_initiative(user, initiative))
    data, problems = clean("initiative", raw, partial=True)
    _raise_if(problems)
    _check_key_unchanged(initiative.key, data)
    merged = initiative_record(initiative) | {k: _iso(v) if isinstance(v, dt.date) else v
                                              for k, v in data.items()}
    _raise_if(clean("initiative", merged)[1])
    participants = _participants(region, raw["participants"]) if "participants" in raw else None
    same_participants = participants is None or (
        {(a.id, r) for a, r in participants}
        == {(p.actor_id, p.role) for p in initiative.participations})
    if same_participants and not _differs(initiative, data, _INITIATIVE_FIELDS):
        return initiative
    with change(region, user, "initiative.update", initiative.key, initiative.name):
        for name in _INITIATIVE_FIELDS:
            if name in data:
                setattr(initiative, name, data[name])
        if participants is not None:
            _set_participants(initiative, participants)
    return initiative


def _set_participants(initiative: Initiative, participants: list[tuple[Actor, str]]) -> None:
    wanted = {a.id: (a, r) for a, r in participants}
    for p in list(initiative.participations):
        if p.actor_id not in wanted:
            initiative.participations.remove(p)
        else:
            p.role = wanted.pop(p.actor_id)[1]
    for actor, role in wanted.values():
        initiative.participations.append(Participation(actor=actor, role=role))


def initiative_consequences(initiative: Initiative) -> list[str]:
    return [_("Beteiligung von „%(a)s“", a=p.actor.name) for p in initiative.participations]


def delete_initiative(region: Region, initiative: Initiative, user: User | None) -> None:
    require(perm.can_edit_initiative(user, initiative))
    with change(region, user, "initiative.delete", initiative.key, initiative.name):
        db.session.delete(initiative)


# --- ties -------------------------------------------------------------------------------------


def default_tie_key(source: str, target: str, kind: str) -> str:
    return f"{source}-{target}-{kind.replace('_', '-')}"


def add_tie(region: Region, raw: dict, user: User | None) -> Tie:
    require(perm.can_add_tie(user, region))
    data, problems = clean("tie", raw)
    _raise_if(problems)
    source = _region_actor(region, data["source"], "source")
    target = _region_actor(region, data["target"], "target")
    require(perm.can_edit_tie_between(user, region, source, target))
    tie_key = data["key"] or default_tie_key(source.key, target.key, data["kind"])
    if db.session.scalar(sa.select(Tie.id).filter_by(region_id=region.id, key=tie_key)):
        raise Conflict(_("Schlüssel: Die Verbindung „%(k)s“ gibt es bereits.", k=tie_key),
                       field="key")
    with change(region, user, "tie.create", tie_key, f"{source.name} → {target.name}"):
        tie = Tie(region=region, key=tie_key, source=source, target=target, kind=data["kind"],
                  weight=data["weight"], description=data["description"])
        db.session.add(tie)
    return tie


def update_tie(region: Region, tie: Tie, raw: dict, user: User | None) -> Tie:
    require(perm.can_edit_tie(user, tie))
    data, problems = clean("tie", raw, partial=True)
    _raise_if(problems)
    _check_key_unchanged(tie.key, data)
    source = _region_actor(region, data["source"], "source") if "source" in data else tie.source
    target = _region_actor(region, data["target"], "target") if "target" in data else tie.target
    if source.id == target.id:
        raise ValidationError([Problem("target", _(
            "Zu: Eine Verbindung darf einen Akteur nicht mit sich selbst verbinden."))])
    require(perm.can_edit_tie_between(user, region, source, target))
    if (source is tie.source and target is tie.target
            and not _differs(tie, data, ("kind", "weight", "description"))):
        return tie
    with change(region, user, "tie.update", tie.key, f"{source.name} → {target.name}"):
        tie.source, tie.target = source, target
        for name in ("kind", "weight", "description"):
            if name in data:
                setattr(tie, name, data[name])
    return tie


def delete_tie(region: Region, tie: Tie, user: User | None) -> None:
    require(perm.can_edit_tie(user, tie))
    with change(region, user, "tie.delete", tie.key, f"{tie.source.name} → {tie.target.name}"):
        db.session.delete(tie)


# --- accounts and tokens ----------------------------------------------------------------------


def create_user(login: str, password: str, role: str, *, region: Region | None = None,
                municipality: Municipality | None = None, display_name: str = "",
                by: User | None = None) -> User:
    """Create an account. From the command line ``by`` is None; in the app the coordinator
    of ``region`` may invite members and viewers for it."""
    problems = []
    if not login or not all(c.isalnum() or c in "._-" for c in login) or len(login) > 64:
        problems.append(Problem("login", _(
            "Login: nur Buchstaben, Ziffern, Punkt, Unterstrich und Bindestrich.")))
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
    if len(password) < 4:
        problems.append(Problem("password", _("Passwort: mindestens 4 Zeichen.")))
    _raise_if(problems)
    if by is not None:
        require(region is not None and perm.can_manage_accounts(by, region)
                and (perm.is_admin(by) or role in ("member", "viewer")))
    if db.session.scalar(sa.select(User.id).filter_by(login=login)):
        raise Conflict(_("Login: „%(l)s“ ist bereits vergeben.", l=login), field="login")
    with change(None, by, "user.create", login, role):
        user = User(login=login, role=role, region=region, municipality=municipality,
                    display_name=display_name)
        user.set_password(password)
        db.session.add(user)
    return user


#: the shortest password an account may choose for itself
MIN_PASSWORD = 8


def change_password(user: User, current: str, new: str, repeat: str) -> None:
    """The signed-in account sets a new password; it must know the current one."""
    require(perm.can_change_own_password(user))
    problems = []
    if not user.check_password(current or ""):
        problems.append(Problem("current", _("Bisheriges Passwort: stimmt nicht.")))
    if len(new or "") < MIN_PASSWORD:
        problems.append(Problem("new", _("Neues Passwort: mindestens %(n)d Zeichen.",
                                         n=MIN_PASSWORD)))
    elif new == current:
        problems.append(Problem("new", _("Neues Passwort: muss sich vom bisherigen "
                                         "unterscheiden.")))
    if new != repeat:
        problems.append(Problem("repeat", _("Wiederholung: stimmt nicht mit dem neuen "
                                            "Passwort überein.")))
    _raise_if(problems)
    with change(user.region, user, "user.password", user.login, data=False):
        user.set_password(new)


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
        for token in tokens:
            token.revoked_at = utcnow()


def issue_token(user: User, by: User | None = None) -> str:
    """A new API token for ``user``; the plain token is returned once and never stored."""
    with change(None, by, "token.create", user.login):
        token, plain = ApiToken.issue(user)
        db.session.add(token)
    return plain


def revoke_tokens(user: User, by: User | None = None) -> int:
    tokens = db.session.scalars(sa.select(ApiToken).filter_by(user_id=user.id,
                                                              revoked_at=None)).all()
    with change(None, by, "token.revoke", user.login, str(len(tokens))):
        for token in tokens:
            token.revoked_at = utcnow()
    return len(tokens)


def user_for_token(plain: str) -> User | None:
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=ApiToken.hash(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


# --- network view -----------------------------------------------------------------------------

#: at most this many node positions are saved in one request
MAX_POSITIONS = 50_000
#: coordinates beyond this magnitude are refused (the view's layouts stay within a few
#: thousand units)
MAX_COORDINATE = 1e6


def save_positions(region: Region, positions: Any, user: User | None, *,
                   known: set | None = None) -> int:
    """Save node positions of the region's network view: ``{"node key": [x, y], ...}``.

    Only the coordinator (or an admin) may. ``known`` are the keys the view can draw (node
    keys and aggregate ids); other keys are refused. Existing positions of the same keys are
    replaced, others kept. Returns the number saved.
    """
    require(perm.can_save_positions(user, region))
    problems: list[Problem] = []
    if not isinstance(positions, dict) or not positions:
        raise ValidationError([Problem("positions", _(
            "Positionen: ein nicht leeres Objekt {\"Schlüssel\": [x, y]} erwartet."))])
    if len(positions) > MAX_POSITIONS:
        raise ValidationError([Problem("positions", _(
            "Positionen: höchstens %(n)d auf einmal.", n=MAX_POSITIONS))])
    clean_positions: dict[str, tuple[float, float]] = {}
    for key, value in positions.items():
        field = f"positions.{key}"
        if not isinstance(key, str) or not key or len(key) > 130 or (
                known is not None and key not in known):
            problems.append(Problem(field, _("Unbekannter Knoten: %(key)s", key=key)))
            continue
        if (not isinstance(value, list | tuple) or len(value) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in value)):
            problems.append(Problem(field, _(
                "Position von %(key)s: zwei Zahlen [x, y] erwartet (Betrag höchstens "
                "1.000.000).", key=key)))
            continue
        clean_positions[key] = (float(value[0]), float(value[1]))
    _raise_if(problems)
    existing = {p.node_key: p for p in db.session.scalars(
        sa.select(NodePosition).where(NodePosition.region_id == region.id,
                                      NodePosition.node_key.in_(list(clean_positions))))} \
        if len(clean_positions) <= 5000 else {
        p.node_key: p for p in db.session.scalars(
            sa.select(NodePosition).where(NodePosition.region_id == region.id))}
    with change(region, user, "view.positions", region.slug,
                _("%(n)d Knotenpositionen der Netzwerkansicht gespeichert",
                  n=len(clean_positions)), data=False):
        now = utcnow()
        for key, (x, y) in clean_positions.items():
            row = existing.get(key)
            if row is None:
                db.session.add(NodePosition(region_id=region.id, node_key=key, x=x, y=y,
                                            saved_at=now))
            else:
                row.x, row.y, row.saved_at = x, y, now
    return len(clean_positions)
