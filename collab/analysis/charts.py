"""Server-rendered SVG charts: printable, readable without JavaScript, safe for any label.

Pure functions over plain values (no Flask, no database). Each returns one ``<svg>`` element
as :class:`markupsafe.Markup`, ready to be placed in an autoescaped template:

- it scales with its container (``viewBox``, ``width="100%"``) and inherits the page's font;
- it carries its own text alternative: ``role="img"``, a ``<title>`` (``aria-labelledby``)
  and a ``<desc>`` (``aria-describedby``) that lists the data, and a ``<title>`` on every bar
  or cell for a tooltip;
- every text it shows comes from the caller (so the caller translates it) and is escaped;
  characters that XML does not allow are dropped, so the SVG also parses on its own;
- it refers to nothing outside itself (no links, images or fonts; patterns by local id) and
  uses no ``style`` attribute, so a strict Content-Security-Policy does not touch it;
- colours come from :data:`PALETTE` and the fixed state colours below, chosen to stay apart
  in print and for colour-blind readers; marks that must be told apart also differ by
  lightness, pattern or a printed sign, never by hue alone.

Numbers shown are formatted by the caller's ``fmt(number) -> str`` (e.g. Babel's
``format_decimal``); the default prints at most two decimals with a point.

Examples
--------
>>> svg = ballot_tally(3, 1, 0, 2, {"yes": "Ja", "no": "Nein", "abstain": "Enthaltung",
...                    "not_voted": "Nicht abgestimmt"}, title="Abstimmung <r1>")
>>> svg.startswith("<svg") and "Abstimmung &lt;r1&gt;" in svg
True
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from markupsafe import Markup, escape

__all__ = ["PALETTE", "SEVERITY_COLOURS", "STATE_STYLES", "ballot_tally", "gaps_by_kind",
           "level_matrix", "plain_number", "taktgeber_bars", "topic_experience"]

#: colours for categories without an order (the parts of a score): Okabe–Ito, which stay
#: distinct for colour-blind readers; neighbouring segments are also split by a white line
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#999999")
#: colours for ordered categories, most severe first (dark red to pale), distinct in grey
SEVERITY_COLOURS = ("#b2182b", "#ef8a62", "#fddbc7", "#e0e0e0", "#bababa")
_DARK = "#2166ac"     # present / experienced / yes
_LIGHT = "#f4a582"    # missing / inexperienced
_TEXT = "#222222"
_MUTED = "#666666"
_GRID = "#cccccc"

#: how a level state is drawn in :func:`level_matrix`: fill ("hatch" = the dark colour
#: hatched on white), sign printed in the cell, colour of the sign
STATE_STYLES = {
    "present": ("#2166ac", "✓", "#ffffff"),
    "assumed": ("hatch", "?", _TEXT),
    "missing": ("#f4a582", "✗", _TEXT),
    "not_expected": ("#ffffff", "–", _MUTED),
    "unrecorded": ("#e0e0e0", "–", _TEXT),
}
_UNKNOWN_STATE = ("#bababa", "·", _TEXT)

WIDTH = 640           # width of every chart in user units (the viewBox; a phone drawing: below)
FONT = 12             # font size in user units
CHAR = 0.6 * FONT     # assumed average character width, for laying out labels
ROW = 24              # height of one bar row
BAR = 16              # height of one bar
PAD = 8
MAX_LABEL = 200       # widest label column; longer labels are shortened (full text in tooltip)
#: font size of the ballot bar: it is drawn for a phone, where its 640 units are about 360
#: px wide (text of about 11 px); the page's stylesheet keeps it narrow on wide screens
BALLOT_FONT = 20
#: width of a chart's phone drawing (``phone=True``): a phone shows it about 335–365 px
#: wide, so its 12-unit text is 12.5–13.5 px there
PHONE_WIDTH = 320
#: height of a row of the phone drawing: its label on a line of its own, the bar below
PHONE_ROW = 2 * BAR + PAD

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
# characters XML 1.0 does not allow (C0 controls except tab/newline/return, surrogates,
# U+FFFE and U+FFFF): an SVG holding one would not parse on its own
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain_number(value: float) -> str:
    """Format a number with at most two decimals and no trailing zeros (``0.5``, ``3``)."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- building blocks ---------------------------------------------------------------------

def _text(value: object) -> str:
    """A caller's text as a str XML can hold (escaping happens when it is written)."""
    return _NOT_XML.sub("", str(value))


def _n(value: float) -> str:
    """A coordinate, rounded to a tenth of a unit."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _el(tag: str, content: object = None, **attrs: object) -> Markup:
    """One SVG element; attribute names use ``_`` for ``-``, ``class_`` for ``class``.

    Attribute values and str content are escaped; Markup content (our own elements) is not.
    """
    parts = [tag]
    for name, value in attrs.items():
        if value is None:
            continue
        name = name.rstrip("_").replace("_", "-")
        shown = _n(value) if isinstance(value, float) else _text(value)
        parts.append(f'{name}="{escape(shown)}"')
    head = " ".join(parts)
    if content is None:
        return Markup(f"<{head}/>")
    if isinstance(content, list):
        inner = Markup("").join(content)
    elif isinstance(content, Markup):
        inner = content
    else:
        inner = escape(_text(content))
    return Markup(f"<{head}>{inner}</{tag}>")


def _label(x: float, y: float, text: str, anchor: str = "start", fill: str = _TEXT,
           **attrs: object) -> Markup:
    """One line of text whose middle is at height ``y``."""
    return _el("text", text, x=float(x), y=float(y), dy=".35em", text_anchor=anchor, fill=fill,
               **attrs)


def _lines(x: float, y: float, lines: Sequence[str], anchor: str = "middle",
           **attrs: object) -> Markup:
    """Several lines of text, the block's middle at height ``y``."""
    first = 0.35 - 0.6 * (len(lines) - 1)
    spans = [_el("tspan", line, x=float(x), dy=f"{first if i == 0 else 1.2:.2f}em")
             for i, line in enumerate(lines)]
    return _el("text", spans, y=float(y), text_anchor=anchor, fill=_TEXT, **attrs)


def _shorten(text: str, width: float) -> str:
    """The text, cut with an ellipsis to fit ``width`` user units."""
    room = max(1, int(width / CHAR))
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"


def _wrap(text: str, width: float, lines: int = 2) -> list[str]:
    """The text over at most ``lines`` lines of ``width`` units, broken after a space or
    hyphen; the last line is shortened with an ellipsis if it still does not fit."""
    room = max(1, int(width / CHAR))
    out, rest = [], text
    while len(rest) > room and len(out) < lines - 1:
        cut = max(rest.rfind(" ", 0, room + 1), rest.rfind("-", 0, room))
        if cut <= 0:
            break
        keep = cut + 1 if rest[cut] == "-" else cut
        out.append(rest[:keep])
        rest = rest[cut + 1:]
    return out + [_shorten(rest, width)]


def _label_width(labels: Iterable[str]) -> float:
    longest = max((len(label) for label in labels), default=0)
    return min(MAX_LABEL, longest * CHAR) + PAD


def _value(value: object, what: str) -> float:
    """A finite number ≥ 0, or ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite number ≥ 0, not {value!r}")
    return value


def _ticks(top: float, integer: bool = False, count: int = 4) -> list[float]:
    """Tick values from 0 to a round number ≥ ``top`` (the scale's end)."""
    if top <= 0:
        return [0, 1] if integer else [0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw - 1e-12)
    if integer:
        step = max(1, round(step))
    n = math.ceil(top / step - 1e-9)
    return [step * i if integer else round(step * i, 10) for i in range(n + 1)]


def _axis(x0: float, width: float, y_top: float, y_bottom: float, ticks: list[float],
          fmt: Callable[[float], str], direction: int = 1) -> list[Markup]:
    """Grid lines from y_top to y_bottom and tick labels below, for a scale starting at x0."""
    out = []
    end = ticks[-1]
    for tick in ticks:
        x = x0 + direction * width * tick / end
        out.append(_el("line", x1=float(x), x2=float(x), y1=float(y_top), y2=float(y_bottom),
                       stroke=_GRID, stroke_width="1"))
        out.append(_label(x, y_bottom + PAD, fmt(tick), "middle", _MUTED))
    return out


def _legend(items: Sequence[tuple[str, str, str | None]], y: float, x0: float = 0,
            font: float = FONT, width: float = WIDTH) -> tuple[list[Markup], float]:
    """Swatches with labels, flowing over as many lines as needed; returns (elements, height).

    ``items`` are (label, fill, stroke); the fill may be ``url(#…)``. Sizes grow with
    ``font`` (the chart's font size); lines end at ``width`` (the chart's).
    """
    k = font / FONT
    out, x, line = [], x0, 0
    for label, fill, stroke in items:
        room = (14 + 4 + 16) * k + len(label) * 0.6 * font
        if x > x0 and x + room > width:
            x, line = x0, line + 1
        top = y + 2 + line * 20 * k
        out.append(_el("rect", x=float(x), y=float(top + 3 * k), width=_n(14 * k),
                       height=_n(14 * k), fill=fill, stroke=stroke or "none", stroke_width="1"))
        out.append(_label(x + 18 * k, top + 10 * k, label))
        x += room
    return out, (line + 1) * 20 * k + 2 if items else 0


def _chart_id(chart_id: str | None, kind: str, payload: object) -> str:
    """The given id (checked), or one derived from the data, stable between renderings."""
    if chart_id is None:
        digest = hashlib.sha1(repr(payload).encode("utf-8", "surrogatepass")).hexdigest()
        return f"kn-{kind}-{digest[:10]}"
    if not _ID.match(chart_id):
        raise ValueError("chart_id must start with a letter and hold only letters, digits, "
                         f"'-' and '_': {chart_id!r}")
    return chart_id


def _svg(cid: str, kind: str, title: str, desc: str, height: float, body: list[Markup],
         defs: Sequence[Markup] = (), font: float = FONT, phone: bool = False) -> Markup:
    """The chart's ``<svg>``; ``phone``: drawn :data:`PHONE_WIDTH` wide, class ``kn-phone``."""
    head = [_el("title", title, id=f"{cid}-title"), _el("desc", desc, id=f"{cid}-desc")]
    if defs:
        head.append(_el("defs", list(defs)))
    width = PHONE_WIDTH if phone else WIDTH
    return _el("svg", head + body, xmlns="http://www.w3.org/2000/svg", id=cid,
               class_=f"kn-chart kn-chart-{kind}" + (" kn-phone" if phone else ""),
               viewBox=f"0 0 {width} {_n(height)}",
               width="100%", role="img", aria_labelledby=f"{cid}-title",
               aria_describedby=f"{cid}-desc", font_family="inherit", font_size=_n(font))


def _empty(cid: str, kind: str, title: str, empty_text: str, phone: bool = False) -> Markup:
    """The small chart shown when there is nothing to draw: the caller's text, in a frame."""
    width = PHONE_WIDTH if phone else WIDTH
    body = [_el("rect", x="0.5", y="0.5", width=str(width - 1), height="39", fill="none",
                stroke=_GRID, stroke_dasharray="4 3"),
            _label(width / 2, 20, empty_text, "middle", _MUTED, class_="kn-empty")]
    return _svg(cid, kind, title, f"{title}: {empty_text}", 40, body, phone=phone)


def _hatch(pattern_id: str, colour: str) -> Markup:
    """Diagonal lines in ``colour`` on white."""
    return _el("pattern", [
        _el("rect", width="8", height="8", fill="#ffffff"),
        _el("path", d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4", stroke=colour, stroke_width="1.5"),
    ], id=pattern_id, patternUnits="userSpaceOnUse", width="8", height="8")


def _backed(x: float, y: float, text: str, font: float = FONT, **attrs: object) -> list[Markup]:
    """Centred text on a small white box, readable on a hatched fill."""
    width = len(text) * 0.6 * font + 6
    return [_el("rect", x=float(x - width / 2), y=float(y - font / 2 - 2), width=float(width),
                height=_n(font + 4), rx="3", fill="#ffffff"),
            _label(x, y, text, "middle", **attrs)]


# --- charts ------------------------------------------------------------------------------

def taktgeber_bars(candidates: Sequence[Mapping], part_labels: Mapping[str, str], title: str,
                   *, rank_text: str = "Rang {best}–{worst}", rank_text_one: str = "Rang {best}",
                   max_value: float | None = None, desc: str | None = None,
                   empty_text: str = "Keine Daten", fmt: Callable[[float], str] = plain_number,
                   chart_id: str | None = None, phone: bool = False) -> Markup:
    """The Taktgeber score of each candidate as a bar stacked from its weighted parts.

    Parameters
    ----------
    candidates : sequence of mappings
        In the order to draw them (best first), each with ``name``, ``score`` (optional: the
        sum of the segments when absent), ``parts`` ({part: value}), ``weights``
        ({part: weight}; a part without weight counts 0) and ``rank_range`` ([best, worst]
        under changed weights, or None).
    part_labels : mapping
        Part key → shown name, in legend order; parts not named here follow with their key.
    title : str
        The chart's title (its accessible name).
    rank_text, rank_text_one : str
        Format strings for the rank range (``{best}``, ``{worst}``), the second when both are
        the same.
    max_value : float, optional
        End of the scale (e.g. 1 for scores in [0, 1]), widened to a round number if a bar
        is longer; by default a round number above the highest score.
    desc, empty_text, fmt, chart_id
        Text alternative (generated from the data by default), text for an empty chart,
        number format, and the svg's id (derived from the data by default).
    phone : bool
        Draw it for a phone: :data:`PHONE_WIDTH` units wide (class ``kn-phone``), each
        candidate's name (and rank range, at the right) on a line of its own above its bar,
        no axis (every bar carries its score). By default names stand left of the bars.

    Returns
    -------
    Markup
        An ``<svg>`` whose segment for part *p* of a candidate has the length
        ``weights[p] * parts[p]``, so each bar is as long as the weighted score.
    """
    payload = (candidates, part_labels, title) + (("phone",) if phone else ())
    cid = _chart_id(chart_id, "taktgeber", payload)
    if not candidates:
        return _empty(cid, "taktgeber", title, empty_text, phone=phone)
    order = list(part_labels)
    for cand in candidates:
        for key in list(cand.get("parts", {})) + list(cand.get("weights", {})):
            if key not in order:
                order.append(key)
    colour = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(order)}
    label_of = {key: _text(part_labels.get(key, key)) for key in order}

    rows = []
    for i, cand in enumerate(candidates):
        name = _text(cand.get("name", ""))
        parts, weights = cand.get("parts", {}), cand.get("weights", {})
        segments = []
        for key in order:
            if key in parts:
                part = _value(parts[key], f"candidates[{i}].parts[{key!r}]")
                weight = _value(weights.get(key, 0), f"candidates[{i}].weights[{key!r}]")
                if weight * part > 0:
                    segments.append((key, weight * part))
        total = sum(value for _key, value in segments)
        score = _value(cand["score"], f"candidates[{i}].score") if "score" in cand else total
        ranks = cand.get("rank_range")
        if ranks:
            best, worst = (int(r) for r in ranks)
            rank = (rank_text_one if best == worst else rank_text).format(best=best, worst=worst)
        else:
            rank = ""
        rows.append((name, score, segments, rank))

    highest = max(max(score, sum(v for _k, v in segs)) for _name, score, segs, _r in rows)
    top = max(max_value or 0, highest)
    ticks = _ticks(top)
    end = ticks[-1]
    if desc is None:
        desc = "; ".join(
            f"{name}: {fmt(score)}"
            + (" (" + ", ".join(f"{label_of[k]} {fmt(v)}" for k, v in segs) + ")" if segs else "")
            + (f", {rank}" if rank else "")
            for name, score, segs, rank in rows)
    if phone:
        body, height = _taktgeber_phone(rows, order, colour, label_of, end, fmt)
        return _svg(cid, "taktgeber", title, desc, height, body, phone=True)
    label_w = _label_width(r[0] for r in rows)
    rank_w = max((len(r[3]) for r in rows), default=0) * CHAR + PAD
    bar_x = label_w + PAD
    bar_w = WIDTH - bar_x - rank_w - 48          # 48: room for the score after the bar

    body: list[Markup] = []
    legend, legend_h = _legend([(label_of[k], colour[k], None) for k in order], 0)
    body += legend
    y0 = legend_h + PAD
    y_end = y0 + ROW * len(rows)
    body += _axis(bar_x, bar_w, y0, y_end, ticks, fmt)
    for j, (name, score, segments, rank) in enumerate(rows):
        y = y0 + j * ROW
        items = [_el("title", f"{name}: {fmt(score)}"),
                 _label(label_w, y + ROW / 2, _shorten(name, label_w - PAD), "end")]
        x = bar_x
        for key, value in segments:
            width = bar_w * value / end
            items.append(_el("rect", _el("title", f"{name} – {label_of[key]}: {fmt(value)}"),
                             x=float(x), y=float(y + (ROW - BAR) / 2), width=float(width),
                             height=str(BAR), fill=colour[key], stroke="#ffffff",
                             stroke_width="1", class_="kn-seg", data_part=key,
                             data_value=repr(float(value))))
            x += width
        items.append(_label(x + 4, y + ROW / 2, fmt(score), class_="kn-score"))
        if rank:
            items.append(_label(WIDTH - 2, y + ROW / 2, rank, "end", _MUTED, class_="kn-rank"))
        body.append(_el("g", items, class_="kn-row"))
    return _svg(cid, "taktgeber", title, desc, y_end + 2 * PAD + FONT, body)


def _taktgeber_phone(rows: list, order: list[str], colour: Mapping[str, str],
                     label_of: Mapping[str, str], end: float,
                     fmt: Callable[[float], str]) -> tuple[list[Markup], float]:
    """The Taktgeber chart's rows for a phone (see :func:`taktgeber_bars`): the name (and
    the rank range at the right) above the bar; returns (elements, height)."""
    width = PHONE_WIDTH
    body: list[Markup] = []
    legend, legend_h = _legend([(label_of[k], colour[k], None) for k in order], 0, width=width)
    body += legend
    y0 = legend_h + PAD
    bar_x = 1.0                                   # the bars' left edge in view
    widest = max(len(fmt(score)) for _name, score, _segs, _rank in rows)
    bar_w = width - bar_x - widest * CHAR - 6    # room for the score after the longest bar
    for j, (name, score, segments, rank) in enumerate(rows):
        y = y0 + j * PHONE_ROW
        rank_w = len(rank) * CHAR + PAD if rank else 0
        items = [_el("title", f"{name}: {fmt(score)}"),
                 _label(0, y + BAR / 2, _shorten(name, width - rank_w))]
        if rank:
            items.append(_label(width - 2, y + BAR / 2, rank, "end", _MUTED, class_="kn-rank"))
        x = bar_x
        for key, value in segments:
            seg_w = bar_w * value / end
            items.append(_el("rect", _el("title", f"{name} – {label_of[key]}: {fmt(value)}"),
                             x=float(x), y=float(y + BAR), width=float(seg_w),
                             height=str(BAR), fill=colour[key], stroke="#ffffff",
                             stroke_width="1", class_="kn-seg", data_part=key,
                             data_value=repr(float(value))))
            x += seg_w
        items.append(_label(x + 4, y + BAR * 1.5, fmt(score), class_="kn-score"))
        body.append(_el("g", items, class_="kn-row"))
    return body, y0 + PHONE_ROW * len(rows) + PAD


def level_matrix(rows: Sequence[tuple[str, Mapping[str, str]]],
                 levels: Sequence[tuple[str, str]], state_labels: Mapping[str, str],
                 title: str, *, desc: str | None = None, empty_text: str = "Keine Daten",
                 chart_id: str | None = None, phone: bool = False) -> Markup:
    """Which of the levels every member has, as a matrix of coloured, signed cells.

    Parameters
    ----------
    rows : sequence of (member name, {level key: state})
        A level missing from a member's mapping is drawn as ``missing``.
    levels : sequence of (key, label)
        The columns, in order (e.g. strategic, coordinating, operational).
    state_labels : mapping
        State → shown name, in legend order. Known states (:data:`STATE_STYLES`):
        ``present``, ``assumed`` (hatched), ``missing``, ``not_expected``, ``unrecorded``
        (light grey); others are grey.
    title, desc, empty_text, chart_id
        As in :func:`taktgeber_bars`.
    phone : bool
        Draw it for a phone: :data:`PHONE_WIDTH` units wide (class ``kn-phone``), each
        member's name on a line of its own above its row of cells, the columns sharing the
        whole width. By default the names stand left of the cells.
    """
    payload = (rows, levels, state_labels, title) + (("phone",) if phone else ())
    cid = _chart_id(chart_id, "levels", payload)
    if not rows or not levels:
        return _empty(cid, "levels", title, empty_text, phone=phone)
    hatch_id = f"{cid}-hatch"

    def style(state: str) -> tuple[str, str, str]:
        fill, sign, ink = STATE_STYLES.get(state, _UNKNOWN_STATE)
        return (f"url(#{hatch_id})" if fill == "hatch" else fill), sign, ink

    def shown(state: str) -> str:
        return _text(state_labels.get(state, state))

    names = [_text(name) for name, _states in rows]
    width = PHONE_WIDTH if phone else WIDTH
    if phone:
        # the name above its row (4 units below the row before): the cells start at the
        # left edge and fill the width
        x0, row_h, name_y, cell_top = 0.0, 4 + BAR + ROW, 4 + BAR / 2, 4 + BAR
        col_w = width / len(levels)
    else:
        label_w, row_h, name_y, cell_top = _label_width(names), ROW, ROW / 2, 0
        col_w = min(140.0, (WIDTH - label_w - PAD) / len(levels))
        x0 = label_w + PAD
    used = list(state_labels) + sorted({s for _n_, st in rows for s in st.values()}
                                       - set(state_labels))
    body: list[Markup] = []
    legend, legend_h = _legend([(f"{STATE_STYLES.get(s, _UNKNOWN_STATE)[1]} {shown(s)}",
                                 style(s)[0], _MUTED) for s in used], 0, width=width)
    body += legend
    y0 = legend_h + PAD
    heads = [_wrap(_text(label), col_w - 4) for _key, label in levels]
    head_h = ROW if all(len(h) == 1 for h in heads) else ROW + 1.2 * FONT
    for c, lines in enumerate(heads):
        body.append(_lines(x0 + c * col_w + col_w / 2, y0 + head_h / 2, lines,
                           class_="kn-col"))
    y0 += head_h
    for r, ((_name, states), name) in enumerate(zip(rows, names, strict=True)):
        y = y0 + r * row_h
        items = [_label(0, y + name_y, _shorten(name, width)) if phone
                 else _label(label_w, y + ROW / 2, _shorten(name, label_w - PAD), "end")]
        y += cell_top
        for c, (key, label) in enumerate(levels):
            state = str(states.get(key, "missing"))
            fill, sign, ink = style(state)
            x = x0 + c * col_w
            cell = [_el("title", f"{name} – {_text(label)}: {shown(state)}"),
                    _el("rect", x=float(x + 1), y=float(y + 1), width=float(col_w - 2),
                        height=str(ROW - 2), fill=fill, stroke=_MUTED, stroke_width="0.5")]
            if fill.startswith("url("):
                cell += _backed(x + col_w / 2, y + ROW / 2, sign, fill=ink, font_weight="bold")
            else:
                cell.append(_label(x + col_w / 2, y + ROW / 2, sign, "middle", ink,
                                   font_weight="bold"))
            items.append(_el("g", cell, class_="kn-cell", data_state=state, data_level=key))
        body.append(_el("g", items, class_="kn-row"))
    if desc is None:
        desc = "; ".join(
            f"{name}: " + ", ".join(f"{_text(label)} {shown(str(states.get(key, 'missing')))}"
                                    for key, label in levels)
            for (_name, states), name in zip(rows, names, strict=True))
    return _svg(cid, "levels", title, desc, y0 + row_h * len(rows) + PAD, body,
                [_hatch(hatch_id, _DARK)], phone=phone)


def gaps_by_kind(counts: Sequence[tuple[str, Mapping[str, int]]],
                 severity_labels: Mapping[str, str], title: str, *, desc: str | None = None,
                 empty_text: str = "Keine Daten", fmt: Callable[[float], str] = plain_number,
                 chart_id: str | None = None, phone: bool = False) -> Markup:
    """The number of gaps of each kind, as bars stacked by severity.

    Parameters
    ----------
    counts : sequence of (kind label, {severity: count})
        One bar per kind, in the given order.
    severity_labels : mapping
        Severity → shown name, most severe first (it sets the colours, dark red to pale, and
        the order of the segments); severities not named here follow with their key.
    title, desc, empty_text, fmt, chart_id
        As in :func:`taktgeber_bars`.
    phone : bool
        Draw it for a phone: :data:`PHONE_WIDTH` units wide (class ``kn-phone``), each
        kind's label on a line of its own above its bar, the bars as long as the width
        allows and no axis (every bar carries its counts and its total). By default the
        labels stand left of the bars, on a scale with an axis below.
    """
    payload = (counts, severity_labels, title) + (("phone",) if phone else ())
    cid = _chart_id(chart_id, "gaps", payload)
    if not counts:
        return _empty(cid, "gaps", title, empty_text, phone=phone)
    order = list(severity_labels)
    for _kind, by_severity in counts:
        order += [s for s in by_severity if s not in order]
    colour = {s: SEVERITY_COLOURS[min(i, len(SEVERITY_COLOURS) - 1)] for i, s in enumerate(order)}
    label_of = {s: _text(severity_labels.get(s, s)) for s in order}
    rows = []
    for i, (kind, by_severity) in enumerate(counts):
        values = [(s, _value(by_severity.get(s, 0), f"counts[{i}][{s!r}]")) for s in order]
        rows.append((_text(kind), [(s, v) for s, v in values if v > 0]))
    highest = max(sum(v for _s, v in segs) for _k, segs in rows)
    width = PHONE_WIDTH if phone else WIDTH

    body: list[Markup] = []
    legend, legend_h = _legend([(label_of[s], colour[s], _MUTED) for s in order], 0,
                               width=width)
    body += legend
    y0 = legend_h + PAD
    y_end = y0 + (PHONE_ROW if phone else ROW) * len(rows)
    if phone:
        # the label above the bar; the longest bar leaves room for its total
        row_h, bar_top = PHONE_ROW, BAR
        end = highest or 1
        label_x, label_w, bar_x = 0.0, float(width), 1.0   # 1: the bars' left edge in view
        bar_w = width - bar_x - len(fmt(highest)) * CHAR - 6
    else:
        row_h, bar_top = ROW, (ROW - BAR) / 2
        ticks = _ticks(highest, integer=True)
        end = ticks[-1]
        label_w = _label_width(k for k, _segs in rows)
        label_x, bar_x = label_w, label_w + PAD
        bar_w = width - bar_x - 40
        body += _axis(bar_x, bar_w, y0, y_end, ticks, fmt)
    for j, (kind, segments) in enumerate(rows):
        y = y0 + j * row_h
        total = sum(v for _s, v in segments)
        shown = _shorten(kind, label_w if phone else label_w - PAD)
        items = [_el("title", f"{kind}: {fmt(total)}"),
                 _label(label_x, y + BAR / 2, shown) if phone
                 else _label(label_x, y + ROW / 2, shown, "end")]
        middle = y + bar_top + BAR / 2
        x = bar_x
        for severity, value in segments:
            seg_w = bar_w * value / end
            items.append(_el("rect", _el("title", f"{kind} – {label_of[severity]}: {fmt(value)}"),
                             x=float(x), y=float(y + bar_top), width=float(seg_w),
                             height=str(BAR), fill=colour[severity], stroke=_MUTED,
                             stroke_width="0.5", class_="kn-seg", data_severity=severity,
                             data_value=repr(value)))
            if seg_w >= len(fmt(value)) * CHAR + 4:
                ink = "#ffffff" if order.index(severity) == 0 else _TEXT
                items.append(_label(x + seg_w / 2, middle, fmt(value), "middle", ink))
            x += seg_w
        items.append(_label(x + 4, middle, fmt(total), class_="kn-total"))
        body.append(_el("g", items, class_="kn-row"))
    if desc is None:
        desc = "; ".join(
            f"{kind}: {fmt(sum(v for _s, v in segs))}"
            + (" (" + ", ".join(f"{label_of[s]} {fmt(v)}" for s, v in segs) + ")" if segs else "")
            for kind, segs in rows)
    height = y_end + PAD if phone else y_end + 2 * PAD + FONT
    return _svg(cid, "gaps", title, desc, height, body, phone=phone)


def topic_experience(rows: Sequence[tuple[str, int, int]], labels: Mapping[str, str],
                     title: str, *, desc: str | None = None, empty_text: str = "Keine Daten",
                     fmt: Callable[[float], str] = plain_number,
                     chart_id: str | None = None, phone: bool = False) -> Markup:
    """Per topic, how many members have experience and how many have none, back to back.

    Experienced members grow to the left of the middle line, inexperienced ones to the
    right, on the same scale: a topic with a long bar on both sides is one where knowledge
    can travel.

    Parameters
    ----------
    rows : sequence of (topic label, experienced count, inexperienced count)
    labels : mapping
        ``experienced`` and ``inexperienced``: the shown names of the two sides.
    title, desc, empty_text, fmt, chart_id
        As in :func:`taktgeber_bars`.
    phone : bool
        Draw it for a phone: :data:`PHONE_WIDTH` units wide (class ``kn-phone``), each
        topic's label on a line of its own above its two bars, no axis (every bar carries
        its count). By default the labels stand left of the bars, on a scale with an axis.
    """
    payload = (rows, labels, title) + (("phone",) if phone else ())
    cid = _chart_id(chart_id, "topics", payload)
    if not rows:
        return _empty(cid, "topics", title, empty_text, phone=phone)
    side = {"experienced": _text(labels.get("experienced", "experienced")),
            "inexperienced": _text(labels.get("inexperienced", "inexperienced"))}
    clean = [(_text(topic), _value(yes, f"rows[{i}] experienced"),
              _value(no, f"rows[{i}] inexperienced"))
             for i, (topic, yes, no) in enumerate(rows)]
    ticks = _ticks(max(max(y, n) for _t, y, n in clean), integer=True, count=3)
    end = ticks[-1]
    if desc is None:
        desc = "; ".join(f"{t}: {side['experienced']} {fmt(y)}, {side['inexperienced']} {fmt(n)}"
                         for t, y, n in clean)
    if phone:
        body, height = _topics_phone(clean, side, end, fmt)
        return _svg(cid, "topics", title, desc, height, body, phone=True)
    label_w = _label_width(t for t, _y, _n_ in clean)
    half = (WIDTH - label_w - PAD - 2 * 28) / 2    # 28: room for a count beyond each bar
    mid = label_w + PAD + 28 + half

    # the two sides are named right above their bars: no separate legend
    body: list[Markup] = [
        _label(mid - 4, ROW / 2, side["experienced"], "end", class_="kn-side"),
        _label(mid + 4, ROW / 2, side["inexperienced"], class_="kn-side")]
    y0 = ROW
    y_end = y0 + ROW * len(clean)
    body += _axis(mid, half, y0, y_end, ticks, fmt, direction=-1)
    body += _axis(mid, half, y0, y_end, ticks[1:] or ticks, fmt)
    for j, (topic, yes, no) in enumerate(clean):
        y = y0 + j * ROW
        w_yes, w_no = half * yes / end, half * no / end
        bar_y = float(y + (ROW - BAR) / 2)
        body.append(_el("g", [
            _label(label_w, y + ROW / 2, _shorten(topic, label_w - PAD), "end"),
            _el("rect", _el("title", f"{topic} – {side['experienced']}: {fmt(yes)}"),
                x=float(mid - w_yes), y=bar_y, width=float(w_yes), height=str(BAR), fill=_DARK,
                class_="kn-bar", data_side="experienced", data_value=repr(yes)),
            _el("rect", _el("title", f"{topic} – {side['inexperienced']}: {fmt(no)}"),
                x=float(mid), y=bar_y, width=float(w_no), height=str(BAR), fill=_LIGHT,
                stroke=_MUTED, stroke_width="0.5", class_="kn-bar", data_side="inexperienced",
                data_value=repr(no)),
            _label(mid - w_yes - 4, y + ROW / 2, fmt(yes), "end"),
            _label(mid + w_no + 4, y + ROW / 2, fmt(no)),
        ], class_="kn-row"))
    body.append(_el("line", x1=float(mid), x2=float(mid), y1=float(y0), y2=float(y_end),
                    stroke=_TEXT, stroke_width="1"))
    return _svg(cid, "topics", title, desc, y_end + 2 * PAD + FONT, body)


def _topics_phone(clean: list[tuple[str, float, float]], side: Mapping[str, str], end: float,
                  fmt: Callable[[float], str]) -> tuple[list[Markup], float]:
    """The topics chart's rows for a phone (see :func:`topic_experience`): the topic above
    its two bars, back to back at the middle; returns (elements, height)."""
    width = PHONE_WIDTH
    mid = width / 2
    half = mid - 30                         # 30: room for a count beyond each bar
    body: list[Markup] = [
        _label(mid - 4, ROW / 2, _shorten(side["experienced"], mid - 8), "end",
               class_="kn-side"),
        _label(mid + 4, ROW / 2, _shorten(side["inexperienced"], mid - 8), class_="kn-side")]
    y0 = ROW
    for j, (topic, yes, no) in enumerate(clean):
        y = y0 + j * PHONE_ROW
        w_yes, w_no = half * yes / end, half * no / end
        middle = y + BAR * 1.5
        body.append(_el("g", [
            _label(0, y + BAR / 2, _shorten(topic, width)),
            _el("rect", _el("title", f"{topic} – {side['experienced']}: {fmt(yes)}"),
                x=float(mid - w_yes), y=float(y + BAR), width=float(w_yes), height=str(BAR),
                fill=_DARK, class_="kn-bar", data_side="experienced", data_value=repr(yes)),
            _el("rect", _el("title", f"{topic} – {side['inexperienced']}: {fmt(no)}"),
                x=float(mid), y=float(y + BAR), width=float(w_no), height=str(BAR), fill=_LIGHT,
                stroke=_MUTED, stroke_width="0.5", class_="kn-bar", data_side="inexperienced",
                data_value=repr(no)),
            _label(mid - w_yes - 4, middle, fmt(yes), "end"),
            _label(mid + w_no + 4, middle, fmt(no)),
            _el("line", x1=float(mid), x2=float(mid), y1=float(y + BAR - 2),
                y2=float(y + 2 * BAR + 2), stroke=_TEXT, stroke_width="1"),
        ], class_="kn-row"))
    return body, y0 + PHONE_ROW * len(clean) + PAD


def ballot_tally(yes: int, no: int, abstain: int, not_voted: int, labels: Mapping[str, str],
                 needed: str | None = None, *, title: str, threshold: int | None = None,
                 desc: str | None = None, empty_text: str = "Keine Daten",
                 fmt: Callable[[float], str] = plain_number,
                 chart_id: str | None = None) -> Markup:
    """A ballot's votes as one bar of all eligible municipalities.

    Parameters
    ----------
    yes, no, abstain, not_voted : int
        The counts; their sum is the number of eligible municipalities.
    labels : mapping
        ``yes``, ``no``, ``abstain``, ``not_voted``: the shown names.
    needed : str, optional
        A sentence printed under the bar, e.g. "Angenommen bei 4 Ja-Stimmen".
    title : str
        The chart's title.
    threshold : int, optional
        The number of "yes" votes needed; drawn as a dashed mark across the bar.
    desc, empty_text, fmt, chart_id
        As in :func:`taktgeber_bars`.
    """
    counts = {"yes": yes, "no": no, "abstain": abstain, "not_voted": not_voted}
    cid = _chart_id(chart_id, "ballot", (counts, labels, needed, title, threshold))
    for key, value in counts.items():
        _value(value, key)
    total = sum(counts.values())
    if total == 0:
        return _empty(cid, "ballot", title, empty_text)
    hatch_id = f"{cid}-hatch"
    fills = {"yes": (_DARK, "#ffffff"), "no": (_LIGHT, _TEXT), "abstain": ("#bababa", _TEXT),
             "not_voted": (f"url(#{hatch_id})", _TEXT)}
    shown = {key: _text(labels.get(key, key)) for key in counts}
    font = BALLOT_FONT
    grow = font / FONT

    body: list[Markup] = []
    legend, legend_h = _legend([(f"{shown[k]}: {fmt(v)}", fills[k][0], _MUTED)
                                for k, v in counts.items()], 0, font=font)
    body += legend
    y = legend_h + PAD * grow
    bar_h = 28 * grow
    x = 0.0
    for key, value in counts.items():
        if not value:
            continue
        width = WIDTH * value / total
        body.append(_el("rect", _el("title", f"{shown[key]}: {fmt(value)}"), x=float(x),
                        y=float(y), width=float(width), height=float(bar_h), fill=fills[key][0],
                        stroke=_MUTED, stroke_width="0.5", class_="kn-seg", data_vote=key,
                        data_value=repr(value)))
        if width >= len(fmt(value)) * 0.6 * font + 8:
            if key == "not_voted":
                body += _backed(x + width / 2, y + bar_h / 2, fmt(value), font,
                                fill=fills[key][1], font_weight="bold")
            else:
                body.append(_label(x + width / 2, y + bar_h / 2, fmt(value), "middle",
                                   fills[key][1], font_weight="bold"))
        x += width
    bottom = y + bar_h
    if threshold is not None:
        mark = WIDTH * min(_value(threshold, "threshold"), total) / total
        body.append(_el("line", x1=float(mark), x2=float(mark), y1=float(y - 4 * grow),
                        y2=float(bottom + 4 * grow), stroke=_TEXT, stroke_width=_n(2 * grow),
                        stroke_dasharray=f"{_n(4 * grow)} {_n(2 * grow)}", class_="kn-threshold"))
        bottom += 4 * grow
    if needed:
        body.append(_label(0, bottom + PAD + font / 2, _text(needed), class_="kn-needed"))
        bottom += PAD + font
    if desc is None:
        desc = ", ".join(f"{shown[k]}: {fmt(v)}" for k, v in counts.items())
        if needed:
            desc += f". {_text(needed)}"
    return _svg(cid, "ballot", title, desc, bottom + PAD * grow, body, [_hatch(hatch_id, _MUTED)],
                font=font)
