"""What the home pages gather: a member's "Ihre Kommune" and the coordinator's desk. Reads
only (a GET never writes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from collab.core import permissions as perm
from collab.core.localtime import to_local
from collab.core.models import (
    Actor,
    Application,
    Initiative,
    InitiativeJoinRequest,
    JoinRequest,
    Participation,
    Region,
    RegionMembership,
    ReuseRequest,
    Rule,
    Solution,
    User,
    utcnow,
)
from collab.extensions import db
from collab.spielregeln import services as spielregeln

#: members and accounts that joined within this time count as new on the coordinator's desk
NEW_FOR = dt.timedelta(days=30)


def open_ballots(region: Region, municipality_id: int | None = None) -> list[dict[str, Any]]:
    """The region's open ballots, closing first, with the live tally and (for a member)
    whether its municipality has voted and whether it may (the electorate is fixed when a
    ballot opens: a municipality that joined since votes from the next one on)."""
    rules = db.session.scalars(sa.select(Rule).where(
        Rule.region_id == region.id, Rule.status == "voting").order_by(Rule.closes_at)).all()
    return [{"rule": rule, "tally": spielregeln.tally_of(rule),
             "voted": next((v for v in rule.votes if v.municipality_id == municipality_id),
                           None),
             "entitled": municipality_id in spielregeln.electorate(rule)} for rule in rules]


def _gaps_concerning(report: dict | None, keys: set[str]) -> list[dict]:
    return [g for g in (report or {}).get("gaps", []) if keys & set(g.get("keys") or [])]


def open_surveys(region: Region) -> list:
    """The region's survey rounds still taking answers, newest first."""
    from collab.surveys import services as surveys
    return [s for s in surveys.surveys(region) if surveys.is_open(s)]


def municipality_home(region: Region, user: User, report: dict | None) -> dict[str, Any]:
    """Everything that waits for a member's municipality in ``region``."""
    membership = perm.own_membership(user, region)
    me = user.municipality
    actors = db.session.scalars(sa.select(Actor).filter_by(region_id=region.id,
                                                           municipality_id=me.id)
                                .order_by(Actor.sort_name, Actor.key)).all()
    actor_ids = {a.id for a in actors}
    keys = {me.key} | {a.key for a in actors}
    initiatives = db.session.scalars(
        sa.select(Initiative).join(Participation, Participation.initiative_id == Initiative.id)
        .where(Initiative.region_id == region.id, Participation.actor_id.in_(actor_ids))
        .distinct().order_by(Initiative.sort_name, Initiative.key)).all() if actor_ids else []
    initiative_requests = db.session.scalars(
        sa.select(InitiativeJoinRequest).join(Initiative)
        .join(Actor, InitiativeJoinRequest.actor_id == Actor.id)
        .where(Initiative.region_id == region.id, Actor.municipality_id == me.id)
        .order_by(InitiativeJoinRequest.id.desc())).all()
    join_requests = db.session.scalars(sa.select(JoinRequest).where(
        JoinRequest.municipality_id == me.id).order_by(JoinRequest.id.desc())).all()
    to_decide = [r for r in db.session.scalars(
        sa.select(InitiativeJoinRequest).join(Initiative).where(
            Initiative.region_id == region.id, InitiativeJoinRequest.status == "pending"))
        if perm.leads(user, r.initiative)]
    reuse_requests = db.session.scalars(
        sa.select(ReuseRequest).join(Solution)
        .where(Solution.region_id == region.id, ReuseRequest.municipality_id == me.id)
        .order_by(ReuseRequest.id.desc())).all()
    reuse_to_decide = [r for r in _pending_reuse(region)
                       if perm.can_decide_reuse(user, r.solution)]
    gaps = _gaps_concerning(report, keys)
    initiative_keys = {i.key for i in initiatives}
    return {
        "membership": membership, "municipality": me,
        "ballots": open_ballots(region, me.id),
        "initiative_requests": initiative_requests, "join_requests": join_requests,
        "to_decide": to_decide,
        "reuse_requests": reuse_requests, "reuse_to_decide": reuse_to_decide,
        "gaps": [g for g in gaps if g.get("kind") != "missing_data"],
        "data_requests": [g for g in gaps if g.get("kind") == "missing_data"],
        "initiative_gaps": _gaps_concerning(report, initiative_keys),
        "initiatives": initiatives,
        "suggestions": (spielregeln.suggestions(region, membership, report)
                        if membership is not None else {"initiatives": [], "mentors": []}),
        "format_invitations": _format_invitations(region, me),
        "surveys": [{"survey": s, "answered": any(r.municipality_id == me.id
                                                  for r in s.responses)}
                    for s in open_surveys(region)],
    }


def _format_invitations(region: Region, municipality) -> list:
    """Invitations of the municipality's actors to formats: every open one (it decides them
    here), then the five decided last."""
    found = spielregeln.own_format_invitations(region, municipality)
    return [i for i in found if i.status == "pending"] + [
        i for i in found if i.status != "pending"][:5]


def _pending_reuse(region: Region) -> list[ReuseRequest]:
    """The open re-use requests to the region's solutions, oldest first."""
    return db.session.scalars(
        sa.select(ReuseRequest).join(Solution).where(
            Solution.region_id == region.id, ReuseRequest.status == "pending")
        .order_by(ReuseRequest.id)).all()


def coordinator_home(region: Region, now: dt.datetime | None = None) -> dict[str, Any]:
    """What waits for the coordinator of ``region``."""
    now = now or utcnow()
    applications = db.session.scalars(sa.select(Application).filter_by(
        region_id=region.id, status="pending").order_by(Application.id)).all()
    join_requests = db.session.scalars(sa.select(JoinRequest).filter_by(
        region_id=region.id, status="pending").order_by(JoinRequest.id)).all()
    initiative_requests = db.session.scalars(
        sa.select(InitiativeJoinRequest).join(Initiative).where(
            Initiative.region_id == region.id, InitiativeJoinRequest.status == "pending")
        .order_by(InitiativeJoinRequest.id)).all()
    drafts = db.session.scalars(sa.select(Rule).filter_by(region_id=region.id, status="draft")
                                .order_by(Rule.created_at)).all()
    since = now - NEW_FOR
    since_day = to_local(since).date()  # memberships start on a local day
    members = db.session.scalars(sa.select(RegionMembership).where(
        RegionMembership.region_id == region.id, RegionMembership.since.is_not(None),
        RegionMembership.since >= since_day).order_by(RegionMembership.since.desc())).all()
    accounts = db.session.scalars(sa.select(User).where(
        User.region_id == region.id, User.created_at >= since).order_by(
        User.created_at.desc())).all()
    return {
        "applications": applications,
        "join_requests": join_requests,
        "initiative_requests": initiative_requests,
        # those the coordinator answers: no member account speaks for the owner
        "reuse_requests": [r for r in _pending_reuse(region)
                           if not perm.reuse_owner_decides(r.solution)],
        "has_lead": spielregeln.initiatives_with_lead(region),
        "ballots": open_ballots(region),
        "awaiting": [b for b in open_ballots(region)
                     if spielregeln.awaiting_result(b["rule"], now)],
        "drafts": drafts, "new_members": members, "new_accounts": accounts,
        "surveys": [{"survey": s, "status": _survey_status(region, s)}
                    for s in open_surveys(region)],
    }


def _survey_status(region: Region, survey) -> dict[str, Any]:
    from collab.surveys import services as surveys
    return surveys.status(region, survey)
