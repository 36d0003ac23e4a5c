"""Use cases of the solutions beyond their catalogue entry: re-use requests, the solutions a
member's neighbours run, the analysis of one solution, and regions side by side.

Writes go through :func:`collab.core.store.change` (the one place that commits and records
the activity); who may act is checked with :mod:`collab.core.permissions`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import permissions as perm
from collab.core import store, vocab
from collab.core.collation import by_name, collation_key
from collab.core.localtime import local_today
from collab.core.models import (
    Actor,
    Municipality,
    Region,
    RegionMembership,
    ReuseRequest,
    Solution,
    SolutionUse,
    User,
    utcnow,
)
from collab.core.records import designated_taktgeber
from collab.core.store import Conflict, change, require
from collab.core.validation import Problem, ValidationError, parse_decision, parse_field
from collab.extensions import db
from collab.notifications import services as notifications
from collab.notifications.mail import path_for as url_for
from graphs.solutions import MATURE, USING, is_neighbour, solution_users


def request_url(region: Region, req: ReuseRequest) -> str:
    """The place of a re-use request on its solution's page (the notifications about it
    point there)."""
    return url_for("objects.detail", _anchor=f"nachnutzung-{req.id}", slug=region.slug,
                   kind="solutions", key=req.solution.key)


def deciders(region: Region, solution: Solution) -> list[User]:
    """The active accounts that answer re-use requests for ``solution``: the member
    accounts of the owner's municipality, else the region's coordinators
    (:func:`collab.core.permissions.reuse_owner_decides`)."""
    if perm.reuse_owner_decides(solution):
        municipality = solution.owner.municipality
        found = db.session.scalars(sa.select(User).where(
            User.municipality_id == municipality.id, User.role == "member",
            User.active.is_(True)).order_by(User.id)).all()
        return [u for u in found if perm.speaks_for(u, region, municipality)]
    return notifications.coordinators(region)


def _mine(user: User | None) -> Municipality | None:
    return db.session.get(Municipality, user.municipality_id) if getattr(
        user, "municipality_id", None) else None


def using(solution: Solution, municipality: Municipality) -> bool:
    return any(u.municipality_id == municipality.id and u.relation in USING
               for u in solution.uses)


def request_reuse(region: Region, solution: Solution, raw: dict,
                  user: User | None) -> ReuseRequest:
    """A member asks to re-use the solution for its own municipality (it is put on the
    member's wish list, ``wants``, until the owner decides)."""
    require(perm.can_request_reuse(user, solution))
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    message = parse_field(problems, "reuse_request", "message", raw.get("message"))
    if problems:
        raise ValidationError(problems)
    municipality = _mine(user)
    require(municipality is not None and perm.speaks_for(user, region, municipality))
    store.lock(region)  # one open request per municipality and solution, also at once
    if using(solution, municipality):
        raise Conflict(_("Lösung: %(m)s setzt „%(s)s“ bereits ein.", m=municipality.name,
                         s=solution.name), field="solution")
    if db.session.scalar(sa.select(ReuseRequest.id).filter_by(
            solution_id=solution.id, municipality_id=municipality.id, status="pending")):
        raise Conflict(_("Lösung: Für %(m)s liegt bereits eine offene Anfrage vor; bitte "
                         "warten Sie die Antwort ab.", m=municipality.name), field="solution")
    with change(region, user, "solution.reuse_request", solution.key, municipality.name):
        req = ReuseRequest(solution=solution, municipality=municipality, message=message,
                           requested_by_id=user.id)
        db.session.add(req)
        if not any(u.municipality_id == municipality.id and u.relation == "wants"
                   for u in solution.uses):
            solution.uses.append(SolutionUse(municipality=municipality, relation="wants",
                                             provenance="self_reported",
                                             source=_("Anfrage auf der Plattform")))
        db.session.flush()  # the request's id, for the link to it
        notifications.notify(
            deciders(region, solution), "request_new",
            _l("Anfrage zur Nachnutzung von „%(s)s“", s=solution.name),
            _l("%(m)s möchte „%(s)s“ nachnutzen. %(t)s", m=municipality.name,
               s=solution.name, t=message),
            request_url(region, req), exclude=user)
    return req


def decide_reuse(region: Region, req: ReuseRequest, raw: dict,
                 user: User | None) -> ReuseRequest:
    """The owner's municipality (the coordinator for a regional or unknown owner) approves,
    recording that the member re-used the solution from the owner's municipality, or
    declines with a reason. Both are logged; the account that asked is told, and the
    deciders' notification about the request is marked read."""
    solution = req.solution
    require(perm.can_decide_reuse(user, solution))
    approve, reason = parse_decision(raw)
    store.lock_pending(region, req, _("Anfrage: wurde bereits entschieden."))
    owner = solution.owner.municipality if solution.owner else None
    member = db.session.scalar(sa.select(RegionMembership.id).filter_by(
        region_id=region.id, municipality_id=req.municipality_id))
    if approve and member is None:
        raise Conflict(_("Anfrage: %(m)s ist nicht mehr Mitglied der Region.",
                         m=req.municipality.name), field="municipality")
    action = "solution.reuse_approve" if approve else "solution.reuse_decline"
    with change(region, user, action, solution.key,
                f"{req.municipality.name}. {reason}".strip()):
        req.status = "approved" if approve else "declined"
        req.reason, req.decided_by_id, req.decided_at = reason, user.id, utcnow()
        if approve:
            for use in [u for u in solution.uses if u.municipality_id == req.municipality_id
                        and u.relation == "wants"]:
                solution.uses.remove(use)
            if not using(solution, req.municipality):
                solution.uses.append(SolutionUse(
                    municipality=req.municipality, relation="reused_from",
                    from_municipality=owner, since=local_today(), provenance="confirmed",
                    source=_("Nachnutzungsanfrage auf der Plattform, angenommen")))
        url = request_url(region, req)
        what = _l("Nachnutzung von „%(s)s“ durch %(m)s", s=solution.name,
                  m=req.municipality.name)
        if approve:
            subject = _l("Angenommen: %(w)s", w=what)
            body = _l("Ihre Anfrage wurde angenommen: %(w)s.", w=what)
        else:
            subject = _l("Abgelehnt: %(w)s", w=what)
            body = _l("Ihre Anfrage wurde abgelehnt: %(w)s. Begründung: %(r)s", w=what,
                      r=reason)
        notifications.notify([req.requested_by], "request_decided", subject, body, url,
                             exclude=user)
        # what the deciders were asked to do is done (whoever of them decided)
        notifications.mark_read_about(url, ["request_new"])
    return req


def reuse_requests(solution: Solution, user: User | None) -> list[ReuseRequest]:
    """The solution's requests ``user`` may see: all for the one deciding, else its own
    municipality's; pending first, then the newest."""
    found = db.session.scalars(sa.select(ReuseRequest).filter_by(solution_id=solution.id)
                               .order_by(ReuseRequest.id.desc())).all()
    if not perm.can_decide_reuse(user, solution):
        own = getattr(user, "municipality_id", None)
        found = [r for r in found if own is not None and r.municipality_id == own
                 and perm.is_member_of(user, solution.region)]
    return sorted(found, key=lambda r: r.status != "pending")


def reuse_request_record(req: ReuseRequest) -> dict[str, Any]:
    return {"id": req.id, "solution": req.solution.key, "municipality": req.municipality.key,
            "message": req.message, "status": req.status, "reason": req.reason,
            "created_at": req.created_at.isoformat() if req.created_at else None,
            "decided_at": req.decided_at.isoformat() if req.decided_at else None}


# --- what the neighbours run ------------------------------------------------------------------


def _place(m: Municipality) -> dict:
    return {"district": m.district, "lat": m.lat, "lon": m.lon}


def neighbour_solutions(region: Region, membership: RegionMembership) -> list[dict]:
    """"Lösungen, die Ihre Nachbarn schon einsetzen": the region's solutions a neighbour of
    the member (the same Kreis or within 50 km, :func:`graphs.solutions.is_neighbour`) uses
    and the member does not; mature ones first, then those with most neighbours."""
    me = membership.municipality
    found = []
    for solution in db.session.scalars(sa.select(Solution).filter_by(
            region_id=region.id).order_by(Solution.sort_name, Solution.key)):
        if using(solution, me):
            continue
        near = sorted({u.municipality.name for u in solution.uses
                       if u.relation in USING and u.municipality_id != me.id
                       and is_neighbour(_place(me), _place(u.municipality))},
                      key=lambda n: (collation_key(n), n))
        if near:
            found.append({"solution": solution, "neighbours": near,
                          "wanted": any(u.municipality_id == me.id and u.relation == "wants"
                                        for u in solution.uses)})
    found.sort(key=lambda s: (s["solution"].maturity not in MATURE, -len(s["neighbours"]),
                              s["solution"].sort_name, s["solution"].key))
    return found


def solution_analysis(report: dict | None, solution: Solution) -> dict | None:
    """The entry of the region's analysis (``report["solutions"]``) for this solution."""
    for entry in (report or {}).get("solutions") or []:
        if entry.get("key") == solution.key:
            return entry
    return None


def not_listed(analysis: dict | None, names: dict[str, str]) -> list[str]:
    """The names of the candidates the analysis reaches but lists no path for (it lists the
    best :data:`graphs.transfer.MAX_PATHS`), in German dictionary order: the page names
    them, so that nobody is left out silently."""
    if not analysis:
        return []
    shown = {p.get("to") for p in analysis.get("paths") or []}
    shown.update(analysis.get("unreachable") or [])
    return by_name([names.get(c, c) for c in analysis.get("candidates") or []
                    if c not in shown], lambda n: n)


def detail_context(region: Region, solution: Solution, report: dict | None,
                   user: User | None) -> dict[str, Any]:
    """What a solution's page shows beside its entry: the analysis (who uses it, who wants
    it, the members that could re-use it and through whom), names for the keys, the
    requests the account may see, and whether it may ask, decide or say what it uses."""
    names = {m.municipality.key: m.municipality.name for m in region.memberships}
    names.update(db.session.execute(sa.select(Actor.key, Actor.name).filter_by(
        region_id=region.id)).all())
    from collab.core.models import Format, Initiative
    for model in (Initiative, Format):
        names.update(db.session.execute(sa.select(model.key, model.name).filter_by(
            region_id=region.id)).all())
    me = _mine(user)
    use_choices = [(m.municipality.key, m.municipality.name) for m in by_name(
        region.memberships, lambda m: m.municipality.name, lambda m: m.municipality.key)
        if perm.can_edit_solution_use(user, region, m.municipality)]
    analysis = solution_analysis(report, solution)
    return {
        "analysis": analysis, "names": names,
        "more_candidates": not_listed(analysis, names),
        "requests": reuse_requests(solution, user),
        "can_request": perm.can_request_reuse(user, solution) and me is not None
        and not using(solution, me),
        "can_decide": perm.can_decide_reuse(user, solution),
        "use_choices": use_choices,
    }


# --- regions side by side ---------------------------------------------------------------------


def region_facts(region: Region, report: dict | None) -> dict[str, Any]:
    """One column of the comparison: members by tier, the levels covered, the designated
    Taktgeber, gaps by kind and the survey response (from the stored analysis, if any),
    and the solutions in use."""
    memberships = db.session.scalars(sa.select(RegionMembership).filter_by(
        region_id=region.id)).all()
    tiers = {t: sum(1 for m in memberships if m.tier == t) for t in vocab.TIERS}
    levels = dict.fromkeys(vocab.LEVELS, 0)
    rows = db.session.execute(sa.select(Actor.municipality_id, Actor.level).where(
        Actor.region_id == region.id, Actor.municipality_id.is_not(None)).distinct()).all()
    for _m, level in rows:
        if level in levels:
            levels[level] += 1
    from collab.core.models import Rule, Tie
    taktgeber = designated_taktgeber(db.session.scalars(sa.select(Rule).filter_by(
        region_id=region.id, status="adopted", kind="taktgeber")).all())
    ties = db.session.scalar(sa.select(sa.func.count()).select_from(Tie).where(
        Tie.region_id == region.id))
    surveyed = db.session.scalar(sa.select(sa.func.count()).select_from(Tie).where(
        Tie.region_id == region.id, Tie.trust.is_not(None)))
    gaps: dict[str, int] = {}
    for gap in (report or {}).get("gaps") or []:
        gaps[gap["kind"]] = gaps.get(gap["kind"], 0) + 1
    solutions = []
    for s in db.session.scalars(sa.select(Solution).filter_by(region_id=region.id)
                                .order_by(Solution.sort_name, Solution.key)):
        users, wanting = solution_users({"uses": [{"municipality": u.municipality.key,
                                                   "relation": u.relation} for u in s.uses]})
        solutions.append({"key": s.key, "name": s.name, "maturity": s.maturity,
                          "users": len(users), "wanting": len(wanting)})
    return {
        "slug": region.slug, "name": region.name, "members": len(memberships),
        "tiers": tiers, "levels": levels,
        "taktgeber": {"key": taktgeber.key, "name": taktgeber.name} if taktgeber else None,
        "gaps": dict(sorted(gaps.items())) if report else None,
        "survey": {"ties": ties, "surveyed": surveyed,
                   "share": round(surveyed / ties, 4) if ties else None},
        "solutions": solutions,
    }


def crossing_paths(regions: list[Region]) -> list[dict[str, Any]]:
    """Municipalities that belong to several of ``regions``: through them knowledge and
    solutions cross region borders. For each: its regions, and the solutions used in one of
    them that it could carry into another (used there by none)."""
    ids = [r.id for r in regions]
    if len(ids) < 2:
        return []
    rows = db.session.execute(sa.select(RegionMembership.municipality_id,
                                        RegionMembership.region_id)
                              .where(RegionMembership.region_id.in_(ids))).all()
    by_muni: dict[int, set[int]] = {}
    for m, r in rows:
        by_muni.setdefault(m, set()).add(r)
    shared = {m: rs for m, rs in by_muni.items() if len(rs) > 1}
    if not shared:
        return []
    names = {r.id: r for r in regions}
    solutions = db.session.scalars(sa.select(Solution).where(Solution.region_id.in_(ids))).all()
    found = []
    for m_id, region_ids in sorted(shared.items()):
        municipality = db.session.get(Municipality, m_id)
        carries = []
        for s in solutions:
            users = {u.municipality_id for u in s.uses if u.relation in USING}
            if m_id not in users:
                continue
            for other in sorted(region_ids - {s.region_id}):
                carries.append({"solution": s.key, "name": s.name,
                                "from_region": names[s.region_id].slug,
                                "to_region": names[other].slug})
        found.append({"municipality": municipality.key, "name": municipality.name,
                      "regions": sorted(names[r].slug for r in region_ids),
                      "carries": carries})
    return found


def readable_regions(user: User | None) -> list[Region]:
    """The regions ``user`` may read, by name (German dictionary order)."""
    return [r for r in by_name(db.session.scalars(sa.select(Region)), then=lambda r: r.slug)
            if perm.can_read_region(user, r)]
