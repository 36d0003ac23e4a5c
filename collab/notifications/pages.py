"""The account's notifications (list, unread count in the header, settings), the
unsubscribe link of a mail, and the admin's outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.core import permissions as perm
from collab.core.forms import EmptyForm, show_problems
from collab.core.models import OutboxMail
from collab.core.validation import ValidationError
from collab.core.web import safe_next
from collab.extensions import db
from collab.notifications import services
from collab.notifications.forms import settings_form

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def header_counts():
    """The unread count of the header, asked for only where the header shows it."""
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return current_user.unread_notifications  # loaded with the account
    return {"unread_notifications": unread_notifications}


@bp.route("/benachrichtigungen")
@login_required
def index():
    notes = [(n, *services.text_of(n)) for n in services.listing(current_user)]
    return render_template("notifications/index.html", notes=notes, form=EmptyForm(),
                           unread=sum(1 for n, _s, _b in notes if n.read_at is None))


@bp.route("/benachrichtigungen/<int:note_id>/oeffnen", methods=["POST"])
@login_required
def open_note(note_id: int):
    """Mark one notification read and go to its page."""
    note = services.get_own(current_user, note_id)
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user, [note])
        return redirect(safe_next(note.url) or url_for(".index"))
    return redirect(url_for(".index"))


@bp.route("/benachrichtigungen/gelesen", methods=["POST"])
@login_required
def mark_all_read():
    if EmptyForm().validate_on_submit():
        count = services.mark_read(current_user)
        flash(_("%(n)d Benachrichtigung(en) als gelesen markiert.", n=count), "success")
    return redirect(url_for(".index"))


@bp.route("/konto/benachrichtigungen", methods=["GET", "POST"])
@login_required
def settings():
    form = settings_form(current_user, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        raw = {"email": form.email.data or "", "current_password": form.current_password.data,
               "language": form.language.data,
               "choices": {k: getattr(form, f"kind_{k}").data
                           for k in services.kinds_for(current_user)}}
        try:
            services.update_settings(current_user, raw, current_user)
        except ValidationError as exc:
            show_problems(form, exc)
        else:
            flash(_("Ihre Einstellungen wurden gespeichert."), "success")
            return redirect(url_for(".settings"))
    kinds = [getattr(form, f"kind_{k}") for k in services.kinds_for(current_user)]
    return render_template("notifications/settings.html", form=form, kinds=kinds)


@bp.route("/benachrichtigungen/abbestellen/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """A mail's unsubscribe link: GET asks, POST turns the kind's mails off (no sign-in
    needed: the signed link names account and kind)."""
    user, kind = services.read_unsubscribe_token(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    form = EmptyForm()
    if form.validate_on_submit():
        services.unsubscribe(user, kind)
        return render_template("notifications/unsubscribe.html", done=True,
                               label=services.KINDS[kind])
    return render_template("notifications/unsubscribe.html", form=form,
                           label=services.KINDS[kind])


@bp.route("/admin/postausgang")
@login_required
def outbox():
    """Every mail the platform queued (without a mail server: what would have been sent)."""
    if not perm.is_admin(current_user):
        abort(403)
    mails = db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc())
                               .limit(200)).all()
    return render_template("notifications/outbox.html", mails=mails)
