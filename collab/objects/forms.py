"""Forms of the five object kinds and the region's settings; what is valid is decided by
:mod:`collab.core.validation`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)

from collab.core import vocab
from collab.core.forms import choices_of, options, typeahead
from collab.core.forms import select_field as _select
from collab.core.forms import text_field as _text
from collab.core.validation import field_label


def _provenance(entity: str):
    return _select(entity, "provenance", vocab.PROVENANCES)


def _source(entity: str, name: str = "source"):
    return _text(entity, name, description=_l(
        "Eine Internetadresse (https://…) oder ein Dokument, z. B. „Ratsbeschluss vom "
        "12.03.2024“."))


def _rating(entity: str, name: str) -> SelectField:
    """A 1..5 answer of the relationship survey, or none."""
    return SelectField(field_label(entity, name), validate_choice=False, default="",
                       choices=options([("", "—"), *((str(n), str(n)) for n in range(1, 6))]))


class MunicipalityForm(FlaskForm):
    key = _text("municipality", "key", description=_l(
        "z. B. „olpe“; leer lassen: aus dem Namen gebildet. Bleibt nach dem Speichern dauerhaft."))
    name = _text("municipality", "name")
    kind = _select("municipality", "kind", vocab.MUNICIPALITY_KINDS)
    ags = _text("municipality", "ags", description=_l("8 Ziffern, z. B. 05966024"))
    district = _text("municipality", "district")
    state = SelectField(field_label("municipality", "state"), validate_choice=False,
                        choices=options((k, f"{k} – {name}")
                                        for k, (_c, name) in vocab.STATES.items()))
    population = _text("municipality", "population")
    area_km2 = _text("municipality", "area_km2")
    lat = _text("municipality", "lat", description=_l("z. B. 51,03"))
    lon = _text("municipality", "lon", description=_l("z. B. 7,85"))
    tier = _select("municipality", "tier", vocab.TIERS)
    since = _text("municipality", "since", description=_l("TT.MM.JJJJ"))
    joined_by = _select("municipality", "joined_by", vocab.JOINED_BY, blank="—")
    description = _text("municipality", "description", area=True)
    provenance = _provenance("municipality")
    source = _source("municipality")
    submit = SubmitField(_l("Speichern"))


class ActorForm(FlaskForm):
    key = _text("actor", "key", description=_l(
        "z. B. „olpe-digital“; leer lassen: aus dem Namen gebildet. Bleibt nach dem Speichern "
        "dauerhaft."))
    name = _text("actor", "name")
    # no type chosen for the user: the first one ("Rat") had been saved unseen, with a
    # type/level warning; an empty type is refused as the API refuses a missing one
    type = _select("actor", "type", vocab.ACTOR_TYPES, blank=_l("– bitte wählen –"))
    level = _select("actor", "level", vocab.LEVELS)
    sector = _select("actor", "sector", vocab.SECTORS)
    municipality = SelectField(field_label("actor", "municipality"), validate_choice=False,
                               choices=[])
    topics = SelectMultipleField(field_label("actor", "topics"), validate_choice=False,
                                 choices=choices_of(vocab.TOPICS))
    capacity_fte = _text("actor", "capacity_fte", description=_l("Vollzeitäquivalente"))
    description = _text("actor", "description", area=True)
    contact = _text("actor", "contact",
                    description=_l("Optional, möglichst eine Funktionsadresse; "
                                   "wird nicht exportiert."))
    provenance = _provenance("actor")
    source = _source("actor")
    submit = SubmitField(_l("Speichern"))


class ParticipantForm(Form):
    actor = typeahead(_l("Akteur"))
    role = SelectField(field_label("participant", "role"), validate_choice=False,
                       default="partner", choices=choices_of(vocab.PARTICIPATION_ROLES))
    provenance = _provenance("participant")
    source = _text("participant", "source")


class InitiativeForm(FlaskForm):
    key = _text("initiative", "key", description=_l(
        "z. B. „m01“; leer lassen: aus dem Namen gebildet. Bleibt nach dem Speichern dauerhaft."))
    name = _text("initiative", "name")
    topic = _select("initiative", "topic", vocab.TOPICS)
    status = _select("initiative", "status", vocab.INITIATIVE_STATUSES)
    description = _text("initiative", "description", area=True)
    start = _text("initiative", "start", description=_l("TT.MM.JJJJ"))
    end = _text("initiative", "end", description=_l("TT.MM.JJJJ"))
    scope = _select("initiative", "scope", vocab.INITIATIVE_SCOPES)
    funding = _text("initiative", "funding", description=_l(
        "Optional, z. B. Förderprogramm und Laufzeit."))
    participants = FieldList(FormField(ParticipantForm), min_entries=0)
    more = SubmitField(_l("weitere Zeile"))
    submit = SubmitField(_l("Speichern"))


class TieForm(FlaskForm):
    source = typeahead(field_label("tie", "source"))
    target = typeahead(field_label("tie", "target"))
    kind = _select("tie", "kind", vocab.TIE_KINDS)
    weight = SelectField(field_label("tie", "weight"), validate_choice=False, default="3",
                         choices=options((str(n), str(n)) for n in range(1, 6)))
    key = _text("tie", "key", description=_l("Optional; sonst „von-zu-art“."))
    description = _text("tie", "description", area=True)
    trust = _rating("tie", "trust")
    value = _rating("tie", "value")
    provenance = _provenance("tie")
    reference = _source("tie", "reference")
    submit = SubmitField(_l("Speichern"))


class FormatForm(FlaskForm):
    key = _text("format", "key", description=_l("z. B. „jour-fixe“; bleibt dauerhaft."))
    name = _text("format", "name")
    kind = _select("format", "kind", vocab.FORMAT_KINDS)
    cadence = _select("format", "cadence", vocab.CADENCES)
    convenor = SelectField(field_label("format", "convenor"), validate_choice=False,
                           choices=[])
    participants = SelectMultipleField(field_label("format", "participants"),
                                       validate_choice=False, choices=[])
    topic = _select("format", "topic", vocab.TOPICS, blank="—")
    since = _text("format", "since", description=_l("JJJJ-MM-TT; bei „einmalig“ das Datum"))
    until = _text("format", "until", description=_l("JJJJ-MM-TT"))
    description = _text("format", "description", area=True)
    provenance = _provenance("format")
    source = _source("format")
    submit = SubmitField(_l("Speichern"))


class SolutionForm(FlaskForm):
    key = _text("solution", "key", description=_l("z. B. „dorf-dashboards“; bleibt dauerhaft."))
    name = _text("solution", "name")
    topic = _select("solution", "topic", vocab.TOPICS)
    kind = _select("solution", "kind", vocab.SOLUTION_KINDS)
    owner = SelectField(field_label("solution", "owner"), validate_choice=False, choices=[])
    open_source = BooleanField(field_label("solution", "open_source"))
    licence = _text("solution", "licence")
    maturity = _select("solution", "maturity", vocab.SOLUTION_MATURITIES)
    link_smart_city_dialog = StringField(_l("Profil im Smart City Dialog (https://…)"))
    link_efa = StringField(_l("Eintrag im EfA-Marktplatz (https://…)"))
    link_opencode = StringField(_l("Repository auf Open CoDE (https://…)"))
    link_other = StringField(_l("Weitere Seite (https://…)"))
    initiatives = SelectMultipleField(field_label("solution", "initiatives"),
                                      validate_choice=False, choices=[])
    description = _text("solution", "description", area=True)
    source = _text("solution", "source")
    submit = SubmitField(_l("Speichern"))


class SolutionUseForm(FlaskForm):
    municipality = SelectField(field_label("solution_use", "municipality"),
                               validate_choice=False, choices=[])
    relation = _select("solution_use", "relation", vocab.SOLUTION_RELATIONS)
    source = _text("solution_use", "source")
    submit = SubmitField(_l("Eintragen"))


class ReuseRequestForm(FlaskForm):
    message = _text("reuse_request", "message", area=True)
    submit = SubmitField(_l("Nachnutzung anfragen"))


class RegionSettingsForm(FlaskForm):
    funded_until = _text("region", "funded_until", description=_l(
        "Ende der Förderung des Netzwerks, JJJJ-MM-TT; leer, wenn nicht bekannt."))
    submit = SubmitField(_l("Speichern"))
