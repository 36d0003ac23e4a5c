"""Issue 11.7d: the lead of an initiative invites other municipalities' actors; the invited
municipality consents (accepts) or declines. Nothing changes for it until it accepts."""

from __future__ import annotations

import sqlalchemy as sa

from collab.core.models import Activity, InitiativeJoinRequest
from collab.extensions import db

R = "/regions/swf5"
I = f"{R}/initiatives/olpe-2030"  # noqa: E741  (Olpe leads it with olpe-digital)


def _participants(api) -> list[dict]:
    return [{"actor": p["actor"], "role": p["role"]}
            for p in api("gast").get(I).get_json()["participants"]]


def _actions(app) -> list[str]:
    with app.app_context():
        found = db.session.scalars(sa.select(Activity.action).order_by(Activity.id)).all()
        db.session.remove()
    return found


def _invite(api, actor: str = "soest-rat", role: str = "partner", **fields):
    before = _participants(api)
    answer = api("olpe").patch(I, {"participants": [*before, {"actor": actor, "role": role}],
                                   **fields})
    assert answer.status_code == 200, answer.get_json()
    return before, answer.get_json()


def test_the_lead_invites_and_the_municipality_accepts(api, as_user, app):
    before, answer = _invite(api, description="Neu beschrieben")
    # the rest of the edit is saved, the other municipality's actor is only invited
    assert answer["description"] == "Neu beschrieben"
    [invitation] = answer["invitations"]
    assert invitation["actor"] == "soest-rat" and invitation["municipality"] == "soest"
    assert "Einladung an Soest" in invitation["message"]
    assert _participants(api) == before
    assert "initiative.invite" in _actions(app)
    # the same invitation again: no second one
    _before, again = _invite(api)
    assert [i["id"] for i in again["invitations"]] == [invitation["id"]]
    # Soest's accounts see it on the initiative page and in their list of requests
    soest = as_user("soest")
    html = soest.get(I).get_data(as_text=True)
    assert "Einladung der Federführung" in html and "Einladung annehmen" in html
    listed = soest.get(f"{R}/join-requests").get_data(as_text=True)
    assert "Einladung der Federführung" in listed
    assert "entscheidet: die eingeladene Kommune" in listed
    # the lead sees it as open, without a decision form
    lead_html = as_user("olpe").get(I).get_data(as_text=True)
    assert "Offene Einladungen an andere Kommunen" in lead_html
    assert "Einladung annehmen" not in lead_html
    # accepted through the page (with CSRF): the participation exists, logged
    response = soest.post(f"{I}/join-requests/{invitation['id']}/decide",
                          {"approve": "1", "reason": ""})
    assert response.status_code == 302
    assert {"actor": "soest-rat", "role": "partner"} in _participants(api)
    assert "initiative.invite_accept" in _actions(app)
    item = [r for r in api("soest").get(f"{I}/join-requests").get_json()["items"]
            if r["id"] == invitation["id"]][0]
    assert item["status"] == "approved" and item["invited_by_lead"] is True
    assert api("soest").post(f"{I}/join-requests/{invitation['id']}/decision",
                             {"approve": True}).status_code == 409
    # the lead is told its invitation (not a request of its own) was accepted
    told = [n for n in api("olpe").get("/notifications").get_json()["items"]
            if n["kind"] == "request_decided"]
    assert told and told[0]["body"].startswith("Ihre Einladung wurde angenommen: "), told


def test_a_role_change_is_an_invitation_too(api, app):
    assert api("koordination").patch(I, {"participants": [
        *_participants(api), {"actor": "soest-innovation", "role": "observer"}]}
    ).status_code == 200
    before = _participants(api)
    changed = [{**p, "role": "partner"} if p["actor"] == "soest-innovation" else p
               for p in before]
    answer = api("olpe").patch(I, {"participants": changed})
    assert answer.status_code == 200 and answer.get_json()["invitations"][0]["role"] == "partner"
    assert _participants(api) == before  # still an observer
    request_id = answer.get_json()["invitations"][0]["id"]
    assert api("soest").post(f"{I}/join-requests/{request_id}/decision",
                             {"approve": True}).status_code == 200
    assert {"actor": "soest-innovation", "role": "partner"} in _participants(api)


def test_the_municipality_declines_with_a_reason(api, app):
    before, answer = _invite(api)
    request_id = answer["invitations"][0]["id"]
    decide = f"{I}/join-requests/{request_id}/decision"
    refused = api("soest").post(decide, {"approve": False})
    assert refused.status_code == 422 and refused.get_json()["details"][0]["field"] == "reason"
    declined = api("soest").post(decide, {"approve": False, "reason": "Keine Kapazität 2027"})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert declined.get_json()["reason"] == "Keine Kapazität 2027"
    assert _participants(api) == before
    assert "initiative.invite_decline" in _actions(app)
    with app.app_context():
        req = db.session.get(InitiativeJoinRequest, request_id)
        assert req.status == "declined" and req.reason == "Keine Kapazität 2027"
        db.session.remove()


def test_only_the_invited_municipality_decides(api, as_user):
    before, answer = _invite(api)
    request_id = answer["invitations"][0]["id"]
    decide = f"{I}/join-requests/{request_id}/decision"
    for login in ("olpe", "koordination", "gast"):
        assert api(login).post(decide, {"approve": True}).status_code == 403, login
    page = f"{I}/join-requests/{request_id}/decide"
    assert as_user("olpe").post(page, {"approve": "1"}).status_code == 403
    assert _participants(api) == before


def test_accepting_needs_the_csrf_token(api, as_user):
    before, answer = _invite(api)
    soest = as_user("soest")
    response = soest.client.post(f"{I}/join-requests/{answer['invitations'][0]['id']}/decide",
                                 data={"approve": "1", "reason": ""})
    assert response.status_code == 400
    assert _participants(api) == before


def test_removing_another_municipalitys_actor_is_refused_at_the_field(api):
    assert api("koordination").patch(I, {"participants": [
        *_participants(api), {"actor": "soest-innovation", "role": "partner"}]}
    ).status_code == 200
    before = _participants(api)
    removed = api("olpe").patch(I, {"participants": [p for p in before
                                                     if p["actor"] != "soest-innovation"]})
    assert removed.status_code == 422
    assert "beendet nur diese Kommune" in removed.get_json()["details"][0]["message"]
    assert _participants(api) == before


def test_the_lead_invites_through_the_edit_page(api, as_user):
    before = _participants(api)
    olpe = as_user("olpe")
    path = f"{I}/edit"
    response = olpe.post(path, {
        "name": "Strategie „Olpe 2030“", "topic": "urban_development", "status": "running",
        "scope": "local", "description": "Auf der Seite geändert",
        "participants-0-actor": "olpe-digital", "participants-0-role": "lead",
        "participants-0-provenance": "assumed",
        "participants-1-actor": "soest-rat", "participants-1-role": "partner"},
        csrf_from=path, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Einladung an Soest gesendet" in html
    record = api("gast").get(I).get_json()
    assert record["description"] == "Auf der Seite geändert"
    assert _participants(api) == before


def test_the_lead_cannot_leave_the_initiative_without_a_lead(api, as_user):
    """Demoting or removing its own lead would leave the initiative to nobody and take the
    member's own right to edit it; handing over goes through an invitation first."""
    before = _participants(api)
    demoted = [{**p, "role": "partner"} if p["role"] == "lead" else p for p in before]
    refused = api("olpe").patch(I, {"participants": demoted})
    assert refused.status_code == 422
    assert "braucht eine Federführung" in refused.get_json()["details"][0]["message"]
    dropped = [p for p in before if p["role"] != "lead"]
    assert api("olpe").patch(I, {"participants": dropped}).status_code == 422
    assert _participants(api) == before
    # a hand-over goes through the coordinator, who may change the lead as it likes
    handed = [{**p, "role": "partner"} if p["role"] == "lead" else p for p in before]
    handed.append({"actor": "soest-rat", "role": "lead"})
    assert api("koordination").patch(I, {"participants": handed}).status_code == 200
    assert {"actor": "soest-rat", "role": "lead"} in _participants(api)
    assert "olpe-digital" in {p["actor"] for p in _participants(api)}
