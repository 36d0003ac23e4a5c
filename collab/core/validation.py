"""Field rules shared by forms, the API and bundle import: one place says what is valid."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from flask import has_app_context, has_request_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import vocab

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX = 64
#: the largest page number and page size an API list accepts
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 1000
#: characters no text may hold: NUL and the other control characters but tab and line
#: breaks, lone surrogates, U+FFFE/U+FFFF (PostgreSQL refuses NUL, XML exports refuse all)
#: and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
#: which make a name display as another ("Trojan Source")
BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
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


def _fine(doc: Any) -> bool:
    """Whether :func:`bad_characters` finds nothing in ``doc``: the same walk without
    building a JSON path for every value (a bundle holds about a million values; the paths
    are built only when something is found). A container that would nest deeper than
    :data:`MAX_DEPTH` counts as found."""
    search = BAD_CHARS.search
    if isinstance(doc, str):
        return not search(doc)
    if not isinstance(doc, dict | list):
        return True
    stack: list[tuple[Any, int]] = [(doc, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        inner = depth + 1
        if value and inner > MAX_DEPTH:
            return False
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(name, str) and search(name):
                    return False
                if isinstance(item, str):
                    if search(item):
                        return False
                elif isinstance(item, dict | list):
                    push((item, inner))
        else:
            for item in value:
                if isinstance(item, str):
                    if search(item):
                        return False
                elif isinstance(item, dict | list):
                    push((item, inner))
    return True


def bad_characters(doc: Any, path: str = "") -> list[Problem]:
    """Problems for every string (key or value) in a JSON document that holds a character
    no text may hold, and for nesting deeper than :data:`MAX_DEPTH`."""
    if _fine(doc):
        return []
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

    parse.max_length = max_length  # read by the OpenAPI document
    return parse


def key(value: Any) -> str:
    stripped = value.strip() if isinstance(value, str) else None
    if stripped is None or not KEY_RE.match(stripped):
        raise Invalid(
            _("nur Kleinbuchstaben, Ziffern und einzelne Bindestriche (z. B. „olpe-rat“).")
        )
    if len(stripped) > KEY_MAX:
        raise Invalid(_("darf höchstens %(n)d Zeichen lang sein.", n=KEY_MAX))
    return stripped


def choice(vocabulary: dict) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            if not isinstance(value, str | int | float | bool) or value is None:
                value = type(value).__name__  # a list or object: named, not echoed
            allowed = ", ".join(vocabulary)
            raise Invalid(_("unbekannter Wert „%(v)s“; erlaubt: %(a)s.", v=value, a=allowed))
        return value

    parse.choices = vocabulary  # read by the OpenAPI document
    return parse


def _locale() -> str:
    """The interface language numbers and dates are read in (German without a request)."""
    if not has_request_context():
        return "de"
    from collab.core.web import select_locale
    return select_locale()


def parse_localized_number(raw: str, *, integer: bool = False,
                           locale: str | None = None) -> int | float:
    """A number typed in the interface language's notation, read with Babel (strict).

    German: "24.551" is 24551, "1,5" is 1.5, and "1.5" is refused (a misplaced thousands
    separator); English: "24,551" and "1.5". Plain digits with a point as decimal separator
    ("51.03") are accepted in both, as browsers and spreadsheets write them. An integer
    field refuses a fraction instead of rounding it or dropping the separator. ``locale``
    fixes the notation (a spreadsheet written by German Excel is read with "de" whatever
    the interface language).
    """
    locale = locale or _locale()
    raw = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not raw or "e" in raw.lower():  # no exponents: a typed number has none
        raise Invalid(
            _("muss eine ganze Zahl sein.") if integer else _("muss eine Zahl sein."))
    plain = re.fullmatch(r"[+-]?\d+(\.\d+)?", raw)
    try:
        if plain and (not integer or "." not in raw) and not (
                locale == "de" and re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", raw)):
            value = Decimal(raw)
        else:
            value = parse_decimal(raw, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise Invalid(
            _("muss eine ganze Zahl sein.") if integer else _("muss eine Zahl sein.")) from None
    if not value.is_finite():  # Babel reads "inf", "Infinity" and "NaN" as numbers
        raise Invalid(
            _("muss eine ganze Zahl sein.") if integer else _("muss eine Zahl sein."))
    if integer:
        if value != value.to_integral_value():
            raise Invalid(_("muss eine ganze Zahl sein."))
        return int(value)
    return float(value)


def number(minimum: float | None = None, maximum: float | None = None, integer=False) -> Parser:
    def parse(value: Any) -> float | int:
        if isinstance(value, bool):
            raise Invalid(_("muss eine Zahl sein."))
        if isinstance(value, str):
            value = parse_localized_number(value, integer=integer)
        if integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        if integer and not isinstance(value, int):
            raise Invalid(_("muss eine ganze Zahl sein."))
        if not isinstance(value, int | float) or (isinstance(value, float)
                                                  and not math.isfinite(value)):
            raise Invalid(_("muss eine Zahl sein."))  # NaN and infinities are no numbers
        if minimum is not None and value < minimum:
            raise Invalid(_("darf nicht kleiner als %(n)s sein.", n=_fmt(minimum)))
        if maximum is not None and value > maximum:
            raise Invalid(_("darf nicht größer als %(n)s sein.", n=_fmt(maximum)))
        return value

    parse.bounds = (minimum, maximum, integer)  # read by the OpenAPI document
    return parse


def _fmt(value: float) -> str:
    """A bound in the interface language's notation (47,2 in German, 47.2 in English)."""
    if not has_app_context():  # no locale to ask: German notation
        return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")
    return format_decimal(value, format="#,##0.###")


_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


#: the years a date of the platform may fall in (a membership since 1900, funding until 2100);
#: "01.01.0001" or "31.12.9999" are typing mistakes, and the year 1 breaks date arithmetic
FIRST_YEAR, LAST_YEAR = 1900, 2100


def date(value: Any) -> dt.date:
    """A date as JJJJ-MM-TT (ISO, bundles and API) or TT.MM.JJJJ (German forms), in the
    years ``FIRST_YEAR`` to ``LAST_YEAR``."""
    found = None
    if isinstance(value, dt.datetime):
        found = value.date()
    elif isinstance(value, dt.date):
        found = value
    elif isinstance(value, str):
        raw = value.strip()
        german = _GERMAN_DATE.fullmatch(raw)
        try:
            if german:
                day, month, year = (int(g) for g in german.groups())
                found = dt.date(year, month, day)
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                found = dt.date.fromisoformat(raw)
        except ValueError:
            pass
    if found is None:
        raise Invalid(_("muss ein Datum sein (TT.MM.JJJJ oder JJJJ-MM-TT)."))
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise Invalid(_("muss zwischen %(a)d und %(b)d liegen.", a=FIRST_YEAR, b=LAST_YEAR))
    return found


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


def keys(value: Any) -> list[str]:
    """A list of keys (or the keys of a comma-separated text), without duplicates, in the
    order given."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple):
        raise Invalid(_("muss eine Liste von Schlüsseln sein."))
    found: list[str] = []
    for item in value:
        item = key(item)
        if item not in found:
            found.append(item)
    return found


_EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


def email(value: Any) -> str:
    """An e-mail address (a plausible shape; it is shown as text, never as a link)."""
    if not isinstance(value, str) or len(value.strip()) > 200 or not _EMAIL.fullmatch(
            value.strip()):
        raise Invalid(_("muss eine E-Mail-Adresse sein (z. B. digital@gemeinde.de)."))
    return value.strip()


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def key_from_name(name: str, max_length: int = 48) -> str:
    """A key suggested for ``name``: lower case, umlauts spelled out, every other run of
    characters a single hyphen ("Stadt Bad Berleburg" → "stadt-bad-berleburg").

    >>> key_from_name("Südwestfalen Agentur GmbH")
    'suedwestfalen-agentur-gmbh'
    """
    import unicodedata

    text_ = unicodedata.normalize("NFKD", (name or "").lower().translate(_UMLAUTS))
    text_ = "".join(c for c in text_ if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", text_).strip("-")
    return slug[:max_length].strip("-")


def is_url(value: str | None) -> bool:
    """Whether a source is a web address (shown as a link; anything else stays text)."""
    return bool(value) and re.match(r"^https?://[^\s<>\"']+$", value.strip()) is not None


#: the longest source reference (a URL or a list of document references)
SOURCE_MAX = 2000


def _provenance_fields(source: str | None = "source") -> list[Field]:
    """``provenance`` and, unless the entity names it otherwise, its ``source``."""
    found = [Field("provenance", _l("Herkunft"), choice(vocab.PROVENANCES),
                   default="documented")]
    if source == "source":
        found.append(Field("source", _l("Quelle"), text(SOURCE_MAX), default=""))
    elif source == "reference":
        found.append(Field("reference", _l("Quelle"), text(SOURCE_MAX), default=""))
    return found


def weights(value: Any, path: str = "weights") -> tuple[dict[str, float] | None, list[Problem]]:
    """The Taktgeber weights of a criteria rule: an object mapping part names
    (:data:`vocab.TAKTGEBER_PARTS`) to numbers >= 0 that sum to 1 (parts not named count 0).

    Returns the weights and the problems, each at ``path`` or ``path.<part>``.
    """
    label = _("Gewichte")
    if not isinstance(value, dict) or not value:
        return None, [Problem(path, _(
            "%(f)s: ein Objekt aus Teilen und Zahlen, z. B. {\"brokerage\": 0.5, "
            "\"mandate\": 0.5}.", f=label))]
    found: dict[str, float] = {}
    problems: list[Problem] = []
    parse = number(0, 1)
    for part, share in value.items():
        where = f"{path}.{part}"
        if part not in vocab.TAKTGEBER_PARTS:
            problems.append(Problem(where, _(
                "%(f)s: unbekannter Teil „%(p)s“; erlaubt: %(a)s.", f=label, p=part,
                a=", ".join(vocab.TAKTGEBER_PARTS))))
            continue
        try:
            found[part] = float(parse(share))
        except Invalid as exc:
            problems.append(Problem(where, f"{label} ({part}): {exc}"))
    if not problems and not math.isclose(sum(found.values()), 1.0, abs_tol=1e-6):
        problems.append(Problem(path, _(
            "%(f)s: Die Gewichte müssen zusammen 1 ergeben (jetzt %(s)s).", f=label,
            s=_fmt(round(sum(found.values()), 6)))))
    return (found if not problems else None), problems


def flag(value: Any) -> bool:
    """A yes/no value: true or false (forms also send "y", "on", "1")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("y", "yes", "on", "1", "true"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("n", "no", "off", "0", "false"):
        return False
    raise Invalid(_("true oder false."))


def catalogue_links(value: Any) -> dict[str, str]:
    """A solution's profiles in the public catalogues: an object mapping
    :data:`vocab.SOLUTION_LINKS` names to web addresses (http or https only)."""
    if not isinstance(value, dict):
        raise Invalid(_("ein Objekt aus Katalog und Adresse, z. B. {\"opencode\": "
                        "\"https://gitlab.opencode.de/…\"}."))
    found: dict[str, str] = {}
    for name, url in value.items():
        if name not in vocab.SOLUTION_LINKS:
            raise Invalid(_("unbekannter Katalog „%(v)s“; erlaubt: %(a)s.", v=str(name)[:40],
                            a=", ".join(vocab.SOLUTION_LINKS)))
        if url in (None, ""):
            continue
        url = text(SOURCE_MAX)(url)
        if not is_url(url):
            raise Invalid(_("%(k)s: nur eine Webadresse mit http:// oder https://.", k=name))
        found[name] = url
    return found


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
        Field("funded_until", _l("Gefördert bis"), date),
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
        Field("joined_by", _l("Beigetreten durch"), choice(vocab.JOINED_BY)),
        *_provenance_fields(),
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
        *_provenance_fields(),
    ],
    "initiative": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("topic", _l("Handlungsfeld"), choice(vocab.TOPICS), required=True),
        Field("status", _l("Status"), choice(vocab.INITIATIVE_STATUSES), default="idea"),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("start", _l("Beginn"), date),
        Field("end", _l("Ende"), date),
        Field("scope", _l("Reichweite"), choice(vocab.INITIATIVE_SCOPES), default="joint"),
        Field("funding", _l("Finanzierung"), text(2000), default=""),
    ],
    "participant": [
        Field("actor", _l("Akteur"), key, required=True),
        Field("role", _l("Rolle"), choice(vocab.PARTICIPATION_ROLES), default="partner"),
        *_provenance_fields(),
    ],
    "tie": [
        Field("key", _l("Schlüssel"), key),
        Field("source", _l("Von"), key, required=True),
        Field("target", _l("Zu"), key, required=True),
        Field("kind", _l("Art"), choice(vocab.TIE_KINDS), default="cooperation"),
        Field("weight", _l("Stärke"), number(1, 5, integer=True), default=3),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("trust", _l("Vertrauen (1–5)"), number(1, 5, integer=True)),
        Field("value", _l("Nutzen (1–5)"), number(1, 5, integer=True)),
        *_provenance_fields("reference"),
    ],
    "format": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("kind", _l("Art"), choice(vocab.FORMAT_KINDS), default="other"),
        Field("cadence", _l("Turnus"), choice(vocab.CADENCES), default="monthly"),
        Field("convenor", _l("Einladende Stelle"), key),
        Field("participants", _l("Teilnehmende"), keys, default=()),
        Field("topic", _l("Handlungsfeld"), choice(vocab.TOPICS)),
        Field("since", _l("Seit"), date),
        Field("until", _l("Bis"), date),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        *_provenance_fields(),
    ],
    "solution": [
        Field("key", _l("Schlüssel"), key, required=True),
        Field("name", _l("Name"), text(200), required=True),
        Field("topic", _l("Handlungsfeld"), choice(vocab.TOPICS), required=True),
        Field("kind", _l("Art"), choice(vocab.SOLUTION_KINDS), default="software"),
        Field("owner", _l("Eigentümer"), key),
        Field("open_source", _l("Quelloffen"), flag, default=False),
        Field("licence", _l("Lizenz"), text(200), default=""),
        Field("maturity", _l("Reifegrad"), choice(vocab.SOLUTION_MATURITIES),
              default="pilot"),
        Field("links", _l("Katalog-Einträge"), catalogue_links),
        Field("initiatives", _l("Initiativen"), keys, default=()),
        Field("description", _l("Beschreibung"), text(5000), default=""),
        Field("source", _l("Quelle"), text(SOURCE_MAX), default=""),
    ],
    "solution_use": [
        Field("municipality", _l("Kommune"), key, required=True),
        Field("relation", _l("Beziehung"), choice(vocab.SOLUTION_RELATIONS), default="uses"),
        Field("from", _l("Nachgenutzt von"), key),
        Field("since", _l("Seit"), date),
        *_provenance_fields(),
    ],
    "reuse_request": [Field("message", _l("Nachricht"), text(2000), default="")],
    # --- Spielregeln: what a rule, a ballot, a vote and a request consist of -----------------
    "rule": [
        Field("title", _l("Titel"), text(200), required=True),
        Field("text", _l("Text"), text(20000), required=True),
        Field("kind", _l("Art"), choice(vocab.RULE_KINDS), default="general"),
        Field("tie_kind", _l("Art der Verbindung"), choice(vocab.TIE_KINDS)),
    ],
    "ballot": [Field("closes_at", _l("Abstimmungsende"), text(40), required=True)],
    "comment": [Field("text", _l("Kommentar"), text(5000), required=True)],
    "vote": [
        Field("vote", _l("Stimme"), choice(vocab.VOTE_CHOICES), required=True),
        Field("reason", _l("Begründung"), text(5000), default=""),
        Field("reference", _l("Bezug"), text(1000), default=""),
    ],
    "join": [
        Field("tier", _l("Stufe"), choice(vocab.TIERS), default="member"),
        Field("reference", _l("Bezug"), text(2000), required=True),
    ],
    "decision": [Field("reason", _l("Begründung"), text(5000), default="")],
    "initiative_join": [
        Field("role", _l("Rolle"), choice(vocab.JOIN_ROLES), default="partner"),
        Field("message", _l("Nachricht"), text(2000), default=""),
    ],
    # --- the relationship survey and self-service applications ------------------------------
    "survey": [Field("closes_at", _l("Antworten bis"), date, required=True)],
    "survey_unit": [
        Field("actor", _l("Einheit"), key, required=True),
        Field("level", _l("Ebene"), choice(vocab.LEVELS), required=True),
    ],
    "survey_partner": [
        Field("from", _l("Eigene Einheit"), key, required=True),
        Field("actor", _l("Partner"), text(200)),
        Field("kind", _l("Art der Verbindung"), choice(vocab.TIE_KINDS), default="cooperation"),
        Field("frequency", _l("Wie oft"), choice(vocab.FREQUENCIES), required=True),
        Field("trust", _l("Vertrauen (1–5)"), number(1, 5, integer=True)),
        Field("value", _l("Nutzen (1–5)"), number(1, 5, integer=True)),
    ],
    "survey_new_actor": [
        Field("name", _l("Name des neuen Partners"), text(200), required=True),
        Field("type", _l("Typ"), choice(vocab.ACTOR_TYPES), default="other"),
        Field("level", _l("Ebene"), choice(vocab.LEVELS), default="operational"),
        Field("sector", _l("Sektor"), choice(vocab.SECTORS), default="public"),
    ],
    "application": [
        Field("name", _l("Name der Kommune"), text(200), required=True),
        Field("ags", _l("AGS"), ags, required=True),
        Field("district", _l("Kreis"), text(200), default=""),
        Field("email", _l("Kontaktadresse (E-Mail)"), email, required=True),
        Field("joined_by", _l("Beitritt durch"), choice(vocab.JOINED_BY), required=True),
        Field("reference", _l("Absichtserklärung oder Ratsbeschluss"), text(5000),
              required=True),
    ],
    # --- query parameters of API lists ------------------------------------------------------
    "list": [
        Field("page", "page", number(1, MAX_PAGE, integer=True), default=1),
        Field("per_page", "per_page", number(1, MAX_PER_PAGE, integer=True), default=100),
        Field("q", "q", text(200), default=""),
    ],
    # the query of an import through the API: the data version its dry run reported
    "bundle_import": [
        Field("if_version", "if_version", number(0, 2**53, integer=True), default=None),
    ],
}


def parse_field(problems: list[Problem], entity: str, name: str, value: Any, *,
                path: str = "", parse: Parser | None = None) -> Any:
    """Parse one value by the rule of ``entity.name`` in :data:`FIELDS`; a problem (German,
    naming the field) is added to ``problems`` and the field's default returned instead.
    ``parse`` replaces the table's parser where the value needs context (a local time)."""
    f = _FIELD_INDEX[entity][name]
    where = f"{path}.{name}" if path else name
    if _blank(value):
        if f.required:
            problems.append(Problem(where, _("%(f)s: Angabe fehlt.", f=f.label)))
        return list(f.default) if isinstance(f.default, tuple) else f.default
    try:
        return (parse or f.parse)(value)
    except Invalid as exc:
        problems.append(Problem(where, f"{f.label}: {exc}"))
        return list(f.default) if isinstance(f.default, tuple) else f.default


def parse_decision(raw: Any) -> tuple[bool, str]:
    """A decision on a request (to join, to take part, to re-use a solution): ``approve``
    (true or false) and a ``reason``, which a refusal must give."""
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    approve = raw.get("approve")
    if not isinstance(approve, bool):
        problems.append(Problem("approve", _("Entscheidung: true (annehmen) oder false "
                                             "(ablehnen).")))
    reason = parse_field(problems, "decision", "reason", raw.get("reason"))
    if approve is False and not reason:
        problems.append(Problem("reason", _("Begründung: Eine Ablehnung muss begründet "
                                            "werden.")))
    if problems:
        raise ValidationError(problems)
    return approve, reason


def field_label(entity: str, name: str):
    """The field's label as a lazy string, translated each time it is shown (forms are
    declared at import time, before any request chose a language)."""
    for f in FIELDS[entity]:
        if f.name == name:
            return f.label
    return name


_FIELD_INDEX = {entity: {f.name: f for f in fields} for entity, fields in FIELDS.items()}


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
    # parse_field's rule for each field, inlined: a bundle cleans about a million values
    for f in FIELDS[entity]:
        name = f.name
        if name in raw:
            value = raw[name]
        elif partial:
            continue
        else:
            value = None
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if f.required:  # a refused value is left out (no cross-field check on it)
                problems.append(Problem(f"{path}.{name}" if path else name,
                                        _("%(f)s: Angabe fehlt.", f=f.label)))
            else:
                data[name] = list(f.default) if isinstance(f.default, tuple) else f.default
            continue
        try:
            data[name] = f.parse(value)
        except Invalid as exc:
            problems.append(Problem(f"{path}.{name}" if path else name, f"{f.label}: {exc}"))
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
    if entity == "solution_use" and data.get("from"):
        if data.get("relation") != "reused_from":
            found.append(Problem(at("from"), _(
                "Nachgenutzt von: nur bei der Beziehung reused_from.")))
        elif data["from"] == data.get("municipality"):
            found.append(Problem(at("from"), _(
                "Nachgenutzt von: Eine Kommune nutzt nicht von sich selbst nach.")))
    if entity == "format" and data.get("since") and data.get("until"):
        if data["until"] < data["since"]:
            found.append(Problem(at("until"), _("Bis: liegt vor „Seit“.")))
    return found
