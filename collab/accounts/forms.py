"""Forms of sign-in, password change and invitations."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired

from collab.core.forms import options


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[InputRequired(_l("Bitte Login eingeben."))])
    password = PasswordField(_l("Passwort"),
                             validators=[InputRequired(_l("Bitte Passwort eingeben."))])
    submit = SubmitField(_l("Anmelden"))


class _NewPassword:
    """The new password's hint names the length the platform asks for (4 in the demo)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from collab.accounts.services import min_password
        self.new.description = _("Mindestens %(n)d Zeichen.", n=min_password())


class PasswordChangeForm(_NewPassword, FlaskForm):
    current = PasswordField(_l("Bisheriges Passwort"),
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Neues Passwort"), render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Neues Passwort wiederholen"),
                           render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Passwort ändern"))


class InviteForm(FlaskForm):
    login = StringField(_l("Login"))
    role = SelectField(_l("Rolle"), validate_choice=False,
                       choices=options([("member", _l("Mitglied (spricht für eine Kommune)")),
                                        ("viewer", _l("Lesezugriff"))]))
    municipality = SelectField(_l("Kommune"), validate_choice=False, choices=[])
    display_name = StringField(_l("Bezeichnung"))
    email = StringField(_l("E-Mail-Adresse"),
                        description=_l("Erhält den Link, mit dem die Person ihr Passwort "
                                       "selbst setzt (7 Tage gültig, einmal)."))
    language = SelectField(_l("Sprache der E-Mails"), validate_choice=False,
                           choices=options([("de", "Deutsch"), ("en", "English")]))
    submit = SubmitField(_l("Einladung senden"))


class ForgotPasswordForm(FlaskForm):
    identifier = StringField(_l("Login oder E-Mail-Adresse"),
                             render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Link anfordern"))


class SetPasswordForm(_NewPassword, FlaskForm):
    new = PasswordField(_l("Neues Passwort"), render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Neues Passwort wiederholen"),
                           render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Passwort setzen"))
