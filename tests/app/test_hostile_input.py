"""Issue 11.3: every malformed input gets a clear 4xx with a German message, never a 500."""

import datetime as dt
import json

import pytest

R = "/regions/swf5"
DEEP = "[" * 10_000 + "]" * 10_000


def _fields(response) -> set[str]:
    return {d["field"] for d in response.get_json().get("details", [])}


@pytest.mark.parametrize("path,body,field", [
    (f"{R}/actors", {"key": "x1", "name": "X", "type": ["agency"], "level": "operational"},
     "type"),
    (f"{R}/actors", {"key": "x1", "name": "X\x00", "type": "agency", "level": "operational"},
     "name"),
    (f"{R}/actors", {"key": "x1", "name": "X\ud800", "type": "agency", "level": "operational"},
     "name"),
    (f"{R}/actors", {"key": "x1", "name": "X\x07Y", "type": "agency", "level": "operational"},
     "name"),
    (f"{R}/initiatives", {"key": "i1", "name": "I", "topic": {"a": 1}}, "topic"),
    (f"{R}/rules", {"title": "T", "text": "a\x00"}, "text"),
])
def test_wrong_types_and_characters_are_422(api, path, body, field):
    response = api("koordination").post(path, body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert field in _fields(response)


def soon() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S")


def test_vote_as_list_is_422(api):
    coordinator = api("koordination")
    rule = coordinator.post(f"{R}/rules", {"title": "Listen-Stimme", "text": "T"}).get_json()
    opened = coordinator.post(f"{R}/rules/{rule['id']}/ballot", {"closes_at": soon()})
    assert opened.status_code == 200, opened.get_json()
    response = api("olpe").post(f"{R}/rules/{rule['id']}/votes", {"vote": ["yes"]})
    assert response.status_code == 422
    assert "vote" in _fields(response)


@pytest.mark.parametrize("closes_at", ["9999-12-31T23:59:59", "0001-01-01T00:00:00",
                                       "9999-12-31T23:59:59-12:00"])
def test_absurd_closing_times_are_422(api, closes_at):
    coordinator = api("koordination")
    rule = coordinator.post(f"{R}/rules", {"title": f"Zeit {closes_at}", "text": "T"}).get_json()
    response = coordinator.post(f"{R}/rules/{rule['id']}/ballot", {"closes_at": closes_at})
    assert response.status_code == 422
    assert "closes_at" in _fields(response)


@pytest.mark.parametrize("query", ["page=100000000000000000000", "page=1000001"])
def test_absurd_page_numbers(api, as_user, query):
    response = api("gast").get(f"{R}/actors?{query}")
    assert response.status_code == 422
    assert "page" in _fields(response)
    page = as_user("gast").get(f"{R}/actors?{query}", follow_redirects=True)
    assert page.status_code == 200 and page.request.args["page"] == "3"  # the last page


def test_huge_ids_are_404(api):
    assert api("gast").get(f"{R}/rules/100000000000000000000").status_code == 404


def test_deep_json_is_422(api):
    client = api("koordination")
    response = client.client.post(f"/api/v1{R}/actors", data=DEEP,
                                  content_type="application/json", headers=client.headers)
    assert response.status_code == 422
    response = client.client.put(f"/api/v1{R}/bundle", data=DEEP,
                                 content_type="application/json", headers=client.headers)
    assert response.status_code == 422


def test_nul_in_address_or_form_is_400(as_user, api):
    assert api("gast").get(f"{R}/actors/ol%00pe").status_code == 400
    assert api("gast").get(f"{R}/actors?q=%00").status_code == 400
    assert as_user("gast").get(f"{R}/actors?q=a%00b").status_code == 400


def test_nan_in_a_tally_is_refused(api, seed_bundle):
    rule = seed_bundle["rules"][0]
    rule["key"] = "nan-regel"
    rule["ballot"] = {"opened_at": None, "closes_at": None, "decided_at": None,
                      "tally": {"yes": 1, "no": 0, "abstain": 0, "eligible": float("nan")}}
    client = api("koordination")
    response = client.client.put(f"/api/v1{R}/bundle", data=json.dumps(seed_bundle),
                                 content_type="application/json", headers=client.headers)
    assert response.status_code == 422
    assert "$.rules[0].ballot.tally.eligible" in _fields(response)


def test_control_characters_in_a_bundle_name_are_refused(api, seed_bundle):
    seed_bundle["actors"][0]["name"] = "Agentur\x0b"
    response = api("koordination").put(f"{R}/bundle", seed_bundle)
    assert response.status_code == 422
    assert "$.actors[0].name" in _fields(response)


@pytest.mark.parametrize("participants", [[{}, {}], [None, None], [[], {"role": "lead"}]])
def test_two_participants_without_an_actor_are_422(api, seed_bundle, participants):
    # found by the fuzz test: the second participant without an actor answered 500
    seed_bundle["initiatives"][0]["participants"] = participants
    response = api("koordination").put(f"{R}/bundle?dry_run=1", seed_bundle)
    assert response.status_code == 422
    assert {"$.initiatives[0].participants[0]", "$.initiatives[0].participants[0].actor"} & \
        _fields(response)
    assert {"$.initiatives[0].participants[1]", "$.initiatives[0].participants[1].actor"} & \
        _fields(response)
