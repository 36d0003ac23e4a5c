"""Object forms after the QA report of session qa1: an initiative's participants shown by
name, "Beteiligung anfragen" only where a member may ask, no actor type chosen unseen."""

from __future__ import annotations

import re

import sqlalchemy as sa

from collab.core.models import Actor, Initiative, Region
from collab.extensions import db

R = "/regions/swf5"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _participants(app, key: str) -> dict[str, str]:
    """The initiative's participants as {actor key: role}."""
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        initiative = db.session.scalar(sa.select(Initiative).filter_by(
            region_id=region.id, key=key))
        found = {p.actor.key: p.role for p in initiative.participations}
        db.session.remove()
    return found


def _form_fields(html: str) -> dict[str, str]:
    """The values a browser sends for the form's text inputs and selects."""
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="submit"' not in tag:
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body) or re.search(
            r'<option[^>]*value="([^"]*)"[^>]*selected', body) or re.search(
            r'<option[^>]*value="([^"]*)"', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html,
                                 re.S):
        data[name] = body.strip()
    return {k: v.replace("&#34;", '"').replace("&amp;", "&") for k, v in data.items()}


def test_initiative_edit_rows_show_actors_by_name_and_save_unchanged(as_user, app):
    """QA: the rows of …/initiatives/<key>/edit read "olpe-digital". They name the actor,
    the type-ahead suggests names (with municipality and key beside them), and sending the
    form back unchanged keeps every participant with its role."""
    before = _participants(app, "olpe-2030")
    olpe = as_user("olpe")
    page = _html(olpe.get(f"{R}/initiatives/olpe-2030/edit"))
    rows = re.findall(r'<input[^>]*name="participants-\d+-actor"[^>]*>', page)
    values = [re.search(r'value="([^"]*)"', r).group(1) for r in rows]
    assert "Smart-City-Projektleitung der Stadt Olpe" in values
    assert not [v for v in values if v in before], values  # no key shown
    suggestions = page.split('<datalist id="participants-0-actor-options">')[1].split(
        "</datalist>")[0]
    assert ('<option value="Smart-City-Projektleitung der Stadt Olpe" '
            'label="Olpe · olpe-digital">') in suggestions

    sent = olpe.post(f"{R}/initiatives/olpe-2030/edit", _form_fields(page),
                     csrf_from=f"{R}/initiatives/olpe-2030/edit")
    assert sent.status_code == 302, _html(sent)
    assert _participants(app, "olpe-2030") == before


def test_typed_names_fall_back_to_the_key_where_a_name_is_not_unique(app):
    """Two actors of one name are each shown by their key; every shown text finds its
    actor again (:func:`actor_keys_for`)."""
    from collab.core.permissions import SYSTEM
    from collab.objects import services as object_services

    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        olpe_digital = db.session.scalar(sa.select(Actor).filter_by(
            region_id=region.id, key="olpe-digital"))
        object_services.add_actor(region, {
            "key": "zwilling", "name": olpe_digital.name.upper(), "type": "other",
            "level": "operational", "municipality": "olpe"}, SYSTEM)
        db.session.commit()
        shown = object_services.actor_typed_names(region)
        assert shown["olpe-digital"] == "olpe-digital" and shown["zwilling"] == "zwilling"
        assert shown["soest-innovation"] == "Abteilung Innovation und digitaler Wandel"
        for key, text in shown.items():
            assert object_services.actor_keys_for(region, text) == [key], text
        db.session.remove()


def test_join_button_only_where_the_member_may_ask(as_user, api):
    """QA: Olpe was offered "Beteiligung anfragen" on "Olpe 2030", which it leads, and the
    request went to itself. The lead edits its initiative instead; the button, the form and
    the API are for the others (Olpe on SoestApp)."""
    olpe = as_user("olpe")
    own = _html(olpe.get(f"{R}/initiatives/olpe-2030"))
    assert "Beteiligung anfragen" not in own
    assert olpe.get(f"{R}/initiatives/olpe-2030/join").status_code == 403
    asked = api("olpe").post(f"{R}/initiatives/olpe-2030/join-requests",
                             {"actor": "olpe-rat", "role": "partner"})
    assert asked.status_code == 403
    other = _html(olpe.get(f"{R}/initiatives/soest-app"))
    assert "Beteiligung anfragen" in other
    assert olpe.get(f"{R}/initiatives/soest-app/join").status_code == 200


def test_join_button_hidden_when_every_own_actor_takes_part(as_user, app):
    """A member all of whose actors take part has no one left to propose: no button."""
    from collab.core.permissions import SYSTEM
    from collab.objects import services as object_services

    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        initiative = db.session.scalar(sa.select(Initiative).filter_by(
            region_id=region.id, key="soest-app"))
        record = object_services.initiative_record(initiative)
        own = db.session.scalars(sa.select(Actor.key).filter_by(
            region_id=region.id, municipality_id=db.session.scalar(
                sa.select(Actor.municipality_id).filter_by(region_id=region.id,
                                                           key="olpe-digital")))).all()
        participants = record["participants"] + [
            {"actor": key, "role": "partner"} for key in own]
        object_services.update_initiative(region, initiative,
                                          {"participants": participants}, SYSTEM)
        db.session.commit()
        db.session.remove()
    page = _html(as_user("olpe").get(f"{R}/initiatives/soest-app"))
    assert "Beteiligung anfragen" not in page


def test_new_actor_has_no_type_chosen_unseen(as_user, api, app):
    """QA: a new actor's type defaulted to "Rat" (the first choice) and was saved with a
    type/level warning. The type starts at "– bitte wählen –"; saving without one is
    refused at the field, as the API refuses an actor without a type."""
    olpe = as_user("olpe")
    page = _html(olpe.get(f"{R}/actors/new"))
    select = re.search(r'<select[^>]*name="type"[^>]*>(.*?)</select>', page, re.S).group(1)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert 'value=""' in first.group(0) and first.group(1) == "– bitte wählen –"
    assert "selected" not in select.split("</option>", 1)[1]  # no other type chosen

    data = {"key": "", "name": "Digitallotsen Olpe", "type": "", "level": "operational",
            "sector": "public", "municipality": "olpe", "capacity_fte": "",
            "description": "", "contact": "", "provenance": "documented", "source": ""}
    refused = olpe.post(f"{R}/actors/new", data, csrf_from=f"{R}/actors/new")
    assert refused.status_code == 200
    assert "Typ: Angabe fehlt." in _html(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(Actor).filter_by(name="Digitallotsen Olpe")) is None
    by_api = api("olpe").post(f"{R}/actors", {k: v for k, v in data.items()
                                              if k not in ("type", "key")})
    assert by_api.status_code == 422 and "Typ: Angabe fehlt." in by_api.get_data(as_text=True)

    made = olpe.post(f"{R}/actors/new", {**data, "type": "digital_pilot"},
                     csrf_from=f"{R}/actors/new", follow_redirects=True)
    assert made.status_code == 200 and "liegt üblicherweise" not in _html(made)
