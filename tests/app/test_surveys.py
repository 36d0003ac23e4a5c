"""The relationship survey (issue 13.2): rounds, answers, confirmation from both ends."""

from __future__ import annotations

import datetime as dt

import pytest

from collab.core.models import Actor, Tie
from collab.extensions import db

CLOSES = (dt.date.today() + dt.timedelta(days=14)).isoformat()


def _tie(app, source: str, target: str, kind: str = "cooperation") -> Tie | None:
    with app.app_context():
        ids = {a.key: a.id for a in db.session.scalars(db.select(Actor).where(
            Actor.key.in_([source, target])))}
        tie = db.session.scalar(db.select(Tie).where(
            Tie.kind == kind,
            ((Tie.source_id == ids[source]) & (Tie.target_id == ids[target]))
            | ((Tie.source_id == ids[target]) & (Tie.target_id == ids[source]))))
        if tie is not None:
            db.session.expunge(tie)
        return tie


def _open(api) -> int:
    response = api("koordination").post("/regions/swf5/surveys", {"closes_at": CLOSES})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_olpe_and_soest_confirm_the_ties_both_report(app, api):
    """Demo: a round answered by Olpe and Soest confirms the ties both report, and the
    analysis marks them confirmed."""
    survey = _open(api)
    olpe = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-digital", "level": "coordinating"}],
        "partners": [
            {"from": "olpe-digital", "actor": "soest-innovation", "kind": "cooperation",
             "frequency": "monthly", "trust": 4, "value": 5},
            {"from": "olpe-digital", "actor": "menden-cdo", "kind": "cooperation",
             "frequency": "yearly", "trust": 2, "value": 3}]})
    assert olpe.status_code == 200, olpe.get_json()
    tie = _tie(app, "olpe-digital", "soest-innovation")
    assert (tie.provenance, tie.trust, tie.value, tie.weight) == ("self_reported", 4, 5, 4)

    soest = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest", {
        "units": [{"actor": "soest-innovation", "level": "coordinating"}],
        "partners": [{"from": "soest-innovation", "actor": "olpe-digital",
                      "kind": "cooperation", "frequency": "monthly", "trust": 5,
                      "value": 4}]})
    assert soest.status_code == 200, soest.get_json()
    assert any(c["action"] == "tie.confirm" for c in soest.get_json()["changes"])
    assert _tie(app, "olpe-digital", "soest-innovation").provenance == "confirmed"
    # reported by one end only: stays self-reported
    assert _tie(app, "olpe-digital", "menden-cdo").provenance == "self_reported"

    status = api("koordination").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert status["answered"] == 2 and status["named_ties"] == 2
    assert status["confirmed_ties"] == 1 and status["confirmed_share"] == 0.5
    assert {r["municipality"] for r in status["responses"]} == {"olpe", "soest"}

    report = api("koordination").get("/regions/swf5/analysis").get_json()
    assert report["summary"]["ties_confirmed"] == 1
    assert report["summary"]["ties_self_reported"] == 1


def test_other_side_confirms_or_rejects_on_its_form(app, api, as_user):
    """A tie reported by Olpe shows on Soest's form as reported by others; Soest rejects it
    and it is gone; Soest's records were never changed by Olpe's answer."""
    survey = _open(api)
    with app.app_context():
        before = {a.key: (a.level, a.provenance) for a in db.session.scalars(
            db.select(Actor).join(Actor.municipality).where(Actor.key.like("soest%")))}
    api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-rat", "actor": "soest-rat", "kind": "cooperation",
                      "frequency": "quarterly"}]})
    with app.app_context():
        after = {a.key: (a.level, a.provenance) for a in db.session.scalars(
            db.select(Actor).join(Actor.municipality).where(Actor.key.like("soest%")))}
    assert after == before
    soest = as_user("soest")
    page = soest.get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    assert "Von anderen gemeldete Verbindungen" in page and "olpe-rat-soest-rat" in page
    tie_key = _tie(app, "olpe-rat", "soest-rat").key
    response = soest.post(f"/regions/swf5/surveys/{survey}/answer",
                          {"rows": "0", f"tie-{tie_key}": "reject",
                           "submit": "Antwort absenden"},
                          csrf_from=f"/regions/swf5/surveys/{survey}/answer")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _tie(app, "olpe-rat", "soest-rat") is None


def test_new_partner_and_unit_correction_through_the_form(app, api, as_user):
    survey = _open(api)
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    response = olpe.post(path, {
        "rows": "2", "unit-olpe-digital": "coordinating", "unit-olpe-rat": "strategic",
        "unit-olpe-bm": "strategic",
        "p-0-from": "olpe-digital", "p-0-actor": "Südwestfalen Agentur GmbH", "p-0-kind":
        "cooperation", "p-0-frequency": "weekly", "p-0-trust": "5", "p-0-value": "5",
        "p-1-from": "olpe-digital", "p-1-new_name": "Heimatverein <b>Olpe</b>",
        "p-1-new_type": "association", "p-1-new_level": "operational",
        "p-1-kind": "cooperation", "p-1-frequency": "yearly", "submit": "x"}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(db.select(Actor).filter_by(name="Heimatverein <b>Olpe</b>"))
        assert new.provenance == "self_reported" and new.municipality.key == "olpe"
        assert new.key.startswith("olpe-heimatverein")
    assert _tie(app, "olpe-digital", "swa").trust == 5
    page = as_user("koordination").get(f"/regions/swf5/surveys/{survey}").get_data(
        as_text=True)
    assert "1 / 24" in page and "Heimatverein &lt;b&gt;Olpe&lt;/b&gt;" in page


@pytest.mark.parametrize("body, field", [
    ({"partners": [{"from": "soest-rat", "actor": "swa", "frequency": "weekly"}]},
     "partners[0].from"),
    ({"units": [{"actor": "soest-rat", "level": "strategic"}]}, "units[0].actor"),
    ({"partners": [{"from": "olpe-rat", "actor": "swa", "frequency": "daily"}]},
     "partners[0].frequency"),
    ({"partners": [{"from": "olpe-rat", "actor": "nobody", "frequency": "weekly"}]},
     "partners[0].actor"),
    ({"partners": [{"from": "olpe-rat", "actor": "swa", "frequency": "weekly", "trust": 9}]},
     "partners[0].trust"),
    ({"confirm": ["swa-olpe-digital-cooperation"]}, "confirm[0]"),
    ({"extra": 1}, "extra"),
])
def test_bad_answers_are_refused_and_change_nothing(app, api, body, field):
    survey = _open(api)
    with app.app_context():
        ties = db.session.scalar(db.select(db.func.count()).select_from(Tie))
    response = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", body)
    assert response.status_code == 422, response.get_json()
    assert field in [d["field"] for d in response.get_json()["details"]]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Tie)) == ties


def test_permissions(api):
    assert api("olpe").post("/regions/swf5/surveys", {"closes_at": CLOSES}).status_code == 403
    assert api("koordination").post("/regions/swf5/surveys",
                                    {"closes_at": "2001-01-01"}).status_code == 422
    survey = _open(api)
    assert api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/soest",
                           {}).status_code == 403
    assert api("gast").put(f"/regions/swf5/surveys/{survey}/responses/olpe",
                           {}).status_code == 403
    own = api("olpe").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert "response_rate" not in own
    doc = api(None).get("/openapi.json").get_json()
    assert "/regions/{slug}/surveys/{survey_id}/responses/{key}" in doc["paths"]


def test_an_answer_that_fails_halfway_saves_nothing(app, api, monkeypatch):
    """An answer is one transaction: when writing one of its ties fails after its new actor
    and the unit correction were written, none of it is kept (no actor, no level change, no
    tie, no answer, no activity entry), and the data version stays."""
    from collab.core.models import Activity, Region, SurveyResponse
    from collab.objects import services as object_services

    survey = _open(api)
    olpe = api("olpe")  # its token is made (and logged) now

    def counts():
        with app.app_context():
            return (db.session.scalar(db.select(db.func.count()).select_from(Actor)),
                    db.session.scalar(db.select(db.func.count()).select_from(Tie)),
                    db.session.scalar(db.select(db.func.count()).select_from(Activity)),
                    db.session.scalar(db.select(db.func.count()).select_from(SurveyResponse)),
                    db.session.scalar(db.select(Actor.level).filter_by(key="olpe-rat")),
                    db.session.scalar(db.select(Region.data_version).filter_by(slug="swf5")))
    before = counts()
    real, calls = object_services.add_tie, []

    def second_tie_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)
    monkeypatch.setattr(object_services, "add_tie", second_tie_fails)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500, not the error
    response = olpe.put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-rat", "level": "coordinating"}],
        "partners": [
            {"from": "olpe-digital", "new": {"name": "Heimatverein Olpe",
                                             "type": "association", "level": "operational"},
             "kind": "cooperation", "frequency": "yearly"},
            {"from": "olpe-digital", "actor": "menden-cdo", "kind": "cooperation",
             "frequency": "yearly"}]})
    assert response.status_code == 500 and len(calls) == 2
    assert counts() == before
