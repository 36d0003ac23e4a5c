"""The survey's partners as a usability tester met them: a new partner the region already has
is linked, not created twice; a saved partner the coordination deleted leaves the form; the
partner caps are stated from the start and a refusal is shown where the partners are."""

from __future__ import annotations

import re

import pytest

from collab.core.models import Actor, Region
from collab.extensions import db
from collab.surveys.services import (
    MAX_NEW_PARTNERS,
    MAX_NEW_PARTNERS_PER_ROUND,
    MAX_PARTNERS,
    comparable_name,
)

from .test_surveys import _open, _tie

ANSWER = "/regions/swf5/surveys/{}/responses/{}"


def _actors(app, name: str) -> list[str]:
    """The keys of the actors of swf5 whose comparable name is that of ``name``."""
    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        return sorted(a.key for a in db.session.scalars(db.select(Actor).filter_by(
            region_id=region.id)) if comparable_name(a.name) == comparable_name(name))


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Actor))


def _new(name: str, unit: str = "olpe-digital") -> dict:
    return {"from": unit, "new": {"name": name, "type": "business"}, "frequency": "monthly"}


@pytest.mark.parametrize("typed, existing", [
    ("Südwestfalen Agentur", "Südwestfalen Agentur GmbH"),
    ("suedwestfalen-agentur g.m.b.h.", "Südwestfalen Agentur GmbH"),
    ("  SÜDWESTFALEN   AGENTUR  ", "Südwestfalen Agentur GmbH"),
    ("Südwestfalen IT", "Südwestfalen-IT"),
    ("Heimatverein Olpe e. V.", "Heimatverein Olpe eV"),
    ("Bürgerstiftung gGmbH", "Buergerstiftung"),
    ("Energie Genossenschaft eG", "Energie-Genossenschaft"),
    ("Stadtwerke Olpe GmbH & Co. KG", "Stadtwerke Olpe"),
    ("Kommunales Rechenzentrum AöR", "Kommunales Rechenzentrum"),
    ("Wirtschaftsförderung mbH", "Wirtschaftsfoerderung"),
    ("Netz AG", "Netz KG"),
])
def test_names_of_one_organisation_compare_equal(typed, existing):
    assert comparable_name(typed) == comparable_name(existing)


@pytest.mark.parametrize("one, other", [
    ("Verein 1 10", "Verein 11 0"),
    ("Südwestfalen Agentur", "Südwestfalen-IT"),
    ("GmbH", "AG"),
])
def test_names_of_different_organisations_stay_apart(one, other):
    assert comparable_name(one) != comparable_name(other)


def test_a_new_partner_the_region_has_is_linked_not_created(app, api):
    """The tester's duplicates: Olpe named "Südwestfalen Agentur" as a new partner (the
    region has "Südwestfalen Agentur GmbH"), Soest "Südwestfalen-IT" (exactly the name of an
    actor). Both became second actors. Now each answer is linked to the actor the region
    has, says so in its changes, and creates nothing."""
    survey = _open(api)
    before = _count(app)
    olpe = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Südwestfalen Agentur")]})
    assert olpe.status_code == 200, olpe.get_json()
    soest = api("soest").put(ANSWER.format(survey, "soest"), {"partners": [
        _new("Südwestfalen-IT", "soest-innovation")]})
    assert soest.status_code == 200, soest.get_json()
    assert _count(app) == before
    assert _actors(app, "Südwestfalen Agentur") == ["swa"]
    assert _actors(app, "Südwestfalen-IT") == ["swf-it"]
    assert _tie(app, "olpe-digital", "swa") is not None
    assert _tie(app, "soest-innovation", "swf-it") is not None
    assert olpe.get_json()["created"] == [] and soest.get_json()["created"] == []
    assert olpe.get_json()["answer"]["partners"][0]["actor"] == "swa"
    assert {"action": "actor.match", "target": "swa", "summary":
            "„Südwestfalen Agentur“ ist bereits als „Südwestfalen Agentur GmbH“ erfasst und "
            "wurde zugeordnet."} in olpe.get_json()["changes"]
    assert {"action": "actor.match", "target": "swf-it", "summary":
            "„Südwestfalen-IT“ ist bereits erfasst und wurde zugeordnet."} in \
        soest.get_json()["changes"]
    assert not any(c["action"] == "actor.create" for c in olpe.get_json()["changes"])


def test_two_new_partners_of_one_name_become_one(app, api):
    """Two rows naming "Heimatverein Olpe" and "Heimatverein Olpe e. V." create one actor,
    to which both ties lead; it counts once against the cap."""
    survey = _open(api)
    before = _count(app)
    answer = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Heimatverein Olpe"), _new("Heimatverein Olpe e. V.", "olpe-rat")]})
    assert answer.status_code == 200, answer.get_json()
    assert _count(app) == before + 1
    (key,) = answer.get_json()["created"]
    assert [p["actor"] for p in answer.get_json()["answer"]["partners"]] == [key, key]
    assert _tie(app, "olpe-digital", key) is not None and _tie(app, "olpe-rat", key) is not None
    assert sum(c["action"] == "actor.create" for c in answer.get_json()["changes"]) == 1


def test_linked_partners_do_not_count_against_the_caps(app, api):
    """An answer of 50 new partners, with a 51st that repeats one of them in other spelling
    and a 52nd the region has, is taken (before, the 51st and 52nd counted as new); once
    the round's 100 are used up, a new partner the region has is still taken."""
    survey = _open(api)
    olpe = api("olpe")
    full = [_new(f"Partner {n}") for n in range(MAX_NEW_PARTNERS)]
    answer = olpe.put(ANSWER.format(survey, "olpe"), {"partners": full + [
        _new("PARTNER-0 GmbH", "olpe-rat"), _new("Südwestfalen Agentur")]})
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["created"]) == MAX_NEW_PARTNERS
    more = olpe.put(ANSWER.format(survey, "olpe"), {"partners": [
        _new(f"Weitere {n}") for n in range(MAX_NEW_PARTNERS)]})
    assert more.status_code == 200, more.get_json()
    assert len(more.get_json()["created"]) == MAX_NEW_PARTNERS_PER_ROUND
    before = _count(app)
    known = olpe.put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Weitere 7 e.V."), _new("Südwestfalen-Agentur")]})
    assert known.status_code == 200, known.get_json()
    assert _count(app) == before
    refused = olpe.put(ANSWER.format(survey, "olpe"), {"partners": [_new("Ganz Neu")]})
    assert refused.status_code == 422


def test_a_name_several_actors_bear_is_refused_with_their_keys(app, api):
    """A new partner whose name two actors bear is not guessed: 422 at its name, naming
    both; nothing is created. One bearing the name exactly as typed is taken."""
    survey = _open(api)
    coordinator = api("koordination")
    for key, name in (("digital-a", "Digitalverein"), ("digital-b", "Digitalverein e.V.")):
        assert coordinator.post("/regions/swf5/actors", {
            "key": key, "name": name, "type": "association",
            "level": "operational"}).status_code == 201
    before = _count(app)
    refused = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Digital-Verein")]})
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["details"] == [{
        "field": "partners[0].new.name",
        "message": "Partner: „Digital-Verein“ ist schon mehrfach erfasst (Digitalverein – "
                   "digital-a; Digitalverein e.V. – digital-b); bitte wählen Sie einen davon "
                   "in der Spalte „Partner“."}]
    assert _count(app) == before
    exact = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Digitalverein e.V.")]})
    assert exact.status_code == 200, exact.get_json()
    assert exact.get_json()["answer"]["partners"][0]["actor"] == "digital-b"


def test_a_unit_named_as_a_new_partner_of_itself_is_refused(app, api):
    survey = _open(api)
    refused = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Smart-City-Projektleitung der Stadt Olpe")]})
    assert refused.status_code == 422
    assert refused.get_json()["details"] == [{
        "field": "partners[0].new.name",
        "message": "Partner: Eine Einheit ist nicht ihr eigener Partner."}]


def test_the_form_says_a_new_partner_was_linked(app, api, as_user):
    """On the page, the answer is saved and the message names the actor it was linked to;
    the form opened again shows that actor as the row's partner."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    olpe = as_user("olpe")
    before = _count(app)
    posted = olpe.post(path, {"rows": "1", "p-0-from": "olpe-digital",
                              "p-0-new_name": "Südwestfalen Agentur",
                              "p-0-new_type": "business", "p-0-frequency": "monthly",
                              "submit": "x"}, csrf_from=path)
    assert posted.status_code == 302, posted.get_data(as_text=True)
    page = olpe.get(path).get_data(as_text=True)
    assert ("„Südwestfalen Agentur“ ist bereits als „Südwestfalen Agentur GmbH“ erfasst und "
            "wurde zugeordnet.") in page
    assert 'name="p-0-actor" list="survey-actors" value="Südwestfalen Agentur GmbH"' in page
    assert _count(app) == before


def test_a_deleted_partner_leaves_the_saved_form(app, api, as_user):
    """The tester's dead end: the coordination deleted an actor Olpe's answer named; the
    form offered its key ("gespeichert: olpe-testpartner-b") and refused it with 422 once per
    row, marking nothing. Now the row is gone, a note says why, and the form as shown is
    taken."""
    survey = _open(api)
    answered = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        _new("Testpartner B"),
        {"from": "olpe-digital", "actor": "soest-innovation", "frequency": "weekly"}]})
    assert answered.status_code == 200, answered.get_json()
    (key,) = answered.get_json()["created"]
    assert api("koordination").delete(f"/regions/swf5/actors/{key}").status_code in (200, 204)
    path = f"/regions/swf5/surveys/{survey}/answer"
    olpe = as_user("olpe")
    page = olpe.get(path).get_data(as_text=True)
    assert key not in page
    assert ("1 gespeicherter Partner ist nicht mehr aufgeführt: Er wurde inzwischen "
            "gelöscht.") in page
    fields = dict(re.findall(r'name="(p-\d+-actor)" list="survey-actors" value="([^"]*)"',
                             page))
    assert fields["p-0-actor"] == "Abteilung Innovation und digitaler Wandel"
    assert "gespeichert: Abteilung Innovation und digitaler Wandel (Soest)" in page
    form = {"rows": str(len(fields)), "submit": "x"}
    for name, value in fields.items():
        row = name.rsplit("-", 1)[0]
        form |= {name: value, f"{row}-from": "olpe-digital", f"{row}-frequency": "weekly"}
    posted = olpe.post(path, form, csrf_from=path)
    assert posted.status_code == 302, posted.get_data(as_text=True)


def test_the_caps_are_stated_from_the_start(app, api, as_user):
    survey = _open(api)
    page = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    partners = page.split('id="survey-partners"', 1)[1]
    assert (f"Höchstens {MAX_PARTNERS} Partner je Antwort, davon {MAX_NEW_PARTNERS} neue; in "
            f"einer Runde legt Ihre Kommune höchstens {MAX_NEW_PARTNERS_PER_ROUND} neue Partner "
            "an.") in partners.split('class="survey-partners"', 1)[0]


def test_a_cap_reached_is_shown_at_the_partners(app, api, as_user):
    """51 new partners on the form: the refusal stands in the partner section, focused, and
    the list at the top links to it (before, only the top banner spoke of "markierten
    Angaben", and nothing was marked)."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    form = {"rows": str(MAX_NEW_PARTNERS + 1), "submit": "x"}
    for n in range(MAX_NEW_PARTNERS + 1):
        form |= {f"p-{n}-from": "olpe-digital", f"p-{n}-new_name": f"Verein {n}",
                 f"p-{n}-frequency": "yearly"}
    page = as_user("olpe").post(path, form, csrf_from=path)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    box = re.search(r'<div class="flash flash-error" role="alert" id="survey-partner-problems"'
                    r' tabindex="-1" autofocus><ul><li>([^<]*)</li>', html)
    assert box and box.group(1).startswith("Partner: Eine Antwort legt höchstens 50 neue")
    assert html.index('id="survey-partners"') < box.start() < html.index(
        'class="stacked survey-partners"')
    assert '<a href="#survey-partner-problems">Partner: Eine Antwort legt' in html
    assert html.count("autofocus") == 1


def test_a_partner_refused_is_marked_in_its_row(app, api, as_user):
    """A partner the region does not have, typed in the third row after an empty one: that
    row's partner field is marked, carries the message and is focused; the list at the top
    links to it."""
    survey = _open(api)
    path = f"/regions/swf5/surveys/{survey}/answer"
    page = as_user("olpe").post(path, {
        "rows": "3", "p-0-from": "olpe-digital", "p-0-actor": "soest-innovation",
        "p-0-frequency": "weekly", "p-2-from": "olpe-digital", "p-2-actor": "Gibt es nicht",
        "p-2-frequency": "weekly", "submit": "x"}, csrf_from=path)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    row = html.split('name="p-2-from"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="partner has-error"' in row
    assert ('id="p-2-actor" aria-invalid="true" aria-describedby="p-2-actor-problem" '
            'autofocus>') in row
    assert ('<span class="error" id="p-2-actor-problem">Partner: Akteur „Gibt es nicht“ gibt '
            'es in dieser Region nicht.</span>') in row
    assert '<a href="#p-2-actor">Partner: Akteur „Gibt es nicht“' in html
    assert "has-error" not in html.split('name="p-2-from"', 1)[0].split(
        'class="stacked survey-partners"', 1)[1]


def test_a_new_partner_of_several_actors_is_marked_at_its_name(app, api, as_user):
    survey = _open(api)
    coordinator = api("koordination")
    for key in ("digital-a", "digital-b"):
        assert coordinator.post("/regions/swf5/actors", {
            "key": key, "name": "Digitalverein", "type": "association",
            "level": "operational"}).status_code == 201
    path = f"/regions/swf5/surveys/{survey}/answer"
    page = as_user("olpe").post(path, {
        "rows": "1", "p-0-from": "olpe-digital", "p-0-new_name": "Digitalverein e. V.",
        "p-0-frequency": "weekly", "submit": "x"}, csrf_from=path)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert '<td class="new has-error"' in html
    assert 'id="p-0-new_name" aria-invalid="true" aria-describedby="p-0-new_name-problem"' \
        in html
    assert "digital-a; Digitalverein – digital-b" in html
