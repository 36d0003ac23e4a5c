"""Start page, language choice and the help page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from collab.analysis import reports
from collab.core import permissions as perm
from collab.core import vocab
from collab.core.collation import by_name
from collab.core.models import Region, RegionMembership
from collab.core.web import page_to_return_to, select_locale
from collab.extensions import db
from collab.history.services import UNDO_DAYS
from collab.home import services
from collab.surveys.services import MAX_NEW_PARTNERS, MAX_NEW_PARTNERS_PER_ROUND, MAX_PARTNERS

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    own = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if own is not None and perm.own_membership(current_user, own) is not None:
        return redirect(url_for("home.municipality"))  # a member lands on "Ihre Kommune"
    if own is not None and perm.can_manage_region(current_user, own):
        return redirect(url_for("home.coordination"))
    if own is not None:  # another account of one region lands on its overview
        return redirect(url_for("objects.overview", slug=own.slug))
    regions = by_name(db.session.execute(
        sa.select(Region, sa.func.count(RegionMembership.id))
        .outerjoin(RegionMembership).group_by(Region.id)).all(),
        lambda row: row[0].name, lambda row: row[0].slug)
    return render_template("home/index.html", regions=regions)


@bp.route("/kommune")
@login_required
def municipality():
    """"Ihre Kommune": what waits for the member's municipality."""
    region = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if region is None or perm.own_membership(current_user, region) is None:
        return redirect(url_for("home.index"))
    latest = reports.latest(region, lang=select_locale())
    context = services.municipality_home(region, current_user, latest.report)
    return render_template("home/municipality.html", region=region, analysis=latest,
                           severities=vocab.GAP_SEVERITIES, **context)


@bp.route("/koordination")
@login_required
def coordination():
    """The coordinator's desk: requests, ballots closing, drafts, new members."""
    region = db.session.get(Region, current_user.region_id) if current_user.region_id else None
    if region is None or not perm.can_manage_region(current_user, region):
        return redirect(url_for("home.index"))
    return render_template("home/coordination.html", region=region,
                           **services.coordinator_home(region))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language (de, en); a harmless preference, CSRF-protected."""
    if code in ("de", "en"):
        session["lang"] = code
    return redirect(page_to_return_to(request.form.get("next")) or url_for("home.index"))


#: the HTTP methods of an OpenAPI path item, in the order the API page lists them
METHODS = ("get", "post", "put", "patch", "delete")


@bp.route("/hilfe/api")
def api_page():
    """The API's calls to read (the OpenAPI document as a page): each path with its methods,
    what they do, their parameters and answers, grouped by what they are about."""
    from collab.api import openapi

    doc = openapi.document(url_for("api.regions", _external=False))
    groups: dict[str, list] = {}
    for path, item in doc["paths"].items():
        parts = [p for p in path.split("/") if p and not p.startswith("{")]
        topic = parts[1] if len(parts) > 1 and parts[0] == "regions" else parts[0]
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = item[method]
                names = [p["name"] for p in shared + op.get("parameters", [])
                         if p.get("in") == "query"]
                groups.setdefault(topic, []).append({
                    "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                    "description": op.get("description", ""), "query": names,
                    "body": "requestBody" in op,
                    "responses": sorted(op.get("responses", {}))})
    return render_template("home/api.html", groups=groups, base=doc["servers"][0]["url"]
                           if doc.get("servers") else "/api/v1", version=doc["info"]["version"])


@bp.route("/hilfe")
def help_page():
    return render_template("home/help.html", undo_days=UNDO_DAYS, survey_limits={
        "partners": MAX_PARTNERS, "new": MAX_NEW_PARTNERS,
        "new_round": MAX_NEW_PARTNERS_PER_ROUND})
