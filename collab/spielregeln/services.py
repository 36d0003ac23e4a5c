"""Use cases of the Spielregeln: propose, revise, discuss and withdraw a rule, open a ballot,
vote (also on a municipality's behalf), fix the result; apply to join a region or an
initiative.

Like :mod:`collab.core.store`, every write goes through :func:`services.change` (the one place
that commits and records the activity). Who may act is checked with the predicates in
:mod:`collab.core.permissions` (403); whether the rule's state allows it answers 409
(:class:`Conflict`); bad input 422 (:class:`ValidationError`). The decision itself is
:mod:`collab.spielregeln.decision`.

A ballot past its closing time is closed when next touched (read or voted on), and by
``flask close-ballots``; no scheduler is needed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from collab.core import permissions as perm
from collab.core import store, vocab
from collab.core.collation import collation_key
from collab.core.localtime import lazy_local_time, local_time, local_today
from collab.core.models import (
    Actor,
    Comment,
    Format,
    FormatInvitation,
    Initiative,
    InitiativeJoinRequest,
    JoinRequest,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Rule,
    RuleVersion,
    User,
    Vote,
    utcnow,
)
from collab.core.records import designated_taktgeber as designated_taktgeber  # re-exported
from collab.core.store import Conflict, change, require
from collab.core.validation import (
    Invalid,
    Problem,
    ValidationError,
    parse_decision,
    parse_field,
    weights,
)
from collab.extensions import db
from collab.notifications import services as notifications
from collab.notifications.mail import path_for as url_for
from collab.objects import services as object_services
from collab.spielregeln import decision

RULE_KINDS = vocab.RULE_KINDS
REQUEST_STATUSES = vocab.REQUEST_STATUSES
JOIN_ROLES = vocab.JOIN_ROLES

#: partners within this distance count as "nearby" in the suggestions
NEARBY_KM = 35


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


# --- who is told -------------------------------------------------------------------------------


#: the notifications that ask a municipality to vote: read once it voted
BALLOT_KINDS = ("ballot_opened", "ballot_reminder")


def rule_url(rule: Rule, anchor: str = "") -> str:
    return url_for("spielregeln.detail", slug=rule.region.slug, rule_id=rule.id,
                   _anchor=anchor or None)


def electorate_accounts(rule: Rule, municipality_ids: set[int] | None = None) -> list[User]:
    """The member accounts of the municipalities that may vote on the rule's ballot (of
    ``municipality_ids`` only, when given); a municipality that left the region has none
    there any more."""
    ids = electorate(rule)
    if municipality_ids is not None:
        ids &= set(municipality_ids)
    return notifications.accounts(rule.region, roles=("member",), municipality_ids=ids)


def involved_accounts(rule: Rule) -> list[User]:
    """Who took part in a rule: its proposer, those who commented, and the accounts of the
    municipalities that voted on it (and whoever recorded a vote)."""
    found: list[User | None] = [rule.proposer]
    found += [c.user for c in rule.comments]
    voted = {v.municipality_id for v in rule.votes}
    if voted:
        found += notifications.accounts(rule.region, roles=("member",), municipality_ids=voted)
    found += [v.recorded_by for v in rule.votes]
    return [u for u in found if u is not None]


# --- rules ------------------------------------------------------------------------------------


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def new_rule_key(region: Region, title: str) -> str:
    """A key from the title ("Entscheidungen im Konsens" → "entscheidungen-im-konsens"),
    unique in the region."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower().translate(_UMLAUTS)).strip("-")[:56]
    base = base.rstrip("-") or "regel"
    taken = set(db.session.scalars(sa.select(Rule.key).where(
        Rule.region_id == region.id, Rule.key.like(f"{base}%"))))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate



def _concerned(problems: list[Problem], region: Region, model: type, field: str, key: Any,
               unknown: str) -> Any:
    """The region's actor or initiative a rule names by ``key`` (none when not given); an
    unknown key adds ``unknown`` (a message with ``%(k)s``) to ``problems``."""
    if not key:
        return None
    found = db.session.scalar(sa.select(model).filter_by(region_id=region.id, key=key)) \
        if isinstance(key, str) else None
    if found is None:
        problems.append(Problem(field, unknown % {"k": key}))
    return found

def _clean_rule(region: Region, raw: dict, *, partial: bool = False) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError([Problem("$", _("Der Inhalt muss ein Objekt sein."))])
    problems: list[Problem] = []
    data: dict[str, Any] = {}

    def given(name: str) -> bool:
        return not partial or name in raw

    if given("title"):
        data["title"] = parse_field(problems, "rule", "title", raw.get("title"))
    if given("text"):
        data["text"] = parse_field(problems, "rule", "text", raw.get("text"))
    if not partial:
        data["kind"] = parse_field(problems, "rule", "kind", raw.get("kind"))
        data["actor"] = _concerned(problems, region, Actor, "actor", raw.get("actor"), _(
            "Akteur: „%(k)s“ gibt es in dieser Region nicht."))
        data["initiative"] = _concerned(
            problems, region, Initiative, "initiative", raw.get("initiative"),
            _("Initiative: „%(k)s“ gibt es in dieser Region nicht."))
        data["tie_kind"] = parse_field(problems, "rule", "tie_kind", raw.get("tie_kind"))
        if data["kind"] == "taktgeber" and raw.get("actor") in (None, ""):
            problems.append(Problem("actor", _(
                "Akteur: Eine Regel, die den Taktgeber benennt, muss den Akteur nennen.")))
        data["weights"] = _proposed_weights(raw, data["kind"], problems)
    raise_if(problems)
    return data


def _proposed_weights(raw: dict, kind: str | None, problems: list[Problem]) -> dict | None:
    """The Taktgeber weights a proposed rule of kind criteria sets (required there, see
    :func:`collab.core.validation.weights`); other kinds take none."""
    given = raw.get("weights")
    if kind != "criteria":
        if given not in (None, {}):
            problems.append(Problem("weights", _(
                "Gewichte: nur bei einer Regel über die Kriterien des Taktgebers.")))
        return None
    found, trouble = weights(given, "weights")
    problems += trouble
    return found


#: rule statuses still open to change or decision: a title may be used by one of them only
OPEN_STATUSES = ("draft", "voting")


def _same_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def _refuse_duplicate_title(region: Region, title: str, rule: Rule | None = None) -> None:
    """409 at the field ``title`` when an open (draft or voting) rule of the region other than
    ``rule`` has the same title (case and spacing ignored): the usual cause is a form sent
    twice (Back, then submit again)."""
    query = sa.select(Rule.id, Rule.title).where(Rule.region_id == region.id,
                                                 Rule.status.in_(OPEN_STATUSES))
    if rule is not None and rule.id is not None:
        query = query.where(Rule.id != rule.id)
    wanted = _same_title(title)
    if any(_same_title(other) == wanted for _id, other in db.session.execute(query)):
        raise Conflict(_("Titel: Es gibt bereits einen offenen Vorschlag mit diesem Titel."),
                       field="title")


def propose_rule(region: Region, raw: dict, user: User | None) -> Rule:
    """A member or the coordinator proposes a rule; it starts as draft, version 1. A title
    an open rule of the region already has is refused (409), so a form sent twice does not
    make a second draft."""
    require(perm.can_propose_rule(user, region))
    data = _clean_rule(region, raw)
    store.lock(region)  # concurrent proposals of one title take turns: the second gets 409
    _refuse_duplicate_title(region, data["title"])
    key = new_rule_key(region, data["title"])
    municipality = user.municipality if user is not None and user.role == "member" else None
    with change(region, user, "rule.propose", key, data["title"]):
        rule = Rule(region=region, key=key, title=data["title"], text=data["text"],
                    status="draft", kind=data["kind"], actor=data["actor"],
                    initiative=data["initiative"], tie_kind=data["tie_kind"],
                    weights=data["weights"], proposer_id=getattr(user, "id", None),
                    proposer_municipality=municipality)
        rule.versions.append(RuleVersion(number=1, title=rule.title, text=rule.text,
                                         author_id=getattr(user, "id", None)))
        db.session.add(rule)
        db.session.flush()
        who = (municipality.name if municipality is not None
               else getattr(user, "display_name", "") or getattr(user, "login", "")) or "—"
        notifications.notify(
            notifications.accounts(region), "rule_proposed",
            _l("Neuer Vorschlag: „%(t)s“", t=rule.title),
            _l("%(w)s schlägt in %(r)s eine Spielregel vor: „%(t)s“.", w=who, r=region.name,
               t=rule.title), rule_url(rule), exclude=user)
    return rule


def revise_rule(region: Region, rule: Rule, raw: dict, user: User | None) -> Rule:
    """The proposer changes title or text while no ballot is open; each change is a version.

    A rule rejected by its ballot (e.g. after objections) can be revised too: the ballot,
    with its votes and tally, moves to the rule's history of ballots
    (:func:`archive_ballot`) and the new version is a draft again, on which the coordinator
    can open a new ballot."""
    require(perm.can_revise_rule(user, rule))
    lock_rule(region, rule)  # a ballot opened meanwhile locks the text: 409
    if not can_be_revised(rule):
        raise Conflict(_("Text: Eine Regel kann nur geändert werden, solange keine Abstimmung "
                         "geöffnet wurde oder nachdem sie abgelehnt wurde."), field="text")
    data = _clean_rule(region, raw, partial=True)
    title, body = data.get("title", rule.title), data.get("text", rule.text)
    if (title, body) == (rule.title, rule.text):
        return rule
    reopening = rule.status == "rejected"
    if reopening or _same_title(title) != _same_title(rule.title):
        _refuse_duplicate_title(region, title, rule)
    number = max((v.number for v in rule.versions), default=0) + 1
    involved = involved_accounts(rule)
    with change(region, user, "rule.revise", rule.key,
                _("Fassung %(n)d von „%(t)s“", n=number, t=title)):
        if reopening:
            archive_ballot(rule)
        rule.title, rule.text = title, body
        rule.versions.append(RuleVersion(number=number, title=title, text=body,
                                         author_id=getattr(user, "id", None)))
        notifications.notify(
            involved, "rule_discussion", _l("Neue Fassung: „%(t)s“", t=title),
            _l("Von „%(t)s“ gibt es eine neue Fassung (Nr. %(n)d).", t=title, n=number)
            if not reopening else
            _l("„%(t)s“ wurde nach der Ablehnung überarbeitet (Fassung %(n)d); über die neue "
               "Fassung kann erneut abgestimmt werden.", t=title, n=number),
            rule_url(rule), exclude=user)
    return rule


def lock_rule(region: Region, rule: Rule) -> None:
    """Lock the region (:func:`store.lock`) and read ``rule`` again before its state is
    checked: opening its ballot, revising and withdrawing it take turns, and the later one
    sees what the earlier did (a revision or withdrawal that read a draft no longer goes in
    after the ballot opened); 404 when it was withdrawn meanwhile."""
    store.lock(region)
    store.claim(rule)
    db.session.refresh(rule)


def can_be_revised(rule: Rule) -> bool:
    """A draft, or a rule its ballot rejected (not one imported as rejected without one)."""
    return rule.status == "draft" or (rule.status == "rejected" and rule.opened_at is not None)


def archive_ballot(rule: Rule) -> None:
    """Move the rule's decided ballot (times, rule in force, tally and every vote) to its
    history of ballots and make it a draft again. Votes are kept there unchanged; they are
    never edited or lost."""
    version = max((v.number for v in rule.versions), default=None)
    entry = {
        "number": len(rule.ballot_history or []) + 1, "version": version,
        "title": rule.title, "text": rule.text, "result": rule.status,
        "opened_at": _iso(rule.opened_at), "closes_at": _iso(rule.closes_at),
        "decided_at": _iso(rule.decided_at), "decision_rule": rule.decision_rule,
        "quorum": rule.quorum, "tally": rule.tally, "electorate": electorate_keys(rule),
        "votes": [{"municipality": v.municipality.key, "name": v.municipality.name,
                   "vote": v.vote, "reason": v.reason, "cast_at": _iso(v.cast_at),
                   "reference": v.reference, "recorded": bool(v.recorded),
                   "recorded_by": v.recorded_by.login if v.recorded_by else None}
                  for v in rule.votes],
    }
    rule.ballot_history = [*(rule.ballot_history or []), entry]
    for vote in list(rule.votes):
        rule.votes.remove(vote)
    rule.status = "draft"
    rule.opened_at = rule.closes_at = rule.decided_at = rule.reminded_at = None
    rule.decision_rule, rule.quorum, rule.tally = None, None, None
    rule.electorate = None


def add_comment(region: Region, rule: Rule, raw: dict, user: User | None) -> Comment:
    require(perm.can_comment_rule(user, rule))
    problems: list[Problem] = []
    body = parse_field(problems, "comment", "text", raw.get("text"))
    raise_if(problems)
    excerpt = body if len(body) <= 120 else body[:119].rstrip() + "…"
    involved = involved_accounts(rule)
    with change(region, user, "rule.comment", rule.key,
                _("Beitrag zu „%(t)s“: %(c)s", t=rule.title, c=excerpt)):
        lock_rule(region, rule)  # withdrawn meanwhile: 404, not a comment on nothing
        comment = Comment(rule=rule, user_id=getattr(user, "id", None), text=body)
        db.session.add(comment)
        who = getattr(user, "display_name", "") or getattr(user, "login", "") or "—"
        notifications.notify(
            involved, "rule_discussion", _l("Neuer Beitrag zu „%(t)s“", t=rule.title),
            _l("%(w)s: %(c)s", w=who, c=excerpt), rule_url(rule, "diskussion"),
            exclude=user)
        db.session.flush()
        made = {"id": comment.id, "text": comment.text}
    # the comment as made: its rule may be withdrawn (and the comment with it) right after
    # the commit, before the caller reads it
    for name, value in made.items():
        sa.orm.attributes.set_committed_value(comment, name, value)
    return comment


def withdraw_rule(region: Region, rule: Rule, user: User | None) -> None:
    """The proposer (or the coordinator) withdraws a draft on which no ballot was opened.

    The draft is deleted with its versions and discussion, so it is neither in the list of
    rules nor in the charter and cannot be balloted; the activity log keeps the record (who
    withdrew which title, with how many versions and contributions). A rule whose ballot was
    opened is part of the network's decisions and cannot be withdrawn (409).
    """
    require(perm.can_withdraw_rule(user, rule))
    lock_rule(region, rule)  # a ballot opened meanwhile keeps the rule: 409
    if rule.status != "draft":
        raise Conflict(_("Vorschlag: Eine Regel kann nur zurückgezogen werden, solange keine "
                         "Abstimmung geöffnet wurde."), field="status")
    summary = _("„%(t)s“ zurückgezogen (%(v)d Fassung(en), %(c)d Diskussionsbeiträge)",
                t=rule.title, v=len(rule.versions), c=len(rule.comments))
    with change(region, user, "rule.withdraw", rule.key, summary):
        db.session.delete(rule)


# --- ballots ----------------------------------------------------------------------------------


#: the longest a ballot may stay open
MAX_BALLOT = dt.timedelta(days=36525)


def parse_time(value: Any, zone: dt.tzinfo | None = None) -> dt.datetime:
    """An ISO 8601 time as naive UTC. With an offset it is converted to UTC; without one it
    is a time in ``zone`` (a form's local time), or UTC when no zone is given (the API)."""
    form = (_("muss eine Zeit der Form JJJJ-MM-TTThh:mm sein (Ortszeit).") if zone is not None
            else _("muss eine Zeit der Form JJJJ-MM-TTThh:mm sein (UTC oder mit Zeitzone)."))
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(form) from None
    else:
        raise Invalid(form)
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    if not dt.datetime(1900, 1, 2) <= moment.replace(tzinfo=None) <= dt.datetime(9998, 12, 31):
        raise Invalid(_("liegt außerhalb des möglichen Zeitraums."))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def voting_memberships(region: Region) -> list[RegionMembership]:
    """The region's members that vote (its voting tiers), by name."""
    return db.session.scalars(
        sa.select(RegionMembership).join(Municipality)
        .where(RegionMembership.region_id == region.id,
               RegionMembership.tier.in_(region.voting_tier_list))
        .order_by(Municipality.sort_name, Municipality.key)).all()


# --- who may vote on a ballot: fixed when it opens --------------------------------------------


def electorate(rule: Rule) -> set[int]:
    """Ids of the municipalities that may vote on the rule's ballot: the region's voting
    members when it opened (:attr:`Rule.electorate`). Whoever joins the region, leaves it or
    changes tier while the ballot runs changes neither the count nor who may vote; a member
    that left keeps its place (a vote it cast counts, and the coordinator may still record
    one on its behalf). A rule without a recorded electorate (a draft) has the region's
    voting members of now."""
    if rule.electorate is not None:
        return set(rule.electorate)
    return {m.municipality_id for m in voting_memberships(rule.region)}


#: above this many ids, a query reads the whole column instead of an IN list (a national
#: ballot has thousands of voters; such a list costs more to send than the rows)
_MANY = 2000


def _among(query: sa.Select, column: Any, ids: set[int]) -> sa.Select:
    """``query`` restricted to ``column`` in ``ids``, unless they are many (then the caller
    keeps the rows it wants)."""
    return query if len(ids) > _MANY else query.where(column.in_(ids))


def electorate_keys(rule: Rule) -> list[str] | None:
    """The keys of :attr:`Rule.electorate` (sorted; None while it has none)."""
    if rule.electorate is None:
        return None
    ids = set(rule.electorate)
    return sorted(key for id_, key in db.session.execute(_among(
        sa.select(Municipality.id, Municipality.key), Municipality.id, ids)) if id_ in ids)


def left_since(rule: Rule) -> set[int]:
    """Ids of the municipalities in the ballot's electorate or with a vote on the rule that
    are no longer members of the region (they left while or after it ran)."""
    ids = set(rule.electorate or ()) | {v.municipality_id for v in rule.votes}
    if not ids:
        return set()
    return ids - set(db.session.scalars(_among(
        sa.select(RegionMembership.municipality_id).where(
            RegionMembership.region_id == rule.region_id),
        RegionMembership.municipality_id, ids)))


def missing_voters(rule: Rule) -> list[tuple[Municipality, bool]]:
    """The municipalities of the ballot's electorate that have not voted, by name, each with
    whether it is still a member of the region."""
    missing = electorate(rule) - {v.municipality_id for v in rule.votes}
    if not missing:
        return []
    gone = left_since(rule)
    found = db.session.scalars(_among(sa.select(Municipality), Municipality.id, missing)
                               .order_by(Municipality.sort_name, Municipality.key)).all()
    return [(m, m.id not in gone) for m in found if m.id in missing]


def joined_after_opening(rule: Rule, membership: RegionMembership | None) -> bool:
    """Whether ``membership`` votes in the region now but not on the rule's open ballot: the
    municipality joined the region, or moved into a voting tier, after the ballot opened."""
    return (rule.status == "voting" and perm.is_voting_membership(rule.region, membership)
            and membership.municipality_id not in electorate(rule))


def own_voter(rule: Rule, user: User | None,
              own: RegionMembership | None) -> Municipality | None:
    """The municipality ``user`` votes for on the rule's ballot, ``own`` being its own
    membership in the region (:func:`perm.own_membership`): that municipality if it is in
    the electorate, else None. An account whose municipality joined after the ballot opened
    is refused (403) with the reason (:func:`not_entitled`)."""
    mine = own.municipality if own is not None else None
    if perm.can_vote_on(user, rule, mine, electorate(rule)):
        return mine
    if perm.speaks_for(user, rule.region, mine) and joined_after_opening(rule, own):
        require(False, not_entitled(mine))
    return None


def not_entitled(municipality: Municipality) -> str:
    """Why a municipality that joined after the ballot opened does not vote on it."""
    return _("%(m)s ist bei dieser Abstimmung nicht stimmberechtigt: Stimmberechtigt sind die "
             "Kommunen, die es bei ihrer Öffnung waren. Wer danach beitritt oder in eine "
             "stimmberechtigte Stufe wechselt, stimmt ab der nächsten Abstimmung mit.",
             m=municipality.name)


def _confirmed(problems: list[Problem], raw: dict, message: str) -> None:
    """A page's "I confirm" box: record ``message`` at the field ``confirm`` unless ticked."""
    if not raw.get("confirm"):
        problems.append(Problem("confirm", message))


def open_ballot(region: Region, rule: Rule, raw: dict, user: User | None,
                now: dt.datetime | None = None, *, zone: dt.tzinfo | None = None,
                confirm: bool = False) -> Rule:
    """The coordinator opens the ballot on a draft until ``closes_at``; the region's decision
    rule and quorum at this moment apply to it.

    ``zone``: the time zone of a ``closes_at`` without offset (pages: local time; API: UTC).
    ``confirm``: the page's confirmation box ``raw["confirm"]`` must be ticked, since the
    text is locked from then on.
    """
    require(perm.can_open_ballot(user, rule))
    now = now or utcnow()
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    closes_at = parse_field(problems, "ballot", "closes_at", raw.get("closes_at"),
                            parse=lambda value: parse_time(value, zone))
    if closes_at is not None and closes_at <= now:
        problems.append(Problem("closes_at", _("Abstimmungsende: muss in der Zukunft liegen.")))
    elif closes_at is not None and closes_at > now + MAX_BALLOT:
        problems.append(Problem("closes_at", _(
            "Abstimmungsende: höchstens hundert Jahre nach dem Öffnen.")))
    if confirm:
        _confirmed(problems, raw, _("Bestätigung: Bitte bestätigen Sie, dass die Abstimmung "
                                    "geöffnet und der Text damit festgeschrieben wird."))
    raise_if(problems)
    lock_rule(region, rule)  # one ballot per rule, also when opened from two windows at once
    if rule.status != "draft":
        raise Conflict(_("Abstimmung: Zu dieser Regel wurde bereits abgestimmt oder die "
                         "Abstimmung läuft."), field="status")
    voters = voting_memberships(region)
    if not voters:
        raise Conflict(_("Abstimmung: Die Region hat keine stimmberechtigten Kommunen."),
                       field="status")
    with change(region, user, "rule.ballot", rule.key,
                _("Abstimmung über „%(r)s“ geöffnet bis %(t)s", r=rule.title,
                  t=local_time(closes_at)),
                params={"text": "ballot", "title": rule.title,
                        "closes": closes_at.isoformat()}):
        rule.status = "voting"
        rule.opened_at, rule.closes_at = now, closes_at
        rule.decision_rule, rule.quorum = region.decision_rule, region.quorum
        rule.electorate = sorted(m.municipality_id for m in voters)
        when = lazy_local_time(closes_at)
        consensus = region.decision_rule == "consensus"
        notifications.notify(
            electorate_accounts(rule), "ballot_opened",
            _l("Abstimmung geöffnet: „%(t)s“", t=rule.title),
            (_l("In %(r)s ist die Abstimmung über „%(t)s“ geöffnet, bis %(w)s. Jede "
                "stimmberechtigte Kommune stimmt einmal. Es gilt Konsens: Ein Nein ist ein "
                "Einwand und verhindert den Beschluss.", r=region.name, t=rule.title, w=when)
             if consensus else
             _l("In %(r)s ist die Abstimmung über „%(t)s“ geöffnet, bis %(w)s. Jede "
                "stimmberechtigte Kommune stimmt einmal.", r=region.name, t=rule.title,
                w=when)), rule_url(rule, "abstimmung"), exclude=user)
    return rule


def current_tally(rule: Rule) -> decision.Tally:
    """The votes of the ballot's electorate (:func:`electorate`), as fixed when it opened."""
    eligible = electorate(rule)
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for vote in rule.votes:
        if vote.municipality_id in eligible:
            counts[vote.vote] += 1
    return decision.Tally(eligible=len(eligible), **counts)


def tally_of(rule: Rule) -> dict[str, Any] | None:
    """The fixed tally of a decided ballot, the running one of an open ballot, else None."""
    if rule.tally:
        return rule.tally
    if rule.status != "voting":
        return None
    return _running(rule, current_tally(rule))


def _in_force(rule: Rule) -> tuple[str, float]:
    """The decision rule and quorum of the ballot (the region's, if a bundle gave none)."""
    return (rule.decision_rule or rule.region.decision_rule,
            rule.quorum if rule.quorum is not None else rule.region.quorum)


def _running(rule: Rule, tally: decision.Tally) -> dict[str, Any]:
    name, quorum = _in_force(rule)
    return {**tally.as_dict(), "needed": decision.votes_needed(tally.eligible, quorum),
            "decision_rule": name, "quorum": quorum}


class _AlreadySettled(Exception):
    """Another request fixed the result first; nothing to record."""


def settle(rule: Rule, now: dt.datetime | None = None) -> bool:
    """Fix the result of an open ballot once it has closed or every eligible municipality
    has voted (never earlier, see :func:`decision.final_outcome`), and tell the members.

    Returns True when this call fixed it (recorded as ``rule.decide`` by the system).
    """
    if rule.status != "voting":
        return False
    now = now or utcnow()
    tally = current_tally(rule)
    closed = rule.closes_at is not None and now >= rule.closes_at
    name, quorum = _in_force(rule)
    result = decision.final_outcome(tally, name, quorum, closed=closed)
    if result is None:
        return False
    told = [*electorate_accounts(rule), *notifications.coordinators(rule.region),
            *involved_accounts(rule)]
    fixed = _running(rule, tally)
    summary = _("Ergebnis über „%(t)s“: %(r)s (%(y)d Ja, %(n)d Nein, %(a)d Enthaltung(en); "
                "%(e)d stimmberechtigte Kommunen)", t=rule.title,
                r=vocab.label(vocab.RULE_STATUSES, result), y=tally.yes, n=tally.no,
                a=tally.abstain, e=tally.eligible)
    try:
        with change(rule.region, None, "rule.decide", rule.key, summary):
            done = db.session.execute(
                sa.update(Rule).where(Rule.id == rule.id, Rule.status == "voting")
                .values(status=result, decided_at=now, tally=fixed)
                .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise _AlreadySettled()
            notifications.notify(
                told, "ballot_result",
                _l("Ergebnis: „%(t)s“ %(r)s", t=rule.title,
                   r=vocab.RULE_STATUSES[result]),
                _l("Die Abstimmung über „%(t)s“ ist beendet: %(r)s (%(y)d Ja, %(n)d Nein, "
                   "%(a)d Enthaltung(en); %(e)d stimmberechtigte Kommunen).", t=rule.title,
                   r=vocab.RULE_STATUSES[result], y=tally.yes, n=tally.no,
                   a=tally.abstain, e=tally.eligible), rule_url(rule, "abstimmung"))
    except _AlreadySettled:
        return False
    finally:
        db.session.expire(rule)
    return True


def load_rule(slug: str, rule_id: int) -> tuple[Region, Rule]:
    """The region and its rule (404): what every page and endpoint of a single rule starts
    with. Reading never writes: a result is fixed by the vote that decides it and by
    ``flask close-ballots`` (:func:`close_due_ballots`), never while a page is read."""
    region = perm.get_region(slug)
    return region, perm.get_rule(region, rule_id)


def awaiting_result(rule: Rule, now: dt.datetime | None = None) -> bool:
    """Whether the ballot has closed but its result is not fixed yet (``close-ballots``
    fixes it on its next run); pages say so instead of "in Abstimmung"."""
    return (rule.status == "voting" and rule.closes_at is not None
            and (now or utcnow()) >= rule.closes_at)


def close_due_ballots(now: dt.datetime | None = None) -> list[Rule]:
    """Fix every open ballot whose closing time has passed (``flask close-ballots``)."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(Rule).where(Rule.status == "voting",
                                                   Rule.closes_at <= now)).all()
    return [rule for rule in due if settle(rule, now)]


#: how long before closing the municipalities that have not voted are reminded
REMINDER_BEFORE = dt.timedelta(hours=48)


def remind_due_ballots(now: dt.datetime | None = None) -> list[tuple[Rule, int]]:
    """Remind the accounts of every voting municipality that has not voted on a ballot
    closing within 48 hours, once per ballot (``flask send-reminders``). Returns each
    ballot reminded with the number of municipalities reminded."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(Rule).where(
        Rule.status == "voting", Rule.reminded_at.is_(None), Rule.closes_at > now,
        Rule.closes_at <= now + REMINDER_BEFORE).order_by(Rule.id)).all()
    done = []
    for rule in due:
        voted = {v.municipality_id for v in rule.votes}
        missing = electorate(rule) - voted
        when = lazy_local_time(rule.closes_at)
        try:
            with change(rule.region, None, "rule.remind", rule.key,
                        _("Erinnerung an %(n)d Kommune(n): „%(t)s“ endet %(w)s",
                          n=len(missing), t=rule.title, w=when), data=False):
                marked = db.session.execute(
                    sa.update(Rule).where(Rule.id == rule.id, Rule.reminded_at.is_(None))
                    .values(reminded_at=now).execution_options(synchronize_session=False))
                if marked.rowcount != 1:
                    raise _AlreadySettled()  # another run reminded first
                notifications.notify(
                    electorate_accounts(rule, missing), "ballot_reminder",
                    _l("Erinnerung: Abstimmung über „%(t)s“ endet %(w)s", t=rule.title,
                       w=when),
                    _l("Ihre Kommune hat über „%(t)s“ noch nicht abgestimmt. Die Abstimmung "
                       "endet %(w)s.", t=rule.title, w=when), rule_url(rule, "abstimmung"))
        except _AlreadySettled:
            continue
        finally:
            db.session.expire(rule)
        done.append((rule, len(missing)))
    return done


def _refuse_second_vote(rule: Rule, municipality: Municipality) -> None:
    if db.session.scalar(sa.select(Vote.id).filter_by(rule_id=rule.id,
                                                      municipality_id=municipality.id)):
        raise Conflict(_("Stimme: %(m)s hat bereits abgestimmt; jede Kommune stimmt einmal.",
                         m=municipality.name), field="vote")


def cast_vote(region: Region, rule: Rule, raw: dict, user: User | None,
              now: dt.datetime | None = None, *, confirm: bool = False) -> Vote:
    """One vote per municipality of the ballot's electorate (:func:`electorate`): through
    its member account, or recorded by the coordinator on its behalf with a reference to its
    council decision or letter. A member that joined after the ballot opened is refused
    (403) with the reason (:func:`not_entitled`).

    ``confirm``: the page's confirmation box ``raw["confirm"]`` must be ticked (a vote is
    final); the API's explicit request needs none.
    """
    raw = raw if isinstance(raw, dict) else {}
    own = perm.own_membership(user, region)
    key = raw.get("municipality") or None
    for_own = key is None or (own is not None and own.municipality.key == key)
    municipality = own_voter(rule, user, own) if for_own else None
    proxy = municipality is None
    if proxy:
        require(perm.can_record_proxy_vote(user, region))
    problems: list[Problem] = []
    choice_ = parse_field(problems, "vote", "vote", raw.get("vote"))
    reason = parse_field(problems, "vote", "reason", raw.get("reason"))
    if choice_ == "no" and not reason:
        problems.append(Problem("reason", _(
            "Begründung: Ein Einwand muss begründet werden; er verhindert den Beschluss.")
            if _in_force(rule)[0] == "consensus" else _(
            "Begründung: Eine Nein-Stimme muss begründet werden.")))
    reference = ""
    if proxy:
        entitled = electorate(rule)
        if key is None:
            problems.append(Problem("municipality", _(
                "Kommune: Angabe fehlt (für welche Kommune wird die Stimme erfasst?).")))
        else:
            found = db.session.scalar(sa.select(Municipality).filter_by(key=key)) if (
                isinstance(key, str)) else None
            if found is not None and found.id in entitled:
                municipality = found
            elif found is not None and joined_after_opening(rule, db.session.scalar(
                    sa.select(RegionMembership).filter_by(region_id=region.id,
                                                          municipality_id=found.id))):
                problems.append(Problem("municipality", not_entitled(found)))
            else:
                problems.append(Problem("municipality", _(
                    "Kommune: „%(k)s“ ist keine stimmberechtigte Kommune dieser Region.",
                    k=key)))
        reference = parse_field(problems, "vote", "reference", raw.get("reference"))
        if not reference:
            problems.append(Problem("reference", _(
                "Bezug: Eine Stimme im Auftrag braucht den Verweis auf den Ratsbeschluss oder "
                "das Schreiben der Kommune.")))
    if confirm:
        _confirmed(problems, raw, _("Bestätigung: Bitte bestätigen Sie, dass die Stimme "
                                    "verbindlich abgegeben wird; sie kann nicht geändert "
                                    "werden."))
    # a closed ballot or a vote already cast is the answer, whatever else was wrong (409)
    settle(rule, now)
    if rule.status != "voting":
        raise Conflict(_("Abstimmung: Zu dieser Regel ist keine Abstimmung offen (%(s)s).",
                         s=vocab.label(vocab.RULE_STATUSES, rule.status)), field="vote")
    if municipality is not None:
        _refuse_second_vote(rule, municipality)
    raise_if(problems)
    said = vocab.label(vocab.VOTE_CHOICES, choice_)
    if proxy:
        summary = _("Stimme %(v)s für %(m)s (im Auftrag erfasst von %(c)s, Bezug: %(r)s)",
                    v=said, m=municipality.name, c=user.display_name or user.login,
                    r=reference)
    else:
        summary = _("Stimme %(v)s für %(m)s", v=said, m=municipality.name)
    try:
        with change(region, user, "rule.vote", rule.key, summary, params={
                "text": "vote", "vote": choice_, "municipality": municipality.name,
                **({"by": user.display_name or user.login, "reference": reference}
                   if proxy else {})}):
            vote = Vote(rule=rule, municipality=municipality, vote=choice_, reason=reason,
                        recorded_by_id=getattr(user, "id", None), reference=reference,
                        cast_at=now or utcnow())
            db.session.add(vote)
            # what the municipality's accounts were asked to do is done (a proxy vote too)
            notifications.mark_read_about(
                rule_url(rule, "abstimmung"), BALLOT_KINDS,
                notifications.accounts(region, roles=("member",),
                                       municipality_ids=[municipality.id]))
    except sa.exc.IntegrityError:
        raise Conflict(_("Stimme: %(m)s hat bereits abgestimmt; jede Kommune stimmt einmal.",
                         m=municipality.name), field="vote") from None
    settle(rule, now)
    return vote


# --- charter and Taktgeber --------------------------------------------------------------------


def _decided_order(rule: Rule) -> tuple:
    # rules adopted before the platform (imported without a date) come first
    return (rule.decided_at is not None, rule.decided_at or dt.datetime.min, rule.id)


def charter(region: Region) -> list[Rule]:
    """The adopted rules of the region, in the order they were adopted."""
    adopted = db.session.scalars(sa.select(Rule).filter_by(region_id=region.id,
                                                           status="adopted")).all()
    return sorted(adopted, key=_decided_order)


def rules_concerning(region: Region, *, actor: Actor | None = None,
                     initiative: Initiative | None = None,
                     tie_kind: str | None = None) -> list[Rule]:
    """Rules (not rejected) that name this actor, initiative or tie kind."""
    query = sa.select(Rule).where(Rule.region_id == region.id, Rule.status != "rejected")
    if actor is not None:
        query = query.where(Rule.actor_id == actor.id)
    elif initiative is not None:
        query = query.where(Rule.initiative_id == initiative.id)
    elif tie_kind is not None:
        query = query.where(Rule.tie_kind == tie_kind)
    else:
        return []
    return db.session.scalars(query.order_by(Rule.id)).all()


def version_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences as ``(tag, text)`` pieces, tag ``same``, ``added`` or
    ``removed``; the template escapes the text."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(("removed", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("added", "".join(b[j1:j2])))
    return pieces


def version_history(rule: Rule) -> list[dict[str, Any]]:
    """Each version with its differences from the one before (newest first)."""
    history, previous = [], None
    for version in rule.versions:
        history.append({
            "version": version,
            "title_diff": version_diff(previous.title, version.title) if previous else None,
            "text_diff": version_diff(previous.text, version.text) if previous else None,
        })
        previous = version
    return history[::-1]


# --- records (API) ----------------------------------------------------------------------------


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "key": rule.key, "title": rule.title, "status": rule.status,
        "kind": rule.kind, "actor": rule.actor.key if rule.actor else None,
        "initiative": rule.initiative.key if rule.initiative else None,
        "tie_kind": rule.tie_kind, "weights": rule.weights,
        "created_at": _iso(rule.created_at),
        "closes_at": _iso(rule.closes_at), "decided_at": _iso(rule.decided_at),
        "awaiting_result": awaiting_result(rule),
    }


def rule_detail(rule: Rule) -> dict[str, Any]:
    return {
        **rule_summary(rule), "text": rule.text,
        "proposer": rule.proposer.login if rule.proposer else None,
        "proposer_municipality": (rule.proposer_municipality.key
                                  if rule.proposer_municipality else None),
        "opened_at": _iso(rule.opened_at), "decision_rule": rule.decision_rule,
        "quorum": rule.quorum, "tally": tally_of(rule), "electorate": electorate_keys(rule),
        "votes": [{"municipality": v.municipality.key, "vote": v.vote, "reason": v.reason,
                   "objection": v.vote == "no" and _in_force(rule)[0] == "consensus",
                   "cast_at": _iso(v.cast_at), "proxy": bool(v.reference) and not v.recorded,
                   "reference": v.reference, "recorded": bool(v.recorded),
                   "recorded_by": v.recorded_by.login if v.recorded_by else None}
                  for v in rule.votes],
        "ballots": rule.ballot_history or [],
        "versions": [{"number": v.number, "title": v.title, "text": v.text,
                      "created_at": _iso(v.created_at),
                      "author": v.author.login if v.author else None} for v in rule.versions],
        "comments": [{"id": c.id, "author": c.user.login if c.user else None, "text": c.text,
                      "created_at": _iso(c.created_at)} for c in rule.comments],
    }


def join_request_record(req: JoinRequest) -> dict[str, Any]:
    return {
        "id": req.id, "municipality": req.municipality.key, "name": req.municipality.name,
        "tier": req.tier, "reference": req.reference, "status": req.status,
        "reason": req.reason, "created_at": _iso(req.created_at),
        "decided_at": _iso(req.decided_at),
    }


def initiative_join_record(req: InitiativeJoinRequest, user: User | None) -> dict[str, Any]:
    """A request to join an initiative as ``user`` may read it: the message and the reason of
    the decision only for whoever decides and the requesting municipality (as on the pages;
    for others both are ``null``)."""
    private = perm.can_read_initiative_request_text(user, req)
    return {
        "id": req.id, "initiative": req.initiative.key, "actor": req.actor.key,
        "municipality": req.actor.municipality.key if req.actor.municipality else None,
        "role": req.role, "invited_by_lead": req.invited_by_lead,
        "message": req.message if private else None, "status": req.status,
        "reason": req.reason if private else None,
        "created_at": _iso(req.created_at), "decided_at": _iso(req.decided_at),
    }


# --- joining the region -----------------------------------------------------------------------


def apply_to_join(region: Region, raw: dict, user: User | None) -> JoinRequest:
    """A municipality outside the region applies, through a member account of its own,
    with the tier it asks for and its letter of intent or council decision."""
    require(perm.can_apply_to_join(user, region))
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    tier = parse_field(problems, "join", "tier", raw.get("tier"))
    reference = parse_field(problems, "join", "reference", raw.get("reference"))
    raise_if(problems)
    municipality = user.municipality
    store.lock(region)  # and the partial unique index uq_join_request_pending
    if db.session.scalar(sa.select(JoinRequest.id).filter_by(
            region_id=region.id, municipality_id=municipality.id, status="pending")):
        raise Conflict(_("Antrag: Für %(m)s liegt bereits ein offener Antrag vor.",
                         m=municipality.name), field="municipality")
    with change(region, user, "join.request", municipality.key,
                f"{municipality.name}: {vocab.label(vocab.TIERS, tier)}"):
        req = JoinRequest(region=region, municipality=municipality, tier=tier,
                          reference=reference, requested_by_id=user.id)
        db.session.add(req)
        notifications.notify(
            notifications.coordinators(region), "request_new",
            _l("Beitrittsantrag: %(m)s", m=municipality.name),
            _l("%(m)s beantragt den Beitritt zu %(r)s (%(t)s). Bezug: %(b)s",
               m=municipality.name, r=region.name, t=vocab.TIERS.get(tier, tier),
               b=reference), url_for("spielregeln.join_requests", slug=region.slug),
            exclude=user)
    return req


def decide_join(region: Region, req: JoinRequest, raw: dict, user: User | None) -> JoinRequest:
    """The coordinator approves (the municipality becomes a member with the tier asked for)
    or declines with a reason."""
    require(perm.can_decide_join(user, region))
    approve, reason = parse_decision(raw)
    store.lock_pending(region, req, _("Antrag: wurde bereits entschieden."))
    if approve and db.session.scalar(sa.select(RegionMembership.id).filter_by(
            region_id=region.id, municipality_id=req.municipality_id)):
        raise Conflict(_("Antrag: %(m)s ist bereits Mitglied.", m=req.municipality.name),
                       field="municipality")
    action = "join.approve" if approve else "join.decline"
    with change(region, user, action, req.municipality.key, reason):
        req.status = "approved" if approve else "declined"
        req.reason, req.decided_by_id, req.decided_at = reason, user.id, utcnow()
        if approve:
            db.session.add(RegionMembership(region=region, municipality=req.municipality,
                                            tier=req.tier, since=local_today()))
        _tell_decision(req.requested_by, approve, reason,
                       _l("Beitritt von %(m)s zu %(r)s", m=req.municipality.name,
                          r=region.name), url_for("objects.overview", slug=region.slug), user)
    return req


def _tell_decision(requester: User | None, approve: bool, reason: str, what: Any, url: str,
                   user: User | None, *, invitation: bool = False) -> None:
    """Tell the account that asked (or, ``invitation``, invited) how it was decided."""
    if approve:
        subject = _l("Angenommen: %(w)s", w=what)
        body = (_l("Ihre Einladung wurde angenommen: %(w)s.", w=what) if invitation
                else _l("Ihre Anfrage wurde angenommen: %(w)s.", w=what))
    else:
        subject = _l("Abgelehnt: %(w)s", w=what)
        body = (_l("Ihre Einladung wurde abgelehnt: %(w)s. Begründung: %(r)s", w=what,
                   r=reason) if invitation else
                _l("Ihre Anfrage wurde abgelehnt: %(w)s. Begründung: %(r)s", w=what, r=reason))
    notifications.notify([requester], "request_decided", subject, body, url, exclude=user)


# --- joining an initiative --------------------------------------------------------------------


def request_initiative_join(region: Region, initiative: Initiative, raw: dict,
                            user: User | None) -> InitiativeJoinRequest:
    """A member asks to take part in an initiative with one of its own actors."""
    require(perm.can_request_initiative_join(user, initiative))
    raw = raw if isinstance(raw, dict) else {}
    problems: list[Problem] = []
    key = raw.get("actor")
    actor = db.session.scalar(sa.select(Actor).filter_by(region_id=region.id, key=key)) if (
        isinstance(key, str) and key) else None
    if actor is None:
        problems.append(Problem("actor", _("Akteur: Bitte einen Akteur Ihrer Kommune wählen.")))
    role = parse_field(problems, "initiative_join", "role", raw.get("role"))
    message = parse_field(problems, "initiative_join", "message", raw.get("message"))
    raise_if(problems)
    require(perm.speaks_for(user, region, actor.municipality))
    store.lock(region)  # one open request per municipality and initiative, also at once
    if any(p.actor_id == actor.id for p in initiative.participations):
        raise Conflict(_("Akteur: „%(a)s“ ist an dieser Initiative bereits beteiligt.",
                         a=actor.name), field="actor")
    pending = own_initiative_requests(initiative, actor.municipality, status="pending")
    if pending:
        raise Conflict(_("Akteur: Für %(m)s liegt bereits eine offene Anfrage vor (mit "
                         "„%(a)s“); bitte warten Sie die Entscheidung ab.",
                         m=actor.municipality.name, a=pending[0].actor.name), field="actor")
    with change(region, user, "initiative.join_request", initiative.key,
                f"{actor.name}: {vocab.label(vocab.PARTICIPATION_ROLES, role)}"):
        req = InitiativeJoinRequest(initiative=initiative, actor=actor, role=role,
                                    message=message, requested_by_id=user.id)
        db.session.add(req)
        deciders = [u for u in notifications.accounts(region)
                    if perm.can_decide_initiative_join(u, initiative)]
        notifications.notify(
            deciders, "request_new",
            _l("Anfrage zur Initiative „%(i)s“", i=initiative.name),
            _l("%(a)s (%(m)s) möchte an „%(i)s“ teilnehmen (%(r)s). %(t)s", a=actor.name,
               m=actor.municipality.name if actor.municipality else "—", i=initiative.name,
               r=vocab.PARTICIPATION_ROLES.get(role, role), t=message),
            url_for("objects.detail", slug=region.slug, kind="initiatives",
                    key=initiative.key), exclude=user)
    return req


def own_initiative_requests(initiative: Initiative, municipality: Municipality | None,
                            status: str | None = None) -> list[InitiativeJoinRequest]:
    """The requests to join ``initiative`` made with actors of ``municipality`` (newest
    first), optionally only those with ``status``."""
    if municipality is None:
        return []
    query = (sa.select(InitiativeJoinRequest)
             .join(Actor, InitiativeJoinRequest.actor_id == Actor.id)
             .where(InitiativeJoinRequest.initiative_id == initiative.id,
                    Actor.municipality_id == municipality.id))
    if status is not None:
        query = query.where(InitiativeJoinRequest.status == status)
    return db.session.scalars(query.order_by(InitiativeJoinRequest.id.desc())).all()


def has_lead(initiative: Initiative) -> bool:
    """Whether an actor leads the initiative (else the coordinator decides on requests)."""
    return any(p.role == "lead" for p in initiative.participations)


def initiatives_with_lead(region: Region) -> set[str]:
    """Keys of the region's initiatives that have a lead."""
    return set(db.session.scalars(
        sa.select(Initiative.key).join(Participation, Participation.initiative_id == Initiative.id)
        .where(Initiative.region_id == region.id, Participation.role == "lead")))


def page_context(region: Region, kind: str, obj: Any, user: User | None,
                 report: dict | None = None) -> dict[str, Any]:
    """What the Spielregeln add to an object's page (its view passes them to the template):
    the rules concerning it; on an initiative the requests to join it; on a member's page the
    initiatives it could join and mentors (``report``: the region's analysis, if at hand)."""
    context: dict[str, Any] = {}
    if kind == "actors":
        context["concerning"] = rules_concerning(region, actor=obj)
    elif kind == "ties":
        context["concerning"] = rules_concerning(region, tie_kind=obj.kind)
    elif kind == "initiatives":
        context["concerning"] = rules_concerning(region, initiative=obj)
        pending = db.session.scalars(sa.select(InitiativeJoinRequest).filter_by(
            initiative_id=obj.id, status="pending").order_by(InitiativeJoinRequest.id)).all()
        context["pending"] = [r for r in pending if not r.invited_by_lead]
        context["invited"] = [r for r in pending if r.invited_by_lead]
        context["mine"] = (own_initiative_requests(obj, user.municipality)
                           if perm.is_member_of(user, region) else [])
        context["has_lead"] = has_lead(obj)
    elif kind == "formats":
        context["invitations"] = [i for i in obj.invitations if i.status == "pending"]
        context["own_invitations"] = (own_format_invitations(region, user.municipality, obj)
                                      if perm.is_member_of(user, region) else [])
    elif kind == "municipalities":
        context["found"] = suggestions(region, obj, report)
    return context


def initiative_requests(region: Region, user: User | None) -> list[InitiativeJoinRequest]:
    """Requests to join the region's initiatives that ``user`` may see on the list of
    requests: those it may decide (coordinator, a lead) and its own municipality's; pending
    ones first, then the newest."""
    found = db.session.scalars(
        sa.select(InitiativeJoinRequest).join(Initiative)
        .where(Initiative.region_id == region.id)
        .order_by(InitiativeJoinRequest.id.desc())).all()
    own = getattr(user, "municipality_id", None)
    shown = [r for r in found if perm.can_decide_initiative_request(user, r)
             or perm.can_decide_initiative_join(user, r.initiative)
             or (own is not None and r.actor.municipality_id == own
                 and perm.is_member_of(user, region))]
    return sorted(shown, key=lambda r: r.status != "pending")


def decide_initiative_join(region: Region, req: InitiativeJoinRequest, raw: dict,
                           user: User | None) -> InitiativeJoinRequest:
    """The initiative's lead (or the coordinator) approves, adding the participation, or
    declines with a reason; an invitation by the lead is accepted (the participation is
    added, or its role changed) or declined by the invited municipality."""
    initiative = req.initiative
    require(perm.can_decide_initiative_request(user, req))
    approve, reason = parse_decision(raw)
    store.lock_pending(region, req, _("Anfrage: wurde bereits entschieden."))
    if req.invited_by_lead:
        action = "initiative.invite_accept" if approve else "initiative.invite_decline"
    else:
        action = "initiative.join_approve" if approve else "initiative.join_decline"
    with change(region, user, action, initiative.key, f"{req.actor.name}. {reason}".strip()):
        req.status = "approved" if approve else "declined"
        req.reason, req.decided_by_id, req.decided_at = reason, user.id, utcnow()
        held = next((p for p in initiative.participations if p.actor_id == req.actor_id), None)
        if approve and held is None:
            initiative.participations.append(Participation(actor=req.actor, role=req.role))
        elif approve and req.invited_by_lead:
            held.role = req.role
        _tell_decision(req.requested_by, approve, reason,
                       _l("Teilnahme von %(a)s an „%(i)s“", a=req.actor.name,
                          i=initiative.name),
                       url_for("objects.detail", slug=region.slug, kind="initiatives",
                               key=initiative.key), user, invitation=req.invited_by_lead)
    return req


# --- invitations to a format -----------------------------------------------------------------


def format_invitation_record(invitation: FormatInvitation, user: User | None) -> dict[str, Any]:
    """An invitation to a format as ``user`` may read it: the reason of a decline only for
    the format's editors and the invited municipality (``null`` for others)."""
    actor = invitation.actor
    return {
        "id": invitation.id, "format": invitation.format.key, "actor": actor.key,
        "municipality": actor.municipality.key if actor.municipality else None,
        "status": invitation.status,
        "reason": invitation.reason if perm.can_read_format_invitation_reason(
            user, invitation) else None,
        "created_at": _iso(invitation.created_at), "decided_at": _iso(invitation.decided_at),
    }


def own_format_invitations(region: Region, municipality: Municipality | None,
                           fmt: Format | None = None) -> list[FormatInvitation]:
    """The invitations of ``municipality``'s actors to the region's formats (to ``fmt``
    only, when given): open ones first, then the newest."""
    if municipality is None:
        return []
    query = (sa.select(FormatInvitation).join(Format)
             .join(Actor, FormatInvitation.actor_id == Actor.id)
             .where(Format.region_id == region.id, Actor.municipality_id == municipality.id))
    if fmt is not None:
        query = query.where(FormatInvitation.format_id == fmt.id)
    found = db.session.scalars(query.order_by(FormatInvitation.id.desc())).all()
    return sorted(found, key=lambda i: i.status != "pending")


def decide_format_invitation(region: Region, invitation: FormatInvitation, raw: dict,
                             user: User | None) -> FormatInvitation:
    """The invited municipality accepts (its actor takes part in the format) or declines
    with a reason; the account that invited is told."""
    require(perm.can_decide_format_invitation(user, invitation))
    approve, reason = parse_decision(raw)
    store.lock_pending(region, invitation, _("Einladung: wurde bereits entschieden."))
    fmt, actor = invitation.format, invitation.actor
    url = url_for("objects.detail", slug=region.slug, kind="formats", key=fmt.key)
    action = "format.invite_accept" if approve else "format.invite_decline"
    with change(region, user, action, fmt.key, f"{actor.name}. {reason}".strip(),
                data=approve and actor not in fmt.participants):
        invitation.status = "approved" if approve else "declined"
        invitation.reason, invitation.decided_by_id = reason, user.id
        invitation.decided_at = utcnow()
        if approve and actor not in fmt.participants:
            fmt.participants.append(actor)
        _tell_decision(invitation.requested_by, approve, reason,
                       _l("Teilnahme von %(a)s am Format „%(f)s“", a=actor.name, f=fmt.name),
                       url, user, invitation=True)
        notifications.mark_read_about(url, ["request_new"], object_services.invited_accounts(
            region, actor.municipality))
    return invitation


# --- suggestions for a member -----------------------------------------------------------------


def distance_km(a: Municipality, b: Municipality) -> float | None:
    """Great-circle distance between two municipalities' coordinates, if both have them."""
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def suggestions(region: Region, membership: RegionMembership, report: dict | None) -> dict:
    """Initiatives a member could join and mentors it could learn from.

    An initiative is suggested when no actor of the member takes part, it is not completed,
    and its topic is one the member lacks (no initiative or expertise of its own) or partners
    nearby (within ``NEARBY_KM`` or in the same Kreis) take part. Mentors come from the
    analysis' knowledge-transfer paths (``report["transfer"]``) that end at this member.
    """
    me = membership.municipality
    actors = db.session.scalars(sa.select(Actor).filter_by(region_id=region.id,
                                                           municipality_id=me.id)).all()
    mine = {a.id for a in actors}
    known = {t for a in actors for t in (a.topics or [])}
    initiatives = db.session.scalars(sa.select(Initiative).filter_by(region_id=region.id)
                                     .order_by(Initiative.sort_name, Initiative.key)).all()
    known |= {i.topic for i in initiatives if any(p.actor_id in mine for p in i.participations)}
    found = []
    for initiative in initiatives:
        if initiative.status == "completed" or any(p.actor_id in mine
                                                   for p in initiative.participations):
            continue
        partners: dict[str, tuple[str, float | None]] = {}
        for p in initiative.participations:
            other = p.actor.municipality
            if other is None or other.id == me.id:
                continue
            km = distance_km(me, other)
            same_kreis = bool(me.district) and other.district == me.district
            if (km is not None and km <= NEARBY_KM) or same_kreis:
                partners[other.key] = (other.name, None if km is None else round(km))
        lacks = initiative.topic not in known
        if lacks or partners:
            found.append({"initiative": initiative, "lacks_topic": lacks,
                          "nearby": sorted(partners.values(),
                                           key=lambda p: (p[1] or 0, collation_key(p[0])))})
    found.sort(key=lambda s: (not s["lacks_topic"], -len(s["nearby"]),
                              s["initiative"].sort_name, s["initiative"].key))
    mentors = []
    names = {m.municipality.key: m.municipality.name for m in region.memberships}
    for model in (Actor, Initiative, Format):  # a transfer path may run through a format
        names.update(db.session.execute(sa.select(model.key, model.name).filter_by(
            region_id=region.id)).all())
    for topic in (report or {}).get("transfer", []):
        if me.key not in topic.get("targets", []):
            continue
        path = next((p for p in topic.get("paths", []) if p.get("to") == me.key), None)
        source = path["from"] if path else (topic.get("sources") or [None])[0]
        if source is None:
            continue
        mentors.append({"topic": topic["topic"], "key": source,
                        "name": names.get(source, source),
                        "unit": (path or {}).get("unit_name"),
                        "km": None if not path or path.get("distance_km") is None
                        else round(path["distance_km"]),
                        "weak": bool((path or {}).get("weak")),
                        "via": [names.get(k, k) for k in path.get("via", [])] if path
                        else None})
    return {"initiatives": found[:6], "mentors": mentors[:6]}
