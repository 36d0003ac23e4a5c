"""The region's activity log page: local times, links to the objects, what changed (field:
before → after), filters by object, account and period, undo links."""


from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import (
    Blueprint,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.activity import summaries as activitylog
from collab.core import permissions as perm
from collab.core import validation, web
from collab.core.localtime import local_zone
from collab.core.models import Activity, User, utcnow
from collab.extensions import db

bp = Blueprint("activity", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""


def _day(name: str, label: str, problems: list[str]) -> dt.date | None:
    """The local date of the filter ``name``; a value that is no date (or outside the years
    the platform knows) is left out and named in ``problems``."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return validation.date(raw)
    except validation.Invalid as exc:
        problems.append(f"{label}: {exc}")
        return None


def _utc(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as naive UTC."""
    return dt.datetime.combine(day, dt.time(), local_zone()).astimezone(dt.UTC).replace(
        tzinfo=None)


@bp.route("/<slug>/activity")
def activity(slug: str):
    """The coordinator reads the whole log; a member account its own entries (to undo them).
    Filters: ``object`` (key), ``account`` (login), ``from``/``to`` (local dates)."""
    region = perm.get_region(slug)
    perm.require(perm.can_read_own_activity(current_user, region))
    query = sa.select(Activity).filter_by(region_id=region.id)
    if not perm.can_read_activity(current_user, region):
        query = query.filter_by(user_id=current_user.id)
    problems: list[str] = []
    filters = {"object": request.args.get("object", "").strip()[:200],
               "account": request.args.get("account", "").strip()[:80],
               "from": _day("from", _("von"), problems), "to": _day("to", _("bis"), problems)}
    if filters["object"]:
        query = query.where(Activity.target == filters["object"])
    if filters["account"]:
        query = query.join(User, User.id == Activity.user_id).where(
            User.login == filters["account"])
    if filters["from"]:
        query = query.where(Activity.at >= _utc(filters["from"]))
    if filters["to"]:
        query = query.where(Activity.at < _utc(filters["to"] + dt.timedelta(days=1)))
    page = db.paginate(query.order_by(Activity.at.desc(), Activity.id.desc()),
                       page=web.page_number(), per_page=50, error_out=False)
    if (last := web.past_the_end(page)) is not None:
        return last
    undone = set(db.session.scalars(sa.select(Activity.undo_of).where(
        Activity.undo_of.in_([a.id for a in page.items]))))
    entries = undone_entries(page.items)
    # the records the entries refer to by key (participants, a tie's ends), by name: one
    # query for the page
    names = activitylog.entry_names(region, [*page.items, *entries.values()])
    return render_template("activity/log.html", region=region, page=page, filters=filters,
                           problems=problems,
                           undone=undone, action_label=activitylog.action_label,
                           summary_text=lambda a: activitylog.summary_text(a, entries),
                           object_text=lambda a: activitylog.object_text(a, entries, names),
                           object_url=activitylog.object_url,
                           changed_fields=lambda a: activitylog.changed_fields(a, names),
                           can_undo=lambda a: perm.can_undo(current_user, region, a)
                           and a.before is not None and a.id not in undone
                           and a.at >= utcnow() - dt.timedelta(days=30))


def undone_entries(items: list[Activity], depth: int = 5) -> dict[int, Activity]:
    """The entries the undos among ``items`` undid, by id, and those undone by undos among
    them (an undo of an undo names the object of the first entry), ``depth`` steps deep."""
    found: dict[int, Activity] = {}
    wanted = {a.undo_of for a in items if a.undo_of is not None}
    for _step in range(depth):
        wanted -= found.keys()
        if not wanted:
            break
        more = db.session.scalars(sa.select(Activity).where(Activity.id.in_(wanted))).all()
        found.update((a.id, a) for a in more)
        wanted = {a.undo_of for a in more if a.undo_of is not None}
    return found
