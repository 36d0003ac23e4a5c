"""Web forms. They render fields and carry the CSRF token; the rules of what is valid live in
:mod:`collab.core.validation` and are applied by the services, so pages and API agree."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from collab.core.store import Conflict  # noqa: F401  (show_problems takes it)
from collab.core.validation import Problem, ValidationError, field_label


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def choices_of(vocabulary: dict, blank: str | None = None) -> list[SelectChoice]:
    return options(([("", blank)] if blank is not None else []) + list(vocabulary.items()))


def select_field(entity: str, name: str, vocabulary: dict, blank: str | None = None) -> SelectField:
    return SelectField(field_label(entity, name), choices=choices_of(vocabulary, blank),
                       validate_choice=False)


def text_field(entity: str, name: str, area: bool = False, **kw):
    return (TextAreaField if area else StringField)(field_label(entity, name), **kw)


class EmptyForm(FlaskForm):
    """A CSRF-protected button (delete, vote, approve)."""

    submit = SubmitField(_l("Bestätigen"))


def show_problems(form, exc: Exception) -> None:
    """Attach a refused change's problems to the form's fields (or the form), and flash."""
    problems = (exc.problems if isinstance(exc, ValidationError)
                else [Problem(exc.field, exc.message)])
    for problem in problems:
        field = getattr(form, problem.field.split("[")[0].split(".")[0], None)
        if field is not None and hasattr(field, "errors") and "[" not in problem.field:
            field.errors = [*list(field.errors or []), problem.message]
        else:
            form.form_errors.append(problem.message)
    flash(_("Bitte prüfen Sie die markierten Angaben; es wurde nichts gespeichert."), "error")
