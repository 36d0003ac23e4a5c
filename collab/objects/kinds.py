"""The five kinds of network objects edited on pages and through the API, described once:
how each is loaded, listed, filtered, checked and changed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from collab.core import forms, validation, vocab
from collab.core import permissions as perm
from collab.core.models import (
    Actor,
    Format,
    Initiative,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Solution,
    SolutionUse,
    Tie,
)
from collab.extensions import db
from collab.objects import forms as object_forms
from collab.objects import services as object_services


class Kind:
    """One kind of network object: its names, model, vocabularies, and how it is loaded,
    recorded, changed and who may change it. Subclasses fill in the class attributes and
    the few methods that differ; everything is named, nothing positional."""

    name: str  #: URL segment ("actors")
    entity: str  #: validation entity ("actor")
    title: Any  #: plural label
    title_one: Any  #: singular label
    model: type  #: the listed model
    form: type  #: its page form
    filters: dict[str, dict] = {}  #: list query parameter -> vocabulary

    def load(self, region: Region, key: str) -> Any:
        raise NotImplementedError

    def record(self, obj) -> dict:
        raise NotImplementedError

    def add(self, region: Region, raw: dict, user) -> Any:
        raise NotImplementedError

    def update(self, region: Region, obj, raw: dict, user) -> Any:
        raise NotImplementedError

    def delete(self, region: Region, obj, user) -> None:
        raise NotImplementedError

    def consequences(self, region: Region, obj) -> list[str]:
        """What goes with the object when it is deleted (for the confirmation page)."""
        return []

    def can_add(self, user, region: Region) -> bool:
        raise NotImplementedError

    def can_edit(self, user, region: Region, obj) -> bool:
        raise NotImplementedError

    def can_delete(self, user, region: Region, obj) -> bool:
        return self.can_edit(user, region, obj)

    def locked_fields(self, user, region: Region, obj) -> dict[str, str]:
        """Fields of ``obj`` the account may edit the object without being allowed to change
        them, each with the reason (its edit form shows them read-only): a confirmed
        record's provenance for an account that may not confirm (it stays confirmed while
        the edit leaves what was confirmed as it was, see
        :func:`object_services.confirmation_problems`)."""
        if getattr(obj, "provenance", None) == "confirmed" and not perm.can_confirm(
                user, region):
            return {"provenance": str(CONFIRMED_KEPT)}
        return {}

    def key_of(self, obj) -> str:
        return obj.key

    def name_of(self, obj) -> str:
        return obj.name

    def edit_values(self, obj) -> dict:
        """The object's values as its edit form opens with them."""
        return self.record(obj)


class MunicipalityKind(Kind):
    name, entity, title, title_one = "municipalities", "municipality", _l("Kommunen"), _l("Kommune")
    model, form = RegionMembership, object_forms.MunicipalityForm
    filters = {"tier": vocab.TIERS, "kind": vocab.MUNICIPALITY_KINDS}

    load = staticmethod(perm.get_membership)
    record = staticmethod(object_services.municipality_record)
    add = staticmethod(object_services.add_municipality)
    update = staticmethod(object_services.update_municipality)
    delete = staticmethod(object_services.remove_municipality)
    consequences = staticmethod(object_services.municipality_consequences)
    can_add = staticmethod(perm.can_add_municipality)

    def can_edit(self, user, region, membership) -> bool:
        return perm.can_edit_municipality(user, region, membership.municipality)

    def can_delete(self, user, region, membership) -> bool:
        return perm.can_delete_municipality(user, region, membership.municipality)

    def locked_fields(self, user, region, membership) -> dict[str, str]:
        """The tier is the coordinator's; the facts are shared by every region the
        municipality belongs to (see :func:`perm.can_change_municipality_facts`)."""
        locked = super().locked_fields(user, region, membership)
        if not perm.can_manage_region(user, region):
            locked["tier"] = _("Die Stufe legt die Koordination der Region fest.")
        if not perm.can_change_municipality_facts(user, region, membership.municipality):
            reason = _("Diese Angabe teilen alle Regionen der Kommune: Sie ändert die Kommune "
                       "selbst oder ein Admin.")
            locked.update(dict.fromkeys(object_services.MUNICIPALITY_FIELDS, reason))
        return locked

    def key_of(self, membership) -> str:
        return membership.municipality.key

    def name_of(self, membership) -> str:
        return membership.municipality.name


class ActorKind(Kind):
    name, entity, title, title_one = "actors", "actor", _l("Akteure"), _l("Akteur")
    model, form = Actor, object_forms.ActorForm
    filters = {"level": vocab.LEVELS, "type": vocab.ACTOR_TYPES, "sector": vocab.SECTORS}

    load = staticmethod(perm.get_actor)
    record = staticmethod(object_services.actor_record)
    add = staticmethod(object_services.add_actor)
    update = staticmethod(object_services.update_actor)
    delete = staticmethod(object_services.delete_actor)
    can_add = staticmethod(perm.can_add_actor)

    def consequences(self, region, actor) -> list[str]:
        return object_services.actor_consequences(actor)

    def can_edit(self, user, region, actor) -> bool:
        return perm.can_edit_actor(user, actor)

    def edit_values(self, actor) -> dict:
        return object_services.actor_record(actor, contact=True)  # the form shows the contact


class InitiativeKind(Kind):
    name, entity = "initiatives", "initiative"
    title, title_one = _l("Initiativen"), _l("Initiative")
    model, form = Initiative, object_forms.InitiativeForm
    filters = {"topic": vocab.TOPICS, "status": vocab.INITIATIVE_STATUSES}

    load = staticmethod(perm.get_initiative)
    record = staticmethod(object_services.initiative_record)
    add = staticmethod(object_services.add_initiative)
    update = staticmethod(object_services.update_initiative)
    delete = staticmethod(object_services.delete_initiative)
    can_add = staticmethod(perm.can_add_initiative)

    def consequences(self, region, initiative) -> list[str]:
        return object_services.initiative_consequences(initiative)

    def can_edit(self, user, region, initiative) -> bool:
        return perm.can_edit_initiative(user, initiative)


class TieKind(Kind):
    name, entity, title, title_one = "ties", "tie", _l("Verbindungen"), _l("Verbindung")
    model, form = Tie, object_forms.TieForm
    filters = {"kind": vocab.TIE_KINDS}

    load = staticmethod(perm.get_tie)
    record = staticmethod(object_services.tie_record)
    add = staticmethod(object_services.add_tie)
    update = staticmethod(object_services.update_tie)
    delete = staticmethod(object_services.delete_tie)
    can_add = staticmethod(perm.can_add_tie)

    def can_edit(self, user, region, tie) -> bool:
        return perm.can_edit_tie(user, tie)

    def name_of(self, tie) -> str:
        return f"{tie.source.name} → {tie.target.name}"


class FormatKind(Kind):
    name, entity, title, title_one = "formats", "format", _l("Formate"), _l("Format")
    model, form = Format, object_forms.FormatForm
    filters = {"kind": vocab.FORMAT_KINDS, "cadence": vocab.CADENCES}

    load = staticmethod(perm.get_format)
    record = staticmethod(object_services.format_record)
    add = staticmethod(object_services.add_format)
    update = staticmethod(object_services.update_format)
    delete = staticmethod(object_services.delete_format)
    can_add = staticmethod(perm.can_add_format)

    def can_edit(self, user, region, fmt) -> bool:
        return perm.can_edit_format(user, fmt)


class SolutionKind(Kind):
    name, entity, title, title_one = "solutions", "solution", _l("Lösungen"), _l("Lösung")
    model, form = Solution, object_forms.SolutionForm
    filters = {"topic": vocab.TOPICS, "kind": vocab.SOLUTION_KINDS,
               "maturity": vocab.SOLUTION_MATURITIES}

    load = staticmethod(perm.get_solution)
    record = staticmethod(object_services.solution_record)
    add = staticmethod(object_services.add_solution)
    update = staticmethod(object_services.update_solution)
    delete = staticmethod(object_services.delete_solution)
    consequences = staticmethod(object_services.solution_consequences)
    can_add = staticmethod(perm.can_add_solution)

    def can_edit(self, user, region, solution) -> bool:
        return perm.can_edit_solution(user, solution)

    def edit_values(self, solution) -> dict:
        record = object_services.solution_record(solution)
        for name in vocab.SOLUTION_LINKS:
            record[f"link_{name}"] = (solution.links or {}).get(name, "")
        return record


def base_query(kind: Kind, region: Region) -> sa.Select:
    """The region's objects of ``kind`` in display order: by name in German dictionary
    order (``sort_name``, :mod:`collab.core.collation`), equal names by key; ties by key."""
    if kind.name == "municipalities":
        return (sa.select(RegionMembership).join(Municipality)
                .where(RegionMembership.region_id == region.id)
                .order_by(Municipality.sort_name, Municipality.key))
    order = (Tie.key,) if kind.model is Tie else (kind.model.sort_name, kind.model.key)
    return sa.select(kind.model).where(kind.model.region_id == region.id).order_by(*order)


def with_records_loaded(kind: Kind, query: sa.Select) -> sa.Select:
    """``query`` (of :func:`filtered_query`) loading what ``kind.record`` and the list pages
    read of each object in a few queries, instead of one query per object and relation
    (a page of 100 actors asked for its municipalities one by one)."""
    from sqlalchemy.orm import contains_eager, selectinload
    loads = {
        "municipalities": (contains_eager(RegionMembership.municipality),),
        "actors": (selectinload(Actor.municipality),),
        "initiatives": (selectinload(Initiative.participations)
                        .selectinload(Participation.actor),),
        "ties": (selectinload(Tie.source), selectinload(Tie.target)),
        "formats": (selectinload(Format.convenor), selectinload(Format.participants)),
        "solutions": (selectinload(Solution.owner), selectinload(Solution.initiatives),
                      selectinload(Solution.uses).selectinload(SolutionUse.municipality),
                      selectinload(Solution.uses).selectinload(SolutionUse.from_municipality)),
    }
    return query.options(*loads[kind.name])


def filtered_query(kind: Kind, region: Region, args: dict) -> sa.Select:
    """Apply the list page's (and the API's) search box and filters."""
    return apply_filters(kind, base_query(kind, region), args)


def apply_filters(kind: Kind, query: sa.Select, args: dict) -> sa.Select:
    """``query`` with the search box and filters of ``args``; ``query`` itself when none
    applies (so ``apply_filters(k, q, args) is q`` tells an unfiltered list)."""
    q = (args.get("q") or "").strip()
    if kind.name == "municipalities":
        if q:
            like = f"%{q}%"
            query = query.where(sa.or_(Municipality.name.ilike(like),
                                       Municipality.key.ilike(like),
                                       Municipality.district.ilike(like),
                                       Municipality.ags.like(like)))
        if args.get("tier") in vocab.TIERS:
            query = query.where(RegionMembership.tier == args["tier"])
        if args.get("kind") in vocab.MUNICIPALITY_KINDS:
            query = query.where(Municipality.kind == args["kind"])
        return query
    model = kind.model
    if q:
        like = f"%{q}%"
        if model is Tie:
            src, tgt = sa.orm.aliased(Actor), sa.orm.aliased(Actor)
            query = (query.join(src, Tie.source_id == src.id).join(tgt, Tie.target_id == tgt.id)
                     .where(sa.or_(Tie.key.ilike(like), src.name.ilike(like),
                                   tgt.name.ilike(like))))
        else:
            query = query.where(sa.or_(model.name.ilike(like), model.key.ilike(like)))
    for param, vocabulary in kind.filters.items():
        value = args.get(param)
        if value in vocabulary:
            query = query.where(getattr(model, param) == value)
    if model is Actor and args.get("municipality"):
        if args["municipality"] == "-":
            query = query.where(Actor.municipality_id.is_(None))
        else:
            query = query.join(Municipality, Actor.municipality_id == Municipality.id).where(
                Municipality.key == args["municipality"])
    return query


#: the API's largest page
MAX_PER_PAGE = validation.MAX_PER_PAGE


MAX_PAGE = validation.MAX_PAGE


def list_params(kind: Kind, args) -> tuple[int, int, list[validation.Problem]]:
    """Page, page size and the problems of an API list request's query parameters.

    ``page`` and ``per_page`` follow the field table's ``list`` rules (whole numbers, page
    from 1, 1 to 1000 per page); a
    filter must name a known value; an unknown parameter (a typo such as ``limit``) is a
    problem too, so a client never gets a silently unfiltered list.
    """
    known = {"q", "page", "per_page", *kind.filters}
    if kind.model is Actor:
        known.add("municipality")
    problems: list[validation.Problem] = []
    values = {name: validation.parse_field(problems, "list", name, args.get(name))
              for name in ("page", "per_page")}
    for name in args:
        if name not in known:
            problems.append(validation.Problem(name, _(
                "Unbekannter Parameter; erlaubt sind: %(known)s.",
                known=", ".join(sorted(known)))))
        elif name in kind.filters and args.get(name) not in kind.filters[name]:
            problems.append(validation.Problem(name, _(
                "%(p)s: unbekannter Wert „%(v)s“; erlaubt: %(a)s.", p=name, v=args.get(name),
                a=", ".join(kind.filters[name]))))
    return values.get("page", 1), values.get("per_page", 100), problems


KINDS: dict[str, Kind] = {kind.name: kind for kind in
                          (MunicipalityKind(), ActorKind(), InitiativeKind(), TieKind(),
                           FormatKind(), SolutionKind())}


#: why a member's form shows a confirmed record's provenance read-only
CONFIRMED_KEPT = _l(
    "Bestätigt (von der Koordination geprüft oder von beiden Seiten gemeldet). Das bleibt, "
    "solange Ihre Änderung lässt, was bestätigt wurde; ändern Sie es (z. B. Ebene, Art oder "
    "Enden einer Verbindung), gilt die Angabe danach als „selbst gemeldet“.")


def provenance_choices(user, region: Region, *, keep_confirmed: bool = False
                       ) -> list[SelectChoice]:
    """The provenances an account may choose: "confirmed" only for whoever may confirm
    (:func:`perm.can_confirm`), or to keep a record that is confirmed already."""
    return forms.options((k, v) for k, v in vocab.PROVENANCES.items()
                         if k != "confirmed" or keep_confirmed or perm.can_confirm(user, region))


def region_actor_choices(region: Region) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Actor.key, Actor.name, Municipality.name)
        .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
        .where(Actor.region_id == region.id).order_by(Actor.sort_name, Actor.key)).all()
    return [(k, f"{n} ({m})" if m else n) for k, n, m in rows]


def actor_municipality_choices(user, region: Region,
                               actor: Actor | None = None) -> list[tuple[str, str]]:
    """The municipalities ``user`` may file an actor under: a member its own, the
    coordinator every member and "" (a regional body, no municipality). A member editing
    a partner its survey answer created (``actor``, :func:`perm.can_correct_survey_partner`)
    may also keep it a partner of no municipality."""
    memberships = db.session.scalars(
        sa.select(RegionMembership).join(Municipality)
        .where(RegionMembership.region_id == region.id)
        .order_by(Municipality.sort_name, Municipality.key)).all()
    found = [(m.municipality.key, m.municipality.name) for m in memberships
             if perm.can_edit_actor_of(user, region, m.municipality)]
    if perm.can_edit_actor_of(user, region, None):
        found.insert(0, ("", _("— keine (regionale Stelle) —")))
    elif actor is not None and perm.can_correct_survey_partner(user, actor):
        found.insert(0, ("", _("— keine (externer Partner) —")))
    return found


def own_actor_keys(user, region: Region) -> set[str]:
    """Keys of the actors of the municipality a member account speaks for."""
    if not perm.is_member_of(user, region) or not user.municipality_id:
        return set()
    return set(db.session.scalars(sa.select(Actor.key).filter_by(
        region_id=region.id, municipality_id=user.municipality_id)))


def tie_end_choices(user, region: Region) -> list[SelectChoice]:
    """Choices for either end of a tie, starting empty. A member, whose tie must touch one
    of its own actors, finds those first in a group of their own."""
    blank = SelectChoice("", _("– bitte wählen –"))
    actors = region_actor_choices(region)
    if perm.can_manage_region(user, region):
        return [blank, *forms.options(actors)]
    own = own_actor_keys(user, region)
    mine, others = str(_("Akteure Ihrer Kommune")), str(_("Weitere Akteure"))
    return [blank,
            *(SelectChoice(k, n, optgroup=mine) for k, n in actors if k in own),
            *(SelectChoice(k, n, optgroup=others) for k, n in actors if k not in own)]


def participant_choices(user, region: Region, *, creating: bool) -> list[tuple[str, str]]:
    """Actors a participant row may name: any of the region (a member proposing or leading
    an initiative invites those of other municipalities: they take part once their
    municipality agrees, see :func:`collab.objects.services.add_initiative`)."""
    return [("", "—"), *region_actor_choices(region)]


def owner_choices(user, region: Region) -> list[tuple[str, str]]:
    """Actors a solution may name as its owner: the coordinator any (or none), a member
    its own actors."""
    return convenor_choices(user, region)


def region_initiative_choices(region: Region) -> list[tuple[str, str]]:
    return list(db.session.execute(sa.select(Initiative.key, Initiative.name).filter_by(
        region_id=region.id).order_by(Initiative.sort_name, Initiative.key)).all())


def convenor_choices(user, region: Region) -> list[tuple[str, str]]:
    """Actors a format may name as its convenor: the coordinator any (or none), a member
    its own actors."""
    actors = region_actor_choices(region)
    if perm.can_manage_region(user, region):
        return [("", _("— nicht bekannt —")), *actors]
    own = own_actor_keys(user, region)
    return [(k, n) for k, n in actors if k in own]


def region_municipality_choices(region: Region) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Municipality.key, Municipality.name).join(RegionMembership)
        .where(RegionMembership.region_id == region.id)
        .order_by(Municipality.sort_name, Municipality.key)).all()
    return list(rows)
