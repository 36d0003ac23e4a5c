"""The activity log in words: what each recorded action code means, and readable summaries."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import validation, vocab
from collab.core.localtime import local_date, local_time
from collab.core.models import Activity, Actor, Initiative, Municipality, Region
from collab.extensions import db

__all__ = ["ACTIONS", "Names", "action_label", "changed_fields", "entry_names",
           "field_changes", "field_value", "names_in", "object_text", "object_url",
           "record_name", "records_text", "summary_text"]

#: action code (as recorded by services.change) -> what happened
ACTIONS = {
    "municipality.create": _l("Kommune aufgenommen"),
    "municipality.update": _l("Kommune geändert"),
    "municipality.delete": _l("Kommune aus der Region entfernt"),
    "actor.create": _l("Akteur angelegt"),
    "actor.update": _l("Akteur geändert"),
    "actor.delete": _l("Akteur gelöscht"),
    "initiative.create": _l("Initiative angelegt"),
    "initiative.update": _l("Initiative geändert"),
    "initiative.delete": _l("Initiative gelöscht"),
    "tie.create": _l("Verbindung angelegt"),
    "tie.update": _l("Verbindung geändert"),
    "tie.delete": _l("Verbindung gelöscht"),
    "format.create": _l("Format angelegt"),
    "format.update": _l("Format geändert"),
    "format.delete": _l("Format gelöscht"),
    "region.update": _l("Einstellungen der Region geändert"),
    "bundle.import": _l("Bündel importiert"),
    "bundle.stage": _l("Bündel geprüft und zur Bestätigung vorgemerkt"),
    "bundle.discard": _l("Vorgemerktes Bündel verworfen"),
    "user.create": _l("Zugang angelegt"),
    "user.password": _l("Passwort geändert"),
    "user.invite": _l("Zugang eingeladen"),
    "user.reset_request": _l("Link zum Zurücksetzen des Passworts angefordert"),
    "user.settings": _l("E-Mail und Benachrichtigungen eingestellt"),
    "user.unsubscribe": _l("E-Mails abbestellt"),
    "notification.read": _l("Benachrichtigungen gelesen"),
    "notification.digest": _l("Tägliche Sammel-E-Mails verschickt"),
    "user.logout": _l("Abgemeldet (alle Sitzungen beendet)"),
    "user.deactivate": _l("Zugang deaktiviert"),
    "user.activate": _l("Zugang wieder freigeschaltet"),
    "token.create": _l("API-Token ausgestellt"),
    "token.revoke": _l("API-Tokens widerrufen"),
    "view.positions": _l("Netzwerkansicht angeordnet"),
    "rule.propose": _l("Spielregel vorgeschlagen"),
    "rule.revise": _l("Spielregel überarbeitet"),
    "rule.comment": _l("Spielregel kommentiert"),
    "rule.ballot": _l("Abstimmung eröffnet"),
    "rule.decide": _l("Abstimmung entschieden"),
    "rule.vote": _l("Stimme abgegeben"),
    "rule.remind": _l("An Abstimmung erinnert"),
    "rule.withdraw": _l("Vorschlag zurückgezogen"),
    "join.request": _l("Beitritt beantragt"),
    "join.approve": _l("Beitritt angenommen"),
    "join.decline": _l("Beitritt abgelehnt"),
    "initiative.join_request": _l("Beteiligung an einer Initiative erbeten"),
    "initiative.join_approve": _l("Beteiligung an einer Initiative angenommen"),
    "initiative.join_decline": _l("Beteiligung an einer Initiative abgelehnt"),
    "initiative.invite": _l("Zur Beteiligung an einer Initiative eingeladen"),
    "initiative.invite_accept": _l("Einladung zu einer Initiative angenommen"),
    "initiative.invite_decline": _l("Einladung zu einer Initiative abgelehnt"),
    "format.invite": _l("Zur Teilnahme an einem Format eingeladen"),
    "format.invite_accept": _l("Einladung zu einem Format angenommen"),
    "format.invite_decline": _l("Einladung zu einem Format abgelehnt"),
    "snapshot.create": _l("Stand gespeichert"),
    "snapshot.delete": _l("Stand gelöscht"),
    "snapshot.restore": _l("Region auf einen Stand zurückgesetzt"),
    "activity.undo": _l("Änderung rückgängig gemacht"),
    "survey.open": _l("Netzwerkbefragung gestartet"),
    "survey.close": _l("Netzwerkbefragung vorzeitig beendet"),
    "survey.answer": _l("Netzwerkbefragung beantwortet"),
    "survey.remind": _l("An die Netzwerkbefragung erinnert"),
    "application.create": _l("Antrag einer neuen Kommune eingegangen"),
    "application.approve": _l("Antrag einer neuen Kommune genehmigt"),
    "application.decline": _l("Antrag einer neuen Kommune abgelehnt"),
    "solution.create": _l("Lösung angelegt"),
    "solution.update": _l("Lösung geändert"),
    "solution.delete": _l("Lösung gelöscht"),
    "solution.use": _l("Einsatz einer Lösung eingetragen"),
    "solution.use_remove": _l("Einsatz einer Lösung entfernt"),
    "solution.reuse_request": _l("Nachnutzung einer Lösung angefragt"),
    "solution.reuse_approve": _l("Nachnutzung einer Lösung zugesagt"),
    "solution.reuse_decline": _l("Nachnutzung einer Lösung abgelehnt"),
}

#: bundle sections as the import summary names them -> label (every top-level list of a
#: bundle; tests/app/test_import_preview.py checks that none is missing)
SECTIONS = {
    "region": _l("Region"),
    "municipalities": _l("Kommunen"),
    "actors": _l("Akteure"),
    "initiatives": _l("Initiativen"),
    "ties": _l("Verbindungen"),
    "formats": _l("Formate"),
    "rules": _l("Spielregeln"),
    "solutions": _l("Lösungen"),
    "former_members": _l("Ehemalige Mitglieder"),
}

_COUNTS = re.compile(r"(\w+): \+(\d+) ~(\d+) -(\d+)")


def action_label(code: str) -> str:
    """What the action code means ("actor.update" -> "Akteur geändert"); unknown codes as
    they are."""
    found = ACTIONS.get(code)
    return str(found) if found is not None else code


def import_counts(summary: str) -> str:
    """A bundle import's counts in words: "Kommunen: 1 neu, 2 entfernt; Akteure: 3 geändert"
    from "municipalities: +1 ~0 -2, actors: +0 ~3 -0"."""
    parts = []
    for section, created, updated, deleted in _COUNTS.findall(summary):
        words = [text for n, text in (
            (int(created), _("%(n)d neu", n=int(created))),
            (int(updated), _("%(n)d geändert", n=int(updated))),
            (int(deleted), _("%(n)d entfernt", n=int(deleted)))) if n]
        if words:
            parts.append(f"{SECTIONS.get(section, section)}: {', '.join(words)}")
    return "; ".join(parts) if parts else _("keine Änderungen")


#: the action prefixes whose target is a network object, -> the object pages' kind
_OBJECT_KINDS = {"municipality": "municipalities", "actor": "actors",
                 "initiative": "initiatives", "tie": "ties", "format": "formats"}


def object_url(region, activity: Activity) -> str | None:
    """The page of the object an entry concerns (None when there is none, or it is gone)."""
    from flask import url_for

    kind = _OBJECT_KINDS.get(activity.action.split(".", 1)[0])
    if kind and activity.target and not activity.action.endswith(".delete"):
        return url_for("objects.detail", slug=region.slug, kind=kind, key=activity.target)
    return None


#: bundle sections -> the entity of :data:`collab.core.validation.FIELDS` their records are
ENTITIES = {"region": "region", "municipalities": "municipality", "actors": "actor",
            "initiatives": "initiative", "ties": "tie", "formats": "format",
            "solutions": "solution", "rules": "rule"}
#: fields of the records that no form has (so no entry in FIELDS)
_OTHER_FIELDS = {"participants": _l("Beteiligte"), "taktgeber": _l("Taktgeber"),
                 "uses": _l("Nutzung durch Kommunen")}


#: record fields that name other records by key -> the section of those records (a list
#: field names each by its key, a participant by its "actor", a use by its "municipality")
REFERENCES = {"actors": {"municipality": "municipalities"},
              "initiatives": {"participants": "actors"},
              "ties": {"source": "actors", "target": "actors"},
              "formats": {"convenor": "actors", "participants": "actors"},
              "solutions": {"owner": "actors", "initiatives": "initiatives",
                            "uses": "municipalities"}}

#: the names of records other records refer to: section -> key -> name (:func:`names_in`)
Names = dict[str, dict[str, str]]

#: at most this many records of one entry are read for the names it needs (as many as
#: :func:`changed_fields` shows lines)
_NAMED_PER_ENTRY = 40
#: above this many keys of one section, its names are read for the whole region at once
#: instead of by a list of keys (a query's parameters are limited)
_MAX_KEYS = 2000


def _referenced(section: str, record: dict, wanted: dict[str, set[str]]) -> None:
    for name, target in REFERENCES.get(section, {}).items():
        value = record.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("actor") or item.get("municipality")
            if isinstance(item, str) and item:
                wanted.setdefault(target, set()).add(item)


def names_in(region: Region, changes) -> Names:
    """The names of the records that ``changes`` refer to (an initiative's participants, a
    tie's ends, an actor's municipality, ...: :data:`REFERENCES`), in one query: each as it
    is called now, else as a record among ``changes`` was called (a deleted actor), else
    not at all (the pages show its key). ``changes`` are ``(section, {key: [old, new]})``
    pairs, as activity entries and undo previews hold them."""
    wanted: dict[str, set[str]] = {}
    names: Names = {}
    for section, records in changes:
        for key, pair in records.items():
            for record in pair or []:
                if not isinstance(record, dict):
                    continue
                _referenced(section, record, wanted)
                if section in ("actors", "municipalities", "initiatives") and record.get("name"):
                    names.setdefault(section, {})[key] = str(record["name"])
    queries = []
    for section, model in (("actors", Actor), ("initiatives", Initiative)):
        keys = wanted.get(section)
        if keys:
            query = sa.select(sa.literal(section), model.key, model.name).where(
                model.region_id == region.id)
            queries.append(query if len(keys) > _MAX_KEYS else query.where(
                model.key.in_(sorted(keys))))
    if keys := wanted.get("municipalities"):
        query = sa.select(sa.literal("municipalities"), Municipality.key, Municipality.name)
        queries.append(query.where(Municipality.key.in_(sorted(keys)))
                       if len(keys) <= _MAX_KEYS else query)
    if queries:
        for section, key, name in db.session.execute(
                sa.union_all(*queries) if len(queries) > 1 else queries[0]):
            names.setdefault(section, {})[key] = name
    return names


def entry_names(region: Region, entries) -> Names:
    """:func:`names_in` for the records activity ``entries`` changed (at most
    :data:`_NAMED_PER_ENTRY` of each, as many as the log shows), in one query."""
    def changes():
        for activity in entries:
            records = (activity.before or {}).get("records") or {}
            left = _NAMED_PER_ENTRY
            for section, found in records.items():
                if left <= 0:
                    break
                if isinstance(found, dict):
                    shown = dict(list(found.items())[:left])
                    left -= len(shown)
                    yield section, shown
    return names_in(region, changes())


#: entity -> field name -> its :class:`collab.core.validation.Field`
_FIELDS = {entity: {f.name: f for f in fields} for entity, fields in validation.FIELDS.items()}


def _field(section: str, name: str):
    return _FIELDS.get(ENTITIES.get(section, ""), {}).get(name)


def field_name(section: str, name: str) -> str:
    """A record field's label in the reader's language ("capacity_fte" of an actor is
    "Kapazität (VZÄ)"); a field no form names as it is."""
    found = _field(section, name)
    if found is not None:
        return str(found.label)
    other = _OTHER_FIELDS.get(name)
    return str(other) if other is not None else name


def field_value(section: str, name: str, value, names: Names | None = None) -> str:
    """A record field's value as the pages show it: a code as its label ("self_reported" is
    "selbst gemeldet"), a date and a number in the reader's notation, "–" for none; with
    ``names`` (:func:`names_in`), a record it refers to by its name where known."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    refers = REFERENCES.get(section, {}).get(name)
    if refers is not None and names is not None:
        known = names.get(refers, {})
        if isinstance(value, list):
            return ", ".join(_item(v, known) for v in value)
        if isinstance(value, str):
            return known.get(value, value)
    found = _field(section, name)
    parse = found.parse if found is not None else None
    choices = getattr(parse, "choices", None)
    if choices is not None and isinstance(value, str):
        return vocab.label(choices, value)
    if parse is validation.topics and isinstance(value, list):
        return ", ".join(vocab.label(vocab.TOPICS, v) for v in value)
    if parse is validation.date and isinstance(value, str):
        try:
            return local_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return _("Ja") if value else _("Nein")
    if isinstance(value, int | float):
        return format_decimal(value, format="#,##0.##########")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_item(v) for v in value)
    return str(value)


def _item(value, known: dict[str, str] | None = None) -> str:
    """One entry of a list field: a key, or a participant (its actor and role) or a use (its
    municipality); by name where ``known`` has it (key -> name)."""
    known = known or {}
    if not isinstance(value, dict):
        return known.get(str(value), str(value))
    if "actor" in value:
        actor = known.get(str(value["actor"]), str(value["actor"]))
        role = value.get("role")
        return f"{actor} ({vocab.label(vocab.PARTICIPATION_ROLES, role)})" if role else actor
    found = str(value.get("municipality") or value.get("key") or "?")
    return known.get(found, found)


def field_changes(section: str, old: dict | None, new: dict | None,
                  names: Names | None = None) -> list[tuple[str, str, str]]:
    """(label, before, after) for the fields that differ between two records of ``section``,
    in the reader's language (the records they refer to by name, with ``names``)."""
    old, new = old or {}, new or {}
    return [(field_name(section, name), field_value(section, name, old.get(name), names),
             field_value(section, name, new.get(name), names))
            for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]


def record_name(section: str, key: str, pair, names: Names | None = None) -> str:
    """How a record of a change is named: its name (the newer one, or the last it had), a
    tie by its ends (by their names, with ``names``); the key when the record has
    neither."""
    for record in reversed(list(pair or [])):
        if not isinstance(record, dict):
            continue
        if record.get("name") or record.get("title"):
            return str(record.get("name") or record["title"])
        if section == "ties" and record.get("source") and record.get("target"):
            actors = (names or {}).get("actors", {})
            return (f"{actors.get(record['source'], record['source'])} → "
                    f"{actors.get(record['target'], record['target'])}")
    return key


def records_text(records: dict[str, dict], names: Names | None = None) -> str:
    """Records named in a sentence, by section ("Initiativen: LoRaWAN-/IoT-Konzept, Smarte
    vernetzte Mobilität; Formate: …"): each by :func:`record_name` (``records``: section
    -> key -> the record's versions), by its key besides where two bear one name."""
    order = list(SECTIONS)
    parts = []
    for section in sorted(records, key=lambda s: (order.index(s) if s in order else 99, s)):
        named = {key: record_name(section, key, pair, names)
                 for key, pair in records[section].items()}
        counts: dict[str, int] = {}
        for name in named.values():
            counts[name] = counts.get(name, 0) + 1
        shown = sorted((name if counts[name] == 1 or name == key else f"{name} ({key})"
                        for key, name in named.items()), key=str.casefold)
        if shown:
            parts.append(f"{SECTIONS.get(section, section)}: {', '.join(shown)}")
    return "; ".join(parts)


def changed_fields(activity: Activity, names: Names | None = None) -> list[str]:
    """What an entry changed, one line per record and field ("Akteure Olpe digital: Kapazität
    (VZÄ): 1 → 1,5"), from what it replaced (:attr:`Activity.before`); empty for old rows and
    other entries. With ``names`` (:func:`entry_names`), records named by key in a field (an
    initiative's participants) are named by their names."""
    records = (activity.before or {}).get("records") or {}
    lines: list[str] = []
    for section, found in records.items():
        label = SECTIONS.get(section, section)
        for key, (old, new) in found.items():
            name = record_name(section, key, (old, new), names)
            if old is None:
                lines.append(_("%(s)s %(k)s: neu", s=label, k=name))
            elif new is None:
                lines.append(_("%(s)s %(k)s: entfernt", s=label, k=name))
            else:
                for field, before, after in field_changes(section, old, new, names):
                    lines.append(f"{label} {name}: {field}: {before} → {after}")
            if len(lines) >= _NAMED_PER_ENTRY:
                return [*lines, "…"]
    return lines


def object_text(activity: Activity, entries: dict[int, Activity] | None = None,
                names: Names | None = None) -> str:
    """What an entry concerns, for the log's "Objekt" column: the object's name where the
    entry recorded it (a tie's ends by their names, with ``names``), else its key; for an
    undo, the object of the entry it undid (from ``entries``, the undone entries by id); ""
    where it names no object (a snapshot's id)."""
    if activity.action == "activity.undo":
        undone = (entries or {}).get(activity.undo_of or (activity.params or {}).get("of"))
        return object_text(undone, entries, names) if undone is not None else ""
    if activity.action.startswith("snapshot."):
        return ""  # the summary names the snapshot
    section = _OBJECT_KINDS.get(activity.action.split(".", 1)[0])
    records = ((activity.before or {}).get("records") or {}).get(section or "", {})
    if activity.target in records:
        return record_name(section, activity.target, records[activity.target], names)
    return activity.target or ""


def _from_params(activity: Activity, entries: dict[int, Activity]) -> str | None:
    """Entries that keep their parameters are written in the reader's language."""
    params = activity.params or {}
    text = params.get("text")
    if text == "shared":
        return _("%(n)s: Angaben geändert (aus %(r)s, %(a)s)", n=params.get("name", ""),
                 r=params.get("region", ""), a=action_label(params.get("action", "")))
    if text == "ballot":
        return _("Abstimmung über „%(r)s“ geöffnet bis %(t)s", r=params.get("title", ""),
                 t=local_time(dt.datetime.fromisoformat(params["closes"])))
    if text == "vote":
        said = vocab.label(vocab.VOTE_CHOICES, params.get("vote"))
        if "by" in params:
            return _("Stimme %(v)s für %(m)s (im Auftrag erfasst von %(c)s, Bezug: %(r)s)",
                     v=said, m=params.get("municipality", ""), c=params["by"],
                     r=params.get("reference", ""))
        return _("Stimme %(v)s für %(m)s", v=said, m=params.get("municipality", ""))
    if text == "solution_use":  # "Soest: möchte nachnutzen" in the reader's language
        return "{}: {}".format(params.get("municipality", ""),
                               vocab.label(vocab.SOLUTION_RELATIONS, params.get("relation")))
    if text == "positions":
        return _("%(n)d Knotenpositionen der Netzwerkansicht gespeichert",
                 n=int(params.get("n", 0)))
    if activity.action == "activity.undo":
        undone = entries.get(activity.undo_of or params.get("of"))
        if undone is not None:
            return _("Rückgängig gemacht: %(a)s vom %(t)s", a=action_label(undone.action),
                     t=local_time(undone.at))
        return _("Rückgängig gemacht: %(a)s", a=action_label(params.get("action", "")))
    if activity.action == "snapshot.restore":
        return _("Stand „%(n)s“ wiederhergestellt", n=params.get("name", ""))
    if activity.action == "snapshot.delete" and params.get("replaced"):
        return _("„%(n)s“ durch einen neuen automatisch gespeicherten Stand ersetzt "
                 "(höchstens %(l)d Stände je Region)", n=params.get("name", ""),
                 l=int(params.get("limit", 0)))
    if activity.action.startswith("snapshot.") and "name" in params:
        return str(params["name"])
    return None


#: what a survey entry's stored summary says: the closing day (ISO, when it opened; German,
#: in a reminder) and the round (when it was closed early)
_SURVEY_UNTIL = re.compile(r".* (\d{4}-\d{2}-\d{2})")
_SURVEY_REMINDED = re.compile(r"\D*(\d+) .* (\d{2})\.(\d{2})\.(\d{4})")
_SURVEY_ROUND = re.compile(r"\D*(\d+)\D*")


def _survey(activity: Activity) -> str | None:
    """A survey entry (which keeps no parameters) in the reader's language and date notation,
    read back from its stored summary; None for one that reads otherwise."""
    summary = activity.summary or ""
    try:
        if activity.action == "survey.open" and (m := _SURVEY_UNTIL.fullmatch(summary)):
            return _("Netzwerkbefragung bis %(d)s",
                     d=local_date(dt.date.fromisoformat(m.group(1))))
        if activity.action == "survey.remind" and (m := _SURVEY_REMINDED.fullmatch(summary)):
            day = dt.date(int(m.group(4)), int(m.group(3)), int(m.group(2)))
            return _("Erinnerung an %(n)d Kommune(n): Netzwerkbefragung bis %(d)s",
                     n=int(m.group(1)), d=local_date(day))
    except ValueError:  # no calendar day
        return None
    if activity.action == "survey.close" and (m := _SURVEY_ROUND.fullmatch(summary)):
        return _("Netzwerkbefragung, Runde %(n)d, vorzeitig beendet", n=int(m.group(1)))
    return None


def summary_text(activity: Activity, entries: dict[int, Activity] | None = None) -> str:
    """The activity's summary in readable words (in the reader's language where the entry
    keeps its parameters; old rows show their stored summary). ``entries``: the entries
    undone by undos among them, by id (an undo says what it undid)."""
    summary = activity.summary or ""
    found = _from_params(activity, entries or {})
    if found is not None:
        if activity.action in ("activity.undo", "snapshot.restore") and _COUNTS.search(summary):
            return f"{found}: {import_counts(summary)}"
        return found
    if activity.action.startswith("survey.") and (found := _survey(activity)) is not None:
        return found
    if activity.action == "bundle.import" and _COUNTS.search(summary):
        return import_counts(summary)
    if activity.action == "user.create" and summary in vocab.USER_ROLES:
        return _("Rolle: %(r)s", r=vocab.label(vocab.USER_ROLES, summary))
    if activity.action == "token.revoke" and summary.isdigit():
        return ngettext("%(num)d Token widerrufen", "%(num)d Tokens widerrufen", int(summary))
    return summary
