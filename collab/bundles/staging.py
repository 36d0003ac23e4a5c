"""Importing a bundle from the region page in two steps: check it (a dry run that lists
what would be added, changed and removed, the file kept aside), then import it on
confirmation.

The checked file waits in the database (:class:`collab.core.models.StagedBundle`), keyed by
region, account and the SHA-256 of what is kept, so the confirmation imports exactly the
bundle that was previewed on whichever app host takes it, and a bundle of national size
never travels back and forth in a form field. What is kept is the file as it came behind a
one-line header (:meth:`Upload.pack`): its name, whether it only adds, and the region's data
version the preview was computed against. The confirmation imports only while the region
still has that version; when anyone changed the region since, nothing is imported and the
upload is checked again against the region as it is now (a spreadsheet is read again over
the current records), so that a confirmation never undoes a change its preview did not show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.activity.summaries import field_value
from collab.bundles import services as bundle
from collab.bundles import sheets
from collab.core.collation import collation_key
from collab.core.models import (
    Actor,
    Format,
    Initiative,
    Municipality,
    Region,
    RegionMembership,
    Rule,
    Solution,
    StagedBundle,
    Tie,
    User,
    utcnow,
)
from collab.core.records import network_records
from collab.core.store import change
from collab.core.validation import FIELDS, Problem, ValidationError
from collab.extensions import db

#: a checked bundle not confirmed within this many seconds is discarded
STAGE_SECONDS = 24 * 3600
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
#: the first line of a kept upload (a NUL byte begins no JSON file, so no upload is
#: mistaken for a kept one); the second line says how it was checked
_HEADER = b"\x00kommunalnetz-staged-upload\n"


@dataclasses.dataclass(frozen=True)
class Upload:
    """An uploaded file as it came, and how it is checked and imported."""

    #: the file's content
    body: bytes
    #: its name (a CSV sheet is known by it)
    filename: str = ""
    #: a spreadsheet only adds and updates ("nur ergänzen"; a CSV sheet always does)
    merge: bool = False
    #: the region's data version its preview was computed against (None: not previewed)
    version: int | None = None

    @property
    def spreadsheet(self) -> bool:
        return sheets.is_spreadsheet(self.body, self.filename)

    def pack(self) -> bytes:
        meta = {"filename": self.filename, "merge": self.merge, "version": self.version}
        return _HEADER + json.dumps(meta).encode() + b"\n" + self.body

    @classmethod
    def unpack(cls, kept: bytes) -> Upload | None:
        """The upload :meth:`pack` kept; None for anything else (a record kept before the
        header existed, whose preview has no data version to confirm)."""
        if not kept.startswith(_HEADER):
            return None
        meta, _sep, body = kept[len(_HEADER):].partition(b"\n")
        try:
            found = json.loads(meta)
            return cls(body, str(found["filename"]), bool(found["merge"]),
                       int(found["version"]))
        except (ValueError, TypeError, KeyError):
            return None


@dataclasses.dataclass
class Checked:
    """An upload read and tried in a dry run against the region as it is now."""

    #: the upload, its ``version`` the one the dry run saw
    upload: Upload
    #: why it cannot be imported (nothing else is set then)
    problems: list[Problem]
    #: the dry run's summary (:func:`collab.bundles.services.import_bundle`)
    summary: dict | None = None
    #: what it adds, changes and removes, by name (:func:`preview`)
    changes: dict = dataclasses.field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.summary and self.summary["changed"])


def _import(region: Region, user: User, upload: Upload, *, dry_run: bool,
            expected_version: int | None = None) -> tuple[dict, Any]:
    """Import the upload (or try it, ``dry_run``): a JSON file parsed, a spreadsheet read over
    the region's records as they are now (:func:`collab.bundles.services.import_spreadsheet`,
    which names its problems by sheet, row and column). Returns the summary and the bundle;
    raises :class:`ValidationError` (and ``RegionChanged``, see :func:`confirm`)."""
    if upload.spreadsheet:
        return bundle.import_spreadsheet(upload.body, upload.filename, user, slug=region.slug,
                                         merge=upload.merge, dry_run=dry_run,
                                         expected_version=expected_version)
    doc, problems = parse_upload(upload.body, upload.filename)
    if problems:
        raise ValidationError(problems)
    summary = bundle.import_bundle(doc, user, slug=region.slug, dry_run=dry_run,
                                   expected_version=expected_version)
    summary["merge"] = False
    return summary, doc


def check(region: Region, user: User, upload: Upload) -> Checked:
    """Step 1: read the upload and import it in a dry run; the result names the region's
    data version it was computed against (in ``upload``)."""
    try:
        summary, doc = _import(region, user, upload, dry_run=True)
    except ValidationError as exc:
        return Checked(upload, exc.problems)
    return Checked(dataclasses.replace(upload, version=summary["data_version"]), [], summary,
                   preview(region, doc, summary))


def confirm(region: Region, user: User, upload: Upload) -> dict:
    """Step 2: import the checked upload, read again as in :func:`check`, while the region
    still has the data version its preview was computed against. Returns the summary;
    raises :class:`collab.bundles.services.RegionChanged` when anyone changed the region
    since (nothing is imported), :class:`ValidationError` when it cannot be imported."""
    return _import(region, user, upload, dry_run=False, expected_version=upload.version)[0]


def parse_upload(body: bytes, filename: str = "") -> tuple[Any, list[Problem]]:
    """The JSON document in an uploaded file, or a German problem saying why there is none
    (a file that is no text at all, such as a picture or a PDF, is told which kinds of file
    the import reads)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        if filename.lower().endswith(".json"):
            return None, [Problem("$", _("Die Datei ist nicht UTF-8-kodiert; bitte als UTF-8 "
                                         "speichern."))]
        return None, [Problem("$", _(
            "Diese Datei kann der Import nicht lesen. Er liest ein Kommunalnetz-Bündel "
            "(.json), eine Excel-Arbeitsmappe (.xlsx) oder eine CSV-Tabelle (.csv)."))]
    try:
        return json.loads(text), []
    except RecursionError:
        return None, [Problem("$", _("Die Datei ist zu tief verschachtelt."))]
    except json.JSONDecodeError as exc:
        return None, [Problem("$", _(
            "Die Datei ist kein gültiges JSON (Zeile %(line)d, Spalte %(col)d). Bitte prüfen "
            "Sie Klammern, Anführungszeichen und Kommas.", line=exc.lineno, col=exc.colno))]


def _name_order(name: str) -> tuple[str, str]:
    """Names added or removed in German dictionary order (equal keys: as written)."""
    return collation_key(name), name


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
        "solutions": dict(db.session.execute(
            sa.select(Solution.key, Solution.name).where(Solution.region_id == rid)).all()),
    }


#: the bundle section -> the entity whose field labels name its fields
_ENTITIES = {"region": "region", "municipalities": "municipality", "actors": "actor",
             "initiatives": "initiative", "ties": "tie", "formats": "format",
             "rules": "rule", "solutions": "solution"}
#: labels of the fields a record's form does not show under that name
_MORE_LABELS = {
    ("region", "voting_tiers"): _l("Stimmberechtigte Stufen"),
    ("initiative", "participants"): _l("Beteiligte"),
    ("rule", "actor"): _l("Akteur"),
    ("rule", "initiative"): _l("Initiative"),
    ("rule", "weights"): _l("Gewichte"),
    ("solution", "uses"): _l("Nutzung durch Kommunen"),
}


def field_label(section: str, name: str) -> str:
    """A bundle field's label as the forms show it ("description" of an actor:
    "Beschreibung"); the field's name where there is none."""
    entity = _ENTITIES.get(section, section)
    for f in FIELDS.get(entity, ()):
        if f.name == name:
            return str(f.label)
    found = _MORE_LABELS.get((entity, name))
    return str(found) if found is not None else name


def preview(region: Region | None, doc: Any, summary: dict | None = None
            ) -> dict[str, dict[str, Any]]:
    """What importing the (valid) bundle ``doc`` adds to, changes in and removes from
    ``region``: ``{section: {"added": [names], "removed": [names], "updated": [(name,
    [field labels])], "more": n}}``, sections without any left out. The changed records
    are the ones the dry run's ``summary`` names (the first of each section, with the
    fields that change); ``more`` counts those it does not name."""
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
        "solutions": {s["key"]: s["name"] for s in cleaned["solutions"]},
    }
    found: dict[str, dict[str, Any]] = {}
    for section, names in wanted.items():
        have = current.get(section, {})
        added = sorted((names[k] for k in names.keys() - have.keys()), key=_name_order)
        removed = sorted((have[k] for k in have.keys() - names.keys()), key=_name_order)
        if added or removed:
            found[section] = {"added": added, "removed": removed, "updated": [], "more": 0}
    names_of = {**wanted, "region": {"region": cleaned["region"]["name"]}}
    counts = (summary or {}).get("changes", {})
    updated = (summary or {}).get("updated", {})
    values = _values(region, cleaned, updated) if region is not None and updated else {}
    for section, records in updated.items():
        entry = found.setdefault(section, {"added": [], "removed": [], "updated": [],
                                           "more": 0})
        entry["updated"] = [
            (names_of.get(section, {}).get(key, key),
             values.get((section, key)) or [(field_label(section, name), None, None)
                                            for name in fields])
            for key, fields in records.items()]
        entry["more"] = max(counts.get(section, {}).get("updated", 0) - len(records), 0)
    return {section: found[section] for section in ("region", *wanted) if section in found}


def _values(region: Region, cleaned: dict, updated: dict) -> dict[tuple, list]:
    """``(section, key) -> [(field label, now, after the import)]`` for the changed records
    the dry run names, the values as the pages show them (codes as labels, dates and
    numbers in the reader's notation); sections the records document does not hold (rules,
    solutions) are left to their field labels."""
    have = network_records(region, contact=True)
    found = {}
    for section, records in updated.items():
        if section == "region":
            old, new = {"region": have["region"]}, {"region": cleaned["region"]}
        elif section in have:
            old = {r["key"]: r for r in have[section]}
            new = {r["key"]: r for r in cleaned.get(section, [])}
        else:
            continue
        for key, fields in records.items():
            before, after = old.get(key) or {}, new.get(key) or {}
            found[(section, key)] = [
                (field_label(section, name), field_value(section, name, before.get(name)),
                 field_value(section, name, after.get(name))) for name in fields]
    return found


def stage(slug: str, user: User, upload: Upload) -> str:
    """Keep a checked upload (its ``version`` set by :func:`check`) aside until it is
    confirmed; returns its digest. Uploads left unconfirmed for a day are removed on the
    way."""
    if upload.version is None:
        raise ValueError("only a checked upload (with its data version) is kept")
    body = upload.pack()
    digest = hashlib.sha256(body).hexdigest()
    cutoff = utcnow() - dt.timedelta(seconds=STAGE_SECONDS)
    with change(None, user, "bundle.stage", slug, digest[:12], data=False):
        db.session.execute(sa.delete(StagedBundle).where(StagedBundle.created_at < cutoff))
        if not db.session.scalar(sa.select(StagedBundle.id).filter_by(
                slug=slug, user_id=user.id, digest=digest)):
            db.session.add(StagedBundle(slug=slug, user_id=user.id, digest=digest, body=body))
    return digest


def staged(slug: str, user: User, digest: str) -> Upload | None:
    """The checked upload of this account and region with that digest, if it is still
    kept."""
    if not _DIGEST.match(digest or ""):
        return None
    cutoff = utcnow() - dt.timedelta(seconds=STAGE_SECONDS)
    body = db.session.scalar(sa.select(StagedBundle.body).where(
        StagedBundle.slug == slug, StagedBundle.user_id == user.id,
        StagedBundle.digest == digest, StagedBundle.created_at >= cutoff))
    if body is None:
        return None
    body = bytes(body)
    return Upload.unpack(body) if hashlib.sha256(body).hexdigest() == digest else None


def discard(slug: str, user: User, digest: str) -> None:
    if _DIGEST.match(digest or ""):
        with change(None, user, "bundle.discard", slug, digest[:12], data=False):
            db.session.execute(sa.delete(StagedBundle).filter_by(
                slug=slug, user_id=user.id, digest=digest))
