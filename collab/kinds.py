"""The four kinds of network objects edited on pages and through the API, described once:
how each is loaded, listed, filtered, checked and changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from . import forms, services, vocab
from . import permissions as perm
from .extensions import db
from .models import Actor, Initiative, Municipality, Region, RegionMembership, Tie


@dataclass(frozen=True)
class Kind:
    name: str  #: URL segment ("actors")
    entity: str  #: validation entity ("actor")
    title: Any  #: plural label
    title_one: Any  #: singular label
    model: type
    load: Callable[[Region, str], Any]
    record: Callable[[Any], dict]
    form: type
    add: Callable
    update: Callable
    delete: Callable
    consequences: Callable[[Region, Any], list[str]]
    can_add: Callable[[Any, Region], bool]
    can_edit: Callable[[Any, Region, Any], bool]
    filters: dict[str, dict]  #: query parameter -> vocabulary
    key_of: Callable[[Any], str]
    name_of: Callable[[Any], str]
    #: who may delete; None: whoever may edit
    can_delete_rule: Callable[[Any, Region, Any], bool] | None = None

    def can_delete(self, user, region: Region, obj) -> bool:
        rule = self.can_delete_rule or self.can_edit
        return rule(user, region, obj)


def base_query(kind: Kind, region: Region) -> sa.Select:
    """The region's objects of ``kind`` in display order."""
    if kind.name == "municipalities":
        return (sa.select(RegionMembership).join(Municipality)
                .where(RegionMembership.region_id == region.id).order_by(Municipality.name))
    order = Tie.key if kind.model is Tie else kind.model.name
    return sa.select(kind.model).where(kind.model.region_id == region.id).order_by(order)


def filtered_query(kind: Kind, region: Region, args: dict) -> sa.Select:
    """Apply the list page's (and the API's) search box and filters."""
    query = base_query(kind, region)
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


def _membership_edit(user, region, membership):
    return perm.can_edit_municipality(user, region, membership.municipality)


KINDS: dict[str, Kind] = {
    "municipalities": Kind(
        "municipalities", "municipality", _l("Kommunen"), _l("Kommune"), RegionMembership,
        perm.get_membership, services.municipality_record, forms.MunicipalityForm,
        services.add_municipality, services.update_municipality, services.remove_municipality,
        services.municipality_consequences, perm.can_add_municipality, _membership_edit,
        {"tier": vocab.TIERS, "kind": vocab.MUNICIPALITY_KINDS},
        lambda m: m.municipality.key, lambda m: m.municipality.name,
        lambda user, region, m: perm.can_delete_municipality(user, region, m.municipality)),
    "actors": Kind(
        "actors", "actor", _l("Akteure"), _l("Akteur"), Actor, perm.get_actor,
        services.actor_record, forms.ActorForm, services.add_actor, services.update_actor,
        services.delete_actor, lambda region, a: services.actor_consequences(a),
        perm.can_add_actor, lambda user, region, a: perm.can_edit_actor(user, a),
        {"level": vocab.LEVELS, "type": vocab.ACTOR_TYPES, "sector": vocab.SECTORS},
        lambda a: a.key, lambda a: a.name),
    "initiatives": Kind(
        "initiatives", "initiative", _l("Initiativen"), _l("Initiative"), Initiative,
        perm.get_initiative, services.initiative_record, forms.InitiativeForm,
        services.add_initiative, services.update_initiative, services.delete_initiative,
        lambda region, i: services.initiative_consequences(i), perm.can_add_initiative,
        lambda user, region, i: perm.can_edit_initiative(user, i),
        {"topic": vocab.TOPICS, "status": vocab.INITIATIVE_STATUSES},
        lambda i: i.key, lambda i: i.name),
    "ties": Kind(
        "ties", "tie", _l("Verbindungen"), _l("Verbindung"), Tie, perm.get_tie,
        services.tie_record, forms.TieForm, services.add_tie, services.update_tie,
        services.delete_tie, lambda region, t: [], perm.can_add_tie,
        lambda user, region, t: perm.can_edit_tie(user, t),
        {"kind": vocab.TIE_KINDS}, lambda t: t.key,
        lambda t: f"{t.source.name} → {t.target.name}"),
}


def region_actor_choices(region: Region) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Actor.key, Actor.name, Municipality.name)
        .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
        .where(Actor.region_id == region.id).order_by(Actor.name)).all()
    return [(k, f"{n} ({m})" if m else n) for k, n, m in rows]


def region_municipality_choices(region: Region) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Municipality.key, Municipality.name).join(RegionMembership)
        .where(RegionMembership.region_id == region.id).order_by(Municipality.name)).all()
    return list(rows)
