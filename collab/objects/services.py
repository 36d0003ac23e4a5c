"""Use cases of the network objects (municipalities, actors, initiatives, ties), shared by
the pages, the API, bundle import and the command line. Each runs inside
:func:`collab.core.store.change`, the one place that commits."""


from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import permissions as perm
from collab.core import vocab
from collab.core.models import (
    Actor,
    Format,
    FormatInvitation,
    Initiative,
    InitiativeJoinRequest,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Solution,
    SolutionUse,
    Tie,
    User,
)
from collab.core.store import (  # noqa: F401
    Conflict,
    change,
    claim,
    differs,
    lock,
    raise_if,
    require,
    touch_other_regions,
)
from collab.core.validation import KEY_MAX, Problem, ValidationError, clean, field_label
from collab.extensions import db
from collab.notifications import services as notifications
from collab.notifications.mail import path_for as url_for

# --- records: the bundle's shape of each object ------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def municipality_record(m: RegionMembership) -> dict[str, Any]:
    mu = m.municipality
    return {
        "key": mu.key, "name": mu.name, "kind": mu.kind, "ags": mu.ags,
        "district": mu.district, "state": mu.state, "population": mu.population,
        "area_km2": mu.area_km2, "lat": mu.lat, "lon": mu.lon, "tier": m.tier,
        "since": _iso(m.since), "description": mu.description, "joined_by": m.joined_by,
        "provenance": m.provenance, "source": m.source,
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
    record.update(provenance=a.provenance, source=a.source)
    return record


def initiative_record(i: Initiative) -> dict[str, Any]:
    return {
        "key": i.key, "name": i.name, "topic": i.topic, "status": i.status,
        "description": i.description, "start": _iso(i.start), "end": _iso(i.end),
        "scope": i.scope, "funding": i.funding,
        "participants": sorted(
            ({"actor": p.actor.key, "role": p.role, "provenance": p.provenance,
              "source": p.source} for p in i.participations),
            key=lambda p: p["actor"]),
    }


def tie_record(t: Tie) -> dict[str, Any]:
    return {
        "key": t.key, "source": t.source.key, "target": t.target.key, "kind": t.kind,
        "weight": t.weight, "description": t.description, "trust": t.trust, "value": t.value,
        "provenance": t.provenance, "reference": t.reference,
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
    if perm.survey_created_anywhere(region, key):
        # the answering municipality may correct what its answer created, by key: a new
        # record under such a key would become the municipality's to change
        raise Conflict(_("Schlüssel: „%(k)s“ hat eine Antwort auf die Netzwerkbefragung schon "
                         "einmal vergeben; er wird nicht wieder vergeben. Bitte wählen Sie "
                         "einen anderen.", k=key), field="key")


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


def actor_keys_for(region: Region, text: str) -> list[str]:
    """The keys of the region's actors that ``text`` names, as a person types it into a
    type-ahead field: an actor's key, else the actors whose name it is (case and the
    spaces around it ignored). One key: found; several: the name is ambiguous (sorted);
    none: no such actor. Forms resolve typed names with it; the API takes keys only."""
    wanted = (text or "").strip()
    if not wanted:
        return []
    if db.session.scalar(sa.select(Actor.id).filter_by(region_id=region.id, key=wanted)):
        return [wanted]
    # names of the same length, compared in Python (SQLite's lower() knows ASCII letters only)
    rows = db.session.execute(sa.select(Actor.key, Actor.name).where(
        Actor.region_id == region.id, sa.func.length(Actor.name) == len(wanted))).all()
    return sorted(k for k, name in rows if name.strip().casefold() == wanted.casefold())


def actor_typed_names(region: Region) -> dict[str, str]:
    """What names each of the region's actors in a type-ahead field, by key: its name,
    where :func:`actor_keys_for` finds this actor alone by it, else its key (a name two
    actors bear, or one that is another actor's key)."""
    rows = db.session.execute(sa.select(Actor.key, Actor.name).filter_by(
        region_id=region.id)).all()
    keys = {key for key, _name in rows}
    bearers: dict[str, int] = {}
    for _key, name in rows:
        folded = name.strip().casefold()
        bearers[folded] = bearers.get(folded, 0) + 1
    return {key: name if (name and name == name.strip() and name not in keys
                          and bearers[name.casefold()] == 1) else key
            for key, name in rows}


# --- provenance "confirmed" ------------------------------------------------------------------

#: what a record's confirmation is about, by entity (besides the records it links: an
#: actor's municipality, a tie's ends, a format's convenor, where a solution was re-used
#: from): an account that may not confirm (:func:`perm.can_confirm`) and changes one of
#: these reports something nobody confirmed
CONFIRMED_FIELDS = {
    "municipality": ("since", "joined_by"),
    "actor": ("type", "level", "sector"),
    "participant": ("role",),
    "tie": ("kind",),
    "format": ("kind", "cadence"),
    "solution_use": ("since",),
}


def confirmation_problems(user: User | None, region: Region, current: str | None,
                          data: dict, changed: bool, *, field: str = "provenance",
                          tie: tuple[Actor, Actor, str] | None = None) -> list[Problem]:
    """The rule of provenance "confirmed" applied to ``data``, the cleaned input for a
    record whose provenance is ``current`` (None: a new record); ``changed`` says whether
    the input changes what the confirmation is about (:data:`CONFIRMED_FIELDS`; for a tie
    its ends and kind, ``tie`` as they will be).

    Who may confirm decides :func:`perm.can_confirm` (the coordinator; for a tie also the
    relationship survey, once both ends reported it). Anyone else

    * asking for "confirmed" on a record that is not confirmed (or a new one) is refused
      with a message at ``field`` (422), and nothing is saved;
    * keeps a confirmed record confirmed while the edit leaves what was confirmed as it was
      (a tie's weight, trust or description, a source): clients that send a record back as
      they read it change nothing by that;
    * turns a confirmed record into "self_reported" by an edit that changes what was
      confirmed (a tie's ends or kind, an actor's level): that is the account's own
      report now, which nobody has confirmed. ``data["provenance"]`` is set so.
    """
    wanted = data.get("provenance", current)
    if wanted != "confirmed" or perm.can_confirm(user, region, tie):
        return []
    if current != "confirmed":
        return [Problem(field, _(
            "%(f)s: „bestätigt“ setzt die Koordination der Region, wenn sie die Angabe geprüft "
            "hat, oder die Netzwerkbefragung, wenn beide Seiten eine Verbindung melden; bitte "
            "wählen Sie eine andere Herkunft (z. B. „selbst gemeldet“).",
            f=field_label("actor", "provenance")))]
    if changed:
        data["provenance"] = "self_reported"
    return []


# --- municipalities ---------------------------------------------------------------------------

MUNICIPALITY_FIELDS = ("name", "kind", "ags", "district", "state", "population", "area_km2",
                        "lat", "lon", "description")
#: what the region's membership says about a municipality (besides its tier)
MEMBERSHIP_FIELDS = ("since", "joined_by", "provenance", "source")


def other_regions(municipality: Municipality, region: Region | None) -> list[Region]:
    """The regions besides ``region`` that ``municipality`` belongs to."""
    return [m.region for m in municipality.memberships
            if region is None or m.region_id != region.id]


def fact_differences(municipality: Municipality, facts: dict) -> list[dict[str, Any]]:
    """Where ``facts`` differ from a shared municipality's facts (listed, not applied)."""
    return [{"municipality": municipality.key, "field": name,
             "platform": getattr(municipality, name), "given": facts[name]}
            for name in MUNICIPALITY_FIELDS
            if name in facts and getattr(municipality, name) != facts[name]]


def region_state(region: Region) -> str | None:
    """The most common Land of the region's members (None for an empty region): the default
    of a new member."""
    from collections import Counter

    states = db.session.scalars(sa.select(Municipality.state).join(RegionMembership).where(
        RegionMembership.region_id == region.id)).all()
    return Counter(states).most_common(1)[0][0] if states else None


def add_municipality(region: Region, raw: dict, user: User | None) -> RegionMembership:
    """Add a member to the region. A municipality the platform holds already (same key and
    AGS) is linked: its facts stay as they are, and where the input differs the differences
    are listed on the membership (``membership.differences``), not applied."""
    require(perm.can_add_municipality(user, region))
    data, problems = clean("municipality", raw)
    raise_if(problems)
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
    differences = fact_differences(by_key, data) if by_key is not None else []
    summary = data["name"] if by_key is None else _("%(n)s (verknüpft)", n=by_key.name)
    with change(region, user, "municipality.create", data["key"], summary):
        municipality = by_key
        if municipality is None:
            municipality = Municipality(key=data["key"])
            for name in MUNICIPALITY_FIELDS:
                setattr(municipality, name, data[name])
        membership = RegionMembership(region=region, municipality=municipality,
                                      tier=data["tier"],
                                      **{name: data[name] for name in MEMBERSHIP_FIELDS})
        db.session.add(membership)
    membership.differences = differences
    return membership


def update_municipality(region: Region, membership: RegionMembership, raw: dict,
                        user: User | None) -> RegionMembership:
    """Change a member's facts and membership. The facts are shared by every region the
    municipality belongs to (who may change them: :func:`perm.can_change_municipality_facts`;
    every region logs the change); tier and since are the coordinator's. A field the
    account may not change is refused with a message at that field (422), never by dropping
    the rest of the input."""
    municipality = membership.municipality
    require(perm.can_edit_municipality(user, region, municipality))
    data, problems = clean("municipality", raw, partial=True)
    raise_if(problems)  # a bad value is refused, never dropped while the rest is saved
    _check_key_unchanged(municipality.key, data)
    merged = municipality_record(membership) | data
    raise_if(clean("municipality", merged)[1])  # cross-field rules on the result
    refused = []
    if "tier" in data and data["tier"] != membership.tier and not perm.can_manage_region(
            user, region):
        refused.append(Problem("tier", _(
            "Stufe: legt die Koordination der Region fest; Ihre Kommune kann sie nicht "
            "ändern.")))
    if differs(municipality, data, MUNICIPALITY_FIELDS) and not (
            perm.can_change_municipality_facts(user, region, municipality)):
        names = ", ".join(r.name for r in other_regions(municipality, region))
        refused += [Problem(d["field"], _(
            "Diese Angabe teilen alle Regionen der Kommune (auch %(r)s): Sie ändert die "
            "Kommune selbst oder ein Admin.", r=names))
            for d in fact_differences(municipality, data)]
    refused += confirmation_problems(
        user, region, membership.provenance, data,
        differs(membership, data, CONFIRMED_FIELDS["municipality"]))
    raise_if(refused)
    if "ags" in data and data["ags"] != municipality.ags:
        other = db.session.scalar(sa.select(Municipality).filter_by(ags=data["ags"]))
        if other is not None:
            raise Conflict(_("AGS: %(a)s gehört bereits zur Kommune „%(n)s“.",
                             a=data["ags"], n=other.name), field="ags")
    facts_changed = differs(municipality, data, MUNICIPALITY_FIELDS)
    if not (facts_changed or differs(membership, data, ("tier", *MEMBERSHIP_FIELDS))):
        return membership
    with change(region, user, "municipality.update", municipality.key, municipality.name):
        for name in MUNICIPALITY_FIELDS:
            if name in data:
                setattr(municipality, name, data[name])
        for name in ("tier", *MEMBERSHIP_FIELDS):
            if name in data:
                setattr(membership, name, data[name])
        if facts_changed:
            touch_other_regions([municipality], region, user, "municipality.update")
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
    claim(membership)
    with change(region, user, "municipality.delete", municipality.key, municipality.name):
        actors = db.session.scalars(sa.select(Actor).filter_by(
            region_id=region.id, municipality_id=municipality.id)).all()
        _delete_actors(actors)
        for account in db.session.scalars(sa.select(User).filter_by(
                region_id=region.id, municipality_id=municipality.id)):
            account.municipality_id = None
        _forget_solution_uses(region, municipality)
        db.session.delete(membership)


def _forget_solution_uses(region: Region, municipality: Municipality) -> None:
    """A municipality leaving the region takes what it said about the region's solutions
    along (and is no longer named as the one others re-used them from)."""
    solution_ids = sa.select(Solution.id).where(Solution.region_id == region.id)
    for use in db.session.scalars(sa.select(SolutionUse).where(
            SolutionUse.solution_id.in_(solution_ids),
            sa.or_(SolutionUse.municipality_id == municipality.id,
                   SolutionUse.from_municipality_id == municipality.id))):
        if use.municipality_id == municipality.id:
            db.session.delete(use)
        else:
            use.from_municipality_id = None


# --- actors -----------------------------------------------------------------------------------

_ACTOR_FIELDS = ("name", "type", "level", "sector", "topics", "capacity_fte", "description",
                 "contact", "provenance", "source")


def add_actor(region: Region, raw: dict, user: User | None) -> Actor:
    require(perm.can_add_actor(user, region))
    data, problems = clean("actor", raw)
    raise_if(problems)
    municipality = _member_municipality(region, data["municipality"], "municipality")
    require(perm.can_edit_actor_of(user, region, municipality))
    raise_if(confirmation_problems(user, region, None, data, True))
    _check_new_key(region, data["key"])
    with change(region, user, "actor.create", data["key"], data["name"]):
        actor = Actor(region=region, key=data["key"], municipality=municipality)
        for name in _ACTOR_FIELDS:
            setattr(actor, name, data[name])
        db.session.add(actor)
    return actor


def update_actor(region: Region, actor: Actor, raw: dict, user: User | None) -> Actor:
    """Change an actor (who may: :func:`perm.can_edit_actor`). Filing it under another
    municipality needs the right to edit that municipality's actors too; keeping it where it
    is needs nothing more (a member correcting a partner its survey answer created keeps it
    a partner of no municipality, or files it under its own)."""
    require(perm.can_edit_actor(user, actor))
    data, problems = clean("actor", raw, partial=True)
    raise_if(problems)
    _check_key_unchanged(actor.key, data)
    municipality = actor.municipality
    if "municipality" in data:
        municipality = _member_municipality(region, data["municipality"], "municipality")
        if municipality is not actor.municipality:
            require(perm.can_edit_actor_of(user, region, municipality))
    raise_if(confirmation_problems(
        user, region, actor.provenance, data, municipality is not actor.municipality
        or differs(actor, data, CONFIRMED_FIELDS["actor"])))
    if municipality is actor.municipality and not differs(actor, data, _ACTOR_FIELDS):
        return actor
    _hold_survey_partner(user, actor)
    with change(region, user, "actor.update", actor.key, actor.name):
        actor.municipality = municipality
        for name in _ACTOR_FIELDS:
            if name in data:
                setattr(actor, name, data[name])
    return actor


def _hold_survey_partner(user: User | None, actor: Actor, *, claimed: bool = False) -> None:
    """When ``user`` may change ``actor`` only as a partner its survey answer created
    (:func:`perm.can_correct_survey_partner`: while nothing else uses it), hold the actor's
    row (:func:`claim`, unless ``claimed``) and ask again: another municipality may have
    tied its unit to the partner (or named it in its answer) since the first check, and a
    member's correction must not change or delete what another municipality now relies on
    (403, nothing changed). A tie added while the row is held waits for this change on
    SQLite; on PostgreSQL, a deletion then fails on the tie's reference (409)."""
    if perm.can_edit_actor_of(user, actor.region, actor.municipality):
        return
    if not claimed:
        claim(actor)
    require(perm.can_correct_survey_partner(user, actor))


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
    """Delete an actor with its ties and participations (who may:
    :func:`perm.can_edit_actor`)."""
    require(perm.can_edit_actor(user, actor))
    claim(actor)
    _hold_survey_partner(user, actor, claimed=True)
    with change(region, user, "actor.delete", actor.key, actor.name):
        _delete_actors([actor])


# --- initiatives ------------------------------------------------------------------------------

_INITIATIVE_FIELDS = ("name", "topic", "status", "description", "start", "end", "scope",
                      "funding")


#: what a participation says about its origin; kept as it is when an update does not name it
PARTICIPATION_EXTRAS = ("provenance", "source")


def _participants(region: Region, raw: Any) -> list[tuple[Actor, str, dict]]:
    """The participants of ``raw`` as (actor, role, extras); ``extras`` holds the
    :data:`PARTICIPATION_EXTRAS` the input names."""
    if not isinstance(raw, list):
        raise ValidationError([Problem("participants", _(
            "Beteiligte: muss eine Liste von {actor, role} sein."))])
    problems: list[Problem] = []
    found: list[tuple[Actor, str, dict]] = []
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
        if data["role"] == "lead" and any(role == "lead" for _a, role, _e in found):
            # one actor leads an initiative (the pages, the API and the analysis' "without
            # lead" gap all count on it)
            problems.append(Problem(f"participants[{n}].role", _(
                "Beteiligte: Nur ein Akteur hat die Federführung; bitte wählen Sie für "
                "„%(k)s“ eine andere Rolle.", k=data["actor"])))
            continue
        actor = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id,
                                                             key=data["actor"]))
        if actor is None:
            problems.append(Problem(f"participants[{n}].actor", _(
                "Beteiligte: Akteur „%(k)s“ gibt es in dieser Region nicht.", k=data["actor"])))
            continue
        found.append((actor, data["role"], {name: data[name] for name in PARTICIPATION_EXTRAS
                                             if name in item}))
    raise_if(problems)
    return found


def add_initiative(region: Region, raw: dict, user: User | None) -> Initiative:
    """Create an initiative. A member proposes it with its own units, one of them leading
    it: an initiative nobody of the member's municipality leads could no longer be edited
    by the member that created it (:func:`perm.can_edit_initiative`), so one without such a
    lead is refused (422 at ``participants``). Actors of other municipalities it names are
    invited, as when the lead edits it (:func:`_foreign_participant_changes`): they take
    part once their municipality agrees. The coordinator may create one without
    participants, or with any."""
    require(perm.can_add_initiative(user, region))
    data, problems = clean("initiative", raw)
    raise_if(problems)
    participants = _participants(region, raw.get("participants", []))
    invitations: list[tuple[Actor, str]] = []
    if not perm.can_manage_region(user, region):
        problems, participants, invitations = _foreign_participant_changes(
            region, Initiative(key=data["key"]), participants, user)
        raise_if(problems)
        if not any(role == "lead" for _actor, role, _extras in participants):
            raise ValidationError([Problem("participants", _(
                "Beteiligte: Bitte nennen Sie einen Akteur Ihrer Kommune mit der Rolle "
                "„Federführung“. Ändern darf eine Initiative nur, wer sie leitet (und die "
                "Koordination der Region); ohne Federführung könnten Sie sie nach dem "
                "Anlegen nicht mehr bearbeiten."))])
    raise_if([problem for n, (_actor, _role, extras) in enumerate(participants)
              for problem in confirmation_problems(
                  user, region, None, extras, True, field=f"participants[{n}].provenance")])
    _check_new_key(region, data["key"])
    with change(region, user, "initiative.create", data["key"], data["name"]):
        initiative = Initiative(region=region, key=data["key"])
        for name in _INITIATIVE_FIELDS:
            setattr(initiative, name, data[name])
        initiative.participations = [Participation(actor=a, role=r, **extras)
                                     for a, r, extras in participants]
        db.session.add(initiative)
    initiative.sent_invitations = _invite(region, initiative, invitations, user)
    return initiative


def update_initiative(region: Region, initiative: Initiative, raw: dict,
                      user: User | None) -> Initiative:
    require(perm.can_edit_initiative(user, initiative))
    data, problems = clean("initiative", raw, partial=True)
    raise_if(problems)
    _check_key_unchanged(initiative.key, data)
    merged = initiative_record(initiative) | {k: _iso(v) if isinstance(v, dt.date) else v
                                              for k, v in data.items()}
    raise_if(clean("initiative", merged)[1])
    participants = _participants(region, raw["participants"]) if "participants" in raw else None
    invitations: list[tuple[Actor, str]] = []
    if participants is not None:
        held = {p.actor_id: p for p in initiative.participations}
        raise_if([problem for n, (actor, role, extras) in enumerate(participants)
                  for problem in confirmation_problems(
                      user, region, held[actor.id].provenance if actor.id in held else None,
                      extras, actor.id not in held or held[actor.id].role != role,
                      field=f"participants[{n}].provenance")])
        problems, participants, invitations = _foreign_participant_changes(
            region, initiative, participants, user)
        raise_if(problems)
    same_participants = participants is None or (
        {(a.id, r) for a, r, _extras in participants}
        == {(p.actor_id, p.role) for p in initiative.participations} and all(
            getattr(p, name) == extras[name]
            for p in initiative.participations for a, _r, extras in participants
            if a.id == p.actor_id for name in extras))
    if not (same_participants and not differs(initiative, data, _INITIATIVE_FIELDS)):
        with change(region, user, "initiative.update", initiative.key, initiative.name):
            for name in _INITIATIVE_FIELDS:
                if name in data:
                    setattr(initiative, name, data[name])
            if participants is not None:
                _set_participants(initiative, participants)
    initiative.sent_invitations = _invite(region, initiative, invitations, user)
    return initiative


def _foreign_participant_changes(
        region: Region, initiative: Initiative, participants: list[tuple],
        user: User | None) -> tuple[list[Problem], list[tuple], list[tuple[Actor, str]]]:
    """The lead of an initiative changes its own municipality's participation only. Adding an
    actor of another municipality, or changing its role, becomes an invitation that this
    municipality accepts or declines (its participation stays as it is until then); ending
    another municipality's participation is refused (that municipality withdraws itself, or
    the coordinator ends it). The coordinator may change any participation.

    Returns the problems, the participants to apply now and the invitations (actor, role)."""
    if perm.can_manage_region(user, region):
        return [], participants, []
    current = {p.actor_id: p for p in initiative.participations}
    problems: list[Problem] = []
    applied: list[tuple] = []
    invitations: list[tuple[Actor, str]] = []
    for n, (actor, role, extras) in enumerate(participants):
        if perm.speaks_for(user, region, actor.municipality):
            applied.append((actor, role, extras))
            continue
        held = current.get(actor.id)
        if actor.municipality is None and (held is None or held.role != role):
            problems.append(Problem(f"participants[{n}].actor", _(
                "Beteiligte: „%(a)s“ gehört zu keiner Kommune; seine Beteiligung ändert nur "
                "die Koordination der Region.", a=actor.name)))
        elif held is None:
            invitations.append((actor, role))
        elif held.role != role:
            invitations.append((actor, role))
            applied.append((actor, held.role, {}))
        elif any(getattr(held, k) != v for k, v in extras.items()):
            problems.append(Problem(f"participants[{n}].role", _(
                "Beteiligte: Herkunft und Quelle der Beteiligung von „%(a)s“ ändert nur "
                "dessen Kommune oder die Koordination der Region.", a=actor.name)))
        else:
            applied.append((actor, role, extras))
    kept = {actor.id for actor, _role, _extras in participants}
    for p in initiative.participations:
        if p.actor_id not in kept and not perm.speaks_for(user, region, p.actor.municipality):
            problems.append(Problem("participants", _(
                "Beteiligte: „%(a)s“ gehört zu einer anderen Kommune; die Beteiligung beendet "
                "nur diese Kommune selbst oder die Koordination der Region.", a=p.actor.name)))
    had_lead = [p.actor for p in initiative.participations if p.role == "lead"]
    if had_lead and not any(role == "lead" for _actor, role, _extras in applied):
        # a member would hand the initiative to nobody, and lose its own right to edit it
        problems.append(Problem("participants", _(
            "Beteiligte: Die Initiative braucht eine Federführung. „%(a)s“ bleibt "
            "federführend; eine andere Federführung bestimmt die Koordination der Region.",
            a=had_lead[0].name)))
    return problems, applied, invitations


def _invite(region: Region, initiative: Initiative, invitations: list[tuple[Actor, str]],
            user: User | None) -> list[InitiativeJoinRequest]:
    """Store the lead's invitations (one open one per actor: an open request or invitation
    for the same actor is kept, not repeated); returns the open invitations concerned."""
    if not invitations:
        return []
    lock(region)
    found: list[InitiativeJoinRequest] = []
    for actor, role in invitations:
        pending = db.session.scalar(sa.select(InitiativeJoinRequest).filter_by(
            initiative_id=initiative.id, actor_id=actor.id, status="pending"))
        if pending is not None:
            found.append(pending)
            continue
        with change(region, user, "initiative.invite", initiative.key,
                    f"{actor.name}: {vocab.label(vocab.PARTICIPATION_ROLES, role)}", data=False):
            req = InitiativeJoinRequest(initiative=initiative, actor=actor, role=role,
                                        invited_by_lead=True, requested_by_id=user.id)
            db.session.add(req)
            tell_invited(region, actor, _l("Einladung zur Initiative „%(i)s“", i=initiative.name),
                         _l("%(a)s (%(m)s) ist zur Beteiligung an „%(i)s“ eingeladen (%(r)s). "
                            "Bitte nehmen Sie die Einladung an oder lehnen Sie sie ab.",
                            a=actor.name, m=actor.municipality.name, i=initiative.name,
                            r=vocab.PARTICIPATION_ROLES.get(role, role)),
                         url_for("objects.detail", slug=region.slug, kind="initiatives",
                                 key=initiative.key), user)
        found.append(req)
    return found


def invited_accounts(region: Region, municipality: Municipality) -> list[User]:
    """The active member accounts that speak for ``municipality`` in ``region`` (they decide
    on an invitation of one of its actors)."""
    found = db.session.scalars(sa.select(User).where(
        User.municipality_id == municipality.id, User.role == "member",
        User.active.is_(True)).order_by(User.id)).all()
    return [u for u in found if perm.speaks_for(u, region, municipality)]


def tell_invited(region: Region, actor: Actor, subject: Any, body: Any, url: str,
                 user: User | None) -> None:
    """Tell the member accounts of ``actor``'s municipality that one of its actors is
    invited (an initiative, a format) and waits for their decision. Call inside the
    ``change()`` block that stores the invitation."""
    notifications.notify(invited_accounts(region, actor.municipality), "request_new",
                         subject, body, url, exclude=user)


def _set_participants(initiative: Initiative, participants: list[tuple]) -> None:
    """Make the initiative's participations equal to ``participants``: (actor, role) pairs,
    or (actor, role, extras) with the :data:`PARTICIPATION_EXTRAS` to set."""
    wanted = {item[0].id: (item[0], item[1], item[2] if len(item) > 2 else {})
              for item in participants}
    for p in list(initiative.participations):
        if p.actor_id not in wanted:
            initiative.participations.remove(p)
        else:
            _actor, p.role, extras = wanted.pop(p.actor_id)
            for name, value in extras.items():
                setattr(p, name, value)
    for actor, role, extras in wanted.values():
        initiative.participations.append(Participation(actor=actor, role=role, **extras))


def initiative_consequences(initiative: Initiative) -> list[str]:
    return [_("Beteiligung von „%(a)s“", a=p.actor.name) for p in initiative.participations]


def delete_initiative(region: Region, initiative: Initiative, user: User | None) -> None:
    require(perm.can_edit_initiative(user, initiative))
    claim(initiative)
    with change(region, user, "initiative.delete", initiative.key, initiative.name):
        db.session.delete(initiative)


# --- ties -------------------------------------------------------------------------------------


#: a tie's fields besides its ends and key
TIE_FIELDS = ("kind", "weight", "description", "trust", "value", "provenance", "reference")


def default_tie_key(source: str, target: str, kind: str) -> str:
    """``<source>-<target>-<kind>``; when that is longer than a key may be (two long actor
    keys), its first part and 8 hex digits of its SHA-1, so the same tie always gets the
    same key (bundles and spreadsheets without tie keys import the same way again)."""
    full = f"{source}-{target}-{kind.replace('_', '-')}"
    if len(full) <= KEY_MAX:
        return full
    digest = hashlib.sha1(full.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{full[:KEY_MAX - 9].rstrip('-')}-{digest}"


def add_tie(region: Region, raw: dict, user: User | None) -> Tie:
    require(perm.can_add_tie(user, region))
    data, problems = clean("tie", raw)
    raise_if(problems)
    source = _region_actor(region, data["source"], "source")
    target = _region_actor(region, data["target"], "target")
    require(perm.can_edit_tie_between(user, region, source, target))
    raise_if(confirmation_problems(user, region, None, data, True,
                                   tie=(source, target, data["kind"])))
    tie_key = data["key"] or default_tie_key(source.key, target.key, data["kind"])
    if db.session.scalar(sa.select(Tie.id).filter_by(region_id=region.id, key=tie_key)):
        raise Conflict(_("Schlüssel: Die Verbindung „%(k)s“ gibt es bereits.", k=tie_key),
                       field="key")
    with change(region, user, "tie.create", tie_key, f"{source.name} → {target.name}"):
        tie = Tie(region=region, key=tie_key, source=source, target=target,
                  **{name: data[name] for name in TIE_FIELDS})
        db.session.add(tie)
    return tie


def update_tie(region: Region, tie: Tie, raw: dict, user: User | None) -> Tie:
    """Change a tie. Its provenance follows :func:`confirmation_problems`: a member does not
    make a tie "confirmed" (only the coordinator, or the survey once both ends reported it);
    a confirmed tie stays confirmed through a member's change of its weight, trust, value,
    description or reference, and becomes "self_reported" when the member changes its ends
    or kind (a different relationship, which the other end has not confirmed)."""
    require(perm.can_edit_tie(user, tie))
    data, problems = clean("tie", raw, partial=True)
    raise_if(problems)
    _check_key_unchanged(tie.key, data)
    source = _region_actor(region, data["source"], "source") if "source" in data else tie.source
    target = _region_actor(region, data["target"], "target") if "target" in data else tie.target
    if source.id == target.id:
        raise ValidationError([Problem("target", _(
            "Zu: Eine Verbindung darf einen Akteur nicht mit sich selbst verbinden."))])
    require(perm.can_edit_tie_between(user, region, source, target))
    raise_if(confirmation_problems(
        user, region, tie.provenance, data, source is not tie.source
        or target is not tie.target or differs(tie, data, CONFIRMED_FIELDS["tie"]),
        tie=(source, target, data.get("kind", tie.kind))))
    if (source is tie.source and target is tie.target
            and not differs(tie, data, TIE_FIELDS)):
        return tie
    with change(region, user, "tie.update", tie.key, f"{source.name} → {target.name}"):
        tie.source, tie.target = source, target
        for name in TIE_FIELDS:
            if name in data:
                setattr(tie, name, data[name])
    return tie


def delete_tie(region: Region, tie: Tie, user: User | None) -> None:
    require(perm.can_edit_tie(user, tie))
    claim(tie)
    with change(region, user, "tie.delete", tie.key, f"{tie.source.name} → {tie.target.name}"):
        db.session.delete(tie)


# --- formats ----------------------------------------------------------------------------------

#: a format's own fields (besides key, convenor and participants)
FORMAT_FIELDS = ("name", "kind", "cadence", "topic", "since", "until", "description",
                 "provenance", "source")


def format_record(f: Format) -> dict[str, Any]:
    return {
        "key": f.key, "name": f.name, "kind": f.kind, "cadence": f.cadence,
        "convenor": f.convenor.key if f.convenor else None,
        "participants": sorted(a.key for a in f.participants), "topic": f.topic,
        "since": _iso(f.since), "until": _iso(f.until), "description": f.description,
        "provenance": f.provenance, "source": f.source,
    }


def _format_actors(region: Region, data: dict) -> tuple[Actor | None, list[Actor] | None]:
    """The convenor and participants ``data`` names (None where it names none), each an
    actor of the region; unknown keys are refused at their field."""
    problems: list[Problem] = []
    convenor = participants = None
    if data.get("convenor"):
        convenor = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id,
                                                                key=data["convenor"]))
        if convenor is None:
            problems.append(Problem("convenor", _(
                "Einladende Stelle: Akteur „%(k)s“ gibt es in dieser Region nicht.",
                k=data["convenor"])))
    if data.get("participants") is not None:
        wanted = list(data["participants"])
        found = {a.key: a for a in db.session.scalars(sa.select(Actor).where(
            Actor.region_id == region.id, Actor.key.in_(wanted)))} if wanted else {}
        for n, k in enumerate(wanted):
            if k not in found:
                problems.append(Problem(f"participants[{n}]", _(
                    "Teilnehmende: Akteur „%(k)s“ gibt es in dieser Region nicht.", k=k)))
        participants = [found[k] for k in wanted if k in found]
    raise_if(problems)
    return convenor, participants


def _format_participant_changes(
        region: Region, fmt: Format | None, participants: list[Actor],
        user: User | None) -> tuple[list[Problem], list[Actor], list[Actor]]:
    """Who a member may name as a participant of a format its unit convenes: its own
    municipality's actors, and those already taking part (it may remove any). Naming an actor
    of another municipality becomes an invitation that municipality accepts or declines (the
    actor takes part only then); a regional body (an actor of no municipality) is added only
    by the coordinator, as for initiatives. The coordinator (and an admin) records any
    participants directly. Pages, API and undo all go through here; imports are the
    coordinator's (:func:`perm.can_import_bundle`).

    Returns the problems, the participants to apply now and the actors to invite."""
    if perm.can_manage_region(user, region):
        return [], participants, []
    held = {a.id for a in fmt.participants} if fmt is not None else set()
    problems: list[Problem] = []
    applied: list[Actor] = []
    invitations: list[Actor] = []
    for n, actor in enumerate(participants):
        if actor.id in held or perm.speaks_for(user, region, actor.municipality):
            applied.append(actor)
        elif actor.municipality is None:
            problems.append(Problem(f"participants[{n}]", _(
                "Teilnehmende: „%(a)s“ gehört zu keiner Kommune; als Teilnehmende trägt "
                "diese Stelle nur die Koordination der Region ein.", a=actor.name)))
        else:
            invitations.append(actor)
    return problems, applied, invitations


def _invite_to_format(region: Region, fmt: Format, actors: list[Actor],
                      user: User | None) -> list[FormatInvitation]:
    """Store a member's invitations of other municipalities' actors to ``fmt`` and tell those
    municipalities (one open invitation per actor: an open one is kept, not repeated);
    returns the open invitations concerned."""
    if not actors:
        return []
    lock(region)  # and the partial unique index uq_format_invitation_pending
    found: list[FormatInvitation] = []
    for actor in actors:
        pending = db.session.scalar(sa.select(FormatInvitation).filter_by(
            format_id=fmt.id, actor_id=actor.id, status="pending"))
        if pending is not None:
            found.append(pending)
            continue
        with change(region, user, "format.invite", fmt.key,
                    f"{actor.name} ({actor.municipality.name})", data=False):
            invitation = FormatInvitation(format=fmt, actor=actor, requested_by_id=user.id)
            db.session.add(invitation)
            tell_invited(region, actor, _l("Einladung zum Format „%(f)s“", f=fmt.name),
                         _l("%(c)s lädt %(a)s (%(m)s) zur Teilnahme am Format „%(f)s“ ein. "
                            "Bitte nehmen Sie die Einladung an oder lehnen Sie sie ab; bis "
                            "dahin nimmt %(a)s nicht teil.",
                            c=fmt.convenor.name if fmt.convenor else "—", a=actor.name,
                            m=actor.municipality.name, f=fmt.name),
                         url_for("objects.detail", slug=region.slug, kind="formats",
                                 key=fmt.key), user)
        found.append(invitation)
    return found


def add_format(region: Region, raw: dict, user: User | None) -> Format:
    require(perm.can_add_format(user, region))
    data, problems = clean("format", raw)
    raise_if(problems)
    convenor, participants = _format_actors(region, data)
    require(perm.can_edit_format_of(user, region, convenor))
    raise_if(confirmation_problems(user, region, None, data, True))
    problems, participants, invitations = _format_participant_changes(
        region, None, participants or [], user)
    raise_if(problems)
    if db.session.scalar(sa.select(Format.id).filter_by(region_id=region.id, key=data["key"])):
        raise Conflict(_("Schlüssel: Das Format „%(k)s“ gibt es bereits.", k=data["key"]),
                       field="key")
    with change(region, user, "format.create", data["key"], data["name"]):
        fmt = Format(region=region, key=data["key"], convenor=convenor,
                     participants=participants,
                     **{name: data[name] for name in FORMAT_FIELDS})
        db.session.add(fmt)
    fmt.sent_invitations = _invite_to_format(region, fmt, invitations, user)
    return fmt


def update_format(region: Region, fmt: Format, raw: dict, user: User | None) -> Format:
    require(perm.can_edit_format(user, fmt))
    data, problems = clean("format", raw, partial=True)
    raise_if(problems)
    _check_key_unchanged(fmt.key, data)
    merged = format_record(fmt) | {k: _iso(v) if isinstance(v, dt.date) else v
                                   for k, v in data.items()}
    raise_if(clean("format", merged)[1])
    convenor, participants = _format_actors(region, data)
    if "convenor" not in data:
        convenor = fmt.convenor
    require(perm.can_edit_format_of(user, region, convenor))  # a member keeps it its own
    raise_if(confirmation_problems(user, region, fmt.provenance, data, convenor is not (
        fmt.convenor) or differs(fmt, data, CONFIRMED_FIELDS["format"])))
    invitations: list[Actor] = []
    if participants is not None:
        problems, participants, invitations = _format_participant_changes(
            region, fmt, participants, user)
        raise_if(problems)
    same_people = convenor is fmt.convenor and (
        participants is None or {a.id for a in participants} == {a.id for a in fmt.participants})
    if not (same_people and not differs(fmt, data, FORMAT_FIELDS)):
        with change(region, user, "format.update", fmt.key, fmt.name):
            fmt.convenor = convenor
            if participants is not None:
                fmt.participants = participants
            for name in FORMAT_FIELDS:
                if name in data:
                    setattr(fmt, name, data[name])
    fmt.sent_invitations = _invite_to_format(region, fmt, invitations, user)
    return fmt


def delete_format(region: Region, fmt: Format, user: User | None) -> None:
    require(perm.can_edit_format(user, fmt))
    claim(fmt)
    with change(region, user, "format.delete", fmt.key, fmt.name):
        db.session.delete(fmt)


# --- solutions ---------------------------------------------------------------------------------

#: a solution's own fields (besides key, owner, initiatives and uses)
SOLUTION_FIELDS = ("name", "topic", "kind", "open_source", "licence", "maturity", "links",
                   "description", "source")


def use_record(u: SolutionUse) -> dict[str, Any]:
    return {"municipality": u.municipality.key, "relation": u.relation,
            "from": u.from_municipality.key if u.from_municipality else None,
            "since": _iso(u.since), "provenance": u.provenance, "source": u.source}


def solution_record(s: Solution) -> dict[str, Any]:
    return {
        "key": s.key, "name": s.name, "topic": s.topic, "kind": s.kind,
        "owner": s.owner.key if s.owner else None, "open_source": bool(s.open_source),
        "licence": s.licence, "maturity": s.maturity, "links": dict(s.links or {}),
        "initiatives": [i.key for i in s.initiatives], "description": s.description,
        "source": s.source,
        "uses": [use_record(u) for u in sorted(s.uses, key=lambda u: (u.municipality.key,
                                                                       u.relation))],
    }


def _solution_refs(region: Region, data: dict) -> tuple[Actor | None, list[Initiative] | None]:
    """The owner and initiatives ``data`` names (None where it names none), each of the
    region; unknown keys are refused at their field."""
    problems: list[Problem] = []
    owner = initiatives = None
    if data.get("owner"):
        owner = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id,
                                                             key=data["owner"]))
        if owner is None:
            problems.append(Problem("owner", _(
                "Eigentümer: Akteur „%(k)s“ gibt es in dieser Region nicht.", k=data["owner"])))
    if data.get("initiatives") is not None:
        wanted = list(data["initiatives"])
        found = {i.key: i for i in db.session.scalars(sa.select(Initiative).where(
            Initiative.region_id == region.id, Initiative.key.in_(wanted)))} if wanted else {}
        for n, k in enumerate(wanted):
            if k not in found:
                problems.append(Problem(f"initiatives[{n}]", _(
                    "Initiativen: „%(k)s“ gibt es in dieser Region nicht.", k=k)))
        initiatives = sorted((found[k] for k in wanted if k in found), key=lambda i: i.key)
    raise_if(problems)
    return owner, initiatives


def add_solution(region: Region, raw: dict, user: User | None) -> Solution:
    require(perm.can_add_solution(user, region))
    data, problems = clean("solution", raw)
    raise_if(problems)
    owner, initiatives = _solution_refs(region, data)
    require(perm.can_edit_solution_of(user, region, owner))
    if db.session.scalar(sa.select(Solution.id).filter_by(region_id=region.id,
                                                          key=data["key"])):
        raise Conflict(_("Schlüssel: Die Lösung „%(k)s“ gibt es bereits.", k=data["key"]),
                       field="key")
    data["links"] = data.get("links") or {}
    with change(region, user, "solution.create", data["key"], data["name"]):
        solution = Solution(region=region, key=data["key"], owner=owner,
                            initiatives=initiatives or [],
                            **{name: data[name] for name in SOLUTION_FIELDS})
        db.session.add(solution)
    return solution


def update_solution(region: Region, solution: Solution, raw: dict,
                    user: User | None) -> Solution:
    require(perm.can_edit_solution(user, solution))
    raw = {k: v for k, v in raw.items() if k != "uses"} if isinstance(raw, dict) else raw
    data, problems = clean("solution", raw, partial=True)
    raise_if(problems)
    _check_key_unchanged(solution.key, data)
    owner, initiatives = _solution_refs(region, data)
    if "owner" not in data:
        owner = solution.owner
    require(perm.can_edit_solution_of(user, region, owner))  # a member keeps it its own
    if "links" in data:
        data["links"] = data["links"] or {}
    same = owner is solution.owner and (initiatives is None or [
        i.id for i in initiatives] == [i.id for i in solution.initiatives])
    if same and not differs(solution, data, SOLUTION_FIELDS):
        return solution
    with change(region, user, "solution.update", solution.key, solution.name):
        solution.owner = owner
        if initiatives is not None:
            solution.initiatives = initiatives
        for name in SOLUTION_FIELDS:
            if name in data:
                setattr(solution, name, data[name])
    return solution


def delete_solution(region: Region, solution: Solution, user: User | None) -> None:
    require(perm.can_edit_solution(user, solution))
    claim(solution)
    with change(region, user, "solution.delete", solution.key, solution.name):
        db.session.delete(solution)


def solution_consequences(region: Region, solution: Solution) -> list[str]:
    return [_("%(n)d Einträge, wer die Lösung einsetzt oder nachnutzen möchte",
              n=len(solution.uses))] if solution.uses else []


def set_solution_use(region: Region, solution: Solution, raw: dict,
                     user: User | None) -> SolutionUse:
    """A municipality says that it uses, re-used or wants the solution (its member account
    for itself, or the coordinator); an existing entry of the same relation is updated."""
    data, problems = clean("solution_use", raw)
    raise_if(problems)
    municipality = _member_municipality(region, data["municipality"], "municipality")
    require(perm.can_edit_solution_use(user, region, municipality))
    origin = _member_municipality(region, data.get("from"), "from") if data.get("from") \
        else None
    use = next((u for u in solution.uses if u.municipality_id == municipality.id
                and u.relation == data["relation"]), None)
    raise_if(confirmation_problems(
        user, region, use.provenance if use is not None else None, data,
        use is None or use.from_municipality is not origin
        or differs(use, data, CONFIRMED_FIELDS["solution_use"])))
    values = {"from_municipality": origin, "since": data["since"],
              "provenance": data["provenance"], "source": data["source"]}
    if use is not None and not any(getattr(use, k) != v for k, v in values.items()):
        return use
    summary = f"{municipality.name}: {vocab.label(vocab.SOLUTION_RELATIONS, data['relation'])}"
    with change(region, user, "solution.use", solution.key, summary, params={
            "text": "solution_use", "municipality": municipality.name,
            "relation": data["relation"]}):
        if use is None:
            use = SolutionUse(municipality=municipality, relation=data["relation"])
            solution.uses.append(use)
        for name, value in values.items():
            setattr(use, name, value)
        if data["relation"] != "wants":  # who uses it no longer wants it
            for other in [u for u in solution.uses if u.municipality_id == municipality.id
                          and u.relation == "wants"]:
                solution.uses.remove(other)
    return use


def solution_use(solution: Solution, municipality_key: str, relation: str) -> SolutionUse:
    """What the municipality ``municipality_key`` said about the solution under ``relation``
    (uses, re-used from, wants); 404 when it said nothing of the kind."""
    use = next((u for u in solution.uses if u.municipality.key == municipality_key
                and u.relation == relation), None)
    if use is None:
        from werkzeug.exceptions import NotFound
        raise NotFound()
    return use


def remove_solution_use(region: Region, solution: Solution, municipality_key: str,
                        relation: str, user: User | None) -> None:
    """A municipality withdraws what it said about the solution (404 when it said nothing)."""
    use = solution_use(solution, municipality_key, relation)
    require(perm.can_edit_solution_use(user, region, use.municipality))
    summary = f"{use.municipality.name}: {vocab.label(vocab.SOLUTION_RELATIONS, relation)} (-)"
    claim(use)
    with change(region, user, "solution.use_remove", solution.key, summary):
        solution.uses.remove(use)


# --- the region's settings --------------------------------------------------------------------

#: what the region settings form (and PATCH of a region) changes
REGION_SETTINGS = ("funded_until",)


def update_region_settings(region: Region, raw: dict, user: User | None) -> Region:
    """The coordinator sets the region's settings (the end of its funding)."""
    require(perm.can_edit_region_settings(user, region))
    data, problems = clean("region", {k: v for k, v in raw.items() if k in REGION_SETTINGS},
                           partial=True)
    raise_if(problems)
    if not differs(region, data, REGION_SETTINGS):
        return region
    with change(region, user, "region.update", region.slug, region.name):
        for name in REGION_SETTINGS:
            if name in data:
                setattr(region, name, data[name])
    return region
