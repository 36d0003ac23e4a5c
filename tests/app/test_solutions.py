"""Issue 18 on the platform: solutions in bundles and pages, uses edited by each
municipality for itself, re-use requests from request to adoption, the member page's
neighbour solutions and the regions side by side."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collab.core.models import Municipality, Notification, Region, Solution, User
from collab.extensions import db

from .test_permissions import _client, _expect

R = "/regions/swf5"
DD = "Dorf-Dashboards (Digitale Ortsmitten)"


def _account(app, login: str, municipality: str) -> None:
    """A member account speaking for ``municipality`` of swf5 (password demo)."""
    with app.app_context():
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        m = db.session.scalar(sa.select(Municipality).filter_by(key=municipality))
        user = User(login=login, role="member", region=region, municipality=m)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()
        db.session.remove()


PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/solutions", "302 200 200 200 200"),
    (f"{R}/solutions/datenplattform", "302 200 200 200 200"),
    (f"{R}/solutions/new", "302 403 200 200 200"),
    (f"{R}/solutions/datenplattform/edit", "302 403 403 403 200"),  # no owner: coordinator
    (f"{R}/solutions/dorf-dashboards/edit", "302 403 403 403 200"),  # Bad Berleburg's
    (f"{R}/solutions/datenplattform/reuse", "302 403 200 200 403"),  # members ask
    (f"{R}/solutions/nope", "302 404 404 404 404"),
    ("/regions/compare", "302 200 200 200 200"),
]


@pytest.mark.parametrize("path,spec", PAGES, ids=[p for p, _ in PAGES])
def test_solution_page_matrix(path, spec, browser, as_user):
    for role, status in _expect(spec).items():
        response = _client(role, browser, as_user).get(path)
        assert response.status_code == status, (role, path, response.status_code)


def test_seed_solutions_are_imported_and_exported(app, api):
    doc = api("koordination").get(f"{R}/bundle").get_json()
    solutions = {s["key"]: s for s in doc["solutions"]}
    assert set(solutions) == {"datenplattform", "dorf-dashboards", "lorawan"}
    assert solutions["dorf-dashboards"]["owner"] == "bad-berleburg-stab"
    assert [u["municipality"] for u in solutions["datenplattform"]["uses"]] == [
        "arnsberg", "bad-berleburg", "menden", "olpe", "soest"]
    response = api("koordination").put(f"{R}/bundle", doc)
    assert response.status_code == 200 and not response.get_json()["changed"]


def test_bundle_refuses_bad_solutions(api):
    doc = api("koordination").get(f"{R}/bundle").get_json()
    doc["solutions"][0]["links"] = {"opencode": "javascript:alert(1)"}
    doc["solutions"][1]["uses"].append({"municipality": "nowhere", "relation": "uses"})
    doc["solutions"][2]["maturity"] = "ripe"
    response = api("koordination").put(f"{R}/bundle", doc)
    assert response.status_code == 422
    fields = {d["field"] for d in response.get_json()["details"]}
    assert "$.solutions[0].links" in fields
    assert "$.solutions[1].uses[1].municipality" in fields
    assert "$.solutions[2].maturity" in fields


def test_burbach_sees_the_dorf_dashboards_of_bad_berleburg(as_user):
    page = as_user("gast").get(f"{R}/municipalities/burbach").get_data(as_text=True)
    assert "Lösungen, die Ihre Nachbarn schon einsetzen" in page
    assert "Dorf-Dashboards" in page and "Bad Berleburg" in page


def test_data_platform_page_answers_who_could_reuse_it_and_through_whom(as_user):
    page = as_user("gast").get(f"{R}/solutions/datenplattform").get_data(as_text=True)
    assert "Wer sie nachnutzen könnte, und über wen" in page
    assert "Burbach" in page and "Ansprechstelle" in page


def test_path_lengths_read_in_the_readers_notation_and_are_explained(as_user, api):
    """The paths' lengths: "5,0" in German, "5.0" in English, under "Weglänge", with the
    sentence saying what a length counts and that "direkt" means without brokers."""
    entry = next(s for s in api("gast").get(f"{R}/analysis").get_json()["solutions"]
                 if s["key"] == "datenplattform")
    direct = next(p for p in entry["paths"] if not p["via"])
    gast = as_user("gast")
    for lang, point in (("de", ","), ("en", ".")):
        gast.post(f"/lang/{lang}", {"next": "/"})
        page = gast.get(f"{R}/solutions/datenplattform").get_data(as_text=True)
        table = page[page.index('id="wege"'):page.index('id="nachnutzung"')]
        length = f"{direct['length']:.1f}"
        assert f'<td class="num">{length.replace(".", point)}</td>' in table
        if lang == "de":
            assert f'<td class="num">{length}</td>' not in table
            assert "Weglänge</th>" in table and "„direkt“ heißt: ohne Vermittler" in table


def test_uses_are_edited_by_each_municipality_for_itself(as_user):
    olpe = as_user("olpe")
    path = f"{R}/solutions/dorf-dashboards/uses"
    assert olpe.post(path, {"municipality": "soest", "relation": "wants"},
                     csrf_from=f"{R}/solutions/dorf-dashboards").status_code == 403
    assert olpe.post(path, {"municipality": "olpe", "relation": "wants"},
                     csrf_from=f"{R}/solutions/dorf-dashboards").status_code == 302
    page = as_user("gast").get(f"{R}/solutions/dorf-dashboards").get_data(as_text=True)
    assert "möchte nachnutzen" in page
    # the activity log says it in the reader's language (user pass: "Olpe: möchte
    # nachnutzen" on an English page)
    coordinator = as_user("koordination")
    assert "Olpe: möchte nachnutzen" in coordinator.get(f"{R}/activity").get_data(as_text=True)
    coordinator.post("/lang/en", {"next": "/"})
    english = coordinator.get(f"{R}/activity").get_data(as_text=True)
    assert "Olpe: wants to re-use" in english and "möchte nachnutzen" not in english


def test_removing_a_use_asks_first(app, as_user, browser):
    """"entfernen …" beside a use leads to a confirmation page; only its POST with the CSRF
    token removes the use. Another municipality's use: 403 (also to look at the question);
    one that was never said: 404."""
    path = f"{R}/solutions/datenplattform/uses/olpe/reused_from/delete"
    detail = f"{R}/solutions/datenplattform"

    def olpe_reused() -> bool:
        with app.app_context():
            solution = db.session.scalar(sa.select(Solution).filter_by(key="datenplattform"))
            found = any((u.municipality.key, u.relation) == ("olpe", "reused_from")
                        for u in solution.uses)
            db.session.remove()
        return found

    olpe = as_user("olpe")
    page = olpe.get(detail).get_data(as_text=True)
    assert f'<a href="{path}">entfernen …</a>' in page
    assert f'action="{path}"' not in page  # no button that removes at once
    confirm = olpe.get(path)
    assert confirm.status_code == 200 and olpe_reused()
    text = confirm.get_data(as_text=True)
    assert "Eintrag zu „Offene Regionale Datenplattform“ entfernen?" in text
    assert "Olpe: hat nachgenutzt von" in text and "Endgültig entfernen" in text
    assert olpe.client.post(path, data={}).status_code == 400 and olpe_reused()  # no token
    assert as_user("soest").get(path).status_code == 403
    assert as_user("soest").post(path, {}, csrf_from=detail).status_code == 403
    assert as_user("gast").get(path).status_code == 403
    assert olpe.get(f"{R}/solutions/datenplattform/uses/olpe/wants/delete").status_code == 404
    done = olpe.post(path, {}, csrf_from=path)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{detail}#nutzung")
    assert not olpe_reused()
    assert olpe.get(path).status_code == 404


def _subjects(app, login: str) -> list[str]:
    with app.app_context():
        found = db.session.scalars(sa.select(Notification.subject).join(
            User, User.id == Notification.user_id).where(User.login == login)
            .order_by(Notification.id)).all()
        db.session.remove()
    return found


def test_reuse_request_from_request_to_adoption(app, as_user, today):
    """Burbach asks for the Dorf-Dashboards; Olpe may not decide, nor the coordinator (an
    account speaks for Bad Berleburg now); Bad Berleburg (the owner's municipality) approves:
    Burbach has re-used them from Bad Berleburg; the request and the answer are logged as
    activity, Bad Berleburg is told of the request and Burbach of the answer."""
    _account(app, "burbach", "burbach")
    _account(app, "berleburg", "bad-berleburg")
    base = f"{R}/solutions/dorf-dashboards"
    burbach = as_user("burbach")
    assert burbach.post(f"{base}/reuse", {"message": "Für unsere Ortsteile"},
                        csrf_from=f"{base}/reuse").status_code == 302
    assert f"Anfrage zur Nachnutzung von „{DD}“" in _subjects(app, "berleburg")
    assert not any("Nachnutzung" in s for s in _subjects(app, "koordination"))
    assert burbach.post(f"{base}/reuse", {"message": "noch einmal"},
                        csrf_from=f"{base}/reuse").status_code == 200  # open request: refused
    with app.app_context():
        solution = db.session.scalar(sa.select(Solution).filter_by(key="dorf-dashboards"))
        assert {(u.municipality.key, u.relation) for u in solution.uses} >= {
            ("burbach", "wants")}
        request_id = db.session.execute(sa.text("select id from reuse_request")).scalar()
        db.session.remove()
    decide = f"{base}/reuse/{request_id}"
    assert as_user("olpe").post(decide, {"approve": "1"}, csrf_from=base).status_code == 403
    assert as_user("koordination").post(decide, {"approve": "1"},
                                        csrf_from=base).status_code == 403
    assert as_user("berleburg").post(decide, {"approve": "1"},
                                     csrf_from=base).status_code == 302
    assert f"Angenommen: Nachnutzung von „{DD}“ durch Burbach" in _subjects(app, "burbach")
    with app.app_context():
        solution = db.session.scalar(sa.select(Solution).filter_by(key="dorf-dashboards"))
        uses = {(u.municipality.key, u.relation): u for u in solution.uses}
        assert ("burbach", "wants") not in uses
        assert uses[("burbach", "reused_from")].from_municipality.key == "bad-berleburg"
        assert uses[("burbach", "reused_from")].since == today
        actions = set(db.session.scalars(sa.text(
            "select action from activity where target = 'dorf-dashboards'")))
        assert {"solution.reuse_request", "solution.reuse_approve"} <= actions
        db.session.remove()
    page = burbach.get(f"{R}/municipalities/burbach").get_data(as_text=True)
    assert "Lösungen, die Ihre Nachbarn schon einsetzen" in page  # still LoRaWAN, platform


def test_compare_sets_the_demo_regions_side_by_side(as_user):
    page = as_user("gast").get("/regions/compare").get_data(as_text=True)
    assert "Smart Cities: 5 für Südwestfalen" in page
    assert "Offene Regionale Datenplattform" in page
    # the gaps by kind by their titles, not their codes (user pass)
    assert "Stelle, an der das Netzwerk hängt" in page
    assert "articulation_point" not in page and "missing_data" not in page


def test_api_solutions_and_compare(api):
    viewer = api("gast")
    body = viewer.get("/regions/swf5/solutions/dorf-dashboards").get_json()
    assert body["owner"] == "bad-berleburg-stab" and body["maturity"] == "production"
    assert viewer.get("/regions/swf5/solutions?maturity=ripe").status_code == 422
    assert viewer.post("/regions/swf5/solutions", {"key": "x", "name": "X",
                                                    "topic": "mobility"}).status_code == 403
    olpe = api("olpe")
    created = olpe.post("/regions/swf5/solutions", {
        "key": "olpe-app", "name": "Olpe-App", "topic": "administration",
        "owner": "olpe-digital", "links": {"opencode": "https://gitlab.opencode.de/x"}})
    assert created.status_code == 201, created.get_json()
    assert olpe.post("/regions/swf5/solutions", {
        "key": "fremd", "name": "Fremd", "topic": "mobility",
        "owner": "bad-berleburg-stab"}).status_code == 403
    assert olpe.post("/regions/swf5/solutions", {
        "key": "bad", "name": "Bad", "topic": "mobility", "owner": "olpe-digital",
        "links": {"other": "javascript:alert(1)"}}).status_code == 422
    compared = viewer.get("/regions/compare").get_json()
    assert "swf5" in [r["slug"] for r in compared["regions"]]
    spec = viewer.get("/openapi.json").get_json()
    assert "/regions/{slug}/solutions/{key}" in spec["paths"]
    assert "/regions/compare" in spec["paths"]
