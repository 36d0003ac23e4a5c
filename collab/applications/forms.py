"""Forms of self-service applications and their decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField

from collab.core import vocab
from collab.core.forms import options, select_field, text_field
from collab.core.validation import field_label


class ApplicationForm(FlaskForm):
    name = text_field("application", "name")
    ags = text_field("application", "ags", description=_l("8 Ziffern, z. B. 05966024"))
    district = text_field("application", "district")
    email = text_field("application", "email", description=_l(
        "Nur die Koordination sieht sie."))
    joined_by = select_field("application", "joined_by", vocab.JOINED_BY)
    reference = text_field("application", "reference", area=True, description=_l(
        "Text oder Fundstelle, z. B. „Ratsbeschluss vom 12.03.2025, TOP 7“."))
    submit = SubmitField(_l("Antrag stellen"))


class ApprovalForm(FlaskForm):
    key = text_field("municipality", "key", description=_l(
        "Aus dem Namen vorgeschlagen; nach dem Speichern nicht mehr änderbar."))
    kind = select_field("municipality", "kind", vocab.MUNICIPALITY_KINDS)
    state = SelectField(field_label("municipality", "state"), validate_choice=False,
                        choices=options((k, f"{k} – {name}")
                                        for k, (_c, name) in vocab.STATES.items()))
    population = text_field("municipality", "population")
    tier = select_field("municipality", "tier", vocab.TIERS)
    login = StringField(_l("Login des Mitgliedszugangs"))
    email = StringField(_l("E-Mail-Adresse des Mitgliedszugangs"),
                        render_kw={"autocomplete": "off"}, description=_l(
        "Die Kontaktadresse aus dem Antrag; der Zugang erhält sie für Benachrichtigungen "
        "und zum Zurücksetzen des Passworts."))
    approve = SubmitField(_l("Genehmigen"))


class DeclineForm(FlaskForm):
    reason = text_field("decision", "reason", area=True)
    decline = SubmitField(_l("Ablehnen"))


class SetPasswordForm(FlaskForm):
    new = PasswordField(_l("Neues Passwort"))
    repeat = PasswordField(_l("Wiederholung"))
    submit = SubmitField(_l("Passwort setzen"))
