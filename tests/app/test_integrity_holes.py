"""Issue 11.7: the smaller holes. Each test failed before its fix."""

from __future__ import annotations

import datetime as dt

import pytest

R = "/regions/swf5"
PASSWORD = "ein-langes-passwort"


@pytest.fixture
def applicant(runner, api):
    """A member account of Jena (Thüringen), which is no member of swf5."""
    result = runner.invoke(args=["create-user", "bewerber", "--role", "member", "--region",
                                 "thueringen", "--municipality", "jena",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return api("bewerber")


# --- a) messages and reasons of requests to join an initiative ---------------------------------


def test_the_api_shows_request_messages_and_reasons_only_to_who_may_read_them(api, runner):
    olpe, coordinator = api("olpe"), api("koordination")
    created = olpe.post(f"{R}/initiatives/m15/join-requests",
                        {"actor": "olpe-digital", "role": "partner",
                         "message": "Vertraulich: Haushalt 2027 noch offen"})
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    decided = coordinator.post(f"{R}/initiatives/m15/join-requests/{request_id}/decision",
                               {"approve": False, "reason": "Intern: Streit mit Soest"})
    assert decided.status_code == 200
    result = runner.invoke(args=["create-user", "jena-mitglied", "--role", "member",
                                 "--region", "thueringen", "--municipality", "jena",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    for login in ("gast", "soest", "jena-mitglied"):
        items = api(login).get(f"{R}/initiatives/m15/join-requests").get_json()["items"]
        mine = [i for i in items if i["id"] == request_id]
        assert mine and mine[0]["message"] is None and mine[0]["reason"] is None, login
        assert mine[0]["status"] == "declined"
    for login in ("olpe", "koordination"):
        item = [i for i in api(login).get(f"{R}/initiatives/m15/join-requests")
                .get_json()["items"] if i["id"] == request_id][0]
        assert item["message"].startswith("Vertraulich") and item["reason"].startswith("Intern")


# --- c) a municipality admitted through a join request votes through its own account -------------


def test_a_municipality_admitted_by_request_votes_through_its_own_account(api, applicant):
    request_id = applicant.post(f"{R}/join-requests", {
        "tier": "member", "reference": "Ratsbeschluss vom 1.1.2026"}).get_json()["id"]
    coordinator = api("koordination")
    assert coordinator.post(f"{R}/join-requests/{request_id}/decision",
                            {"approve": True}).status_code == 200
    rule = coordinator.post(f"{R}/rules", {"title": "Offene Daten", "text": "T"}).get_json()
    closes = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    assert coordinator.post(f"{R}/rules/{rule['id']}/ballot",
                            {"closes_at": closes, "confirm": True}).status_code == 200
    voted = applicant.post(f"{R}/rules/{rule['id']}/votes", {"vote": "yes", "confirm": True})
    assert voted.status_code == 201, voted.get_json()
    assert voted.get_json()["municipality"] == "jena"
