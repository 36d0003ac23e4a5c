"""Web forms. They render fields and carry the CSRF token; the rules of what is valid live in
:mod:`collab.core.validation` and are applied by the services, so pages and API agree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from collab.core import vocab
from collab.core.validation import field_label


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(vocabulary: dict, blank: str | None = None) -> list[SelectChoice]:
    return options(([("", blank)] if blank is not None else []) + list(vocabulary.items()))


def _select(entity: str, name: str, vocabulary: dict, blank: str | None = None) -> SelectField:
    return SelectField(field_label(entity, name), choices=_choices(vocabulary, blank),
                       validate_choice=False)


def _text(entity: str, name: str, area: bool = False, **kw):
    return (TextAreaField if area else StringField)(field_label(entity, name), **kw)


class EmptyForm(FlaskForm):
    """A CSRF-protected button (delete, vote, approve)."""

    submit = SubmitField(_l("Bestätigen"))


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[InputRequired(_l("Bitte Login eingeben."))])
    password = PasswordField(_l("Passwort"),
                             validators=[InputRequired(_l("Bitte Passwort eingeben."))])
    submit = SubmitField(_l("Anmelden"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Bisheriges Passwort"),
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Neues Passwort"), description=_l("Mindestens 8 Zeichen."),
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Neues Passwort wiederholen"),
                           render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Passwort ändern"))


class MunicipalityForm(FlaskForm):
    key = _text("municipality", "key", description=_l("z. B. „olpe“; bleibt dauerhaft."))
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
    since = _text("municipality", "since", description=_l("JJJJ-MM-TT"))
    description = _text("municipality", "description", area=True)
    submit = SubmitField(_l("Speichern"))


class ActorForm(FlaskForm):
    key = _text("actor", "key", description=_l("z. B. „olpe-digital“; bleibt dauerhaft."))
    name = _text("actor", "name")
    type = _select("actor", "type", vocab.ACTOR_TYPES)
    level = _select("actor", "level", vocab.LEVELS)
    sector = _select("actor", "sector", vocab.SECTORS)
    municipality = SelectField(field_label("actor", "municipality"), validate_choice=False,
                               choices=[])
    topics = SelectMultipleField(field_label("actor", "topics"), validate_choice=False,
                                 choices=_choices(vocab.TOPICS))
    capacity_fte = _text("actor", "capacity_fte", description=_l("Vollzeitäquivalente"))
    description = _text("actor", "description", area=True)
    contact = _text("actor", "contact",
                    description=_l("Optional, möglichst eine Funktionsadresse; "
                                   "wird nicht exportiert."))
    submit = SubmitField(_l("Speichern"))


class ParticipantForm(Form):
    actor = SelectField(_l("Akteur"), validate_choice=False, choices=[])
    role = _select("participant", "role", vocab.PARTICIPATION_ROLES)


class InitiativeForm(FlaskForm):
    key = _text("initiative", "key", description=_l("z. B. „m01“; bleibt dauerhaft."))
    name = _text("initiative", "name")
    topic = _select("initiative", "topic", vocab.TOPICS)
    status = _select("initiative", "status", vocab.INITIATIVE_STATUSES)
    description = _text("initiative", "description", area=True)
    start = _text("initiative", "start", description=_l("JJJJ-MM-TT"))
    end = _text("initiative", "end", description=_l("JJJJ-MM-TT"))
    participants = FieldList(FormField(ParticipantForm), min_entries=0)
    submit = SubmitField(_l("Speichern"))


class TieForm(FlaskForm):
    source = SelectField(field_label("tie", "source"), validate_choice=False, choices=[])
    target = SelectField(field_label("tie", "target"), validate_choice=False, choices=[])
    kind = _select("tie", "kind", vocab.TIE_KINDS)
    weight = SelectField(field_label("tie", "weight"), validate_choice=False, default="3",
                         choices=options((str(n), str(n)) for n in range(1, 6)))
    key = _text("tie", "key", description=_l("Optional; sonst „von-zu-art“."))
    description = _text("tie", "description", area=True)
    submit = SubmitField(_l("Speichern"))


class BundleUploadForm(FlaskForm):
    """Upload a bundle; it is first checked in a dry run, never imported straight away."""

    bundle = FileField(_l("Bündel (JSON)"), validators=[FileRequired(_l("Bitte Datei wählen."))])
    submit = SubmitField(_l("Hochladen und prüfen"))


class BundleConfirmForm(FlaskForm):
    """Confirms the import of a checked bundle, named by the SHA-256 of its content."""

    digest = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Jetzt importieren"))


class InviteForm(FlaskForm):
    login = StringField(_l("Login"))
    role = SelectField(_l("Rolle"), validate_choice=False,
                       choices=options([("member", _l("Mitglied (spricht für eine Kommune)")),
                                        ("viewer", _l("Lesezugriff"))]))
    municipality = SelectField(_l("Kommune"), validate_choice=False, choices=[])
    display_name = StringField(_l("Bezeichnung"))
    submit = SubmitField(_l("Zugang anlegen"))
