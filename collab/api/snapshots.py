"""API: snapshots of a region (list, save, read, delete, restore)."""

from __future__ import annotations

from flask import abort, g, jsonify

from collab.api import bp, json_body
from collab.core import permissions as perm
from collab.core.validation import Problem, ValidationError
from collab.history import services as history


def snapshot_record(snap, *, bundle: bool = False) -> dict:
    record = {"id": snap.id, "name": snap.name, "date": snap.date.isoformat(),
              "kind": snap.kind, "created_at": snap.created_at.isoformat() + "Z",
              "created_by": snap.created_by.login if snap.created_by else None,
              "summary": snap.summary,
              # the key figures are analysed in the background when no stored report of
              # that moment had them: "pending" (summary null) until they are there;
              # "failed" when their analysis failed (tried again from summary_retry_at;
              # null after the last attempt)
              "summary_state": history.summary_state(snap)}
    if record["summary_state"] == "failed":
        at = history.retry_at(snap.summary_attempts, snap.summary_failed_at)
        record["summary_retry_at"] = at.isoformat() + "Z" if at is not None else None
    if bundle:
        record["bundle"] = snap.bundle
    return record


def _region(slug: str):
    region = perm.get_region(slug)
    if not perm.can_manage_snapshots(g.api_user, region):
        abort(403)
    return region


@bp.get("/regions/<slug>/snapshots")
def list_snapshots(slug: str):
    region = _region(slug)
    found = history.snapshots(region)
    history.queue_missing(region, found)
    return jsonify([snapshot_record(s) for s in found])


@bp.post("/regions/<slug>/snapshots")
def create_snapshot(slug: str):
    region = _region(slug)
    snap = history.save_snapshot(region, json_body(), g.api_user)
    return jsonify(snapshot_record(snap)), 201


@bp.get("/regions/<slug>/snapshots/<int:snapshot_id>")
def get_snapshot(slug: str, snapshot_id: int):
    region = _region(slug)
    snap = history.get_snapshot(region, snapshot_id)
    history.queue_missing(region, [snap])
    return jsonify(snapshot_record(snap, bundle=True))


@bp.delete("/regions/<slug>/snapshots/<int:snapshot_id>")
def delete_snapshot(slug: str, snapshot_id: int):
    region = _region(slug)
    history.delete_snapshot(region, history.get_snapshot(region, snapshot_id), g.api_user)
    return "", 204


@bp.post("/regions/<slug>/snapshots/<int:snapshot_id>/restore")
def restore_snapshot(slug: str, snapshot_id: int):
    region = _region(slug)
    snap = history.get_snapshot(region, snapshot_id)
    if json_body().get("confirm") is not True:
        raise ValidationError([Problem("confirm", _confirm_text())])
    result = history.restore(region, snap, g.api_user)
    return jsonify(result)


def _confirm_text() -> str:
    from flask_babel import gettext as _

    return _("Bestätigung: {\"confirm\": true} erforderlich; die Wiederherstellung ersetzt "
             "den Stand der Region (der aktuelle Stand wird vorher gespeichert).")
