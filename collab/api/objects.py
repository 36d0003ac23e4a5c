"""API: list, create, read, change and delete the five object kinds (municipalities, actors,
initiatives, ties, formats)."""


from __future__ import annotations

from flask import abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from collab.api import KIND_PATH, bp, json_body  # noqa: F401
from collab.core import permissions as perm
from collab.core.validation import ValidationError
from collab.objects import counts as object_counts
from collab.objects.kinds import (
    KINDS,
    MAX_PER_PAGE,
    list_params,
)


@bp.get(f"/regions/<slug>/{KIND_PATH}")
def list_objects(slug: str, kind: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    number, per_page, problems = list_params(k, request.args)
    if problems:
        raise ValidationError(problems)
    page = object_counts.list_page(k, region, request.args, number, per_page, MAX_PER_PAGE)
    return jsonify({"items": [k.record(o) for o in page.items], "page": page.page,
                    "pages": page.pages, "per_page": page.per_page, "total": page.total})


@bp.post(f"/regions/<slug>/{KIND_PATH}")
def create_object(slug: str, kind: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    if not k.can_add(g.api_user, region):
        abort(403)
    obj = k.add(region, json_body(), g.api_user)
    body = k.record(obj)
    if getattr(obj, "sent_invitations", None):
        body["invitations"] = _invitations(obj.sent_invitations)
    if getattr(obj, "differences", None):  # a shared municipality linked: not applied
        body["differences"] = obj.differences
    response = jsonify(body)
    response.headers["Location"] = url_for(".get_object", slug=slug, kind=kind,
                                           key=k.key_of(obj))
    return response, 201


@bp.get(f"/regions/<slug>/{KIND_PATH}/<key>")
def get_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    return jsonify(k.record(k.load(region, key)))


@bp.patch(f"/regions/<slug>/{KIND_PATH}/<key>")
def patch_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    obj = k.load(region, key)
    if not k.can_edit(g.api_user, region, obj):
        abort(403)
    k.update(region, obj, json_body(), g.api_user)
    answer = k.record(obj)
    sent = getattr(obj, "sent_invitations", None)
    if sent:
        answer["invitations"] = _invitations(sent)
    return jsonify(answer)


def _invitations(sent: list) -> list[dict]:
    """A member's change to another municipality's participation (in an initiative, a role
    too; in a format) waits for that municipality's consent: the invitations it sent."""
    return [{"id": r.id, "actor": r.actor.key,
             **({"role": r.role} if hasattr(r, "role") else {}),
             "municipality": r.actor.municipality.key, "status": r.status,
             "message": _("Einladung an %(m)s gesendet: „%(a)s“ wird beteiligt, sobald %(m)s "
                          "zustimmt.", m=r.actor.municipality.name, a=r.actor.name)}
            for r in sent]


@bp.delete(f"/regions/<slug>/{KIND_PATH}/<key>")
def delete_object(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = KINDS[kind]
    obj = k.load(region, key)
    allowed = (perm.can_delete_municipality(g.api_user, region, obj.municipality)
               if kind == "municipalities" else k.can_edit(g.api_user, region, obj))
    if not allowed:
        abort(403)
    k.delete(region, obj, g.api_user)
    return "", 204
