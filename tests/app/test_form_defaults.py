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
    assert _selected(html, "source") == "swa" and _selected(html, "target") == "olpe-rat"
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
