"""Start page, language choice and the help page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from collab.core.models import Region, RegionMembership
from collab.core.web import safe_next
from collab.extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    own = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if own is not None:  # an account of one region lands on its overview
        return redirect(url_for("objects.overview", slug=own.slug))
    regions = db.session.execute(
        sa.select(Region, sa.func.count(RegionMembership.id))
        .outerjoin(RegionMembership).group_by(Region.id).order_by(Region.name)).all()
    return render_template("home/index.html", regions=regions)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language (de, en); a harmless preference, CSRF-protected."""
    if code in ("de", "en"):
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


@bp.route("/hilfe")
def help_page():
    return render_template("home/help.html")
