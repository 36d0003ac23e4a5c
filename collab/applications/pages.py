"""Pages of self-service applications: the public application form, the coordinator's list
and decision, and the one-time page on which the new member sets its password."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.applications import forms as application_forms
from collab.applications import services as application_services
from collab.core import permissions as perm
from collab.core.forms import show_problems
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.extensions import limiter
from collab.notifications import mail

bp = Blueprint("applications", __name__)


def _limit() -> str:
    return current_app.config.get("APPLICATION_LIMIT", "5 per hour")


@bp.route("/mitmachen/<slug>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def apply(slug: str):
    """Public: a municipality not yet on the platform applies to join the region."""
    region = perm.get_region(slug)
    form = application_forms.ApplicationForm()
    if form.validate_on_submit():
        try:
            application_services.apply(region, {name: getattr(form, name).data for name in (
                "name", "ags", "district", "email", "joined_by", "reference")})
        except (ValidationError, Conflict) as exc:
            show_problems(form, exc)
        else:
            return render_template("applications/thanks.html", region=region)
    return render_template("applications/apply.html", region=region, form=form), (
        422 if form.errors or form.form_errors else 200)


@bp.route("/regions/<slug>/applications")
@login_required
def index(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_decide_application(current_user, region))
    return render_template("applications/index.html", region=region,
                           applications=application_services.applications(region))


@bp.route("/regions/<slug>/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def decide(slug: str, application_id: int):
    """Approve (completing the municipality's facts) or decline with a reason."""
    region = perm.get_region(slug)
    perm.require(perm.can_decide_application(current_user, region))
    application = application_services.get_application(region, application_id)
    approval = application_forms.ApprovalForm(
        data=application_services.approval_defaults(region, application))
    decline = application_forms.DeclineForm()
    link = None
    if approval.approve.data and approval.validate_on_submit():
        try:
            _application, token = application_services.approve(
                region, application, {name: getattr(approval, name).data for name in (
                    "key", "kind", "state", "population", "tier", "login", "email")},
                current_user)
        except (ValidationError, Conflict) as exc:
            show_problems(approval, exc)
        else:
            # the site's address (BASE_URL), as in the mails, not the request's Host
            link = mail.absolute("applications.set_password", token=token)
            flash(_("Der Antrag ist genehmigt; Kommune und Zugang sind angelegt."), "success")
    elif decline.decline.data and decline.validate_on_submit():
        try:
            application_services.decline(region, application, decline.reason.data or "",
                                         current_user)
        except (ValidationError, Conflict) as exc:
            show_problems(decline, exc)
        else:
            flash(_("Der Antrag ist abgelehnt."), "info")
            return redirect(url_for(".index", slug=slug))
    return render_template("applications/decide.html", region=region, application=application,
                           approval=approval, decline=decline, link=link)


@bp.route("/konto/passwort-setzen/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def set_password(token: str):
    """Public, once: the new member sets its password through the link from the coordinator."""
    found = application_services.token_for(token)
    if found is None:
        return render_template("applications/token_invalid.html"), 404
    form = application_forms.SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = application_services.set_password(found, form.new.data or "",
                                                     form.repeat.data or "")
        except ValidationError as exc:
            show_problems(form, exc)
        else:
            flash(_("Ihr Passwort ist gesetzt. Melden Sie sich jetzt als %(l)s an.",
                    l=user.login), "success")
            return redirect(url_for("accounts.login"))
    return render_template("applications/set_password.html", form=form, login=found.user.login)
