"""Pages of the relationship survey: the coordinator opens rounds and follows them, each
member municipality answers its form."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from collab.core import permissions as perm
from collab.core import vocab
from collab.core.forms import EmptyForm, show_problems
from collab.core.localtime import local_today
from collab.core.models import Actor
from collab.core.store import Busy, Conflict
from collab.core.validation import Problem, ValidationError
from collab.core.web import select_locale
from collab.extensions import db
from collab.surveys import forms as survey_forms
from collab.surveys import services as survey_services

bp = Blueprint("surveys", __name__, url_prefix="/regions")

#: a new round's answering time the form suggests, in days
ANSWER_DAYS = 21


@bp.before_request
@login_required
def require_login():
    """Every survey page needs a signed-in account."""


@bp.route("/<slug>/surveys", methods=["GET", "POST"])
def index(slug: str):
    """The rounds of the region; the coordinator opens a new one here."""
    region = perm.get_region(slug)
    form = survey_forms.SurveyOpenForm() if perm.can_open_survey(current_user, region) else None
    status = 200
    if form is not None and form.validate_on_submit():
        try:
            survey = survey_services.open_survey(region, {"closes_at": form.closes_at.data},
                                                 current_user)
        except (ValidationError, Conflict) as exc:
            show_problems(form, exc)
        except Busy as exc:
            flash(exc.message, "error")
            status = 503
        else:
            flash(_("Die Netzwerkbefragung ist gestartet."), "success")
            return redirect(url_for(".detail", slug=slug, survey_id=survey.id))
    if form is not None and not form.is_submitted():  # a sensible default: three weeks
        closes = local_today() + dt.timedelta(days=ANSWER_DAYS)
        form.closes_at.data = (closes.strftime("%d.%m.%Y") if select_locale() == "de"
                               else closes.isoformat())  # both are read back
    own = perm.own_membership(current_user, region)
    rounds = survey_services.surveys(region)
    return render_template("surveys/index.html", region=region, form=form, surveys=rounds,
                           running=survey_services.open_round(region),
                           ends={s.id: survey_services.closing(s) for s in rounds},
                           can_answer=own is not None and perm.can_answer_survey(
                               current_user, region, own.municipality)), status


@bp.route("/<slug>/surveys/<int:survey_id>")
def detail(slug: str, survey_id: int):
    """The coordinator's view: response rate per member, what each answer changed, and the
    share of confirmed ties; a member is taken to its answer form."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    if not perm.can_read_survey_results(current_user, region):
        own = perm.own_membership(current_user, region)
        if own is not None and perm.can_answer_survey(current_user, region, own.municipality):
            return redirect(url_for(".answer", slug=slug, survey_id=survey.id))
        perm.require(False)
    end = survey_services.closing(survey)
    return render_template("surveys/detail.html", region=region, survey=survey,
                           status=survey_services.status(region, survey), end=end,
                           can_close=end["open"] and perm.can_open_survey(current_user, region),
                           change_labels=survey_services.CHANGE_LABELS)


@bp.route("/<slug>/surveys/<int:survey_id>/close", methods=["GET", "POST"])
def close(slug: str, survey_id: int):
    """The coordinator ends an open round early, after a confirmation; back to the round's
    page when asked from there (``?from=round``), else to the list of rounds."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    perm.require(perm.can_open_survey(current_user, region))
    back = (url_for(".detail", slug=slug, survey_id=survey.id)
            if request.args.get("from") == "round" else url_for(".index", slug=slug))
    form = EmptyForm()
    status = 200
    if form.validate_on_submit():
        try:
            survey_services.close_survey(region, survey, current_user)
        except Conflict as exc:
            flash(exc.message, "error")
        except Busy as exc:
            flash(exc.message, "error")
            status = 503
        else:
            flash(_("Runde %(n)d ist beendet; eine neue Runde kann beginnen.", n=survey.id),
                  "success")
        if status == 200:
            return redirect(back)
    return render_template("surveys/close.html", region=region, survey=survey, form=form,
                           answered=len(survey.responses), back=back), status


def _answer_context(region, survey, municipality):
    actors = db.session.scalars(sa.select(Actor).filter_by(region_id=region.id)
                                .order_by(Actor.sort_name, Actor.key)).all()
    pending = survey_services.reported_by_others(region, municipality)
    return {"own": survey_services.own_actors(region, municipality), "actors": actors,
            "pending": pending,
            "known": survey_services.known_ties(region, survey, municipality, pending),
            "new_left": survey_services.new_partners_left(survey, municipality),
            "max_partners": survey_services.MAX_PARTNERS,
            "max_new": survey_services.MAX_NEW_PARTNERS,
            "max_new_round": survey_services.MAX_NEW_PARTNERS_PER_ROUND}


@bp.route("/<slug>/surveys/<int:survey_id>/answer", methods=["GET", "POST"])
def answer(slug: str, survey_id: int):
    """A member municipality's answer form: its units on the three levels, its partners (with
    kind, frequency, trust and value; the ties the network already holds listed above them,
    so that they are not entered again) and the ties others reported with it."""
    region = perm.get_region(slug)
    survey = survey_services.get_survey(region, survey_id)
    key = request.args.get("municipality")
    if key and perm.is_admin(current_user):
        municipality = perm.get_membership(region, key).municipality
    else:
        own = perm.own_membership(current_user, region)
        perm.require(own is not None)
        municipality = own.municipality
    perm.require(perm.can_answer_survey(current_user, region, municipality))
    response = survey_services.response_of(survey, municipality)
    end = survey_services.closing(survey)
    if not end["open"]:
        # a closed round shows the answer given, read-only; a form posted into it (a page
        # loaded before it closed) saves nothing and says so
        if request.method == "POST":
            flash(_("Diese Befragung ist geschlossen; es wurde nichts gespeichert."), "error")
            return redirect(url_for(".answer", slug=slug, survey_id=survey.id,
                                    municipality=key if perm.is_admin(current_user) else None))
        return render_template("surveys/answer_closed.html", region=region, survey=survey,
                               municipality=municipality, response=response, end=end,
                               shown=survey_services.answer_shown(region, response),
                               frequencies=vocab.FREQUENCIES,
                               change_labels=survey_services.CHANGE_LABELS,
                               created=survey_services.created_partners(
                                   region, survey, municipality, current_user))
    context = _answer_context(region, survey, municipality)
    form = survey_forms.SurveyAnswerForm()
    answered = (response.answer or {}).get("partners", []) if response else []
    shown = survey_forms.partner_labels([(a.key, a.name) for a in context["actors"]])
    # a saved partner's full name below its field, which is too narrow for most names, and
    # a known partner's (with its municipality, unless its name says it already: "Gemeinde
    # Wenden" says "Wenden (Wendener Land)")
    named = {a.key: f"{a.name} ({a.municipality.name})"
             if a.municipality and a.municipality.name.split(" (")[0] not in a.name
             else a.name for a in context["actors"]}
    dropped = 0
    if request.method == "POST":
        count = min(max(request.form.get("rows", 0, type=int), 1), survey_forms.MAX_ROWS)
        rows = survey_forms.partner_rows(request.form, count)
    else:
        # a saved partner (or unit) the coordination deleted since drops out of the form,
        # which would otherwise offer its key and be refused for it when sent again
        units = {a.key for a in context["own"]}
        kept = [p for p in answered if p["actor"] in named and p["from"] in units]
        dropped = len(answered) - len(kept)
        rows = [{"from": p["from"], "actor": shown[p["actor"]], "new_name": "",
                 "new_type": "", "new_level": "", "kind": p["kind"],
                 "frequency": p["frequency"], "trust": str(p.get("trust") or ""),
                 "value": str(p.get("value") or ""), "saved": named[p["actor"]]}
                for p in kept] + survey_forms.partner_rows({}, survey_forms.BLANK_ROWS)
    levels = {a.key: a.level for a in context["own"]}
    if request.method == "POST":
        levels.update({k: request.form.get(f"unit-{k}", v) for k, v in levels.items()})
    problems: list[Problem] = []
    status = 200
    if form.validate_on_submit():
        if form.more.data:
            rows += survey_forms.partner_rows({}, 1)
        else:
            document, problems = survey_forms.answer_from_form(
                request.form, rows, [a.key for a in context["own"]],
                [(a.key, a.name) for a in context["actors"]],
                [t.key for t in context["pending"]])
            try:
                if problems:
                    raise ValidationError(problems)
                response = survey_services.submit_response(region, survey, municipality,
                                                           document, current_user)
            except ValidationError as exc:
                problems = exc.problems
                flash(_("Bitte prüfen Sie die markierten Angaben; es wurde nichts "
                        "gespeichert."), "error")
            except Conflict as exc:
                problems = [Problem(exc.field, exc.message)]
                flash(exc.message, "error")
            except Busy as exc:
                # the form stays as it was filled in, to be sent again
                flash(exc.message, "error")
                status = 503
            else:
                flash(_("Vielen Dank: Ihre Antwort ist gespeichert."), "success")
                for item in response.changes:
                    if item["action"] == "actor.match":
                        flash(item["summary"], "info")
                made = sum(1 for item in response.changes if item["action"] == "actor.create")
                if made:
                    flash(ngettext(
                        "Ihre Antwort hat %(num)d neuen Partner angelegt. Einen Tippfehler oder "
                        "einen falschen Typ können Sie unter „Von Ihrer Antwort angelegte "
                        "Partner“ korrigieren.",
                        "Ihre Antwort hat %(num)d neue Partner angelegt. Einen Tippfehler oder "
                        "einen falschen Typ können Sie unter „Von Ihrer Antwort angelegte "
                        "Partner“ korrigieren.", made), "info")
                return redirect(url_for(".answer", slug=slug, survey_id=survey.id))
    if problems:
        status = 422
    return render_template("surveys/answer.html", region=region, survey=survey,
                           municipality=municipality, form=form, rows=rows, levels=levels,
                           problems=problems, response=response, shown=shown, named=named,
                           marked=survey_forms.problems_shown(problems, rows),
                           dropped=dropped, frequencies=vocab.FREQUENCIES,
                           created=survey_services.created_partners(
                               region, survey, municipality, current_user), **context), status

