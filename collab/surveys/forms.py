"""Forms of the relationship survey. The answer form's rows (units, partners, ties reported
by others) are read from the request by :func:`answer_from_form`; what is valid is decided by
:mod:`collab.core.validation` in the services."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from collab.core.forms import text_field
from collab.core.validation import Problem
from collab.surveys.services import MAX_PARTNERS

#: empty partner rows the form offers besides the answered ones
BLANK_ROWS = 3
#: at most this many partner rows (a hostile "rows" value does not build a huge page), as
#: many as an answer may name
MAX_ROWS = MAX_PARTNERS


class SurveyOpenForm(FlaskForm):
    closes_at = text_field("survey", "closes_at", description=_l("TT.MM.JJJJ"))
    submit = SubmitField(_l("Befragung starten"))


class SurveyAnswerForm(FlaskForm):
    """CSRF and the two buttons; the rows are plain inputs named ``unit-<key>``,
    ``p-<n>-<field>`` and ``tie-<key>``."""

    submit = SubmitField(_l("Antwort absenden"))
    more = SubmitField(_l("weitere Zeile"))


PARTNER_FIELDS = ("from", "actor", "new_name", "new_type", "new_level", "kind", "frequency",
                  "trust", "value")


def partner_rows(form, count: int) -> list[dict]:
    """The partner rows as posted (all fields as strings)."""
    return [{name: (form.get(f"p-{n}-{name}") or "").strip() for name in PARTNER_FIELDS}
            for n in range(count)]


def document_rows(rows: list[dict]) -> list[int]:
    """The row of each partner the document of :func:`answer_from_form` names (empty rows
    are left out of it), so that a problem of ``partners[n]`` marks its row."""
    return [n for n, row in enumerate(rows) if row["actor"] or row["new_name"]]


#: a partner row's fields in the order the row shows them
ROW_FIELDS = ("from", "actor", "new_name", "kind", "frequency", "trust", "value")
#: the field of a partner row that shows a problem of ``partners[n].<name>…`` (its input's
#: name ``p-<row>-<field>``); the partner's for the rest
PROBLEM_FIELDS = {"from": "from", "new": "new_name", "kind": "kind", "frequency": "frequency",
                  "trust": "trust", "value": "value"}


def problem_place(problem: Problem, rows: list[dict]) -> tuple[int, str] | None:
    """The row and field (:data:`PROBLEM_FIELDS`) that show a problem of a partner
    (``partners[n]…``, ``n`` counting the document's partners), else None."""
    match = re.match(r"partners\[(\d+)\]\.?([a-z_]*)", problem.field or "")
    at = document_rows(rows)
    if match is None or int(match.group(1)) >= len(at):
        return None
    return at[int(match.group(1))], PROBLEM_FIELDS.get(match.group(2), "actor")


def problems_shown(problems: list[Problem], rows: list[dict]) -> dict:
    """Where the answer form shows ``problems``: ``rows``, a partner's by its row and field
    (:func:`problem_place`); ``partners``, those of the partners as a whole (the caps), at
    the partner section; ``listed``, each as ``(message, anchor)`` for the list at the top
    (anchor None for one shown only there); ``focus``, the id of what the page focuses: the
    partner section's problems, else the first marked field."""
    at_rows: dict[int, dict[str, list[str]]] = {}
    listed: list[tuple[str, str | None]] = []
    for problem in problems:
        place = problem_place(problem, rows)
        if place is not None:
            at_rows.setdefault(place[0], {}).setdefault(place[1], []).append(problem.message)
        listed.append((problem.message, "#survey-partner-problems" if problem.field ==
                       "partners" else f"#p-{place[0]}-{place[1]}" if place else None))
    partners = [p.message for p in problems if p.field == "partners"]
    focus = "survey-partner-problems" if partners else None
    if focus is None and at_rows:
        first = min(at_rows)
        focus = f"p-{first}-" + next(f for f in ROW_FIELDS if f in at_rows[first])
    return {"rows": at_rows, "partners": partners, "listed": listed, "focus": focus}


def actor_keys(actors, typed: str) -> list[str]:
    """The keys of ``actors`` (``(key, name)`` pairs) that ``typed`` names: an actor's key,
    else the actors whose name it is (case and surrounding spaces ignored), sorted; the
    rule of :func:`collab.objects.services.actor_keys_for` over the names the form offers."""
    wanted = typed.strip()
    if any(key == wanted for key, _name in actors):
        return [wanted]
    return sorted(key for key, name in actors if name.strip().casefold() == wanted.casefold())


def partner_labels(actors) -> dict[str, str]:
    """What the partner field shows for each of ``actors`` (``(key, name)`` pairs), by key:
    its name, which :func:`actor_keys` resolves back to the key; its key where several
    actors bear the name (such a name is refused)."""
    keys = {key for key, _name in actors}
    counts: dict[str, int] = {}
    for _key, name in actors:
        counts[name.strip().casefold()] = counts.get(name.strip().casefold(), 0) + 1
    return {key: name if counts[name.strip().casefold()] == 1 and (
        name.strip() == key or name.strip() not in keys) else key for key, name in actors}


def answer_from_form(form, rows: list[dict], unit_keys: list[str],
                     actors: list[tuple[str, str]], pending: list[str]
                     ) -> tuple[dict, list[Problem]]:
    """The answer document (as the API takes it) from the posted form, and the problems of
    partners typed by a name: empty rows are ignored; a partner typed by its name instead
    of its key is found by the name, and a name several actors bear is refused with their
    keys (an unknown name is left to the service, which names it)."""
    units = [{"actor": key, "level": form.get(f"unit-{key}")} for key in unit_keys
             if form.get(f"unit-{key}")]
    partners: list[dict] = []
    problems: list[Problem] = []
    for row in rows:
        if not (row["actor"] or row["new_name"]):
            continue
        item: dict = {"from": row["from"], "kind": row["kind"] or "cooperation",
                      "frequency": row["frequency"], "trust": row["trust"] or None,
                      "value": row["value"] or None}
        if row["actor"]:
            keys = actor_keys(actors, row["actor"])
            item["actor"] = keys[0] if len(keys) == 1 else row["actor"]
            if len(keys) > 1:
                problems.append(Problem(f"partners[{len(partners)}].actor", _(
                    "Partner: „%(n)s“ heißen mehrere Akteure dieser Region; bitte geben Sie "
                    "den Schlüssel ein: %(k)s.", n=row["actor"], k=", ".join(keys))))
        else:
            item["new"] = {"name": row["new_name"], "type": row["new_type"] or "other",
                           "level": row["new_level"] or "operational"}
        partners.append(item)
    verdicts = {key: form.get(f"tie-{key}", "") for key in pending}
    return {"units": units, "partners": partners,
            "confirm": [k for k, v in verdicts.items() if v == "confirm"],
            "reject": [k for k, v in verdicts.items() if v == "reject"]}, problems
