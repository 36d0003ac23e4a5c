"""Coordination gaps: what is missing in the network, how bad it is, and what would close it."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from .build import LEVELS, actors_by_municipality, home_units, nodes_of_type
from .structure import MEMBER_TIERS, levels_present
from .text import join, label, name, names, number, plural, quote, quoted, say, sentence, the
from .transfer import MAX_LISTED

__all__ = [
    "ACTIVE_STATUSES",
    "GAP_DETECTORS",
    "GAP_KINDS",
    "MEMBER_TIERS",
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


def _gap(kind: str, keys, severity: str, message: str) -> dict:
    return {"kind": kind, "keys": list(keys), "severity": severity, "message": message}


def _helpers(G, ctx) -> tuple[dict, str | None]:
    """For each municipality, the best-ranked outside coordinating candidate tied to one of
    its actors; and the best regional (else any) coordinating candidate as fallback."""
    tied: dict = {}
    fallback, regional = None, None
    for r in ctx.get("ranking") or []:
        key = r["key"]
        data = G.nodes[key]
        if data.get("level") != "coordinating":
            continue
        fallback = fallback or key
        if data.get("municipality") is None:
            regional = regional or key
        for other in nx.all_neighbors(G, key):
            m = G.nodes[other].get("municipality") if G.nodes[other]["type"] == "actor" else None
            if m is not None and m != data.get("municipality"):
                tied.setdefault(m, key)
    return tied, regional or fallback


def missing_level(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Members (tier pioneer or member) lacking one of the three levels, one gap per member.

    The coordinating level also counts as present when an outside coordinating unit holds a
    mandate from the member's strategic level (``coordinating_cover``). Members without any
    actor are left to ``isolated_member``. High when the coordinating level or two levels
    are missing, else medium. The message suggests the best-ranked outside coordinating
    candidate tied to the member (else the best regional one) as the body to commission.
    """
    lang = ctx.get("lang", "de")
    present = levels_present(G, ctx.get("cover"))
    tied, fallback = _helpers(G, ctx)
    found = []
    for m, actors in actors_by_municipality(G).items():
        if G.nodes[m].get("tier") not in MEMBER_TIERS or not actors:
            continue
        missing = [level for level in LEVELS if level not in present[m]]
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
                              G.nodes[fallback].get("municipality") != m else None)
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


def isolated_member(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Municipalities outside the main component; those isolated together form one gap."""
    U, main, lang = ctx["U"], ctx["main"], ctx.get("lang", "de")
    best = next((r["key"] for r in ctx.get("ranking") or [] if r["key"] in main), None)
    open_initiatives = None
    found = []
    for component in sorted((c for c in nx.connected_components(U) if not c & main),
                            key=lambda c: min(map(str, c))):
        munis = sorted(n for n in component if U.nodes[n]["type"] == "municipality")
        if not munis:
            continue
        members = [m for m in munis if G.nodes[m].get("tier") in MEMBER_TIERS]
        if open_initiatives is None:
            open_initiatives = _open_initiatives(G, main)
        district = next((G.nodes[m].get("district") for m in munis
                         if G.nodes[m].get("district") in open_initiatives), "")
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
        found.append(_gap("isolated_member", munis, "high" if members else "medium", message))
    return found


def _open_initiatives(G, main) -> dict:
    """District -> the planned or running initiative of the main component with the most
    carrying municipalities there (key "" : the largest overall)."""
    best: dict = {}
    for i in nodes_of_type(G, "initiative"):
        if i not in main or G.nodes[i].get("status") not in ("planned", "running"):
            continue
        carriers = {G.nodes[a].get("municipality") for a in G.predecessors(i)} - {None}
        districts = {G.nodes[m].get("district") or "" for m in carriers} | {""}
        for d in districts:
            rank = (-len(carriers), i)
            if d not in best or rank < best[d][0]:
                best[d] = (rank, i)
    return {d: i for d, (_rank, i) in best.items()}


def _carriers(G, i) -> tuple[list, list]:
    """Municipalities and regional actors taking part in initiative ``i``."""
    actors = sorted(G.predecessors(i))
    munis = sorted({G.nodes[a]["municipality"] for a in actors if G.nodes[a].get("municipality")})
    regional = [a for a in actors if not G.nodes[a].get("municipality")]
    return munis, regional


def single_municipality_initiative(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Open initiatives (idea, planned, running) carried by at most one municipality.

    Medium while planned (partners can still shape it), low for ideas and for running local
    pilots (their knowledge can still be shared later). A municipality's lone initiatives of
    the same severity form one gap (one invitation to its neighbours, not one per project);
    initiatives of regional bodies without any municipality are one gap each.
    """
    lang = ctx.get("lang", "de")
    found = []
    by_district: dict = {}
    for x in sorted(nodes_of_type(G, "municipality"),
                    key=lambda x: (-(G.nodes[x].get("population") or 0), x)):
        if G.nodes[x].get("district") and G.nodes[x].get("kind") != "landkreis":
            by_district.setdefault(G.nodes[x]["district"], []).append(x)
    alone: dict[tuple, list] = {}
    for i in nodes_of_type(G, "initiative"):
        status = G.nodes[i].get("status")
        if status not in ACTIVE_STATUSES:
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
        others = [x for x in by_district.get(G.nodes[m].get("district"), [])[:4]
                  if x != m][:3]
        invite = say(lang, "single.invite", names=names(G, others, lang=lang)) if others else ""
        message = plural(lang, "single", len(initiatives), name=name(G, m), invite=invite,
                         initiatives=join((quoted(G, i, lang) for i in initiatives), lang))
        found.append(_gap("single_municipality_initiative", initiatives, severity, message))
    return found


def initiative_without_lead(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Open initiatives nobody leads (running: high, planned: medium, idea: low).

    The message suggests a participant as lead: coordinating level first, then the one with
    the most spare capacity (see :func:`overloaded_actor`). Each suggestion counts as taken
    for the next initiative, so several leaderless initiatives are not all handed to the
    same unit.
    """
    load, capacity = _workload(G)[0], _capacities(G)
    lang = ctx.get("lang", "de")
    found = []
    for i in nodes_of_type(G, "initiative"):
        status = G.nodes[i].get("status")
        if status not in ACTIVE_STATUSES:
            continue
        roles = {a: d["role"] for a, _i, d in G.in_edges(i, data=True)}
        if "lead" in roles.values():
            continue
        severity = {"running": "high", "planned": "medium"}.get(status, "low")
        status_label = label(lang, "status", status)
        if not roles:
            message = say(lang, "lead.nobody", initiative=quoted(G, i, lang),
                          status=status_label)
        else:
            level_rank = {"coordinating": 0, "operational": 1, "strategic": 2}
            pick = min(roles, key=lambda a: (
                level_rank.get(G.nodes[a].get("level"), 3),
                -(capacity.get(a, UNKNOWN_CAPACITY_LOAD) - load.get(a, 0.0)),
                -(G.nodes[a].get("capacity_fte") or 0), a))
            if status in ("planned", "running"):
                load[pick] = load.get(pick, 0.0) + ROLE_LOAD["lead"] - ROLE_LOAD.get(
                    roles[pick], 0.0)
            message = say(lang, "lead.pick", initiative=quoted(G, i, lang),
                          status=status_label, actor=the(G, pick, "acc", lang))
        found.append(_gap("initiative_without_lead", [i], severity, message))
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
        own = G.nodes[x].get("municipality")
        others = sum(p["n_members"] for p in pieces) - sum(
            1 for p in pieces if own in p["municipalities"]
            and G.nodes[own].get("tier") in MEMBER_TIERS)
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
        initiative = far if G.nodes[far]["type"] == "initiative" else (
            near if G.nodes[near]["type"] == "initiative" else None)
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
    for a, b, data in C.edges(data=True):
        ca, cb = community.get(a), community.get(b)
        if ca is None or cb is None or ca == cb:
            continue
        pair = (min(ca, cb), max(ca, cb))
        found = links.setdefault(pair, set())
        if len(found) < 2:
            found.update(data["links"][:2])
    has_muni = [any(G.nodes[x]["type"] == "municipality" for x in c) for c in partition]
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
    munis = sorted((m for m in members if G.nodes[m]["type"] == "municipality"),
                   key=lambda m: (-(G.nodes[m].get("population") or 0), m))
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


def _workload(G: nx.MultiDiGraph) -> tuple[dict, dict, dict, dict]:
    """Load, number of lead or partner roles, number of leads, and the co-participants of
    its led initiatives, per actor, over planned and running initiatives."""
    load, count, lead, partners = {}, {}, {}, {}
    for a, i, data in G.edges(data=True):
        if data["type"] != "participation" or G.nodes[i].get("status") not in ("planned",
                                                                               "running"):
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
        fte = G.nodes[a].get("capacity_fte")
        capacity[a] = max(1.0, 2.0 * fte) if isinstance(fte, int | float) and fte > 0 else (
            UNKNOWN_CAPACITY_LOAD if fte is None else 1.0)
    return capacity


def overloaded_actor(G: nx.MultiDiGraph, ctx: dict) -> list:
    """Actors in far more planned or running initiatives than their staff can carry.

    Load: lead 1, partner 0.5, supporter 0.25, observer 0 per initiative; capacity
    max(1, 2 * FTE), or 3 when the FTE is unknown. Overloaded: load above capacity with at
    least three initiatives as lead or partner; high when load is twice the capacity.
    """
    load, count, lead, partners = _workload(G)
    capacity = _capacities(G)
    lang = ctx.get("lang", "de")
    found = []
    for a in sorted(load):
        if load[a] <= capacity[a] or count.get(a, 0) < 3:
            continue
        fte = G.nodes[a].get("capacity_fte")
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
    "overloaded_actor": overloaded_actor,
}
GAP_KINDS = tuple(GAP_DETECTORS)


def find_gaps(G: nx.MultiDiGraph, context: dict, *, detectors: dict | None = None) -> list:
    """Run the gap detectors and return their gaps, most severe first.

    ``context`` carries what the detectors share (built by ``graphs.report``): ``U`` (network
    graph), ``main`` (node set of the main component), ``cuts``
    (:func:`graphs.structure.cut_structure`), ``contact`` and ``partition`` (contact graph
    and its communities), ``cover`` (outside coordinating units), ``ranking`` (Taktgeber
    ranking), ``transfer`` (transfer paths) and optionally ``lang`` (language of the
    messages, "de" by default, or "en"). Each gap is ``{kind, keys, severity, message}``;
    sorted by severity, kind (in ``GAP_KINDS`` order), then keys.
    """
    detectors = GAP_DETECTORS if detectors is None else detectors
    order = {kind: i for i, kind in enumerate(detectors)}
    gaps = [gap for detect in detectors.values() for gap in detect(G, context)]
    return sorted(gaps, key=lambda g: (SEVERITY_ORDER[g["severity"]], order[g["kind"]],
                                       g["keys"]))
