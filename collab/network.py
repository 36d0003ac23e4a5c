"""Pages of a regional network: overview, and list/detail/create/edit/delete of its
municipalities, actors, initiatives and ties; bundle upload and download; accounts."""

from __future__ import annotations

import json
from collections import defaultdict

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import activitylog, bundle, forms, importing, services, vocab
from . import permissions as perm
from .extensions import db
from .graphdata import designated_taktgeber
from .kinds import (
    KINDS,
    actor_municipality_choices,
    filtered_query,
    participant_choices,
    region_municipality_choices,
    tie_end_choices,
)
from .models import Activity, Actor, Municipality, RegionMembership, Rule, Tie, User
from .services import Conflict
from .validation import ValidationError

bp = Blueprint("network", __name__, url_prefix="/regions")

KIND_PATH = "<any(municipalities,actors,initiatives,ties):kind>"


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""


def _kind(name: str):
    return KINDS[name]


# --- overview ---------------------------------------------------------------------------------


def level_matrix(region) -> list[dict]:
    """For each member: which of the three levels it has, through which organisation model,
    and ``covered_by``: the actor (``{"key", "name"}``) that fills its coordinating level from
    outside according to the analysis (the region's cached report, e.g. the designated
    Taktgeber), so the matrix and the analysis' gaps never disagree."""
    from . import reports, select_locale  # the analysis is the one source of the cover

    # only a designated Taktgeber covers members from outside: without one, the matrix
    # needs no analysis (which takes seconds on a national network with an empty cache)
    adopted = db.session.scalars(sa.select(Rule).filter_by(
        region_id=region.id, kind="taktgeber", status="adopted")).all()
    cover = {m["key"]: m["covered_by"] for m in reports.region_report(
        region, lang=select_locale())["org_models"]["members"]
        if m.get("covered_by")} if designated_taktgeber(adopted) else {}
    names = dict(db.session.execute(sa.select(Actor.key, Actor.name).where(
        Actor.region_id == region.id, Actor.key.in_(set(cover.values())))).all()) if cover else {}
    memberships = db.session.scalars(
        sa.select(RegionMembership).join(Municipality)
        .where(RegionMembership.region_id == region.id).order_by(Municipality.name)).all()
    actors = db.session.scalars(sa.select(Actor).where(
        Actor.region_id == region.id, Actor.municipality_id.is_not(None))).all()
    by_municipality: dict[int, dict[str, list[Actor]]] = defaultdict(lambda: defaultdict(list))
    for actor in actors:
        by_municipality[actor.municipality_id][actor.level].append(actor)
    return [{"membership": m, "levels": {lvl: by_municipality[m.municipality_id].get(lvl, [])
                                         for lvl in vocab.LEVELS},
             "covered_by": {"key": cover[m.municipality.key],
                            "name": names.get(cover[m.municipality.key],
                                              cover[m.municipality.key])}
             if m.municipality.key in cover else None} for m in memberships]


@bp.route("/<slug>")
def overview(slug: str):
    region = perm.get_region(slug)
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(
        filtered_query(kind, region, {}).order_by(None).subquery()))
        for name, kind in KINDS.items()}
    regional = db.session.scalars(sa.select(Actor).where(
        Actor.region_id == region.id, Actor.municipality_id.is_(None)).order_by(Actor.name)).all()
    return render_template("network/overview.html", region=region, counts=counts,
                           matrix=level_matrix(region), regional=regional,
                           upload=forms.BundleUploadForm())


# --- list, detail, create, edit, delete ---------------------------------------------------------


@bp.route(f"/<slug>/{KIND_PATH}")
def index(slug: str, kind: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    page = db.paginate(filtered_query(k, region, request.args),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(f"network/{kind}_list.html", region=region, kind=k, page=page,
                           args=request.args, can_add=k.can_add(current_user, region),
                           municipality_choices=region_municipality_choices(region))


def _fill_choices(form, region, kind: str, *, creating: bool) -> None:
    """Offer only what the account may choose (a member: its own municipality, ties
    touching its actors first, its own actors when proposing an initiative)."""
    if kind == "actors":
        form.municipality.choices = forms.options(
            actor_municipality_choices(current_user, region))
    elif kind == "ties":
        form.source.choices = tie_end_choices(current_user, region)
        form.target.choices = tie_end_choices(current_user, region)
        if not perm.can_manage_region(current_user, region):
            form.source.description = _("Mindestens ein Ende der Verbindung ist ein Akteur "
                                        "Ihrer Kommune.")
    elif kind == "initiatives":
        choices = forms.options(participant_choices(current_user, region, creating=creating))
        for entry in form.participants:
            entry.actor.choices = choices


def _choice_problems(form, region, kind: str, raw: dict) -> list[services.Problem]:
    """Choices the account may not make (a forged form): German field messages instead of a
    bare 403 page. The services check the same permissions again."""
    problems: list[services.Problem] = []
    if kind == "actors" and "municipality" in raw:
        allowed = {value for value, _label, *_rest in form.municipality.choices}
        if (raw["municipality"] or "") not in allowed:
            problems.append(services.Problem("municipality", _(
                "Kommune: Für diese Kommune können Sie keine Akteure anlegen oder ändern; "
                "bitte wählen Sie eine aus der Liste.")))
    elif kind == "ties":
        ends = {name: db.session.scalar(sa.select(Actor).filter_by(
            region_id=region.id, key=raw.get(name))) for name in ("source", "target")}
        if all(ends.values()) and not perm.can_edit_tie_between(
                current_user, region, ends["source"], ends["target"]):
            problems.append(services.Problem("source", _(
                "Von: Mindestens ein Ende der Verbindung muss ein Akteur Ihrer Kommune sein.")))
    elif kind == "initiatives":
        allowed = {value for value, _label, *_rest in form.participants[0].actor.choices} \
            if form.participants else set()
        for n, entry in enumerate(raw.get("participants", [])):
            if entry.get("actor") not in allowed:
                problems.append(services.Problem(f"participants[{n}].actor", _(
                    "Beteiligte: „%(k)s“ können Sie hier nicht eintragen; Akteure anderer "
                    "Kommunen bitten Sie über die Initiative um ihre Beteiligung.",
                    k=entry.get("actor"))))
    return problems


def _raw_from_form(form, kind: str, *, editing: bool) -> dict:
    raw = {name: field.data for name, field in form._fields.items()
           if name not in ("csrf_token", "submit")}
    if kind == "initiatives":
        raw["participants"] = [p for p in raw["participants"] if p.get("actor")]
    if kind == "actors" and not raw.get("municipality"):
        raw["municipality"] = None
    if editing:
        raw.pop("key", None)
    return raw


def _raise_if(problems: list[services.Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _show_problems(form, exc: Exception) -> None:
    problems = (exc.problems if isinstance(exc, ValidationError)
                else [services.Problem(exc.field, exc.message)])
    for problem in problems:
        field = getattr(form, problem.field.split("[")[0].split(".")[0], None)
        if field is not None and hasattr(field, "errors") and "[" not in problem.field:
            field.errors = [*list(field.errors or []), problem.message]
        else:
            form.form_errors.append(problem.message)
    flash(_("Bitte prüfen Sie die markierten Angaben; es wurde nichts gespeichert."), "error")


def _form_data(record: dict) -> dict:
    """An object's values as its edit form shows them: numbers in the interface language's
    notation (the validation reads both), no value as an empty field."""
    data = {k: ("" if v is None else v) for k, v in record.items()}
    for name in ("population", "area_km2", "lat", "lon", "capacity_fte", "weight"):
        if name in data and data[name] != "":
            data[name] = (str(data[name]) if isinstance(data[name], int)
                          else format_decimal(data[name], format="0.##########"))
    return data


@bp.route(f"/<slug>/{KIND_PATH}/new", methods=["GET", "POST"])
def create(slug: str, kind: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    perm.require(k.can_add(current_user, region))
    form = k.form()
    if kind == "initiatives" and request.method == "GET":
        for _n in range(4):
            form.participants.append_entry()
    if kind == "actors" and request.method == "GET" and current_user.role == "member":
        form.municipality.data = current_user.municipality.key if current_user.municipality else ""
    _fill_choices(form, region, kind, creating=True)
    if form.validate_on_submit():
        raw = _raw_from_form(form, kind, editing=False)
        try:
            _raise_if(_choice_problems(form, region, kind, raw))
            obj = k.add(region, raw, current_user)
        except (ValidationError, Conflict) as exc:
            _show_problems(form, exc)
        else:
            flash(_("%(what)s „%(name)s“ wurde angelegt.", what=k.title_one,
                    name=k.name_of(obj)), "success")
            return redirect(url_for(".detail", slug=slug, kind=kind, key=k.key_of(obj)))
    return render_template("network/form.html", region=region, kind=k, form=form, obj=None)


@bp.route(f"/<slug>/{KIND_PATH}/<key>")
def detail(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    context = {}
    if kind == "municipalities":
        context["actors"] = db.session.scalars(sa.select(Actor).filter_by(
            region_id=region.id, municipality_id=obj.municipality_id).order_by(Actor.name)).all()
    if kind == "actors":
        context["ties"] = db.session.scalars(sa.select(Tie).where(
            Tie.region_id == region.id,
            sa.or_(Tie.source_id == obj.id, Tie.target_id == obj.id)).order_by(Tie.key)).all()
    return render_template(f"network/{kind}_detail.html", region=region, kind=k, obj=obj,
                           can_edit=k.can_edit(current_user, region, obj),
                           can_delete=k.can_delete(current_user, region, obj),
                           delete_form=forms.EmptyForm(), **context)


@bp.route(f"/<slug>/{KIND_PATH}/<key>/edit", methods=["GET", "POST"])
def edit(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    perm.require(k.can_edit(current_user, region, obj))
    form = k.form(data=_form_data(k.edit_values(obj))) if request.method == "GET" else k.form()
    if kind == "initiatives" and request.method == "GET":
        for _n in range(3):
            form.participants.append_entry()
    _fill_choices(form, region, kind, creating=False)
    if form.validate_on_submit():
        raw = _raw_from_form(form, kind, editing=True)
        try:
            _raise_if(_choice_problems(form, region, kind, raw))
            k.update(region, obj, raw, current_user)
        except (ValidationError, Conflict) as exc:
            _show_problems(form, exc)
        else:
            flash(_("Änderungen an „%(name)s“ gespeichert.", name=k.name_of(obj)), "success")
            return redirect(url_for(".detail", slug=slug, kind=kind, key=key))
    return render_template("network/form.html", region=region, kind=k, form=form, obj=obj)


@bp.route(f"/<slug>/{KIND_PATH}/<key>/delete", methods=["GET", "POST"])
def delete(slug: str, kind: str, key: str):
    """GET asks for confirmation and lists what goes with the object; POST deletes."""
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    perm.require(k.can_delete(current_user, region, obj))
    form = forms.EmptyForm()
    if form.validate_on_submit():
        name = k.name_of(obj)
        k.delete(region, obj, current_user)
        flash(_("%(what)s „%(name)s“ wurde gelöscht.", what=k.title_one, name=name), "success")
        return redirect(url_for(".index", slug=slug, kind=kind))
    return render_template("network/confirm_delete.html", region=region, kind=k, obj=obj,
                           form=form, consequences=k.consequences(region, obj))


# --- bundle -----------------------------------------------------------------------------------


@bp.route("/<slug>/bundle.json")
def download_bundle(slug: str):
    region = perm.get_region(slug)
    body = json.dumps(bundle.export_bundle(region), ensure_ascii=False, indent=2)
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{region.slug}.json"'})


@bp.route("/<slug>/bundle", methods=["POST"])
def upload_bundle(slug: str):
    """Step 1: check the uploaded bundle (a dry run) and show what the import would add,
    change and remove; a valid bundle is kept aside for step 2."""
    region = perm.get_region(slug)
    perm.require(perm.can_import_bundle(current_user, region))
    form = forms.BundleUploadForm()
    problems, summary, changes, confirm = [], None, {}, None
    if form.validate_on_submit():
        body = form.bundle.data.read()
        doc, problems = importing.parse_upload(body)
        if not problems:
            try:
                summary = bundle.import_bundle(doc, current_user, slug=slug, dry_run=True)
            except ValidationError as exc:
                problems = exc.problems
            else:
                changes = importing.preview(region, doc)
                if summary["changed"]:
                    confirm = forms.BundleConfirmForm(
                        digest=importing.stage(slug, current_user, body))
    else:
        problems = [services.Problem(name, msg) for name, msgs in form.errors.items()
                    for msg in msgs]
    if problems:
        flash(_("Das Bündel wurde nicht importiert; es wurde nichts geändert."), "error")
    return render_template("network/import_result.html", region=region, problems=problems,
                           summary=summary, changes=changes, confirm=confirm,
                           sections=activitylog.SECTIONS)


@bp.route("/<slug>/bundle/import", methods=["POST"])
def confirm_import(slug: str):
    """Step 2: import the checked bundle the coordinator confirmed."""
    region = perm.get_region(slug)
    perm.require(perm.can_import_bundle(current_user, region))
    form = forms.BundleConfirmForm()
    body = (importing.staged(slug, current_user, form.digest.data)
            if form.validate_on_submit() else None)
    if body is None:
        flash(_("Die geprüfte Datei liegt nicht mehr vor. Bitte laden Sie das Bündel erneut "
                "hoch; es wurde nichts geändert."), "error")
        return redirect(url_for(".overview", slug=slug))
    doc, problems = importing.parse_upload(body)
    summary = None
    if not problems:
        try:
            summary = bundle.import_bundle(doc, current_user, slug=slug)
        except ValidationError as exc:  # the region changed since the check
            problems = exc.problems
    importing.discard(slug, current_user, form.digest.data)
    if problems:
        flash(_("Das Bündel wurde nicht importiert; es wurde nichts geändert."), "error")
    else:
        flash(_("Bündel importiert."), "success")
    return render_template("network/import_result.html", region=region, problems=problems,
                           summary=summary, changes={}, confirm=None,
                           sections=activitylog.SECTIONS)


# --- accounts and activity ----------------------------------------------------------------------


@bp.route("/<slug>/accounts", methods=["GET", "POST"])
def accounts(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_manage_accounts(current_user, region))
    form = forms.InviteForm()
    form.municipality.choices = forms.options([("", "—"), *region_municipality_choices(region)])
    created = None
    if form.validate_on_submit():
        import secrets

        password = secrets.token_urlsafe(9)
        municipality = (db.session.scalar(sa.select(Municipality).filter_by(
            key=form.municipality.data)) if form.municipality.data else None)
        try:
            user = services.create_user(
                (form.login.data or "").strip(), password, form.role.data, region=region,
                municipality=municipality, display_name=form.display_name.data or "",
                by=current_user)
        except (ValidationError, Conflict) as exc:
            _show_problems(form, exc)
        else:
            created = (user, password)
            flash(_("Zugang „%(l)s“ angelegt. Geben Sie das Startpasswort sicher weiter; es "
                    "wird nur jetzt angezeigt.", l=user.login), "success")
    users = db.session.scalars(sa.select(User).filter_by(region_id=region.id)
                               .order_by(User.login)).all()
    return render_template("network/accounts.html", region=region, form=form, users=users,
                           created=created)


@bp.route("/<slug>/accounts/<login>/deactivate", methods=["GET", "POST"])
def deactivate_account(slug: str, login: str):
    """GET asks for confirmation and says what follows; POST deactivates the account."""
    region = perm.get_region(slug)
    account = perm.get_account(region, login)
    perm.require(perm.can_manage_account(current_user, region, account))
    form = forms.EmptyForm()
    if form.validate_on_submit():
        services.set_account_active(region, account, False, current_user)
        flash(_("Zugang „%(l)s“ ist deaktiviert: Er kann sich nicht mehr anmelden, und seine "
                "API-Tokens gelten nicht mehr.", l=account.login), "success")
        return redirect(url_for(".accounts", slug=slug))
    return render_template("network/confirm_account.html", region=region, account=account,
                           form=form)


@bp.route("/<slug>/accounts/<login>/activate", methods=["POST"])
def activate_account(slug: str, login: str):
    region = perm.get_region(slug)
    account = perm.get_account(region, login)
    perm.require(perm.can_manage_account(current_user, region, account))
    if forms.EmptyForm().validate_on_submit():
        services.set_account_active(region, account, True, current_user)
        flash(_("Zugang „%(l)s“ ist wieder freigeschaltet; seine früheren API-Tokens "
                "bleiben widerrufen.", l=account.login), "success")
    return redirect(url_for(".accounts", slug=slug))


@bp.route("/<slug>/activity")
def activity(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_read_activity(current_user, region))
    page = db.paginate(sa.select(Activity).filter_by(region_id=region.id)
                       .order_by(Activity.at.desc(), Activity.id.desc()),
                       per_page=50, error_out=False)
    return render_template("network/activity.html", region=region, page=page,
                           action_label=activitylog.action_label,
                           summary_text=activitylog.summary_text)


