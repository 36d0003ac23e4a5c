"""Use cases of the relationship survey ("Netzwerkbefragung"): the coordinator opens a round,
each member municipality answers for its own units and partners, and the answers become
records with provenance ``self_reported`` through the object services; a tie reported from
both ends becomes ``confirmed``.

A member's answer never changes another municipality's records: it corrects its own units,
adds a new partner as an external partner (an actor of no municipality, as a regional body:
it never fills a level of the answering municipality), and every tie it reports has one of
its own units at one end. A new partner the region already has under a name that differs
only in spelling or legal form is linked to that actor instead (:func:`comparable_name`).
A partner in another municipality gets a self-reported tie, which that municipality confirms
or rejects in its own answer (``confirm``/``reject``)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import permissions as perm
from collab.core import vocab
from collab.core.collation import collation_key
from collab.core.localtime import to_local
from collab.core.models import (
    Activity,
    Actor,
    Municipality,
    Region,
    RegionMembership,
    Survey,
    SurveyResponse,
    Tie,
    User,
    utcnow,
)
from collab.core.store import Conflict, busy_is_retry, change, lock, raise_if, require
from collab.core.validation import Problem, ValidationError, clean, key_from_name
from collab.extensions import db
from collab.notifications import services as notifications
from collab.objects import services as objects

#: how the coordinator's view names what an answer changed
CHANGE_LABELS = {
    "actor.create": _l("neuer Partner"),
    "actor.update": _l("Einheit"),
    "tie.create": _l("neue Verbindung"),
    "tie.update": _l("Verbindung aktualisiert"),
    "tie.confirm": _l("Verbindung bestätigt"),
    "tie.reject": _l("Verbindung abgelehnt"),
    "actor.match": _l("zugeordneter Partner"),
}

#: the answer's parts: anything else in the document is refused
ANSWER_KEYS = ("units", "partners", "confirm", "reject")

#: at most this many partners in one answer (the form offers as many rows)
MAX_PARTNERS = 200
#: at most this many new partners one answer may create: each becomes an actor of the
#: region, which everyone sees (more are named as existing actors in a later answer)
MAX_NEW_PARTNERS = 50
#: at most this many new partners a municipality's answers to one round create together. An
#: answer can be changed while the round is open, and each change could otherwise create
#: MAX_NEW_PARTNERS more actors; what an answer created stays when a later one leaves it
#: out, so it keeps counting (``SurveyResponse.created``)
MAX_NEW_PARTNERS_PER_ROUND = 100

#: the sector of a new partner that names none, by its type (public for the others)
SECTOR_OF_TYPE = {"business": "business", "association": "civil_society",
                  "topic_sponsor": "civil_society", "research": "science"}


#: legal forms a name may end in, as :func:`comparable_name` splits them into words; they
#: are left out when names are compared ("Südwestfalen Agentur GmbH" is "Südwestfalen
#: Agentur"), longest first
LEGAL_FORMS = sorted([("gmbh",), ("g", "m", "b", "h"), ("ggmbh",), ("mbh",), ("ev",),
                      ("e", "v"), ("eg",), ("e", "g"), ("ag",), ("kg",), ("co", "kg"),
                      ("aoer",), ("a", "oe", "r"), ("ug",), ("ug", "haftungsbeschraenkt")],
                     key=len, reverse=True)

_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def comparable_name(name: str) -> str:
    """What two names of one organisation have in common: case, umlauts (``ä``/``ae``),
    accents, spaces, hyphens and punctuation, and a legal form at the end ignored. Words are
    joined without a space, except two numbers ("Verein 1 10" is not "Verein 11 0"). A name
    that is only a legal form keeps it.

    >>> comparable_name("Südwestfalen Agentur GmbH") == comparable_name("suedwestfalen agentur")
    True
    >>> comparable_name(" Südwestfalen-IT ") == comparable_name("Südwestfalen IT")
    True
    >>> comparable_name("Heimatverein Olpe e. V."), comparable_name("Netz GmbH & Co. KG")
    ('heimatvereinolpe', 'netz')
    """
    text = unicodedata.normalize("NFKD", (name or "").casefold().translate(_SPELLED_OUT))
    words = re.findall(r"[^\W_]+", "".join(c for c in text if not unicodedata.combining(c)))
    stripped = True
    while stripped:
        stripped = False
        for form in LEGAL_FORMS:
            if len(words) > len(form) and tuple(words[-len(form):]) == form:
                words, stripped = words[:-len(form)], True
                break
    joined = ""
    for word in words:
        apart = joined[-1:].isdigit() and word[0].isdigit()
        joined += (" " if apart else "") + word
    return joined


def today():
    """The local date (Europe/Berlin): a round closes at the end of its closing day there."""
    return to_local(utcnow()).date()


def is_open(survey: Survey) -> bool:
    """Answers are taken until the end of the closing day, unless the coordinator ended the
    round early."""
    return survey.ended_at is None and today() <= survey.closes_at


def latest_possible_close(day: dt.date) -> dt.date:
    """The last closing date a round opened on ``day`` may have: one year ahead (a round
    opened on 29 February closes on 28 February at the latest)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def open_round(region: Region) -> Survey | None:
    """The region's round still taking answers, if any (there is one at a time)."""
    return db.session.scalar(sa.select(Survey).where(
        Survey.region_id == region.id, Survey.ended_at.is_(None),
        Survey.closes_at >= today()).order_by(Survey.id))


@busy_is_retry()
def open_survey(region: Region, raw: dict, user: User | None) -> Survey:
    """The coordinator opens a round with its closing date (today at the earliest, one year
    ahead at the latest). A region has one open round at a time: another is refused (409)
    until it closes, also when two are opened at once (the region's row is locked)."""
    require(perm.can_open_survey(user, region))
    data, problems = clean("survey", raw)
    raise_if(problems)
    if data["closes_at"] < today():
        raise ValidationError([Problem("closes_at", _(
            "Antworten bis: liegt in der Vergangenheit."))])
    if data["closes_at"] > latest_possible_close(today()):
        raise ValidationError([Problem("closes_at", _(
            "Antworten bis: höchstens ein Jahr im Voraus."))])
    lock(region)  # two rounds opened at once: the second sees the first and gets 409
    running = open_round(region)
    if running is not None:
        raise Conflict(_("Befragung: Runde %(n)d nimmt noch bis %(d)s Antworten an; eine "
                         "neue Runde kann erst danach beginnen.", n=running.id,
                         d=running.closes_at.strftime("%d.%m.%Y")), field="status")
    with change(region, user, "survey.open", "", _("Netzwerkbefragung bis %(d)s",
                                                     d=data["closes_at"].isoformat()),
                data=False):
        survey = Survey(region=region, closes_at=data["closes_at"],
                        opened_by_id=getattr(user, "id", None))
        db.session.add(survey)
        db.session.flush()
        until = data["closes_at"].strftime("%d.%m.%Y")
        notifications.notify(
            notifications.accounts(region, roles=("member",)), "survey_opened",
            _l("Netzwerkbefragung: Bitte antworten Sie bis %(d)s", d=until),
            _l("Die Koordination hat eine Netzwerkbefragung gestartet. Bitte bestätigen Sie die "
               "Einheiten Ihrer Kommune und nennen Sie Ihre Partner, bis %(d)s.", d=until),
            survey_url(region, survey), exclude=user)
    return survey


#: a survey round's reminder goes out this many days before it closes
SURVEY_REMINDER_DAYS = 2

#: the notifications that ask a municipality to answer a round: read once it answered, or
#: once the round is ended
SURVEY_KINDS = ("survey_opened", "survey_reminder")


def survey_url(region: Region, survey: Survey) -> str:
    return f"/regions/{region.slug}/surveys/{survey.id}/answer"


def remind_due_surveys(day: dt.date | None = None) -> list[tuple[Survey, int]]:
    """Remind the member accounts of municipalities that have not answered a survey round
    closing within the next 48 hours (``flask send-reminders``), once per round (the
    activity log records it). Returns each round reminded with the number of municipalities
    reminded."""
    day = day or today()
    due = db.session.scalars(sa.select(Survey).where(
        Survey.ended_at.is_(None), Survey.closes_at >= day,
        Survey.closes_at <= day + dt.timedelta(days=SURVEY_REMINDER_DAYS))
        .order_by(Survey.id)).all()
    done = []
    for survey in due:
        target = f"survey-{survey.id}"
        if db.session.scalar(sa.select(Activity.id).filter_by(
                region_id=survey.region_id, action="survey.remind", target=target)):
            continue
        region = survey.region
        answered = {r.municipality_id for r in survey.responses}
        members = {m.municipality_id for m in db.session.scalars(
            sa.select(RegionMembership).filter_by(region_id=region.id))}
        missing = members - answered
        until = survey.closes_at.strftime("%d.%m.%Y")
        with change(region, None, "survey.remind", target,
                    _("Erinnerung an %(n)d Kommune(n): Netzwerkbefragung bis %(d)s",
                      n=len(missing), d=until), data=False):
            notifications.notify(
                notifications.accounts(region, roles=("member",), municipality_ids=missing),
                "survey_reminder",
                _l("Erinnerung: Netzwerkbefragung endet am %(d)s", d=until),
                _l("Ihre Kommune hat die Netzwerkbefragung noch nicht beantwortet. Antworten "
                   "sind bis %(d)s möglich.", d=until), survey_url(region, survey))
        done.append((survey, len(missing)))
    return done


@busy_is_retry()
def close_survey(region: Region, survey: Survey, user: User | None) -> Survey:
    """The coordinator ends a round early (a closing date set too far, or enough answers):
    from today on it takes no answers and a new round may start. Answers given stay."""
    require(perm.can_open_survey(user, region))
    lock(region)
    db.session.refresh(survey)
    if not is_open(survey):
        raise Conflict(_("Befragung: Runde %(n)d ist schon geschlossen.", n=survey.id),
                       field="status")
    with change(region, user, "survey.close", str(survey.id),
                _("Netzwerkbefragung, Runde %(n)d, vorzeitig beendet", n=survey.id),
                data=False):
        # it takes no answers from now on, and a new round may open today; its closing
        # date stays the planned one
        survey.ended_at = utcnow()
        notifications.mark_read_about(survey_url(region, survey), SURVEY_KINDS)
    return survey


def closing(survey: Survey) -> dict[str, Any]:
    """How a round's end reads: ``{"open": bool, "early": bool, "day": date}``, where
    ``day`` is the last day answers are taken for a round that ran or runs to its closing
    date, and the local day it was ended for one the coordinator ended early (its planned
    closing date then lies after that day)."""
    if survey.ended_at is not None:
        return {"open": False, "early": True, "day": to_local(survey.ended_at).date()}
    return {"open": is_open(survey), "early": False, "day": survey.closes_at}


def surveys(region: Region) -> list[Survey]:
    return db.session.scalars(sa.select(Survey).filter_by(region_id=region.id)
                              .order_by(Survey.id.desc())).all()


def get_survey(region: Region, survey_id: int) -> Survey:
    return db.first_or_404(sa.select(Survey).filter_by(region_id=region.id, id=survey_id))


def response_of(survey: Survey, municipality: Municipality) -> SurveyResponse | None:
    return db.session.scalar(sa.select(SurveyResponse).filter_by(
        survey_id=survey.id, municipality_id=municipality.id))


def created_in_round(survey: Survey, municipality: Municipality) -> list[str]:
    """The keys of the actors ``municipality``'s answers to ``survey`` created as new
    partners, over all its submissions, as the database holds them now (not a copy the
    session loaded earlier)."""
    return list(db.session.scalar(sa.select(SurveyResponse.created).filter_by(
        survey_id=survey.id, municipality_id=municipality.id)) or [])


def new_partners_left(survey: Survey, municipality: Municipality) -> int:
    """How many more new partners ``municipality``'s answers to ``survey`` may create."""
    return max(0, MAX_NEW_PARTNERS_PER_ROUND - len(created_in_round(survey, municipality)))


#: why a partner an answer created is no longer the answering municipality's to correct
#: (:func:`perm.survey_partner_uses`)
PARTNER_USE_LABELS = {
    "tie": _l("mit Akteuren außerhalb Ihrer Kommune verbunden"),
    "initiative": _l("an einer Initiative beteiligt"),
    "format": _l("an einem Format beteiligt"),
    "solution": _l("Eigentümer einer Lösung"),
    "rule": _l("Gegenstand einer Spielregel"),
    "answer": _l("auch in der Antwort einer anderen Kommune genannt"),
}


def created_partners(region: Region, survey: Survey, municipality: Municipality,
                     user: User | None) -> list[dict[str, Any]]:
    """The partners ``municipality``'s answers to ``survey`` created that the region still
    holds, by name: each ``{"actor", "ties", "editable", "uses"}`` with the ties between it
    and the municipality's units (each ``{"tie", "unit", "editable"}``), whether ``user`` may
    correct or remove it (:func:`perm.can_edit_actor`) and, where not, what else uses it
    (labels of :data:`PARTNER_USE_LABELS`)."""
    keys = set(created_in_round(survey, municipality))
    if not keys:
        return []
    actors = db.session.scalars(sa.select(Actor).where(
        Actor.region_id == region.id, Actor.key.in_(keys))).all()
    found = []
    for actor in sorted(actors, key=lambda a: (collation_key(a.name), a.key)):
        ties = db.session.scalars(sa.select(Tie).where(
            Tie.region_id == region.id,
            sa.or_(Tie.source_id == actor.id, Tie.target_id == actor.id))).all()
        own = [{"tie": t, "unit": t.target if t.source_id == actor.id else t.source,
                "editable": perm.can_edit_tie(user, t)} for t in ties
               if municipality.id in (t.source.municipality_id, t.target.municipality_id)]
        own.sort(key=lambda t: (collation_key(t["unit"].name), t["tie"].kind))
        editable = perm.can_edit_actor(user, actor)
        uses = [] if editable or actor.municipality_id is not None else [
            PARTNER_USE_LABELS[use] for use in perm.survey_partner_uses(actor, municipality)]
        found.append({"actor": actor, "ties": own, "editable": editable, "uses": uses})
    return found


def own_actors(region: Region, municipality: Municipality) -> list[Actor]:
    return db.session.scalars(sa.select(Actor).filter_by(
        region_id=region.id, municipality_id=municipality.id)
        .order_by(Actor.sort_name, Actor.key)).all()


def reported_by_others(region: Region, municipality: Municipality) -> list[Tie]:
    """Self-reported ties between one of this municipality's units and a unit of another
    municipality that the other municipality named in its survey answer, waiting for this
    side to confirm or reject them (one it named itself waits for the other side; one
    entered on the pages only the coordinator confirms: ``perm.can_confirm``)."""
    mine = sa.select(Actor.id).filter_by(region_id=region.id,
                                         municipality_id=municipality.id).scalar_subquery()
    found = db.session.scalars(sa.select(Tie).where(
        Tie.region_id == region.id, Tie.provenance == "self_reported",
        sa.or_(Tie.source_id.in_(mine), Tie.target_id.in_(mine))).order_by(Tie.key)).all()
    answers = _answers_by_municipality(region)  # one query, not two per tie
    waiting = []
    for tie in found:
        other = _other_end_municipality(tie, municipality)
        if other is not None and _named_in(answers.get(other.id, []), tie) \
                and not _named_in(answers.get(municipality.id, []), tie):
            waiting.append(tie)
    return waiting


def known_ties(region: Region, survey: Survey, municipality: Municipality,
               pending: list[Tie]) -> list[dict[str, Any]]:
    """The ties the network already holds at one of ``municipality``'s units, which its
    answer form lists as known so that the answer does not enter them again (or their
    partner as a new one): all but those its saved answer to ``survey`` names (the form's
    rows show them) and ``pending``, those waiting for its confirmation
    (:func:`reported_by_others`, which the form asks about).

    Returns one ``{"unit": Actor, "ties": [{"tie": Tie, "partner": Actor}, ...]}`` per unit,
    by the unit's name and then the partner's (a tie between two of its units under its
    source)."""
    mine = sa.select(Actor.id).filter_by(region_id=region.id,
                                         municipality_id=municipality.id).scalar_subquery()
    response = response_of(survey, municipality)
    answered = {p.get("tie") for p in ((response.answer or {}) if response else {}).get(
        "partners", [])}
    waiting = {t.key for t in pending}
    groups: dict[int, dict[str, Any]] = {}
    for tie in db.session.scalars(sa.select(Tie).where(
            Tie.region_id == region.id,
            sa.or_(Tie.source_id.in_(mine), Tie.target_id.in_(mine)))):
        if tie.key in answered or tie.key in waiting:
            continue
        unit, partner = (tie.source, tie.target) \
            if tie.source.municipality_id == municipality.id else (tie.target, tie.source)
        groups.setdefault(unit.id, {"unit": unit, "ties": []})["ties"].append(
            {"tie": tie, "partner": partner})
    for group in groups.values():
        group["ties"].sort(key=lambda t: (collation_key(t["partner"].name), t["tie"].kind))
    return sorted(groups.values(), key=lambda g: (collation_key(g["unit"].name), g["unit"].key))


def _other_end_municipality(tie: Tie, municipality: Municipality) -> Municipality | None:
    """The municipality at the tie's far end from ``municipality`` (None when both ends are
    its own, or the far end is a regional body)."""
    ends = [tie.source.municipality, tie.target.municipality]
    if municipality not in ends:
        return None
    other = ends[1] if ends[0] is municipality else ends[0]
    return other if other is not None and other is not municipality else None


def _find_tie(region: Region, a: Actor, b: Actor, kind: str) -> Tie | None:
    """The tie of ``kind`` between ``a`` and ``b``, in either direction."""
    return db.session.scalar(sa.select(Tie).where(
        Tie.region_id == region.id, Tie.kind == kind,
        sa.or_(sa.and_(Tie.source_id == a.id, Tie.target_id == b.id),
               sa.and_(Tie.source_id == b.id, Tie.target_id == a.id))).limit(1))


def _answers_by_municipality(region: Region) -> dict[int, list[dict]]:
    """Every survey answer of the region (all rounds), by the answering municipality's id."""
    found: dict[int, list[dict]] = {}
    for municipality_id, answer in db.session.execute(
            sa.select(SurveyResponse.municipality_id, SurveyResponse.answer).join(Survey)
            .where(Survey.region_id == region.id)):
        found.setdefault(municipality_id, []).append(answer)
    return found


def _named_by(region: Region, municipality: Municipality, tie: Tie) -> bool:
    """Whether ``municipality`` reported or confirmed ``tie`` in a survey answer."""
    return _named_in(db.session.scalars(sa.select(SurveyResponse.answer).join(Survey).where(
        Survey.region_id == region.id, SurveyResponse.municipality_id == municipality.id)),
        tie)


def _named_in(answers, tie: Tie) -> bool:
    """Whether one of ``answers`` (a municipality's) reported or confirmed ``tie``."""
    ends = {tie.source.key, tie.target.key}
    for answer in answers:
        if tie.key in (answer or {}).get("confirm", []):
            return True
        for p in (answer or {}).get("partners", []):
            if {p.get("from"), p.get("actor")} == ends and p.get("kind") == tie.kind:
                return True
    return False


# --- checking an answer -----------------------------------------------------------------------


def _as_list(raw: dict, name: str) -> list:
    value = raw.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError([Problem(name, _("%(f)s: muss eine Liste sein.", f=name))])
    return value


def _check_size(partners: list) -> None:
    """Refuse an answer naming more than :data:`MAX_PARTNERS` partners before anything in it
    is looked up (422)."""
    if len(partners) > MAX_PARTNERS:
        raise ValidationError([Problem("partners", _(
            "Partner: Eine Antwort nennt höchstens %(n)d Partner; diese nennt %(m)d.",
            n=MAX_PARTNERS, m=len(partners)))])


def _new_partners(checked: dict) -> set[str]:
    """The new partners a checked answer still creates once :func:`_match_new_partners`
    linked those the region has: one per comparable name."""
    return {p["same"] for p in checked["partners"] if p["actor"] is None}


def _match_new_partners(region: Region, checked: dict) -> None:
    """Link each new partner of a checked answer whose name an actor of the region bears
    (after :func:`comparable_name`: "Südwestfalen Agentur" is "Südwestfalen Agentur GmbH")
    to that actor instead of creating it again; ``matched`` keeps the name typed. New
    partners of the answer with one comparable name become one (``same``). Then refuse
    (422) a name several actors bear (unless exactly one bears it as typed), a unit named
    as its own partner, and more than :data:`MAX_NEW_PARTNERS` new partners, which count
    only those still created. Called with the region locked, so an actor another answer
    created a moment ago is found."""
    bearers: dict[str, list[tuple[int, str, str]]] = {}
    for actor_id, key, name in db.session.execute(sa.select(
            Actor.id, Actor.key, Actor.name).where(Actor.region_id == region.id)):
        bearers.setdefault(comparable_name(name), []).append((actor_id, key, name))
    problems: list[Problem] = []
    for n, p in enumerate(checked["partners"]):
        if p["actor"] is not None:
            continue
        typed = p["new"]["name"].strip()
        p["same"] = comparable_name(typed) or typed
        found = bearers.get(p["same"], [])
        if len(found) > 1:
            found = [b for b in found if b[2].strip().casefold() == typed.casefold()] or found
        if len(found) > 1:
            problems.append(Problem(f"partners[{n}].new.name", _(
                "Partner: „%(n)s“ ist schon mehrfach erfasst (%(k)s); bitte wählen Sie einen "
                "davon in der Spalte „Partner“.", n=typed,
                k="; ".join(f"{name} – {key}" for _id, key, name in found))))
        elif found:
            actor = db.session.get(Actor, found[0][0])
            if actor.id == p["from"].id:
                problems.append(Problem(f"partners[{n}].new.name", _(
                    "Partner: Eine Einheit ist nicht ihr eigener Partner.")))
            p["actor"], p["matched"] = actor, typed
    raise_if(problems)
    new = len(_new_partners(checked))
    if new > MAX_NEW_PARTNERS:
        raise ValidationError([Problem("partners", _(
            "Partner: Eine Antwort legt höchstens %(n)d neue Partner an; diese nennt %(m)d. "
            "Bitte wählen Sie, wo möglich, erfasste Akteure; weitere neue Partner können Sie "
            "ergänzen, wenn diese Antwort gespeichert ist.", n=MAX_NEW_PARTNERS, m=new))])


def _check_round_cap(survey: Survey, municipality: Municipality, checked: dict) -> list[str]:
    """Refuse an answer whose new partners, with those the municipality's earlier answers to
    the round created, would exceed :data:`MAX_NEW_PARTNERS_PER_ROUND` (422, saying how many
    remain); else the keys of those created so far. Called with the region locked, so two
    answers of one municipality at once take turns and the second counts the first's."""
    created = created_in_round(survey, municipality)
    new = len(_new_partners(checked))
    left = max(0, MAX_NEW_PARTNERS_PER_ROUND - len(created))
    if new > left:
        raise ValidationError([Problem("partners", _(
            "Partner: Ihre Kommune kann in dieser Runde noch %(r)d von höchstens %(n)d neuen "
            "Partnern anlegen (über alle ihre Antworten gezählt); diese Antwort nennt %(m)d. "
            "Bitte wählen Sie, wo möglich, erfasste Akteure; weitere neue Partner kann die "
            "Koordination der Region anlegen.", r=left, n=MAX_NEW_PARTNERS_PER_ROUND, m=new))])
    return created


def _check(region: Region, municipality: Municipality, raw: Any) -> dict:
    """The answer cleaned and resolved against the region, or every problem (422)."""
    if not isinstance(raw, dict):
        raise ValidationError([Problem("$", _("Die Antwort muss ein JSON-Objekt sein."))])
    unknown = sorted(set(raw) - set(ANSWER_KEYS))
    if unknown:
        raise ValidationError([Problem(name, _(
            "Unbekanntes Feld; erwartet: %(k)s.", k=", ".join(ANSWER_KEYS))) for name in unknown])
    listed = _as_list(raw, "partners")
    _check_size(listed)
    problems: list[Problem] = []
    mine = {a.key: a for a in own_actors(region, municipality)}
    units = []
    for n, item in enumerate(_as_list(raw, "units")):
        data, found = clean("survey_unit", item, path=f"units[{n}]")
        problems += found
        if not found and data["actor"] not in mine:
            problems.append(Problem(f"units[{n}].actor", _(
                "Einheit: „%(k)s“ ist keine Einheit Ihrer Kommune.", k=data["actor"])))
        elif not found and any(actor.key == data["actor"] for actor, _level in units):
            problems.append(Problem(f"units[{n}].actor", _(
                "Einheit: „%(k)s“ ist zweimal genannt.", k=data["actor"])))
        elif not found:
            units.append((mine[data["actor"]], data["level"]))
    partners = []
    for n, item in enumerate(listed):
        path = f"partners[{n}]"
        data, found = clean("survey_partner", item, path=path)
        new = item.get("new") if isinstance(item, dict) else None
        if new is not None:
            new_data, new_found = clean("survey_new_actor", new, path=f"{path}.new")
            found += new_found
            if not new_found and "sector" not in new:
                new_data["sector"] = SECTOR_OF_TYPE.get(new_data["type"], "public")
        elif not found and not data.get("actor"):
            found.append(Problem(f"{path}.actor", _(
                "Partner: Bitte einen Akteur wählen oder einen neuen Partner benennen.")))
        problems += found
        if found:
            continue
        if data["from"] not in mine:
            problems.append(Problem(f"{path}.from", _(
                "Eigene Einheit: „%(k)s“ ist keine Einheit Ihrer Kommune.", k=data["from"])))
            continue
        partner = None
        if new is None:
            partner = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id,
                                                                   key=data["actor"]))
            if partner is None:
                problems.append(Problem(f"{path}.actor", _(
                    "Partner: Akteur „%(k)s“ gibt es in dieser Region nicht.", k=data["actor"])))
                continue
            if partner.key == data["from"]:
                problems.append(Problem(f"{path}.actor", _(
                    "Partner: Eine Einheit ist nicht ihr eigener Partner.")))
                continue
        partners.append({"from": mine[data["from"]], "actor": partner,
                         "new": new_data if new is not None else None, "kind": data["kind"],
                         "frequency": data["frequency"], "trust": data.get("trust"),
                         "value": data.get("value")})
    pending = {t.key: t for t in reported_by_others(region, municipality)}
    decided: dict[str, str] = {}
    for verdict in ("confirm", "reject"):
        for n, tie_key in enumerate(_as_list(raw, verdict)):
            if not isinstance(tie_key, str) or tie_key not in pending:
                problems.append(Problem(f"{verdict}[{n}]", _(
                    "Verbindung: „%(k)s“ wartet nicht auf Ihre Bestätigung.", k=str(tie_key)[:80])))
            elif tie_key in decided:
                problems.append(Problem(f"{verdict}[{n}]", _(
                    "Verbindung: „%(k)s“ ist zweimal beantwortet.", k=tie_key)))
            else:
                decided[tie_key] = verdict
    raise_if(problems)
    return {"units": units, "partners": partners, "decided": decided, "pending": pending}


# --- applying an answer -----------------------------------------------------------------------


def _free_actor_key(region: Region, municipality: Municipality, name: str) -> str:
    base = f"{municipality.key}-{key_from_name(name) or 'partner'}"[:60].strip("-")
    candidate, n = base, 2
    while objects.node_key_owner(region, candidate) or perm.survey_created_anywhere(
            region, candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _add_partner(region: Region, municipality: Municipality, new: dict, reference: str,
                 user: User | None) -> Actor:
    """A new partner named in ``municipality``'s answer, as an external partner: an actor
    of no municipality (like a regional body), so it never counts as one of the
    municipality's own levels; the tie the answer records links it to the unit that named
    it. The member may add it through its answer (:func:`submit_response` checked
    ``can_answer_survey``), though it edits no regional body elsewhere: it is written here,
    by the object rules of :mod:`collab.core.validation`, and logged under the member's
    account."""
    key = _free_actor_key(region, municipality, new["name"])
    data, problems = clean("actor", {
        "key": key, "name": new["name"], "type": new["type"], "level": new["level"],
        "sector": new["sector"], "provenance": "self_reported", "source": reference})
    raise_if(problems)
    with change(region, user, "actor.create", key, data["name"]):
        actor = Actor(region=region, key=key, municipality=None,
                      **{k: v for k, v in data.items() if k not in ("key", "municipality")})
        db.session.add(actor)
    return actor


@busy_is_retry()
def submit_response(region: Region, survey: Survey, municipality: Municipality, raw: Any,
                    user: User | None) -> SurveyResponse:
    """Take ``municipality``'s answer to ``survey`` (a second answer replaces the first; what
    it created stays, and counts against :data:`MAX_NEW_PARTNERS_PER_ROUND`). Every part is
    checked before anything is written. A new partner the region already has is linked to
    that actor, and the answer's changes say so (``actor.match``)."""
    require(perm.can_answer_survey(user, region, municipality))
    if survey.region_id != region.id or not db.session.scalar(
            sa.select(RegionMembership.id).filter_by(region_id=region.id,
                                                     municipality_id=municipality.id)):
        require(False)
    _refuse_closed(survey)
    checked = _check(region, municipality, raw)
    reference = _("Netzwerkbefragung %(n)d: %(m)s", n=survey.id, m=municipality.name)
    # one transaction: the actors, ties and the answer are all saved, or none of them
    with change(region, user, "survey.answer", municipality.key,
                _("Netzwerkbefragung %(n)d: Antwort von %(m)s", n=survey.id,
                  m=municipality.name), data=False):
        lock(region)  # answers at once take turns: each counts what the others created
        db.session.refresh(survey)
        _refuse_closed(survey)  # ended by the coordinator meanwhile
        _match_new_partners(region, checked)
        created = _check_round_cap(survey, municipality, checked)
        response = _apply_answer(region, survey, municipality, checked, reference, created,
                                 user)
        notifications.mark_read_about(
            survey_url(region, survey), SURVEY_KINDS,
            notifications.accounts(region, roles=("member",), municipality_ids=[municipality.id]))
    return response


def _refuse_closed(survey: Survey) -> None:
    """409 when the round takes no answers (closed, or ended early by the coordinator)."""
    if is_open(survey):
        return
    end = closing(survey)
    if end["early"]:
        raise Conflict(_("Diese Befragung wurde am %(d)s vorzeitig beendet.",
                         d=end["day"].strftime("%d.%m.%Y")), field="closes_at")
    raise Conflict(_("Diese Befragung ist geschlossen; Antworten waren bis %(d)s "
                     "möglich.", d=end["day"].strftime("%d.%m.%Y")), field="closes_at")


def _matched(typed: str, actor: Actor) -> str:
    """What an answer is told of a new partner it named that ``actor`` already is."""
    if typed.strip() == actor.name.strip():
        return _("„%(a)s“ ist bereits erfasst und wurde zugeordnet.", a=actor.name)
    return _("„%(n)s“ ist bereits als „%(a)s“ erfasst und wurde zugeordnet.", n=typed.strip(),
             a=actor.name)


def _apply_answer(region: Region, survey: Survey, municipality: Municipality, checked: dict,
                  reference: str, created: list[str], user: User | None) -> SurveyResponse:
    """Write a checked answer (inside :func:`submit_response`'s change); ``created`` are the
    keys of the actors the municipality's earlier answers to the round created, to which
    this one's new partners are added."""
    changes: list[dict] = []
    created = list(created)

    def note(action: str, target: str, summary: str) -> None:
        changes.append({"action": action, "target": target, "summary": summary})

    for actor, level in checked["units"]:
        if actor.level != level:
            objects.update_actor(region, actor, {"level": level, "provenance": "self_reported",
                                                 "source": reference}, user)
            note("actor.update", actor.key, _("%(a)s: Ebene %(l)s", a=actor.name,
                                               l=vocab.label(vocab.LEVELS, level)))
        elif actor.provenance == "assumed":
            objects.update_actor(region, actor, {"provenance": "self_reported",
                                                 "source": reference}, user)
            note("actor.update", actor.key, _("%(a)s: bestätigt", a=actor.name))
    answered = []
    made: dict[str, Actor] = {}  # the new partners created, by comparable name
    for p in checked["partners"]:
        partner = p["actor"]
        if partner is None and p["same"] in made:
            partner = made[p["same"]]
            if p["new"]["name"].strip() != partner.name:
                note("actor.match", partner.key, _matched(p["new"]["name"], partner))
        elif partner is None:
            partner = made[p["same"]] = _add_partner(region, municipality, p["new"],
                                                     reference, user)
            note("actor.create", partner.key, partner.name)
            created.append(partner.key)
        elif p.get("matched"):
            note("actor.match", partner.key, _matched(p["matched"], partner))
        own = p["from"]
        fields = {"weight": vocab.FREQUENCY_WEIGHT[p["frequency"]], "trust": p["trust"],
                  "value": p["value"]}
        tie = _find_tie(region, own, partner, p["kind"])
        if tie is None:
            tie = objects.add_tie(region, {
                "source": own.key, "target": partner.key, "kind": p["kind"], **fields,
                "provenance": "self_reported", "reference": reference}, user)
            note("tie.create", tie.key, f"{own.name} → {partner.name}")
        else:
            other = _other_end_municipality(tie, municipality)
            if other is not None and _named_by(region, other, tie):
                fields["provenance"] = "confirmed"
            elif tie.provenance == "assumed":
                fields["provenance"] = "self_reported"
            before = tie.provenance
            objects.update_tie(region, tie, fields, user)
            if tie.provenance == "confirmed" and before != "confirmed":
                note("tie.confirm", tie.key, _("%(s)s → %(t)s: von beiden Seiten gemeldet",
                                               s=tie.source.name, t=tie.target.name))
            else:
                note("tie.update", tie.key, f"{tie.source.name} → {tie.target.name}")
        answered.append({"from": own.key, "actor": partner.key, "kind": p["kind"],
                         "frequency": p["frequency"], "trust": p["trust"], "value": p["value"],
                         "tie": tie.key})
    for tie_key, verdict in checked["decided"].items():
        tie = checked["pending"][tie_key]
        label = f"{tie.source.name} → {tie.target.name}"
        if verdict == "confirm":
            objects.update_tie(region, tie, {"provenance": "confirmed"}, user)
            note("tie.confirm", tie_key, label)
        else:
            objects.delete_tie(region, tie, user)
            note("tie.reject", tie_key, label)
    answer = {"units": [{"actor": a.key, "level": lv} for a, lv in checked["units"]],
              "partners": answered,
              "confirm": [k for k, v in checked["decided"].items() if v == "confirm"],
              "reject": [k for k, v in checked["decided"].items() if v == "reject"]}
    response = response_of(survey, municipality)
    if response is None:
        response = SurveyResponse(survey=survey, municipality=municipality)
        db.session.add(response)
    response.answer = answer
    response.changes = changes
    response.created = created
    response.submitted_at = utcnow()
    response.by_id = getattr(user, "id", None)
    return response


# --- what the coordinator sees -----------------------------------------------------------------


def status(region: Region, survey: Survey) -> dict[str, Any]:
    """Response rate per member, what each answer changed, and the share of the ties named
    in the round that are confirmed (by both ends)."""
    memberships = db.session.scalars(sa.select(RegionMembership).join(Municipality).where(
        RegionMembership.region_id == region.id)
        .order_by(Municipality.sort_name, Municipality.key)).all()
    by_municipality = {r.municipality_id: r for r in survey.responses}
    rows = [{"membership": m, "response": by_municipality.get(m.municipality_id)}
            for m in memberships]
    named = {p["tie"] for r in survey.responses for p in (r.answer or {}).get("partners", [])}
    named |= {k for r in survey.responses for k in (r.answer or {}).get("confirm", [])}
    confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Tie).where(
        Tie.region_id == region.id, Tie.key.in_(named), Tie.provenance == "confirmed")) \
        if named else 0
    answered = sum(1 for r in rows if r["response"] is not None)
    return {"rows": rows, "answered": answered, "members": len(rows),
            "response_rate": round(answered / len(rows), 4) if rows else 0.0,
            "named_ties": len(named), "confirmed_ties": confirmed,
            "confirmed_share": round(confirmed / len(named), 4) if named else 0.0}


def answer_shown(region: Region, response: SurveyResponse | None) -> dict[str, Any]:
    """A saved answer as a closed round's page shows it, with the actors' names for their
    keys (an actor deleted since keeps its key): ``units`` (name, level), ``partners``
    (from, actor, kind, frequency, trust, value) and ``verdicts`` on ties others reported
    (action ``tie.confirm``/``tie.reject``, and the tie as the answer's changes named it)."""
    answer = (response.answer or {}) if response is not None else {}
    units, partners = answer.get("units", []), answer.get("partners", [])
    keys = {u["actor"] for u in units} | {p[end] for p in partners for end in ("from", "actor")}
    names = dict(db.session.execute(sa.select(Actor.key, Actor.name).where(
        Actor.region_id == region.id, Actor.key.in_(keys))).all()) if keys else {}
    named = {(c["action"], c["target"]): c["summary"]
             for c in (response.changes or [] if response is not None else [])}
    verdicts = [{"action": f"tie.{verdict}", "tie": named.get((f"tie.{verdict}", key), key)}
                for verdict in ("confirm", "reject") for key in answer.get(verdict, [])]
    return {"units": [{"name": names.get(u["actor"], u["actor"]), "level": u["level"]}
                      for u in units],
            "partners": [{"from": names.get(p["from"], p["from"]),
                          "actor": names.get(p["actor"], p["actor"]), "kind": p["kind"],
                          "frequency": p["frequency"], "trust": p.get("trust"),
                          "value": p.get("value")} for p in partners],
            "verdicts": verdicts}


def utc_text(moment: dt.datetime | None) -> str | None:
    """A stored moment (UTC, without zone) as the API writes every moment: ISO 8601 to the
    second, ending in ``Z``."""
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def response_record(response: SurveyResponse) -> dict[str, Any]:
    return {"municipality": response.municipality.key,
            "submitted_at": utc_text(response.submitted_at),
            "by": response.by.login if response.by else None,
            "answer": response.answer, "changes": response.changes,
            "created": response.created or []}


def survey_record(region: Region, survey: Survey, user: User | None) -> dict[str, Any]:
    """The round as the API shows it: the coordinator sees every answer, a member its own."""
    record: dict[str, Any] = {
        "id": survey.id, "region": region.slug,
        "opened_at": utc_text(survey.opened_at),
        "closes_at": survey.closes_at.isoformat(), "open": is_open(survey),
        "ended_at": utc_text(survey.ended_at)}
    if perm.can_read_survey_results(user, region):
        st = status(region, survey)
        record.update(members=st["members"], answered=st["answered"],
                      response_rate=st["response_rate"], named_ties=st["named_ties"],
                      confirmed_ties=st["confirmed_ties"], confirmed_share=st["confirmed_share"],
                      responses=[response_record(r) for r in survey.responses])
    else:
        own = [r for r in survey.responses
               if user is not None and r.municipality_id == getattr(user, "municipality_id", -1)]
        record["responses"] = [response_record(r) for r in own]
    return record
