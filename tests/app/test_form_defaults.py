"""Forms that do not create wrong data (issue 13.4)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from collab.core.models import Actor, Initiative, Municipality, Tie
from collab.extensions import db


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    option = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                       select.group(1)) if select else None
    return (option.group(1) or option.group(2)) if option else None


def test_new_municipality_defaults(as_user):
    html = as_user("koordination").get("/regions/swf5/municipalities/new").get_data(as_text=True)
    assert _selected(html, "kind") == "gemeinde"
    assert _selected(html, "tier") == "member"
    assert _selected(html, "state") == "NW"  # the region's Land


def test_new_actor_from_a_municipality_page_is_filed_under_it(as_user):
    """User pass: "Akteur anlegen" on Olpe's page opened the form with "— keine (regionale
    Stelle) —", so the coordinator's new unit for Olpe became a regional body and Olpe's gap
    stayed open. The link names the municipality (and a level may be given); a member's
    form stays on its own municipality whatever the query says."""
    coordinator = as_user("koordination")
    page = coordinator.get("/regions/swf5/municipalities/olpe").get_data(as_text=True)
    assert 'href="/regions/swf5/actors/new?municipality=olpe"' in page
    html = coordinator.get("/regions/swf5/actors/new?municipality=olpe&level=operational"
                           ).get_data(as_text=True)
    assert _selected(html, "municipality") == "olpe"
    assert _selected(html, "level") == "operational"
    html = coordinator.get("/regions/swf5/actors/new?level=nonsense").get_data(as_text=True)
    assert _selected(html, "level") != "nonsense"
    html = as_user("soest").get("/regions/swf5/actors/new?municipality=olpe"
                                ).get_data(as_text=True)
    assert _selected(html, "municipality") == "soest"


def test_key_from_name_and_type_level_warning(app, as_user):
    coordinator = as_user("koordination")
    path = "/regions/swf5/actors/new"
    response = coordinator.post(path, {"key": "", "name": "Rat der Gemeinde Überall",
                                       "type": "council", "level": "coordinating",
                                       "sector": "public", "municipality": "olpe",
                                       "provenance": "documented"},
                                csrf_from=path, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "üblicherweise auf der Ebene" in html
    with app.app_context():
        assert db.session.scalar(db.select(Actor).filter_by(key="rat-der-gemeinde-ueberall"))


def test_participants_default_to_partner_and_one_lead(app, as_user):
    coordinator = as_user("koordination")
    path = "/regions/swf5/initiatives/new"
    html = coordinator.get(path).get_data(as_text=True)
    assert _selected(html, "participants-0-role") == "partner"
    base = {"key": "", "name": "Gemeinsame Beschaffung", "topic": "administration",
            "status": "idea", "scope": "joint"}
    more = coordinator.post(path, {**base, "participants-0-actor": "swa",
                                   "participants-0-role": "lead", "more": "weitere Zeile"},
                            csrf_from=path).get_data(as_text=True)
    assert 'name="participants-1-actor"' in more  # one row more, nothing saved
    two_leads = coordinator.post(path, {
        **base, "participants-0-actor": "swa", "participants-0-role": "lead",
        "participants-1-actor": "olpe-digital", "participants-1-role": "lead"}, csrf_from=path)
    assert "Nur ein Akteur hat die Federführung" in two_leads.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Initiative).filter_by(
            key="gemeinsame-beschaffung")) is None
    ok = coordinator.post(path, {
        **base, "participants-0-actor": "swa", "participants-0-role": "lead",
        "participants-1-actor": "olpe-digital", "participants-1-role": "partner"},
        csrf_from=path)
    assert ok.status_code == 302, ok.get_data(as_text=True)


def test_tie_form_prefilled_from_the_query(as_user):
    html = as_user("koordination").get(
        "/regions/swf5/ties/new?source=swa&target=olpe-rat&tie_kind=knowledge_transfer"
    ).get_data(as_text=True)
    for name, value in (("source", "Südwestfalen Agentur GmbH"),  # type-ahead inputs,
                        ("target", "Rat der Stadt Olpe")):  # the keys shown by name
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'value="{value}"' in tag, tag
    assert _selected(html, "kind") == "knowledge_transfer"


def test_municipality_key_from_name(app, as_user):
    coordinator = as_user("koordination")
    path = "/regions/swf5/municipalities/new"
    response = coordinator.post(path, {"key": "", "name": "Finnentrop", "kind": "gemeinde",
                                       "ags": "05966012", "state": "NW",
                                       "population": "17000", "tier": "member",
                                       "provenance": "documented"}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Municipality).filter_by(key="finnentrop"))


def test_tie_ends_and_participants_have_type_ahead(app, as_user):
    """Long actor selects are text inputs with a <datalist> of the actors (no script); a
    typed key is still checked on the server."""
    coordinator = as_user("koordination")
    path = "/regions/swf5/ties/new?source=swa&target=olpe-rat&tie_kind=knowledge_transfer"
    html = coordinator.get(path).get_data(as_text=True)
    for name in ("source", "target"):
        assert re.search(rf'<input[^>]*list="{name}-options"', html), name
        assert f'<datalist id="{name}-options">' in html
    assert re.search(r'<input[^>]*name="source"[^>]*value="Südwestfalen Agentur GmbH"', html)
    assert re.search(r'<input[^>]*name="target"[^>]*value="Rat der Stadt Olpe"', html)
    assert '<option value="Rat der Stadt Olpe" label="Olpe · olpe-rat"' in html
    assert "<select" in html  # kind stays a select
    assert _selected(html, "kind") == "knowledge_transfer"
    with app.app_context():
        count = db.session.query(Actor).join(Actor.region).filter_by(slug="swf5").count()
    assert html.split('<datalist id="source-options">')[1].split("</datalist>")[0].count(
        "<option") == count

    form = "/regions/swf5/ties/new"
    data = {"source": "swa", "target": "gibt-es-nicht", "kind": "cooperation", "weight": "3",
            "key": "", "description": "", "trust": "", "value": "",
            "provenance": "documented", "reference": ""}
    bad = coordinator.post(form, data, csrf_from=form)
    errors = re.findall(r'class="error" role="alert">([^<]*)<', bad.get_data(as_text=True))
    assert bad.status_code == 200 and errors, errors  # the form again, with the field's message
    assert "„gibt-es-nicht“ gibt es in dieser Region nicht" in errors[0]
    made = coordinator.post(form, {**data, "target": "olpe-rat", "kind": "knowledge_transfer"},
                            csrf_from=form)
    assert made.status_code == 302, made.get_data(as_text=True)

    page = coordinator.get("/regions/swf5/initiatives/new").get_data(as_text=True)
    assert page.count("<datalist") == 1  # one list shared by every participant row
    rows = re.findall(r'<input[^>]*name="participants-\d+-actor"[^>]*>', page)
    assert len(rows) >= 4 and all('list="participants-0-actor-options"' in r for r in rows)


TIE = {"kind": "advice", "weight": "3", "key": "", "description": "", "trust": "",
       "value": "", "provenance": "documented", "reference": ""}


def _options(html: str, list_id: str) -> list[tuple[str, str]]:
    body = html.split(f'<datalist id="{list_id}">')[1].split("</datalist>")[0]
    return re.findall(r'<option value="([^"]*)" label="([^"]*)"', body)


def _input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_tie_ends_are_picked_and_shown_by_name(app, as_user):
    """The tie form's type-ahead offers actors by name (its label names the municipality and
    the key), a name sent (case and spaces aside) is saved as the actor's key, and the edit
    form shows the ends by name again."""
    coordinator = as_user("koordination")
    form = "/regions/swf5/ties/new"
    offered = dict(_options(coordinator.get(form).get_data(as_text=True), "source-options"))
    assert offered["Smart-City-Projektleitung der Stadt Olpe"] == "Olpe · olpe-digital"
    assert offered["Südwestfalen Agentur GmbH"] == "swa"  # a regional body: no municipality
    assert offered["Rat der Stadt Menden (Sauerland)"] == "Menden (Sauerland) · menden-rat"
    assert not {"olpe-digital", "swa"} & offered.keys()  # no key where the name is clear
    made = coordinator.post(form, {**TIE, "source": "Smart-City-Projektleitung der Stadt Olpe",
                                   "target": " südwestfalen agentur gmbh "}, csrf_from=form)
    assert made.status_code == 302, made.get_data(as_text=True)
    with app.app_context():
        ends = db.session.execute(sa.select(Tie.key, Tie.source_id, Tie.target_id).where(
            Tie.kind == "advice").order_by(Tie.id.desc())).first()
        keys = {a.id: a.key for a in db.session.scalars(sa.select(Actor).where(
            Actor.id.in_(ends[1:])))}
    assert (keys[ends.source_id], keys[ends.target_id]) == ("olpe-digital", "swa")
    edit = coordinator.get(f"/regions/swf5/ties/{ends.key}/edit").get_data(as_text=True)
    assert _input_value(edit, "source") == "Smart-City-Projektleitung der Stadt Olpe"
    assert _input_value(edit, "target") == "Südwestfalen Agentur GmbH"

    # a member's own actors come first, their group named in the label
    own = dict(_options(as_user("olpe").get(form).get_data(as_text=True), "target-options"))
    assert own["Rat der Stadt Olpe"] == "Olpe · olpe-rat – Akteure Ihrer Kommune"
    assert own["Rat der Stadt Soest"] == "Soest · soest-rat – Weitere Akteure"


def test_a_tie_end_named_by_two_actors_is_refused(app, api, as_user):
    """A name two actors bear is offered by key (with the name as its label); sent as a name
    it is refused with both keys and nothing is saved, never resolved to one of them."""
    name = "Smart-City-Projektleitung der Stadt Olpe"
    added = api("koordination").post("/regions/swf5/actors", {
        "key": "olpe-digital-2", "name": name, "type": "project_group",
        "level": "operational", "municipality": "olpe"})
    assert added.status_code == 201, added.get_json()
    coordinator = as_user("koordination")
    form = "/regions/swf5/ties/new"
    offered = dict(_options(coordinator.get(form).get_data(as_text=True), "source-options"))
    assert offered["olpe-digital"] == offered["olpe-digital-2"] == f"{name} (Olpe)"
    assert name not in offered
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Tie.id)))
    refused = coordinator.post(form, {**TIE, "source": name, "target": "swa"}, csrf_from=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert (f"Von: „{name}“ heißen mehrere Akteure dieser Region; bitte geben Sie den "
            "Schlüssel ein: olpe-digital, olpe-digital-2.") in html
    assert _input_value(html, "source") == name  # kept as typed, to be corrected
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tie.id))) == before
    made = coordinator.post(form, {**TIE, "source": "olpe-digital-2", "target": "swa"},
                            csrf_from=form)
    assert made.status_code == 302, made.get_data(as_text=True)


def test_network_panel_offers_suggested_ties_with_the_filled_tie_form(app, as_user):
    """The network view's marks carry the transfer analysis' suggested ties; for an account
    that may add ties each links to the tie form filled in (the ends by name)."""
    page = as_user("koordination").get("/regions/swf5/network").get_data(as_text=True)
    assert 'id="panel-suggested"' in page and "Verbindung anlegen" in page
    marks = as_user("koordination").get(
        "/regions/swf5/network/marks.json?topic=mobility").get_json()
    suggested = marks["suggested_ties"]
    assert suggested and all(s["topic"] == "mobility" for s in suggested)
    first = suggested[0]
    assert first["url"] == (f"/regions/swf5/ties/new?source={first['from']}&target="
                            f"{first['to']}&tie_kind=knowledge_transfer")
    form = as_user("koordination").get(first["url"]).get_data(as_text=True)
    with app.app_context():
        names = dict(db.session.execute(sa.select(Actor.key, Actor.name).where(
            Actor.key.in_([first["from"], first["to"]]))).all())
    assert _input_value(form, "source") == names[first["from"]]
    assert _input_value(form, "target") == names[first["to"]]
    guest = as_user("gast").get("/regions/swf5/network/marks.json?topic=mobility").get_json()
    assert guest["suggested_ties"] and not any("url" in s for s in guest["suggested_ties"])
