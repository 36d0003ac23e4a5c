"""Differing counts are explained where a reader meets them: 24 members in the overview, 19
that vote on Spielregeln and that knowledge transfer is for; 4 communities in the overview,
3 of the connected network in a Taktgeber candidate's coverage ("3 von 3")."""

from __future__ import annotations

import html
import re

from .test_pictures import _pdftext, needs_poppler

R = "/regions/swf5"


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _paragraph(page: str, marker: str) -> str:
    start = page.index(marker)
    return _text(page[start:page.index("</p>", start)])


def test_the_overview_says_who_votes_and_whom_transfer_is_for(as_user):
    page = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    overview = _paragraph(page, 'id="summary-counts"')
    assert ("19 der 24 Mitgliedskommunen sind bei Spielregeln stimmberechtigt (Stufen: "
            "Pionierkommune, Mitmacherkommune).") in overview
    assert ("zählen als „ohne Erfahrung“ nur Pionier- und Mitmacherkommunen (19 der 24 "
            "Mitgliedskommunen)") in overview
    # the transfer section, whose counts add up to 19 per topic, says it again
    transfer = page[page.index('<section id="transfer">'):]
    assert "(19 der 24 Mitgliedskommunen)" in _paragraph(transfer, "<p>")


def test_the_communities_of_overview_and_coverage_are_told_apart(as_user):
    """Burbach has no tie: the overview counts it as a community of its own (4), the
    candidates' coverage counts the 3 of the connected network."""
    page = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    assert "<strong>4</strong> Teilnetze (Communities)" in page
    overview = _paragraph(page, 'id="summary-counts"')
    assert ("Von den 4 Teilnetzen besteht 1 aus Kommunen ohne Verbindung zum übrigen Netz; "
            "die Abdeckung der Taktgeber-Kandidaten zählt nur die Teilnetze des "
            "zusammenhängenden Netzes (3).") in overview
    candidate = _text(page[page.index('class="candidate"'):page.index("</details>",
                                                                       page.index('class="candidate"'))])
    assert "erreicht 3 von 3 Teilnetzen des zusammenhängenden Netzes" in candidate
    assert "Teilnetze des zusammenhängenden Netzes 3 von 3" in candidate
    structure = page[page.index('<section id="structure">'):]
    assert "Von den 4 Teilnetzen besteht 1" in _paragraph(structure, "<p>")


def test_a_connected_network_needs_no_note_on_communities(as_user, api):
    """Once Burbach has a tie, every community is of the connected network: no note."""
    assert api("koordination").post("/regions/swf5/ties", {
        "source": "burbach-bm", "target": "swa", "kind": "cooperation",
        "weight": 3}).status_code == 201
    page = as_user("gast").get(f"{R}/analysis").get_data(as_text=True)
    assert "Teilnetzen besteht" not in page and "Teilnetzen bestehen" not in page


def test_the_english_page_explains_the_counts_too(as_user):
    user = as_user("gast")
    user.post("/lang/en", {"next": R}, csrf_from=R)
    page = user.get(f"{R}/analysis").get_data(as_text=True)
    assert 'id="summary-counts"' in page


def test_the_rules_page_says_how_many_members_vote_now(as_user):
    page = as_user("gast").get(f"{R}/rules").get_data(as_text=True)
    assert "Derzeit sind das 19 der 24 Mitgliedskommunen." in _text(page)


@needs_poppler
def test_the_pdf_report_explains_the_counts(as_user, tmp_path):
    text = " ".join(_pdftext(as_user("koordination").get(f"{R}/report.pdf").get_data(),
                             tmp_path).split())
    assert "19 der 24 Mitgliedskommunen sind bei Spielregeln stimmberechtigt" in text
    assert "Von den 4 Teilnetzen besteht 1 aus Kommunen ohne Verbindung" in text
