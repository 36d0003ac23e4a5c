"""Pages of the solutions beyond their catalogue entry (which :mod:`collab.objects.pages`
shows like every object kind): what a municipality uses or wants, re-use requests and their
answers, and the regions side by side for agency staff."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.analysis import reports
from collab.core import forms, vocab
from collab.core import permissions as perm
from collab.core.models import ReuseRequest
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.extensions import db
from collab.objects import forms as object_forms
from collab.objects import services as object_services
from collab.solutions import services

bp = Blueprint("solutions", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page needs a signed-in account."""


def _back(slug: str, key: str, anchor: str = "") -> str:
    return url_for("objects.detail", slug=slug, kind="solutions", key=key) + anchor


def _flash_problems(exc: Exception) -> None:
    problems = exc.problems if isinstance(exc, ValidationError) else [exc]
    for p in problems:
        flash(p.message, "error")


@bp.post("/<slug>/solutions/<key>/uses")
def set_use(slug: str, key: str):
    """A municipality says it uses, re-used or wants the solution (for itself)."""
    region = perm.get_region(slug)
    solution = perm.get_solution(region, key)
    form = object_forms.SolutionUseForm()
    form.municipality.choices = [(m.municipality.key, m.municipality.name)
                                 for m in region.memberships]
    if not form.validate_on_submit():
        flash(_("Das Formular war abgelaufen; bitte erneut senden."), "error")
        return redirect(_back(slug, key, "#nutzung"))
    membership = next((m for m in region.memberships
                       if m.municipality.key == form.municipality.data), None)
    perm.require(perm.can_edit_solution_use(
        current_user, region, membership.municipality if membership else None))
    try:
        object_services.set_solution_use(region, solution, {
            "municipality": form.municipality.data, "relation": form.relation.data,
            "source": form.source.data,
            "provenance": "documented" if perm.can_manage_region(current_user, region)
            else "self_reported"}, current_user)
    except (ValidationError, Conflict) as exc:
        _flash_problems(exc)
    else:
        flash(_("Eingetragen."), "success")
    return redirect(_back(slug, key, "#nutzung"))


@bp.route("/<slug>/solutions/<key>/uses/<municipality>/<relation>/delete",
          methods=["GET", "POST"])
def remove_use(slug: str, key: str, municipality: str, relation: str):
    """GET asks for confirmation; POST removes what a municipality said it uses, re-used or
    wants (only the municipality itself or the coordinator may)."""
    region = perm.get_region(slug)
    solution = perm.get_solution(region, key)
    use = object_services.solution_use(solution, municipality, relation)
    perm.require(perm.can_edit_solution_use(current_user, region, use.municipality))
    form = forms.EmptyForm()
    if form.validate_on_submit():
        object_services.remove_solution_use(region, solution, municipality, relation,
                                            current_user)
        flash(_("Eintrag entfernt."), "success")
        return redirect(_back(slug, key, "#nutzung"))
    return render_template("solutions/remove_use.html", region=region, solution=solution,
                           use=use, form=form)


@bp.route("/<slug>/solutions/<key>/reuse", methods=["GET", "POST"])
def request_reuse(slug: str, key: str):
    """A member asks to re-use the solution."""
    region = perm.get_region(slug)
    solution = perm.get_solution(region, key)
    perm.require(perm.can_request_reuse(current_user, solution))
    form = object_forms.ReuseRequestForm()
    if form.validate_on_submit():
        try:
            services.request_reuse(region, solution, {"message": form.message.data},
                                   current_user)
        except (ValidationError, Conflict) as exc:
            forms.show_problems(form, exc)
        else:
            flash(_("Ihre Anfrage wurde gestellt; die Eigentümerin der Lösung entscheidet.")
                  if perm.reuse_owner_decides(solution) else
                  _("Ihre Anfrage wurde gestellt; die Koordination der Region entscheidet."),
                  "success")
            return redirect(_back(slug, key, "#nachnutzung"))
    return render_template("solutions/request.html", region=region, solution=solution,
                           form=form)


@bp.post("/<slug>/solutions/<key>/reuse/<int:request_id>")
def decide_reuse(slug: str, key: str, request_id: int):
    """The owner's municipality (or the coordinator) approves or declines a request."""
    region = perm.get_region(slug)
    solution = perm.get_solution(region, key)
    req = db.first_or_404(db.select(ReuseRequest).filter_by(solution_id=solution.id,
                                                            id=request_id))
    perm.require(perm.can_decide_reuse(current_user, solution))
    if not forms.EmptyForm().validate_on_submit():
        flash(_("Das Formular war abgelaufen; bitte erneut senden."), "error")
        return redirect(_back(slug, key, "#nachnutzung"))
    try:
        services.decide_reuse(region, req, {"approve": request.form.get("approve") == "1",
                                            "reason": request.form.get("reason", "")},
                              current_user)
    except (ValidationError, Conflict) as exc:
        _flash_problems(exc)
    else:
        flash(_("Entschieden."), "success")
    return redirect(_back(slug, key, "#nachnutzung"))


@bp.route("/compare")
def compare():
    """The regions the account reads, side by side, and the municipalities through which
    knowledge and solutions cross their borders."""
    regions = services.readable_regions(current_user)
    wanted = request.args.getlist("region")
    if wanted:
        regions = [r for r in regions if r.slug in wanted]
    columns = [services.region_facts(r, reports.latest(r).report) for r in regions]
    return render_template("solutions/compare.html", columns=columns, gap_kinds=vocab.GAP_KINDS,
                           crossing=services.crossing_paths(regions))
