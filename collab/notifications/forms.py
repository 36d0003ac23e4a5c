"""Forms of the notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField

from collab.core.forms import options
from collab.notifications.services import CHOICES, kinds_for


def settings_form(user, formdata=None):
    """The account's e-mail, language and one choice per kind (kinds may be added later,
    so the fields are made per request)."""

    class SettingsForm(FlaskForm):
        email = StringField(_l("E-Mail-Adresse"), render_kw={"autocomplete": "email"},
                            description=_l("Für Benachrichtigungen und zum Zurücksetzen "
                                           "des Passworts."))
        current_password = PasswordField(
            _l("Passwort"), render_kw={"autocomplete": "current-password"},
            description=_l("Nur nötig, wenn Sie die E-Mail-Adresse ändern."))
        language = SelectField(_l("Sprache der E-Mails"), validate_choice=False,
                               choices=options([("de", "Deutsch"), ("en", "English")]))
        submit = SubmitField(_l("Speichern"))

    for kind, label in kinds_for(user).items():
        setattr(SettingsForm, f"kind_{kind}", SelectField(
            label, validate_choice=False, choices=options(list(CHOICES.items()))))
    from collab.notifications.services import choice

    data = {"email": user.email, "language": user.language,
            **{f"kind_{k}": choice(user, k) for k in kinds_for(user)}}
    return SettingsForm(formdata=formdata, data=data) if formdata is not None else \
        SettingsForm(data=data)
