"""Lists and select boxes sort names in German dictionary order (ä as a, ß as ss, case
ignored) on SQLite and PostgreSQL alike: "Märkischer Kreis" before "Menden", and a name
starting with an umlaut among the a's, never after z (byte order put both the other way)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from collab.core.collation import by_name, collation_key, sort_name_of
from collab.core.localtime import local_today
from collab.core.models import Actor, Format, Initiative, Municipality, Solution
from collab.extensions import db

R = "/regions/swf5"


def german(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: (collation_key(n), n))


def before_b(names: list[str], name: str) -> bool:
    """Whether ``name`` comes before every name starting with B (byte order put it last)."""
    return names.index(name) < min(i for i, n in enumerate(names) if n.startswith("B"))


def _names(api_client, kind: str) -> list[str]:
    body = api_client.get(f"/regions/swf5/{kind}?per_page=1000").get_json()
    return [item["name"] for item in body["items"]]


def test_the_key_folds_umlauts_accents_sharp_s_and_case():
    assert sorted(["Menden", "Märkischer Kreis", "olpe", "Übach", "Zell"],
                  key=collation_key) == ["Märkischer Kreis", "Menden", "olpe", "Übach", "Zell"]
    assert collation_key("Großneuhausen") == collation_key("GROSSNEUHAUSEN")
    assert collation_key("Élan") < collation_key("Fulda")
    assert sort_name_of("ß" * 200) == "s" * 400
    assert by_name(["b", "Ä", "a"], name=str) == ["Ä", "a", "b"]


def test_municipality_list_page_and_api_sort_maerkischer_kreis_before_menden(as_user, api):
    page = as_user("gast").get(f"{R}/municipalities").get_data(as_text=True)
    assert page.index(">Märkischer Kreis<") < page.index(">Menden (Sauerland)<")
    client = api("koordination")
    names = _names(client, "municipalities")
    assert names.index("Märkischer Kreis") < names.index("Menden (Sauerland)")
    assert names == german(names)
    # the database paginates: a page holds what the whole order puts there
    page3 = client.get("/regions/swf5/municipalities?per_page=5&page=3").get_json()
    assert [m["name"] for m in page3["items"]] == names[10:15]


def test_every_named_list_of_the_api_is_in_german_order(api):
    client = api("koordination")
    for kind in ("actors", "initiatives", "formats", "solutions"):
        names = _names(client, kind)
        assert names and names == german(names), kind
    regions = [r["name"] for r in client.get("/regions").get_json()]
    assert regions == german(regions)


def test_a_renamed_object_moves_to_its_place(api, app):
    """A change through the API (ORM objects) and an import (bulk UPDATE and INSERT) keep
    each record's sort key with its name."""
    client = api("koordination")
    response = client.patch("/regions/swf5/actors/swa", {"name": "Ärztenetz Südwestfalen"})
    assert response.status_code == 200, response.get_json()
    names = _names(client, "actors")
    assert before_b(names, "Ärztenetz Südwestfalen") and names == german(names)

    bundle = client.get("/regions/swf5/bundle").get_json()
    bundle["actors"][[a["key"] for a in bundle["actors"]].index("swa")]["name"] = \
        "Übergreifende Südwestfalen Agentur"
    bundle["initiatives"][0]["name"] = "Ökomodell Straße"
    new = dict(bundle["initiatives"][1], key="neu-ae", name="Älteste Initiative")
    bundle["initiatives"].append(new)
    response = client.put("/regions/swf5/bundle", bundle)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        for model in (Municipality, Actor, Initiative, Format, Solution):
            rows = db.session.execute(sa.select(model.name, model.sort_name)).all()
            assert all(key == sort_name_of(name) for name, key in rows), model
    names = _names(client, "initiatives")
    assert before_b(names, "Älteste Initiative") and names == german(names)
    actors = _names(client, "actors")
    assert actors == german(actors) and actors[-1] != "Übergreifende Südwestfalen Agentur"


def test_select_boxes_sort_the_german_way(as_user, api):
    api("koordination").patch("/regions/swf5/actors/swa", {"name": "Ärztenetz Südwestfalen"})
    coordinator = as_user("koordination")
    form = coordinator.get(f"{R}/ties/new").get_data(as_text=True)
    choices = form[form.index('<datalist id="source-options">'):]
    choices = choices[:choices.index("</datalist>")]
    options = re.findall(r'<option value="([^"]+)"', choices)
    assert before_b(options, "Ärztenetz Südwestfalen")
    view = coordinator.get(f"{R}/network").get_data(as_text=True)
    assert view.index(">Märkischer Kreis<") < view.index(">Menden (Sauerland)<")


def test_overview_matrix_sorts_a_tier_the_german_way(as_user, api):
    response = api("koordination").patch("/regions/swf5/municipalities/hochsauerlandkreis",
                                         {"name": "Ährenkreis"})
    assert response.status_code == 200, response.get_json()
    page = as_user("gast").get(R).get_data(as_text=True)
    matrix = page[page.index('class="matrix'):]
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', matrix)
    supporters = rows[rows.index("Ährenkreis"):]
    assert supporters[:2] == ["Ährenkreis", "Kreis Olpe"], supporters


def test_the_sort_key_compares_bytes_on_postgresql_whatever_the_locale(app):
    """A cluster created with a German or English locale would compare the stored keys by
    its own rules (spaces and hyphens ignored at first); the column asks for "C"."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        found = dict(db.session.execute(sa.text(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'sort_name'")).all())
        assert found == dict.fromkeys(
            ("municipality", "actor", "initiative", "format", "solution"), "C")


def test_the_survey_pages_sort_the_german_way(app, as_user, api):
    """The round's page lists the members, and the answer form the municipality's units, the
    known ties and the actors to choose from, in German order (they sorted by bytes)."""
    assert api("olpe").patch("/regions/swf5/actors/olpe-rat",
                             {"name": "Ältestenrat der Stadt Olpe"}).status_code == 200
    with app.app_context():
        closes = (local_today() + dt.timedelta(days=14)).isoformat()
    response = api("koordination").post("/regions/swf5/surveys", {"closes_at": closes})
    assert response.status_code == 201, response.get_json()
    survey = response.get_json()["id"]
    status = as_user("koordination").get(f"{R}/surveys/{survey}").get_data(as_text=True)
    assert status.index(">Märkischer Kreis<") < status.index(">Menden (Sauerland)<")
    form = as_user("olpe").get(f"{R}/surveys/{survey}/answer").get_data(as_text=True)
    units = form[:form.index("2. ")]
    assert units.index("Ältestenrat der Stadt Olpe") < units.index("Bürgermeister der Stadt Olpe")
    known = form[form.index("2. "):]
    assert known.index("Ältestenrat der Stadt Olpe") < known.index("Smart-City-Projektleitung")
    choices = form[form.index('<datalist id="survey-actors">'):]
    choices = re.findall(r'<option value="([^"]+)"', choices[:choices.index("</datalist>")])
    assert before_b(choices, "Ältestenrat der Stadt Olpe")
