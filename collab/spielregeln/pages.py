"""Pages of the Spielregeln: rules, their discussion and versions, ballots and votes, the
charter (Kooperationsvereinbarung), and applications to join the region or an initiative."""

from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import format_percent
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)

from collab.analysis.figures import ballot_chart
from collab.core import forms, vocab, web
from collab.core import permissions as perm
from collab.core.localtime import local_date, local_time, local_zone
from collab.core.models import (
    Actor,
    Initiative,
    JoinRequest,
    Municipality,
    Region,
    RegionMembership,
    Rule,
)
from collab.core.store import Conflict
from collab.core.validation import Problem, ValidationError
from collab.extensions import db
from collab.objects.kinds import region_actor_choices
from collab.spielregeln import services as spielregeln

bp = Blueprint("spielregeln", __name__, url_prefix="/regions")


# --- forms ------------------------------------------------------------------------------------


def _select(label, vocabulary: dict, blank: str | None = None) -> SelectField:
    pairs = ([("", blank)] if blank is not None else []) + list(vocabulary.items())
    return SelectField(label, choices=forms.options(pairs), validate_choice=False)


class WeightsForm(Form):
    """One number per part of the Taktgeber score (a criteria rule's weights)."""


for _part, _name in vocab.TAKTGEBER_PARTS.items():
    setattr(WeightsForm, _part, StringField(_name))


class RuleForm(FlaskForm):
    title = StringField(_l("Titel"))
    text = TextAreaField(_l("Text"), description=_l("Der Wortlaut der Regel."))
    kind = _select(_l("Art"), spielregeln.RULE_KINDS)
    actor = SelectField(_l("Betrifft Akteur"), validate_choice=False, choices=[],
                        description=_l("Für die Benennung des Taktgebers: die benannte Stelle."))
    initiative = SelectField(_l("Betrifft Initiative"), validate_choice=False, choices=[])
    tie_kind = _select(_l("Betrifft Art der Verbindung"), vocab.TIE_KINDS, blank="—")
    #: the weights of a criteria rule (sent as ``weights``)
    weight_parts = FormField(WeightsForm, label=_l("Gewichte"))
    submit = SubmitField(_l("Vorschlagen"))


def rule_input(form: RuleForm) -> dict:
    """A rule proposal from its form: the weights as ``weights`` (the parts given; none
    when no part is)."""
    raw = _fields(form)
    parts = {k: v for k, v in (raw.pop("weight_parts", None) or {}).items()
             if k in vocab.TAKTGEBER_PARTS and v not in (None, "")}
    raw["weights"] = parts or None
    return raw


class RevisionForm(FlaskForm):
    title = StringField(_l("Titel"))
    text = TextAreaField(_l("Text"))
    submit = SubmitField(_l("Neue Fassung speichern"))


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Kommentar"))
    submit = SubmitField(_l("Kommentieren"))


class BallotForm(FlaskForm):
    closes_at = StringField(_l("Abstimmungsende"), render_kw={"type": "datetime-local"})
    #: the coordinator confirms that opening locks the text (the label is in the template)
    confirm = BooleanField(_l("Bestätigung"))
    submit = SubmitField(_l("Abstimmung öffnen"))


#: how a "no" is named under consensus
OBJECTION = _l("Einwand (Nein)")


def _vote_choice() -> RadioField:
    """Yes, no or abstain as radio buttons, none chosen in advance."""
    return RadioField(_l("Stimme"), choices=forms.options(vocab.VOTE_CHOICES.items()),
                      validate_choice=False)


class VoteForm(FlaskForm):
    vote = _vote_choice()
    reason = TextAreaField(_l("Begründung"), description=_l("Bei Nein erforderlich."))
    #: the member confirms that the vote is final (the label names the municipality)
    confirm = BooleanField(_l("Bestätigung"))
    submit = SubmitField(_l("Stimme abgeben"))


class ProxyVoteForm(FlaskForm):
    municipality = SelectField(_l("Kommune"), validate_choice=False, choices=[])
    vote = _vote_choice()
    reason = TextAreaField(_l("Begründung"), description=_l("Bei Nein erforderlich."))
    reference = StringField(_l("Bezug"), description=_l(
        "Ratsbeschluss oder Schreiben der Kommune, z. B. „Ratsbeschluss vom 12.03.2026, "
        "TOP 5“. Wird bei der Stimme angezeigt."))
    #: the coordinator confirms that the recorded vote is final
    confirm = BooleanField(_l("Bestätigung"))
    submit = SubmitField(_l("Stimme im Auftrag erfassen"))


class JoinForm(FlaskForm):
    tier = _select(_l("Gewünschte Stufe"), vocab.TIERS)
    reference = TextAreaField(_l("Bezug"), description=_l(
        "Absichtserklärung der Verwaltungsspitze oder Ratsbeschluss (Datum, Aktenzeichen)."))
    submit = SubmitField(_l("Beitritt beantragen"))


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Begründung"), description=_l("Bei Ablehnung erforderlich."))
    approve = SubmitField(_l("Annehmen"))
    decline = SubmitField(_l("Ablehnen"))


class InitiativeJoinForm(FlaskForm):
    actor = SelectField(_l("Mit welchem Akteur?"), validate_choice=False, choices=[])
    role = _select(_l("Rolle"), spielregeln.JOIN_ROLES)
    message = TextAreaField(_l("Nachricht an die Federführung"))
    submit = SubmitField(_l("Beteiligung anfragen"))


def _fields(form) -> dict:
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "submit", "approve", "decline")}


def _attach(form, exc: ValidationError | Conflict) -> None:
    """Show each problem of bad input at its field (or above the form) and say nothing was
    saved; a conflict (state, duplicate) is one message above the page, shown once."""
    if isinstance(exc, Conflict):
        flash(exc.message, "error")
    else:
        for problem in exc.problems:
            field = getattr(form, problem.field, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), problem.message]
            else:
                form.form_errors.append(problem.message)
        flash(_("Bitte prüfen Sie die Angaben; es wurde nichts gespeichert."), "error")
    if hasattr(form, "confirm"):
        form.confirm.data = False  # confirm again once the input is right


def _attach_at_title(form, exc: ValidationError | Conflict) -> None:
    """As :func:`_attach`, but a title already used by an open rule is shown at the title
    field, like any other problem with the input."""
    if isinstance(exc, Conflict) and exc.field == "title":
        exc = ValidationError([Problem("title", exc.message)])
    _attach(form, exc)


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, Conflict) else 422


@bp.before_request
@login_required
def require_login():
    """Every page needs a signed-in account (viewer and up)."""


# --- helpers for templates of other pages -------------------------------------------------------


@bp.app_context_processor
def spielregeln_vocabularies() -> dict:
    return {"rule_kinds": spielregeln.RULE_KINDS,
            "request_statuses": spielregeln.REQUEST_STATUSES}


bp.add_app_template_filter(local_time, "local_time")
bp.add_app_template_filter(local_date, "local_date")


@bp.app_template_filter("share")
def share(value: float | None) -> str:
    """A share such as a quorum as a percentage in the interface language: 0.5 is "50 %"
    in German and "50%" in English, 2/3 is "66,7 %" or "66.7%"."""
    return format_percent(round(value or 0, 3), locale=get_locale(),
                          decimal_quantization=False)


@bp.app_template_global()
def version_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The lines changed between two versions of a rule's text (pure, no database)."""
    return spielregeln.version_diff(old, new)


@bp.app_template_global()
def local_zone_name() -> str:
    """The name of the zone times are shown in ("Europe/Berlin")."""
    return str(local_zone())


# --- rules ------------------------------------------------------------------------------------


@bp.route("/<slug>/rules")
def index(slug: str):
    region = perm.get_region(slug)
    rules = (db.session.scalars(
        sa.select(Rule).filter_by(region_id=region.id).order_by(Rule.id.desc())).all())
    groups = [(status, name, [r for r in rules if r.status == status])
              for status, name in (("voting", _("In Abstimmung")), ("draft", _("In Diskussion")),
                                   ("adopted", _("Beschlossen")), ("rejected", _("Abgelehnt")))]
    members = db.session.scalar(sa.select(sa.func.count()).select_from(RegionMembership)
                                .where(RegionMembership.region_id == region.id))
    voting = db.session.scalar(sa.select(sa.func.count()).select_from(RegionMembership).where(
        RegionMembership.region_id == region.id,
        RegionMembership.tier.in_(region.voting_tier_list)))
    return render_template("spielregeln/index.html", region=region, groups=groups,
                           can_propose=perm.can_propose_rule(current_user, region),
                           members=members, voting=voting)


def _concern_choices(form: RuleForm, region: Region) -> None:
    form.actor.choices = forms.options([("", "—"), *region_actor_choices(region)])
    rows = db.session.execute(sa.select(Initiative.key, Initiative.name).filter_by(
        region_id=region.id).order_by(Initiative.sort_name, Initiative.key)).all()
    form.initiative.choices = forms.options([("", "—"), *rows])


@bp.route("/<slug>/rules/new", methods=["GET", "POST"])
def new(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_propose_rule(current_user, region))
    form = RuleForm()
    if request.method == "GET":
        form.actor.data = request.args.get("actor", "")
        form.initiative.data = request.args.get("initiative", "")
        form.kind.data = request.args.get("kind", "general")
    _concern_choices(form, region)
    status = 200
    if form.validate_on_submit():
        try:
            rule = spielregeln.propose_rule(region, rule_input(form), current_user)
        except (ValidationError, Conflict) as exc:
            _attach_at_title(form, exc)
            status = _status(exc)
        else:
            flash(_("Regel „%(t)s“ vorgeschlagen. Die Mitglieder können sie jetzt diskutieren.",
                    t=rule.title), "success")
            return redirect(url_for(".detail", slug=slug, rule_id=rule.id))
    return render_template("spielregeln/form.html", region=region, form=form, rule=None), status


def _named(municipality: Municipality, member: bool) -> str:
    """A municipality's name, marked when it has left the region since the ballot opened."""
    return municipality.name if member else f"{municipality.name} ({_('nicht mehr Mitglied')})"


def _proxy_choices(form: ProxyVoteForm, missing: list[tuple[Municipality, bool]]) -> None:
    """The municipalities of the ballot's electorate that have not voted."""
    form.municipality.choices = forms.options(
        [("", "—")] + [(m.key, _named(m, member)) for m, member in missing])


def _detail(region: Region, rule: Rule, status: int = 200, **given):
    own = perm.own_membership(current_user, region)
    mine = own.municipality if own is not None else None
    my_vote = next((v for v in rule.votes if own and v.municipality_id == own.municipality_id),
                   None)
    missing = spielregeln.missing_voters(rule) if rule.status == "voting" else []
    proxy = given.get("proxy_form") or ProxyVoteForm(formdata=None, prefix="proxy")
    _proxy_choices(proxy, missing)
    ballot_form = given.get("ballot_form") or BallotForm(formdata=None)
    ballot_form.closes_at.description = _(
        "Ortszeit (%(z)s), z. B. 15.12.2026, 18:00 Uhr.", z=local_zone_name())
    consensus = (rule.decision_rule or region.decision_rule) == "consensus"
    vote_form = given.get("vote_form") or VoteForm(formdata=None)
    if consensus:  # under consensus a "no" is an objection that blocks adoption
        for form in (vote_form, proxy):
            form.vote.choices = forms.options(
                [(k, OBJECTION if k == "no" else v) for k, v in vocab.VOTE_CHOICES.items()])
            form.reason.description = _("Bei einem Einwand erforderlich.")
    foregone = None
    if rule.status == "voting":
        name, quorum = spielregeln._in_force(rule)
        foregone = spielregeln.decision.fixed_outcome(spielregeln.current_tally(rule), name,
                                                      quorum)
    return render_template(
        "spielregeln/detail.html", region=region, rule=rule, tally=spielregeln.tally_of(rule),
        ballot_chart=ballot_chart,
        history=spielregeln.version_history(rule),
        missing=[_named(m, member) for m, member in missing],
        left=spielregeln.left_since(rule) if rule.status != "draft" else set(),
        awaiting=spielregeln.awaiting_result(rule),
        can_vote=rule.status == "voting" and my_vote is None
        and not spielregeln.awaiting_result(rule)
        and perm.can_vote_on(current_user, rule, mine, spielregeln.electorate(rule)),
        not_entitled=spielregeln.not_entitled(mine) if (
            perm.speaks_for(current_user, region, mine)
            and spielregeln.joined_after_opening(rule, own)) else None,
        my_vote=my_vote, consensus=consensus, foregone=foregone,
        can_reopen=spielregeln.can_be_revised(rule),
        vote_form=vote_form,
        proxy_form=proxy,
        ballot_form=ballot_form,
        comment_form=given.get("comment_form") or CommentForm(formdata=None),
    ), status


@bp.route("/<slug>/rules/<int:rule_id>")
def detail(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    return _detail(region, rule)


@bp.route("/<slug>/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def edit(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    perm.require(perm.can_revise_rule(current_user, rule))
    form = RevisionForm(data={"title": rule.title, "text": rule.text}) if (
        request.method == "GET") else RevisionForm()
    status = 200
    if not spielregeln.can_be_revised(rule):
        status = 409
        form.form_errors.append(_("Text: Eine Regel kann nur geändert werden, solange keine "
                                  "Abstimmung geöffnet wurde oder nachdem sie abgelehnt "
                                  "wurde."))
    elif form.validate_on_submit():
        try:
            spielregeln.revise_rule(region, rule, _fields(form), current_user)
        except (ValidationError, Conflict) as exc:
            _attach_at_title(form, exc)
            status = _status(exc)
        else:
            flash(_("Neue Fassung gespeichert."), "success")
            return redirect(url_for(".detail", slug=slug, rule_id=rule.id))
    return render_template("spielregeln/form.html", region=region, form=form, rule=rule), status


@bp.route("/<slug>/rules/<int:rule_id>/withdraw", methods=["GET", "POST"])
def withdraw(slug: str, rule_id: int):
    """Confirm, then withdraw a draft (proposer or coordinator); 409 once a ballot opened."""
    region, rule = spielregeln.load_rule(slug, rule_id)
    perm.require(perm.can_withdraw_rule(current_user, rule))
    form = forms.EmptyForm()
    if rule.status != "draft":
        return render_template("spielregeln/withdraw.html", region=region, rule=rule, form=form,
                               refused=True), 409
    if form.validate_on_submit():
        title = rule.title
        try:
            spielregeln.withdraw_rule(region, rule, current_user)
        except Conflict as exc:
            flash(exc.message, "error")
            return redirect(url_for(".detail", slug=slug, rule_id=rule_id))
        flash(_("Vorschlag „%(t)s“ zurückgezogen.", t=title), "success")
        return redirect(url_for(".index", slug=slug))
    return render_template("spielregeln/withdraw.html", region=region, rule=rule, form=form,
                           refused=False)


@bp.route("/<slug>/rules/<int:rule_id>/comments", methods=["POST"])
def comment(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    perm.require(perm.can_comment_rule(current_user, rule))
    form = CommentForm()
    if form.validate_on_submit():
        try:
            spielregeln.add_comment(region, rule, _fields(form), current_user)
        except (ValidationError, Conflict) as exc:
            _attach(form, exc)
            return _detail(region, rule, _status(exc), comment_form=form)
        flash(_("Kommentar gespeichert."), "success")
    return redirect(url_for(".detail", slug=slug, rule_id=rule.id) + "#diskussion")


@bp.route("/<slug>/rules/<int:rule_id>/ballot", methods=["POST"])
def ballot(slug: str, rule_id: int):
    region, rule = spielregeln.load_rule(slug, rule_id)
    perm.require(perm.can_open_ballot(current_user, rule))
    form = BallotForm()
    if form.validate_on_submit():
        try:
            spielregeln.open_ballot(region, rule, _fields(form), current_user,
                                    zone=local_zone(), confirm=True)
        except (ValidationError, Conflict) as exc:
            _attach(form, exc)
            return _detail(region, rule, _status(exc), ballot_form=form)
        flash(_("Die Abstimmung ist geöffnet."), "success")
    return redirect(url_for(".detail", slug=slug, rule_id=rule.id))


def _vote(slug: str, rule_id: int, form_class, form_name: str):
    region, rule = spielregeln.load_rule(slug, rule_id)
    form = form_class(prefix="proxy") if form_class is ProxyVoteForm else form_class()
    if form_class is ProxyVoteForm:
        perm.require(perm.can_record_proxy_vote(current_user, region))
        _proxy_choices(form, spielregeln.missing_voters(rule) if rule.status == "voting"
                       else [])
    else:
        perm.require(spielregeln.own_voter(
            rule, current_user, perm.own_membership(current_user, region)) is not None)
    if form.validate_on_submit():
        try:
            vote = spielregeln.cast_vote(region, rule, _fields(form), current_user,
                                         confirm=True)
        except (ValidationError, Conflict) as exc:
            _attach(form, exc)
            return _detail(region, rule, _status(exc), **{form_name: form})
        flash(_("Stimme von %(m)s erfasst.", m=vote.municipality.name), "success")
        if rule.status != "voting":
            flash(_("Das Ergebnis steht fest: %(s)s.",
                    s=vocab.label(vocab.RULE_STATUSES, rule.status)), "success")
    return redirect(url_for(".detail", slug=slug, rule_id=rule.id))


@bp.route("/<slug>/rules/<int:rule_id>/vote", methods=["POST"])
def vote(slug: str, rule_id: int):
    return _vote(slug, rule_id, VoteForm, "vote_form")


@bp.route("/<slug>/rules/<int:rule_id>/proxy-vote", methods=["POST"])
def proxy_vote(slug: str, rule_id: int):
    return _vote(slug, rule_id, ProxyVoteForm, "proxy_form")


@bp.route("/<slug>/charter")
def charter(slug: str):
    region = perm.get_region(slug)
    rules = spielregeln.charter(region)
    members = db.session.scalars(
        sa.select(RegionMembership).join(Municipality)
        .where(RegionMembership.region_id == region.id)
        .order_by(Municipality.sort_name, Municipality.key)).all()
    return render_template("spielregeln/charter.html", region=region, rules=rules,
                           taktgeber=spielregeln.designated_taktgeber(rules), members=members)


# --- joining the region -----------------------------------------------------------------------


@bp.route("/<slug>/join", methods=["GET", "POST"])
def join(slug: str):
    region = perm.get_region(slug)
    perm.require(perm.can_apply_to_join(current_user, region))
    form = JoinForm()
    status = 200
    if request.method == "GET":
        form.tier.data = "member"
    if form.validate_on_submit():
        try:
            spielregeln.apply_to_join(region, _fields(form), current_user)
        except (ValidationError, Conflict) as exc:
            _attach(form, exc)
            status = _status(exc)
        else:
            flash(_("Antrag gestellt. Die Koordination entscheidet darüber."), "success")
            return redirect(url_for(".join_requests", slug=slug))
    return render_template("spielregeln/join.html", region=region, form=form), status


@bp.route("/<slug>/join-requests")
def join_requests(slug: str):
    """The coordinator sees and decides every application; an applicant sees its own."""
    region = perm.get_region(slug)
    found = db.session.scalars(sa.select(JoinRequest).filter_by(region_id=region.id)
                               .order_by(JoinRequest.id.desc())).all()
    return render_template("spielregeln/join_requests.html", region=region,
                           requests=[r for r in found
                                     if perm.can_read_join_request(current_user, r)],
                           initiative_requests=spielregeln.initiative_requests(region,
                                                                               current_user),
                           can_decide=perm.can_decide_join(current_user, region),
                           can_apply=perm.can_apply_to_join(current_user, region),
                           led=spielregeln.initiatives_with_lead(region),
                           form=DecisionForm(formdata=None))


def _decide(form: DecisionForm, service, *args):
    raw = {"approve": bool(form.approve.data), "reason": form.reason.data}
    if not (form.approve.data or form.decline.data):
        raw["approve"] = None
    try:
        service(*args, raw, current_user)
    except (ValidationError, Conflict) as exc:
        for problem in (exc.problems if isinstance(exc, ValidationError) else [exc]):
            flash(problem.message, "error")
        return False
    return True


@bp.route("/<slug>/join-requests/<int:request_id>/decide", methods=["POST"])
def decide_join(slug: str, request_id: int):
    region = perm.get_region(slug)
    req = perm.get_join_request(region, request_id)
    perm.require(perm.can_decide_join(current_user, region))
    form = DecisionForm()
    if form.validate_on_submit() and _decide(form, spielregeln.decide_join, region, req):
        flash(_("Antrag von %(m)s: %(s)s.", m=req.municipality.name,
                s=spielregeln.REQUEST_STATUSES[req.status]), "success")
    return redirect(url_for(".join_requests", slug=slug))


# --- joining an initiative --------------------------------------------------------------------


@bp.route("/<slug>/initiatives/<key>/join", methods=["GET", "POST"])
def join_initiative(slug: str, key: str):
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    perm.require(perm.can_request_initiative_join(current_user, initiative))
    form = InitiativeJoinForm()
    taking_part = {p.actor_id for p in initiative.participations}
    own = db.session.scalars(sa.select(Actor).filter_by(
        region_id=region.id, municipality_id=current_user.municipality_id)
        .order_by(Actor.sort_name, Actor.key)).all()
    form.actor.choices = forms.options([(a.key, a.name) for a in own
                                        if a.id not in taking_part])
    if not spielregeln.has_lead(initiative):
        form.message.label.text = _("Nachricht an die Koordination")
    status = 200
    if form.validate_on_submit():
        try:
            spielregeln.request_initiative_join(region, initiative, _fields(form), current_user)
        except Conflict as exc:  # a pending request is explained on the page itself
            if not spielregeln.own_initiative_requests(initiative, current_user.municipality,
                                                       status="pending"):
                _attach(form, exc)
            status = _status(exc)
        except ValidationError as exc:
            _attach(form, exc)
            status = _status(exc)
        else:
            flash(_("Anfrage gesendet; die Federführung entscheidet.")
                  if spielregeln.has_lead(initiative) else
                  _("Anfrage gesendet. Die Initiative hat keine Federführung; die Koordination "
                    "der Region entscheidet."), "success")
            return redirect(url_for("objects.detail", slug=slug, kind="initiatives", key=key)
                            + "#beteiligung")
    pending = spielregeln.own_initiative_requests(initiative, current_user.municipality,
                                                  status="pending")
    return render_template("spielregeln/join_initiative.html", region=region, initiative=initiative,
                           form=form, pending=pending,
                           has_lead=spielregeln.has_lead(initiative)), status


@bp.route("/<slug>/initiatives/<key>/join-requests/<int:request_id>/decide", methods=["POST"])
def decide_initiative_join(slug: str, key: str, request_id: int):
    region = perm.get_region(slug)
    initiative = perm.get_initiative(region, key)
    req = perm.get_initiative_join_request(initiative, request_id)
    perm.require(perm.can_decide_initiative_request(current_user, req))
    form = DecisionForm()
    if form.validate_on_submit() and _decide(form, spielregeln.decide_initiative_join, region,
                                              req):
        flash(_("Einladung für %(a)s: %(s)s.", a=req.actor.name,
                s=spielregeln.REQUEST_STATUSES[req.status]) if req.invited_by_lead else
              _("Anfrage von %(a)s: %(s)s.", a=req.actor.name,
                s=spielregeln.REQUEST_STATUSES[req.status]), "success")
    return redirect(url_for("objects.detail", slug=slug, kind="initiatives", key=key)
                    + "#beteiligung")


# --- invitations to a format ------------------------------------------------------------------


@bp.route("/<slug>/formats/<key>/invitations/<int:invitation_id>/decide", methods=["POST"])
def decide_format_invitation(slug: str, key: str, invitation_id: int):
    """The invited municipality accepts or declines (from the format's page or its home
    page, which it returns to: ``next``)."""
    region = perm.get_region(slug)
    fmt = perm.get_format(region, key)
    invitation = perm.get_format_invitation(fmt, invitation_id)
    perm.require(perm.can_decide_format_invitation(current_user, invitation))
    form = DecisionForm()
    if form.validate_on_submit() and _decide(form, spielregeln.decide_format_invitation,
                                              region, invitation):
        flash(_("Einladung zum Format „%(f)s“ für %(a)s: %(s)s.", f=fmt.name,
                a=invitation.actor.name, s=spielregeln.REQUEST_STATUSES[invitation.status]),
              "success")
    return redirect(web.safe_next(request.form.get("next")) or url_for(
        "objects.detail", slug=slug, kind="formats", key=key) + "#einladungen")
