"""Bundle pages of a region: download, upload with a dry run, and the confirmed import."""


from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.activity import summaries as activitylog
from collab.bundles import forms as bundle_forms
from collab.bundles import services as bundle
from collab.bundles import sheets
from collab.bundles import staging as importing
from collab.core import permissions as perm
from collab.core import validation
from collab.core.validation import ValidationError

bp = Blueprint("bundles", __name__, url_prefix="/regions")


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""




@bp.route("/<slug>/bundle.json")
def download_bundle(slug: str):
    region = perm.get_region(slug)
    body = json.dumps(bundle.export_bundle(region), ensure_ascii=False, indent=2)
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{region.slug}.json"'})


@bp.route("/<slug>/bundle.xlsx")
def download_workbook(slug: str):
    """The region as an Excel workbook, one sheet per kind."""
    region = perm.get_region(slug)
    return Response(sheets.workbook_bytes(bundle.export_bundle(region)),
                    mimetype=sheets.XLSX_MIME, headers={
                        "Content-Disposition": f'attachment; filename="{region.slug}.xlsx"'})


@bp.route("/<slug>/vorlage.xlsx")
def download_template(slug: str):
    """An empty workbook with drop-down lists of the allowed values and an explanation
    sheet; the Region sheet names this region."""
    region = perm.get_region(slug)
    doc = {"region": bundle.export_bundle(region)["region"]}
    return Response(sheets.workbook_bytes(doc, template=True), mimetype=sheets.XLSX_MIME,
                    headers={"Content-Disposition":
                             f'attachment; filename="{region.slug}-vorlage.xlsx"'})


@bp.route("/<slug>/bundle", methods=["POST"])
def upload_bundle(slug: str):
    """Step 1: check the uploaded bundle (a dry run) and show what the import would add,
    change and remove; a valid bundle is kept aside for step 2."""
    region = perm.get_region(slug)
    perm.require(perm.can_import_bundle(current_user, region))
    form = bundle_forms.BundleUploadForm()
    if not form.validate_on_submit():
        checked = importing.Checked(importing.Upload(b""), [
            validation.Problem(name, msg) for name, msgs in form.errors.items()
            for msg in msgs])
    else:
        checked = importing.check(region, current_user, importing.Upload(
            form.bundle.data.read(), form.bundle.data.filename or "",
            merge=bool(form.merge.data)))
    return _preview(region, checked)


def _preview(region, checked: importing.Checked):
    """The dry run's result: its problems, or what the import would change with the
    confirmation (the upload kept aside) when it changes anything."""
    confirm = None
    if checked.changed:
        confirm = bundle_forms.BundleConfirmForm(
            formdata=None, digest=importing.stage(region.slug, current_user, checked.upload))
    if checked.problems:
        flash(_("Das Bündel wurde nicht importiert; es wurde nichts geändert."), "error")
    return render_template("bundles/import_result.html", region=region,
                           problems=checked.problems, summary=checked.summary,
                           changes=checked.changes, confirm=confirm,
                           sections=activitylog.SECTIONS)


@bp.route("/<slug>/bundle/import", methods=["POST"])
def confirm_import(slug: str):
    """Step 2: import the checked bundle the coordinator confirmed, unless the region
    changed since its preview: then nothing is imported, and the preview is shown again as
    the region is now, for a fresh confirmation."""
    region = perm.get_region(slug)
    perm.require(perm.can_import_bundle(current_user, region))
    form = bundle_forms.BundleConfirmForm()
    digest = form.digest.data if form.validate_on_submit() else ""
    upload = importing.staged(slug, current_user, digest)
    if upload is None:
        flash(_("Die geprüfte Datei liegt nicht mehr vor. Bitte laden Sie das Bündel erneut "
                "hoch; es wurde nichts geändert."), "error")
        return redirect(url_for("objects.overview", slug=slug))
    problems, summary = [], None
    try:
        summary = importing.confirm(region, current_user, upload)
    except bundle.RegionChanged as exc:
        importing.discard(slug, current_user, digest)
        flash(exc.message, "error")
        return _preview(region, importing.check(region, current_user, upload))
    except ValidationError as exc:
        problems = exc.problems
    importing.discard(slug, current_user, digest)
    if problems:
        flash(_("Das Bündel wurde nicht importiert; es wurde nichts geändert."), "error")
    else:
        flash(_("Bündel importiert."), "success")
    return render_template("bundles/import_result.html", region=region, problems=problems,
                           summary=summary, changes={}, confirm=None,
                           sections=activitylog.SECTIONS)
