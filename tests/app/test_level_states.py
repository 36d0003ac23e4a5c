"""One rule for a member's levels, in the same words everywhere: the overview's level
matrix, the analysis (its organisation table, its gaps, the API report) and the
municipality's page. In "5 für Südwestfalen" most units of the Mitmacherkommunen are
modelling assumptions: Lüdenscheid has one assumed Fachamt and nothing else, so its
implementing level is "angenommen" and the other two "nicht erfasst" (a request to confirm,
not a gap); Olpe (documented council, assumed office, no implementing unit) lacks its
implementing level: "fehlt", the one "Fehlende Ebene". Before, the overview showed "fehlt"
for 19 members' levels and the assumed units as if documented, the analysis one missing
level and "nur angenommene Angaben" for levels nothing was recorded for."""

from __future__ import annotations

import html
import re

R = "/regions/swf5"
LEVELS = ("strategic", "coordinating", "operational")
CLASS_OF = {"documented": "has", "assumed": "assumed", "missing": "gap",
            "unrecorded": "unrecorded"}


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _rows(page: str) -> dict[str, list[tuple[str, str]]]:
    """Municipality name -> (class, text) of its three level cells in the first level
    table of ``page`` (the overview's matrix, the analysis' organisation table)."""
    table = page[page.index('<table class="matrix phone-cards">'):]
    table = table[:table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        name = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if not name:
            continue
        cells = re.findall(r'<td data-label="[^"]*" class="([a-z]+)">(.*?)</td>', row, re.S)
        rows[_text(name[1])] = [(c, _text(t)) for c, t in cells]
    return rows


def test_overview_names_assumed_and_unrecorded_levels_as_the_analysis_does(as_user, api):
    gast = as_user("gast")
    rows = _rows(gast.get(R).get_data(as_text=True))
    assert rows["Lüdenscheid"] == [("unrecorded", "nicht erfasst"),
                                   ("unrecorded", "nicht erfasst"),
                                   ("assumed", "Fachamt (angenommen)")]
    assert rows["Attendorn"] == [("assumed", "Verwaltungsspitze (angenommen)"),
                                 ("unrecorded", "nicht erfasst"),
                                 ("unrecorded", "nicht erfasst")]
    assert rows["Olpe"][1:] == [("assumed", "Smart-City-Büro (angenommen)"),
                                ("gap", "fehlt")]
    assert [c for c, _t in rows["Arnsberg"]] == ["has"] * 3
    # a supporter needs no levels of its own: nothing recorded is not a gap
    assert rows["Kreis Olpe"][1:] == [("unrecorded", "nicht erfasst")] * 2
    # the one rule: each cell's state is the report's, and "fehlt" is exactly the
    # analysis' missing levels
    report = api("gast").get(f"{R}/analysis").get_json()
    names = {m["key"]: m["name"] for m in report["org_models"]["members"]}
    for m in report["org_models"]["members"]:
        assert [c for c, _t in rows[m["name"]]] == [CLASS_OF[m["states"][lv]] for lv in LEVELS]
    gaps = {names[g["keys"][0]] for g in report["gaps"] if g["kind"] == "missing_level"}
    assert gaps == {n for n, cells in rows.items() if any(c == "gap" for c, _t in cells)}
    assert gaps == {"Olpe"}
    analysis = _rows(gast.get(f"{R}/analysis").get_data(as_text=True))
    assert analysis["Lüdenscheid"] == rows["Lüdenscheid"]
    assert [c for c, _t in analysis["Attendorn"]] == [c for c, _t in rows["Attendorn"]]


def test_analysis_request_tells_assumed_from_not_recorded(as_user):
    page = _text(as_user("gast").get(f"{R}/analysis").get_data(as_text=True))
    assert ("Für Lüdenscheid liegen keine belegten Angaben vor (angenommen: Umsetzungsebene; "
            "nicht erfasst: politisch-strategische Ebene und koordinierende Ebene). Bitte "
            "bestätigen Sie") in page
    assert ("Für Attendorn liegen keine belegten Angaben vor (angenommen: "
            "politisch-strategische Ebene; nicht erfasst: koordinierende Ebene und "
            "Umsetzungsebene).") in page
    assert "liegen nur angenommene Angaben vor" not in page
    # the legend under the organisation table is the overview's
    assert "„Nicht erfasst“: Für die Ebene ist nichts erfasst" in page
    assert "Fehlende Ebene (1)" in page


def test_municipality_page_says_the_same(as_user):
    page = as_user("gast").get(f"{R}/municipalities/luedenscheid").get_data(as_text=True)
    levels = page[page.index('<dl class="facts levels">'):]
    levels = levels[:levels.index("</dl>")]
    found = dict(zip((_text(t) for t in re.findall(r"<dt>(.*?)</dt>", levels, re.S)),
                     re.findall(r'<dd class="([a-z]+)">(.*?)</dd>', levels, re.S),
                     strict=True))
    assert {k: (c, _text(t)) for k, (c, t) in found.items()} == {
        "politisch-strategisch": ("unrecorded", "nicht erfasst"),
        "koordinierend": ("unrecorded", "nicht erfasst"),
        "Umsetzung": ("assumed", "IT und Digitalisierung der Stadtverwaltung Lüdenscheid "
                                 "(angenommen)")}
    # the actor's own provenance is shown too
    actors = page[page.index("municipality-actors"):]
    assert 'data-label="Herkunft">angenommen</td>' in actors[:actors.index("</table>")]


def test_english_words(as_user):
    user = as_user("gast")
    user.post("/lang/en", {"next": R}, csrf_from=R)
    rows = _rows(user.get(R).get_data(as_text=True))
    assert rows["Lüdenscheid"][0] == ("unrecorded", "not recorded")
    assert rows["Lüdenscheid"][2] == ("assumed", "Specialist department (assumed)")
    assert rows["Olpe"][2] == ("gap", "missing")


def test_a_mandate_covers_the_coordinating_level_in_the_overview_too(as_user, api):
    """A mandate from Burbach's mayor to the agency fills Burbach's coordinating level from
    outside; the analysis says so, and now the overview does too (it only looked at the
    report when a Taktgeber was designated, so it kept showing a gap)."""
    assert api("koordination").post(f"{R}/ties", {
        "source": "burbach-bm", "target": "swa", "kind": "mandate",
        "weight": 3}).status_code == 201
    report = api("gast").get(f"{R}/analysis").get_json()
    burbach = next(m for m in report["org_models"]["members"] if m["key"] == "burbach")
    assert burbach["covered_by"] == "swa"
    assert burbach["states"]["coordinating"] == "documented"  # the agency is documented
    rows = _rows(as_user("gast").get(R).get_data(as_text=True))
    assert rows["Burbach"][1] == ("has", "übernommen von Südwestfalen Agentur GmbH")
    analysis = _rows(as_user("gast").get(f"{R}/analysis").get_data(as_text=True))
    assert analysis["Burbach"][1] == rows["Burbach"][1]
    page = as_user("gast").get(f"{R}/municipalities/burbach").get_data(as_text=True)
    assert "übernommen von <a href=\"/regions/swf5/actors/swa\">Südwestfalen Agentur GmbH" \
        in page


def test_solutions_tile_holds_only_its_count(as_user):
    """The "Lösungen" tile held a second link after a "·", which wrapped into half a tile;
    the regions' comparison is a button of its own beside the analysis."""
    page = as_user("gast").get(R).get_data(as_text=True)
    stats = page[page.index('<ul class="stats">'):]
    stats = stats[:stats.index("</ul>")]
    assert "·" not in stats and "Regionen im Vergleich" not in stats
    tiles = re.findall(r"<li>(.*?)</li>", stats, re.S)
    assert all(t.count("<a ") == 1 for t in tiles), tiles
    assert re.search(r'<a class="button" href="/regions/compare">Regionen im Vergleich</a>',
                     page), page[page.index("Regionen im Vergleich") - 200:][:400]


def test_a_documented_unit_turns_not_recorded_into_missing_at_once(as_user, api):
    """Once Lüdenscheid's Fachamt is documented, the member has documented records: its
    other two levels are gaps ("fehlt", "Fehlende Ebene") in the overview, whose cached
    table follows the provenance at once, and in the analysis."""
    user = as_user("gast")
    assert _rows(user.get(R).get_data(as_text=True))["Lüdenscheid"][0][0] == "unrecorded"
    assert api("koordination").patch(f"{R}/actors/luedenscheid-it",
                                     {"provenance": "documented"}).status_code == 200
    rows = _rows(user.get(R).get_data(as_text=True))
    assert rows["Lüdenscheid"] == [("gap", "fehlt"), ("gap", "fehlt"), ("has", "Fachamt")]
    report = api("gast").get(f"{R}/analysis").get_json()
    assert ["luedenscheid"] in [g["keys"] for g in report["gaps"]
                                if g["kind"] == "missing_level"]
