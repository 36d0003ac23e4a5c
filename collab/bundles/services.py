"""The network bundle: export a region as one JSON document, validate and import one.

Import makes the region equal to the bundle (objects missing from it are removed), is
idempotent (a second import of the same bundle changes nothing) and all-or-nothing (an
invalid bundle changes nothing, and every problem is reported with its JSON path).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from collab.core import permissions as perm
from collab.core import store, validation
from collab.core.collation import with_sort_name
from collab.core.models import (
    Actor,
    Format,
    Initiative,
    Municipality,
    Participation,
    Region,
    RegionMembership,
    Rule,
    Solution,
    SolutionUse,
    Tie,
    User,
    Vote,
    format_participant,
)
from collab.core.records import (  # noqa: F401 (rule_record, vote_record: names of this module)
    FORMAT,
    VERSION,
    electorate_key_map,
    network_records,
    rule_record,
    rule_records,
    vote_record,
)
from collab.core.validation import (
    Problem,
    ValidationError,
    choice,
    clean,
    key,
    text,
    weights,
)
from collab.core.vocab import (
    DECISION_RULES,
    RULE_KINDS,
    RULE_STATUSES,
    TIE_KINDS,
    TIERS,
    VOTE_CHOICES,
)
from collab.extensions import db
from collab.objects import services as object_services


def export_bundle(region: Region, *, contact: bool = False) -> dict[str, Any]:
    """The region as a bundle; lists sorted by key so that equal data give equal documents."""
    rules = db.session.scalars(
        sa.select(Rule).filter_by(region_id=region.id).order_by(Rule.key).options(
            *_RULE_LOADS)).all()
    records = network_records(region, contact=contact)
    members = {m["key"] for m in records["municipalities"]}
    keys = electorate_key_map(rules)
    former = {v.municipality.key: v.municipality for r in rules for v in r.votes
              if v.municipality.key not in members}
    # a municipality of a ballot's electorate that left the region without voting
    outside = [id_ for id_, k in keys.items() if k not in members and k not in former]
    for chunk in _chunks(outside):
        former |= {m.key: m for m in db.session.scalars(
            sa.select(Municipality).where(Municipality.id.in_(chunk)))}
    return {**records, "rules": [rule_record(r, keys) for r in rules],
            **({"former_members": [former_member_record(former[k]) for k in sorted(former)]}
               if former else {})}


#: what a rule's record reads, loaded with the rules in a few queries (one query per vote's
#: municipality took most of the export and re-import of a national region)
_RULE_LOADS = (selectinload(Rule.actor), selectinload(Rule.initiative),
               selectinload(Rule.votes).selectinload(Vote.municipality))


def former_member_record(municipality: Municipality) -> dict[str, Any]:
    """A municipality that voted in the region, or is in the electorate of one of its
    ballots, and has left it: its facts, no membership (so that its votes and its place in
    the electorate can be restored)."""
    return {"key": municipality.key,
            **{name: getattr(municipality, name)
               for name in object_services.MUNICIPALITY_FIELDS}}


# --- validation -------------------------------------------------------------------------------


def validate_bundle(doc: Any) -> tuple[dict, list[Problem]]:
    """Check a bundle's structure, values and references. Returns the cleaned document and
    every problem found, each with its JSON path ("$.actors[3].level")."""
    problems: list[Problem] = []
    if not isinstance(doc, dict):
        return {}, [Problem("$", _("Das Bündel muss ein JSON-Objekt sein."))]
    unreadable = validation.bad_characters(doc, "$")
    if unreadable:
        return {}, unreadable
    if doc.get("format") != FORMAT:
        problems.append(Problem("$.format", _("Format: erwartet „%(f)s“.", f=FORMAT)))
    if doc.get("version") != VERSION:
        problems.append(Problem("$.version", _("Version: erwartet %(v)d.", v=VERSION)))
    for section in ("municipalities", "actors", "initiatives", "ties", "formats", "rules",
                    "solutions", "former_members"):
        if not isinstance(doc.get(section, []), list):
            problems.append(Problem(f"$.{section}", _("muss eine Liste sein.")))
    if problems:
        return {}, problems

    region_raw = doc.get("region")
    region, found = clean("region", region_raw if isinstance(region_raw, dict) else {},
                          path="$.region")
    problems += found
    tiers = (region_raw or {}).get("voting_tiers", ["pioneer", "member"]) if isinstance(
        region_raw, dict) else []
    if not isinstance(tiers, list) or any(
            not isinstance(t, str) or t not in TIERS for t in tiers):
        problems.append(Problem("$.region.voting_tiers", _(
            "Stimmberechtigte Stufen: Liste aus pioneer, member, supporter.")))
    else:
        region["voting_tiers"] = [t for t in TIERS if t in tiers]

    cleaned: dict[str, list[dict]] = {}
    for section, entity in (("municipalities", "municipality"), ("actors", "actor"),
                            ("initiatives", "initiative"), ("ties", "tie")):
        cleaned[section] = []
        for n, raw in enumerate(doc.get(section, [])):
            data, found = clean(entity, raw, path=f"$.{section}[{n}]")
            problems += found
            if entity == "initiative" and isinstance(raw, dict):
                data["participants"] = []
                parts = raw.get("participants", [])
                if not isinstance(parts, list):
                    problems.append(Problem(f"$.{section}[{n}].participants",
                                            _("muss eine Liste sein.")))
                    parts = []
                for m, part in enumerate(parts):
                    pdata, found = clean("participant", part,
                                         path=f"$.{section}[{n}].participants[{m}]")
                    problems += found
                    data["participants"].append(pdata)
            cleaned[section].append(data)
    cleaned["formats"], found = _clean_formats(doc.get("formats", []))
    problems += found
    cleaned["rules"] = []
    for n, raw in enumerate(doc.get("rules", [])):
        data, found = _clean_rule(raw, f"$.rules[{n}]")
        problems += found
        cleaned["rules"].append(data)

    cleaned["solutions"], found = _clean_solutions(doc.get("solutions", []))
    problems += found
    cleaned["former_members"] = []
    for n, raw in enumerate(doc.get("former_members", [])):
        # municipality facts, validated like a member's; a membership is not part of them
        facts = {k: v for k, v in raw.items() if k == "key" or k in MUNICIPALITY_FACTS} \
            if isinstance(raw, dict) else raw
        data, found = clean("municipality", facts, path=f"$.former_members[{n}]")
        problems += found
        cleaned["former_members"].append(
            {k: v for k, v in data.items() if k == "key" or k in MUNICIPALITY_FACTS})

    problems += _check_references(cleaned)
    problems += _check_format_references(cleaned)
    problems += _check_solution_references(cleaned)
    problems += _designate(region, region_raw, cleaned)
    return {"region": region, **cleaned}, problems


def _designate(region: dict, region_raw: Any, cleaned: dict) -> list[Problem]:
    """``region.taktgeber`` names the designated Taktgeber (an actor key). It follows from
    the adopted rules of kind ``taktgeber``; a bundle that names one without such a rule gets
    one (adopted, key ``taktgeber-<actor>``), so that the designation is a rule like any other.
    """
    named = region_raw.get("taktgeber") if isinstance(region_raw, dict) else None
    if named is None:
        return []
    actors = {a.get("key"): a for a in cleaned["actors"]}
    if not isinstance(named, str) or named not in actors:
        return [Problem("$.region.taktgeber", _(
            "Taktgeber: „%(k)s“ ist kein Akteur des Bündels.", k=named))]
    if any(r.get("status") == "adopted" and r.get("kind") == "taktgeber"
           and r.get("actor") == named for r in cleaned["rules"]):
        return []
    key = f"taktgeber-{named}"[:64].rstrip("-")
    if any(r.get("key") == key for r in cleaned["rules"]):
        return [Problem("$.region.taktgeber", _(
            "Taktgeber: Keine beschlossene Regel benennt „%(k)s“, und der Schlüssel „%(r)s“ "
            "für eine solche Regel ist vergeben.", k=named, r=key))]
    name = actors[named].get("name") or named
    cleaned["rules"].append({
        "key": key, "title": _("Taktgeber: %(n)s", n=name),
        "text": _("%(n)s ist der Taktgeber des Netzwerks (aus der Angabe region.taktgeber "
                  "eines importierten Bündels).", n=name),
        "status": "adopted", "kind": "taktgeber", "actor": named, "initiative": None,
        "tie_kind": None, "ballot": None, "votes": [], "weights": None})
    return []


def _clean_rule(raw: Any, path: str) -> tuple[dict, list[Problem]]:
    if not isinstance(raw, dict):
        return {}, [Problem(path, _("muss ein Objekt sein."))]
    problems, data = [], {}
    for name, parse, required in (("key", key, True), ("title", text(200), True),
                                  ("text", text(20000), False),
                                  ("status", choice(RULE_STATUSES), False)):
        value = raw.get(name)
        if value in (None, ""):
            if required:
                problems.append(Problem(f"{path}.{name}", _("Angabe fehlt.")))
            data[name] = {"text": "", "status": "draft"}.get(name)
            continue
        try:
            data[name] = parse(value)
        except ValueError as exc:
            problems.append(Problem(f"{path}.{name}", str(exc)))
    kind_ = raw.get("kind") or "general"
    if not isinstance(kind_, str) or kind_ not in RULE_KINDS:
        problems.append(Problem(f"{path}.kind", _("Art: %(a)s.", a=", ".join(RULE_KINDS))))
        kind_ = "general"
    data["kind"] = kind_
    data["weights"] = _clean_rule_weights(raw, kind_, path, problems)
    for name in ("actor", "initiative"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(f"{path}.{name}", _("muss ein Schlüssel oder null sein.")))
            value = None
        data[name] = value or None
    if kind_ == "taktgeber" and not data["actor"] and data.get("status") in ("draft", "voting"):
        problems.append(Problem(f"{path}.actor", _(
            "Akteur: Eine Regel der Art taktgeber nennt den Akteur.")))
    tie_kind = raw.get("tie_kind")
    if tie_kind is not None and (not isinstance(tie_kind, str) or tie_kind not in TIE_KINDS):
        problems.append(Problem(f"{path}.tie_kind", _("Art der Verbindung: unbekannt.")))
        tie_kind = None
    data["tie_kind"] = tie_kind
    data["ballot"] = _clean_ballot(raw.get("ballot"), f"{path}.ballot", problems)
    if data.get("status") == "draft" and "electorate" in (data["ballot"] or {}):
        problems.append(Problem(f"{path}.ballot.electorate", _(
            "Stimmberechtigte Kommunen: Ein Entwurf hat noch keine Abstimmung und damit keine "
            "Stimmberechtigten.")))
    if data.get("status") == "voting" and not (data["ballot"] or {}).get("closes_at"):
        problems.append(Problem(f"{path}.ballot.closes_at", _(
            "Abstimmungsende: Für eine laufende Abstimmung erforderlich.")))
    data["votes"] = _clean_votes(raw.get("votes", []), f"{path}.votes", problems)
    return data, problems


def _clean_votes(votes: Any, path: str, problems: list[Problem]) -> list[dict]:
    if not isinstance(votes, list):
        problems.append(Problem(path, _("muss eine Liste sein.")))
        return []
    found = []
    for m, vote in enumerate(votes):
        where = f"{path}[{m}]"
        if not isinstance(vote, dict):
            problems.append(Problem(where, _("muss ein Objekt sein.")))
            continue
        if not isinstance(vote.get("vote"), str) or vote["vote"] not in VOTE_CHOICES:
            problems.append(Problem(f"{where}.vote", _("Stimme: yes, no oder abstain.")))
        if not isinstance(vote.get("municipality"), str):
            problems.append(Problem(f"{where}.municipality", _("Kommune: Schlüssel erwartet.")))
            continue
        texts = {}
        for name, limit in (("reason", 5000), ("reference", 1000)):
            try:
                texts[name] = "" if vote.get(name) is None else text(limit)(vote[name])
            except ValueError as exc:
                problems.append(Problem(f"{where}.{name}", str(exc)))
        recorded = vote.get("recorded", False)
        if not isinstance(recorded, bool):
            problems.append(Problem(f"{where}.recorded", _("recorded: true oder false.")))
        found.append({"municipality": vote["municipality"], "vote": vote.get("vote"),
                      "reason": texts.get("reason", ""),
                      "reference": texts.get("reference", ""), "recorded": recorded is True})
    return found


def _clean_rule_weights(raw: dict, kind_: str, path: str,
                        problems: list[Problem]) -> dict | None:
    """A criteria rule's ``weights`` (required, see :func:`collab.core.validation.weights`);
    other kinds carry none."""
    given = raw.get("weights")
    if kind_ != "criteria":
        if given is not None:
            problems.append(Problem(f"{path}.weights", _(
                "Gewichte: nur bei Regeln der Art criteria.")))
        return None
    found, trouble = weights(given, f"{path}.weights")
    problems += trouble
    return found


def _clean_formats(raw: Any) -> tuple[list[dict], list[Problem]]:
    """The bundle's ``formats`` by the field rules of ``format``, each problem with its
    JSON path."""
    found, problems = [], []
    for n, item in enumerate(raw if isinstance(raw, list) else []):
        data, trouble = clean("format", item, path=f"$.formats[{n}]")
        problems += trouble
        found.append(data)
    return found, problems


def _check_format_references(doc: dict) -> list[Problem]:
    """Format keys are unique; convenor and participants are actors of the bundle."""
    actors = {a["key"] for a in doc["actors"] if a.get("key")}
    problems = _duplicates(doc["formats"], "formats")
    for n, f in enumerate(doc["formats"]):
        if f.get("convenor") and f["convenor"] not in actors:
            problems.append(Problem(f"$.formats[{n}].convenor", _(
                "Akteur „%(k)s“ ist nicht im Bündel.", k=f["convenor"])))
        for m, k in enumerate(f.get("participants") or []):
            if k not in actors:
                problems.append(Problem(f"$.formats[{n}].participants[{m}]", _(
                    "Akteur „%(k)s“ ist nicht im Bündel.", k=k)))
    return problems


def _clean_solutions(raw: Any) -> tuple[list[dict], list[Problem]]:
    """The bundle's ``solutions`` and their ``uses`` by the field rules of ``solution`` and
    ``solution_use``, each problem with its JSON path."""
    found, problems = [], []
    for n, item in enumerate(raw if isinstance(raw, list) else []):
        path = f"$.solutions[{n}]"
        data, trouble = clean("solution", item, path=path)
        problems += trouble
        data["links"] = data.get("links") or {}
        data["uses"] = []
        uses = item.get("uses", []) if isinstance(item, dict) else []
        if not isinstance(uses, list):
            problems.append(Problem(f"{path}.uses", _("muss eine Liste sein.")))
            uses = []
        for m, use in enumerate(uses):
            udata, trouble = clean("solution_use", use, path=f"{path}.uses[{m}]")
            problems += trouble
            data["uses"].append(udata)
        found.append(data)
    return found, problems


def _check_solution_references(doc: dict) -> list[Problem]:
    """Solution keys are unique; owner, initiatives and the municipalities of the uses are
    in the bundle; a municipality names each relation to a solution once."""
    actors = {a["key"] for a in doc["actors"] if a.get("key")}
    initiatives = {i["key"] for i in doc["initiatives"] if i.get("key")}
    municipalities = {m["key"] for m in doc["municipalities"] if m.get("key")}
    problems = _duplicates(doc["solutions"], "solutions")
    for n, s in enumerate(doc["solutions"]):
        path = f"$.solutions[{n}]"
        if s.get("owner") and s["owner"] not in actors:
            problems.append(Problem(f"{path}.owner", _(
                "Akteur „%(k)s“ ist nicht im Bündel.", k=s["owner"])))
        for m, k in enumerate(s.get("initiatives") or []):
            if k not in initiatives:
                problems.append(Problem(f"{path}.initiatives[{m}]", _(
                    "Initiative „%(k)s“ ist nicht im Bündel.", k=k)))
        seen = set()
        for m, u in enumerate(s["uses"]):
            for name in ("municipality", "from"):
                if u.get(name) and u[name] not in municipalities:
                    problems.append(Problem(f"{path}.uses[{m}].{name}", _(
                        "Kommune „%(k)s“ ist nicht im Bündel.", k=u[name])))
            pair = (u.get("municipality"), u.get("relation"))
            if pair in seen:
                problems.append(Problem(f"{path}.uses[{m}].relation", _(
                    "Beziehung: „%(k)s“ steht für diese Lösung schon mit „%(r)s“ im Bündel.",
                    k=pair[0], r=pair[1])))
            seen.add(pair)
    return problems


def _clean_ballot(raw: Any, path: str, problems: list[Problem]) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(path, _("muss ein Objekt oder null sein.")))
        return None
    ballot: dict[str, Any] = {}
    for name in ("opened_at", "closes_at", "decided_at"):
        value = raw.get(name)
        try:
            ballot[name] = None if value is None else utc_time(value)
        except (TypeError, ValueError, OverflowError):
            problems.append(Problem(f"{path}.{name}", _("Zeit: JJJJ-MM-TTThh:mm:ss erwartet.")))
            ballot[name] = None
    rule = raw.get("decision_rule")
    if rule is not None and (not isinstance(rule, str) or rule not in DECISION_RULES):
        problems.append(Problem(f"{path}.decision_rule", _(
            "Entscheidungsregel: consensus, majority oder two_thirds.")))
    ballot["decision_rule"] = rule
    quorum = raw.get("quorum")
    if quorum is not None and (isinstance(quorum, bool) or not isinstance(quorum, int | float)
                               or not 0 <= quorum <= 1):
        problems.append(Problem(f"{path}.quorum", _("Quorum: Zahl zwischen 0 und 1.")))
        quorum = None
    ballot["quorum"] = quorum
    ballot["tally"] = _clean_tally(raw.get("tally"), f"{path}.tally", problems)
    electorate = _clean_electorate(raw.get("electorate"), f"{path}.electorate", problems)
    if electorate is not None:
        ballot["electorate"] = electorate
    return ballot


def _clean_electorate(raw: Any, path: str, problems: list[Problem]) -> list[str] | None:
    """A ballot's electorate: the keys of the municipalities that vote on it (fixed when it
    opened), sorted; None when the bundle does not give it (then import decides as before
    the field existed). Whether the keys are municipalities of the bundle is checked with
    the rules (:func:`_check_rules`)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(k, str) and k for k in raw):
        problems.append(Problem(path, _(
            "Stimmberechtigte Kommunen: Liste von Schlüsseln der Kommunen erwartet (oder "
            "null).")))
        return None
    if not raw:
        problems.append(Problem(path, _(
            "Stimmberechtigte Kommunen: Eine Abstimmung hat mindestens eine stimmberechtigte "
            "Kommune.")))
        return None
    seen: set[str] = set()
    for m, k in enumerate(raw):
        if k in seen:
            problems.append(Problem(f"{path}[{m}]", _(
                "Stimmberechtigte Kommunen: „%(k)s“ steht mehrfach in der Liste.", k=k)))
        seen.add(k)
    return sorted(seen)


#: the counts of a fixed tally (whole numbers >= 0); "yes", "no", "abstain" are required
#: what a former member's record holds besides its key: the municipality's facts
MUNICIPALITY_FACTS = object_services.MUNICIPALITY_FIELDS

TALLY_COUNTS = ("yes", "no", "abstain", "eligible", "voted", "needed")


def _clean_tally(tally: Any, path: str, problems: list[Problem]) -> dict | None:
    """A ballot's fixed tally: known counts as whole numbers, the decision rule and quorum
    in force; anything else (NaN, text, unknown names) is refused, since the rule page and
    the charter show it."""
    if tally is None:
        return None
    message = _("Auszählung: Objekt mit ganzen Zahlen yes, no, abstain (und eligible, voted, "
                "needed), decision_rule und quorum.")
    if not isinstance(tally, dict) or any(k not in tally for k in ("yes", "no", "abstain")):
        problems.append(Problem(path, message))
        return None
    clean_: dict[str, Any] = {}
    for name, value in tally.items():
        if name in TALLY_COUNTS:
            ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6
        elif name == "decision_rule":
            ok = isinstance(value, str) and value in DECISION_RULES
        elif name == "quorum":
            ok = (isinstance(value, int | float) and not isinstance(value, bool)
                  and 0 <= value <= 1)
        else:
            ok = False
        if not ok:
            problems.append(Problem(f"{path}.{name}", message))
        else:
            clean_[name] = value
    return clean_


def utc_time(value: str) -> dt.datetime:
    """A bundle's time as naive UTC, the same on every database: with an offset it is
    converted to UTC, without one it is UTC."""
    moment = dt.datetime.fromisoformat(value)
    if not dt.datetime(1900, 1, 2) <= moment.replace(tzinfo=None) <= dt.datetime(9998, 12, 31):
        raise ValueError(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _duplicates(items: list[dict], section: str, field: str = "key") -> list[Problem]:
    counts = Counter(i.get(field) for i in items if i.get(field))
    return [Problem(f"$.{section}[{n}].{field}", _("Schlüssel „%(k)s“ kommt mehrfach vor.",
                                                    k=i[field]))
            for n, i in enumerate(items) if counts.get(i.get(field), 0) > 1]


def _check_references(doc: dict) -> list[Problem]:
    problems: list[Problem] = []
    municipalities = {m["key"] for m in doc["municipalities"] if m.get("key")}
    actors = {a["key"] for a in doc["actors"] if a.get("key")}
    problems += _duplicates(doc["municipalities"], "municipalities")
    problems += _duplicates(doc["municipalities"], "municipalities", "ags")
    problems += _duplicates(doc["former_members"], "former_members")
    ags = {m.get("ags") for m in doc["municipalities"] if m.get("ags")}
    for n, m in enumerate(doc["former_members"]):
        if m.get("key") in municipalities:
            problems.append(Problem(f"$.former_members[{n}].key", _(
                "Kommune „%(k)s“ ist Mitglied der Region, nicht ehemaliges Mitglied.",
                k=m["key"])))
        elif m.get("ags") in ags:
            problems.append(Problem(f"$.former_members[{n}].ags", _(
                "AGS %(a)s gehört im Bündel bereits zu einer Mitgliedskommune.", a=m["ags"])))
    problems += _duplicates(doc["actors"], "actors")
    problems += _duplicates(doc["initiatives"], "initiatives")
    problems += _duplicates(doc["rules"], "rules")
    for n, a in enumerate(doc["actors"]):
        if a.get("key") in municipalities:
            problems.append(Problem(f"$.actors[{n}].key", _(
                "Schlüssel „%(k)s“ ist schon an eine Kommune vergeben.", k=a["key"])))
        if a.get("municipality") and a["municipality"] not in municipalities:
            problems.append(Problem(f"$.actors[{n}].municipality", _(
                "Kommune „%(k)s“ ist nicht im Bündel.", k=a["municipality"])))
    for n, i in enumerate(doc["initiatives"]):
        if i.get("key") in municipalities or i.get("key") in actors:
            problems.append(Problem(f"$.initiatives[{n}].key", _(
                "Schlüssel „%(k)s“ ist schon an eine Kommune oder einen Akteur vergeben.",
                k=i["key"])))
        seen = set()
        for m, p in enumerate(i.get("participants", [])):
            actor = p.get("actor")
            if not actor:  # missing or not an object: reported by clean()
                continue
            if actor not in actors:
                problems.append(Problem(f"$.initiatives[{n}].participants[{m}].actor", _(
                    "Akteur „%(k)s“ ist nicht im Bündel.", k=actor)))
            if actor in seen:
                problems.append(Problem(f"$.initiatives[{n}].participants[{m}].actor", _(
                    "Akteur „%(k)s“ ist doppelt beteiligt.", k=actor)))
            seen.add(actor)
    tie_keys = Counter()
    for t in doc["ties"]:
        if t.get("source") and t.get("target") and t.get("kind"):
            t["key"] = t.get("key") or object_services.default_tie_key(t["source"], t["target"],
                                                                t["kind"])
            tie_keys[t["key"]] += 1
    for n, t in enumerate(doc["ties"]):
        for end in ("source", "target"):
            if t.get(end) and t[end] not in actors:
                problems.append(Problem(f"$.ties[{n}].{end}", _(
                    "Akteur „%(k)s“ ist nicht im Bündel.", k=t[end])))
        if tie_keys.get(t.get("key"), 0) > 1:
            problems.append(Problem(f"$.ties[{n}].key", _(
                "Verbindung „%(k)s“ kommt mehrfach vor.", k=t["key"])))
    initiatives = {i["key"] for i in doc["initiatives"] if i.get("key")}
    for n, r in enumerate(doc["rules"]):
        if r.get("actor") and r["actor"] not in actors:
            problems.append(Problem(f"$.rules[{n}].actor", _(
                "Akteur „%(k)s“ ist nicht im Bündel.", k=r["actor"])))
        if r.get("initiative") and r["initiative"] not in initiatives:
            problems.append(Problem(f"$.rules[{n}].initiative", _(
                "Initiative „%(k)s“ ist nicht im Bündel.", k=r["initiative"])))
    return problems  # votes: see _check_rules (a former member's vote stays valid)


def _check_against_platform(doc: dict) -> list[Problem]:
    """Municipalities are shared across regions: a key or AGS must not name another one."""
    listed = [(section, n, m) for section in ("municipalities", "former_members")
              for n, m in enumerate(doc.get(section, []))]
    ags = [m["ags"] for _s, _n, m in listed if m.get("ags") and m.get("key")]
    by_ags = dict(db.session.execute(_where_in(
        sa.select(Municipality.ags, Municipality.key), Municipality.ags, ags)).all()) \
        if ags else {}
    problems = []
    for section, n, m in listed:
        other = by_ags.get(m.get("ags"))
        if other is not None and m.get("key") and other != m["key"]:
            problems.append(Problem(f"$.{section}[{n}].ags", _(
                "AGS %(a)s gehört auf der Plattform bereits zur Kommune „%(k)s“.",
                a=m["ags"], k=other)))
    return problems


# --- import -----------------------------------------------------------------------------------


#: the tables a bundle fills (their statistics are refreshed after a large import)
NETWORK_TABLES = ["municipality", "region_membership", "actor", "initiative", "participation",
                  "tie", "format", "format_participant"]

#: how many changed records of each section a summary names (the counts cover all of them)
UPDATED_NAMED = 20


class RegionChanged(store.Conflict):
    """The region's data changed since the import was previewed (its data version is no
    longer the one the preview was computed against): nothing is imported (409)."""

    def __init__(self, previewed: int, current: int):
        self.previewed, self.current = previewed, current
        count = abs(current - previewed) or 1
        super().__init__(ngettext(
            "Die Region wurde seit der Vorschau geändert (%(num)d Änderung). Bitte prüfen "
            "Sie die aktualisierte Vorschau und bestätigen Sie erneut; es wurde nichts "
            "importiert.",
            "Die Region wurde seit der Vorschau geändert (%(num)d Änderungen). Bitte prüfen "
            "Sie die aktualisierte Vorschau und bestätigen Sie erneut; es wurde nichts "
            "importiert.", count), field="$.region")


def import_bundle(doc: Any, user: User | None, *, dry_run: bool = False,
                  slug: str | None = None, action: str = "bundle.import",
                  permitted: bool | None = None, log: dict | None = None,
                  snapshot: str | None = "import", spare: int | None = None,
                  expected_version: int | None = None) -> dict[str, Any]:
    """Validate ``doc`` and make its region equal to it.

    Returns a summary ``{"region": slug, "dry_run": bool, "data_version": int, "changes":
    {section: {created, updated, deleted, unchanged}}, "updated": {section: {key: [field,
    ...]}}, "differences": [...]}``; ``data_version`` is the region's data version the
    summary was computed against (0 for a region the platform does not hold yet),
    ``updated`` names the first :data:`UPDATED_NAMED` changed records of each section with
    the bundle fields that change, ``differences`` lists the facts of shared municipalities
    the bundle differs in but the importer may not change (they are not applied). Raises
    :class:`ValidationError` with every problem when the bundle is invalid; nothing is
    changed then. ``slug`` (from a URL) must match the bundle's region. Concurrent imports
    of one region run one after the other (the region's row is locked).

    ``expected_version`` confirms a preview: when the region's data version (read under the
    lock) is no longer that one, someone changed the region since, and
    :class:`RegionChanged` is raised instead of importing a bundle that would silently undo
    their change.

    Before an import changes a region the platform holds, the region's state is saved as a
    snapshot (``snapshot``: its kind, None for none; at the snapshot limit it replaces the
    oldest automatic one but ``spare``: :func:`collab.history.services.save_automatic`),
    and the activity entry keeps the records it replaced, so that it can be undone. Undo
    and restore (:mod:`collab.history`) apply their bundles through here with their own
    ``action``, permission (``permitted``) and log entry (``log``: target, params, undo_of).
    """
    cleaned, problems = validate_bundle(doc)
    if not problems and slug is not None and cleaned["region"]["slug"] != slug:
        problems.append(Problem("$.region.slug", _(
            "Kürzel: Das Bündel gehört zur Region „%(b)s“, nicht zu „%(s)s“.",
            b=cleaned["region"]["slug"], s=slug)))
    if cleaned:
        problems += _check_against_platform(cleaned)
    if problems:
        raise ValidationError(problems)
    region = db.session.scalar(sa.select(Region).filter_by(slug=cleaned["region"]["slug"]))
    store.require(perm.can_import_bundle(user, region) if permitted is None else permitted)
    log = dict(log or {})
    try:
        records_before = bundle_before = None
        if region is not None:
            store.lock(region)
        version = (region.data_version or 0) if region is not None else 0
        if expected_version is not None and version != expected_version:
            raise RegionChanged(expected_version, version)
        if region is not None:
            if not dry_run:
                bundle_before = export_bundle(region, contact=True)
                # the network records are the export's body (read once, not twice)
                records_before = {k: v for k, v in bundle_before.items()
                                  if k not in ("rules", "former_members")}
        problems = _check_rules(region, cleaned, restoring=region is None and perm.is_admin(user))
        if problems:
            raise ValidationError(problems)
        applied = _Import(region, cleaned, user)
        changes = applied.run()
        changed = any(c["created"] or c["updated"] or c["deleted"] for c in changes.values())
        if dry_run or not changed:
            db.session.rollback()
        else:
            region = applied.region
            before = None
            if records_before is not None:
                before = {"records": store.record_diff(
                    records_before, network_records(region, contact=True))}
            with store.change(region, user, action, log.pop("target", region.slug),
                              _summary(changes), before=before, **log):
                if records_before is not None and snapshot:
                    from collab.history import services as history

                    # inside the change: the snapshot it may replace at the limit is
                    # logged in it (and committed with it)
                    history.save_automatic(region, user, snapshot, bundle_before, spare)
                store.touch_other_regions(applied.shared_changed, region, user,
                                          "bundle.import")
            written = sum(c["created"] + c["updated"] + c["deleted"] for c in changes.values())
            if written >= store.BULK_RECORDS:
                store.refresh_statistics(NETWORK_TABLES)
    except sa.exc.IntegrityError:
        db.session.rollback()  # a concurrent import created the region first
        raise store.Conflict(_("Eine gleichzeitige Änderung ist Ihnen zuvorgekommen; es "
                               "wurde nichts gespeichert. Bitte laden Sie die Seite neu."),
                             field="$.region.slug") from None
    except BaseException:
        db.session.rollback()
        raise
    return {"region": cleaned["region"]["slug"], "dry_run": dry_run, "changed": changed,
            "data_version": version, "changes": changes, "updated": applied.updated,
            "differences": applied.differences}


def import_spreadsheet(body: bytes, filename: str, user: User | None, *,
                       slug: str | None = None, merge: bool = False,
                       dry_run: bool = False,
                       expected_version: int | None = None) -> tuple[dict[str, Any], dict]:
    """Import a workbook (.xlsx) or one CSV sheet: converted into a bundle
    (:mod:`collab.bundles.sheets`), then validated and imported like any bundle. With
    ``merge`` (always for a single CSV sheet) the region's records stay and the rows add
    to and update them. Returns the summary and the bundle; raises
    :class:`ValidationError` naming every problem by sheet, row and column."""
    converted = read_spreadsheet(body, filename, slug=slug, merge=merge)
    if converted.problems:
        raise ValidationError(converted.problems)
    try:
        summary = import_bundle(converted.doc, user, slug=slug, dry_run=dry_run,
                                expected_version=expected_version)
    except ValidationError as exc:
        raise ValidationError(converted.locate(exc.problems)) from None
    summary["merge"] = converted.merge
    return summary, converted.doc


def read_spreadsheet(body: bytes, filename: str, *, slug: str | None = None,
                     merge: bool = False):
    """The spreadsheet read into a bundle against the region as it is now
    (:class:`collab.bundles.sheets.Converted`)."""
    from collab.bundles import sheets

    def lookup(found: str | None) -> dict | None:
        wanted = slug or found
        region = db.session.scalar(sa.select(Region).filter_by(slug=wanted)) if wanted else None
        return export_bundle(region) if region is not None else None

    converted = sheets.convert(body, filename, merge=merge, lookup=lookup)
    if converted.problems and converted.doc:  # every problem at once, not the first kind
        converted.problems += converted.locate(validate_bundle(converted.doc)[1])
    return converted


def _summary(changes: dict) -> str:
    return ", ".join(f"{section}: +{c['created']} ~{c['updated']} -{c['deleted']}"
                     for section, c in changes.items())


def _assign(obj: Any, values: dict) -> bool:
    """Set the attributes that differ; True when anything changed."""
    dirty = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            dirty = True
    return dirty


# --- rules: what a bundle may not touch ------------------------------------------------------

#: a rule's fields that are the record of its decision: never written by a bundle once the
#: platform holds the rule
_BALLOT_FIELDS = ("opened_at", "closes_at", "decided_at", "decision_rule", "quorum", "tally")


def _check_rules(region: Region | None, doc: dict, *, restoring: bool) -> list[Problem]:
    """A bundle never creates, changes or deletes votes, ballots or results of a rule the
    platform already holds. A new rule may bring a decision taken before the platform: its
    votes are recorded from a document (``"recorded": true`` with a reference), never a
    municipality's own vote, except when an admin restores a region into a platform that
    does not hold it yet (a backup)."""
    held = {r.key: r for r in db.session.scalars(
        sa.select(Rule).filter_by(region_id=region.id).options(*_RULE_LOADS))} \
        if region is not None else {}
    members = {m["key"] for m in doc["municipalities"]} | {
        m["key"] for m in doc.get("former_members", [])}
    keys = electorate_key_map(list(held.values()))
    problems: list[Problem] = []
    for n, r in enumerate(doc["rules"]):
        path = f"$.rules[{n}]"
        rule = held.get(r["key"])
        if rule is not None:
            problems += _unchanged_decision(rule, r, path, keys)
            continue
        electorate = (r["ballot"] or {}).get("electorate")
        if electorate is not None:
            problems += _check_electorate(doc, r, electorate, path, members,
                                          restoring=restoring)
        for m, v in enumerate(r["votes"]):
            if v["municipality"] not in members:
                problems.append(Problem(f"{path}.votes[{m}].municipality", _(
                    "Kommune „%(k)s“ ist nicht im Bündel.", k=v["municipality"])))
            elif electorate is not None and v["municipality"] not in electorate:
                problems.append(Problem(f"{path}.votes[{m}].municipality", _(
                    "Stimme: „%(k)s“ gehört nicht zu den Stimmberechtigten dieser Abstimmung "
                    "(ballot.electorate).", k=v["municipality"])))
            elif not restoring and not (v["recorded"] and v["reference"]):
                problems.append(Problem(f"{path}.votes[{m}].recorded", _(
                    "Stimme: Eine neue Regel bringt nur Stimmen aus einem Dokument mit "
                    "(\"recorded\": true und ein Bezug auf Ratsbeschluss oder Schreiben); "
                    "abgestimmt wird auf der Plattform.")))
    wanted = {r["key"] for r in doc["rules"]}
    for key_, rule in sorted(held.items()):
        if key_ not in wanted and (rule.status != "draft" or rule.votes):
            problems.append(Problem("$.rules", _(
                "Regel „%(k)s“: Eine Regel mit Abstimmung oder Ergebnis bleibt erhalten; ein "
                "Bündel kann sie nicht entfernen.", k=key_)))
    return problems


def _check_electorate(doc: dict, r: dict, electorate: list[str], path: str,
                      members: set[str], *, restoring: bool) -> list[Problem]:
    """The electorate a new rule's ballot brings names municipalities of the bundle (members,
    or former members that left while it ran). Outside a restore into a platform without the
    region, a running ballot's electorate is the region's voting members after the import,
    as when the coordinator opens one: no bundle chooses who may vote."""
    where = f"{path}.ballot.electorate"
    problems = [Problem(f"{where}[{m}]", _(
        "Stimmberechtigte Kommunen: „%(k)s“ ist keine Kommune des Bündels (weder unter "
        "municipalities noch unter former_members).", k=k))
        for m, k in enumerate(electorate) if k not in members]
    if problems or restoring or r["status"] != "voting":
        return problems
    tiers = doc["region"]["voting_tiers"]
    voting = {m["key"] for m in doc["municipalities"] if m["tier"] in tiers}
    differ = sorted(voting.symmetric_difference(electorate))
    if differ:
        problems.append(Problem(where, _(
            "Stimmberechtigte Kommunen: Eine neue laufende Abstimmung gilt für die "
            "stimmberechtigten Mitglieder der Region nach dem Import; abweichend: %(k)s. Eine "
            "andere Liste übernimmt nur die Wiederherstellung in eine Plattform ohne diese "
            "Region.", k=", ".join(differ[:10]) + (" …" if len(differ) > 10 else ""))))
    return problems


def _unchanged_decision(rule: Rule, r: dict, path: str,
                        keys: dict[int, str]) -> list[Problem]:
    """Problems where the bundle's status, ballot or votes differ from the held rule's
    (``keys``: municipality keys of the held electorates, :func:`electorate_key_map`)."""
    problems = []
    if r["status"] != rule.status:
        problems.append(Problem(f"{path}.status", _(
            "Status: Eine Regel, die die Plattform führt, ändert ihren Status nur durch ihre "
            "Abstimmung, nie durch ein Bündel (hier: %(s)s).", s=rule.status)))
    ballot = r["ballot"] or {}
    if any(ballot.get(name) != getattr(rule, name) for name in _BALLOT_FIELDS):
        problems.append(Problem(f"{path}.ballot", _(
            "Abstimmung: Abstimmung und Ergebnis einer Regel, die die Plattform führt, "
            "ändert kein Bündel.")))
    elif "electorate" in ballot and ballot["electorate"] != sorted(
            keys[id_] for id_ in rule.electorate or () if id_ in keys):
        problems.append(Problem(f"{path}.ballot.electorate", _(
            "Abstimmung: Abstimmung und Ergebnis einer Regel, die die Plattform führt, "
            "ändert kein Bündel.")))
    if rule.status != "draft" and (r.get("weights") or None) != (rule.weights or None):
        problems.append(Problem(f"{path}.weights", _(
            "Gewichte: Die Gewichte einer Regel, über die abgestimmt wird oder wurde, ändert "
            "kein Bündel.")))
    have = sorted((vote_record(v) for v in rule.votes), key=lambda v: v["municipality"])
    if sorted(r["votes"], key=lambda v: v["municipality"]) != have:
        problems.append(Problem(f"{path}.votes", _(
            "Stimmen: Die Stimmen einer Regel, die die Plattform führt, legt kein Bündel an, "
            "ändert oder löscht keines.")))
    return problems


# --- applying a valid bundle ------------------------------------------------------------------


#: above this many values, :func:`_where_in` reads the whole (small) table instead
_MANY = 2000


def _where_in(query: sa.Select, column: Any, values: list) -> sa.Select:
    """``query`` restricted to rows whose ``column`` is one of ``values``. A national bundle
    names about as many municipalities as the platform holds: an IN list of 10,800
    parameters takes SQLAlchemy longer to render than reading the table, so a long list
    reads all rows and the caller keeps the ones it asked for (``column`` is selected and
    the callers look rows up by it)."""
    return query if len(values) > _MANY else query.where(column.in_(values))


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """``ids`` in pieces small enough for one IN list (SQLite allows 32,766 parameters)."""
    return [ids[n:n + size] for n in range(0, len(ids), size)]


def _differs(row: sa.Row, values: dict) -> bool:
    """Whether a stored row (read with the columns named in ``values``) differs from
    ``values``: what :func:`_assign` would change on the ORM object."""
    held = row._mapping
    return any(held[name] != value for name, value in values.items())


def _changed(held: Any, values: dict) -> list[str]:
    """The bundle fields in which ``values`` differ from a stored row or ORM object
    ``held`` (a column ``x_id`` is the bundle's field ``x``)."""
    get = held._mapping.__getitem__ if isinstance(held, sa.Row) else partial(getattr, held)
    return [name.removesuffix("_id") for name, value in values.items() if get(name) != value]


class _Import:
    """Makes the database equal to a cleaned, checked bundle within the open transaction:
    one method per record kind, in the order their references need.

    The many records (municipalities and memberships, actors, initiatives and
    participations, ties, formats and their participants, a new rule's votes) are compared
    as plain rows read with one query per table and written with bulk INSERT and UPDATE
    statements (``session.execute(insert(Model), rows)``); only records that are removed,
    shared municipalities whose facts differ, rules and solutions go through ORM objects,
    so that cascades, permission checks and the rules' decisions behave as they always did.
    At national scale this takes a few seconds where one ORM object per record took many.
    """

    SECTIONS = ("region", "municipalities", "actors", "initiatives", "ties", "formats",
                "rules", "solutions")

    def __init__(self, region: Region | None, doc: dict, user: User | None):
        self.region, self.doc, self.user = region, doc, user
        self.session = db.session
        self.changes = {s: Counter(created=0, updated=0, deleted=0, unchanged=0)
                        for s in self.SECTIONS}
        #: municipality key -> id (members and former members of the bundle)
        self.municipalities: dict[str, int] = {}
        #: actor key -> id (the region's actors after apply_actors)
        self.actors: dict[str, int] = {}
        #: ids of the memberships of municipalities that leave the region
        self.leaving: list[int] = []
        #: ids of the actors no longer in the bundle (removed once their ties are gone)
        self.gone_actors: list[int] = []
        #: shared municipalities whose facts this import changed (their other regions follow)
        self.shared_changed: list[Municipality] = []
        #: facts the bundle differs in but the importer may not change
        self.differences: list[dict[str, Any]] = []
        #: section -> key -> the fields that change, for the first changed records
        self.updated: dict[str, dict[str, list[str]]] = {}

    def count(self, section: str, is_new: bool, dirty: bool, key: str = "",
              fields: list[str] | tuple[str, ...] = ()) -> None:
        """Count a record of ``section``; a changed one (``dirty``) is named by ``key``
        with the ``fields`` that change (in the bundle's order) while fewer than
        :data:`UPDATED_NAMED` are."""
        self.changes[section]["created" if is_new else "updated" if dirty else "unchanged"] += 1
        if dirty and not is_new:
            named = self.updated.setdefault(section, {})
            if len(named) < UPDATED_NAMED:
                named[key] = list(dict.fromkeys(fields))

    def run(self) -> dict[str, dict[str, int]]:
        with self.session.no_autoflush:  # flushed explicitly where the next step needs it
            self.apply_region()
            self.apply_municipalities()
            self.apply_actors()
            self.apply_initiatives()
            self.apply_ties()
            self.apply_formats()
        self.remove_leaving_members()
        self.apply_rules()
        self.apply_solutions()
        self.session.flush()
        return {section: dict(c) for section, c in self.changes.items()}

    # --- helpers ---

    def _held(self, model: Any, names: tuple[str, ...], *where: Any) -> dict[str, sa.Row]:
        """The stored rows of ``model`` (id, key and ``names``) by key."""
        columns = [model.id, model.key, *(getattr(model, n) for n in names)]
        return {row.key: row for row in self.session.execute(sa.select(*columns).where(*where))}

    def _write(self, model: Any, new: list[dict], changed: list[dict]) -> None:
        """Bulk INSERT of ``new`` rows, bulk UPDATE (by primary key) of ``changed`` ones
        (a row that sets a name sets its German sort key beside it)."""
        if "sort_name" in model.__table__.c:
            new, changed = ([with_sort_name(row) for row in rows] for rows in (new, changed))
        if new:  # Core executemany: the ORM's bulk path inserts row by row where a
            # server default is not given
            self.session.execute(sa.insert(model.__table__), new)
        if changed:
            self.session.execute(sa.update(model), changed)

    def _ids(self, model: Any) -> dict[str, int]:
        """key -> id of the region's rows of ``model``."""
        return dict(self.session.execute(
            sa.select(model.key, model.id).where(model.region_id == self.region.id)).all())

    def _delete(self, model: Any, ids: list[int], section: str) -> None:
        """Remove the records ``ids`` as ORM objects (their cascades as always)."""
        if not ids:
            return
        for chunk in _chunks(ids):
            for obj in self.session.scalars(sa.select(model).where(model.id.in_(chunk))):
                self.session.delete(obj)
                self.changes[section]["deleted"] += 1
        self.session.flush()

    # --- record kinds ---

    def apply_region(self) -> None:
        is_new = self.region is None
        if is_new:
            self.region = Region(slug=self.doc["region"]["slug"])
            self.session.add(self.region)
        r = self.doc["region"]
        values = {"name": r["name"], "description": r["description"],
                  "decision_rule": r["decision_rule"], "quorum": r["quorum"],
                  "voting_tiers": ",".join(r["voting_tiers"]), "funded_until": r["funded_until"]}
        fields = [] if is_new else _changed(self.region, values)
        self.count("region", is_new, _assign(self.region, values), "region", fields)
        self.session.flush()

    def apply_municipalities(self) -> None:
        """Municipalities are shared across regions: one the platform holds is linked, and
        its facts change only where the importer may change them (else they are listed in
        ``differences``); the region's memberships follow the bundle. Former members (voters
        that left the region) are created from their facts when the platform does not hold
        them, never with a membership; one the platform holds is only linked."""
        facts_of = object_services.MUNICIPALITY_FIELDS
        membership_of = ("tier", *object_services.MEMBERSHIP_FIELDS)
        members = self.doc["municipalities"]
        former = self.doc.get("former_members", [])
        keys = [m["key"] for m in members] + [m["key"] for m in former]
        known: dict[str, sa.Row] = {}
        if keys:
            columns = [Municipality.id, Municipality.key,
                       *(getattr(Municipality, f) for f in facts_of)]
            known = {row.key: row for row in self.session.execute(
                _where_in(sa.select(*columns), Municipality.key, keys))}
        memberships = {row.key: row for row in self.session.execute(
            sa.select(RegionMembership.id, Municipality.key,
                      *(getattr(RegionMembership, f) for f in membership_of))
            .join(Municipality, RegionMembership.municipality_id == Municipality.id)
            .where(RegionMembership.region_id == self.region.id))}
        new_municipalities: list[dict] = []
        new_memberships: list[tuple[str, dict]] = []
        changed_memberships: list[dict] = []
        for m in members:
            row = known.get(m["key"])
            facts = {f: m[f] for f in facts_of}
            fields: list[str] = []
            if row is None:
                new_municipalities.append({"key": m["key"], **facts})
                dirty = True
            elif _differs(row, facts):
                # a held municipality whose facts differ: decided on the ORM object (the
                # permission reads its memberships); equal facts change nothing either way
                mu = self.session.get(Municipality, row.id)
                if perm.can_change_municipality_facts(self.user, self.region, mu):
                    fields = _changed(mu, facts)
                    dirty = _assign(mu, facts)
                    if dirty and object_services.other_regions(mu, self.region):
                        self.shared_changed.append(mu)
                else:
                    self.differences += object_services.fact_differences(mu, facts)
                    dirty = False
            else:
                dirty = False
            held = memberships.pop(m["key"], None)
            values = {f: m[f] for f in membership_of}
            if held is None:
                new_memberships.append((m["key"], values))
                dirty = True
            elif _differs(held, values):
                changed_memberships.append({"id": held.id, **values})
                fields += _changed(held, values)
                dirty = True
            self.count("municipalities", held is None, dirty, m["key"], fields)
        for m in former:
            if m["key"] not in known:
                new_municipalities.append(
                    {"key": m["key"], **{f: m[f] for f in facts_of}})
        self.session.flush()  # the facts changed on ORM objects
        self._write(Municipality, new_municipalities, [])
        if keys:
            self.municipalities = dict(self.session.execute(_where_in(
                sa.select(Municipality.key, Municipality.id), Municipality.key, keys)).all())
        self._write(RegionMembership,
                    [{"region_id": self.region.id, "municipality_id": self.municipalities[k],
                      **values} for k, values in new_memberships], changed_memberships)
        self.leaving = [row.id for row in memberships.values()]

    def apply_actors(self) -> None:
        """Actors are created and updated here; removal waits until no tie points to them."""
        names = ("name", "type", "level", "sector", "topics", "capacity_fte", "description",
                 "provenance", "source")
        held = self._held(Actor, (*names, "contact", "municipality_id"),
                          Actor.region_id == self.region.id)
        wanted = {a["key"] for a in self.doc["actors"]}
        self.gone_actors = [row.id for k, row in held.items() if k not in wanted]
        new, changed = [], []
        for a in self.doc["actors"]:
            values = {f: a[f] for f in names}
            if a.get("contact"):
                values["contact"] = a["contact"]
            values["municipality_id"] = (self.municipalities[a["municipality"]]
                                         if a["municipality"] else None)
            row = held.get(a["key"])
            if row is None:
                new.append({"region_id": self.region.id, "key": a["key"], "contact": "",
                            **values})
                self.count("actors", True, True)
            elif _differs(row, values):
                changed.append({"id": row.id, **values})
                self.count("actors", False, True, a["key"], _changed(row, values))
            else:
                self.count("actors", False, False)
        self._write(Actor, new, changed)
        self.actors = self._ids(Actor)

    def apply_initiatives(self) -> None:
        """Initiatives and their participations (role, provenance and source included)."""
        names = ("name", "topic", "status", "description", "start", "end", "scope", "funding")
        extras = ("role", *object_services.PARTICIPATION_EXTRAS)
        held = self._held(Initiative, names, Initiative.region_id == self.region.id)
        wanted = {i["key"] for i in self.doc["initiatives"]}
        self._delete(Initiative, [row.id for k, row in held.items() if k not in wanted],
                     "initiatives")
        taking_part: dict[int, dict[str, sa.Row]] = {}
        for row in self.session.execute(
                sa.select(Participation.id, Participation.initiative_id, Actor.key,
                          *(getattr(Participation, n) for n in extras))
                .join(Actor, Participation.actor_id == Actor.id)
                .join(Initiative, Participation.initiative_id == Initiative.id)
                .where(Initiative.region_id == self.region.id)
                .order_by(Participation.id)):
            taking_part.setdefault(row.initiative_id, {})[row.key] = row
        new, changed = [], []
        new_parts: list[tuple[str, str, dict]] = []  # initiative key, actor key, values
        changed_parts: list[dict] = []
        gone_parts: list[int] = []
        for i in self.doc["initiatives"]:
            values = {f: i[f] for f in names}
            want = {p["actor"]: {n: p[n] for n in extras} for p in i["participants"]}
            row = held.get(i["key"])
            if row is None:
                new.append({"region_id": self.region.id, "key": i["key"], **values})
                new_parts += [(i["key"], k, v) for k, v in want.items()]
                self.count("initiatives", True, True)
                continue
            fields = _changed(row, values)
            dirty = bool(fields)
            if dirty:
                changed.append({"id": row.id, **values})
            have = taking_part.get(row.id, {})
            if {k: tuple(p._mapping[n] for n in extras) for k, p in have.items()} != {
                    k: tuple(v.values()) for k, v in want.items()}:
                dirty = True
                fields.append("participants")
                gone_parts += [p.id for k, p in have.items() if k not in want]
                for k, v in want.items():
                    if k not in have:
                        new_parts.append((i["key"], k, v))
                    elif _differs(have[k], v):
                        changed_parts.append({"id": have[k].id, **v})
            self.count("initiatives", False, dirty, i["key"], fields)
        for chunk in _chunks(gone_parts):
            self.session.execute(sa.delete(Participation).where(
                Participation.id.in_(chunk)), execution_options={
                "synchronize_session": False})
        self._write(Initiative, new, changed)
        ids = self._ids(Initiative) if new else {k: row.id for k, row in held.items()}
        self._write(Participation, [{"initiative_id": ids[k], "actor_id": self.actors[a], **v}
                                    for k, a, v in new_parts], changed_parts)

    def apply_ties(self) -> None:
        """Ties; the actors no longer in the bundle go once their old ties are gone."""
        names = ("source_id", "target_id", *object_services.TIE_FIELDS)
        held = self._held(Tie, names, Tie.region_id == self.region.id)
        wanted = {t["key"] for t in self.doc["ties"]}
        self._delete(Tie, [row.id for k, row in held.items() if k not in wanted], "ties")
        self._delete(Actor, self.gone_actors, "actors")
        new, changed = [], []
        for t in self.doc["ties"]:
            values = {"source_id": self.actors[t["source"]],
                      "target_id": self.actors[t["target"]],
                      **{f: t[f] for f in object_services.TIE_FIELDS}}
            row = held.get(t["key"])
            if row is None:
                new.append({"region_id": self.region.id, "key": t["key"], **values})
                self.count("ties", True, True)
            elif _differs(row, values):
                changed.append({"id": row.id, **values})
                self.count("ties", False, True, t["key"], _changed(row, values))
            else:
                self.count("ties", False, False)
        self._write(Tie, new, changed)

    def apply_formats(self) -> None:
        """Make the region's formats equal to the bundle's, their participants included."""
        names = object_services.FORMAT_FIELDS
        held = self._held(Format, (*names, "convenor_id"), Format.region_id == self.region.id)
        wanted = {f["key"] for f in self.doc["formats"]}
        self._delete(Format, [row.id for k, row in held.items() if k not in wanted], "formats")
        members: dict[int, set[int]] = {}
        for format_id, actor_id in self.session.execute(
                sa.select(format_participant.c.format_id, format_participant.c.actor_id)
                .join(Format, format_participant.c.format_id == Format.id)
                .where(Format.region_id == self.region.id)):
            members.setdefault(format_id, set()).add(actor_id)
        new, changed = [], []
        joining: list[tuple[str, int]] = []  # format key, actor id
        leaving: list[tuple[int, int]] = []  # format id, actor id
        for f in self.doc["formats"]:
            values = {name: f[name] for name in names}
            values["convenor_id"] = self.actors[f["convenor"]] if f["convenor"] else None
            people = [self.actors[k] for k in f["participants"]]
            row = held.get(f["key"])
            if row is None:
                new.append({"region_id": self.region.id, "key": f["key"], **values})
                joining += [(f["key"], a) for a in people]
                self.count("formats", True, True)
                continue
            fields = _changed(row, values)
            dirty = bool(fields)
            if dirty:
                changed.append({"id": row.id, **values})
            have = members.get(row.id, set())
            if have != set(people):
                dirty = True
                fields.append("participants")
                leaving += [(row.id, a) for a in sorted(have - set(people))]
                joining += [(f["key"], a) for a in people if a not in have]
            self.count("formats", False, dirty, f["key"], fields)
        if leaving:
            self.session.execute(sa.delete(format_participant).where(
                format_participant.c.format_id == sa.bindparam("leaving_format"),
                format_participant.c.actor_id == sa.bindparam("leaving_actor")),
                [{"leaving_format": f, "leaving_actor": a} for f, a in leaving])
        self._write(Format, new, changed)
        ids = self._ids(Format) if new else {k: row.id for k, row in held.items()}
        if joining:
            self.session.execute(sa.insert(format_participant), [
                {"format_id": ids[k], "actor_id": a} for k, a in joining])

    def remove_leaving_members(self) -> None:
        """Municipalities no longer in the bundle leave the region (their accounts keep the
        region, without a municipality)."""
        if not self.leaving:
            return
        for ms in [ms for chunk in _chunks(self.leaving) for ms in self.session.scalars(
                sa.select(RegionMembership).where(RegionMembership.id.in_(chunk)))]:
            for account in self.session.scalars(sa.select(User).filter_by(
                    region_id=self.region.id, municipality_id=ms.municipality_id)):
                account.municipality_id = None
            object_services._forget_solution_uses(self.region, ms.municipality)
            self.session.delete(ms)
            self.changes["municipalities"]["deleted"] += 1
        self.session.flush()

    def _voting_members(self) -> list[int]:
        """Ids of the region's municipalities in a voting tier, as the bundle leaves them."""
        return sorted(self.session.scalars(sa.select(RegionMembership.municipality_id).where(
            RegionMembership.region_id == self.region.id,
            RegionMembership.tier.in_(self.region.voting_tier_list))))

    def apply_rules(self) -> None:
        """Rules: text and references of held rules, new rules with the decision they bring
        (:func:`_check_rules` made sure no held decision changes)."""
        initiative_ids = self._ids(Initiative)
        rules = {r.key: r for r in self.session.scalars(
            sa.select(Rule).filter_by(region_id=self.region.id))}
        wanted = {r["key"] for r in self.doc["rules"]}
        for k, rule in rules.items():
            if k not in wanted:  # drafts without votes only (checked before)
                self.session.delete(rule)
                self.changes["rules"]["deleted"] += 1
        votes: list[tuple[Rule, list[dict]]] = []
        # a new rule in ballot whose bundle does not name its electorate opens its ballot
        # here: the region's voting members now vote
        electorate = self._voting_members() if any(
            r["status"] == "voting" and r["key"] not in rules
            and "electorate" not in (r["ballot"] or {}) for r in self.doc["rules"]) else []
        for r in self.doc["rules"]:
            rule = rules.get(r["key"])
            is_new = rule is None
            values = {
                "title": r["title"], "text": r["text"], "kind": r["kind"],
                "actor_id": self.actors[r["actor"]] if r["actor"] else None,
                "initiative_id": initiative_ids[r["initiative"]] if r["initiative"] else None,
                "tie_kind": r["tie_kind"], "weights": r["weights"]}
            if is_new:
                rule = Rule(region=self.region, key=r["key"])
                self.session.add(rule)
                ballot = r["ballot"] or {}
                values |= {"status": r["status"],
                           **{name: ballot.get(name) for name in _BALLOT_FIELDS}}
                if "electorate" in ballot:
                    values["electorate"] = sorted(
                        self.municipalities[k] for k in ballot["electorate"])
                elif r["status"] == "voting":
                    values["electorate"] = electorate
                votes.append((rule, sorted(r["votes"], key=lambda v: v["municipality"])))
            fields = [] if is_new else _changed(rule, values)
            self.count("rules", is_new, _assign(rule, values), r["key"], fields)
        self.session.flush()
        rows = [{"rule_id": rule.id, "municipality_id": self.municipalities[v["municipality"]],
                 "vote": v["vote"], "reason": v["reason"], "reference": v["reference"],
                 "recorded": v["recorded"]} for rule, found in votes for v in found]
        self._write(Vote, rows, [])

    def apply_solutions(self) -> None:
        """Solutions, the initiatives that built them and who uses or wants them (the uses
        follow the bundle; a municipality that left the region takes its uses along)."""
        if not self.doc["solutions"] and not self.session.scalar(
                sa.select(Solution.id).filter_by(region_id=self.region.id).limit(1)):
            return
        initiatives = {i.key: i for i in self.session.scalars(
            sa.select(Initiative).filter_by(region_id=self.region.id))}
        solutions = {s.key: s for s in self.session.scalars(
            sa.select(Solution).filter_by(region_id=self.region.id))}
        wanted = {s["key"] for s in self.doc["solutions"]}
        for k, solution in solutions.items():
            if k not in wanted:
                self.session.delete(solution)
                self.changes["solutions"]["deleted"] += 1
        for s in self.doc["solutions"]:
            solution = solutions.get(s["key"])
            is_new = solution is None
            if is_new:
                solution = Solution(region=self.region, key=s["key"])
                self.session.add(solution)
            values = {**{f: s[f] for f in object_services.SOLUTION_FIELDS},
                      "owner_id": self.actors[s["owner"]] if s["owner"] else None}
            fields = [] if is_new else _changed(solution, values)
            dirty = _assign(solution, values)
            built = [initiatives[k] for k in s["initiatives"]]
            if [i.key for i in solution.initiatives] != sorted(i.key for i in built):
                solution.initiatives = sorted(built, key=lambda i: i.key)
                dirty = True
                fields.append("initiatives")
            if self._apply_uses(solution, s["uses"]):
                dirty = True
                fields.append("uses")
            self.count("solutions", is_new, dirty, s["key"], fields)
        self.session.flush()

    def _apply_uses(self, solution: Solution, wanted: list[dict]) -> bool:
        """Make the solution's uses equal to the bundle's; True when anything changed."""
        want = {(u["municipality"], u["relation"]): (u["from"], u["since"], u["provenance"],
                                                      u["source"]) for u in wanted}
        have = {(u.municipality.key, u.relation): u for u in solution.uses}
        dirty = False
        for pair, use in have.items():
            if pair not in want:
                solution.uses.remove(use)
                dirty = True
        for (muni, relation), (source_muni, since, provenance, source) in want.items():
            use = have.get((muni, relation))
            if use is None:
                use = SolutionUse(municipality_id=self.municipalities[muni], relation=relation)
                solution.uses.append(use)
                dirty = True
            dirty |= _assign(use, {
                "from_municipality_id": self.municipalities[source_muni] if source_muni
                else None,
                "since": since, "provenance": provenance, "source": source})
        return dirty
