"""The analysis report: every analysis of a bundle in one JSON-ready document, plus what-if."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Mapping
from contextlib import contextmanager

import networkx as nx

from .brokerage import to_csr
from .build import (
    analysis_scope,
    build_graph,
    municipality_graph,
    network_graph,
    nodes_of_type,
)
from .charter import latest_adopted
from .gaps import GAP_KINDS, SEVERITY_ORDER, find_gaps
from .provenance import Evidence
from .solutions import solutions_report
from .structure import (
    MEMBER_TIERS,
    communities,
    coordinating_cover,
    core_periphery,
    cut_structure,
    main_component,
    org_models,
    summary,
)
from .taktgeber import candidates, rank_taktgeber, weights_in_force
from .text import check_lang, join, plural, say, sentence, the
from .transfer import transfer_paths

__all__ = ["TAKTGEBER_LIMIT", "analyse", "analyse_graph", "compare", "gc_paused", "without_node"]

#: The report lists this many Taktgeber candidates (plus a designated one).
TAKTGEBER_LIMIT = 25
#: The clock of ``timings_ms`` (wall time; the analysis benchmark sets ``time.process_time``
#: to get the phases in CPU time on a shared machine).
CLOCK = time.perf_counter


class _Clock:
    """Collects the milliseconds of each phase."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = CLOCK()

    def lap(self, phase: str) -> None:
        now = CLOCK()
        self.timings[phase] = round(self.timings.get(phase, 0.0) + 1000 * (now - self._last), 1)
        self._last = now


def analyse(
    bundle: Mapping,
    *,
    without: str | None = None,
    taktgeber: str | None = None,
    seed: int = 0,
    lang: str = "de",
    today: dt.date | str | None = None,
) -> dict:
    """Analyse a network bundle and return the report document (see DESIGN.md, "Analysis").

    Parameters
    ----------
    bundle : mapping
        A ``kommunalnetz-bundle`` (``docs/bundle.md``).
    without : str, optional
        What-if "if X leaves": the key of an actor or initiative to remove, or of a
        municipality (removed with its actors).
    taktgeber : str, optional
        What-if "if X becomes Taktgeber": an actor key; it is assumed to fit in level and
        mandate (``assumed: true``, ``computed_score`` keeps its score without that), covers
        the coordinating level of the members it is tied to, is marked ``designated`` and
        listed first.

    The bundle's ``region.taktgeber`` (the Taktgeber the network designated by an adopted
    rule) covers the coordinating level of the members it is tied to and is marked
    ``designated`` and listed first beside the computed ranking: its score, parts and rank
    stay the computed ones (``whatif`` stays None). A ``taktgeber`` what-if replaces it in
    the scenario.
    seed : int
        Seed of community detection and of sampled betweenness; the same bundle and seed give
        the same report (apart from ``timings_ms``).
    lang : {"de", "en"}
        Language of the report's sentences (gap messages, Taktgeber explanations, transfer
        labels and notes, the what-if message); keys and figures do not depend on it.
    today : datetime.date or str, optional
        The reference date (ISO text allowed) for the end of the funding (``funding_end``)
        and for which formats are running; default ``datetime.date.today()``. Pass it to
        get the same report on another day.

    Returns
    -------
    dict
        Keys ``region``, ``summary``, ``taktgeber``, ``gaps``, ``transfer``, ``solutions``
        (:func:`graphs.solutions.solutions_report`: per solution its users, those wanting
        it and the paths from the other members to its users), ``communities``,
        ``core_periphery``, ``org_models``, ``weights``, ``weights_rule``, ``whatif`` (None
        without a what-if) and ``timings_ms``; plain Python types only.

        - ``weights``: the weight of every Taktgeber part in force (part -> number, sum 1):
          those of the latest adopted rule of kind ``criteria`` with valid weights, parts it
          does not name at 0, else ``graphs.taktgeber.WEIGHTS``; ``weights_rule``: that
          rule's key, or None for the default weights.
        - every ``taktgeber`` row has ``rank_range``: ``[best, worst]`` rank when any one
          weight changes by ±25 % (the weights renormalised), shown as "Rang 2–4".
        - ``assumed_share`` (0..1, 4 decimals): the share of the records a finding rests on
          whose ``provenance`` is ``assumed``. Records are memberships, actors, ties and
          participations (see :class:`graphs.provenance.Evidence`). Every gap has it (the
          records behind its keys: a municipality's membership and actors, an actor with its
          ties and participations, an initiative's participations; 0 for gaps about the
          network as a whole), every Taktgeber row (the actor, its ties and participations)
          and every transfer path and alternative (the actors, ties and participations on
          it). A sentence whose finding rests on assumed records says so.

    Raises
    ------
    ValueError
        If the bundle is invalid, ``without`` is not a key of the network, ``taktgeber`` is not
        an actor of it, both name the same key, or ``lang`` is not "de" or "en".
    """
    check_lang(lang)
    if today is None:
        today = dt.date.today()
    elif not isinstance(today, dt.date):
        today = dt.date.fromisoformat(str(today))
    with gc_paused():
        return _analyse(bundle, without=without, taktgeber=taktgeber, seed=seed, lang=lang,
                        today=today)


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large graph and its many small dicts
    are built; it is switched back on if it was on.

    Everything built stays alive, yet each allocation burst triggers a collection that walks
    the whole growing heap: at national scale that makes the analysis up to a third slower
    and the network view's graph build twice as slow.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse(bundle, *, without, taktgeber, seed, lang, today) -> dict:
    clock = _Clock()
    G = build_graph(bundle)
    clock.lap("build")
    if without is not None and without not in G:
        raise ValueError(f"Unbekannter Schlüssel für without: {without!r} ist weder Kommune "
                         f"noch Akteur noch Initiative dieses Netzwerks.")
    if taktgeber is not None and (taktgeber not in G or G.nodes[taktgeber]["type"] != "actor"):
        raise ValueError(f"Unbekannter Schlüssel für taktgeber: {taktgeber!r} ist kein Akteur "
                         f"dieses Netzwerks.")
    if without is not None and without == taktgeber:
        raise ValueError("without und taktgeber nennen denselben Schlüssel.")
    if taktgeber is not None and without is not None and \
            G.nodes[taktgeber].get("municipality") == without:
        raise ValueError(f"Der Taktgeber {taktgeber!r} gehört zur entfernten Kommune {without!r}.")
    designated = _designated(G, bundle)
    whatif = without is not None or taktgeber is not None
    baseline = analyse_graph(G, designated=designated, seed=seed, lang=lang, today=today,
                             explain=TAKTGEBER_LIMIT) if whatif else None
    scenario = without_node(G, without) if without is not None else G
    if taktgeber is None and designated is not None and designated in scenario:
        taktgeber_in_scenario = designated
    else:
        taktgeber_in_scenario = taktgeber
    report = analyse_graph(scenario, designated=taktgeber_in_scenario, seed=seed, lang=lang,
                           assumed=taktgeber is not None, today=today,
                           explain=TAKTGEBER_LIMIT)
    timings = {"build": clock.timings["build"]}
    if baseline is not None:
        timings.update({f"baseline_{k}": v for k, v in baseline["timings_ms"].items()})
        t = CLOCK()
        report["whatif"] = compare(baseline, report, G, without=without, taktgeber=taktgeber,
                                   lang=lang)
        timings["whatif"] = round(1000 * (CLOCK() - t), 1)
    timings.update(report["timings_ms"])
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 1)
    report["timings_ms"] = timings
    report["taktgeber"] = report["taktgeber"][:TAKTGEBER_LIMIT] + [
        r for r in report["taktgeber"][TAKTGEBER_LIMIT:] if r["designated"]]
    return report


def _designated(G: nx.MultiDiGraph, bundle: Mapping) -> str | None:
    """The Taktgeber the network designated by an adopted rule: ``region.taktgeber``, else
    the actor of the latest adopted rule of kind ``taktgeber`` (None when there is none)."""
    key = (bundle.get("region") or {}).get("taktgeber")
    if key is None:
        rule = latest_adopted(bundle.get("rules") or [], "taktgeber")
        key = rule.get("actor") if rule else None
    if key is None:
        return None
    if key not in G or G.nodes[key]["type"] != "actor":
        raise ValueError(f"region.taktgeber {key!r} ist kein Akteur dieses Netzwerks.")
    return key


def without_node(G: nx.MultiDiGraph, key: str) -> nx.MultiDiGraph:
    """Return a copy of ``G`` without ``key`` (a municipality goes with its actors)."""
    if key not in G:
        raise ValueError(f"unknown key {key!r}")
    H = G.copy()
    if G.nodes[key]["type"] == "municipality":
        H.remove_nodes_from([a for a, _m, k in G.in_edges(key, keys=True) if k == "acts_for"])
    H.remove_node(key)
    return H


def analyse_graph(G: nx.MultiDiGraph, *, designated: str | None = None, seed: int = 0,
                  exact: bool | None = None, lang: str = "de", assumed: bool = False,
                  today: dt.date | None = None, explain: int | None = None) -> dict:
    """Return the report for graph ``G`` (see :func:`analyse`) with the full Taktgeber ranking.

    ``designated`` is marked beside the computed ranking; with ``assumed`` (the what-if "X
    becomes Taktgeber") its level and mandate count as fulfilled (see
    :func:`graphs.taktgeber.rank_taktgeber`).
    ``exact`` forces exact (True) or sampled (False) betweenness; by default the size decides.
    ``lang`` ("de" or "en") is the language of the report's sentences; ``today`` the
    reference date (default today). The Taktgeber weights come from the rules in
    ``G.graph["rules"]`` (:func:`graphs.taktgeber.weights_in_force`). ``explain``: only
    the first that many candidates (and a designated one) get their ``explanation``, the
    others None (default: every candidate).
    """
    with analysis_scope(G):
        return _analyse_graph(G, designated=designated, seed=seed, exact=exact, lang=lang,
                              assumed=assumed, today=today, explain=explain)


def _analyse_graph(G, *, designated, seed, exact, lang, assumed, today, explain) -> dict:
    check_lang(lang)
    today = dt.date.today() if today is None else today
    weights, weights_rule = weights_in_force(G.graph.get("rules"))
    clock = _Clock()
    U = network_graph(G)
    csr = to_csr(U)
    contact = municipality_graph(G, regional=True)
    munis = nodes_of_type(G, "municipality")
    evidence = Evidence(G)  # one index of the records for the ranking and the gaps
    clock.lap("network")
    partition = communities(contact, seed=seed)
    community_of = {x: i for i, members in enumerate(partition) for x in members}
    components = list(nx.connected_components(U))
    main = main_component(U, components)
    core = core_periphery(contact)
    cover = coordinating_cover(G, designated)
    clock.lap("structure")
    cuts = cut_structure(U, main)
    clock.lap("structure")
    ranked = rank_taktgeber(G, U, community_of=community_of, designated=designated, seed=seed,
                            exact=exact, csr=csr, cut_pairs=cuts["cut_pairs"], lang=lang,
                            assumed=assumed, weights=weights, main=main,
                            today=today.isoformat(), evidence=evidence, explain=explain)
    clock.lap("taktgeber")
    transfer = transfer_paths(G, U, lang=lang, today=today.isoformat())
    solutions = solutions_report(G, U, today=today.isoformat())
    clock.lap("transfer")
    context = {"U": U, "main": main, "contact": contact, "partition": partition,
               "cover": cover, "ranking": ranked["ranking"], "transfer": transfer,
               "cuts": cuts, "lang": lang, "designated": designated, "today": today,
               "evidence": evidence, "components": components}
    gaps = find_gaps(G, context)
    clock.lap("gaps")
    organisation = org_models(G, cover)
    facts = summary(G, U, contact.subgraph(munis), main, components)
    muni_set = set(munis)
    facts.update({
        "communities": sum(1 for c in partition if any(m in muni_set for m in c)),
        "candidates": len(candidates(G, designated)),
        "gaps": len(gaps),
        "brokerage": ranked["method"],
        "seed": seed,
    })
    clock.lap("report")
    return {
        "region": G.graph.get("region", {}).get("slug"),
        "summary": facts,
        "taktgeber": ranked["ranking"],
        "gaps": gaps,
        "transfer": transfer,
        "solutions": solutions,
        "communities": [c for c in ([m for m in members if m in muni_set]
                                    for members in partition) if c],
        "core_periphery": core,
        "org_models": organisation,
        "weights": weights,
        "weights_rule": weights_rule,
        "whatif": None,
        "timings_ms": clock.timings,
    }


def compare(before: dict, after: dict, G: nx.MultiDiGraph, *, without: str | None = None,
            taktgeber: str | None = None, lang: str = "de") -> dict:
    """Return what changed from the ``before`` report to the ``after`` (what-if) report.

    Gaps are matched by kind and keys: ``gaps_closed`` are in ``before`` only (those about the
    removed node itself are left out, they simply went with it: ``gaps_went`` counts them),
    ``gaps_opened`` in ``after``
    only, ``gaps_changed`` kept kind and keys but changed severity; ``gaps_reworded`` counts
    those whose only change is their text (e.g. another body suggested to close them).
    ``ranking_changes`` lists the candidates (among the first ``TAKTGEBER_LIMIT`` before or
    after) whose rank or score changed; ``summary_changes`` the summary counts that differ,
    as ``[before, after]``;
    ``message`` sums it up in ``lang`` ("de" or "en", that of both reports).
    """
    gone = {without} if without is not None else set()
    if without is not None and G.nodes[without]["type"] == "municipality":
        gone |= {a for a, _m, k in G.in_edges(without, keys=True) if k == "acts_for"}

    def index(report):
        return {(g["kind"], tuple(g["keys"])): g for g in report["gaps"]}

    old, new = index(before), index(after)
    if without is not None:
        _cut_off_by_departure(G, before, after, [g for key, g in new.items() if key not in old])
        new = index(after)  # re-sorted
    closed = [g for key, g in old.items() if key not in new and not gone & set(g["keys"])]
    went = [g for key, g in old.items() if key not in new and gone & set(g["keys"])]
    opened = [g for key, g in new.items() if key not in old]
    changed = [{"kind": g["kind"], "keys": g["keys"],
                "severity": [old[key]["severity"], g["severity"]],
                "message": [old[key]["message"], g["message"]]}
               for key, g in new.items() if key in old
               and old[key]["severity"] != g["severity"]]
    reworded = sum(1 for key, g in new.items() if key in old
                   and old[key]["severity"] == g["severity"]
                   and old[key]["message"] != g["message"])
    rank_before = {r["key"]: r for r in before["taktgeber"]}
    rank_after = {r["key"]: r for r in after["taktgeber"]}
    shown = {r["key"] for r in before["taktgeber"][:TAKTGEBER_LIMIT]} | {
        r["key"] for r in after["taktgeber"][:TAKTGEBER_LIMIT]}
    changes = []
    for key in shown:
        b, a = rank_before.get(key), rank_after.get(key)
        if b and a and b["rank"] == a["rank"] and abs(b["score"] - a["score"]) < 1e-4:
            continue
        changes.append({"key": key, "name": (a or b)["name"],
                        "rank_before": b["rank"] if b else None,
                        "rank_after": a["rank"] if a else None,
                        "score_before": b["score"] if b else None,
                        "score_after": a["score"] if a else None})
    changes.sort(key=lambda c: (c["rank_after"] is None, c["rank_after"] or 0,
                                c["rank_before"] or 0, c["key"]))
    summary_changes = {k: [v, after["summary"].get(k)] for k, v in before["summary"].items()
                       if isinstance(v, int | float) and after["summary"].get(k) != v}
    return {
        "without": without,
        "taktgeber": taktgeber,
        "gaps_closed": closed,
        "gaps_went": len(went),
        "gaps_opened": opened,
        "gaps_changed": changed,
        "gaps_reworded": reworded,
        "ranking_changes": changes,
        "summary_changes": summary_changes,
        "message": _whatif_message(G, without, taktgeber, closed, opened, changed, before, after,
                                   lang, went=len(went)),
    }


def _cut_off_by_departure(G: nx.MultiDiGraph, before: dict, after: dict, opened: list) -> None:
    """Rate the members a departure cuts off like any known isolation.

    An isolated municipality whose units are known only from assumed records gets a low
    gap, since its isolation may be missing data (:func:`graphs.gaps.isolated_member`). In
    a what-if "X leaves" a municipality that was connected before and is cut off after is
    the departure's consequence, not missing data: its gap is high when a member is cut
    off, else medium, like a link it loses (``bridge``). ``after``'s gaps are re-sorted.
    """
    isolated_before = {k for g in before["gaps"] if g["kind"] == "isolated_member"
                       for k in g["keys"]}
    raised = False
    for gap in opened:
        if gap["kind"] != "isolated_member" or gap["severity"] != "low" or \
                set(gap["keys"]) <= isolated_before:
            continue
        members = any(G.nodes[m].get("tier") in MEMBER_TIERS for m in gap["keys"])
        gap["severity"] = "high" if members else "medium"
        raised = True
    if raised:
        order = {kind: i for i, kind in enumerate(GAP_KINDS)}
        after["gaps"].sort(key=lambda g: (SEVERITY_ORDER[g["severity"]], order[g["kind"]],
                                          g["keys"]))


def _whatif_message(G, without, taktgeber, closed, opened, changed, before, after,
                    lang="de", went=0) -> str:
    scenario = []
    if without is not None:
        scenario.append(say(lang, "whatif.without", node=the(G, without, "acc", lang)))
    if taktgeber is not None:
        scenario.append(say(lang, "whatif.taktgeber", actor=the(G, taktgeber, "dat", lang)))
    counts = [plural(lang, "whatif.opened", len(opened)),
              plural(lang, "whatif.closed", len(closed)),
              plural(lang, "whatif.changed", len(changed))]
    if went:  # so that the counts add up to the difference of the totals
        counts.append(plural(lang, "whatif.went", went, node=the(G, without, "acc", lang)))
    text = say(lang, "whatif.message", counts=join(counts, lang),
               scenario=sentence(f" {say(lang, 'and')} ".join(scenario)))
    top_before = min(before["taktgeber"], key=lambda r: r["rank"], default=None)
    top_after = min(after["taktgeber"], key=lambda r: r["rank"], default=None)
    if top_before and top_after and top_before["key"] != top_after["key"]:
        text += say(lang, "whatif.top", after=top_after["name"], before=top_before["name"])
    return text
