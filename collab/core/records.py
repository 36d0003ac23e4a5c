"""The region's network records read straight from the database: the body of the bundle
export, the analysis' input and the network view's data.

:func:`network_records` reads municipalities, actors, initiatives and ties with five plain
queries instead of loading every ORM object and its relations one by one: at national scale
(43,000 nodes) it takes about half a second where the ORM took five to six seconds, the
difference between a network view that opens at once and one that keeps its user waiting.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from collab.core.models import (
    Actor,
    Format,
    Initiative,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Rule,
    Solution,
    SolutionUse,
    Tie,
    Vote,
    format_participant,
    solution_initiative,
)
from collab.extensions import db

FORMAT = "kommunalnetz-bundle"
VERSION = 1


def designated_taktgeber(rules: list[Rule]) -> Actor | None:
    """The actor named by the most recently adopted rule of kind ``taktgeber``."""
    named = [r for r in rules if r.status == "adopted" and r.kind == "taktgeber" and r.actor]
    return max(named, key=lambda r: (r.decided_at is not None, r.decided_at or dt.datetime.min,
                                     r.id)).actor if named else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def network_records(region: Region, *, contact: bool = False,
                    only: tuple[str, str] | None = None) -> dict[str, Any]:
    """The region as a bundle without ``rules``: the records of :mod:`collab.core.store`
    (``municipality_record``, ``actor_record``, ``initiative_record``, ``tie_record``) and
    the ``formats`` (:func:`format_records`), each list sorted by key, and the ``region``
    record with the designated Taktgeber.
    Contact persons only with ``contact=True`` (they are left out of exports unless asked for).
    ``only=(section, key)`` reads just that record (e.g. ``("actors", "olpe-cdo")``) and
    leaves the other sections empty: what an edit of one record can change.
    """
    rid = region.id

    def want(section: str) -> bool:
        return only is None or only[0] == section

    def narrow(statement, column):
        return statement if only is None else statement.where(column == only[1])
    municipalities = [] if not want("municipalities") else [
        {"key": key, "name": name, "kind": kind, "ags": ags, "district": district,
         "state": state, "population": population, "area_km2": area, "lat": lat, "lon": lon,
         "tier": tier, "since": _iso(since), "description": description,
         "joined_by": joined_by, "provenance": provenance, "source": source}
        for key, name, kind, ags, district, state, population, area, lat, lon, tier, since,
        description, joined_by, provenance, source in db.session.execute(narrow(
            sa.select(Municipality.key, Municipality.name, Municipality.kind, Municipality.ags,
                      Municipality.district, Municipality.state, Municipality.population,
                      Municipality.area_km2, Municipality.lat, Municipality.lon,
                      RegionMembership.tier, RegionMembership.since, Municipality.description,
                      RegionMembership.joined_by, RegionMembership.provenance,
                      RegionMembership.source)
            .join(RegionMembership, RegionMembership.municipality_id == Municipality.id)
            .where(RegionMembership.region_id == rid).order_by(Municipality.key),
            Municipality.key))]
    rows = [] if not want("actors") else db.session.execute(narrow(
        sa.select(Actor.key, Actor.name, Actor.type, Actor.level, Actor.sector,
                  Municipality.key, sa.cast(Actor.topics, sa.Text), Actor.capacity_fte,
                  Actor.description, Actor.contact, Actor.provenance, Actor.source)
        .outerjoin(Municipality, Actor.municipality_id == Municipality.id)
        .where(Actor.region_id == rid).order_by(Actor.key), Actor.key)).all()
    # the topics as stored (JSON text), decoded in one go: one json.loads per actor takes
    # longer than the query itself
    topics = json.loads("[" + ",".join(row[6] or "null" for row in rows) + "]")
    actors = [
        {"key": key, "name": name, "type": type_, "level": level, "sector": sector,
         "municipality": home, "topics": sorted(found or []), "capacity_fte": fte,
         "description": description, **({"contact": person} if contact and person else {}),
         "provenance": provenance, "source": source}
        for (key, name, type_, level, sector, home, _raw, fte, description, person, provenance,
             source), found
        in zip(rows, topics, strict=True)]
    participants: dict[int, list[dict]] = {}
    for initiative_id, actor, role, provenance, source in [] if not want("initiatives") else \
            db.session.execute(narrow(
                sa.select(Participation.initiative_id, Actor.key, Participation.role,
                          Participation.provenance, Participation.source)
                .join(Actor, Participation.actor_id == Actor.id)
                .join(Initiative, Participation.initiative_id == Initiative.id)
                .where(Actor.region_id == rid).order_by(Actor.key), Initiative.key)):
        participants.setdefault(initiative_id, []).append(
            {"actor": actor, "role": role, "provenance": provenance, "source": source})
    initiatives = [] if not want("initiatives") else [
        {"key": key, "name": name, "topic": topic, "status": status,
         "description": description, "start": _iso(start), "end": _iso(end),
         "scope": scope, "funding": funding, "participants": participants.get(id_, [])}
        for id_, key, name, topic, status, description, start, end, scope, funding
        in db.session.execute(narrow(
            sa.select(Initiative.id, Initiative.key, Initiative.name, Initiative.topic,
                      Initiative.status, Initiative.description, Initiative.start,
                      Initiative.end, Initiative.scope, Initiative.funding)
            .where(Initiative.region_id == rid).order_by(Initiative.key), Initiative.key))]
    source, target = sa.orm.aliased(Actor), sa.orm.aliased(Actor)
    ties = [] if not want("ties") else [
        {"key": key, "source": s, "target": t, "kind": kind, "weight": weight,
         "description": description, "trust": trust, "value": value,
         "provenance": provenance, "reference": reference}
        for key, s, t, kind, weight, description, trust, value, provenance, reference
        in db.session.execute(narrow(
            sa.select(Tie.key, source.key, target.key, Tie.kind, Tie.weight, Tie.description,
                      Tie.trust, Tie.value, Tie.provenance, Tie.reference)
            .join(source, Tie.source_id == source.id).join(target, Tie.target_id == target.id)
            .where(Tie.region_id == rid).order_by(Tie.key), Tie.key))]
    region_record = {
        "slug": region.slug, "name": region.name, "description": region.description,
        "decision_rule": region.decision_rule, "quorum": region.quorum,
        "voting_tiers": region.voting_tier_list, "funded_until": _iso(region.funded_until),
    }
    taktgeber = designated_taktgeber(db.session.scalars(
        sa.select(Rule).filter_by(region_id=rid, status="adopted", kind="taktgeber")).all())
    if taktgeber is not None:
        region_record["taktgeber"] = taktgeber.key
    return {"format": FORMAT, "version": VERSION, "region": region_record,
            "municipalities": municipalities, "actors": actors, "initiatives": initiatives,
            "ties": ties, "formats": format_records(region, only[1] if only else None)
            if want("formats") else [],
            "solutions": solution_records(region) if only is None else []}


def format_records(region: Region, only_key: str | None = None) -> list[dict[str, Any]]:
    """The region's formats as in the bundle, sorted by key (two plain queries); only the
    format ``only_key`` when given."""
    def narrow(statement):
        return statement if only_key is None else statement.where(Format.key == only_key)
    members: dict[int, list[str]] = {}
    # read from the region's formats to their rows, the actor's region checked here:
    # format_participant has no index on actor_id, and a query starting from the actors
    # scanned the whole table once per actor (seconds at national scale)
    for format_id, actor, actor_region in db.session.execute(narrow(
            sa.select(format_participant.c.format_id, Actor.key, Actor.region_id)
            .join(Format, format_participant.c.format_id == Format.id)
            .join(Actor, format_participant.c.actor_id == Actor.id)
            .where(Format.region_id == region.id).order_by(Actor.key))):
        if actor_region == region.id:
            members.setdefault(format_id, []).append(actor)
    convenor = sa.orm.aliased(Actor)
    return [
        {"key": key, "name": name, "kind": kind, "cadence": cadence, "convenor": host,
         "participants": members.get(id_, []), "topic": topic, "since": _iso(since),
         "until": _iso(until), "description": description, "provenance": provenance,
         "source": source}
        for id_, key, name, kind, cadence, host, topic, since, until, description, provenance,
        source in db.session.execute(narrow(
            sa.select(Format.id, Format.key, Format.name, Format.kind, Format.cadence,
                      convenor.key, Format.topic, Format.since, Format.until,
                      Format.description, Format.provenance, Format.source)
            .outerjoin(convenor, Format.convenor_id == convenor.id)
            .where(Format.region_id == region.id).order_by(Format.key)))]


def solution_records(region: Region) -> list[dict[str, Any]]:
    """The region's solutions as in the bundle, sorted by key, their uses by municipality
    and relation (three plain queries)."""
    built: dict[int, list[str]] = {}
    for solution_id, initiative in db.session.execute(
            sa.select(solution_initiative.c.solution_id, Initiative.key)
            .join(Initiative, solution_initiative.c.initiative_id == Initiative.id)
            .where(Initiative.region_id == region.id).order_by(Initiative.key)):
        built.setdefault(solution_id, []).append(initiative)
    user, origin = sa.orm.aliased(Municipality), sa.orm.aliased(Municipality)
    uses: dict[int, list[dict]] = {}
    for solution_id, muni, relation, source_muni, since, provenance, source in \
            db.session.execute(
                sa.select(SolutionUse.solution_id, user.key, SolutionUse.relation, origin.key,
                          SolutionUse.since, SolutionUse.provenance, SolutionUse.source)
                .join(Solution, SolutionUse.solution_id == Solution.id)
                .join(user, SolutionUse.municipality_id == user.id)
                .outerjoin(origin, SolutionUse.from_municipality_id == origin.id)
                .where(Solution.region_id == region.id)
                .order_by(user.key, SolutionUse.relation)):
        uses.setdefault(solution_id, []).append(
            {"municipality": muni, "relation": relation, "from": source_muni,
             "since": _iso(since), "provenance": provenance, "source": source})
    owner = sa.orm.aliased(Actor)
    return [
        {"key": key, "name": name, "topic": topic, "kind": kind, "owner": owner_key,
         "open_source": bool(open_source), "licence": licence, "maturity": maturity,
         "links": dict(sorted((links or {}).items())), "initiatives": built.get(id_, []),
         "description": description, "source": source, "uses": uses.get(id_, [])}
        for id_, key, name, topic, kind, owner_key, open_source, licence, maturity, links,
        description, source in db.session.execute(
            sa.select(Solution.id, Solution.key, Solution.name, Solution.topic, Solution.kind,
                      owner.key, Solution.open_source, Solution.licence, Solution.maturity,
                      Solution.links, Solution.description, Solution.source)
            .outerjoin(owner, Solution.owner_id == owner.id)
            .where(Solution.region_id == region.id).order_by(Solution.key))]


# --- rules ------------------------------------------------------------------------------------


def _stamp(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


#: above this many ids, :func:`electorate_key_map` reads the whole column instead of an IN
#: list (a national ballot has thousands of voters)
_MANY_IDS = 2000


def electorate_key_map(rules: list[Rule]) -> dict[int, str]:
    """Municipality id -> key for every municipality in the rules' electorates
    (:attr:`Rule.electorate`), read with one query."""
    ids = {id_ for rule in rules for id_ in rule.electorate or ()}
    if not ids:
        return {}
    query = sa.select(Municipality.id, Municipality.key)
    if len(ids) <= _MANY_IDS:
        query = query.where(Municipality.id.in_(ids))
    return {id_: key for id_, key in db.session.execute(query) if id_ in ids}


def rule_record(rule: Rule, keys: dict[int, str] | None = None) -> dict[str, Any]:
    """A rule as in the bundle; ``ballot`` is null for a draft or a rule adopted before the
    platform (imported without its ballot). A rule a bundle brought in ballot has a ballot
    without ``opened_at``. ``keys`` maps the ids of the ballot's electorate to municipality
    keys (:func:`electorate_key_map`; read here when not given)."""
    ballot = None
    if (rule.opened_at or rule.closes_at or rule.decided_at or rule.tally
            or rule.electorate is not None):
        if keys is None:
            keys = electorate_key_map([rule])
        ballot = {"opened_at": _stamp(rule.opened_at), "closes_at": _stamp(rule.closes_at),
                  "decided_at": _stamp(rule.decided_at), "decision_rule": rule.decision_rule,
                  "quorum": rule.quorum, "tally": rule.tally,
                  "electorate": None if rule.electorate is None else sorted(
                      keys[id_] for id_ in rule.electorate if id_ in keys)}
    return {
        "key": rule.key, "title": rule.title, "text": rule.text, "status": rule.status,
        "kind": rule.kind or "general", "actor": rule.actor.key if rule.actor else None,
        "initiative": rule.initiative.key if rule.initiative else None,
        "tie_kind": rule.tie_kind, "ballot": ballot,
        **({"weights": rule.weights} if rule.kind == "criteria" else {}),
        "votes": [vote_record(v) for v in sorted(rule.votes,
                                                 key=lambda v: v.municipality.key)],
    }


def vote_record(vote: Vote) -> dict[str, Any]:
    return {"municipality": vote.municipality.key, "vote": vote.vote, "reason": vote.reason,
            "reference": vote.reference or "", "recorded": bool(vote.recorded)}


def rule_records(region: Region) -> list[dict[str, Any]]:
    """The region's rules as in the bundle (:func:`rule_record`), sorted by key."""
    rules = db.session.scalars(
        sa.select(Rule).filter_by(region_id=region.id).order_by(Rule.key).options(
            selectinload(Rule.actor), selectinload(Rule.initiative),
            selectinload(Rule.votes).selectinload(Vote.municipality))).all()
    keys = electorate_key_map(rules)
    return [rule_record(r, keys) for r in rules]


def analysis_records(region: Region) -> dict[str, Any]:
    """The analysis' input: the network records and the rules, which steer the analysis
    (criteria weights, designation, the charter's votes, continuation after funding)."""
    return {**network_records(region), "rules": rule_records(region)}
