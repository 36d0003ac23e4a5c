"""API: the calling account's settings (e-mail, language, notification choices) and its
notifications."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import force_locale

from collab.api import bp, json_body
from collab.notifications import services as notifications


@bp.get("/me")
def me():
    return jsonify(notifications.settings_record(g.api_user))


@bp.patch("/me")
def patch_me():
    """Change ``email`` (a new address needs ``current_password``), ``language`` (de, en)
    and ``choices`` ({kind: immediately|daily|off}); 422 names the field."""
    notifications.update_settings(g.api_user, json_body(), g.api_user)
    return jsonify(notifications.settings_record(g.api_user))


@bp.get("/notifications")
def notification_list():
    with force_locale(g.api_user.language or "de"):  # the language the account chose
        notes = [(n, *notifications.text_of(n)) for n in notifications.listing(g.api_user)]
    return jsonify({"unread": notifications.unread_count(g.api_user), "items": [
        {"id": n.id, "kind": n.kind, "subject": subject, "body": body, "url": n.url,
         "created_at": n.created_at.isoformat() + "Z",
         "read": n.read_at is not None} for n, subject, body in notes]})


@bp.post("/notifications/read")
def notifications_read():
    """Mark every unread notification of the account as read."""
    return jsonify({"marked": notifications.mark_read(g.api_user)})
