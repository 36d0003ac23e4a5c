"""Spreadsheets both ways: a region as an Excel workbook, and a workbook or a CSV sheet
(as German Excel writes it) turned into a bundle.

Pure conversion: :func:`workbook_to_bundle` and :func:`csv_to_bundle` only read cells into
the bundle's JSON shape (German labels of allowed values become their codes, "1.234,5"
becomes a number, TT.MM.JJJJ a date, Ja/Nein a truth value); every rule is then applied
once, by the bundle's own validation and import (:mod:`collab.bundles.services`). Their
problems, reported with JSON paths, are named here by sheet, row and column
(:meth:`Converted.locate`): "Akteure, Zeile 5, Spalte „Ebene“: …".

One sheet per kind: Kommunen, Akteure, Initiativen, Beteiligungen, Verbindungen, Formate,
and Regeln (read-only: rules change through the Spielregeln pages, never a spreadsheet), a
Region sheet with the region's settings, an explanation sheet and a hidden sheet with the
allowed values the drop-down lists offer. Column headers are the page labels (German;
English labels and the bundle's field names are accepted on import).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import vocab
from collab.core.records import FORMAT, VERSION
from collab.core.validation import FIELDS, Invalid, Problem, parse_localized_number

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the characters a rule's JSON puts in one cell (Excel's limit is 32,767)
CELL_MAX = 32_000
#: what a single CSV row may hold at most (a spreadsheet, not a file system)
MAX_ROWS = 500_000


@dataclass(frozen=True)
class Sheet:
    section: str  # the bundle's list ("participants": the initiatives' participants)
    entity: str  # the rules in validation.FIELDS
    title: str  # the sheet's name (German, as in every workbook)
    english: str  # accepted on import


SHEETS = (
    Sheet("municipalities", "municipality", "Kommunen", "Municipalities"),
    Sheet("actors", "actor", "Akteure", "Actors"),
    Sheet("initiatives", "initiative", "Initiativen", "Initiatives"),
    Sheet("participants", "participant", "Beteiligungen", "Participants"),
    Sheet("ties", "tie", "Verbindungen", "Ties"),
    Sheet("formats", "format", "Formate", "Formats"),
)
RULES_SHEET, REGION_SHEET, HELP_SHEET, LISTS_SHEET = "Regeln", "Region", "Erläuterung", "Listen"
_BY_SECTION = {s.section: s for s in SHEETS}

#: the vocabulary of every field with allowed values (their labels are what cells show)
CHOICES: dict[tuple[str, str], dict] = {
    ("municipality", "kind"): vocab.MUNICIPALITY_KINDS,
    ("municipality", "state"): {k: name for k, (_code, name) in vocab.STATES.items()},
    ("municipality", "tier"): vocab.TIERS,
    ("municipality", "joined_by"): vocab.JOINED_BY,
    ("actor", "type"): vocab.ACTOR_TYPES,
    ("actor", "level"): vocab.LEVELS,
    ("actor", "sector"): vocab.SECTORS,
    ("initiative", "topic"): vocab.TOPICS,
    ("initiative", "status"): vocab.INITIATIVE_STATUSES,
    ("initiative", "scope"): vocab.INITIATIVE_SCOPES,
    ("participant", "role"): vocab.PARTICIPATION_ROLES,
    ("tie", "kind"): vocab.TIE_KINDS,
    ("format", "kind"): vocab.FORMAT_KINDS,
    ("format", "cadence"): vocab.CADENCES,
    ("format", "topic"): vocab.TOPICS,
    ("region", "decision_rule"): vocab.DECISION_RULES,
}
for _entity in ("municipality", "actor", "participant", "tie", "format"):
    CHOICES[(_entity, "provenance")] = vocab.PROVENANCES
#: fields holding a list (one cell, values separated by commas)
LISTS = {("actor", "topics"): vocab.TOPICS, ("format", "participants"): None,
         ("region", "voting_tiers"): vocab.TIERS}
DATES = {("municipality", "since"), ("initiative", "start"), ("initiative", "end"),
         ("format", "since"), ("format", "until"), ("region", "funded_until")}
#: the bundle fields of the region sheet beyond validation.FIELDS["region"]
REGION_EXTRA = (("voting_tiers", _l("Stimmberechtigte Stufen")),
                ("taktgeber", _l("Taktgeber")))
RULE_COLUMNS = (("key", _l("Schlüssel")), ("title", _l("Titel")), ("kind", _l("Art")),
                ("status", _l("Status")), ("text", _l("Text")), ("data", _l("Daten (JSON)")))


#: sections carried whole as JSON on read-only sheets (edited on their pages, never in a
#: spreadsheet), so that a workbook restores everything a JSON export holds
JSON_SHEETS = {
    "solutions": ("Lösungen", (("key", _l("Schlüssel")), ("name", _l("Name")),
                               ("data", _l("Daten (JSON)")))),
    "former_members": ("Ehemalige Mitglieder", (("key", _l("Schlüssel")),
                                                ("name", _l("Name")),
                                                ("data", _l("Daten (JSON)")))),
}


def columns(sheet: Sheet) -> list[tuple[str, Any]]:
    """(field name, label) of the sheet's columns, in order."""
    found = [(f.name, f.label) for f in FIELDS[sheet.entity]]
    if sheet.section == "participants":
        found.insert(0, ("initiative", _l("Initiative")))
    return found


def _german(label: Any) -> str:
    with force_locale("de"):
        return str(label)


def _labels(values: dict, lang: str = "de") -> dict[str, str]:
    with force_locale(lang):
        return {code: str(label) for code, label in values.items()}


# --- export -----------------------------------------------------------------------------------


def _cell(entity: str, name: str, value: Any, labels: dict) -> Any:
    if value is None or value == "":
        return None
    if (entity, name) in LISTS:
        shown = labels.get((entity, name), {})
        return ", ".join(shown.get(v, v) for v in value) or None
    if (entity, name) in CHOICES:
        return labels[(entity, name)].get(value, value)
    if (entity, name) in DATES:
        return dt.date.fromisoformat(value)
    return value


#: how text starts that a spreadsheet program may take for a formula (OWASP, "CSV
#: injection"): openpyxl itself stores a string starting with "=" as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cells(ws, values: list) -> list:
    """A row's values as written: text that starts like a formula, or that is an error
    value ("#N/A"), becomes a text cell (Excel evaluates none) marked with Excel's quote
    prefix (editing the cell keeps it text). The value stays the text as entered, so the
    workbook reads back exactly; a leading apostrophe, as OWASP recommends for CSV, would
    change it. (There is no CSV export; a CSV sheet is only ever read.)"""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    row = list(values)
    for n, value in enumerate(row):
        if isinstance(value, str) and (value.startswith(FORMULA_START)
                                       or value in ERROR_CODES):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            row[n] = cell
    return row


def build_workbook(doc: dict | None, *, template: bool = False):
    """An openpyxl workbook (write-only: rows are streamed, so a national network fits in
    memory) of the bundle ``doc`` (None or without records: the empty template), with
    drop-down lists of the allowed values, an explanation sheet and a read-only rules
    sheet. Every text is a text cell, never a formula (:func:`_text_cells`)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    doc = doc or {}
    labels = {k: _labels(v) for k, v in (*CHOICES.items(), *LISTS.items()) if v is not None}
    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def heading(ws, values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)

    _explain(wb.create_sheet(HELP_SHEET), labels, heading)

    region_ws = wb.create_sheet(REGION_SHEET)
    region_ws.column_dimensions["A"].width = 28
    region_ws.column_dimensions["B"].width = 50
    heading(region_ws, [_german(_l("Feld")), _german(_l("Wert"))])
    region = doc.get("region") or {}
    for f in FIELDS["region"]:
        value = _cell("region", f.name, region.get(f.name), labels)
        if isinstance(value, dt.date):
            value = WriteOnlyCell(region_ws, value=value)
            value.number_format = "DD.MM.YYYY"
        region_ws.append(_text_cells(region_ws, [_german(f.label), value]))
    for name, label in REGION_EXTRA:
        region_ws.append(_text_cells(region_ws, [
            _german(label), _cell("region", name, region.get(name), labels)]))

    # the allowed values, one column per vocabulary, for the drop-down lists
    lists: list[list[str]] = []
    ranges: dict[tuple[str, str], str] = {}
    seen: dict[int, str] = {}
    for (entity, name), values in [*CHOICES.items(), *LISTS.items()]:
        if values is None or (entity, name) in ranges:
            continue
        if id(values) not in seen:
            shown = list(labels[(entity, name)].values())
            col = get_column_letter(len(lists) + 1)
            lists.append([name, *shown])
            seen[id(values)] = f"{LISTS_SHEET}!${col}$2:${col}${len(shown) + 1}"
        ranges[(entity, name)] = seen[id(values)]
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists_ws.sheet_state = "hidden"
    for n in range(max(len(c) for c in lists)):
        lists_ws.append(_text_cells(lists_ws, [c[n] if n < len(c) else None for c in lists]))

    participants = [{"initiative": i.get("key"), **p} for i in doc.get("initiatives", [])
                    for p in i.get("participants", [])]
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title)
        ws.freeze_panes = "A2"
        cols = columns(sheet)
        records = participants if sheet.section == "participants" else doc.get(sheet.section,
                                                                              [])
        dates = set()
        for n, (name, _label) in enumerate(cols, start=1):
            letter = get_column_letter(n)
            ws.column_dimensions[letter].width = 30 if name == "name" else 14
            if (sheet.entity, name) in DATES:
                dates.add(n - 1)
            if (sheet.entity, name) in CHOICES:
                dv = DataValidation(type="list", formula1=ranges[(sheet.entity, name)],
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle=_german(_l("Unbekannter Wert")),
                                    error=_german(_l("Bitte einen Wert aus der Liste wählen.")))
                dv.add(f"{letter}2:{letter}{len(records) + 1000}")
                ws.data_validations.append(dv)
        heading(ws, [_german(label) for _name, label in cols])
        for record in records:
            row = [_cell(sheet.entity, name, record.get(name), labels) for name, _x in cols]
            for n in dates:
                if row[n] is not None:
                    row[n] = WriteOnlyCell(ws, value=row[n])
                    row[n].number_format = "DD.MM.YYYY"
            ws.append(_text_cells(ws, row))

    rules_ws = wb.create_sheet(RULES_SHEET)
    rules_ws.protection.sheet = True  # read-only: rules change on the Spielregeln pages
    heading(rules_ws, [_german(label) for _name, label in RULE_COLUMNS])
    for r in doc.get("rules", []):
        data = json.dumps(r, ensure_ascii=False, sort_keys=True)
        # a cell holds at most 32,767 characters: a long record goes on in the next cells
        rules_ws.append(_text_cells(rules_ws, [
            r.get("key"), r.get("title"), r.get("kind"), r.get("status"), r.get("text"),
            *(data[n:n + CELL_MAX] for n in range(0, len(data), CELL_MAX))]))
    for section, (title, cols) in JSON_SHEETS.items():
        if not doc.get(section):
            continue
        ws = wb.create_sheet(title)
        ws.protection.sheet = True  # read-only: changed on their pages
        heading(ws, [_german(label) for _name, label in cols])
        for r in doc[section]:
            data = json.dumps(r, ensure_ascii=False, sort_keys=True)
            ws.append(_text_cells(ws, [
                r.get("key"), r.get("name"),
                *(data[n:n + CELL_MAX] for n in range(0, len(data), CELL_MAX))]))
    return wb


def _explain(ws, labels: dict, heading) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["D"].width = 80
    with force_locale("de"):
        heading(ws, [_("Kommunalnetz: Netzwerk als Arbeitsmappe")])
        for line in (
            _("Ein Blatt je Art: Kommunen, Akteure, Initiativen, Beteiligungen (wer an welcher "
              "Initiative mitwirkt), Verbindungen und Formate. Die erste Zeile jedes Blatts "
              "enthält die Spaltenüberschriften; bitte nicht ändern."),
            _("Das Blatt „Region“ nennt Kürzel und Namen der Region. Das Blatt „Regeln“ ist "
              "schreibgeschützt: Regeln ändern Sie auf den Seiten der Spielregeln."),
            _("Zahlen mit Dezimalkomma (1.234,5), Datumsangaben als TT.MM.JJJJ, Ja/Nein. "
              "Felder mit festen Werten bieten eine Auswahlliste. Mehrere Themen oder "
              "Teilnehmende durch Kommas trennen."),
            _("Beim Hochladen sehen Sie zuerst eine Vorschau; importiert wird erst nach Ihrer "
              "Bestätigung. „Nur ergänzen“ fügt hinzu und ändert, entfernt aber nichts. Ohne "
              "diese Option wird die Region an die Arbeitsmappe angeglichen (ein leeres Blatt "
              "lässt die Einträge seiner Art, wie sie sind). Eine einzelne CSV-Datei ergänzt "
              "immer."),
            "",
        ):
            ws.append([line])
        heading(ws, [_("Blatt"), _("Spalte"), _("Pflicht"), _("Erlaubte Werte")])
        required = {(e, f.name) for e, fs in FIELDS.items() for f in fs if f.required}
        for sheet in SHEETS:
            for name, label in columns(sheet):
                allowed = labels.get((sheet.entity, name))
                ws.append([sheet.title, str(label),
                           _("Ja") if (sheet.entity, name) in required
                           or name == "initiative" else _("Nein"),
                           ", ".join(allowed.values()) if allowed else ""])


def workbook_bytes(doc: dict | None, *, template: bool = False) -> bytes:
    out = io.BytesIO()
    build_workbook(doc, template=template).save(out)
    return out.getvalue()


# --- import -----------------------------------------------------------------------------------


@dataclass
class Converted:
    """A spreadsheet read into a bundle: the document, the problems of reading it (already
    named by sheet, row and column) and where each record came from."""

    doc: dict
    problems: list[Problem] = field(default_factory=list)
    #: (section, key) -> (sheet title, row number); ("participants", (initiative, actor))
    rows: dict[tuple[str, Any], tuple[str, int]] = field(default_factory=dict)
    #: sheet title -> {field name: column header as written}
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    #: columns each sheet holds (a merge changes only those)
    present: dict[str, set[str]] = field(default_factory=dict)
    merge: bool = False

    def locate(self, problems: Iterable[Problem]) -> list[Problem]:
        """The bundle's problems (JSON paths) named by sheet, row and column."""
        return [self._locate(p) for p in problems]

    def _locate(self, problem: Problem) -> Problem:
        m = re.match(r"^\$\.(\w+)(?:\[(\d+)\])?(?:\.participants\[(\d+)\])?(?:\.(\w+))?",
                     problem.field)
        if not m:
            return Problem(_("Arbeitsmappe"), problem.message)
        section, n, m_, name = m.group(1), m.group(2), m.group(3), m.group(4)
        if m_ is not None and section != "initiatives":  # a format's participant (a key)
            m_, name = None, "participants"
        if section == "region":
            return Problem(_where(REGION_SHEET, self.rows.get(("region", name)),
                                  _german(_l("Wert"))), _strip(problem.message))
        if section == "rules":
            return Problem(_where(RULES_SHEET, None, None), problem.message)
        if section in JSON_SHEETS:  # a read-only sheet: named by its title and the path
            return Problem(_where(JSON_SHEETS[section][0], None, None),
                           f"{problem.field}: {problem.message}")
        items = self.doc.get(section)
        if n is None or not isinstance(items, list) or int(n) >= len(items):
            return Problem(_where(_BY_SECTION[section].title if section in _BY_SECTION
                                  else section, None, None), problem.message)
        record = items[int(n)]
        sheet = _BY_SECTION.get(section)
        if m_ is not None:
            parts = record.get("participants") or []
            actor = parts[int(m_)].get("actor") if int(m_) < len(parts) else None
            at = self.rows.get(("participants", (record.get("key"), actor)))
            sheet = _BY_SECTION["participants"]
        else:
            at = self.rows.get((section, _record_key(section, record)))
        if at is None:  # a record the region holds (merge), not in the file
            return Problem(_("%(sheet)s, bestehender Eintrag „%(key)s“",
                             sheet=sheet.title, key=record.get("key") or "?"),
                           problem.message)
        title, row = at
        header = None
        if name:
            header = self.headers.get(title, {}).get(name) or _german(
                dict(columns(sheet)).get(name, name))
        message = _strip(problem.message) if header else problem.message
        entity = sheet.entity
        if name and (entity, name) in CHOICES and isinstance(record.get(name), str) \
                and record[name] not in CHOICES[(entity, name)]:
            message = _("unbekannter Wert „%(v)s“; erlaubt: %(a)s.", v=record[name], a=", ".join(
                _labels(CHOICES[(entity, name)], "de").values()))
        elif name and (m_ is None or name != "participants"):
            named = self._named(record.get(name) if m_ is None else (
                (record.get("participants") or [])[int(m_)].get(name)
                if int(m_) < len(record.get("participants") or []) else None))
            if named is not None:
                message = _("„%(v)s“ ist ein Name; diese Spalte nimmt den Schlüssel: „%(k)s“.",
                            v=named[0], k=named[1])
        return Problem(_where(title, row, header), message)

    def _named(self, value: Any) -> tuple[str, str] | None:
        """(the value, the key) when a cell that takes a key holds the name of exactly one
        municipality, actor, initiative or format of the bundle instead ("Olpe" for "olpe"),
        else None."""
        if not isinstance(value, str) or not value.strip():
            return None
        wanted = value.strip().casefold()
        keys = {r.get("key") for section in ("municipalities", "actors", "initiatives",
                                             "formats")
                for r in self.doc.get(section) or [] if isinstance(r, dict)
                and isinstance(r.get("name"), str) and r["name"].strip().casefold() == wanted
                and isinstance(r.get("key"), str)}
        return (value.strip(), keys.pop()) if len(keys) == 1 else None


def _where(sheet: str, row: int | None, column: str | None) -> str:
    if row is None:
        return sheet
    if column is None:
        return _("%(sheet)s, Zeile %(row)d", sheet=sheet, row=row)
    return _("%(sheet)s, Zeile %(row)d, Spalte „%(col)s“", sheet=sheet, row=row, col=column)


def _strip(message: str) -> str:
    """A field message without its leading label (the column names it already)."""
    head, sep, rest = message.partition(": ")
    return rest if sep and len(head) <= 40 and rest else message


def _record_key(section: str, record: dict) -> Any:
    if section == "ties" and not record.get("key"):
        from collab.objects.services import default_tie_key
        if record.get("source") and record.get("target"):
            return default_tie_key(record["source"], record["target"],
                                   record.get("kind") or "cooperation")
    return record.get("key")


def _header_index() -> dict[str, dict[str, str]]:
    """sheet entity -> {accepted header (lower case): field name}: German and English
    labels and the bundle's field names."""
    found: dict[str, dict[str, str]] = {}
    for sheet in SHEETS:
        names = found.setdefault(sheet.entity, {})
        for lang in ("en", "de"):
            with force_locale(lang):
                for name, label in columns(sheet):
                    names[str(label).strip().lower()] = name
        for name, _label in columns(sheet):
            names[name.lower()] = name
    return found


def _value_index() -> dict[tuple[str, str], dict[str, str]]:
    """(entity, field) -> {code, German or English label (lower case): code}."""
    found = {}
    for key, values in [*CHOICES.items(), *LISTS.items()]:
        if values is None:
            continue
        index: dict[str, str] = {}
        for lang in ("en", "de"):
            for code, label in _labels(values, lang).items():
                index[label.strip().lower()] = code
        for code in values:
            index[code.lower()] = code
        found[key] = index
    return found


_TRUE = {"ja", "j", "yes", "y", "true", "wahr", "x", "1"}
_FALSE = {"nein", "n", "no", "false", "falsch", "0"}


def parse_bool(value: Any) -> Any:
    """Ja/Nein (and yes/no, wahr/falsch, 1/0) as a truth value; anything else unchanged."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return value


class _Reader:
    def __init__(self, merge: bool):
        self.out = Converted(doc={}, merge=merge)
        self.headers = _header_index()
        self.values = _value_index()
        self.numbers = {(e, f.name): f.parse.bounds for e, fs in FIELDS.items() for f in fs
                        if hasattr(f.parse, "bounds")}

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.out.problems.append(Problem(_where(sheet, row, column), message))

    def cell(self, entity: str, name: str, value: Any, at: tuple[str, int, str]) -> Any:
        """One cell as the bundle holds it; a number or date that cannot be read is a
        problem here (the rest is checked by the bundle's validation)."""
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                return None
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) \
                else value
        if (entity, name) in LISTS:
            items = [v.strip() for v in re.split(r"[,;]", str(value)) if v.strip()]
            index = self.values.get((entity, name))
            return [index.get(v.lower(), v) for v in items] if index else items
        if (entity, name) in CHOICES:
            return self.values[(entity, name)].get(str(value).lower(), value)
        if (entity, name) in DATES:
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", str(value))
            if german:
                day, month, year = (int(g) for g in german.groups())
                try:
                    return dt.date(year, month, day).isoformat()
                except ValueError:
                    pass
            return str(value)  # the validation names what is wrong with it
        if (entity, name) in self.numbers:
            integer = self.numbers[(entity, name)][2]
            if isinstance(value, str):
                try:
                    return parse_localized_number(value, integer=integer, locale="de")
                except Invalid as exc:
                    self.problem(*at, str(exc))
                    return None
            if isinstance(value, float) and integer and value.is_integer():
                return int(value)
            return value
        if isinstance(value, bool):
            return value
        if name == "ags" and isinstance(value, int | float):
            return f"{int(value):08d}"  # Excel drops the leading zero of 05966024
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, str):  # a date, a time, a duration in a text column
            return str(value)
        return value

    def sheet(self, sheet: Sheet, title: str, rows: Iterable[tuple], first_row: int = 1
              ) -> list[dict]:
        """The records of one sheet (header in its first row)."""
        rows = iter(rows)
        header = next(rows, None)
        if header is None:
            return []
        index = self.headers[sheet.entity]
        names: list[str | None] = []
        written: dict[str, str] = {}
        for n, h in enumerate(header, start=1):
            text = str(h).strip() if h is not None else ""
            name = index.get(text.lower())
            if text and name is None:
                self.problem(title, first_row, None, _(
                    "Spalte %(n)d: unbekannte Überschrift „%(h)s“.", n=n, h=text))
            if name is not None and name in written:
                self.problem(title, first_row, None, _(
                    "Die Spalte „%(h)s“ kommt doppelt vor.", h=text))
                name = None
            names.append(name)
            if name:
                written[name] = text
        self.out.headers[title] = written
        self.out.present[sheet.section] = set(written)
        records = []
        for number, row in enumerate(rows, start=first_row + 1):
            if number - first_row > MAX_ROWS:
                self.problem(title, number, None, _("zu viele Zeilen (höchstens %(n)d).",
                                                    n=MAX_ROWS))
                break
            if row is None or all(v is None or (isinstance(v, str) and not v.strip())
                                  for v in row):
                continue
            record: dict[str, Any] = {}
            for name, value in zip(names, row, strict=False):
                if name is None:
                    continue
                value = self.cell(sheet.entity, name, value, (title, number, written[name]))
                if value is not None:
                    record[name] = value
            if sheet.section == "participants":
                self.out.rows[("participants", (record.get("initiative"),
                                                record.get("actor")))] = (title, number)
            else:
                self.out.rows.setdefault((sheet.section, _record_key(sheet.section, record)),
                                         (title, number))
            records.append(record)
        return records

    def region(self, rows: Iterable[tuple]) -> dict:
        labels = {}
        for lang in ("en", "de"):
            with force_locale(lang):
                for f in FIELDS["region"]:
                    labels[str(f.label).lower()] = f.name
                for name, label in REGION_EXTRA:
                    labels[str(label).lower()] = name
        for f in FIELDS["region"]:
            labels[f.name] = f.name
        for name, _label in REGION_EXTRA:
            labels[name] = name
        found: dict[str, Any] = {}
        for number, row in enumerate(rows, start=1):
            if number == 1 or not row or row[0] is None:
                continue
            name = labels.get(str(row[0]).strip().lower())
            if name is None:
                self.problem(REGION_SHEET, number, None, _(
                    "unbekanntes Feld „%(f)s“.", f=str(row[0]).strip()))
                continue
            self.out.rows[("region", name)] = (REGION_SHEET, number)
            value = self.cell("region", name, row[1] if len(row) > 1 else None,
                              (REGION_SHEET, number, _german(_l("Wert"))))
            found[name] = value
        return found


def workbook_to_bundle(body: bytes, *, merge: bool = False,
                       lookup: Callable[[str | None], dict | None] = lambda slug: None
                       ) -> Converted:
    """Read an .xlsx workbook into a bundle. ``lookup(slug)`` gives the region's bundle as
    it is (None for a region not on the platform yet) for the slug the Region sheet names:
    its rules are kept (the rules sheet is read-only), and with ``merge`` its records stay
    and the workbook's rows add to and update them."""
    reader = _Reader(merge)
    try:
        book = read_workbook(body)
    except WorkbookTooLarge:
        return Converted(doc={}, problems=[Problem(_("Arbeitsmappe"), _(
            "Die Arbeitsmappe ist entpackt größer als %(n)d MB; so groß ist selbst ein "
            "Netzwerk aller Kommunen Deutschlands nicht (etwa 35 MB). Bitte prüfen Sie die "
            "Datei.", n=MAX_UNPACKED_BYTES // 2**20))])
    except Exception:  # noqa: BLE001 - any unreadable file is the same problem for the user
        return Converted(doc={}, problems=[Problem(_("Arbeitsmappe"), _(
            "Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx)."))])
    titles = {title.strip().lower(): (title, rows) for title, rows in book.items()}
    region = {}
    if REGION_SHEET.lower() in titles:
        region = reader.region(titles[REGION_SHEET.lower()][1])
    sections: dict[str, list[dict]] = {}
    for sheet in SHEETS:
        found = titles.get(sheet.title.lower()) or titles.get(sheet.english.lower())
        if found is not None:
            records = reader.sheet(sheet, found[0], found[1])
            if records:  # an empty sheet (the template's) keeps what the region holds
                sections[sheet.section] = records
    current = lookup(region.get("slug") if isinstance(region.get("slug"), str) else None)
    rules = None
    found = titles.get(RULES_SHEET.lower()) or titles.get("rules")
    if found is not None and current is None:
        rules = _read_rules(reader, found[0], found[1])
    carried = {}
    for section, (title, cols) in JSON_SHEETS.items():
        found = titles.get(title.lower()) or titles.get(section)
        if found is not None and current is None:
            carried[section] = _read_json_rows(reader, found[0], found[1], cols)
    if not sections and not reader.out.problems:
        reader.out.problems.append(Problem(_("Arbeitsmappe"), _(
            "Die Arbeitsmappe enthält keine Zeilen in den Blättern %(s)s.",
            s=", ".join(s.title for s in SHEETS))))
    out = _assemble(reader.out, region, sections, rules, current)
    for section in JSON_SHEETS:
        held = (current or {}).get(section)
        if current is not None and held:
            out.doc[section] = list(held)  # the region's, as it holds them
        elif carried.get(section):
            out.doc[section] = carried[section]
    return out


def _read_json_rows(reader: _Reader, title: str, rows: Iterable[tuple],
                    cols: tuple) -> list[dict]:
    """Records of a read-only sheet's JSON column (a region new to the platform)."""
    found = []
    for number, row in enumerate(rows, start=1):
        if number == 1 or not row or len(row) < len(cols) or row[len(cols) - 1] is None:
            continue
        try:
            found.append(json.loads("".join(
                str(v) for v in row[len(cols) - 1:] if v is not None)))
        except (TypeError, ValueError, RecursionError):
            reader.problem(title, number, _german(cols[-1][1]), _(
                "kein gültiges JSON; das Blatt „%(s)s“ ist schreibgeschützt.", s=title))
    return found


#: An .xlsx file is a zip archive; unpacked, its parts may hold at most this much (the
#: national workbook, 10,800 municipalities, unpacks to 33 MB from 3 MB). A file of a few
#: MB that unpacks to gigabytes would otherwise take the server's memory.
MAX_UNPACKED_BYTES = 256 * 2**20


class WorkbookTooLarge(ValueError):
    """The workbook unpacks to more than :data:`MAX_UNPACKED_BYTES`."""


def check_unpacked(body: bytes, limit: int | None = None) -> None:
    """Refuse a zip archive whose parts unpack to more than ``limit`` bytes. The parts'
    compressed bytes are unpacked here in chunks of 1 MB and counted (what they really hold,
    not the sizes the archive's directory claims, which a hostile file sets at will), so the
    reader that follows never meets more than ``limit`` bytes."""
    budget = MAX_UNPACKED_BYTES if limit is None else limit
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for info in archive.infolist():
            budget -= _unpacked_size(body, info, budget)


def _unpacked_size(body: bytes, info: zipfile.ZipInfo, budget: int) -> int:
    """The bytes the part ``info`` unpacks to; :class:`WorkbookTooLarge` beyond ``budget``."""
    if info.compress_type == zipfile.ZIP_STORED:
        size = info.compress_size
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        name_length, extra_length = struct.unpack(
            "<HH", body[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + name_length + extra_length
        pending: bytes | memoryview = memoryview(body)[start:start + info.compress_size]
        inflate, size = zlib.decompressobj(-zlib.MAX_WBITS), 0
        while not inflate.eof and size <= budget:
            out = inflate.decompress(pending, 1 << 20)
            pending = inflate.unconsumed_tail
            size += len(out)
            if not out and not pending:  # a stream cut short: nothing more comes
                break
    else:  # an .xlsx file stores or deflates its parts
        raise ValueError(f"compression {info.compress_type} in {info.filename!r}")
    if size > budget:
        raise WorkbookTooLarge(MAX_UNPACKED_BYTES)
    return size


def read_workbook(body: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows (cell values) of an .xlsx file: read with python-calamine (Rust,
    about 15 times faster than openpyxl on 17,000 rows), with openpyxl where it is missing.
    Raises on a file that is no workbook, and :class:`WorkbookTooLarge` on one that unpacks
    to more than :data:`MAX_UNPACKED_BYTES`."""
    check_unpacked(body)
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - the dependency is declared
        CalamineWorkbook = None
    if CalamineWorkbook is not None:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(body))
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in wb.sheet_names}
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _read_rules(reader: _Reader, title: str, rows: Iterable[tuple]) -> list[dict]:
    """Rules of a region new to the platform, from the read-only sheet's JSON column."""
    found = []
    for number, row in enumerate(rows, start=1):
        if number == 1 or not row or len(row) < len(RULE_COLUMNS) or row[-1] is None:
            continue
        try:
            found.append(json.loads("".join(
                str(v) for v in row[len(RULE_COLUMNS) - 1:] if v is not None)))
        except (TypeError, ValueError, RecursionError):
            reader.problem(title, number, _german(RULE_COLUMNS[-1][1]), _(
                "kein gültiges JSON; das Blatt „Regeln“ ist schreibgeschützt."))
    return found


def decode_text(body: bytes) -> str:
    """A CSV file's text: UTF-8 with or without BOM, else Windows-1252 (German Excel)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """``;`` (German Excel), ``,`` or tab, by the header line."""
    first = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=first.count)


def _csv_sheet(header: list[str], name: str = "") -> Sheet | None:
    """The kind a single CSV sheet holds: by the file name when it names one, else the kind
    whose columns its header matches best."""
    stem = re.sub(r"\.[^.]*$", "", name.rsplit("/", 1)[-1]).strip().lower()
    for sheet in SHEETS:
        if stem in (sheet.title.lower(), sheet.english.lower()):
            return sheet
    index = _header_index()
    cols = {h.strip().lower() for h in header if h}
    best, score = None, 0
    for sheet in SHEETS:
        names = {index[sheet.entity][c] for c in cols if c in index[sheet.entity]}
        required = {f.name for f in FIELDS[sheet.entity] if f.required}
        if sheet.section == "participants":
            required.add("initiative")
        if not required <= names:
            continue
        value = len(names) - 0.01 * len(FIELDS[sheet.entity])  # the closest fit wins
        if value > score:
            best, score = sheet, value
    return best


def csv_to_bundle(body: bytes, *, current: dict | None, filename: str = "",
                  merge: bool = True) -> Converted:
    """Read one CSV sheet into a bundle that adds to and updates the region ``current``
    (a single sheet always merges; nothing is removed)."""
    reader = _Reader(True)
    text = decode_text(body)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text)))
    except csv.Error as exc:  # a field longer than the csv module reads, a stray NUL
        reader.out.problems.append(Problem("CSV", _(
            "Die Datei ist keine lesbare CSV-Datei (%(e)s).", e=str(exc))))
        return reader.out
    if not rows:
        reader.out.problems.append(Problem("CSV", _("Die Datei ist leer.")))
        return reader.out
    sheet = _csv_sheet(rows[0], filename)
    if sheet is None:
        reader.out.problems.append(Problem(_("CSV, Zeile 1"), _(
            "Die Spalten passen zu keinem Blatt; erwartet z. B. für Akteure: %(c)s.",
            c=", ".join(_german(label) for _n, label in columns(_BY_SECTION["actors"])))))
        return reader.out
    if current is None:
        reader.out.problems.append(Problem(sheet.title, _(
            "Eine einzelne CSV-Datei ergänzt eine bestehende Region; diese Region gibt es "
            "noch nicht. Bitte zuerst eine ganze Arbeitsmappe oder ein Bündel importieren.")))
        return reader.out
    records = reader.sheet(sheet, sheet.title, rows)
    out = _assemble(reader.out, {}, {sheet.section: records}, None, current)
    for section in JSON_SHEETS:  # the region's solutions and former members, as they are
        if current.get(section):
            out.doc[section] = list(current[section])
    return out


def _assemble(out: Converted, region: dict, sections: dict[str, list[dict]],
              rules: list | None, current: dict | None) -> Converted:
    """The bundle: the sheets' records (with ``merge``, laid over the region's current
    ones; a sheet the file lacks keeps the region's records), the rules as the region
    holds them."""
    base = current or {}
    if out.merge:
        region = {k: v for k, v in region.items() if v is not None}
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "region": {**(base.get("region") or {}), **region}}
    for name in ("voting_tiers", "taktgeber", "funded_until"):
        if doc["region"].get(name) is None:
            doc["region"].pop(name, None)
    participants = sections.get("participants")
    for section in ("municipalities", "actors", "initiatives", "ties", "formats"):
        have = [dict(r) for r in base.get(section, [])]
        mine = sections.get(section)
        if mine is None:
            doc[section] = have
        elif not out.merge:
            old = {r.get("key"): r for r in have}
            doc[section] = mine
            if section == "initiatives":  # without a Beteiligungen sheet: as they are
                for r in mine:
                    r["participants"] = [] if participants is not None else [
                        dict(p) for p in old.get(r.get("key"), {}).get("participants", [])]
        else:
            by_key = {_record_key(section, r): r for r in have}
            for r in mine:
                k = _record_key(section, r)
                if k and k in by_key:
                    by_key[k].update(r)
                    continue
                if section == "initiatives":
                    r.setdefault("participants", [])
                have.append(r)
                if k:
                    by_key[k] = r
            doc[section] = have
    if participants is not None:
        _place_participants(out, doc, participants)
    doc["rules"] = list(base.get("rules", [])) if current is not None else (rules or [])
    out.doc = doc
    return out


def _place_participants(out: Converted, doc: dict, rows: list[dict]) -> None:
    """The Beteiligungen rows into their initiatives: a full workbook sets each
    initiative's participants; a merge adds and updates them."""
    initiatives = {i.get("key"): i for i in doc["initiatives"]}
    for r in rows:
        initiative = initiatives.get(r.get("initiative"))
        at = out.rows.get(("participants", (r.get("initiative"), r.get("actor"))))
        if initiative is None:
            title, row = at or (_BY_SECTION["participants"].title, None)
            header = out.headers.get(title, {}).get("initiative", "Initiative")
            out.problems.append(Problem(_where(title, row, header), _(
                "Initiative „%(k)s“ ist weder im Blatt „Initiativen“ noch in der Region.",
                k=r.get("initiative") or "")))
            continue
        part = {k: v for k, v in r.items() if k != "initiative"}
        parts = initiative.setdefault("participants", [])
        for p in parts:
            if p.get("actor") == part.get("actor"):
                p.update(part)
                break
        else:
            parts.append(part)


def is_workbook(body: bytes) -> bool:
    return body[:4] == b"PK\x03\x04"


def is_spreadsheet(body: bytes, filename: str = "") -> bool:
    return is_workbook(body) or filename.lower().endswith((".xlsx", ".csv"))


def convert(body: bytes, filename: str, *, merge: bool,
            lookup: Callable[[str | None], dict | None]) -> Converted:
    """A spreadsheet upload (.xlsx, or one .csv sheet) read into a bundle; ``lookup(slug)``
    gives a region's current bundle (None: not on the platform; slug None: the region the
    upload is for)."""
    if is_workbook(body) or filename.lower().endswith(".xlsx"):
        return workbook_to_bundle(body, merge=merge, lookup=lookup)
    return csv_to_bundle(body, current=lookup(None), filename=filename)
