"""The region's activity log page."""


from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    render_template,
)
from flask_login import current_user, login_required

from collab.activity import summaries as activitylog
from collab.core import permissions as perm
from collab.core import web
from collab.core.models import Activity
from collab.extensions import db

bp = Blueprint("activity", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""


@bp.route("/<slug>/activity")
def activity(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_read_activity(current_user, region))
    page = db.paginate(sa.select(Activity).filter_by(region_id=region.id)
                       .order_by(Activity.at.desc(), Activity.id.desc()),
                       page=web.page_number(), per_page=50, error_out=False)
    return render_template("activity/log.html", region=region, page=page,
                           action_label=activitylog.action_label,
                           summary_text=activitylog.summary_text)


