"""The analysis page of a region: summary, Taktgeber ranking, gaps, transfer paths,
structure and what-if, all from the cached report
(:func:`collab.analysis.reports.latest`: the shared report store; never computed in the
request)."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

import graphs
from collab.analysis import figures, pdf, reports
from collab.core import permissions as perm
from collab.core import vocab, web
from collab.core.caching import LRU, Shared, digest, version_key
from collab.core.collation import collation_key
from collab.core.localtime import local_today
from collab.core.models import (
    Actor,
    Initiative,
    Municipality,
    Participation,
    RegionMembership,
    Rule,
    Tie,
    Vote,
)
from collab.core.validation import ValidationError
from collab.core.web import select_locale
from collab.extensions import db
from collab.spielregeln import services as spielregeln
from graphs.transfer import TARGET_TIERS

bp = Blueprint("analysis", __name__, url_prefix="/regions")

#: Candidates explained part by part (the rest are rows of the ranking table).
DETAILED = 10
#: Members shown in the organisation-model table (a national network has thousands).
MEMBER_ROWS = 200
#: Decimals of the points in a candidate's table (their sum is shown with as many).
POINT_DIGITS = 3
#: Gaps shown per group and page.
GAPS_PER_PAGE = 20
#: Up to this many keys the what-if controls are select lists; above, text fields.
SELECT_LIMIT = 1500

SEVERITIES = vocab.GAP_SEVERITIES
GAP_KINDS = vocab.GAP_KINDS
PARTS = {
    "brokerage": (_l("Vermittlung zwischen Kommunen"), _l(
        "Wie oft die Stelle auf den kürzesten Wegen zwischen zwei Mitgliedskommunen liegt und "
        "zwischen Gruppen vermittelt, die sonst nicht direkt verbunden sind – verglichen mit "
        "der stärksten Stelle des Netzwerks.")),
    "mandate": (_l("Mandat"), _l(
        "Ob das Netzwerk die Stelle beauftragt hat: 1 bei einer beschlossenen Benennung als "
        "Taktgeber oder einem Auftrag (oder einer Finanzierung) der politischen Ebene "
        "mehrerer Mitglieder bzw. eines Kreises für seine Gemeinden; 0,5 beim Auftrag nur der "
        "eigenen Kommune; 0,25 bei nur mittelbarem Rückhalt; sonst 0.")),
    "takt": (_l("Takt"), _l(
        "Ob die Stelle wiederkehrende Formate (Jour fixe, Lenkungsrunde, Arbeitsgruppe …) "
        "mehrerer Mitglieder einlädt – gewichtet nach Rhythmus (wöchentlich mehr als "
        "jährlich) und Anteil der Mitglieder, die teilnehmen.")),
    "capacity": (_l("Kapazität"), _l(
        "Personal in Vollzeitstellen: 2 VZÄ ergeben 0,5, 6 VZÄ 0,75; ohne Angabe 0.")),
    "reach": (_l("Reichweite"), _l(
        "Anteil der Mitglieder, die die Stelle in höchstens zwei Schritten erreicht (über "
        "eine Verbindung oder eine gemeinsame Initiative).")),
    "coverage": (_l("Abdeckung der Teilnetze"), _l(
        "Anteil der Teilnetze (eng verbundene Gruppen von Kommunen) des zusammenhängenden "
        "Netzes, die so erreicht werden; Mitglieder ohne Verbindung zum Netz zählen nicht als "
        "Teilnetz.")),
    "level": (_l("Passende Ebene"), _l(
        "Koordinierende Stellen passen am besten (1), die politisch-strategische Ebene halb "
        "(0,5), die Umsetzungsebene wenig (0,25).")),
    "loss": (_l("Verlust bei Ausscheiden"), _l(
        "Wie stark die Erreichbarkeit zwischen den Kommunen sinkt, wenn die Stelle wegfällt – "
        "verglichen mit der Stelle, deren Wegfall am meisten schadet.")),
}
SUMMARY = {
    "municipalities": _l("Mitgliedskommunen"), "actors": _l("Akteure"),
    "initiatives": _l("Initiativen"), "ties": _l("Verbindungen"),
    "density": _l("Dichte des Netzwerks"),
    "municipality_density": _l("Dichte zwischen Kommunen"),
    "components": _l("Zusammenhangskomponenten"),
    "main_component_share": _l("Anteil im größten Teil"),
    "communities": _l("Teilnetze (Communities)"), "candidates": _l("Taktgeber-Kandidaten"),
    "gaps": _l("Lücken"),
    "ties_confirmed": _l("bestätigte Verbindungen (von beiden Seiten gemeldet)"),
    "ties_self_reported": _l("selbst gemeldete Verbindungen"),
}


@bp.before_request
@login_required
def require_login():
    """The analysis is for every signed-in account (viewer and up)."""


#: decimals of a density wherever the analysis shows one (:func:`_figure`; 0,042: a sparse
#: network needs three)
DENSITY_DIGITS = 3


def _num(value, digits: int = 2) -> str:
    return format_decimal(value, format="0." + "0" * digits) if digits else \
        format_decimal(value, format="0")


def _figure(key: str, value) -> str:
    """The summary's figure ``key`` in the interface language's notation, as the overview
    shows it: a share as a percentage ("96 %"), a density with three decimals ("0,042" in
    German, "0.042" in English), a count as it is."""
    if value is None:
        return "–"
    if key.endswith("_share"):
        return _pct(value)
    if key.endswith("density"):
        return _num(value, DENSITY_DIGITS)
    return format_decimal(value)


def whatif_options(keys: dict[str, dict]) -> dict[str, list[tuple[str, str]]]:
    """The what-if select lists: kind -> (key, name) sorted by :func:`collation_key`."""
    options: dict[str, list[tuple[str, str]]] = {kind: [] for kind in reports.WHATIF_KINDS}
    for key, o in keys.items():
        if o["kind"] in options:
            options[o["kind"]].append((key, o["name"]))
    return {kind: sorted(items, key=lambda kn: (collation_key(kn[1]), kn[0]))
            for kind, items in options.items()}


def _pct(share: float) -> str:
    """A share as a whole percentage in the interface language's notation ("96 %", "96%")."""
    return format_percent(share) if share >= 0.01 or share == 0 else _("unter 1 %")


def mandate_ties(region, actor_keys: list[str]) -> dict[str, str]:
    """For each actor: who mandates, funds it or receives its reports (the ties behind the
    mandate part), as one German phrase."""
    if not actor_keys:
        return {}
    src, tgt = sa.orm.aliased(Actor), sa.orm.aliased(Actor)
    rows = db.session.execute(
        sa.select(Tie.kind, src.key, src.name, src.level, tgt.key, tgt.name, tgt.level)
        .join(src, Tie.source_id == src.id).join(tgt, Tie.target_id == tgt.id)
        .where(Tie.region_id == region.id, Tie.kind.in_(("mandate", "funding", "reporting")),
               sa.or_(src.key.in_(actor_keys), tgt.key.in_(actor_keys)))
        .order_by(src.sort_name, tgt.sort_name, src.key, tgt.key))
    found: dict[str, dict[str, list]] = {}
    for kind, s_key, s_name, s_level, t_key, t_name, t_level in rows:
        if kind in ("mandate", "funding") and t_key in actor_keys and (
                kind == "mandate" or s_level == "strategic"):
            found.setdefault(t_key, {}).setdefault(kind, []).append(s_name)
        if kind == "reporting" and s_key in actor_keys and t_level == "strategic":
            found.setdefault(s_key, {}).setdefault(kind, []).append(t_name)
    titles = {"mandate": _("beauftragt von"), "funding": _("finanziert von"),
              "reporting": _("berichtet an")}
    return {key: "; ".join(f"{titles[k]} {', '.join(v)}" for k, v in sorted(kinds.items()))
            for key, kinds in found.items()}


def communities_counted(row: dict, summary: dict) -> int:
    """How many communities a candidate's coverage part counts: those of the connected
    network (``raw.communities_counted``), fewer than the summary's ``communities`` when a
    member has no tie to the network (it is a community of its own there). A report stored
    before the raw figure existed gives it back through the part itself (reached / share)."""
    raw = row["raw"]
    if "communities_counted" in raw:
        return raw["communities_counted"]
    share = row["parts"].get("coverage") or 0.0
    if share > 0:
        return round(raw["communities_reached"] / share)
    return summary["communities"]


def count_notes(report: dict, region) -> dict:
    """What the differing counts of members and communities on the page count, so that
    the overview can say it (from the report's data and the region's voting tiers):
    ``members`` (all, the overview's figure), ``voting`` (of the voting tiers: the
    Spielregeln ballots), ``targets`` (pioneers and members: whom knowledge transfer is
    for, :data:`graphs.transfer.TARGET_TIERS`; supporters only pass it on),
    ``communities`` (the overview's, a member without a tie counted as one of its own) and
    ``connected`` (those of the connected network, which a candidate's coverage counts;
    None without candidates)."""
    tiers = [m.get("tier") for m in report["org_models"]["members"]]
    summary = report["summary"]
    return {"members": summary["municipalities"],
            "voting": sum(t in region.voting_tier_list for t in tiers),
            "voting_tiers": region.voting_tier_list,
            "targets": sum(t in TARGET_TIERS for t in tiers),
            "communities": summary["communities"],
            "connected": communities_counted(report["taktgeber"][0], summary)
            if report["taktgeber"] else None}


def part_reason(part: str, row: dict, summary: dict) -> str:
    """The raw figures behind one part of a candidate's score, in words."""
    raw, parts = row["raw"], row["parts"]
    if part == "brokerage":
        return _("liegt auf %(share)s der kürzesten Wege zwischen Mitgliedskommunen; "
                 "vermittelt %(liaison)d-mal zwischen fremden Gruppen und vertritt "
                 "%(rep)d-mal die eigene Kommune nach außen",
                 share=_pct(raw["path_share"]), liaison=raw["liaison"],
                 rep=raw["representative"])
    if part == "reach":
        return _("erreicht %(n)d von %(of)d Mitgliedern in zwei Schritten",
                 n=raw["members_reached"], of=summary["municipalities"])
    if part == "coverage":
        return _("erreicht %(n)d von %(of)d Teilnetzen des zusammenhängenden Netzes",
                 n=raw["communities_reached"], of=communities_counted(row, summary))
    if part in ("level", "mandate") and row.get("assumed"):
        return _("als Taktgeber angenommen: als erfüllt gewertet")
    if part == "level":
        return {1.0: _("koordinierende Ebene"), 0.5: _("politisch-strategische Ebene"),
                0.25: _("Umsetzungsebene")}.get(parts["level"], _("Ebene unbekannt"))
    if part == "mandate":
        text = {"rule": _("per Spielregel als Taktgeber benannt"),
                "network": _("Auftrag der politischen Ebene mehrerer Mitglieder"),
                "own": _("Auftrag nur der eigenen Kommune, zählt für die regionale Rolle halb"),
                "indirect": _("nur mittelbar: Finanzierung durch oder Berichtslinie zur "
                              "politischen Ebene")}.get(
            raw.get("mandate"), _("kein Auftrag der politischen Ebene"))
        return f"{text} ({row['mandate_by']})" if row.get("mandate_by") else text
    if part == "takt":
        count = raw.get("formats_convened") or 0
        if not count:
            return _("lädt zu keinem wiederkehrenden Format mehrerer Mitglieder ein")
        return ngettext("lädt zu %(num)d wiederkehrenden Format mehrerer Mitglieder ein",
                        "lädt zu %(num)d wiederkehrenden Formaten mehrerer Mitglieder ein",
                        count)
    if part == "capacity":
        if raw.get("fte") is None:
            return _("keine Angabe zum Personal")
        return _("%(fte)s VZÄ", fte=_num(raw["fte"], 1))
    if "pairs_cut" in raw:
        return _("ohne sie wären %(share)s der Kommunenpaare getrennt",
                 share=_pct(raw["efficiency_drop"]))
    return _("ohne sie sinkt die Erreichbarkeit zwischen den Kommunen um %(share)s",
             share=_pct(raw["efficiency_drop"]))


def part_order(weights: dict[str, float] | None = None) -> list[tuple[str, str, float]]:
    """The parts of the score as (part, label, weight), heaviest first; ``weights``: those
    in force (the report's, set by an adopted criteria rule), else the defaults."""
    weights = weights or graphs.WEIGHTS
    return [(p, PARTS[p][0], w) for p, w in sorted(weights.items(), key=lambda pw: -pw[1])]


def taktgeber_rows(report: dict, mandates: dict[str, str] | None = None) -> list[dict]:
    """The ranking with each part: label, meaning, weight, value, points and figures;
    ``mandates`` (actor -> :func:`mandate_ties` phrase) names the ties behind the mandate.

    Points are rounded to ``POINT_DIGITS`` decimals and ``points_sum`` is the sum of those
    rounded points, so the table adds up as shown."""
    rows = []
    for row in report["taktgeber"]:
        row = {**row, "mandate_by": (mandates or {}).get(row["key"])}
        parts = [{"part": p, "label": label, "meaning": PARTS[p][1], "weight": w,
                  "value": row["parts"].get(p, 0.0),
                  "points": round(w * row["parts"].get(p, 0.0), POINT_DIGITS),
                  "reason": part_reason(p, row, report["summary"])}
                 for p, label, w in part_order(report.get("weights"))]
        rows.append({**row, "part_rows": parts,
                     "points_sum": round(sum(p["points"] for p in parts), POINT_DIGITS)})
    return rows


def gap_groups(gaps: list[dict], open_group: str | None, page: int) -> list[dict]:
    """Gaps grouped by severity and kind (most severe first), each group paginated."""
    order = {k: i for i, k in enumerate(graphs.GAP_KINDS)}
    groups: dict[tuple, list] = {}
    for gap in gaps:
        groups.setdefault((gap["severity"], gap["kind"]), []).append(gap)
    result = []
    for (severity, kind), items in sorted(groups.items(), key=lambda kv: (
            list(SEVERITIES).index(kv[0][0]), order.get(kv[0][1], 99))):
        ident = f"{severity}-{kind}"
        pages = max(1, -(-len(items) // GAPS_PER_PAGE))
        current = min(max(page, 1), pages) if ident == open_group else 1
        start = (current - 1) * GAPS_PER_PAGE
        result.append({"id": ident, "severity": severity, "kind": kind,
                       "title": GAP_KINDS.get(kind, kind), "total": len(items),
                       "items": items[start:start + GAPS_PER_PAGE], "page": current,
                       "pages": pages, "open": ident == open_group or (
                           severity == "high" and open_group is None)})
    return result


def _whatif_args() -> tuple[str | None, str | None]:
    return (request.args.get("without", "").strip() or None,
            request.args.get("taktgeber", "").strip() or None)


@bp.get("/<slug>/analysis")
def page(slug: str):
    """The analysis of the newest stored report. Never waits for the analysis: while the
    current data's report is being computed, the last one is shown marked "wird neu
    berechnet" (or, before the first, the progress), and the page reloads itself when the
    new report is ready (``static/js/analysis-status.js`` polls :func:`status`)."""
    region = perm.get_region(slug)
    lang = select_locale()  # the report's sentences in the interface language
    without, taktgeber = _whatif_args()
    problems, status = [], 200
    keys = None
    if without or taktgeber:
        keys = reports.directory(region)
        try:
            reports.check_whatif(region, without, taktgeber, keys)
        except ValidationError as exc:
            problems, status = exc.problems, 422
            without = taktgeber = None
    latest = reports.latest(region, without=without, taktgeber=taktgeber, lang=lang)
    status_url = url_for("analysis.status", slug=region.slug, without=without,
                         taktgeber=taktgeber)
    if latest.report is None:
        return render_template("analysis/pending.html", region=region, latest=latest,
                               progress=latest.status(), status_url=status_url,
                               problems=problems, without=without, taktgeber=taktgeber,
                               keys=keys if keys is not None else reports.directory(region)),\
            status
    report = latest.report
    whatif = report.get("whatif") if (without or taktgeber) else None
    page_number = web.page_number()
    group = request.args.get("group")

    def render_body() -> Markup:
        nonlocal keys
        keys = reports.directory(region) if keys is None else keys
        return Markup(render_template(
            "analysis/_body.html", region=region, report=report, keys=keys,
            summary_labels=SUMMARY,
            rows=taktgeber_rows(report, mandate_ties(region, [
                r["key"] for r in report["taktgeber"]
                if r["rank"] <= DETAILED or r["designated"]])),
            detailed=DETAILED, member_rows=MEMBER_ROWS,
            groups=gap_groups(report["gaps"], group, page_number),
            severities=SEVERITIES, part_order=part_order(report.get("weights")),
            explanation=graphs.SCORE_EXPLANATION[lang],
            whatif=whatif, problems=problems,
            without=without, taktgeber=taktgeber, use_selects=len(keys) <= SELECT_LIMIT,
            options=whatif_options(keys) if len(keys) <= SELECT_LIMIT else None,
            weights_rule=_rule_by_key(region, report.get("weights_rule")),
            point_digits=POINT_DIGITS, num=_num, pct=_pct, figure=_figure,
            counts=count_notes(report, region), charts=report_charts(report, keys)))

    # The body is a function of the report (one per data version, what-if and language),
    # the page of the gap lists and what the viewer may do; it is rendered once per
    # process and then served from the cache (a report is replaced, never changed). Names
    # and links are those of its first rendering: at most one report behind.
    family = (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, without or "",
              taktgeber or "", lang, group, page_number, perm.can_add_tie(current_user, region))
    if problems:
        body = render_body()
    else:
        # while another process renders the new report's body, the one this process last
        # served for the same view is shown, as the last report ("wird neu berechnet"; the
        # page reloads itself), instead of waiting for it
        held_version, held = _last_bodies.find(family, (None, None))
        body = _bodies.get((latest.report_version, *family), render_body,
                           busy=(lambda: held) if held is not None else None)
        if body is held and held_version != latest.report_version:
            latest = dataclasses.replace(latest, state="stale")
        elif body is not held:
            _last_bodies.put(family, (latest.report_version, body))
    return render_template(
        "analysis/page.html", region=region, report=report, latest=latest,
        progress=latest.status(), status_url=status_url, whatif=whatif, body=body), status


#: Rendered bodies of the analysis page (see :func:`page`), shared by all processes and
#: hosts through Redis: a new report is rendered once, not once per worker. Each is a few
#: hundred kB at most, at national scale.
_bodies = Shared("analysis-body", 32, 3600, dumps=str,
                 loads=lambda raw: Markup(raw.decode("utf-8")))


#: the body this process last served per view (region, what-if, language, page of the
#: gaps, rights), with its report's data version
_last_bodies = LRU(16)


def report_charts(report: dict, keys: dict, *, phone: bool = True) -> dict:
    """The report's charts in the interface language (:func:`figures.report_charts`);
    ``phone``: with their drawings for a phone (the page's, not the PDF's)."""
    return figures.report_charts(
        report, {k: o["name"] for k, o in keys.items()},
        {p: str(label) for p, label, _w in part_order(report.get("weights"))},
        GAP_KINDS, SEVERITIES, phone=phone)


def _rule_by_key(region, key: str | None):
    """The region's rule with ``key`` (the adopted criteria rule the report names), if any."""
    if not key:
        return None
    return db.session.scalar(sa.select(Rule).filter_by(region_id=region.id, key=key))


@bp.get("/<slug>/analysis/status.json")
def status(slug: str):
    """Where the report of the current data stands (:meth:`reports.Latest.status`), with
    the same what-if arguments as the page; queues its computation when missing."""
    region = perm.get_region(slug)
    without, taktgeber = _whatif_args()
    if without or taktgeber:
        try:
            reports.check_whatif(region, without, taktgeber)
        except ValidationError as exc:
            return jsonify({"error": _("Die Eingabe ist ungültig."),
                            "details": [p.as_dict() for p in exc.problems]}), 422
    latest = reports.latest(region, without=without, taktgeber=taktgeber,
                            lang=select_locale())
    doc = latest.status()
    doc["detail"] = progress_text(doc)
    response = jsonify(doc)
    response.headers["Cache-Control"] = "no-store"
    return response


def progress_text(doc: dict) -> str:
    """One line about the computation in the interface language: queued, or running since
    so many seconds (and how long the last run took)."""
    if doc.get("job") == "queued":
        return _("Die Berechnung wartet auf einen freien Analyse-Prozess.")
    if doc.get("job") == "running":
        running = _num(doc.get("running_seconds") or 0, 0)
        if doc.get("expected_seconds"):
            return _("Läuft seit %(s)s s; die letzte Berechnung dauerte %(e)s s.",
                     s=running, e=_num(doc["expected_seconds"], 0))
        return _("Läuft seit %(s)s s.", s=running)
    return ""


# --- PDF reports ------------------------------------------------------------------------------


def _pdf_context(lang: str) -> dict:
    return {"lang": lang, "severities": SEVERITIES, "gap_kinds": GAP_KINDS,
            "summary_labels": SUMMARY, "num": _num, "pct": _pct, "figure": _figure}


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def _pending(region, latest, keys):
    status_url = url_for("analysis.status", slug=region.slug)
    response = make_response(render_template(
        "analysis/pending.html", region=region, latest=latest, progress=latest.status(),
        status_url=status_url, problems=[], without=None, taktgeber=None, keys=keys), 202)
    response.headers["Retry-After"] = "5"
    return response


@bp.get("/<slug>/report.pdf")
def report_pdf(slug: str):
    """The region's report as PDF (WeasyPrint): summary, charts, Taktgeber ranking with its
    explanation, the gaps as a to-do list, transfer paths, the charter, the date and the
    data's provenance share, in the interface language. While the first report is being
    computed, the progress page (202)."""
    region = perm.get_region(slug)
    keys = reports.directory(region)
    lang = select_locale()
    latest = reports.latest(region, lang=lang)
    if latest.report is None:
        return _pending(region, latest, keys)
    report = latest.report
    charter = spielregeln_charter(region)

    def make() -> bytes:
        context = _pdf_context(lang)
        context.update(data=pdf.data_state(region, latest.report_version),
                       counts=count_notes(report, region),
                       rows=taktgeber_rows(report)[:DETAILED],
                       part_order=part_order(report.get("weights")), charter=charter,
                       groups=gap_groups(report["gaps"], None, 1),
                       all_gaps=_gaps_by_severity(report))
        return pdf.region_report_pdf(region, report, keys,
                                     report_charts(report, keys, phone=False), context)

    # the same for every reader: its data, report, language, day ("Stand") and charter
    key = version_key(region) + (latest.report_version, latest.state, lang,
                                 local_today().isoformat(), digest(
                                     [(r.key, r.title, r.text, r.decided_at) for r in charter]))
    return _pdf_response(_pdfs.get(key, make), f"{region.slug}-bericht.pdf")


#: the region's PDF reports (seconds of WeasyPrint each), made once for all processes and
#: hosts per data version, report, language, day and charter
_pdfs = Shared("report-pdf", 8, 6 * 3600, dumps=bytes, loads=bytes, wait=30.0)


def _gaps_by_severity(report: dict) -> list[dict]:
    order = list(SEVERITIES)
    return sorted(report["gaps"], key=lambda g: order.index(g["severity"])
                  if g["severity"] in order else 99)


def spielregeln_charter(region) -> list:
    """The adopted rules, oldest first (the charter)."""
    rules = db.session.scalars(sa.select(Rule).filter_by(region_id=region.id,
                                                         status="adopted")).all()
    return sorted(rules, key=lambda r: (r.decided_at or r.created_at, r.id))


@bp.get("/<slug>/municipalities/<key>/report.pdf")
def member_report_pdf(slug: str, key: str):
    """One member's report ("Ratsvorlage") as PDF: where the municipality stands, what it
    could join, its open decisions."""
    region = perm.get_region(slug)
    municipality = db.session.scalar(
        sa.select(Municipality).join(RegionMembership).where(
            RegionMembership.region_id == region.id, Municipality.key == key))
    if municipality is None:
        abort(404)
    keys = reports.directory(region)
    lang = select_locale()
    latest = reports.latest(region, lang=lang)
    if latest.report is None:
        return _pending(region, latest, keys)
    own_actors = db.session.scalars(sa.select(Actor.id).where(
        Actor.region_id == region.id, Actor.municipality_id == municipality.id)).all()
    initiatives = db.session.scalars(
        sa.select(Initiative).where(Initiative.region_id == region.id, Initiative.id.in_(
            sa.select(Participation.initiative_id).where(
                Participation.actor_id.in_(own_actors)))).order_by(
        Initiative.sort_name, Initiative.key)).all() \
        if own_actors else []
    voted = sa.select(Vote.rule_id).where(Vote.municipality_id == municipality.id)
    open_rules = [rule for rule in db.session.scalars(sa.select(Rule).where(
        Rule.region_id == region.id, Rule.status == "voting",
        Rule.id.not_in(voted)).order_by(Rule.title))
        if municipality.id in spielregeln.electorate(rule)]  # joined later: not its ballot
    mine = {i.id for i in initiatives}
    topics = {t for i in initiatives for t in [i.topic] if t}
    joinable = [i for i in db.session.scalars(sa.select(Initiative).where(
        Initiative.region_id == region.id).order_by(Initiative.sort_name, Initiative.key))
        if i.id not in mine and i.status in ("planned", "running")]
    context = _pdf_context(lang)
    context.update(data=pdf.data_state(region, latest.report_version),
                   initiatives=initiatives, open_rules=open_rules,
                   joinable=[i for i in joinable if i.topic in topics] or joinable[:8])
    data = pdf.member_report_pdf(region, municipality, latest.report, keys, context)
    return _pdf_response(data, f"{region.slug}-{municipality.key}-ratsvorlage.pdf")
