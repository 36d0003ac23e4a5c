"""The SVG charts: well-formed, self-contained, accessible, escaped, and drawn to scale."""

import math
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from collab.analysis.charts import (
    ballot_tally,
    gaps_by_kind,
    level_matrix,
    taktgeber_bars,
    topic_experience,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
HOSTILE = '<script>alert("x")</script> & \'Co\' <img src=x onerror=alert(1)>\x00\x1b'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"

PART_LABELS = {"brokerage": "Vermittlung", "reach": "Reichweite", "mandate": "Mandat"}
LEVELS = [("strategic", "politisch-strategisch"), ("coordinating", "koordinierend"),
          ("operational", "Umsetzung")]
STATES = {"present": "vorhanden", "assumed": "angenommen", "missing": "fehlt",
          "not_expected": "nicht erwartet"}
SEVERITIES = {"high": "hoch", "medium": "mittel", "low": "niedrig"}
VOTES = {"yes": "Ja", "no": "Nein", "abstain": "Enthaltung", "not_voted": "nicht abgestimmt"}


def candidate(name, parts, weights, rank_range=(1, 2)):
    score = sum(weights.get(k, 0) * v for k, v in parts.items())
    return {"name": name, "score": score, "parts": parts, "weights": weights,
            "rank_range": list(rank_range)}


CANDIDATES = [
    candidate(HOSTILE, {"brokerage": 0.9, "reach": 0.5, "mandate": 1.0},
              {"brokerage": 0.4, "reach": 0.3, "mandate": 0.3}),
    candidate("Olpe", {"brokerage": 0.2, "reach": 1.0, "mandate": 0.0},
              {"brokerage": 0.4, "reach": 0.3, "mandate": 0.3}, (2, 2)),
]


def all_charts(name=HOSTILE):
    """Every chart, each with ``name`` as a user-entered label."""
    return {
        "taktgeber": taktgeber_bars(
            [dict(CANDIDATES[0], name=name), CANDIDATES[1]], PART_LABELS, "Taktgeber"),
        "levels": level_matrix(
            [(name, {"strategic": "present", "coordinating": "assumed"}),
             ("Olpe", {"strategic": "not_expected", "coordinating": "present",
                       "operational": "present"})], LEVELS, STATES, "Ebenen"),
        "gaps": gaps_by_kind([(name, {"high": 3, "low": 1}), ("Brücke", {"medium": 2})],
                             SEVERITIES, "Lücken"),
        "gaps_phone": gaps_by_kind([(name, {"high": 3, "low": 1}), ("Brücke", {"medium": 2})],
                                   SEVERITIES, "Lücken", phone=True),
        "topics": topic_experience([(name, 3, 6), ("Mobilität", 1, 8)],
                                   {"experienced": "erfahren", "inexperienced": "unerfahren"},
                                   "Themen"),
        "taktgeber_phone": taktgeber_bars(
            [dict(CANDIDATES[0], name=name), CANDIDATES[1]], PART_LABELS, "Taktgeber",
            phone=True),
        "levels_phone": level_matrix(
            [(name, {"strategic": "present", "coordinating": "assumed"}),
             ("Olpe", {"strategic": "not_expected", "coordinating": "present",
                       "operational": "present"})], LEVELS, STATES, "Ebenen", phone=True),
        "topics_phone": topic_experience(
            [(name, 3, 6), ("Mobilität", 1, 8)],
            {"experienced": "erfahren", "inexperienced": "unerfahren"}, "Themen", phone=True),
        "ballot": ballot_tally(3, 1, 1, 2, VOTES, f"Nötig: 4 Ja ({name})", title=name,
                               threshold=4),
    }


def parse(svg):
    return ET.fromstring(str(svg))


def rects(root, **data):
    """The rects whose data-* attributes have the given values."""
    found = []
    for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
        if all(rect.get("data-" + key.replace("_", "-")) == str(value)
               for key, value in data.items()):
            found.append(rect)
    return found


KINDS = ["taktgeber", "levels", "gaps", "gaps_phone", "topics", "ballot", "taktgeber_phone",
         "levels_phone", "topics_phone"]


@pytest.mark.parametrize("kind", KINDS)
def test_chart_is_well_formed_self_contained_and_accessible(kind):
    svg = all_charts()[kind]
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    width = 320 if kind.endswith("_phone") else 640
    assert re.fullmatch(rf"0 0 {width} [\d.]+", root.get("viewBox"))
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    # nothing outside the document: no links, no images, no fonts, no style attribute
    text = str(svg)
    assert "href" not in text and "<image" not in text and "style=" not in text
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", text))
    assert "font-family=\"inherit\"" in text


@pytest.mark.parametrize("kind", KINDS)
def test_user_labels_are_escaped(kind):
    """A name holding markup shows as text, in the drawing and in the text alternative."""
    svg = str(all_charts()[kind])
    assert "<script" not in svg and "<img" not in svg
    assert ESCAPED in svg
    assert "\x00" not in svg and "\x1b" not in svg
    root = parse(svg)
    shown = "".join(root.itertext())
    assert '<script>alert("x")</script>' in shown


def test_every_label_with_markup_in_any_field_is_escaped():
    """Labels given by the caller (parts, levels, states, severities) are escaped too."""
    evil = "<b onmouseover=x>"
    svgs = [
        taktgeber_bars(CANDIDATES, {"brokerage": evil}, evil, rank_text=evil + "{best}"),
        level_matrix([("A", {"k": evil})], [("k", evil)], {evil: evil}, evil),
        gaps_by_kind([("A", {evil: 1})], {}, evil),
        gaps_by_kind([(evil, {evil: 1})], {}, evil, phone=True),
        topic_experience([("A", 1, 2)], {"experienced": evil, "inexperienced": evil}, evil),
        taktgeber_bars([dict(CANDIDATES[1], name=evil)], {"brokerage": evil}, evil,
                       rank_text=evil + "{best}", phone=True),
        level_matrix([(evil, {"k": evil})], [("k", evil)], {evil: evil}, evil, phone=True),
        topic_experience([(evil, 1, 2)], {"experienced": evil, "inexperienced": evil}, evil,
                         phone=True),
        ballot_tally(1, 0, 0, 0, dict.fromkeys(VOTES, evil), evil, title=evil),
    ]
    for svg in svgs:
        parse(svg)
        assert "<b " not in str(svg) and "&lt;b onmouseover=x&gt;" in str(svg)


def test_taktgeber_segments_are_weighted_parts_and_sum_to_the_score():
    root = parse(taktgeber_bars(CANDIDATES, PART_LABELS, "Taktgeber"))
    rows = root.findall(".//svg:g[@class='kn-row']", NS)
    assert len(rows) == 2
    widths = []
    for row, cand in zip(rows, CANDIDATES, strict=True):
        segments = row.findall("svg:rect[@class='kn-seg']", NS)
        values = {s.get("data-part"): float(s.get("data-value")) for s in segments}
        expected = {k: cand["weights"][k] * v for k, v in cand["parts"].items() if v}
        assert values == pytest.approx(expected)
        assert sum(values.values()) == pytest.approx(cand["score"], abs=1e-9)
        # segments touch: each starts where the one before it ends
        xs = [(float(s.get("x")), float(s.get("width"))) for s in segments]
        for (x, w), (next_x, _w) in zip(xs, xs[1:], strict=False):
            assert next_x == pytest.approx(x + w, abs=0.15)
        widths.append(sum(w for _x, w in xs))
    # bar lengths are proportional to the scores
    ratio = CANDIDATES[1]["score"] / CANDIDATES[0]["score"]
    assert widths[1] / widths[0] == pytest.approx(ratio, abs=0.005)
    # the rank range is printed
    ranks = [r.find("svg:text[@class='kn-rank']", NS).text for r in rows]
    assert ranks == ["Rang 1–2", "Rang 2"]


def test_taktgeber_segment_width_is_its_share_of_the_scale():
    """With the scale fixed at 1, a segment of 0.36 is 36 % of the full bar width."""
    root = parse(taktgeber_bars(CANDIDATES[:1], PART_LABELS, "T", max_value=1))
    brokerage = rects(root, part="brokerage")[0]
    reach = rects(root, part="reach")[0]
    assert float(brokerage.get("width")) / float(reach.get("width")) == pytest.approx(
        0.36 / 0.15, rel=0.01)


def test_taktgeber_without_weight_or_unknown_part():
    """A part without weight draws nothing; a part not in part_labels shows its key."""
    cand = {"name": "X", "parts": {"reach": 1.0, "extra": 0.5}, "weights": {"extra": 1.0},
            "rank_range": None}
    svg = taktgeber_bars([cand], PART_LABELS, "T")
    root = parse(svg)
    assert [r.get("data-part") for r in rects(root) if r.get("data-part")] == ["extra"]
    assert root.find(".//svg:text[@class='kn-rank']", NS) is None
    assert ">extra<" in str(svg)


def test_level_matrix_cells_show_state_by_sign_and_colour():
    root = parse(all_charts()["levels"])
    cells = root.findall(".//svg:g[@class='kn-cell']", NS)
    assert len(cells) == 2 * len(LEVELS)
    first = {c.get("data-level"): c.get("data-state") for c in cells[:3]}
    assert first == {"strategic": "present", "coordinating": "assumed",
                     "operational": "missing"}   # a level not given counts as missing
    signs = ["".join(c.itertext()).split(":")[-1] for c in cells[:3]]
    assert [s[-1] for s in signs] == ["✓", "?", "✗"]
    assert cells[1].find("svg:rect", NS).get("fill").startswith("url(#")
    tooltip = cells[2].find("svg:title", NS).text
    assert tooltip.endswith("Umsetzung: fehlt")


def test_gaps_bars_are_proportional_to_counts():
    root = parse(all_charts()["gaps"])
    high = rects(root, severity="high")[0]
    low = rects(root, severity="low")[0]
    medium = rects(root, severity="medium")[0]
    assert float(high.get("width")) / float(low.get("width")) == pytest.approx(3, rel=0.01)
    assert float(medium.get("width")) / float(low.get("width")) == pytest.approx(2, rel=0.01)
    totals = [t.text for t in root.findall(".//svg:text[@class='kn-total']", NS)]
    assert totals == ["4", "2"]


def test_gaps_phone_drawing_puts_each_label_above_its_bar():
    """The phone drawing (320 units, shown about 360 px wide): each kind's label on a line of
    its own above its bar, left-aligned and not shortened at 40 characters; bars to scale,
    the longest as wide as the drawing allows with its total still inside it."""
    name = "Spielregeln ohne Stimme der Mitglieder!!"
    root = parse(gaps_by_kind([(name, {"high": 3, "low": 1}), ("Brücke", {"medium": 2})],
                              SEVERITIES, "Lücken", phone=True, chart_id="chart-gaps-phone"))
    assert root.get("id") == "chart-gaps-phone" and "kn-phone" in root.get("class")
    assert root.find(".//svg:line", NS) is None    # no axis: the bars carry their numbers
    for row in root.findall(".//svg:g[@class='kn-row']", NS):
        label = row.find("svg:text", NS)
        bar = row.find("svg:rect[@class='kn-seg']", NS)
        assert label.get("text-anchor") == "start" and float(label.get("x")) == 0
        assert float(label.get("y")) + 6 <= float(bar.get("y"))   # 12-unit text, above
    labels = [r.find("svg:text", NS).text for r in root.findall(".//svg:g[@class='kn-row']",
                                                                  NS)]
    assert labels == [name, "Brücke"]
    high, low = rects(root, severity="high")[0], rects(root, severity="low")[0]
    assert float(high.get("width")) / float(low.get("width")) == pytest.approx(3, rel=0.01)
    assert float(low.get("x")) + float(low.get("width")) >= 280
    totals = root.findall(".//svg:text[@class='kn-total']", NS)
    assert [t.text for t in totals] == ["4", "2"]
    assert all(float(t.get("x")) + len(t.text) * 7.2 <= 320 for t in totals)


def test_gaps_wide_drawing_is_not_the_phone_one():
    """Without ``phone`` the gaps chart keeps its labels left of the bars, on an axis."""
    root = parse(all_charts()["gaps"])
    assert "kn-phone" not in root.get("class")
    assert root.findall(".//svg:line", NS)
    row = root.find(".//svg:g[@class='kn-row']", NS)
    assert row.find("svg:text", NS).get("text-anchor") == "end"


@pytest.mark.parametrize("kind", ["taktgeber", "levels", "topics"])
def test_phone_drawings_put_each_label_above_its_bars(kind):
    """The Taktgeber, levels and topics charts drawn for a phone (320 units, class
    ``kn-phone``): each row's name left-aligned on a line above its bars or cells, which stay
    inside the drawing; the same bars and cells, with the same colours, as the wide drawing;
    the wide drawing is not changed by it."""
    wide, phone = all_charts()[kind], all_charts()[f"{kind}_phone"]
    root = parse(phone)
    assert "kn-phone" in root.get("class") and "kn-phone" not in parse(wide).get("class")
    assert root.get("id") != parse(wide).get("id")
    rows = root.findall(".//svg:g[@class='kn-row']", NS)
    assert len(rows) == 2
    for row in rows:
        label = next(t for t in row.iter("{http://www.w3.org/2000/svg}text")
                     if t.get("class") is None and t.get("x") == "0")
        assert label.get("text-anchor") == "start"
        boxes = [r for r in row.iter("{http://www.w3.org/2000/svg}rect")
                 if r.get("height") in ("16", "22")]
        assert boxes
        for box in boxes:
            assert float(label.get("y")) + 6 <= float(box.get("y"))   # 12-unit text, above
            assert 0 <= float(box.get("x")) and float(box.get("x")) + float(
                box.get("width")) <= 320 + 0.05
    labels = [next(t for t in r.iter("{http://www.w3.org/2000/svg}text")
                   if t.get("x") == "0").text for r in rows]
    assert labels[0].startswith('<script>alert("x")</script>')   # as text, escaped in markup
    assert labels[1] in ("Olpe", "Mobilität")

    def fills(svg):
        return sorted((r.get("fill"), r.get("data-part") or r.get("data-side") or "",
                       r.get("data-value") or "")
                      for r in parse(svg).iter("{http://www.w3.org/2000/svg}rect")
                      if r.get("class") in ("kn-seg", "kn-bar"))

    assert fills(phone) == fills(wide)
    if kind != "levels":   # bars to the same proportions
        bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect")
                if r.get("class") in ("kn-seg", "kn-bar")]
        unit = {float(r.get("width")) / float(r.get("data-value")) for r in bars
                if float(r.get("data-value")) > 0}
        assert max(unit) / min(unit) < 1.01, unit


def test_topic_experience_sides_share_one_scale():
    root = parse(all_charts()["topics"])
    bars = rects(root, side="experienced") + rects(root, side="inexperienced")
    widths = {(r.get("data-side"), r.get("data-value")): float(r.get("width")) for r in bars}
    unit = widths[("inexperienced", "8")] / 8
    for (side, value), width in widths.items():
        assert width == pytest.approx(unit * int(value), abs=0.15), side
    # experienced bars end at the middle line, inexperienced ones start there
    exp = rects(root, side="experienced")[0]
    inexp = rects(root, side="inexperienced")[0]
    assert float(exp.get("x")) + float(exp.get("width")) == pytest.approx(
        float(inexp.get("x")), abs=0.15)


def test_ballot_tally_segments_and_threshold():
    root = parse(all_charts()["ballot"])
    seg = {r.get("data-vote"): float(r.get("width")) for r in rects(root) if r.get("data-vote")}
    assert seg.keys() == {"yes", "no", "abstain", "not_voted"}
    assert sum(seg.values()) == pytest.approx(640, abs=0.3)
    assert seg["yes"] / seg["no"] == pytest.approx(3, rel=0.01)
    mark = root.find(".//svg:line[@class='kn-threshold']", NS)
    assert float(mark.get("x1")) == pytest.approx(640 * 4 / 7, abs=0.1)
    assert root.find(".//svg:text[@class='kn-needed']", NS).text.startswith("Nötig: 4 Ja")
    assert "Ja: 3" in root.find("svg:desc", NS).text


def test_zero_counts_are_not_drawn():
    root = parse(ballot_tally(2, 0, 0, 0, VOTES, title="B"))
    assert [r.get("data-vote") for r in rects(root) if r.get("data-vote")] == ["yes"]


@pytest.mark.parametrize("make", [
    lambda e: taktgeber_bars([], PART_LABELS, "Taktgeber", empty_text=e),
    lambda e: level_matrix([], LEVELS, STATES, "Ebenen", empty_text=e),
    lambda e: gaps_by_kind([], SEVERITIES, "Lücken", empty_text=e),
    lambda e: gaps_by_kind([], SEVERITIES, "Lücken", empty_text=e, phone=True),
    lambda e: topic_experience([], {}, "Themen", empty_text=e),
    lambda e: ballot_tally(0, 0, 0, 0, VOTES, title="Abstimmung", empty_text=e),
])
def test_empty_input_gives_a_small_chart_with_the_callers_text(make):
    svg = make("Keine Daten <vorhanden>")
    root = parse(svg)
    assert float(root.get("viewBox").split()[3]) <= 60
    assert root.find(".//svg:text[@class='kn-empty']", NS).text == "Keine Daten <vorhanden>"
    assert "Keine Daten <vorhanden>" in root.find("svg:desc", NS).text
    assert root.find(".//svg:rect[@class='kn-seg']", NS) is None


def test_numbers_use_the_callers_format():
    def german(x):
        return f"{x:.2f}".replace(".", ",")

    svg = str(taktgeber_bars(CANDIDATES[:1], PART_LABELS, "T", fmt=german))
    assert "0,81" in svg   # 0.4·0.9 + 0.3·0.5 + 0.3·1.0
    assert "0.81" not in svg


def test_ids_are_stable_unique_per_data_and_checked():
    a1, a2 = all_charts()["levels"], all_charts()["levels"]
    assert parse(a1).get("id") == parse(a2).get("id")
    other = all_charts(name="Olpe")["levels"]
    assert parse(other).get("id") != parse(a1).get("id")
    given = level_matrix([("A", {})], LEVELS, STATES, "E", chart_id="levels-1")
    assert parse(given).get("id") == "levels-1"
    assert 'fill="url(#levels-1-hatch)"' in str(given)
    with pytest.raises(ValueError, match="chart_id"):
        level_matrix([("A", {})], LEVELS, STATES, "E", chart_id='x" onload="y')


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, "3", None, True])
def test_bad_numbers_are_rejected(bad):
    with pytest.raises(ValueError):
        gaps_by_kind([("A", {"high": bad})], SEVERITIES, "G")
    with pytest.raises(ValueError):
        taktgeber_bars([{"name": "A", "parts": {"reach": bad}, "weights": {"reach": 1}}],
                       PART_LABELS, "T")


def test_long_labels_are_shortened_with_the_full_text_in_the_tooltip():
    name = "Zweckverband " * 10
    root = parse(gaps_by_kind([(name, {"high": 1})], SEVERITIES, "G"))
    row = root.find(".//svg:g[@class='kn-row']", NS)
    shown = row.findall("svg:text", NS)[0].text
    assert shown.endswith("…") and len(shown) < len(name)
    assert row.find("svg:title", NS).text.startswith(name.strip()[:40])


def test_examples():
    import doctest

    import collab.analysis.charts

    assert doctest.testmod(collab.analysis.charts).failed == 0


def test_scale_grows_when_a_bar_is_longer_than_max_value():
    cand = candidate("A", {"reach": 1.0}, {"reach": 1.5})
    root = parse(taktgeber_bars([cand], PART_LABELS, "T", max_value=1))
    seg = rects(root, part="reach")[0]
    grid = [float(g.get("x1")) for g in root.iter("{http://www.w3.org/2000/svg}line")]
    assert float(seg.get("x")) + float(seg.get("width")) <= max(grid) + 0.1
