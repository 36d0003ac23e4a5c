"""Who may do what: every permission rule of the platform, as documented predicates.

Views and API endpoints load objects with the helpers at the end (404 for unknown objects,
403 for objects the account may not act on); services call the predicates again before they
change anything, so a rule holds for the pages and the API alike.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import aliased

from collab.core.models import (
    Activity,
    Actor,
    Format,
    FormatInvitation,
    Initiative,
    InitiativeJoinRequest,
    JoinRequest,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Rule,
    Solution,
    Survey,
    SurveyResponse,
    Tie,
    User,
    format_participant,
)
from collab.extensions import db

#: the demo accounts' password (`make run`); never accepted under the production configuration
DEMO_PASSWORD = "demo"


def may_sign_in_with(password: str) -> bool:
    """Whether a correct ``password`` may open a session: under the production
    configuration (``DEMO_ACCOUNTS`` off) never the demo password, so a demo account that
    was carried over into production cannot sign in."""
    from flask import current_app
    return current_app.config["DEMO_ACCOUNTS"] or password != DEMO_PASSWORD


def is_admin(user: User | None) -> bool:
    """Admins may do everything."""
    return bool(user and user.is_authenticated and user.role == "admin")


def can_read(user: User | None) -> bool:
    """Every signed-in account (viewer and up) reads every region."""
    return bool(user and user.is_authenticated)


def can_manage_region(user: User | None, region: Region) -> bool:
    """The region's coordinator (and admins) edit everything in it, import bundles and
    invite accounts."""
    if is_admin(user):
        return True
    return bool(
        user and user.is_authenticated and user.role == "coordinator"
        and user.region_id == region.id
    )


def _belongs_to(municipality: Municipality, region: Region) -> bool:
    return any(m.region_id == region.id for m in municipality.memberships)


def speaks_for(user: User | None, region: Region, municipality: Municipality | None) -> bool:
    """A member account speaks for its own municipality, and no other: in its own region and
    in every other region its municipality was admitted to (a join request approved)."""
    return bool(
        user and user.is_authenticated and user.role == "member" and municipality is not None
        and user.municipality_id == municipality.id
        and (user.region_id == region.id or _belongs_to(municipality, region))
    )


def is_member_of(user: User | None, region: Region) -> bool:
    """A member account of this region: one whose municipality is a member of it (its own
    region or another). An account whose municipality left the region (it keeps the region,
    without a municipality) speaks for no one there: it is no member any more."""
    if not (user and user.is_authenticated and user.role == "member"):
        return False
    return own_membership(user, region) is not None


def can_add_municipality(user: User | None, region: Region) -> bool:
    """Only the coordinator adds members to a region."""
    return can_manage_region(user, region)


def can_edit_municipality(user: User | None, region: Region, municipality: Municipality) -> bool:
    """The coordinator, or the member that speaks for this municipality."""
    return can_manage_region(user, region) or speaks_for(user, region, municipality)


def can_change_municipality_facts(user: User | None, region: Region | None,
                                  municipality: Municipality) -> bool:
    """A municipality's facts (name, AGS, population, …) are shared by every region it
    belongs to: they are changed by its own member accounts, by an admin, and by the
    coordinator of a region only while that region is its only one. Its membership in a
    region (tier, since) is that region's coordinator's business."""
    if is_admin(user):
        return True
    if region is None:
        return False
    if speaks_for(user, region, municipality):
        return True
    if not can_manage_region(user, region):
        return False
    regions = {m.region_id for m in municipality.memberships}
    return regions <= {region.id}


def can_delete_municipality(user: User | None, region: Region, municipality: Municipality) -> bool:
    """Removing a member from the region is the coordinator's decision."""
    return can_manage_region(user, region)


def can_edit_actor_of(user: User | None, region: Region, municipality: Municipality | None) -> bool:
    """Actors of a municipality are edited by its member account or the coordinator;
    regional bodies (no municipality) by the coordinator only."""
    return can_manage_region(user, region) or speaks_for(user, region, municipality)


def can_edit_actor(user: User | None, actor: Actor) -> bool:
    """Edit and delete an actor: its municipality's member account or the coordinator
    (:func:`can_edit_actor_of`), and for a partner a survey answer created, the answering
    municipality's member account while only that municipality uses it
    (:func:`can_correct_survey_partner`)."""
    return (can_edit_actor_of(user, actor.region, actor.municipality)
            or can_correct_survey_partner(user, actor))


# --- partners a survey answer created -------------------------------------------------------
# A new partner named in a municipality's survey answer becomes an actor of no municipality
# (collab.surveys.services._add_partner), like a regional body, which only the coordinator
# edits. The answering municipality may still correct it (a typo, a wrong type) or remove it,
# as long as nobody else relies on it.

#: what besides the answering municipality's own records may use a partner its answer
#: created; each keeps the partner the coordinator's (:func:`survey_partner_uses`)
SURVEY_PARTNER_USES = ("tie", "initiative", "format", "solution", "rule", "answer")


def survey_created_keys(region: Region, municipality_id: int | None) -> set[str]:
    """The keys of the actors that the municipality's answers to the region's survey rounds
    (all rounds, all submissions) created as new partners (``SurveyResponse.created``)."""
    if municipality_id is None:
        return set()
    return {key for created in db.session.scalars(
        db.select(SurveyResponse.created).join(Survey).where(
            Survey.region_id == region.id, SurveyResponse.municipality_id == municipality_id))
        for key in created or [] if isinstance(key, str)}


def _json_names(column, key: str):
    """SQL: the JSON ``column`` holds the string ``key`` (a prefilter on its text, exact
    for the keys a region gives: no quotes; the rows it finds are checked in Python)."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.cast(column, sa.Text).like(f'%"{escaped}"%', escape="\\")


def survey_created_anywhere(region: Region, key: str) -> bool:
    """Whether a survey answer of the region (any municipality, round or submission) once
    created an actor with ``key``. Such a key is not given again, not even after that
    partner was deleted: the answering municipality may correct what its answer created
    (:func:`can_correct_survey_partner`), which goes by key."""
    return any(key in (created or []) for created in db.session.scalars(
        db.select(SurveyResponse.created).join(Survey).where(
            Survey.region_id == region.id, _json_names(SurveyResponse.created, key))))


def survey_partner_uses(actor: Actor, municipality: Municipality) -> list[str]:
    """What of the region besides ``municipality``'s own records uses ``actor``, a partner
    its survey answers created (codes of :data:`SURVEY_PARTNER_USES`, in that order):

    * ``tie``: a tie linking it to an actor that is not one of the municipality's units
      (another municipality's unit, a regional body, another partner);
    * ``initiative``: it takes part in an initiative (or asks to);
    * ``format``: it convenes a format or takes part in one;
    * ``solution``: it owns a solution of the catalogue;
    * ``rule``: a Spielregel concerns it;
    * ``answer``: another municipality's survey answer created it or names it as a partner.

    Empty when only the municipality's own records use it."""
    found: set[str] = set()
    other = aliased(Actor)
    if db.session.scalar(db.select(Tie.id).join(other, sa.or_(
            sa.and_(Tie.source_id == actor.id, other.id == Tie.target_id),
            sa.and_(Tie.target_id == actor.id, other.id == Tie.source_id))).where(
            sa.or_(other.municipality_id.is_(None),
                   other.municipality_id != municipality.id)).limit(1)) is not None:
        found.add("tie")
    if db.session.scalar(db.select(Participation.id).filter_by(actor_id=actor.id).limit(1)) \
            is not None or db.session.scalar(db.select(InitiativeJoinRequest.id).filter_by(
                actor_id=actor.id).limit(1)) is not None:
        found.add("initiative")
    if db.session.scalar(db.select(Format.id).filter_by(convenor_id=actor.id).limit(1)) \
            is not None or db.session.scalar(db.select(format_participant.c.format_id).where(
                format_participant.c.actor_id == actor.id).limit(1)) is not None:
        found.add("format")
    if db.session.scalar(db.select(Solution.id).filter_by(owner_id=actor.id).limit(1)) \
            is not None:
        found.add("solution")
    if db.session.scalar(db.select(Rule.id).filter_by(actor_id=actor.id).limit(1)) is not None:
        found.add("rule")
    for created, answer in db.session.execute(
            db.select(SurveyResponse.created, SurveyResponse.answer).join(Survey).where(
                Survey.region_id == actor.region_id,
                SurveyResponse.municipality_id != municipality.id,
                sa.or_(_json_names(SurveyResponse.created, actor.key),
                       _json_names(SurveyResponse.answer, actor.key)))):
        partners = (answer or {}).get("partners", []) if isinstance(answer, dict) else []
        if actor.key in (created or []) or any(
                isinstance(p, dict) and actor.key in (p.get("actor"), p.get("from"))
                for p in partners):
            found.add("answer")
            break
    return [use for use in SURVEY_PARTNER_USES if use in found]


def can_correct_survey_partner(user: User | None, actor: Actor) -> bool:
    """A member account corrects (edits every field the coordinator edits, or deletes) an
    external partner (an actor of no municipality) that its own municipality's answers to
    one of the region's survey rounds created, while nothing but that municipality's own
    records uses it (:func:`survey_partner_uses` is empty: its ties all lead to the
    municipality's own units, no initiative, format, solution, rule or other municipality's
    answer names it). Once anything else relies on it, it is the coordinator's, like every
    regional body. The round need not be open: a partner stays correctable after it closes."""
    if actor.municipality_id is not None or not (
            user and user.is_authenticated and user.role == "member" and user.municipality_id):
        return False
    municipality = db.session.get(Municipality, user.municipality_id)
    if municipality is None or not speaks_for(user, actor.region, municipality):
        return False
    if actor.key not in survey_created_keys(actor.region, municipality.id):
        return False
    return not survey_partner_uses(actor, municipality)


def can_add_actor(user: User | None, region: Region) -> bool:
    """Members add actors (for their own municipality); coordinators any."""
    return can_manage_region(user, region) or is_member_of(user, region)


def can_add_initiative(user: User | None, region: Region) -> bool:
    """Members propose initiatives; coordinators create any."""
    return can_manage_region(user, region) or is_member_of(user, region)


def leads(user: User | None, initiative: Initiative) -> bool:
    """The member whose municipality's actor leads the initiative."""
    return any(
        p.role == "lead" and speaks_for(user, initiative.region, p.actor.municipality)
        for p in initiative.participations
    )


def can_edit_initiative(user: User | None, initiative: Initiative) -> bool:
    """The coordinator, or the member leading the initiative."""
    return can_manage_region(user, initiative.region) or leads(user, initiative)


def can_edit_tie_between(user: User | None, region: Region, source: Actor, target: Actor) -> bool:
    """A tie is the business of the coordinator and of the members at either end."""
    return (
        can_manage_region(user, region)
        or speaks_for(user, region, source.municipality)
        or speaks_for(user, region, target.municipality)
    )


def can_edit_tie(user: User | None, tie: Tie) -> bool:
    return can_edit_tie_between(user, tie.region, tie.source, tie.target)


def can_add_tie(user: User | None, region: Region) -> bool:
    return can_manage_region(user, region) or is_member_of(user, region)


def can_confirm(user: User | None, region: Region,
                tie: tuple[Actor, Actor, str] | None = None) -> bool:
    """Whether the account may mark a record "confirmed" (its provenance): checked, or
    reported by both ends. The coordinator (and admins) confirm any record after checking
    it. A member never confirms what it reports itself: it marks a ``tie`` (source, target,
    kind) between one of its own actors and another municipality's actor confirmed only
    when that municipality has reported the same tie in the relationship survey, which is
    how the survey confirms a tie reported by both ends. Every other record a member
    enters is at most "self_reported" (how an edit treats a record already confirmed:
    :func:`collab.objects.services.confirmation_problems`)."""
    if can_manage_region(user, region):
        return True
    if tie is None:
        return False
    source, target, kind = tie
    for own, far in ((source, target), (target, source)):
        if (speaks_for(user, region, own.municipality) and far.municipality is not None
                and far.municipality_id != own.municipality_id
                and _reported_in_survey(region, far.municipality, {own.key, far.key}, kind)):
            return True
    return False


def _reported_in_survey(region: Region, municipality: Municipality, ends: set[str],
                        kind: str) -> bool:
    """Whether ``municipality`` named a tie of ``kind`` between the actors ``ends`` (keys)
    in an answer to one of the region's survey rounds."""
    answers = db.session.scalars(db.select(SurveyResponse.answer).join(Survey).where(
        Survey.region_id == region.id, SurveyResponse.municipality_id == municipality.id))
    return any({p.get("from"), p.get("actor")} == ends and p.get("kind") == kind
               for answer in answers for p in (answer or {}).get("partners", [])
               if isinstance(p, dict))


def can_add_format(user: User | None, region: Region) -> bool:
    """Members add formats their own actors convene; coordinators any."""
    return can_manage_region(user, region) or is_member_of(user, region)


def can_edit_format_of(user: User | None, region: Region, convenor: Actor | None) -> bool:
    """A format is the coordinator's business, and that of the member whose actor convenes
    it; a format without convenor is the coordinator's only."""
    return can_manage_region(user, region) or (
        convenor is not None and speaks_for(user, region, convenor.municipality))


def can_edit_format(user: User | None, fmt: Format) -> bool:
    return can_edit_format_of(user, fmt.region, fmt.convenor)


def can_decide_format_invitation(user: User | None, invitation: FormatInvitation) -> bool:
    """An invitation to a format is accepted or declined by the invited municipality's member
    accounts only (its consent); neither the convenor nor the coordinator decides it."""
    return speaks_for(user, invitation.format.region, invitation.actor.municipality)


def can_read_format_invitation_reason(user: User | None, invitation: FormatInvitation) -> bool:
    """The reason of a declined invitation is read by the format's editors (the convenor's
    municipality, the coordinator) and the invited municipality; by nobody else."""
    return can_edit_format(user, invitation.format) or speaks_for(
        user, invitation.format.region, invitation.actor.municipality)


def can_add_solution(user: User | None, region: Region) -> bool:
    """Members add the solutions their own actors own; coordinators any."""
    return can_manage_region(user, region) or is_member_of(user, region)


def can_edit_solution_of(user: User | None, region: Region, owner: Actor | None) -> bool:
    """A solution's catalogue entry is the coordinator's business, and that of the member
    whose actor owns it; one without owner (or a regional body's) the coordinator's only."""
    return can_manage_region(user, region) or (
        owner is not None and speaks_for(user, region, owner.municipality))


def can_edit_solution(user: User | None, solution: Solution) -> bool:
    return can_edit_solution_of(user, solution.region, solution.owner)


def can_edit_solution_use(user: User | None, region: Region,
                          municipality: Municipality | None) -> bool:
    """Whether a municipality uses, re-used or wants a solution is said by the municipality
    itself (its member account), or by the coordinator for it."""
    return municipality is not None and (
        can_manage_region(user, region) or speaks_for(user, region, municipality))


def can_request_reuse(user: User | None, solution: Solution) -> bool:
    """A member of the region asks to re-use a solution (for its own municipality)."""
    return is_member_of(user, solution.region) and bool(user.municipality_id)


def reuse_owner_decides(solution: Solution) -> bool:
    """Whether the owner's municipality answers re-use requests itself: the solution's owner
    is a municipality's actor and an active member account speaks for that municipality in
    the solution's region. Else (a regional body, an unknown owner, a municipality without
    account) the coordinator answers, as nobody else would."""
    owner = solution.owner
    municipality = owner.municipality if owner is not None else None
    if municipality is None:
        return False
    found = db.session.scalars(db.select(User).where(
        User.municipality_id == municipality.id, User.role == "member",
        User.active.is_(True))).all()
    return any(speaks_for(u, solution.region, municipality) for u in found)


def can_decide_reuse(user: User | None, solution: Solution) -> bool:
    """The municipality whose actor owns the solution answers a re-use request; the
    coordinator when the owner is a regional body, not known, or a municipality without an
    active member account (:func:`reuse_owner_decides`); admins always."""
    if not reuse_owner_decides(solution):
        return can_manage_region(user, solution.region)
    return is_admin(user) or speaks_for(user, solution.region, solution.owner.municipality)


def can_read_region(user: User | None, region: Region) -> bool:
    """Whether the account reads the region (its pages, analysis and comparisons): every
    signed-in account reads every region."""
    return can_read(user)


def can_edit_region_settings(user: User | None, region: Region) -> bool:
    """The region's own settings (such as the end of its funding) are the coordinator's."""
    return can_manage_region(user, region)


def can_import_bundle(user: User | None, region: Region | None) -> bool:
    """Importing replaces a region's data: its coordinator or an admin; a new region: admin."""
    return can_manage_region(user, region) if region is not None else is_admin(user)


def can_manage_accounts(user: User | None, region: Region) -> bool:
    """The coordinator invites accounts for its region."""
    return can_manage_region(user, region)


def can_name_account_for(user: User | None, region: Region,
                         municipality: Municipality | None) -> bool:
    """Whether the account inviting an account of ``region`` may name ``municipality`` for
    it. An account named for a municipality speaks for it in every region it belongs to
    (:func:`speaks_for`): it votes there and changes its facts and units. So, like those
    facts (:func:`can_change_municipality_facts`), a coordinator names a municipality only
    while its region is the municipality's only one, or when an account of its region
    already speaks for it (its home region); an admin any. Else a coordinator that linked
    another region's member (same key and AGS) would invite itself an account of it."""
    if municipality is None or is_admin(user):
        return True
    if not can_manage_accounts(user, region):
        return False
    if {m.region_id for m in municipality.memberships} <= {region.id}:
        return True
    return db.session.scalar(db.select(User.id).filter_by(
        region_id=region.id, municipality_id=municipality.id, role="member").limit(1)) \
        is not None


def can_change_own_password(user: User | None) -> bool:
    """Every signed-in account changes its own password (knowing the current one)."""
    return bool(user and user.is_authenticated and getattr(user, "id", None) is not None)


def can_manage_own_tokens(user: User | None) -> bool:
    """Every signed-in, active account issues and revokes API tokens for itself; a token
    grants through the API exactly what the account's role grants on the pages."""
    return can_change_own_password(user) and bool(getattr(user, "active", False))


def can_manage_account(user: User | None, region: Region, account: User) -> bool:
    """The coordinator deactivates and reactivates the member and viewer accounts of its
    region (an admin any account); nobody its own account."""
    if not (user and user.is_authenticated) or account.id == user.id:
        return False
    if is_admin(user):
        return True
    return (can_manage_accounts(user, region) and account.region_id == region.id
            and account.role in ("member", "viewer"))


def can_read_activity(user: User | None, region: Region) -> bool:
    """The activity log is for the coordinator."""
    return can_manage_region(user, region)


def can_manage_snapshots(user: User | None, region: Region) -> bool:
    """Snapshots (save, download, compare, delete, restore) are the coordinator's."""
    return can_manage_region(user, region)


def can_read_own_activity(user: User | None, region: Region) -> bool:
    """A member account of the region reads its own entries of the activity log (to undo
    them); the coordinator reads all (:func:`can_read_activity`)."""
    return bool(user and user.is_authenticated and user.region_id == region.id
                and user.role in ("member", "coordinator")) or can_read_activity(user, region)


def can_undo(user: User | None, region: Region, activity: Activity) -> bool:
    """An entry of the log is undone by the account that made it (still a member of the
    region) or by the coordinator; imports and restores only by the coordinator."""
    if activity.region_id != region.id:
        return False
    if can_manage_region(user, region):
        return True
    return bool(user and user.is_authenticated and activity.user_id == user.id
                and user.region_id == region.id and user.role == "member"
                and not activity.action.startswith(("bundle.", "snapshot.")))


def undo_beyond(user: User | None, region: Region, changes: dict[str, dict],
                home: dict[str, str | None]) -> list[tuple[str, str]]:
    """The records (``(section, key)``) an undo would change although ``user`` may not edit
    them: ``changes`` is per section ``{key: [record now, record after the undo]}`` (either
    None when the record is missing on that side), ``home`` an actor's municipality key.

    The coordinator may change everything. A member may change a record only when it may
    edit it as it is and as the undo makes it: its municipality's own record and actors,
    the partners its survey answers created while nothing else uses them
    (:func:`can_correct_survey_partner`), initiatives one of its actors leads, ties with one
    end of its own, formats one of its actors convenes; never the region's settings nor
    which municipalities belong to it. An
    undo of its own entry can reach further (deleting an actor also took it out of another
    municipality's initiative); such an undo is the coordinator's. Like an edit, an undo
    leaves another municipality's (or a regional body's) participation in an initiative as
    it is: only that municipality, or the coordinator, adds, ends or changes it; and it adds
    no participant of another municipality (or none) to a format: such a participant is
    invited, and takes part once its municipality accepts."""
    if can_manage_region(user, region):
        return []
    membership = own_membership(user, region) if is_member_of(user, region) else None
    own = membership.municipality.key if membership is not None else None
    created: set[str] | None = None  # read when a partner of no municipality comes up

    def own_partner(key: str | None) -> bool:
        """A partner its survey answers created that nothing else uses (or that is gone:
        the records restored with it are checked one by one)."""
        nonlocal created
        if created is None:
            created = survey_created_keys(region, membership.municipality_id)
        if key not in created:
            return False
        actor = db.session.scalar(db.select(Actor).filter_by(region_id=region.id, key=key))
        return actor is None or (actor.municipality_id is None and not survey_partner_uses(
            actor, membership.municipality))

    def mine(section: str, record: dict | None) -> bool:
        if record is None:
            return section != "municipalities"  # adding or removing a member: coordinator
        if section == "municipalities":
            return record.get("key") == own
        if section == "actors":
            return record.get("municipality") == own or (
                record.get("municipality") is None and own_partner(record.get("key")))
        if section == "initiatives":
            return any(p.get("role") == "lead" and home.get(p.get("actor")) == own
                       for p in record.get("participants") or [])
        if section == "ties":
            return own in (home.get(record.get("source")), home.get(record.get("target")))
        if section == "formats":
            return record.get("convenor") is not None and home.get(record["convenor"]) == own
        return False  # the region's settings

    def others_part(record: dict | None) -> set[tuple]:
        return {tuple(sorted((k, str(v)) for k, v in p.items()))
                for p in (record or {}).get("participants") or []
                if home.get(p.get("actor")) != own}

    def others_added(now: dict | None, after: dict | None) -> bool:
        """A format's participants of another municipality (or of none) the undo adds:
        the member invites them, it does not enter them (their consent)."""
        before = set((now or {}).get("participants") or [])
        return any(k not in before and home.get(k) != own
                   for k in (after or {}).get("participants") or [])

    def allowed(section: str, now: dict | None, after: dict | None) -> bool:
        if not (mine(section, now) and mine(section, after)):
            return False
        if section == "formats":
            return not others_added(now, after)
        return section != "initiatives" or others_part(now) == others_part(after)

    return [(section, key) for section, records in sorted(changes.items())
            for key, (now, after) in sorted(records.items())
            if own is None or not allowed(section, now, after)]


def can_save_positions(user: User | None, region: Region) -> bool:
    """The coordinator (and admins) arrange the region's network view for everyone."""
    return can_manage_region(user, region)


# --- load and check --------------------------------------------------------------------------


def require(allowed: bool, reason: str | None = None) -> None:
    """Abort with 403 unless ``allowed``; ``reason`` (German, for the user) says why, on the
    error page and in the API's error (else the error page derives one from the account)."""
    if not allowed:
        abort(403, description=reason) if reason else abort(403)


def get_region(slug: str) -> Region:
    return db.first_or_404(db.select(Region).filter_by(slug=slug))


def get_membership(region: Region, key: str) -> RegionMembership:
    return db.first_or_404(
        db.select(RegionMembership).join(Municipality)
        .where(RegionMembership.region_id == region.id, Municipality.key == key)
    )


def get_actor(region: Region, key: str) -> Actor:
    return db.first_or_404(db.select(Actor).filter_by(region_id=region.id, key=key))


def get_initiative(region: Region, key: str) -> Initiative:
    return db.first_or_404(db.select(Initiative).filter_by(region_id=region.id, key=key))


def get_tie(region: Region, key: str) -> Tie:
    return db.first_or_404(db.select(Tie).filter_by(region_id=region.id, key=key))


def get_format(region: Region, key: str) -> Format:
    return db.first_or_404(db.select(Format).filter_by(region_id=region.id, key=key))


def get_solution(region: Region, key: str) -> Solution:
    return db.first_or_404(db.select(Solution).filter_by(region_id=region.id, key=key))


def get_account(region: Region, login: str) -> User:
    """An account of the region by its login (404 for others)."""
    return db.first_or_404(db.select(User).filter_by(region_id=region.id, login=login))


class _System:
    """The command line acts as an administrator of the platform."""

    id = None
    role = "admin"
    login = "system"
    is_authenticated = True
    region_id = None
    municipality_id = None


#: the acting "account" of CLI commands
SYSTEM = _System()


# --- Spielregeln ----------------------------------------------------------------------------
# Who may act; whether the rule's state allows it (a ballot open, a result fixed) is the
# services' business and answers 409, not 403.


def can_propose_rule(user: User | None, region: Region) -> bool:
    """Members and the coordinator propose rules; viewers read them."""
    return can_manage_region(user, region) or is_member_of(user, region)


def can_comment_rule(user: User | None, rule: Rule) -> bool:
    """Members and the coordinator of the region take part in the discussion."""
    return can_propose_rule(user, rule.region)


def can_revise_rule(user: User | None, rule: Rule) -> bool:
    """The proposer revises the text: the proposing account, or another account speaking for
    the municipality it was proposed for (admins too)."""
    if is_admin(user):
        return True
    if not (user and user.is_authenticated):
        return False
    if rule.proposer_id is not None and user.id == rule.proposer_id:
        return True
    return speaks_for(user, rule.region, rule.proposer_municipality)


def can_open_ballot(user: User | None, rule: Rule) -> bool:
    """The coordinator opens (and closes) ballots."""
    return can_manage_region(user, rule.region)


def can_withdraw_rule(user: User | None, rule: Rule) -> bool:
    """The proposer (as for revising) or the coordinator withdraws a proposal; that no
    ballot was opened yet is the service's check (409)."""
    return can_revise_rule(user, rule) or can_manage_region(user, rule.region)


def is_voting_membership(region: Region, membership: RegionMembership | None) -> bool:
    """A member of the region in one of its voting tiers (default: pioneers and members)."""
    return membership is not None and membership.region_id == region.id and (
        membership.tier in region.voting_tier_list)


def can_vote_on(user: User | None, rule: Rule, municipality: Municipality | None,
                electorate: Collection[int]) -> bool:
    """A member account votes on a ballot for its own municipality, if that municipality is
    in the ballot's ``electorate``: the region's voting members when the ballot opened
    (``Rule.electorate``). Joining the region or a voting tier later gives no vote on it."""
    return (municipality is not None and municipality.id in electorate
            and speaks_for(user, rule.region, municipality))


def can_record_proxy_vote(user: User | None, region: Region) -> bool:
    """The coordinator records a vote on a municipality's behalf (with a reference to its
    council decision or letter)."""
    return can_manage_region(user, region)


def own_membership(user: User | None, region: Region) -> RegionMembership | None:
    """The membership of the municipality a member account speaks for, in ``region``."""
    if not (user and user.is_authenticated and user.municipality_id):
        return None
    return db.session.scalar(db.select(RegionMembership).filter_by(
        region_id=region.id, municipality_id=user.municipality_id))


def can_apply_to_join(user: User | None, region: Region) -> bool:
    """A member account of another region applies for its municipality, if that municipality
    is not yet a member of ``region``."""
    return bool(
        user and user.is_authenticated and user.role == "member" and user.municipality_id
        and user.region_id != region.id and own_membership(user, region) is None
    )


def can_decide_join(user: User | None, region: Region) -> bool:
    """The coordinator approves or declines applications to join the region."""
    return can_manage_region(user, region)


def can_read_join_request(user: User | None, request: JoinRequest) -> bool:
    """The coordinator, and the applicant (the account or its municipality)."""
    return can_decide_join(user, request.region) or bool(
        user and user.is_authenticated and (
            user.id == request.requested_by_id
            or (user.municipality_id is not None
                and user.municipality_id == request.municipality_id)))


def can_request_initiative_join(user: User | None, initiative: Initiative) -> bool:
    """A member of the region asks to join an initiative with one of its actors: not one
    its municipality leads (it edits the initiative itself), and only while one of its
    actors in the region does not take part yet."""
    if (not is_member_of(user, initiative.region) or user.municipality_id is None
            or leads(user, initiative)):
        return False
    taking_part = {p.actor_id for p in initiative.participations}
    own = db.session.scalars(db.select(Actor.id).filter_by(
        region_id=initiative.region_id, municipality_id=user.municipality_id)).all()
    return any(actor_id not in taking_part for actor_id in own)


def can_decide_initiative_join(user: User | None, initiative: Initiative) -> bool:
    """The initiative's lead (or the coordinator) approves or declines."""
    return can_edit_initiative(user, initiative)


def can_decide_initiative_request(user: User | None, request: InitiativeJoinRequest) -> bool:
    """A member's request is decided by the initiative's lead (or the coordinator); an
    invitation by the lead only by the invited municipality's member accounts (its consent)."""
    if request.invited_by_lead:
        return speaks_for(user, request.initiative.region, request.actor.municipality)
    return can_decide_initiative_join(user, request.initiative)


def can_read_initiative_request_text(user: User | None, request: InitiativeJoinRequest) -> bool:
    """A request's message and the reason of its decision are read by whoever decides on it
    (the lead, the coordinator) and by the requesting municipality's member accounts; the
    pages show them to nobody else, and neither does the API."""
    if can_decide_initiative_join(user, request.initiative):
        return True
    municipality = request.actor.municipality
    return bool(
        user and user.is_authenticated and getattr(user, "id", None) is not None and (
            user.id == request.requested_by_id
            or speaks_for(user, request.initiative.region, municipality)))


def get_rule(region: Region, rule_id: int) -> Rule:
    return db.first_or_404(db.select(Rule).filter_by(region_id=region.id, id=rule_id))


def get_join_request(region: Region, request_id: int) -> JoinRequest:
    return db.first_or_404(db.select(JoinRequest).filter_by(region_id=region.id,
                                                            id=request_id))


def get_initiative_join_request(initiative: Initiative, request_id: int) -> InitiativeJoinRequest:
    return db.first_or_404(db.select(InitiativeJoinRequest).filter_by(
        initiative_id=initiative.id, id=request_id))


def get_format_invitation(fmt: Format, invitation_id: int) -> FormatInvitation:
    return db.first_or_404(db.select(FormatInvitation).filter_by(format_id=fmt.id,
                                                                 id=invitation_id))


# --- the relationship survey and self-service applications ----------------------------------


def can_open_survey(user: User | None, region: Region) -> bool:
    """The coordinator opens a round of the relationship survey."""
    return can_manage_region(user, region)


def can_read_survey_results(user: User | None, region: Region) -> bool:
    """The coordinator sees every answer, what it changed and the response rate."""
    return can_manage_region(user, region)


def can_answer_survey(user: User | None, region: Region, municipality: Municipality | None) -> bool:
    """A member account answers for its own municipality (admins for any)."""
    return is_admin(user) or speaks_for(user, region, municipality)


def can_decide_application(user: User | None, region: Region) -> bool:
    """The coordinator approves or declines applications of municipalities not yet on the
    platform."""
    return can_manage_region(user, region)
