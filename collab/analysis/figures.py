"""The analysis report's charts in the interface language (:mod:`collab.analysis.charts`
drawn from a report): shared by the analysis page and the PDF reports."""

from __future__ import annotations

from flask_babel import format_decimal, pgettext
from flask_babel import gettext as _
from markupsafe import Markup

import graphs
from collab.analysis import charts
from collab.core import vocab

#: candidates drawn in the Taktgeber chart
TOP_CANDIDATES = 10
#: members drawn in the level matrix (the table below lists them all)
MATRIX_ROWS = 60


def _fmt(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


def _score(value: float) -> str:
    """A Taktgeber value (and the scale's ticks) with two decimals, as the ranking's table
    writes it ("0,10", not "0,1")."""
    return format_decimal(value, format="#,##0.00")


def taktgeber_chart(report: dict, part_labels: dict, *, top: int = TOP_CANDIDATES,
                    phone: bool = False) -> Markup:
    """The best candidates' Taktgeber values; ``phone``: the drawing for a phone's width
    (names above the bars), id ``chart-taktgeber-phone``."""
    weights = report.get("weights") or graphs.WEIGHTS
    candidates = [{"name": r["name"], "score": r["score"], "parts": r["parts"],
                   "weights": weights, "rank_range": r.get("rank_range")}
                  for r in report["taktgeber"][:top]]
    return charts.taktgeber_bars(
        candidates, part_labels, _("Taktgeber-Wert der bestplatzierten Kandidaten"),
        rank_text=_("Rang {best}–{worst}"), rank_text_one=_("Rang {best}"), max_value=1,
        empty_text=_("Keine Kandidaten"), fmt=_score,
        chart_id="chart-taktgeber-phone" if phone else "chart-taktgeber", phone=phone)


def level_chart(report: dict, names: dict, *, rows: int = MATRIX_ROWS,
                phone: bool = False) -> Markup:
    """The levels of each member, each in its state by the rule of the gaps and the
    overview (:func:`graphs.structure.level_states`: vorhanden, angenommen, fehlt, nicht
    erfasst); ``phone``: the drawing for a phone's width (names above the cells), id
    ``chart-levels-phone``."""
    shown = {"documented": "present", "assumed": "assumed", "missing": "missing",
             "unrecorded": "unrecorded"}
    data = []
    for m in report["org_models"]["members"][:rows]:
        states = {}
        for level in vocab.LEVELS:
            if m.get("states"):
                states[level] = shown[m["states"][level]]
            else:  # a report stored before the states: has or lacks
                covered = level == "coordinating" and m.get("covered_by")
                states[level] = "present" if m["levels"].get(level) or covered else "missing"
        data.append((names.get(m["key"], m["key"]), states))
    return charts.level_matrix(
        data, [(k, str(v)) for k, v in vocab.LEVELS.items()],
        {"present": _("vorhanden"), "assumed": pgettext("provenance", "angenommen"),
         "missing": _("fehlt"), "unrecorded": _("nicht erfasst")},
        _("Ebenen jeder Mitgliedskommune"), empty_text=_("Keine Mitglieder"),
        chart_id="chart-levels-phone" if phone else "chart-levels", phone=phone)


def gaps_chart(report: dict, kind_labels: dict, severity_labels: dict, *,
               phone: bool = False) -> Markup:
    """The gaps by kind and severity; ``phone``: the drawing for a phone's width (labels
    above the bars), id ``chart-gaps-phone``."""
    counts: dict = {}
    for gap in report["gaps"]:
        counts.setdefault(gap["kind"], {}).setdefault(gap["severity"], 0)
        counts[gap["kind"]][gap["severity"]] += 1
    order = {k: i for i, k in enumerate(graphs.GAP_KINDS)}
    data = [(str(kind_labels.get(k, k)), counts[k])
            for k in sorted(counts, key=lambda k: (-sum(counts[k].values()), order.get(k, 99)))]
    return charts.gaps_by_kind(data, {k: str(v) for k, v in severity_labels.items()},
                               _("Lücken nach Art und Dringlichkeit"),
                               empty_text=_("Keine Lücken"), fmt=_fmt,
                               chart_id="chart-gaps-phone" if phone else "chart-gaps",
                               phone=phone)


def topic_chart(report: dict, *, phone: bool = False) -> Markup:
    """Members with and without experience per topic; ``phone``: the drawing for a phone's
    width (topics above the bars), id ``chart-topics-phone``."""
    data = [(str(vocab.TOPICS.get(t["topic"], t["topic"])), t["n_sources"], t["n_targets"])
            for t in report.get("transfer") or []]
    return charts.topic_experience(
        data, {"experienced": _("mit Erfahrung"), "inexperienced": _("ohne Erfahrung")},
        _("Mitglieder mit und ohne Erfahrung je Handlungsfeld"),
        empty_text=_("Noch keine Themen mit Erfahrung"), fmt=_fmt,
        chart_id="chart-topics-phone" if phone else "chart-topics", phone=phone)


def report_charts(report: dict, names: dict, part_labels: dict, kind_labels: dict,
                  severity_labels: dict, *, phone: bool = True) -> dict[str, Markup]:
    """The four charts of a report: ``taktgeber``, ``levels``, ``gaps``, ``topics``, and
    with ``phone`` each one's drawing for a phone, ``…_phone`` (the page shows it instead of
    the wide one on a narrow screen; a PDF has no use for them)."""
    charts = {"taktgeber": taktgeber_chart(report, part_labels),
              "levels": level_chart(report, names),
              "gaps": gaps_chart(report, kind_labels, severity_labels),
              "topics": topic_chart(report)}
    if phone:
        charts.update({
            "taktgeber_phone": taktgeber_chart(report, part_labels, phone=True),
            "levels_phone": level_chart(report, names, phone=True),
            "gaps_phone": gaps_chart(report, kind_labels, severity_labels, phone=True),
            "topics_phone": topic_chart(report, phone=True)})
    return charts


def ballot_chart(tally) -> Markup:
    """A Spielregel ballot's tally (a mapping or object with ``yes``, ``no``, ``abstain``,
    ``eligible`` and optionally ``needed``, the quorum) as one bar of the eligible
    municipalities."""
    def get(name, default=0):
        value = tally.get(name, default) if isinstance(tally, dict) else getattr(
            tally, name, default)
        return default if value is None else value
    yes, no, abstain = int(get("yes")), int(get("no")), int(get("abstain"))
    not_voted = max(0, int(get("eligible")) - yes - no - abstain)
    needed = get("needed", None)
    return charts.ballot_tally(
        yes, no, abstain, not_voted,
        {"yes": _("Ja"), "no": _("Nein"), "abstain": _("Enthaltung"),
         "not_voted": _("Nicht abgestimmt")},
        _("Quorum: %(q)d Stimmen", q=int(needed)) if needed is not None else None,
        title=_("Stimmen der Mitgliedskommunen"),
        empty_text=_("Keine stimmberechtigten Kommunen"), fmt=_fmt)
