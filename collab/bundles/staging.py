"""Importing a bundle from the region page in two steps: check it (a dry run that lists
what would be added and removed, the file kept aside), then import it on confirmation.

The checked file waits in the database (:class:`collab.core.models.StagedBundle`), keyed by
region, account and the SHA-256 of its content, so the confirmation imports exactly the
bundle that was previewed on whichever app host takes it, and a bundle of national size
never travels back and forth in a form field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from collab.bundles import services as bundle
from collab.core.models import (
    Actor,
    Format,
    Initiative,
    Municipality,
    Region,
    RegionMembership,
    Rule,
    StagedBundle,
    Tie,
    User,
    utcnow,
)
from collab.core.store import change
from collab.core.validation import Problem
from collab.extensions import db

#: a checked bundle not confirmed within this many seconds is discarded
STAGE_SECONDS = 24 * 3600
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def parse_upload(body: bytes) -> tuple[Any, list[Problem]]:
    """The JSON document in an uploaded file, or a German problem saying why there is none."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem("$", _("Die Datei ist nicht UTF-8-kodiert; bitte als UTF-8 "
                                     "speichern."))]
    try:
        return json.loads(text), []
    except RecursionError:
        return None, [Problem("$", _("Die Datei ist zu tief verschachtelt."))]
    except json.JSONDecodeError as exc:
        return None, [Problem("$", _(
            "Die Datei ist kein gültiges JSON (Zeile %(line)d, Spalte %(col)d). Bitte prüfen "
            "Sie Klammern, Anführungszeichen und Kommas.", line=exc.lineno, col=exc.colno))]


def _current(region: Region) -> dict[str, dict[str, str]]:
    """The region's objects by section: key -> name."""
    rid = region.id
    src, tgt = sa.orm.aliased(Actor), sa.orm.aliased(Actor)
    return {
        "municipalities": dict(db.session.execute(
            sa.select(Municipality.key, Municipality.name).join(RegionMembership)
            .where(RegionMembership.region_id == rid)).all()),
        "actors": dict(db.session.execute(
            sa.select(Actor.key, Actor.name).where(Actor.region_id == rid)).all()),
        "initiatives": dict(db.session.execute(
            sa.select(Initiative.key, Initiative.name).where(Initiative.region_id == rid)).all()),
        "ties": {key: f"{s} → {t}" for key, s, t in db.session.execute(
            sa.select(Tie.key, src.name, tgt.name).join(src, Tie.source_id == src.id)
            .join(tgt, Tie.target_id == tgt.id).where(Tie.region_id == rid)).all()},
        "formats": dict(db.session.execute(
            sa.select(Format.key, Format.name).where(Format.region_id == rid)).all()),
        "rules": dict(db.session.execute(
            sa.select(Rule.key, Rule.title).where(Rule.region_id == rid)).all()),
    }


def preview(region: Region | None, doc: Any) -> dict[str, dict[str, list[str]]]:
    """What importing the (valid) bundle ``doc`` adds to and removes from ``region``:
    ``{section: {"added": [names], "removed": [names]}}``, sections without either left out."""
    cleaned, _problems = bundle.validate_bundle(doc)
    if not cleaned:
        return {}
    current = _current(region) if region is not None else {}
    actor_names = {a["key"]: a["name"] for a in cleaned["actors"]}
    actor_names = {**current.get("actors", {}), **actor_names}
    wanted = {
        "municipalities": {m["key"]: m["name"] for m in cleaned["municipalities"]},
        "actors": {a["key"]: a["name"] for a in cleaned["actors"]},
        "initiatives": {i["key"]: i["name"] for i in cleaned["initiatives"]},
        "ties": {t["key"]: (f"{actor_names.get(t['source'], t['source'])} → "
                            f"{actor_names.get(t['target'], t['target'])}")
                 for t in cleaned["ties"]},
        "formats": {f["key"]: f["name"] for f in cleaned["formats"]},
        "rules": {r["key"]: r["title"] for r in cleaned["rules"]},
    }
    found = {}
    for section, names in wanted.items():
        have = current.get(section, {})
        added = sorted(names[k] for k in names.keys() - have.keys())
        removed = sorted(have[k] for k in have.keys() - names.keys())
        if added or removed:
            found[section] = {"added": added, "removed": removed}
    return found


def stage(slug: str, user: User, body: bytes) -> str:
    """Keep a checked bundle aside until it is confirmed; returns its digest. Bundles left
    unconfirmed for a day are removed on the way."""
    digest = hashlib.sha256(body).hexdigest()
    cutoff = utcnow() - dt.timedelta(seconds=STAGE_SECONDS)
    with change(None, user, "bundle.stage", slug, digest[:12], data=False):
        db.session.execute(sa.delete(StagedBundle).where(StagedBundle.created_at < cutoff))
        if not db.session.scalar(sa.select(StagedBundle.id).filter_by(
                slug=slug, user_id=user.id, digest=digest)):
            db.session.add(StagedBundle(slug=slug, user_id=user.id, digest=digest, body=body))
    return digest


def staged(slug: str, user: User, digest: str) -> bytes | None:
    """The checked bundle of this account and region with that digest, if it is still kept."""
    if not _DIGEST.match(digest or ""):
        return None
    cutoff = utcnow() - dt.timedelta(seconds=STAGE_SECONDS)
    body = db.session.scalar(sa.select(StagedBundle.body).where(
        StagedBundle.slug == slug, StagedBundle.user_id == user.id,
        StagedBundle.digest == digest, StagedBundle.created_at >= cutoff))
    if body is None:
        return None
    body = bytes(body)
    return body if hashlib.sha256(body).hexdigest() == digest else None


def discard(slug: str, user: User, digest: str) -> None:
    if _DIGEST.match(digest or ""):
        with change(None, user, "bundle.discard", slug, digest[:12], data=False):
            db.session.execute(sa.delete(StagedBundle).filter_by(
                slug=slug, user_id=user.id, digest=digest))
