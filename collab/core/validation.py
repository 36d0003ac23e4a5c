"""Field rules shared by forms, the API and bundle import: one place says what is valid."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import vocab

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX = 64
#: characters no text may hold: NUL and the other control characters but tab and line
#: breaks, lone surrogates, U+FFFE/U+FFFF (PostgreSQL refuses NUL, XML exports refuse all)
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
#: how deep a JSON document may nest (bundles need 5 levels)
MAX_DEPTH = 32


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (a field name or JSON path) and what."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ValidationError(Exception):
    """Input that must change nothing; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class Invalid(ValueError):
    """Raised by a field parser with the German message for the user."""


Parser = Callable[[Any], Any]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def bad_characters(doc: Any, path: str = "") -> list[Problem]:
    """Problems for every string (key or value) in a JSON document that holds a character
    no text may hold, and for nesting deeper than :data:`MAX_DEPTH`."""
    found: list[Problem] = []
    stack: list[tuple[Any, str, int]] = [(doc, path, 0)]
    while stack and len(found) < 20:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            found.append(Problem(where or "$", _("zu tief verschachtelt (höchstens %(n)d Ebenen).",
                                          n=MAX_DEPTH)))
        elif isinstance(value, str):
            if BAD_CHARS.search(value):
                found.append(Problem(where or "$", _(
                    "enthält ein unzulässiges Zeichen (Steuerzeichen, NUL oder ein einzelnes "
                    "Surrogat).")))
        elif isinstance(value, dict):
            for name, item in value.items():
                if isinstance(name, str) and BAD_CHARS.search(name):
                    found.append(Problem(where or "$", _(
                        "enthält einen Feldnamen mit unzulässigem Zeichen.")))
                    continue
                stack.append((item, f"{where}.{name}" if where else str(name), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where or '$'}[{n}]", depth + 1)
                         for n, item in enumerate(value))
    return sorted(found, key=lambda p: p.field)


def text(max_length: int = 200) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(_("muss ein Text sein."))
        if BAD_CHARS.search(value):
            raise Invalid(_("enthält ein unzulässiges Zeichen (Steuerzeichen, NUL oder ein "
                            "einzelnes Surrogat)."))
        value = value.strip()
        if len(value) > max_length:
            raise Invalid(_("darf höchstens %(n)d Zeichen lang sein.", n=max_length))
        return value

    return parse


def key(value: Any) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value.strip()):
        raise Invalid(
            _("nur Kleinbuchstaben, Ziffern und einzelne Bindestriche (z. B. „olpe-rat“).")
        )
    if len(value.strip()) > KEY_MAX:
        raise Invalid(_("darf höchstens %(n)d Zeichen lang sein.", n=KEY_MAX))
    return value.strip()


def choice(vocabulary: dict) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            if not isinstance(value, str | int | float | bool) or value is None:
                value = type(value).__name__  # a list or object: named, not echoed
            allowed = ", ".join(vocabulary)
            raise Invalid(_("unbekannter Wert „%(v)s“; erlaubt: %(a)s.", v=value, a=allowed))
        return value

    return parse


def number(minimum: float | None = None, maximum: float | None = None, integer=False) -> Parser:
    def parse(value: Any) -> float | int:
        if isinstance(value, bool):
            raise Invalid(_("muss eine Zahl sein."))
        if isinstance(value, str):
            raw = value.strip().replace(" ", "")
            if integer:
                raw = raw.replace(".", "")  # German thousands separator: 24.551
            raw = raw.replace(",", ".")
            try:
                value = int(raw) if integer else float(raw)
            except ValueError:
                raise Invalid(
                    _("muss eine ganze Zahl sein.") if integer else _("muss eine Zahl sein.")
                ) from None
        if integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        if integer and not isinstance(value, int):
            raise Invalid(_("muss eine ganze Zahl sein."))
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise Invalid(_("muss eine Zahl sein."))  # NaN and infinities are no numbers
        if minimum is not None and value < minimum:
            raise Invalid(_("darf nicht kleiner als %(n)s sein.", n=_fmt(minimum)))
        if maximum is not None and value > maximum:
            raise Invalid(_("darf nicht größer als %(n)s sein.", n=_fmt(maximum)))
        return value

    return parse


def _fmt(value: float) -> str:
    """A bound in the interface language's notation (47,2 in German, 47.2 in English)."""
    if not has_app_context():  # no locale to ask: German notation
        return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
    return format_decimal(value, format="#,##0.###")


def date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(_("muss ein Datum der Form JJJJ-MM-TT sein."))


def topics(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise Invalid(_("muss eine Liste von Themen sein."))
    parse = choice(vocab.TOPICS)
    return sorted({parse(v) for v in value})


def ags(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{8}", value.strip()):
        raise Invalid(_("Der Amtliche Gemeindeschlüssel hat genau 8 Ziffern (z. B. 05966024)."))
    code = value.strip()
    if code[:2] not in {land for land, _name in vocab.STATES.values()}:
        raise Invalid(_("Die ersten zwei Ziffern (Land) müssen zwischen 01 und 16 liegen."))
    return code


@dataclass(frozen=True)
class Field:
    name: str
    label: Any  # a lazy string
    parse: Parser
    required: bool = False
    default: Any = None


FIELDS: dict[str, list[Field]] = {
    "region": [
        Field("slug", _l("Kürzel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("decision_rule", _l("Entscheidungsregel"), choice(vocab.DECISION_RULES),
              default="consensus"),
        Field("quorum", _l("Quorum"), number(0, 1), default=0.5),
    ],
    "municipality": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("kind", _l("Art"), choice(vocab.MUNICIPALITY_KINDS), required=True),
        Field("ags", _l("AGS"), ags, required=True),
        Field("district", _l("Kreis"), text(200), default=""),
        Field("state", _l("Land"), choice(vocab.STATES), required=True),
        Field("population", _l("Einwohnerzahl"), number(0, 5_000_000, integer=True),
              required=True),
        Field("area_km2", _l("Fläche (km²)"), number(0, 10_000)),
        Field("lat", _l("Breitengrad"), number(*vocab.LAT_RANGE)),
        Field("lon", _l("Längengrad"), number(*vocab.LON_RANGE)),
        Field("tier", _l("Stufe"), choice(vocab.TIERS), default="member"),
        Field("since", _l("Mitglied seit"), date),
        Field("description", _l("Beschreibung"), text(5000), default=""),
    ],
    "actor": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("type", _l("Typ"), choice(vocab.ACTOR_TYPES), required=True),
        Field("level", _l("Ebene"), choice(vocab.LEVELS), required=True),
        Field("sector", _l("Sektor"), choice(vocab.SECTORS), default="public"),
        Field("municipality", _l("Kommune"), key),
        Field("topics", _l("Themen"), topics, default=()),
        Field("capacity_fte", _l("Kapazität (VZÄ)"), number(0, 10_000)),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("contact", _l("Ansprechperson"), text(200), default=""),
    ],
    "initiative": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("topic", _l("Handlungsfeld"), choice(vocab.TOPICS), required=True),
        Field("status", _l("Status"), choice(vocab.INITIATIVE_STATUSES), default="idea"),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("start", _l("Beginn"), date),
        Field("end", _l("Ende"), date),
    ],
    "participant": [
        Field("actor", _l("Akteur"), key, required=True),
        Field("role", _l("Rolle"), choice(vocab.PARTICIPATION_ROLES), default="partner"),
    ],
    "tie": [
        Field("key", _l("Schlüssel"), key),
        Field("source", _l("Von"), key, required=True),
        Field("target", _l("Zu"), key, required=True),
        Field("kind", _l("Art"), choice(vocab.TIE_KINDS), default="cooperation"),
        Field("weight", _l("Stärke"), number(1, 5, integer=True), default=3),
        Field("description", _l("Beschreibung"), text(5000), default=""),
    ],
}


def field_label(entity: str, name: str):
    """The field's label as a lazy string, translated each time it is shown (forms are
    declared at import time, before any request chose a language)."""
    for f in FIELDS[entity]:
        if f.name == name:
            return f.label
    return name


def clean(entity: str, raw: dict, *, partial: bool = False, path: str = "") -> tuple[dict, list]:
    """Parse ``raw`` by the rules of ``entity``.

    Returns the cleaned values and the problems found. With ``partial`` (a PATCH), only the
    fields present are checked and returned. ``path`` prefixes the field in each problem
    (a JSON path for bundle import).
    """
    if not isinstance(raw, dict):
        return {}, [Problem(path or "$", _("muss ein Objekt sein."))]
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in FIELDS[entity]:
        where = f"{path}.{f.name}" if path else f.name
        if f.name not in raw:
            if partial:
                continue
            if f.required:
                problems.append(Problem(where, _("%(f)s: Angabe fehlt.", f=f.label)))
            else:
                data[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
            continue
        value = raw[f.name]
        if _blank(value):
            if f.required:
                problems.append(Problem(where, _("%(f)s: Angabe fehlt.", f=f.label)))
            else:
                data[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default
            continue
        try:
            data[f.name] = f.parse(value)
        except Invalid as exc:
            problems.append(Problem(where, f"{f.label}: {exc}"))
    problems.extend(_cross_checks(entity, data, path))
    return data, problems


def _cross_checks(entity: str, data: dict, path: str) -> list[Problem]:
    def at(name: str) -> str:
        return f"{path}.{name}" if path else name

    found: list[Problem] = []
    if entity == "municipality":
        state, code = data.get("state"), data.get("ags")
        if state in vocab.STATES and code and code[:2] != vocab.STATES[state][0]:
            found.append(Problem(at("ags"), _(
                "AGS: Die ersten zwei Ziffern (%(got)s) passen nicht zum Land %(state)s "
                "(erwartet %(want)s).", got=code[:2], state=state, want=vocab.STATES[state][0])))
        if "lat" in data and "lon" in data and (data["lat"] is None) != (data["lon"] is None):
            found.append(Problem(at("lat"), _(
                "Koordinaten: Breiten- und Längengrad gehören zusammen; bitte beide angeben.")))
    if entity == "tie" and data.get("source") and data.get("source") == data.get("target"):
        found.append(Problem(at("target"), _(
            "Zu: Eine Verbindung darf einen Akteur nicht mit sich selbst verbinden.")))
    if entity == "initiative" and data.get("start") and data.get("end"):
        if data["end"] < data["start"]:
            found.append(Problem(at("end"), _("Ende: liegt vor dem Beginn.")))
    return found
