"""QA round on the network objects: who marks a record "confirmed", deletes at the same
moment, a member's initiative without a lead, names typed into type-ahead fields. Each test
failed before its fix."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from collab.core.models import Activity, Actor, Initiative, Participation, Tie
from collab.extensions import db

from .test_pages import _options
from .test_races import at_once

R = "/regions/swf5"
OLPE_SOEST = {"source": "olpe-digital", "target": "soest-innovation", "kind": "cooperation"}
TIE = "olpe-digital-soest-innovation-cooperation"


def _provenance(app, model, key: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(model.provenance).filter_by(key=key))


def _refused_at(response, field: str) -> str:
    """The message of a 422 at ``field``."""
    assert response.status_code == 422, response.get_json()
    messages = [d["message"] for d in response.get_json()["details"] if d["field"] == field]
    assert messages, response.get_json()
    return messages[0]


@pytest.fixture
def olpe_initiative(api) -> str:
    """An initiative Olpe leads, with Olpe's mayor as a partner."""
    assert api("olpe").post(f"{R}/initiatives", {
        "key": "olpe-i", "name": "I", "topic": "mobility",
        "participants": [{"actor": "olpe-digital", "role": "lead"},
                         {"actor": "olpe-bm", "role": "partner"}]}).status_code == 201
    return "olpe-i"


# --- 1. provenance "confirmed" is the coordinator's (or the survey's, both ends) ------------------


def test_a_member_cannot_confirm_the_tie_it_reports(app, api):
    """QA: Olpe created a tie with Soest and marked it "bestätigt" on its own (200)."""
    olpe = api("olpe")
    assert olpe.post(f"{R}/ties", OLPE_SOEST).status_code == 201
    message = _refused_at(olpe.patch(f"{R}/ties/{TIE}", {"provenance": "confirmed"}),
                          "provenance")
    assert "„bestätigt“ setzt die Koordination" in message
    assert _provenance(app, Tie, TIE) == "documented"
    other = {**OLPE_SOEST, "kind": "advice", "provenance": "confirmed"}
    _refused_at(olpe.post(f"{R}/ties", other), "provenance")
    # the coordinator checks and confirms
    assert api("koordination").patch(f"{R}/ties/{TIE}", {
        "provenance": "confirmed"}).get_json()["provenance"] == "confirmed"


@pytest.mark.parametrize("method, path, body, field", [
    ("patch", f"{R}/actors/olpe-digital", {"provenance": "confirmed"}, "provenance"),
    ("post", f"{R}/actors", {"key": "olpe-lotsen", "name": "Digitallotsen Olpe",
                             "type": "digital_pilot", "level": "operational",
                             "municipality": "olpe", "provenance": "confirmed"}, "provenance"),
    ("patch", f"{R}/municipalities/olpe", {"provenance": "confirmed"}, "provenance"),
    ("post", f"{R}/initiatives", {"key": "olpe-neu", "name": "Neu", "topic": "mobility",
                                  "participants": [{"actor": "olpe-digital", "role": "lead",
                                                    "provenance": "confirmed"}]},
     "participants[0].provenance"),
    ("patch", f"{R}/initiatives/olpe-i", {"participants": [
        {"actor": "olpe-digital", "role": "lead", "provenance": "confirmed"}]},
     "participants[0].provenance"),
    ("post", f"{R}/formats", {"key": "olpe-jf", "name": "Jour fixe Olpe", "kind": "jour_fixe",
                              "convenor": "olpe-digital", "provenance": "confirmed"},
     "provenance"),
])
def test_no_record_of_a_member_is_confirmed_by_the_member(api, olpe_initiative, method,
                                                         path, body, field):
    """The same rule for every record with a provenance (one predicate,
    ``perm.can_confirm``); the coordinator may."""
    _refused_at(getattr(api("olpe"), method)(path, body), field)
    answer = getattr(api("koordination"), method)(path, body)
    assert answer.status_code in (200, 201), answer.get_json()


def test_a_confirmed_tie_keeps_it_until_a_member_changes_what_was_confirmed(app, api):
    """Weight, trust or a description leave a confirmed tie confirmed (also when the record
    is sent back as read); another kind is a relationship nobody confirmed: the tie is
    Olpe's own report then."""
    olpe = api("olpe")
    olpe.post(f"{R}/ties", OLPE_SOEST)
    api("koordination").patch(f"{R}/ties/{TIE}", {"provenance": "confirmed"})
    record = olpe.get(f"{R}/ties/{TIE}").get_json()
    kept = olpe.patch(f"{R}/ties/{TIE}", {**record, "weight": 5, "trust": 4,
                                          "description": "monatlich"})
    assert kept.status_code == 200 and kept.get_json()["provenance"] == "confirmed"
    changed = olpe.patch(f"{R}/ties/{TIE}", {"kind": "advice"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["provenance"] == "self_reported"
    _refused_at(olpe.patch(f"{R}/ties/{TIE}", {"provenance": "confirmed"}), "provenance")


def test_a_confirmed_actor_keeps_it_until_a_member_changes_its_level(app, api):
    api("koordination").patch(f"{R}/actors/olpe-bm", {"provenance": "confirmed"})
    olpe = api("olpe")
    assert olpe.patch(f"{R}/actors/olpe-bm", {"capacity_fte": 0.5}).status_code == 200
    assert _provenance(app, Actor, "olpe-bm") == "confirmed"
    assert olpe.patch(f"{R}/actors/olpe-bm", {"level": "coordinating"}).status_code == 200
    assert _provenance(app, Actor, "olpe-bm") == "self_reported"


def test_a_confirmed_participation_keeps_it_until_its_role_changes(app, api, olpe_initiative):
    olpe = api("olpe")
    api("koordination").patch(f"{R}/initiatives/olpe-i", {"participants": [
        {"actor": "olpe-digital", "role": "lead", "provenance": "confirmed"},
        {"actor": "olpe-bm", "role": "partner", "provenance": "confirmed"}]})
    assert olpe.patch(f"{R}/initiatives/olpe-i", {"participants": [
        {"actor": "olpe-digital", "role": "lead", "provenance": "confirmed"},
        {"actor": "olpe-bm", "role": "supporter"}]}).status_code == 200
    with app.app_context():
        found = dict(db.session.execute(
            sa.select(Actor.key, Participation.provenance).join(Participation.actor)
            .join(Participation.initiative).where(Initiative.key == "olpe-i")).all())
    assert found == {"olpe-digital": "confirmed", "olpe-bm": "self_reported"}


def test_the_member_forms_do_not_offer_confirmed(app, api, as_user):
    api("olpe").post(f"{R}/ties", OLPE_SOEST)
    olpe, coordinator = as_user("olpe"), as_user("koordination")
    for path in (f"{R}/ties/new", f"{R}/ties/{TIE}/edit", f"{R}/actors/new",
                 f"{R}/actors/olpe-rat/edit", f"{R}/municipalities/olpe/edit",
                 f"{R}/formats/new"):
        page = olpe.get(path).get_data(as_text=True)
        assert _options(page, "provenance") == ["documented", "self_reported", "assumed"], path
        assert "„bestätigt“ setzt die Koordination der Region nach Prüfung" in page, path
    page = olpe.get(f"{R}/initiatives/new").get_data(as_text=True)
    assert "confirmed" not in _options(page, "participants-0-provenance")
    page = coordinator.get(f"{R}/ties/{TIE}/edit").get_data(as_text=True)
    assert "confirmed" in _options(page, "provenance")


def test_the_member_form_of_a_confirmed_tie_shows_it_read_only_and_keeps_it(app, api,
                                                                           as_user):
    api("olpe").post(f"{R}/ties", OLPE_SOEST)
    api("koordination").patch(f"{R}/ties/{TIE}", {"provenance": "confirmed"})
    olpe = as_user("olpe")
    path = f"{R}/ties/{TIE}/edit"
    page = olpe.get(path).get_data(as_text=True)
    assert not re.search(r'<select[^>]*name="provenance"', page)
    assert "Bestätigt (von der Koordination geprüft" in page
    data = {"source": "olpe-digital", "target": "soest-innovation", "kind": "cooperation",
            "weight": "4", "description": "", "trust": "", "value": "", "reference": ""}
    assert olpe.post(path, data, csrf_from=path).status_code == 302
    assert _provenance(app, Tie, TIE) == "confirmed"
    assert olpe.post(path, {**data, "kind": "advice"}, csrf_from=path).status_code == 302
    assert _provenance(app, Tie, TIE) == "self_reported"


def test_the_survey_confirms_a_tie_both_ends_report_not_one_end_alone(app, api, today):
    """Both ends in the relationship survey: confirmed (the survey's own rule). Olpe
    confirming the tie only Olpe reported (it is listed among the ties waiting for Olpe's
    answer too) does not confirm it."""
    closes = today.isoformat()  # where the platform's users are (conftest's ``today``)
    survey = api("koordination").post(f"{R}/surveys", {"closes_at": closes}).get_json()["id"]
    olpe = api("olpe")
    answer = {"partners": [{"from": "olpe-rat", "actor": "soest-rat", "kind": "cooperation",
                            "frequency": "monthly"}]}
    assert olpe.put(f"{R}/surveys/{survey}/responses/olpe", answer).status_code == 200
    key = "olpe-rat-soest-rat-cooperation"
    assert _provenance(app, Tie, key) == "self_reported"
    alone = olpe.put(f"{R}/surveys/{survey}/responses/olpe", {**answer, "confirm": [key]})
    assert alone.status_code == 422, alone.get_json()
    assert _provenance(app, Tie, key) == "self_reported"
    both = api("soest").put(f"{R}/surveys/{survey}/responses/soest", {"confirm": [key]})
    assert both.status_code == 200, both.get_json()
    assert _provenance(app, Tie, key) == "confirmed"


# --- 2. deleting the same object at the same moment ----------------------------------------------


def _logged(app, action: str, target: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Activity).filter_by(
            action=action, target=target))


@pytest.mark.parametrize("login, kind, key, make", [
    ("olpe", "actors", "olpe-bm", None),
    ("olpe", "ties", "olpe-bm-swa-cooperation", None),
    ("olpe", "initiatives", "olpe-i", "olpe_initiative"),
    ("olpe", "formats", "olpe-jf", {"key": "olpe-jf", "name": "Jour fixe Olpe",
                                    "convenor": "olpe-digital"}),
    ("koordination", "municipalities", "olpe", None),
    ("koordination", "solutions", "dorf-dashboards", None),
])
def test_four_deletes_at_once_delete_and_log_once(request, app, api, login, kind, key, make):
    """QA: four DELETEs of one actor at the same moment each answered 204 and logged (and
    offered to undo) a deletion. Now one deletes; the others find it gone (404); one entry.
    On SQLite and on PostgreSQL."""
    account = api(login)
    if isinstance(make, str):
        request.getfixturevalue(make)
    elif make:
        assert account.post(f"{R}/{kind}", make).status_code == 201
    results = at_once(app, [("delete", f"{R}/{kind}/{key}", None, account.headers)] * 4)
    assert sorted(code for code, _body in results) == [204, 404, 404, 404], results
    action = {"municipalities": "municipality", "actors": "actor", "ties": "tie",
              "initiatives": "initiative", "formats": "format", "solutions": "solution"}[kind]
    assert _logged(app, f"{action}.delete", key) == 1
    assert account.get(f"{R}/{kind}/{key}").status_code == 404


# --- 3. a member's initiative names its lead -----------------------------------------------------


def test_a_member_creates_an_initiative_only_with_a_lead_of_its_own(app, api):
    """QA: Olpe created an initiative without participants (201) and could not change it
    afterwards (403: nobody leads it)."""
    olpe = api("olpe")
    base = {"key": "olpe-neu", "name": "Neu", "topic": "mobility"}
    message = _refused_at(olpe.post(f"{R}/initiatives", base), "participants")
    assert "„Federführung“" in message
    _refused_at(olpe.post(f"{R}/initiatives", {**base, "participants": [
        {"actor": "olpe-digital", "role": "partner"}]}), "participants")
    made = olpe.post(f"{R}/initiatives", {**base, "participants": [
        {"actor": "olpe-digital", "role": "lead"}]})
    assert made.status_code == 201
    assert olpe.patch(f"{R}/initiatives/olpe-neu", {"status": "planned"}).status_code == 200
    # the coordinator may still create one without participants
    assert api("koordination").post(f"{R}/initiatives", {
        **base, "key": "regional-neu"}).status_code == 201


def test_the_initiative_form_asks_a_member_for_its_lead(app, as_user):
    olpe = as_user("olpe")
    path = f"{R}/initiatives/new"
    page = olpe.get(path).get_data(as_text=True)
    assert re.search(r'<option selected value="lead"|<option value="lead" selected',
                     page.split('name="participants-0-role"')[1].split("</select>")[0])
    refused = olpe.post(path, {"key": "olpe-neu", "name": "Neu", "topic": "mobility",
                               "status": "idea", "scope": "joint",
                               "participants-0-actor": "", "participants-0-role": "lead"},
                        csrf_from=path)
    assert refused.status_code == 200
    assert "Bitte nennen Sie einen Akteur Ihrer Kommune mit der Rolle" in refused.get_data(
        as_text=True)


# --- 4. names typed into type-ahead fields -------------------------------------------------------

TIE_FORM = {"kind": "cooperation", "weight": "3", "key": "", "description": "", "trust": "",
            "value": "", "provenance": "documented", "reference": ""}


def _errors(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.get_data(as_text=True))


def test_the_tie_form_takes_an_actors_name(app, as_user):
    """QA: "Rat der Stadt Olpe" typed into "Von" (the field asks for a name or key) was
    refused as no key."""
    olpe = as_user("olpe")
    path = f"{R}/ties/new"
    made = olpe.post(path, {**TIE_FORM, "source": "  rat der STADT olpe ",
                            "target": "Abteilung Innovation und digitaler Wandel"},
                     csrf_from=path)
    assert made.status_code == 302, _errors(made)
    assert made.headers["Location"].endswith("/ties/olpe-rat-soest-innovation-cooperation")


def test_an_ambiguous_or_unknown_name_is_refused_in_german(app, api, as_user):
    coordinator = api("koordination")
    for key, municipality in (("olpe-bauamt", "olpe"), ("soest-bauamt", "soest")):
        assert coordinator.post(f"{R}/actors", {
            "key": key, "name": "Bauamt", "type": "department", "level": "operational",
            "municipality": municipality}).status_code == 201
    olpe = as_user("olpe")
    path = f"{R}/ties/new"
    twice = olpe.post(path, {**TIE_FORM, "source": "olpe-rat", "target": "bauamt"},
                      csrf_from=path)
    assert twice.status_code == 200
    assert any("mehrere Akteure" in e and "olpe-bauamt, soest-bauamt" in e
               for e in _errors(twice)), _errors(twice)
    nobody = olpe.post(path, {**TIE_FORM, "source": "Rat der Stadt Nirgendwo",
                              "target": "olpe-rat"}, csrf_from=path)
    assert nobody.status_code == 200
    assert "Von: Kein Akteur mit diesem Namen oder Schlüssel in dieser Region." in _errors(
        nobody)
    # the API stays key-based
    by_name = api("olpe").post(f"{R}/ties", {"source": "Rat der Stadt Olpe",
                                             "target": "soest-rat"})
    _refused_at(by_name, "source")


def test_initiative_participants_by_name(app, as_user):
    olpe = as_user("olpe")
    path = f"{R}/initiatives/new"
    made = olpe.post(path, {"key": "olpe-namen", "name": "Namen", "topic": "mobility",
                            "status": "idea", "scope": "joint",
                            "participants-0-actor": "Rat der Stadt Olpe",
                            "participants-0-role": "lead"}, csrf_from=path)
    assert made.status_code == 302, _errors(made)
    with app.app_context():
        keys = db.session.scalars(sa.select(Actor.key).join(Participation).join(
            Participation.initiative).where(Initiative.key == "olpe-namen")).all()
    assert keys == ["olpe-rat"]


@pytest.mark.parametrize("login", ["koordination", "olpe"])
def test_the_api_refuses_two_leads_like_the_form(api, login):
    """One actor leads an initiative, through the API as on the form (the API took two)."""
    body = {"key": "zwei-leads", "name": "Zwei Federführungen", "topic": "mobility",
            "status": "planned",
            "participants": [{"actor": "olpe-digital", "role": "lead"},
                             {"actor": "olpe-bm", "role": "lead"}]}
    response = api(login).post("/regions/swf5/initiatives", body)
    assert response.status_code == 422, response.get_json()
    fields = {d["field"]: d["message"] for d in response.get_json()["details"]}
    assert "Nur ein Akteur hat die Federführung" in fields["participants[1].role"]
    body["participants"][1]["role"] = "partner"
    assert api(login).post("/regions/swf5/initiatives", body).status_code == 201
    again = api(login).patch("/regions/swf5/initiatives/zwei-leads", {"participants": [
        {"actor": "olpe-digital", "role": "lead"}, {"actor": "olpe-bm", "role": "lead"}]})
    assert again.status_code == 422
