"""Forms that do not create wrong data (issue 13.4)."""

from __future__ import annotations

import re

from collab.core.models import Actor, Initiative, Municipality
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
    for name, value in (("source", "swa"), ("target", "olpe-rat")):  # type-ahead inputs
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
    assert re.search(r'<input[^>]*name="source"[^>]*value="swa"|<input[^>]*value="swa"'
                     r'[^>]*name="source"', html)
    assert re.search(r'<input[^>]*name="target"[^>]*value="olpe-rat"|<input[^>]*'
                     r'value="olpe-rat"[^>]*name="target"', html)
    assert '<option value="olpe-rat"' in html and "<select" in html  # kind stays a select
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


def test_network_panel_offers_suggested_ties_with_the_filled_tie_form(as_user):
    """The network view's marks carry the transfer analysis' suggested ties; for an account
    that may add ties each links to the tie form filled in."""
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
    assert f'value="{first["from"]}"' in form and f'value="{first["to"]}"' in form
    guest = as_user("gast").get("/regions/swf5/network/marks.json?topic=mobility").get_json()
    assert guest["suggested_ties"] and not any("url" in s for s in guest["suggested_ties"])
