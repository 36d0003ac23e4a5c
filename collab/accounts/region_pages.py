"""A region's accounts: invite, deactivate and reactivate (coordinator)."""


from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.accounts import forms as account_forms
from collab.accounts import services as account_services
from collab.core import forms
from collab.core import permissions as perm
from collab.core.models import Municipality, User
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.extensions import db
from collab.objects.kinds import (
    region_municipality_choices,
)

bp = Blueprint("region_accounts", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""




@bp.route("/<slug>/accounts", methods=["GET", "POST"])
def accounts(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_manage_accounts(current_user, region))
    form = account_forms.InviteForm()
    form.municipality.choices = forms.options([("", "—"), *region_municipality_choices(region)])
    if form.validate_on_submit():
        municipality = (db.session.scalar(sa.select(Municipality).filter_by(
            key=form.municipality.data)) if form.municipality.data else None)
        try:
            user = account_services.create_user(
                (form.login.data or "").strip(), None, form.role.data, region=region,
                municipality=municipality, display_name=form.display_name.data or "",
                by=current_user, email=form.email.data or "",
                language=form.language.data or "de")
        except (ValidationError, Conflict) as exc:
            forms.show_problems(form, exc)
        else:
            flash(_("Zugang „%(l)s“ angelegt. Die Einladung mit dem Link zum Setzen des "
                    "Passworts geht an %(e)s (7 Tage gültig).", l=user.login, e=user.email),
                  "success")
            return redirect(url_for(".accounts", slug=slug))
    users = db.session.scalars(sa.select(User).filter_by(region_id=region.id)
                               .order_by(User.login)).all()
    return render_template("accounts/region_accounts.html", region=region, form=form, users=users)


@bp.route("/<slug>/accounts/<login>/deactivate", methods=["GET", "POST"])
def deactivate_account(slug: str, login: str):
    """GET asks for confirmation and says what follows; POST deactivates the account."""
    region = perm.get_region(slug)
    account = perm.get_account(region, login)
    perm.require(perm.can_manage_account(current_user, region, account))
    form = forms.EmptyForm()
    if form.validate_on_submit():
        account_services.set_account_active(region, account, False, current_user)
        flash(_("Zugang „%(l)s“ ist deaktiviert: Er kann sich nicht mehr anmelden, und seine "
                "API-Tokens gelten nicht mehr.", l=account.login), "success")
        return redirect(url_for(".accounts", slug=slug))
    return render_template("accounts/confirm_account.html", region=region, account=account,
                           form=form)


@bp.route("/<slug>/accounts/<login>/activate", methods=["POST"])
def activate_account(slug: str, login: str):
    region = perm.get_region(slug)
    account = perm.get_account(region, login)
    perm.require(perm.can_manage_account(current_user, region, account))
    if forms.EmptyForm().validate_on_submit():
        account_services.set_account_active(region, account, True, current_user)
        flash(_("Zugang „%(l)s“ ist wieder freigeschaltet; seine früheren API-Tokens "
                "bleiben widerrufen.", l=account.login), "success")
    return redirect(url_for(".accounts", slug=slug))


