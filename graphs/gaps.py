"""Coordination gaps: what is missing in the network, how bad it is, and what would close it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import chain

import networkx as nx

from .build import (
    LEVELS,
    edges_of_type,
    home_units,
    nodes_of_type,
    undirected_edges,
)
from .charter import adopted, decided_at, voting_members
from .provenance import Evidence
from .solutions import MATURE, is_neighbour, solution_users
from .structure import MEMBER_TIERS, level_states, member_level_evidence
from .text import (
    day,
    join,
    label,
    name,
    names,
    number,
    percent,
    plural,
    quote,
    quoted,
    say,
    sentence,
    the,
)
from .transfer import EXPERIENCE_ROLES, MAX_LISTED

__all__ = [
    "ACTIVE_STATUSES",
    "GAP_DETECTORS",
    "GAP_KINDS",
    "FUNDING_WARNING_MONTHS",
    "MEMBER_TIERS",
    "PARTNER_SECTORS",
    "ROLE_LOAD",
    "find_gaps",
]

#: Initiatives in these statuses still need carriers and a lead.
ACTIVE_STATUSES = ("idea", "planned", "running")
#: Workload of one planned or running initiative, by role (for overloaded actors).
ROLE_LOAD = {"lead": 1.0, "partner": 0.5, "supporter": 0.25, "observer": 0.0}
#: Load an actor of unknown capacity can carry; with a known FTE it is max(1, 2 * FTE): one
#: full-time person carries about two lead roles or four partner roles.
UNKNOWN_CAPACITY_LOAD = 3.0
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
#: Sectors of the partners beyond the administration every network should have.
PARTNER_SECTORS = ("civil_society", "business", "science")
#: ``funding_end``: the end of the network's funding is a gap from this many months before.
FUNDING_WARNING_MONTHS = 12
#: Gap kinds about the network as a whole (their ``keys`` may be empty).
NETWORK_KINDS = frozenset({"sector_gap", "no_designated_taktgeber", "funding_end"})


def _gap(kind: str, keys, severity: str, message: str) -> dict:
    return {"kind": kind, "keys": list(keys), "severity": severity, "message": message}


def _helpers(G, ctx) -> tuple[dict, str | None]:
    """For each municipality, the best-ranked outside coordinating candidate tied to one of
    its actors; and the best regional (else any) coordinating candidate as fallback."""
    tied: dict = {}
    fallback, regional = None, None
    nodes = G.nodes
    for r in ctx.get("ranking") or []:
        key = r["key"]
        data = G._node[key]
        if data.get("level") != "coordinating":
            continue
        fallback = fallback or key
        if data.get("municipality") is None:
            regional = regional or key
        own = data.get("municipality")
        for other in chain(G.pred[key], G.succ[key]):  # nx.all_neighbors, without the views
            found = nodes[other]
            m = found.get("municipality") if found["type"] == "actor" else None
            if m is not None and m != own:
                tied.setdefault(m, key)
    return tied, regional or fallback


def _cached(ctx: dict, name: str, compute: Callable):
    """``compute()``, once per analysis (kept in ``ctx``, shared by the detectors)."""
    cache = ctx.setdefault("_cache", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def _levels(G: nx.MultiDiGraph, cover: dict | None) -> dict:
    """Member (pioneer or member) -> ``(states, documented)``: what its records say about
    each level (:func:`graphs.structure.level_states`, the rule the overview and the
    organisation table use too: ``documented``, ``assumed``, ``missing``, ``unrecorded``)
    and whether it has a documented actor of its own."""
    found = {}
    for m, (known, assumed, documented) in member_level_evidence(G, cover).items():
        tier = G._node[m].get("tier")
        if tier in MEMBER_TIERS:
            found[m] = (level_states(tier, known, assumed, documented), documented)
    return found


def missing_level(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Members (tier pioneer or member) lacking one of the three levels, one gap per member.

    A level is present when a documented record shows it: an actor of the member on that
    level, for the coordinating level an outside coordinating unit holding a mandate from
    the member's strategic level (``coordinating_cover``), for the strategic level a council
    decision the member joined with (``joined_by``). Levels that only assumed records show,
    and members without any documented actor, are left to ``missing_data`` (a request to
    confirm, not a finding). High when the coordinating level or two levels are missing,
    else medium. The message suggests the best-ranked outside coordinating candidate tied
    to the member (else the best regional one) as the body to commission.
    """
    lang = ctx.get("lang", "de")
    tied, fallback = _helpers(G, ctx)
    found = []
    for m, (states, _documented) in _cached(
            ctx, "levels", lambda: _levels(G, ctx.get("cover"))).items():
        missing = [level for level in LEVELS if states[level] == "missing"]
        if not missing:
            continue
        what = join((say(lang, "missing_level.item", level=label(lang, "level", level),
                         examples=label(lang, "level_examples", level))
                     for level in missing), lang)
        remedies = []
        if "strategic" in missing:
            remedies.append(say(lang, "missing_level.strategic"))
        if "coordinating" in missing:
            helper = tied.get(m, fallback if fallback and
                              G._node[fallback].get("municipality") != m else None)
            remedies.append(say(lang, "missing_level.coordinating_helper",
                                helper=the(G, helper, "acc", lang)) if helper else
                            say(lang, "missing_level.coordinating"))
        if "operational" in missing:
            remedies.append(say(lang, "missing_level.operational"))
        message = plural(lang, "missing_level", len(missing), name=name(G, m), what=what,
                         remedies=sentence("; ".join(remedies)))
        severity = "high" if "coordinating" in missing or len(missing) > 1 else "medium"
        found.append(_gap("missing_level", [m], severity, message))
    return found


def missing_data(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Members whose levels are known only from assumed records, or not at all: a request
    to confirm (low), one per member, with the ``levels`` concerned.

    A member without any documented actor is asked about every level no documented record
    shows, and the message tells the levels only assumed records show ("angenommen") from
    those nothing is recorded for ("nicht erfasst"); otherwise the levels that only assumed
    records show (see :func:`missing_level`).
    """
    lang = ctx.get("lang", "de")
    found = []

    def levels_of(states: dict, state: str) -> list:
        return [level for level in LEVELS if states[level] == state]

    def listed(levels: list) -> str:
        return join((label(lang, "level", level) for level in levels), lang)

    for m, (states, documented) in _cached(
            ctx, "levels", lambda: _levels(G, ctx.get("cover"))).items():
        if documented:
            levels = levels_of(states, "assumed")
            if not levels:
                continue
            message = say(lang, "missing_data.levels", name=name(G, m), levels=listed(levels))
        else:
            levels = [level for level in LEVELS if states[level] != "documented"]
            if not levels:
                continue
            if _own_actors(G, m):
                parts = [say(lang, f"missing_data.part_{state}", levels=listed(found_levels))
                         for state in ("assumed", "unrecorded")
                         if (found_levels := levels_of(states, state))]
                message = say(lang, "missing_data.assumed", name=name(G, m),
                              what="; ".join(parts))
            else:
                message = say(lang, "missing_data.none", name=name(G, m))
        gap = _gap("missing_data", [m], "low", message)
        gap["levels"] = levels
        found.append(gap)
    return found


def _own_actors(G: nx.MultiDiGraph, m) -> list:
    """The actors acting for municipality ``m``."""
    return [a for a, _m, k in G.in_edges(m, keys=True) if k == "acts_for"]


def isolated_member(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Municipalities outside the main component; those isolated together form one gap
    (high for members, medium for supporters; low when their units are known only from
    assumed records, since then the isolation may be missing data)."""
    U, main, lang = ctx["U"], ctx["main"], ctx.get("lang", "de")
    best = next((r["key"] for r in ctx.get("ranking") or [] if r["key"] in main), None)
    open_initiatives = None
    found = []
    components = ctx.get("components")
    components = nx.connected_components(U) if components is None else components
    for component in sorted((c for c in components if c is not main and not c & main),
                            key=lambda c: min(map(str, c))):
        munis = sorted(n for n in component if U._node[n]["type"] == "municipality")
        if not munis:
            continue
        members = [m for m in munis if G._node[m].get("tier") in MEMBER_TIERS]
        if open_initiatives is None:
            open_initiatives = _open_initiatives(G, main)
        district = next((G._node[m].get("district") for m in munis
                         if G._node[m].get("district") in open_initiatives), "")
        initiative = open_initiatives.get(district)
        remedy = say(lang, "isolated.remedy", helper=say(
            lang, "isolated.helper", actor=the(G, best, "dat", lang)) if best else "",
            initiative=say(lang, "isolated.initiative", initiative=quoted(G, initiative, lang))
            if initiative else "")
        if len(munis) == 1 and len(component) == 1:
            message = say(lang, "isolated.alone", name=name(G, munis[0]), remedy=remedy)
        elif len(munis) == 1:
            message = say(lang, "isolated.single", name=name(G, munis[0]), remedy=remedy)
        else:
            message = say(lang, "isolated.group", names=names(G, munis, lang=lang),
                          remedy=remedy)
        # known only from assumed units (or none at all), the isolation may be nothing but
        # missing data: a low-severity finding beside the data request, not a high one
        units = [n for n in component if U._node[n]["type"] == "actor"]
        known = any(G._node[a].get("provenance", "documented") != "assumed" for a in units)
        severity = ("high" if members else "medium") if known else "low"
        found.append(_gap("isolated_member", munis, severity, message))
    return found


def _open_initiatives(G, main) -> dict:
    """District -> the planned or running initiative of the main component with the most
    carrying municipalities there (key "" : the largest overall)."""
    best: dict = {}
    for i in nodes_of_type(G, "initiative"):
        if i not in main or G._node[i].get("status") not in ("planned", "running"):
            continue
        carriers = {G._node[a].get("municipality") for a in G.predecessors(i)} - {None}
        districts = {G._node[m].get("district") or "" for m in carriers} | {""}
        for d in districts:
            rank = (-len(carriers), i)
            if d not in best or rank < best[d][0]:
                best[d] = (rank, i)
    return {d: i for d, (_rank, i) in best.items()}


def _carriers(G, i) -> tuple[list, list]:
    """Municipalities and regional actors taking part in initiative ``i``."""
    actors = sorted(G.predecessors(i))
    munis = sorted({G._node[a]["municipality"] for a in actors if G._node[a].get("municipality")})
    regional = [a for a in actors if not G._node[a].get("municipality")]
    return munis, regional


def single_municipality_initiative(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Open initiatives (idea, planned, running) carried by at most one municipality.

    Medium while planned (partners can still shape it), low for ideas and for running local
    pilots (their knowledge can still be shared later). An initiative of scope ``local`` (a
    municipality's own strategy or project inside the network) is meant to be carried by
    one municipality and never a gap. A municipality's lone initiatives of
    the same severity form one gap (one invitation to its neighbours, not one per project);
    initiatives of regional bodies without any municipality are one gap each.
    """
    lang = ctx.get("lang", "de")
    found = []
    by_district: dict = {}
    for x in sorted(nodes_of_type(G, "municipality"),
                    key=lambda x: (-(G._node[x].get("population") or 0), x)):
        if G._node[x].get("district") and G._node[x].get("kind") != "landkreis":
            by_district.setdefault(G._node[x]["district"], []).append(x)
    alone: dict[tuple, list] = {}
    for i in nodes_of_type(G, "initiative"):
        status = G._node[i].get("status")
        if status not in ACTIVE_STATUSES or G._node[i].get("scope") == "local":
            continue
        munis, regional = _carriers(G, i)
        if len(munis) > 1 or (not munis and not regional):
            continue
        severity = "medium" if status == "planned" else "low"
        if not munis:
            message = say(lang, "single.regional", initiative=quoted(G, i, lang),
                          carriers=names(G, regional, lang=lang))
            found.append(_gap("single_municipality_initiative", [i], severity, message))
        else:
            alone.setdefault((munis[0], severity), []).append(i)
    for (m, severity), initiatives in sorted(alone.items()):
        initiatives.sort()
        others = [x for x in by_district.get(G._node[m].get("district"), [])[:4]
                  if x != m][:3]
        invite = say(lang, "single.invite", names=names(G, others, lang=lang)) if others else ""
        message = plural(lang, "single", len(initiatives), name=name(G, m), invite=invite,
                         initiatives=join((quoted(G, i, lang) for i in initiatives), lang))
        found.append(_gap("single_municipality_initiative", initiatives, severity, message))
    return found


def initiative_without_lead(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Open initiatives nobody leads (running: high, planned: medium, idea: low).

    The message suggests a participant as lead, spreading the suggestions: first one whose
    municipality (for a regional body: itself) has not been suggested for another
    leaderless initiative yet, then experience in the initiative's topic (a lead, partner or
    supporter role in a running or completed initiative on it; below that, the topic listed
    by the participant "nach eigener Angabe"), then the fewest planned or running
    initiatives its municipality already leads, the coordinating level, the most spare
    capacity (see :func:`overloaded_actor`) and staff. A suggested lead counts as taken for
    the next initiative.
    """
    load = dict(_cached(ctx, "workload", lambda: _workload(G))[0])
    capacity = _cached(ctx, "capacities", lambda: _capacities(G))
    lang = ctx.get("lang", "de")
    home = home_units(G)
    experienced = _experience_by_unit(G, home)
    leads: dict = {}
    for a, i, _key, data in edges_of_type(G, "participation"):
        if data.get("role") == "lead" and G._node[i].get("status") in ("planned", "running"):
            leads[home[a]] = leads.get(home[a], 0) + 1
    suggested: dict = {}
    level_rank = {"coordinating": 0, "operational": 1, "strategic": 2}
    found = []
    for i in nodes_of_type(G, "initiative"):
        status = G._node[i].get("status")
        if status not in ACTIVE_STATUSES:
            continue
        roles = {a: d["role"] for a, keyed in G.pred[i].items()  # G.in_edges(i, data=True)
                 for d in keyed.values()}
        if "lead" in roles.values():
            continue
        severity = {"running": "high", "planned": "medium"}.get(status, "low")
        status_label = label(lang, "status", status)
        if not roles:
            message = say(lang, "lead.nobody", initiative=quoted(G, i, lang),
                          status=status_label)
        else:
            topic = G._node[i].get("topic")

            def knows(a, topic=topic, i=i) -> int:
                if experienced.get((a, topic), set()) - {i} or \
                        experienced.get((home[a], topic), set()) - {i}:
                    return 2
                return 1 if topic in (G._node[a].get("topics") or ()) else 0

            pick = min(roles, key=lambda a: (
                suggested.get(home[a], 0), -knows(a), leads.get(home[a], 0),
                level_rank.get(G._node[a].get("level"), 3),
                -(capacity.get(a, UNKNOWN_CAPACITY_LOAD) - load.get(a, 0.0)),
                -(G._node[a].get("capacity_fte") or 0), a))
            suggested[home[pick]] = suggested.get(home[pick], 0) + 1
            if status in ("planned", "running"):
                load[pick] = load.get(pick, 0.0) + ROLE_LOAD["lead"] - ROLE_LOAD.get(
                    roles[pick], 0.0)
            why = {2: say(lang, "lead.why.experience"), 1: say(lang, "lead.why.declared")}
            message = say(lang, "lead.pick", initiative=quoted(G, i, lang),
                          status=status_label, actor=the(G, pick, "acc", lang),
                          why=why.get(knows(pick), ""))
        found.append(_gap("initiative_without_lead", [i], severity, message))
    return found


def _experience_by_unit(G: nx.MultiDiGraph, home: dict) -> dict:
    """(actor or its municipality, topic) -> the running or completed initiatives on the
    topic in which the actor (or an actor of the municipality) is lead, partner or
    supporter: the experience behind a lead suggestion (without the initiative itself)."""
    found: dict = {}
    for a, i, _key, data in edges_of_type(G, "participation"):
        if data.get("role") in EXPERIENCE_ROLES and \
                G._node[i].get("status") in ("running", "completed"):
            topic = G._node[i].get("topic")
            found.setdefault((a, topic), set()).add(i)
            found.setdefault((home[a], topic), set()).add(i)
    return found


def _piece_text(G, p, lang="de") -> tuple[str, bool]:
    """Text for a cut-off piece and whether it is plural."""
    if p["n_municipalities"]:
        shown = p["municipalities"][:5]
        rest = p["n_municipalities"] - len(shown)
        text = join([name(G, m) for m in shown], lang) if not rest else say(
            lang, "piece.more", names=", ".join(name(G, m) for m in shown), rest=rest)
        return text, p["n_municipalities"] > 1
    return plural(lang, "piece.actors", p["n_actors"]), p["n_actors"] > 1


def articulation_point(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Actors whose departure cuts members or partners off (grouped with bridges)."""
    cut, lang = ctx["cuts"], ctx.get("lang", "de")
    found = []
    for x, pieces in sorted(cut["articulation_points"].items()):
        own = G._node[x].get("municipality")
        others = sum(p["n_members"] for p in pieces) - sum(
            1 for p in pieces if own in p["municipalities"]
            and G._node[own].get("tier") in MEMBER_TIERS)
        texts = [_piece_text(G, p, lang) for p in pieces]
        many = len(pieces) > 1 or texts[0][1]
        what = join((t for t, _ in texts), lang)
        if own and len(pieces) == 1 and pieces[0]["municipalities"] == [own]:
            message = say(lang, "articulation.own", own=name(G, own),
                          actor=the(G, x, "dat", lang))
        else:
            message = say(lang, "articulation.many" if many else "articulation.one",
                          actor=the(G, x, "nom", lang), what=what)
        found.append(_gap("articulation_point", [x], "high" if others > 0 else "medium", message))
    return found


def bridge(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Single ties (or participations) on which a member or group of partners hangs."""
    lang = ctx.get("lang", "de")
    found = []
    for near, far, piece in sorted(ctx["cuts"]["bridges"], key=lambda b: sorted(b[:2])):
        text, many = _piece_text(G, piece, lang)
        number_ = "many" if many else "one"
        initiative = far if G._node[far]["type"] == "initiative" else (
            near if G._node[near]["type"] == "initiative" else None)
        if initiative is not None:
            actor = near if initiative == far else far
            message = say(lang, f"bridge.initiative.{number_}", piece=text,
                          initiative=quoted(G, initiative, lang),
                          actor=the(G, actor, "nom", lang))
        else:
            message = say(lang, f"bridge.tie.{number_}", piece=text,
                          near=the(G, near, "dat", lang), far=the(G, far, "dat", lang))
        severity = "high" if piece["n_members"] else "medium"
        found.append(_gap("bridge", sorted([near, far]), severity, message))
    return found


def weak_community_link(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Two communities (each with municipalities) joined by one tie or initiative only.

    Links that are bridges of the network are left to ``bridge``/``articulation_point``.
    """
    C, partition, lang = ctx["contact"], ctx["partition"], ctx.get("lang", "de")
    community = {x: i for i, members in enumerate(partition) for x in members}
    links: dict = {}
    for a, b, data in undirected_edges(C):
        ca, cb = community.get(a), community.get(b)
        if ca is None or cb is None or ca == cb:
            continue
        pair = (min(ca, cb), max(ca, cb))
        found = links.setdefault(pair, set())
        if len(found) < 2:
            found.update(data["links"][:2])
    has_muni = [any(G._node[x]["type"] == "municipality" for x in c) for c in partition]
    bridges = ctx["cuts"]["all_bridges"]
    ranking = [r["key"] for r in ctx.get("ranking") or []]
    home = home_units(G)
    leaders: dict = {}  # community -> its three best-ranked candidates
    for k in ranking:
        found = leaders.setdefault(community.get(home.get(k)), [])
        if len(found) < 3:
            found.append(k)
    labels: dict = {}
    result = []
    for (ca, cb), found in sorted(links.items()):
        if len(found) != 1 or not (has_muni[ca] and has_muni[cb]):
            continue
        link = next(iter(found))
        kind, *ends = link.split(":")
        if kind == "tie" and tuple(sorted(ends, key=str)) in bridges:
            continue
        keys = sorted(ends)
        what = (say(lang, "weak.tie", first=the(G, ends[0], "dat", lang),
                    second=the(G, ends[1], "dat", lang)) if kind == "tie" else
                say(lang, "weak.initiative", initiative=quoted(G, ends[0], lang)))
        for c in (ca, cb):
            if c not in labels:
                labels[c] = _community_label(G, partition[c], lang)
        picks = [next((k for k in leaders.get(c, []) if k not in keys), None)
                 for c in (ca, cb)]
        suggestion = say(lang, "weak.suggestion", first=the(G, picks[0], "dat", lang),
                         second=the(G, picks[1], "dat", lang)) if all(picks) else ""
        message = say(lang, "weak.message", first=labels[ca], second=labels[cb], what=what,
                      suggestion=suggestion)
        result.append(_gap("weak_community_link", keys, "medium", message))
    return result


def _community_label(G, members, lang="de") -> str:
    munis = sorted((m for m in members if G._node[m]["type"] == "municipality"),
                   key=lambda m: (-(G._node[m].get("population") or 0), m))
    return join([name(G, m) for m in munis[:3]], lang)


def topic_gap(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Members that experience in a topic cannot reach over trusted ties.

    One gap per group of members that miss the same set of topics (``topics``), so each
    member appears in one topic gap only. The remedy is the suggested tie (link prediction
    in :func:`graphs.transfer.transfer_paths`) that reaches the group's members in the most
    of its topics. Members outside the main component are left to ``isolated_member``.
    """
    main, lang = ctx["main"], ctx.get("lang", "de")
    topics_of: dict = {}
    entry_of = {}
    for entry in ctx.get("transfer") or []:
        entry_of[entry["topic"]] = entry
        for m in entry["unreachable"]:
            if m in main:
                topics_of.setdefault(m, []).append(entry["topic"])
    groups: dict[tuple, list] = {}
    for m, topics in topics_of.items():
        groups.setdefault(tuple(topics), []).append(m)
    found = []
    for topics, members in sorted(groups.items(), key=lambda tm: sorted(tm[1])):
        unreachable = sorted(members)
        entries = [entry_of[t] for t in topics]
        text = plural(lang, "topic.topics", len(topics), topics=join(
            (quote(label(lang, "topic", t), lang) for t in topics), lang))
        votes: dict = {}
        for e in entries:
            for s in e["suggestions"]:
                if s["target"] in members:
                    pair = (s["from"], s["to"])
                    votes[pair] = votes.get(pair, 0) + 1
        suggestion = max(votes, key=lambda p: votes[p]) if votes else None  # first on ties
        remedy = say(lang, "topic.remedy_tie", first=the(G, suggestion[0], "dat", lang),
                     second=the(G, suggestion[1], "dat", lang)) if suggestion else \
            say(lang, "topic.remedy")
        message = sentence(say(lang, "topic.message.many" if len(unreachable) > 1 else
                               "topic.message.one", topics=text, remedy=remedy,
                               members=names(G, unreachable, 5, lang)))
        severity = "high" if any(len(e["unreachable"]) == e["n_targets"] for e in entries) \
            else "medium"
        gap = _gap("topic_gap", unreachable[:MAX_LISTED], severity, message)
        gap["topics"] = sorted(topics)
        found.append(gap)
    return found


def reuse_candidate(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Members building something a neighbour already runs.

    A member whose actor takes part (not only observing) in a planned or running initiative
    on a topic for which a mature solution (maturity production or established) is used by
    a neighbour (:func:`graphs.solutions.is_neighbour`: the same Kreis or within 50 km), a
    solution the member does not use itself and the initiative did not build: one gap per
    member, medium while one of its initiatives is only planned (it can still choose), else
    low. The gap lists the solutions (``solutions``) and the neighbours running them.
    """
    lang = ctx.get("lang", "de")
    mature = [s for s in G.graph.get("solutions") or [] if s.get("maturity") in MATURE]
    if not mature:
        return []
    members = {m for m in nodes_of_type(G, "municipality")
               if G._node[m].get("tier") in MEMBER_TIERS}
    building: dict = {}
    for i in nodes_of_type(G, "initiative"):
        if G._node[i].get("status") not in ("planned", "running"):
            continue
        for a, _i, data in G.in_edges(i, data=True):
            m = G._node[a].get("municipality")
            if m in members and data.get("role") != "observer":
                building.setdefault(m, set()).add(i)
    found = []
    for m in sorted(building):
        hits: dict = {}
        for s in mature:
            users = solution_users(s)[0]
            if m in users:
                continue
            near = [u for u in users if u in G and u != m
                    and is_neighbour(G._node[m], G._node[u])]
            own = [i for i in sorted(building[m]) if G._node[i].get("topic") == s.get("topic")
                   and i not in (s.get("initiatives") or [])]
            if near and own:
                hits[s["key"]] = (s, near, own)
        if not hits:
            continue
        initiatives = sorted({i for _s, _near, own in hits.values() for i in own})
        offers = join((say(lang, "reuse.offer", solution=quote(s.get("name") or s["key"], lang),
                           users=names(G, near, 3, lang))
                       for s, near, _own in hits.values()), lang)
        message = say(lang, "reuse.message", member=name(G, m), offers=offers,
                      initiatives=join((quoted(G, i, lang) for i in initiatives), lang))
        planned = any(G._node[i].get("status") == "planned" for i in initiatives)
        gap = _gap("reuse_candidate", [m, *initiatives], "medium" if planned else "low",
                   message)
        gap["solutions"] = sorted(hits)
        gap["neighbours"] = sorted({u for _s, near, _own in hits.values() for u in near})
        found.append(gap)
    return found


def _workload(G: nx.MultiDiGraph) -> tuple[dict, dict, dict, dict]:
    """Load, number of lead or partner roles, number of leads, and the co-participants of
    its led initiatives, per actor, over planned and running initiatives."""
    load, count, lead, partners = {}, {}, {}, {}
    for a, i, _key, data in edges_of_type(G, "participation"):
        if G._node[i].get("status") not in ("planned", "running"):
            continue
        role = data.get("role")
        load[a] = load.get(a, 0.0) + ROLE_LOAD.get(role, 0.0)
        if role in ("lead", "partner"):
            count[a] = count.get(a, 0) + 1
        if role == "lead":
            lead[a] = lead.get(a, 0) + 1
            partners.setdefault(a, set()).update(x for x in G.predecessors(i) if x != a)
    return load, count, lead, partners


def _capacities(G: nx.MultiDiGraph) -> dict:
    """Load each actor can carry: max(1, 2 * FTE), 1 for zero staff, 3 when unknown."""
    capacity = {}
    for a in nodes_of_type(G, "actor"):
        fte = G._node[a].get("capacity_fte")
        capacity[a] = max(1.0, 2.0 * fte) if isinstance(fte, int | float) and fte > 0 else (
            UNKNOWN_CAPACITY_LOAD if fte is None else 1.0)
    return capacity


def overloaded_actor(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Actors in far more planned or running initiatives than their staff can carry.

    Load: lead 1, partner 0.5, supporter 0.25, observer 0 per initiative; capacity
    max(1, 2 * FTE), or 3 when the FTE is unknown. Overloaded: load above capacity with at
    least three initiatives as lead or partner; high when load is twice the capacity.
    """
    load, count, lead, partners = _cached(ctx, "workload", lambda: _workload(G))
    capacity = _cached(ctx, "capacities", lambda: _capacities(G))
    lang = ctx.get("lang", "de")
    found = []
    for a in sorted(load):
        if load[a] <= capacity[a] or count.get(a, 0) < 3:
            continue
        fte = G._node[a].get("capacity_fte")
        staff = say(lang, "overloaded.staff_unknown") if fte is None else say(
            lang, "overloaded.staff", fte=number(float(fte), 1, lang))
        spare = sorted((capacity.get(p, UNKNOWN_CAPACITY_LOAD) - load.get(p, 0.0), p)
                       for p in partners.get(a, ()))
        helper = spare[-1][1] if spare and spare[-1][0] >= 1.0 else None
        leads = lead.get(a, 0)
        if leads:
            remedy = say(lang, "overloaded.hand_over", helper=say(
                lang, "overloaded.helper", actor=the(G, helper, "acc", lang)) if helper else "")
        else:
            remedy = say(lang, "overloaded.pool")
        message = sentence(say(lang, "overloaded.message", actor=the(G, a, "nom", lang),
                               count=count[a], leads=leads, staff=staff, remedy=remedy))
        severity = "high" if load[a] >= 2 * capacity[a] else "medium"
        found.append(_gap("overloaded_actor", [a], severity, message))
    return found


def sector_gap(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Partners beyond the administration the network lacks (``sectors``).

    One gap (medium, no keys) for the sectors of ``PARTNER_SECTORS`` without any actor in
    the network; one gap per sector (low) whose partners take part in no running joint
    initiative (lead, partner or supporter; scope not ``local``), keyed by those partners.
    Networks without member municipalities are left alone.
    """
    lang = ctx.get("lang", "de")
    if not any(d.get("tier") in MEMBER_TIERS for _m, d in G.nodes(data=True)
               if d["type"] == "municipality"):
        return []
    by_sector: dict = {s: [] for s in PARTNER_SECTORS}
    for a, d in G.nodes(data=True):
        if d["type"] == "actor" and d.get("sector") in by_sector:
            by_sector[d["sector"]].append(a)
    engaged = {a for a, i, _k, d in edges_of_type(G, "participation")
               if d.get("role") in EXPERIENCE_ROLES and G._node[i].get("status") == "running"
               and G._node[i].get("scope") != "local"}
    found = []
    missing = [s for s in PARTNER_SECTORS if not by_sector[s]]
    if missing:
        sectors = join((label(lang, "sector", s) for s in missing), lang, last="or")
        gap = _gap("sector_gap", [], "medium", say(lang, "sector.missing", sectors=sectors))
        gap["sectors"] = missing
        found.append(gap)
    for s in PARTNER_SECTORS:
        partners = sorted(by_sector[s])
        if partners and not engaged & set(partners):
            gap = _gap("sector_gap", partners[:MAX_LISTED], "low", say(
                lang, "sector.idle", sector=label(lang, "sector", s),
                names=names(G, partners, lang=lang)))
            gap["sectors"] = [s]
            found.append(gap)
    return found


def no_designated_taktgeber(G: nx.MultiDiGraph, ctx: dict) -> list:
    """No Taktgeber designated by an adopted rule (medium, no keys); the message names the
    two best-ranked candidates. Networks of fewer than two municipalities are left alone."""
    lang = ctx.get("lang", "de")
    if ctx.get("designated") is not None or len(nodes_of_type(G, "municipality")) < 2:
        return []
    best = [r["key"] for r in (ctx.get("ranking") or [])[:2]]
    candidates = say(lang, "no_taktgeber.candidates", names=join(
        (the(G, k, "acc", lang) for k in best), lang)) if best else ""
    return [_gap("no_designated_taktgeber", [], "medium",
                 say(lang, "no_taktgeber.message", candidates=candidates))]


def unvoted_charter(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Adopted rules binding voting members who never voted on them, or whose ballot missed
    its quorum.

    Voting members are the municipalities of ``region.voting_tiers`` (default pioneer and
    member). A vote ``recorded`` from a document counts and is named as such. The quorum is
    the ballot's (else the region's, else 0.5) share of the members eligible when the rule
    was decided (those that joined later, ``since`` after ``decided_at``, were not). Rules
    with the same members missing and the same outcome form one gap (``rules``: their
    keys; ``recorded``: votes taken from documents): medium when the quorum was missed,
    else low; ``keys`` are the members that never voted.
    """
    lang = ctx.get("lang", "de")
    region = G.graph.get("region") or {}
    voting = voting_members(((m, G._node[m]) for m in nodes_of_type(G, "municipality")),
                            region)
    if not voting:
        return []
    groups: dict = {}
    for rule in adopted(G.graph.get("rules") or []):
        votes = {v.get("municipality"): v for v in rule.get("votes") or []}
        voted = [m for m in voting if m in votes]
        missing = tuple(m for m in voting if m not in votes)
        decided = decided_at(rule)[:10]
        eligible = [m for m in voting if m in votes or not (
            decided and G._node[m].get("since") and str(G._node[m]["since"]) > decided)]
        quorum = (rule.get("ballot") or {}).get("quorum", region.get("quorum", 0.5))
        missed = len(voted) < quorum * len(eligible) - 1e-9
        if not missing and not missed:
            continue
        recorded = sum(1 for m in voted if votes[m].get("recorded"))
        group = groups.setdefault((missed, missing), {"rules": [], "recorded": 0,
                                                      "voted": len(voted),
                                                      "eligible": len(eligible),
                                                      "quorum": quorum})
        group["rules"].append(rule.get("key"))
        group["recorded"] += recorded
    found = []
    for (missed, missing), group in sorted(groups.items(), key=lambda kv: (not kv[0][0],
                                                                          kv[0][1])):
        rules = group["rules"]
        titles = join((quote(_rule_title(G, r), lang) for r in rules), lang)
        recorded = plural(lang, "unvoted.recorded", group["recorded"]) \
            if group["recorded"] else ""
        if missed:
            message = plural(lang, "unvoted.quorum", len(rules), rules=titles,
                             voted=group["voted"], eligible=group["eligible"],
                             quorum=percent(group["quorum"], lang), recorded=recorded,
                             names=names(G, list(missing), lang=lang))
        else:
            message = plural(lang, "unvoted.never", len(rules), rules=titles,
                             names=names(G, list(missing), lang=lang), recorded=recorded)
        gap = _gap("unvoted_charter", list(missing)[:MAX_LISTED],
                   "medium" if missed else "low", message)
        gap["rules"] = rules
        gap["recorded"] = group["recorded"]
        found.append(gap)
    return found


def _rule_title(G, key) -> str:
    for rule in G.graph.get("rules") or []:
        if rule.get("key") == key:
            return rule.get("title") or key
    return str(key)


def _parse_day(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def funding_end(G: nx.MultiDiGraph, ctx: dict) -> list:
    """The network's funding (``region.funded_until``) ends within
    ``FUNDING_WARNING_MONTHS`` months of ``today`` (medium) or has ended (high), and no rule
    of kind ``continuation`` is adopted. No keys; ``funded_until`` is the date (ISO)."""
    lang = ctx.get("lang", "de")
    region = G.graph.get("region") or {}
    try:
        end = _parse_day(region.get("funded_until"))
    except ValueError:
        return []
    today = ctx.get("today") or dt.date.today()
    if end is None or adopted(G.graph.get("rules") or [], "continuation"):
        return []
    months = (end.year - today.year) * 12 + end.month - today.month - (end.day < today.day)
    if months >= FUNDING_WARNING_MONTHS:
        return []
    if end < today:
        message = say(lang, "funding.ended", date=day(end, lang))
    else:
        when = plural(lang, "funding.months", months) if months >= 1 else \
            say(lang, "funding.soon")
        message = say(lang, "funding.ends", date=day(end, lang), when=when)
    gap = _gap("funding_end", [], "high" if end < today else "medium", message)
    gap["funded_until"] = end.isoformat()
    return [gap]


#: Gap kind -> detector ``f(G, context) -> list of gaps``, in reporting order.
GAP_DETECTORS: dict[str, Callable[[nx.MultiDiGraph, dict], list]] = {
    "missing_level": missing_level,
    "isolated_member": isolated_member,
    "single_municipality_initiative": single_municipality_initiative,
    "initiative_without_lead": initiative_without_lead,
    "articulation_point": articulation_point,
    "bridge": bridge,
    "weak_community_link": weak_community_link,
    "topic_gap": topic_gap,
    "reuse_candidate": reuse_candidate,
    "overloaded_actor": overloaded_actor,
    "missing_data": missing_data,
    "sector_gap": sector_gap,
    "no_designated_taktgeber": no_designated_taktgeber,
    "unvoted_charter": unvoted_charter,
    "funding_end": funding_end,
}
GAP_KINDS = tuple(GAP_DETECTORS)


def find_gaps(G: nx.MultiDiGraph, context: dict, *, detectors: dict | None = None) -> list:
    """Run the gap detectors and return their gaps, most severe first.

    ``context`` carries what the detectors share (built by ``graphs.report``): ``U`` (network
    graph), ``main`` (node set of the main component), ``cuts``
    (:func:`graphs.structure.cut_structure`), ``contact`` and ``partition`` (contact graph
    and its communities), ``components`` (optional: the connected components of ``U``, one
    of them ``main``), ``cover`` (outside coordinating units), ``ranking`` (Taktgeber
    ranking), ``transfer`` (transfer paths), ``designated`` (the Taktgeber designated by
    rule or assumed in a what-if, or None), ``today`` (a ``datetime.date``, default today)
    and optionally ``lang`` (language of the messages, "de" by default, or "en").

    Each gap is ``{kind, keys, severity, message, assumed_share}`` (some kinds add fields);
    ``assumed_share`` is the share of the records behind the gap's keys
    (:class:`graphs.provenance.Evidence`) that are assumed, and a message whose gap rests on
    assumed records says so. Sorted by severity, kind (in ``GAP_KINDS`` order), then keys.
    """
    detectors = GAP_DETECTORS if detectors is None else detectors
    order = {kind: i for i, kind in enumerate(detectors)}
    lang = context.get("lang", "de")
    evidence = context.get("evidence") or Evidence(G)
    gaps = []
    for detect in detectors.values():
        for gap in detect(G, context):
            gap["assumed_share"] = evidence.assumed_share(gap["keys"])
            if gap["assumed_share"] > 0 and gap["kind"] != "missing_data":
                gap["message"] += say(lang, "assumed_share",
                                      share=percent(gap["assumed_share"], lang))
            gaps.append(gap)
    return sorted(gaps, key=lambda g: (SEVERITY_ORDER[g["severity"]], order[g["kind"]],
                                       g["keys"]))
