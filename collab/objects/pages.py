"""Pages of a regional network: overview and its settings, and list/detail/create/edit/delete
of its municipalities, actors, initiatives, ties and formats."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import aliased
from wtforms.fields.choices import SelectChoice

from collab.analysis import reports
from collab.bundles import forms as bundle_forms
from collab.core import forms, validation, vocab, web
from collab.core import permissions as perm
from collab.core.caching import LRU, Freshest, digest, in_background, version_key
from collab.core.models import Actor, Municipality, RegionMembership, Rule, Tie
from collab.core.records import designated_taktgeber
from collab.core.store import Conflict
from collab.core.validation import ValidationError
from collab.core.web import day
from collab.extensions import db
from collab.objects import counts as object_counts
from collab.objects import forms as object_forms
from collab.objects import services as object_services
from collab.objects.kinds import (
    KINDS,
    actor_municipality_choices,
    convenor_choices,
    owner_choices,
    participant_choices,
    provenance_choices,
    region_actor_choices,
    region_initiative_choices,
    region_municipality_choices,
    tie_end_choices,
)
from collab.solutions import services as solution_services
from collab.spielregeln import services as spielregeln
from graphs.structure import level_evidence, level_states

bp = Blueprint("objects", __name__, url_prefix="/regions")

KIND_PATH = "<any(municipalities,actors,initiatives,ties,formats,solutions):kind>"


@bp.before_request
@login_required
def require_login():
    """Every page of a region needs a signed-in account (viewer and up)."""


def _kind(name: str):
    return KINDS[name]


# --- overview ---------------------------------------------------------------------------------


#: Members per page of the level matrix (a national network has 10,800).
MATRIX_PER_PAGE = 100

#: what a page of the level matrix shows, per region and page (:func:`_matrix_page`): sorting
#: a national network's 10,800 members for a page and reading their actors takes tens of
#: milliseconds, so for a large network it is redone in the background like the counts
#: (:mod:`collab.objects.counts`); likewise the regional bodies (:func:`regional_html`)
_member_pages = Freshest(32, 1.0, object_counts.SLOW_INTERVAL)
_regional = Freshest(16, 1.0, object_counts.SLOW_INTERVAL)


class MemberPage:
    """One page of the level matrix' members, for the ``pagination`` macro."""

    def __init__(self, items: list, page: int, per_page: int, total: int):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = max(1, -(-total // per_page))
        self.has_prev, self.has_next = page > 1, page < self.pages
        self.prev_num, self.next_num = page - 1, page + 1


def _matrix_page(region, page: int) -> tuple[int, tuple, float]:
    """What the level matrix shows on ``page``: the memberships (by tier, name; id, tier,
    municipality_id, key, name, joined_by, provenance), their actors (municipality_id,
    level, key, type, name, provenance; by name),
    the number of members and a digest of the rows. Returns it for :class:`Freshest`: the
    data version read, the value, its cost (by the network's size)."""
    tier_order = sa.case({tier: n for n, tier in enumerate(vocab.TIERS)},
                         value=RegionMembership.tier, else_=len(vocab.TIERS))
    members = tuple(db.session.execute(
        sa.select(RegionMembership.id, RegionMembership.tier, RegionMembership.municipality_id,
                  Municipality.key, Municipality.name, RegionMembership.joined_by,
                  RegionMembership.provenance).join(Municipality)
        .where(RegionMembership.region_id == region.id)
        .order_by(tier_order, Municipality.sort_name, Municipality.key)
        .limit(MATRIX_PER_PAGE).offset((page - 1) * MATRIX_PER_PAGE)).all())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(RegionMembership).where(
        RegionMembership.region_id == region.id))
    actors = tuple(db.session.execute(sa.select(
        Actor.municipality_id, Actor.level, Actor.key, Actor.type, Actor.name,
        Actor.provenance).where(
        Actor.region_id == region.id,
        Actor.municipality_id.in_([m.municipality_id for m in members])).order_by(
        Actor.sort_name, Actor.key)).all()) if members else ()
    content = digest(([tuple(m) for m in members], [tuple(a) for a in actors]))
    return region.data_version or 0, (members, actors, total, content), \
        object_counts.cost(total)


def level_matrix(region, page: int = 1) -> tuple[MemberPage, Markup]:
    """For each member, by tier and name, ``MATRIX_PER_PAGE`` to a page: which of the three
    levels it has, through which organisation model, and who fills its coordinating level
    from outside according to the analysis (the region's cached report: a mandate from the
    member's strategic level, or the designated Taktgeber), and what its records say about
    each level by the analysis' own rule (:func:`graphs.structure.level_states`:
    documented, "angenommen", "fehlt", "nicht erfasst"), so the matrix and the analysis'
    gaps never disagree. Returns the page (for the ``pagination`` macro) and the matrix as
    HTML.

    The rows are read once per data version (:func:`_matrix_page`; a network of
    ``LARGE_MEMBERS`` members or more shows them up to ``SLOW_INTERVAL`` seconds old under a
    stream of edits), and the table is rendered once for the same content, address and
    language (keyed by the rows it is made of: an edit that changes none of them, such as a
    capacity, keeps it)."""
    from flask_babel import get_locale

    from collab.core.web import select_locale  # the analysis is the one source of the cover

    page = max(1, page)
    family = (*version_key(region)[:2], page, MATRIX_PER_PAGE)
    members, actors, total, content = _member_pages.get(
        family, region.data_version or 0, lambda: _matrix_page(region, page),
        in_background(region, lambda current: _matrix_page(current, page)))[1]
    # only a designated Taktgeber or a mandate tie covers members from outside
    # (graphs.structure.coordinating_cover): without either, the matrix needs no analysis
    # (which takes seconds on a national network with an empty cache)
    adopted = db.session.scalars(sa.select(Rule).filter_by(
        region_id=region.id, kind="taktgeber", status="adopted")).all()
    may_cover = bool(designated_taktgeber(adopted)) or _outside_mandate(region)
    # the newest stored report (never computed here; none yet: no cover shown until it is)
    report = reports.latest(region, lang=select_locale()).report if may_cover else None
    cover = {m["key"]: m["covered_by"] for m in report["org_models"]["members"]
             if m.get("covered_by")} if report else {}
    names = {key: (name, provenance) for key, name, provenance in db.session.execute(
        sa.select(Actor.key, Actor.name, Actor.provenance).where(
            Actor.region_id == region.id, Actor.key.in_(set(cover.values())))).all()
             } if cover else {}
    base = url_for("objects.overview", slug=region.slug)
    key = digest((str(get_locale()), base, content, sorted(cover.items()), sorted(names.items())))
    page_of = MemberPage(list(members), page, MATRIX_PER_PAGE, total)

    def render() -> str:
        levels: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for actor in actors:
            levels[actor.municipality_id][actor.level].append(actor)
        rows = []
        for m in members:
            own = levels[m.municipality_id]
            by = names.get(cover[m.key], (cover[m.key], None)) if m.key in cover else None
            rows.append({"tier": m.tier, "key": m.key, "name": m.name, "joined_by": m.joined_by,
                         "levels": {lvl: by_type(own.get(lvl, [])) for lvl in vocab.LEVELS},
                         "states": member_states(
                             m, [a for found in own.values() for a in found],
                             by[1] if by else None),
                         "covered_by": {"key": cover[m.key], "name": by[0]} if by else None})
        return render_template("objects/_matrix.html", base=base, matrix=rows)
    return page_of, Markup(_matrices.get(key, render))


def _outside_mandate(region) -> bool:
    """Whether a strategic unit of a member gives a coordinating unit outside it (of another
    member, or regional) a mandate: then that unit fills the member's coordinating level
    (:func:`graphs.structure.coordinating_cover`), which the matrix takes from the report."""
    source, target = aliased(Actor), aliased(Actor)
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Tie.region_id == region.id, Tie.kind == "mandate",
        Tie.source_id == source.id, Tie.target_id == target.id,
        source.level == "strategic", source.municipality_id.is_not(None),
        target.level == "coordinating",
        sa.or_(target.municipality_id.is_(None),
               target.municipality_id != source.municipality_id)))))


def member_states(membership, actors, cover_provenance: str | None) -> dict[str, str]:
    """Level -> what the records of a member say about it (``documented``, ``assumed``,
    ``missing``, ``unrecorded``) by the rule of the analysis' gaps
    (:func:`graphs.structure.level_states`), for the level matrix and the municipality's
    page: ``membership`` has ``tier``, ``joined_by`` and ``provenance``, each of ``actors``
    (its own) ``level`` and ``provenance``; ``cover_provenance`` is that of the outside unit
    filling its coordinating level (None: no such unit)."""
    return level_states(membership.tier, *level_evidence(
        ((a.level, a.provenance == "assumed") for a in actors),
        cover=None if cover_provenance is None else cover_provenance == "assumed",
        council=membership.provenance == "assumed"
        if membership.joined_by == "council_decision" else None))


def by_type(actors: list) -> list[dict]:
    """A cell of the level matrix: its actors grouped by type (organisation model), in the
    order of each type's first actor: ``{"type", "actors"}``. Two project groups of one
    member are one entry "Projektgruppe (2)", not "Projektgruppe, Projektgruppe"."""
    groups: dict[str, list] = {}
    for actor in actors:
        groups.setdefault(actor.type, []).append(actor)
    return [{"type": t, "actors": found} for t, found in groups.items()]


#: rendered level matrices (and lists of regional bodies) by content, address and language:
#: rendering a page of the matrix was most of the overview's time, and most changes (an
#: actor's capacity, a tie) leave it as it was
_matrices = LRU(64)


def regional_html(region) -> Markup:
    """The region's actors without a municipality (a national network has hundreds) as
    HTML, rendered once for the same content and language; read like a page of the
    matrix (:data:`_regional`)."""
    from flask_babel import get_locale

    def find(current) -> tuple[int, tuple, float]:
        rows = tuple(db.session.execute(
            sa.select(Actor.key, Actor.name, Actor.type, Actor.level)
            .where(Actor.region_id == current.id, Actor.municipality_id.is_(None))
            .order_by(Actor.sort_name, Actor.key)).all())
        members = object_counts.region_counts(current)["municipalities"]
        return current.data_version or 0, (rows, digest([tuple(r) for r in rows])), \
            object_counts.cost(members)
    rows, content = _regional.get(version_key(region)[:2], region.data_version or 0,
                                  lambda: find(region), in_background(region, find))[1]
    base = url_for(".overview", slug=region.slug)
    return Markup(_matrices.get(digest(("regional", str(get_locale()), base, content)),
                                lambda: render_template("objects/_regional.html", base=base,
                                                        regional=rows)))


@bp.route("/<slug>")
def overview(slug: str):
    region = perm.get_region(slug)
    counts = object_counts.region_counts(region)
    settings = None
    if perm.can_edit_region_settings(current_user, region):
        settings = object_forms.RegionSettingsForm(formdata=None, data=_form_data(
            {"funded_until": region.funded_until.isoformat() if region.funded_until else None}))
    members, matrix = level_matrix(region, web.page_number())
    return render_template("objects/overview.html", region=region, counts=counts,
                           members=members, matrix_html=matrix,
                           regional_html=regional_html(region),
                           upload=bundle_forms.BundleUploadForm(), settings=settings)


@bp.post("/<slug>/settings")
def settings(slug: str):
    """The coordinator changes the region's settings (the end of its funding)."""
    region = perm.get_region(slug)
    perm.require(perm.can_edit_region_settings(current_user, region))
    form = object_forms.RegionSettingsForm()
    if form.validate_on_submit():
        try:
            object_services.update_region_settings(
                region, {"funded_until": form.funded_until.data}, current_user)
        except ValidationError as exc:
            for problem in exc.problems:
                flash(problem.message, "error")
        else:
            flash(_("Einstellungen der Region gespeichert."), "success")
    else:
        flash(_("Das Formular war abgelaufen; bitte erneut senden."), "error")
    return redirect(url_for(".overview", slug=slug) + "#einstellungen")


# --- list, detail, create, edit, delete ---------------------------------------------------------


@bp.route(f"/<slug>/{KIND_PATH}")
def index(slug: str, kind: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    page = object_counts.list_page(k, region, request.args, web.page_number(),
                                   current_app.config["PER_PAGE"])
    if (last := web.past_the_end(page)) is not None:
        return last
    return render_template(f"objects/{kind}_list.html", region=region, kind=k, page=page,
                           args=request.args, can_add=k.can_add(current_user, region),
                           municipality_choices=region_municipality_choices(region))


def _fill_choices(form, region, kind: str, *, creating: bool, obj=None) -> None:
    """Offer only what the account may choose (a member: its own municipality, ties
    touching its actors first, its own actors when proposing an initiative, no provenance
    "confirmed" unless the record is confirmed already)."""
    if "provenance" in form:
        form.provenance.choices = provenance_choices(
            current_user, region, keep_confirmed=getattr(obj, "provenance", None) == "confirmed")
        if not perm.can_confirm(current_user, region):
            form.provenance.description = _(
                "„bestätigt“ setzt die Koordination der Region nach Prüfung, bei Verbindungen "
                "auch die Netzwerkbefragung, wenn beide Seiten sie melden.")
    if kind == "actors":
        form.municipality.choices = forms.options(
            actor_municipality_choices(current_user, region, obj))
    elif kind == "ties":
        form.source.choices = tie_end_choices(current_user, region)
        form.target.choices = tie_end_choices(current_user, region)
        if not perm.can_manage_region(current_user, region):
            form.source.description = _("Mindestens ein Ende der Verbindung ist ein Akteur "
                                        "Ihrer Kommune.")
    elif kind == "initiatives":
        choices = forms.options(participant_choices(current_user, region, creating=creating))
        confirmed = {p.actor.key for p in getattr(obj, "participations", [])
                     if p.provenance == "confirmed"}
        for entry in form.participants:
            entry.actor.choices = choices
            typed = object_services.actor_keys_for(region, entry.actor.data or "")
            entry.provenance.choices = provenance_choices(
                current_user, region, keep_confirmed=len(typed) == 1 and typed[0] in confirmed)
    elif kind == "formats":
        form.convenor.choices = forms.options(convenor_choices(current_user, region))
        form.participants.choices = forms.options(region_actor_choices(region))
        if not perm.can_manage_region(current_user, region):
            form.convenor.description = _("Formate, zu denen ein Akteur Ihrer Kommune "
                                          "einlädt.")
            form.participants.description = _(
                "Akteure einer anderen Kommune werden eingeladen: Sie nehmen teil, sobald "
                "ihre Kommune zustimmt. Stellen ohne Kommune trägt die Koordination ein.")
    elif kind == "solutions":
        form.owner.choices = forms.options(owner_choices(current_user, region))
        form.initiatives.choices = forms.options(region_initiative_choices(region))


def _choice_problems(form, region, kind: str, raw: dict) -> list[validation.Problem]:
    """Choices the account may not make (a forged form): German field messages instead of a
    bare 403 page. The services check the same permissions again."""
    problems: list[validation.Problem] = []
    if kind == "actors" and "municipality" in raw:
        allowed = {value for value, _label, *_rest in form.municipality.choices}
        if (raw["municipality"] or "") not in allowed:
            problems.append(validation.Problem("municipality", _(
                "Kommune: Für diese Kommune können Sie keine Akteure anlegen oder ändern; "
                "bitte wählen Sie eine aus der Liste.")))
    elif kind == "ties":
        ends = {name: db.session.scalar(sa.select(Actor).filter_by(
            region_id=region.id, key=raw.get(name))) for name in ("source", "target")}
        if all(ends.values()) and not perm.can_edit_tie_between(
                current_user, region, ends["source"], ends["target"]):
            problems.append(validation.Problem("source", _(
                "Von: Mindestens ein Ende der Verbindung muss ein Akteur Ihrer Kommune sein.")))
    elif kind == "solutions" and "owner" in raw:
        allowed = {value for value, _label, *_rest in form.owner.choices}
        if (raw["owner"] or "") not in allowed:
            problems.append(validation.Problem("owner", _(
                "Eigentümer: Sie können nur Lösungen eintragen, die ein Akteur Ihrer Kommune "
                "besitzt; bitte wählen Sie einen aus der Liste.")))
    elif kind == "formats" and "convenor" in raw:
        allowed = {value for value, _label, *_rest in form.convenor.choices}
        if (raw["convenor"] or "") not in allowed:
            problems.append(validation.Problem("convenor", _(
                "Einladende Stelle: Sie können nur Formate anlegen oder ändern, zu denen ein "
                "Akteur Ihrer Kommune einlädt; bitte wählen Sie einen aus der Liste.")))
    elif kind == "initiatives":  # one lead: the service's rule (objects.services)
        allowed = {value for value, _label, *_rest in form.participants[0].actor.choices} \
            if form.participants else set()
        for n, entry in enumerate(raw.get("participants", [])):
            if entry.get("actor") not in allowed:
                problems.append(validation.Problem(f"participants[{n}].actor", _(
                    "Beteiligte: „%(k)s“ können Sie hier nicht eintragen; Akteure anderer "
                    "Kommunen bitten Sie über die Initiative um ihre Beteiligung.",
                    k=entry.get("actor"))))
    return problems


def _typed_options(choices, typed: dict[str, str]) -> list[SelectChoice]:
    """An actor type-ahead field's suggestions from its ``choices`` (key, "name
    (municipality)"): the value is what the field then holds, the actor's name where that
    names it alone (``typed``: :func:`object_services.actor_typed_names`, else its key);
    the label adds its municipality and key ("Olpe · olpe-digital"), or, for a key, the
    name. A choice's group (a member's own actors first) is kept."""
    found = []
    for choice in choices:
        key, label = choice.value, str(choice.label)  # label: "name (municipality)"
        if not key:
            continue
        value = typed.get(key, key)
        if value != key:
            rest = label[len(value):] if label.startswith(value) else ""
            municipality = rest[2:-1] if rest.startswith(" (") and rest.endswith(")") else ""
            label = " · ".join(filter(None, (municipality, key)))
        found.append(SelectChoice(value, label, optgroup=getattr(choice, "optgroup", None)))
    return found


def _participant_options(form, region) -> list[tuple[str, str]]:
    """The type-ahead suggestions of an initiative's participant rows, as (value, label)
    (:func:`_typed_options`)."""
    if not form.participants:
        return []
    return [(c.value, c.label) for c in _typed_options(
        form.participants[0].actor.choices, object_services.actor_typed_names(region))]


def _show_participants_by_name(form, region) -> None:
    """An initiative's participant rows name their actors as a person types them: by name
    (:func:`_participant_options`), not by key."""
    typed = object_services.actor_typed_names(region)
    for entry in form.participants:
        if entry.actor.data:
            entry.actor.data = typed.get(entry.actor.data, entry.actor.data)


def _show_tie_ends_by_name(form, region) -> None:
    """A tie's ends are offered and shown as a person types them: by name where the name
    names the actor alone, else by key (:func:`_typed_options`). The typed text goes back
    to the key when the form is sent (:func:`_typed_actor_problems`)."""
    typed = object_services.actor_typed_names(region)
    for field in (form.source, form.target):
        field.choices = _typed_options(field.choices, typed)
        if field.data:
            field.data = typed.get(field.data, field.data)


def _typed_actor_problems(region, kind: str, raw: dict) -> list[validation.Problem]:
    """Actors typed into a type-ahead field (a tie's ends, an initiative's participants)
    by their name, as the field invites, become their keys in ``raw``
    (:func:`object_services.actor_keys_for`: the exact name, case and surrounding spaces
    ignored). A name several actors bear is refused with their keys; text that is neither
    a name nor a key is refused too (an unknown key is left to the service, which names
    it). The API takes keys only."""
    if kind == "ties":
        fields = [(raw, name, name, validation.field_label("tie", name))
                  for name in ("source", "target")]
    elif kind == "initiatives":
        fields = [(entry, "actor", f"participants[{n}].actor", _("Beteiligte"))
                  for n, entry in enumerate(raw.get("participants", []))]
    else:
        return []
    problems: list[validation.Problem] = []
    for holder, name, field, label in fields:
        typed = (holder.get(name) or "").strip()
        keys = object_services.actor_keys_for(region, typed) if typed else []
        if len(keys) == 1:
            holder[name] = keys[0]
        elif keys:
            problems.append(validation.Problem(field, _(
                "%(f)s: „%(n)s“ heißen mehrere Akteure dieser Region; bitte geben Sie den "
                "Schlüssel ein: %(k)s.", f=label, n=typed, k=", ".join(keys))))
        elif typed and not validation.KEY_RE.match(typed):
            problems.append(validation.Problem(field, _(
                "%(f)s: Kein Akteur mit diesem Namen oder Schlüssel in dieser Region.",
                f=label)))
    return problems


def _raw_from_form(form, kind: str, *, editing: bool) -> dict:
    raw = {name: field.data for name, field in form._fields.items()
           if name not in ("csrf_token", "submit", "more")}
    if kind == "initiatives":
        raw["participants"] = [p for p in raw["participants"] if p.get("actor")]
    if kind == "actors" and not raw.get("municipality"):
        raw["municipality"] = None
    if kind == "formats" and not raw.get("convenor"):
        raw["convenor"] = None
    if kind == "solutions":
        raw["owner"] = raw.get("owner") or None
        raw["links"] = {name: (raw.pop(f"link_{name}", "") or "").strip()
                        for name in vocab.SOLUTION_LINKS}
    if editing:
        raw.pop("key", None)
    elif kind != "ties" and not (raw.get("key") or "").strip() and raw.get("name"):
        # a key from the name, when none was typed (it is fixed by the first save)
        raw["key"] = validation.key_from_name(raw["name"]) or None
    return raw


def raise_if(problems: list[validation.Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _form_data(record: dict) -> dict:
    """An object's values as its edit form shows them: numbers in the interface language's
    notation (the validation reads both), no value as an empty field."""
    data = {k: ("" if v is None else v) for k, v in record.items()}
    for name in ("population", "area_km2", "lat", "lon", "capacity_fte", "weight", "trust",
                 "value"):
        if name in data and data[name] != "":
            data[name] = (str(data[name]) if isinstance(data[name], int)
                          else format_decimal(data[name], format="0.##########"))
    for name in ("since", "start", "end"):
        if data.get(name):
            data[name] = day(data[name])
    return data


def _prefill(form, region, kind: str) -> None:
    """What a new object's form starts with: a member defaults to tier member, the region's
    Land and kind Gemeinde; a tie takes its ends and kind from the query (the analysis'
    "Verbindung anlegen"); a member's initiative starts with a row for its lead (a member
    must name one, :func:`object_services.add_initiative`); an actor takes its municipality
    (the coordinator's choice; a member's is its own) and level from the query."""
    if kind == "municipalities":
        form.kind.data = "gemeinde"
        form.tier.data = "member"
        form.state.data = object_services.region_state(region) or form.state.data
    elif kind == "ties":
        for name, arg in (("source", "source"), ("target", "target"), ("kind", "tie_kind")):
            value = request.args.get(arg, "")
            if value:
                getattr(form, name).data = value[:160]
    elif kind == "initiatives" and form.participants and not perm.can_manage_region(
            current_user, region):
        form.participants[0].role.data = "lead"
    elif kind == "actors":
        # from a municipality's page ("Akteur anlegen", a missing level): filed under it
        municipality = request.args.get("municipality", "")
        if municipality and perm.can_manage_region(current_user, region):
            form.municipality.data = municipality[:130]
        if request.args.get("level") in vocab.LEVELS:
            form.level.data = request.args["level"]


def _warn_type_level(kind: str, obj) -> None:
    """An actor whose type and level disagree (a council on the coordinating level) is
    saved, with a warning."""
    if kind != "actors":
        return
    usual = vocab.TYPE_LEVELS.get(obj.type)
    if usual and usual != obj.level:
        flash(_("Hinweis: „%(t)s“ liegt üblicherweise auf der Ebene „%(u)s“, nicht „%(l)s“. "
                "Bitte prüfen Sie Typ und Ebene.", t=vocab.label(vocab.ACTOR_TYPES, obj.type),
                u=vocab.label(vocab.LEVELS, usual), l=vocab.label(vocab.LEVELS, obj.level)),
              "warning")


@bp.route(f"/<slug>/{KIND_PATH}/new", methods=["GET", "POST"])
def create(slug: str, kind: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    perm.require(k.can_add(current_user, region))
    form = k.form()
    if kind == "initiatives" and request.method == "GET":
        for _n in range(4):
            form.participants.append_entry()
    if kind == "actors" and request.method == "GET" and current_user.role == "member":
        form.municipality.data = current_user.municipality.key if current_user.municipality else ""
    if request.method == "GET":
        _prefill(form, region, kind)
    _fill_choices(form, region, kind, creating=True)
    if kind == "initiatives" and form.more.data:
        form.participants.append_entry()  # "weitere Zeile": one more row, nothing saved
        _fill_choices(form, region, kind, creating=True)
    elif form.validate_on_submit():
        raw = _raw_from_form(form, kind, editing=False)
        try:
            raise_if(_typed_actor_problems(region, kind, raw))
            raise_if(_choice_problems(form, region, kind, raw))
            obj = k.add(region, raw, current_user)
        except (ValidationError, Conflict) as exc:
            forms.show_problems(form, exc)
        else:
            flash(_("%(what)s „%(name)s“ wurde angelegt.", what=k.title_one,
                    name=k.name_of(obj)), "success")
            _flash_invitations(obj)
            _warn_type_level(kind, obj)
            for d in getattr(obj, "differences", None) or []:
                flash(_("Die Kommune gibt es schon auf der Plattform; sie wurde verknüpft, ihre "
                        "Angaben bleiben: %(f)s ist „%(p)s“ (Ihre Eingabe: „%(g)s“ wurde nicht "
                        "übernommen).", f=validation.field_label("municipality", d["field"]),
                        p=d["platform"], g=d["given"]), "info")
            # back where it came from (e.g. the survey answer that lacked a unit)
            back = web.safe_next(request.args.get("next"))
            return redirect(back or url_for(".detail", slug=slug, kind=kind,
                                            key=k.key_of(obj)))
    if kind == "ties":
        _show_tie_ends_by_name(form, region)
    return render_template("objects/form.html", region=region, kind=k, form=form, obj=None,
                           participant_options=_participant_options(form, region)
                           if kind == "initiatives" else [])


@bp.route(f"/<slug>/{KIND_PATH}/<key>")
def detail(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    context = {}
    if kind == "municipalities":
        context["actors"] = db.session.scalars(sa.select(Actor).filter_by(
            region_id=region.id, municipality_id=obj.municipality_id).order_by(
            Actor.sort_name, Actor.key)).all()
    if kind == "actors":
        context["ties"] = db.session.scalars(sa.select(Tie).where(
            Tie.region_id == region.id,
            sa.or_(Tie.source_id == obj.id, Tie.target_id == obj.id)).order_by(Tie.key)).all()
    report = None
    if kind in ("municipalities", "solutions"):  # suggestions and paths use the analysis
        # (the newest stored report; while the first is computed, no mentor suggestions)
        report = reports.latest(region).report
    context.update(spielregeln.page_context(region, kind, obj, current_user, report))
    if kind == "municipalities":
        context["neighbour_solutions"] = solution_services.neighbour_solutions(region, obj)
        context.update(_member_levels(region, obj, context["actors"], report))
    if kind == "solutions":
        context.update(solution_services.detail_context(region, obj, report, current_user))
    return render_template(f"objects/{kind}_detail.html", region=region, kind=k, obj=obj,
                           can_edit=k.can_edit(current_user, region, obj),
                           can_delete=k.can_delete(current_user, region, obj),
                           delete_form=forms.EmptyForm(), **context)


def _member_levels(region, membership, actors: list, report: dict | None) -> dict:
    """What a municipality's page says about its three levels, in the words of the level
    matrix and the analysis (:func:`member_states`): ``levels`` (level -> its actors),
    ``cover`` (the outside unit filling its coordinating level according to the newest
    stored report, or None) and ``states``."""
    key = membership.municipality.key
    found = next((m for m in report["org_models"]["members"] if m["key"] == key),
                 None) if report else None
    cover = db.session.scalar(sa.select(Actor).filter_by(
        region_id=region.id, key=found["covered_by"])) if found and found.get(
        "covered_by") else None
    levels: dict[str, list] = {level: [] for level in vocab.LEVELS}
    for actor in actors:
        levels.setdefault(actor.level, []).append(actor)
    return {"levels": levels, "cover": cover,
            "states": member_states(membership, actors, cover.provenance if cover else None)}


@bp.route(f"/<slug>/{KIND_PATH}/<key>/edit", methods=["GET", "POST"])
def edit(slug: str, kind: str, key: str):
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    perm.require(k.can_edit(current_user, region, obj))
    back = web.safe_next(request.args.get("next"))  # e.g. the survey answer it came from
    current = _form_data(k.edit_values(obj))
    form = k.form(data=current) if request.method == "GET" else k.form()
    if kind == "initiatives" and request.method == "GET":
        _show_participants_by_name(form, region)
        for _n in range(3):
            form.participants.append_entry()
    _fill_choices(form, region, kind, creating=False, obj=obj)
    locked = k.locked_fields(current_user, region, obj)
    for name in locked:
        # shown read-only, so not sent: it keeps its value. A value sent anyway (a forged
        # or stale form) goes to the service, which refuses it with a message at the field.
        if request.method == "POST" and name in form and name not in request.form:
            form[name].data = current.get(name)
    if kind == "initiatives" and form.more.data:
        form.participants.append_entry()
        _fill_choices(form, region, kind, creating=False, obj=obj)
    elif form.validate_on_submit():
        raw = _raw_from_form(form, kind, editing=True)
        try:
            raise_if(_typed_actor_problems(region, kind, raw))
            raise_if(_choice_problems(form, region, kind, raw))
            k.update(region, obj, raw, current_user)
        except (ValidationError, Conflict) as exc:
            forms.show_problems(form, exc)
        else:
            flash(_("Änderungen an „%(name)s“ gespeichert.", name=k.name_of(obj)), "success")
            _flash_invitations(obj)
            _warn_type_level(kind, obj)
            return redirect(back or url_for(".detail", slug=slug, kind=kind, key=key))
    if kind == "ties":
        _show_tie_ends_by_name(form, region)
    return render_template("objects/form.html", region=region, kind=k, form=form, obj=obj,
                           locked={name: (_shown(form[name]), reason)
                                   for name, reason in locked.items() if name in form},
                           participant_options=_participant_options(form, region)
                           if kind == "initiatives" else [], back=back)


def _flash_invitations(obj) -> None:
    """A member's change to another municipality's participation (initiative, format) waits
    for that municipality's consent: say so, one line per invitation."""
    for r in getattr(obj, "sent_invitations", None) or []:
        flash(_("Einladung an %(m)s gesendet: „%(a)s“ wird beteiligt, sobald %(m)s "
                "zustimmt.", m=r.actor.municipality.name, a=r.actor.name), "info")


def _shown(field) -> str:
    """A field's current value as text (a choice by its label)."""
    value = field.data
    for choice in getattr(field, "choices", None) or []:
        choice_value, label = ((choice.value, choice.label) if hasattr(choice, "value")
                               else (choice[0], choice[1]))
        if choice_value == value:
            return str(label)
    return "—" if value in (None, "") else str(value)


@bp.route(f"/<slug>/{KIND_PATH}/<key>/delete", methods=["GET", "POST"])
def delete(slug: str, kind: str, key: str):
    """GET asks for confirmation and lists what goes with the object; POST deletes."""
    region = perm.get_region(slug)
    k = _kind(kind)
    obj = k.load(region, key)
    perm.require(k.can_delete(current_user, region, obj))
    back = web.safe_next(request.args.get("next"))  # e.g. the survey answer it came from
    form = forms.EmptyForm()
    if form.validate_on_submit():
        name = k.name_of(obj)
        k.delete(region, obj, current_user)
        flash(_("%(what)s „%(name)s“ wurde gelöscht. Rückgängig machen können Sie das im "
                "Änderungsprotokoll (Link auf der Übersicht der Region).", what=k.title_one,
                name=name), "success")
        return redirect(back or url_for(".index", slug=slug, kind=kind))
    return render_template("objects/confirm_delete.html", region=region, kind=k, obj=obj,
                           form=form, consequences=k.consequences(region, obj), back=back)
