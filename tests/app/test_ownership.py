"""Issue 11.1 and 11.2: no account changes what is not its own.

A municipality belongs to several regions: the coordinator of another region links it but
does not change its facts; a bundle never forges, changes or erases votes."""

import copy

import pytest

from collab.core.models import Activity, Municipality, Region
from collab.extensions import db

SOEST = {"key": "soest", "name": "Soest (umbenannt)", "kind": "kreisangehoerige_stadt",
         "ags": "05974040", "state": "NW", "population": 1, "tier": "member"}
PASSWORD = "ein-langes-passwort"


@pytest.fixture
def th_coordinator(runner, api):
    """A coordinator of the second seed region, Thüringen."""
    result = runner.invoke(args=["create-user", "koord-th", "--role", "coordinator",
                                 "--region", "thueringen", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return api("koord-th")


def _soest(app):
    with app.app_context():
        return db.session.scalar(db.select(Municipality).filter_by(key="soest"))


def _version(app, slug):
    with app.app_context():
        return db.session.scalar(db.select(Region.data_version).filter_by(slug=slug))


def test_other_region_links_a_municipality_without_changing_its_facts(app, th_coordinator,
                                                                     api):
    before = api("gast").get("/regions/swf5/municipalities/soest").get_json()
    SOEST["ags"] = before["ags"]
    response = th_coordinator.post("/regions/thueringen/municipalities", SOEST)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == before["name"] and body["population"] == before["population"]
    assert {d["field"] for d in body["differences"]} >= {"name", "population"}
    assert api("gast").get("/regions/swf5/municipalities/soest").get_json() == before
    # now shared: the coordinator of either region no longer changes its facts
    refused = th_coordinator.patch("/regions/thueringen/municipalities/soest",
                                   {"population": 2})
    assert refused.status_code == 422
    assert [d["field"] for d in refused.get_json()["details"]] == ["population"]
    refused = api("koordination").patch("/regions/swf5/municipalities/soest",
                                        {"population": 2})
    assert refused.status_code == 422
    # its own member account does, and every region it belongs to logs it and follows
    versions = _version(app, "swf5"), _version(app, "thueringen")
    changed = api("soest").patch("/regions/swf5/municipalities/soest",
                                 {"population": before["population"] + 1})
    assert changed.status_code == 200, changed.get_json()
    assert _version(app, "swf5") == versions[0] + 1
    assert _version(app, "thueringen") == versions[1] + 1
    with app.app_context():
        th = db.session.scalar(db.select(Region).filter_by(slug="thueringen"))
        logged = db.session.scalars(db.select(Activity).filter_by(
            region_id=th.id, action="municipality.update", target="soest")).all()
        assert logged


def test_bundle_of_another_region_does_not_change_a_shared_municipality(app, api,
                                                                       th_coordinator):
    before = api("gast").get("/regions/swf5/municipalities/soest").get_json()
    doc = th_coordinator.get("/regions/thueringen/bundle").get_json()
    doc["municipalities"].append({**before, "name": "Soest (gefälscht)", "population": 7})
    response = th_coordinator.put("/regions/thueringen/bundle", doc)
    assert response.status_code == 200, response.get_json()
    assert {(d["municipality"], d["field"]) for d in response.get_json()["differences"]} == {
        ("soest", "name"), ("soest", "population")}
    assert api("gast").get("/regions/swf5/municipalities/soest").get_json() == before
    assert api("gast").get("/regions/thueringen/municipalities/soest").status_code == 200


def _invite(browser, slug, login, municipality):
    return browser.post(f"/regions/{slug}/accounts", {
        "login": login, "role": "member", "municipality": municipality,
        "email": f"{login}@example.org", "display_name": login, "language": "de"},
        csrf_from=f"/regions/{slug}/accounts")


def _accounts_of(app, key):
    with app.app_context():
        from collab.core.models import User
        return sorted(db.session.scalars(db.select(User.login).join(Municipality).where(
            Municipality.key == key)))


def test_a_coordinator_cannot_invite_itself_an_account_of_another_regions_member(
        app, api, as_user, other_coordinator):
    """Attacker pass: Thüringen's coordinator links Soest (its key and AGS are public) and
    invited a member account for it, whose mail it chose: that account spoke for Soest in
    Südwestfalen too (voted, changed its facts, deleted its units). Naming a municipality
    shared with another region is refused, unless the region is its home (an account of
    the region already speaks for it); a municipality of the region alone stays possible."""
    before = api("gast").get("/regions/swf5/municipalities/soest").get_json()
    linked = api(other_coordinator).post("/regions/thueringen/municipalities",
                                         {**SOEST, "ags": before["ags"]})
    assert linked.status_code == 201, linked.get_json()
    th = as_user(other_coordinator)
    refused = _invite(th, "thueringen", "soest-th", "soest")
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "gehört auch zu Smart Cities: 5 für Südwestfalen" in page, page
    assert _accounts_of(app, "soest") == ["soest"]
    with app.app_context():
        from collab.core.models import OutboxMail
        assert not db.session.scalars(db.select(OutboxMail)).all()
    # Soest's home region invites further accounts for it; Thüringen its own members
    assert _invite(as_user("koordination"), "swf5", "soest-2", "soest").status_code == 302
    assert _accounts_of(app, "soest") == ["soest", "soest-2"]
    assert _invite(th, "thueringen", "gera-2", "gera").status_code == 302
    assert _accounts_of(app, "gera") == ["gera-2"]
    # and a region's coordinator links another's member without any account of it
    linked = api("koordination").post("/regions/swf5/municipalities", {
        **{k: v for k, v in api("gast").get("/regions/thueringen/municipalities/gera")
           .get_json().items() if k in ("key", "name", "kind", "ags", "state", "population")},
        "tier": "member"})
    assert linked.status_code == 201, linked.get_json()
    refused = _invite(as_user("koordination"), "swf5", "gera-swf", "gera")
    assert refused.status_code == 200 and _accounts_of(app, "gera") == ["gera-2"]


# --- 11.2: votes cannot be forged or erased ----------------------------------------------------


def _put(client, doc):
    return client.put("/regions/swf5/bundle", doc)


def _fields(response):
    return {d["field"] for d in response.get_json()["details"]}


def _with_draft_and_vote(api):
    """A rule with an open ballot and one vote, through the platform."""
    from .test_rules import propose_and_open
    coordinator = api("koordination")
    rule_id = propose_and_open(api, {"title": "Neue Regel", "text": "T"})
    assert api("olpe").post(f"/regions/swf5/rules/{rule_id}/votes",
                            {"vote": "yes"}).status_code == 201
    return coordinator, rule_id


def test_an_edited_export_cannot_adopt_a_rule_or_forge_votes(api):
    coordinator, rule_id = _with_draft_and_vote(api)
    doc = coordinator.get("/regions/swf5/bundle").get_json()
    before = copy.deepcopy(doc)
    n = next(i for i, r in enumerate(doc["rules"]) if r["status"] == "voting")
    members = [m["key"] for m in doc["municipalities"]]
    doc["rules"][n]["status"] = "adopted"
    doc["rules"][n]["votes"] = [{"municipality": k, "vote": "yes"} for k in members]
    response = _put(coordinator, doc)
    assert response.status_code == 422
    assert {f"$.rules[{n}].status", f"$.rules[{n}].votes"} <= _fields(response)
    assert coordinator.get("/regions/swf5/bundle").get_json() == before


def test_a_bundle_cannot_erase_votes_or_remove_a_decided_rule(api):
    coordinator, rule_id = _with_draft_and_vote(api)
    doc = coordinator.get("/regions/swf5/bundle").get_json()
    before = copy.deepcopy(doc)
    n = next(i for i, r in enumerate(doc["rules"]) if r["status"] == "voting")
    doc["rules"][n]["votes"] = "x"
    assert _put(coordinator, doc).status_code == 422
    doc["rules"][n]["votes"] = []
    assert f"$.rules[{n}].votes" in _fields(_put(coordinator, doc))
    doc = copy.deepcopy(before)
    doc["rules"] = [r for r in doc["rules"] if r["status"] == "draft"]
    response = _put(coordinator, doc)
    assert response.status_code == 422 and "$.rules" in _fields(response)
    assert coordinator.get("/regions/swf5/bundle").get_json() == before


def test_a_new_rule_brings_only_votes_recorded_from_a_document(api, as_user):
    coordinator = api("koordination")
    doc = coordinator.get("/regions/swf5/bundle").get_json()
    rule = {"key": "altbeschluss", "title": "Alter Beschluss", "text": "T", "status": "adopted",
            "votes": [{"municipality": "olpe", "vote": "yes"}]}
    doc["rules"].append(rule)
    response = _put(coordinator, doc)
    assert response.status_code == 422
    assert f"$.rules[{len(doc['rules']) - 1}].votes[0].recorded" in _fields(response)
    rule["votes"][0] |= {"recorded": True, "reference": "Ratsbeschluss Olpe vom 1.2.2019"}
    assert _put(coordinator, doc).status_code == 200
    rules = coordinator.get("/regions/swf5/rules").get_json()["items"]
    rule_id = next(r["id"] for r in rules if r["key"] == "altbeschluss")
    vote = coordinator.get(f"/regions/swf5/rules/{rule_id}").get_json()["votes"][0]
    assert vote["recorded"] is True and vote["proxy"] is False
    page = as_user("gast").get(f"/regions/swf5/rules/{rule_id}").get_data(as_text=True)
    assert "aus Dokument übernommen" in page
    charter = as_user("gast").get("/regions/swf5/charter").get_data(as_text=True)
    assert "Stimmen aus Dokument übernommen" in charter
    # and it stays: importing the export again changes nothing
    again = _put(coordinator, coordinator.get("/regions/swf5/bundle").get_json())
    assert again.status_code == 200 and again.get_json()["changed"] is False
