"""Who may do what: every permission rule of the platform, as documented predicates.

Views and API endpoints load objects with the helpers at the end (404 for unknown objects,
403 for objects the account may not act on); services call the predicates again before they
change anything, so a rule holds for the pages and the API alike.
"""

from __future__ import annotations

from flask import abort

from .extensions import db
from .models import Actor, Initiative, Municipality, Region, RegionMembership, Tie, User


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


def speaks_for(user: User | None, region: Region, municipality: Municipality | None) -> bool:
    """A member account speaks for its own municipality in its own region, and no other."""
    return bool(
        user and user.is_authenticated and user.role == "member" and municipality is not None
        and user.region_id == region.id and user.municipality_id == municipality.id
    )


def is_member_of(user: User | None, region: Region) -> bool:
    """A member account of this region."""
    return bool(
        user and user.is_authenticated and user.role == "member" and user.region_id == region.id
    )


def can_add_municipality(user: User | None, region: Region) -> bool:
    """Only the coordinator adds members to a region."""
    return can_manage_region(user, region)


def can_edit_municipality(user: User | None, region: Region, municipality: Municipality) -> bool:
    """The coordinator, or the member that speaks for this municipality."""
    return can_manage_region(user, region) or speaks_for(user, region, municipality)


def can_delete_municipality(user: User | None, region: Region, municipality: Municipality) -> bool:
    """Removing a member from the region is the coordinator's decision."""
    return can_manage_region(user, region)


def can_edit_actor_of(user: User | None, region: Region, municipality: Municipality | None) -> bool:
    """Actors of a municipality are edited by its member account or the coordinator;
    regional bodies (no municipality) by the coordinator only."""
    return can_manage_region(user, region) or speaks_for(user, region, municipality)


def can_edit_actor(user: User | None, actor: Actor) -> bool:
    return can_edit_actor_of(user, actor.region, actor.municipality)


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


def can_import_bundle(user: User | None, region: Region | None) -> bool:
    """Importing replaces a region's data: its coordinator or an admin; a new region: admin."""
    return can_manage_region(user, region) if region is not None else is_admin(user)


def can_manage_accounts(user: User | None, region: Region) -> bool:
    """The coordinator invites accounts for its region."""
    return can_manage_region(user, region)


def can_read_activity(user: User | None, region: Region) -> bool:
    """The activity log is for the coordinator."""
    return can_manage_region(user, region)


# --- load and check --------------------------------------------------------------------------


def require(allowed: bool) -> None:
    """Abort with 403 unless ``allowed``."""
    if not allowed:
        abort(403)


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
