"""Forms of the bundle upload and its confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SubmitField,
)
from wtforms.validators import InputRequired


class BundleUploadForm(FlaskForm):
    """Upload a bundle; it is first checked in a dry run, never imported straight away."""

    bundle = FileField(_l("Bündel (JSON) oder Tabelle (XLSX, CSV)"),
                       validators=[FileRequired(_l("Bitte Datei wählen."))])
    merge = BooleanField(_l("nur ergänzen (hinzufügen und ändern, nichts entfernen; "
                            "eine CSV-Datei ergänzt immer)"))
    submit = SubmitField(_l("Hochladen und prüfen"))


class BundleConfirmForm(FlaskForm):
    """Confirms the import of a checked bundle, named by the SHA-256 of its content."""

    digest = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Jetzt importieren"))
