"""The activity log in words: what each recorded action code means, and readable summaries."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from collab.core import vocab
from collab.core.localtime import local_time
from collab.core.models import Activity

__all__ = ["ACTIONS", "action_label", "changed_fields", "object_url", "summary_text"]

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


def changed_fields(activity: Activity) -> list[str]:
    """What an entry changed, one line per record and field ("actor a: name: X → Y"), from
    what it replaced (:attr:`Activity.before`); empty for old rows and other entries."""
    records = (activity.before or {}).get("records") or {}
    lines: list[str] = []
    for section, found in records.items():
        label = SECTIONS.get(section, section)
        for key, (old, new) in found.items():
            if old is None:
                lines.append(_("%(s)s %(k)s: neu", s=label, k=key))
            elif new is None:
                lines.append(_("%(s)s %(k)s: entfernt", s=label, k=key))
            else:
                for name in sorted(old.keys() | new.keys()):
                    if old.get(name) != new.get(name):
                        lines.append(f"{label} {key}: {name}: {_show(old.get(name))} → "
                                     f"{_show(new.get(name))}")
            if len(lines) >= 40:
                return [*lines, "…"]
    return lines


def _show(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(v.get("actor", "?") if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _from_params(activity: Activity) -> str | None:
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
    if text == "positions":
        return _("%(n)d Knotenpositionen der Netzwerkansicht gespeichert",
                 n=int(params.get("n", 0)))
    if activity.action == "activity.undo":
        return _("Eintrag %(id)s rückgängig gemacht (%(a)s)", id=params.get("of"),
                 a=action_label(params.get("action", "")))
    if activity.action == "snapshot.restore":
        return _("Stand „%(n)s“ wiederhergestellt", n=params.get("name", ""))
    if activity.action.startswith("snapshot.") and "name" in params:
        return str(params["name"])
    return None


def summary_text(activity: Activity) -> str:
    """The activity's summary in readable words (in the reader's language where the entry
    keeps its parameters; old rows show their stored summary)."""
    summary = activity.summary or ""
    found = _from_params(activity)
    if found is not None:
        if activity.action in ("activity.undo", "snapshot.restore") and _COUNTS.search(summary):
            return f"{found}: {import_counts(summary)}"
        return found
    if activity.action == "bundle.import" and _COUNTS.search(summary):
        return import_counts(summary)
    if activity.action == "user.create" and summary in vocab.USER_ROLES:
        return _("Rolle: %(r)s", r=vocab.label(vocab.USER_ROLES, summary))
    if activity.action == "token.revoke" and summary.isdigit():
        return ngettext("%(num)d Token widerrufen", "%(num)d Tokens widerrufen", int(summary))
    return summary
