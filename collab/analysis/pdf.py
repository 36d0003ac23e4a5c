"""The PDF reports (WeasyPrint): the region's report for a meeting and the one-member report
("Ratsvorlage") of a municipality, in the interface language.

Both are HTML templates (``templates/analysis/report_pdf.html``,
``templates/analysis/member_pdf.html``) with the server's SVG charts inline, rendered by
WeasyPrint with a URL fetcher that loads nothing: a report never asks another host (or this
one) for anything.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

import graphs
from collab.analysis import figures
from collab.core.localtime import local_time, local_today
from collab.core.records import network_records


def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: refuses every URL (the templates need none)."""
    raise ValueError(f"the PDF report loads nothing ({url})")


def render(html: str) -> bytes:
    from weasyprint import HTML
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def provenance_share(region) -> dict:
    """How many of the region's records (memberships, actors, ties, participations) are
    documented, self-reported, confirmed or assumed: ``{"total", "counts", "shares"}``."""
    records = network_records(region)
    counts: dict = {}

    def count(value):
        counts[value or "documented"] = counts.get(value or "documented", 0) + 1
    for part in ("municipalities", "actors", "ties"):
        for record in records.get(part) or []:
            count(record.get("provenance"))
    for initiative in records.get("initiatives") or []:
        for p in initiative.get("participants") or []:
            count(p.get("provenance"))
    total = sum(counts.values())
    return {"total": total, "counts": counts, "shares": whole_percent_shares(counts)}


def whole_percent_shares(counts: dict) -> dict:
    """Shares of ``counts`` in whole percent that add up to 100 (largest remainders get the
    points rounding left over), as fractions; a share under half a percent keeps its exact
    value (printed "unter 1 %") rather than 0.

    >>> whole_percent_shares({"a": 1, "b": 1, "c": 1})
    {'a': 0.34, 'b': 0.33, 'c': 0.33}
    """
    total = sum(counts.values())
    if not total:
        return {k: 0.0 for k in counts}
    exact = {k: 100 * v / total for k, v in counts.items()}
    whole = {k: int(e) for k, e in exact.items()}
    for k in sorted(exact, key=lambda k: (whole[k] - exact[k], k))[:100 - sum(whole.values())]:
        whole[k] += 1
    return {k: (whole[k] / 100 if whole[k] else counts[k] / total) for k in counts}


def data_state(region, report_version: int | None) -> dict:
    """The report's "Datenstand": ``at``, when the region's data last changed, in local
    time ("22.11.2026, 18:00 MEZ"; "" when not known), ``version``, the data version the
    report was computed from, and ``current``, whether that is the region's data now (else
    the report is of the data before the last change, whose analysis is still running)."""
    current = region.data_version or 0
    version = current if report_version is None else report_version
    return {"at": local_time(region.data_changed_at) if region.data_changed_at else "",
            "version": version, "current": version == current}


def region_report_pdf(region, report: dict, keys: dict, charts: dict, context: dict) -> bytes:
    """The region's report as PDF bytes."""
    html = render_template("analysis/report_pdf.html", region=region, report=report,
                           keys=keys, charts=charts, today=local_today(),
                           provenance=provenance_share(region),
                           explanation=graphs.SCORE_EXPLANATION[context["lang"]], **context)
    return render(html)


def member_report_pdf(region, municipality, report: dict, keys: dict, context: dict) -> bytes:
    """The one-member report ("Ratsvorlage") of ``municipality`` as PDF bytes: where it
    stands (levels, initiatives, gaps), what it could join (transfer paths towards it,
    initiatives of its topics), its open decisions (ballots it has not voted in)."""
    key = municipality.key
    own_actors = {k for k, o in keys.items() if o.get("municipality") == key}
    gaps = [g for g in report["gaps"] if key in (g.get("keys") or [])
            or own_actors & set(g.get("keys") or [])]
    levels = next((m for m in report["org_models"]["members"] if m["key"] == key), None)
    learn = []
    for t in report.get("transfer") or []:
        for p in t.get("paths") or []:
            if p.get("to") == key:
                learn.append({"topic": t["topic"], "path": p})
    teach = [t["topic"] for t in report.get("transfer") or [] if key in (t.get("sources") or [])]
    ranked = [r for r in report["taktgeber"] if r["key"] in own_actors]
    chart = figures.level_chart({"org_models": {"members": [levels]}}, {key: municipality.name}
                                ) if levels else None
    html = render_template("analysis/member_pdf.html", region=region, m=municipality,
                           report=report, keys=keys, gaps=gaps, levels=levels, learn=learn,
                           teach=teach, ranked=ranked, level_chart=chart, today=local_today(),
                           title=_("Ratsvorlage"), **context)
    return render(html)
