"""Web forms. They render fields and carry the CSRF token; the rules of what is valid live in
:mod:`collab.core.validation` and are applied by the services, so pages and API agree."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import html_params

from collab.core.store import Conflict  # noqa: F401  (show_problems takes it)
from collab.core.validation import Problem, ValidationError, field_label


class DatalistInput:
    """A select with many options as a text input with type-ahead: the browser suggests the
    field's choices from an HTML ``<datalist>`` (value the key, label the name; no script).
    The value is still checked on the server like a select's. A ``list`` keyword names a
    datalist rendered elsewhere (:func:`datalist`), shared by several inputs."""

    def __call__(self, field, **kwargs):
        shared = kwargs.pop("list", None)
        list_id = shared or f"{field.id}-options"
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("placeholder", _("Name oder Schlüssel eingeben"))
        attrs = html_params(type="text", name=field.name, value=field.data or "",
                            list=list_id, **kwargs)
        html = Markup(f"<input {attrs}>")
        return html if shared else html + datalist(list_id, field.choices)


def datalist(list_id: str, choices) -> Markup:
    """A ``<datalist>`` of the non-empty choices (pairs or :class:`SelectChoice`; optgroups
    flattened in their order, each option's label naming its group)."""
    items = []
    for choice in choices or []:
        value, label = (choice.value, choice.label) if isinstance(choice, SelectChoice) \
            else (choice[0], choice[1])
        group = getattr(choice, "optgroup", None)
        if group:  # a datalist has no groups: the group named in each label
            label = f"{label} – {group}"
        if value:
            items.append(Markup('<option value="{}" label="{}">{}</option>').format(
                value, label, label))
    return Markup('<datalist id="{}">').format(list_id) + Markup("").join(items) + Markup(
        "</datalist>")


def typeahead(label, **kw) -> SelectField:
    """A select field drawn as a text input with type-ahead (:class:`DatalistInput`)."""
    return SelectField(label, validate_choice=False, choices=[], widget=DatalistInput(), **kw)


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
