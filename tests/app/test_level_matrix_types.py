"""The overview's level matrix names each organisation model of a cell once: Soest's two
project groups read "Projektgruppe (2)", not "Projektgruppe, Projektgruppe"."""

from __future__ import annotations

import html
import re

R = "/regions/swf5"


def _row(page: str, name: str) -> str:
    matrix = page[page.index('<table class="matrix phone-cards">'):]
    start = matrix.index(f">{name}</a></th>")
    return matrix[start:matrix.index("</tr>", start)]


def test_two_actors_of_one_type_are_one_entry_with_a_count(as_user):
    gast = as_user("gast")
    row = _row(gast.get(R).get_data(as_text=True), "Soest")
    assert "Projektgruppe, Projektgruppe" not in row
    found = re.search(r'<a href="([^"]+)" title="([^"]+)">Projektgruppe \(2\)</a>', row)
    assert found, row
    # the count links to exactly those actors; the title names them
    assert "Projektgruppe Klimaneutrale Smart City (Fachämter)" in html.unescape(found[2])
    assert "stadtLABOR Soest" in html.unescape(found[2])
    listed = gast.get(html.unescape(found[1])).get_data(as_text=True)
    assert "stadtLABOR Soest" in listed and "Klimaneutrale Smart City" in listed
    assert "Abteilung Innovation und digitaler Wandel" not in listed  # Soest's staff unit


def test_a_single_actor_of_a_type_stays_a_link_to_it(as_user):
    row = _row(as_user("gast").get(R).get_data(as_text=True), "Soest")
    assert re.search(r'<a href="/regions/swf5/actors/[a-z0-9-]+" title="[^"]+">[^<(]+</a>',
                     row), row


def test_english_reads_the_count_too(as_user):
    user = as_user("gast")
    user.post("/lang/en", {"next": R}, csrf_from=R)
    row = _row(user.get(R).get_data(as_text=True), "Soest")
    assert ">Project group (2)</a>" in row
