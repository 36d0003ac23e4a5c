"""The activity log in words: what each recorded action code means, and readable summaries."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from collab.core import vocab
from collab.core.models import Activity

__all__ = ["ACTIONS", "action_label", "summary_text"]

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
}

#: bundle sections as the import summary names them -> label
SECTIONS = {
    "region": _l("Region"),
    "municipalities": _l("Kommunen"),
    "actors": _l("Akteure"),
    "initiatives": _l("Initiativen"),
    "ties": _l("Verbindungen"),
    "formats": _l("Formate"),
    "rules": _l("Spielregeln"),
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


def summary_text(activity: Activity) -> str:
    """The activity's summary in readable words."""
    summary = activity.summary or ""
    if activity.action == "bundle.import" and _COUNTS.search(summary):
        return import_counts(summary)
    if activity.action == "user.create" and summary in vocab.USER_ROLES:
        return _("Rolle: %(r)s", r=vocab.label(vocab.USER_ROLES, summary))
    if activity.action == "token.revoke" and summary.isdigit():
        return ngettext("%(num)d Token widerrufen", "%(num)d Tokens widerrufen", int(summary))
    return summary
