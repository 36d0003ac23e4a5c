"""Attacker pass: a format's participants were a one-sided claim. A member named other
municipalities' units as participants of a format its own unit convenes, which raised its own
unit's Takt part and made the other municipality look as if it took part. Now, as for
initiatives, naming another municipality's actor invites it; that municipality accepts (the
actor takes part) or declines. The coordinator records participants directly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collab.analysis import reports
from collab.core.models import Activity, FormatInvitation, Notification, User
from collab.extensions import db

from .test_permissions import _client

R = "/regions/swf5"
F = f"{R}/formats/olpe-jf"
OLPE_JF = {"key": "olpe-jf", "name": "Jour fixe Olpe", "kind": "jour_fixe",
           "cadence": "monthly", "convenor": "olpe-digital", "participants": ["olpe-bm"]}


@pytest.fixture(autouse=True)
def empty_cache():
    reports.clear_cache()
    yield
    reports.clear_cache()


@pytest.fixture
def olpe_jf(api):
    """Olpe's monthly jour fixe, recorded by the coordinator with Olpe's own unit only."""
    assert api("koordination").post("/regions/swf5/formats", OLPE_JF).status_code == 201
    return OLPE_JF["key"]


def _participants(api, key: str = "olpe-jf") -> list[str]:
    return api("gast").get(f"/regions/swf5/formats/{key}").get_json()["participants"]


def _invitations(api, key: str = "olpe-jf", login: str = "gast") -> list[dict]:
    return api(login).get(f"/regions/swf5/formats/{key}/invitations").get_json()["items"]


def _actions(app) -> list[str]:
    with app.app_context():
        found = db.session.scalars(sa.select(Activity.action).order_by(Activity.id)).all()
        db.session.remove()
    return found


def _notes(app, login: str) -> list[str]:
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(login=login))
        found = db.session.scalars(sa.select(Notification.subject).filter_by(
            user_id=user.id)).all()
        db.session.remove()
    return found


def _takt(api, actor: str) -> tuple[float, int]:
    report = api("gast").get("/regions/swf5/analysis").get_json()
    entry = next(c for c in report["taktgeber"] if c["key"] == actor)
    return entry["parts"]["takt"], entry["raw"]["formats_convened"]


def test_a_member_invites_through_the_api_and_the_other_municipality_accepts(api, as_user,
                                                                             app):
    made = api("olpe").post("/regions/swf5/formats", {
        **OLPE_JF, "participants": ["olpe-bm", "soest-innovation"]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    # Olpe's own unit takes part at once; Soest's unit is only invited
    assert body["participants"] == ["olpe-bm"]
    [invitation] = body["invitations"]
    assert invitation["actor"] == "soest-innovation" and invitation["municipality"] == "soest"
    assert "Einladung an Soest gesendet" in invitation["message"]
    assert "format.invite" in _actions(app)
    assert "Einladung zum Format „Jour fixe Olpe“" in _notes(app, "soest")
    assert not any("Einladung zum Format" in n for n in _notes(app, "olpe"))
    # asking again keeps the one open invitation
    again = api("olpe").patch("/regions/swf5/formats/olpe-jf",
                              {"participants": ["olpe-bm", "soest-innovation"]})
    assert again.status_code == 200
    assert [i["id"] for i in again.get_json()["invitations"]] == [invitation["id"]]
    assert len(_invitations(api)) == 1
    # Soest sees it on its home page and on the format's page, with the decision form
    soest = as_user("soest")
    home = soest.get("/kommune").get_data(as_text=True)
    assert "Einladungen zu Formaten" in home and "Jour fixe Olpe" in home
    assert "Einladung annehmen" in home
    assert "Einladung annehmen" in soest.get(F).get_data(as_text=True)
    # Olpe sees it as open, without a decision form
    olpe_page = as_user("olpe").get(F).get_data(as_text=True)
    assert "Offene Einladungen an andere Kommunen" in olpe_page
    assert "Einladung annehmen" not in olpe_page
    # accepted from the home page (CSRF), back to the home page; the unit takes part
    response = soest.post(f"{F}/invitations/{invitation['id']}/decide",
                          {"approve": "1", "reason": "", "next": "/kommune#formate"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/kommune#formate")
    assert _participants(api) == ["olpe-bm", "soest-innovation"]
    assert "format.invite_accept" in _actions(app)
    assert _invitations(api)[0]["status"] == "approved"
    assert any("Angenommen" in n for n in _notes(app, "olpe"))
    assert api("soest").post(f"{F}/invitations/{invitation['id']}/decision",
                             {"approve": True}).status_code == 409


def test_declining_needs_a_reason_and_changes_nothing(api, olpe_jf, app):
    answer = api("olpe").patch("/regions/swf5/formats/olpe-jf",
                               {"participants": ["olpe-bm", "soest-innovation"]})
    [invitation] = answer.get_json()["invitations"]
    path = f"/regions/swf5/formats/olpe-jf/invitations/{invitation['id']}/decision"
    assert api("soest").post(path, {"approve": False}).status_code == 422
    declined = api("soest").post(path, {"approve": False, "reason": "Kein Personal frei"})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert _participants(api) == ["olpe-bm"]
    assert "format.invite_decline" in _actions(app)
    # the reason: for Olpe (the convenor) and Soest, not for others
    assert _invitations(api, login="olpe")[0]["reason"] == "Kein Personal frei"
    assert _invitations(api, login="gast")[0]["reason"] is None


def test_the_coordinator_records_participants_directly(api, olpe_jf):
    answer = api("koordination").patch("/regions/swf5/formats/olpe-jf", {
        "participants": ["olpe-bm", "soest-innovation", "swa"]})
    assert answer.status_code == 200 and "invitations" not in answer.get_json()
    assert _participants(api) == ["olpe-bm", "soest-innovation", "swa"]
    assert _invitations(api) == []


def test_the_convenor_removes_a_foreign_participant(api, olpe_jf):
    assert api("koordination").patch("/regions/swf5/formats/olpe-jf", {
        "participants": ["olpe-bm", "soest-innovation", "swa"]}).status_code == 200
    # kept as they are: no invitation, nothing refused
    kept = api("olpe").patch("/regions/swf5/formats/olpe-jf", {
        "participants": ["olpe-bm", "soest-innovation", "swa"], "cadence": "weekly"})
    assert kept.status_code == 200 and "invitations" not in kept.get_json()
    removed = api("olpe").patch("/regions/swf5/formats/olpe-jf", {"participants": ["olpe-bm"]})
    assert removed.status_code == 200
    assert _participants(api) == ["olpe-bm"]


def test_a_regional_body_is_the_coordinators_to_add(api, olpe_jf):
    """An actor of no municipality (a regional body, a partner some survey answer created)
    has nobody to consent for it: a member does not add it (as for initiatives)."""
    refused = api("olpe").patch("/regions/swf5/formats/olpe-jf",
                                {"participants": ["olpe-bm", "swa"]})
    assert refused.status_code == 422
    [detail] = refused.get_json()["details"]
    assert detail["field"] == "participants[1]" and "keiner Kommune" in detail["message"]
    assert _participants(api) == ["olpe-bm"]


def test_the_edit_page_invites_and_says_so(olpe_jf, as_user, api):
    olpe = as_user("olpe")
    form = olpe.get(f"{F}/edit").get_data(as_text=True)
    assert "werden eingeladen" in form
    response = olpe.post(f"{F}/edit", {
        "name": "Jour fixe Olpe", "kind": "jour_fixe", "cadence": "monthly",
        "convenor": "olpe-digital", "participants": ["olpe-bm", "soest-innovation"],
        "provenance": "documented", "source": ""}, csrf_from=f"{F}/edit",
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Einladung an Soest gesendet" in page
    assert "Offene Einladungen an andere Kommunen" in page
    assert _participants(api) == ["olpe-bm"]


def test_takt_counts_only_accepted_invitations(api):
    """Olpe's unit convenes a monthly round naming three other members' units: before they
    accept, it brings together one municipality only, which sets no beat for the network."""
    assert _takt(api, "olpe-digital") == (0.0, 0)
    made = api("olpe").post("/regions/swf5/formats", {
        **OLPE_JF, "participants": ["olpe-bm", "soest-innovation", "arnsberg-digital",
                                    "menden-cdo"]})
    assert made.status_code == 201
    assert made.get_json()["participants"] == ["olpe-bm"]
    assert _takt(api, "olpe-digital") == (0.0, 0)
    invitation = next(i for i in made.get_json()["invitations"]
                      if i["actor"] == "soest-innovation")
    assert api("soest").post(f"/regions/swf5/formats/olpe-jf/invitations/{invitation['id']}"
                             "/decision", {"approve": True}).status_code == 200
    takt, formats = _takt(api, "olpe-digital")
    assert takt > 0 and formats == 1


def test_an_undo_adds_no_foreign_participant(app, api, as_user, olpe_jf):
    """Olpe removed Soest's unit from its format (allowed); undoing that would put Soest's
    unit back without its consent: the coordinator's."""
    assert api("koordination").patch("/regions/swf5/formats/olpe-jf", {
        "participants": ["olpe-bm", "soest-innovation"]}).status_code == 200
    assert api("olpe").patch("/regions/swf5/formats/olpe-jf",
                             {"participants": ["olpe-bm"]}).status_code == 200
    with app.app_context():
        entry = db.session.scalar(sa.select(Activity.id).filter_by(
            action="format.update").order_by(Activity.id.desc()))
        db.session.remove()
    olpe = as_user("olpe")
    refused = olpe.post(f"{R}/activity/{entry}/undo", csrf_from=f"{R}/activity/{entry}/undo")
    assert refused.status_code == 403
    assert _participants(api) == ["olpe-bm"]


# --- role × URL -------------------------------------------------------------------------------

ROLES5 = ("anonymous", "olpe", "soest", "koordination", "koord-th")


def _spec(text: str) -> dict[str, int]:
    return dict(zip(ROLES5, (int(s) for s in text.split()), strict=True))


FOREIGN = {"participants": ["olpe-bm", "soest-innovation"]}

API_CASES = [
    # method, path, body, anonymous, olpe, soest, koordination, koord-th
    ("post", "/regions/swf5/formats", {**OLPE_JF, "key": "neu", **FOREIGN},
     "401 201 403 201 403"),
    ("patch", "/regions/swf5/formats/olpe-jf", FOREIGN, "401 200 403 200 403"),
]


@pytest.mark.parametrize("method,path,body,spec", API_CASES,
                         ids=[f"{m} {p}" for m, p, _b, _s in API_CASES])
@pytest.mark.parametrize("role", ROLES5)
def test_api_create_and_edit_with_a_foreign_participant(method, path, body, spec, role, api,
                                                        olpe_jf, other_coordinator):
    status = _spec(spec)[role]
    answer = getattr(api(None if role == "anonymous" else role), method)(path, body)
    assert answer.status_code == status, (role, answer.get_json())
    if status in (200, 201):
        key = body.get("key", "olpe-jf")
        participants = _participants(api, key)
        invited = [i["actor"] for i in _invitations(api, key)]
        if role == "koordination":
            assert "soest-innovation" in participants and invited == []
        else:
            assert "soest-innovation" not in participants and invited == ["soest-innovation"]


PAGE_CASES = [
    # path, form, anonymous, olpe, soest, koordination, koord-th
    (f"{R}/formats/new", {**OLPE_JF, "key": "neu", **FOREIGN, "provenance": "documented"},
     "302 302 200 302 403"),  # soest: its form refuses another member's convenor
    (f"{F}/edit", {**OLPE_JF, **FOREIGN, "provenance": "documented"},
     "302 302 403 302 403"),
]


@pytest.mark.parametrize("path,form,spec", PAGE_CASES, ids=[p for p, _f, _s in PAGE_CASES])
@pytest.mark.parametrize("role", ROLES5)
def test_pages_create_and_edit_with_a_foreign_participant(path, form, spec, role, browser,
                                                          as_user, api, olpe_jf,
                                                          other_coordinator):
    client = _client(role, browser, as_user)
    response = client.post(path, {k: v for k, v in form.items() if k != "key" or "new" in path},
                           csrf_from="/hilfe" if role != "anonymous" else "/login")
    assert response.status_code == _spec(spec)[role], role
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    key = form["key"]
    exists = api("gast").get(f"/regions/swf5/formats/{key}").status_code == 200
    if role in ("olpe", "koordination"):
        assert exists
        taking_part = "soest-innovation" in _participants(api, key)
        assert taking_part is (role == "koordination")
        assert [i["actor"] for i in _invitations(api, key)] == (
            [] if role == "koordination" else ["soest-innovation"])
    elif key != "olpe-jf":
        assert not exists
    else:
        assert _participants(api) == ["olpe-bm"] and _invitations(api) == []


@pytest.mark.parametrize("role", (*ROLES5, "gast"))
def test_deciding_an_invitation_by_role(role, api, browser, as_user, olpe_jf,
                                        other_coordinator):
    """Only the invited municipality's accounts decide: not the convenor, not the
    coordinator (of this or another region), not a viewer, nobody anonymous."""
    [invitation] = api("olpe").patch("/regions/swf5/formats/olpe-jf", FOREIGN).get_json()[
        "invitations"]
    expected = {"anonymous": (302, 401), "olpe": (403, 403), "soest": (302, 200),
                "koordination": (403, 403), "koord-th": (403, 403), "gast": (403, 403)}[role]
    page = _client(role, browser, as_user).post(
        f"{F}/invitations/{invitation['id']}/decide", {"approve": "1", "reason": ""},
        csrf_from="/hilfe" if role != "anonymous" else "/login")
    assert page.status_code == expected[0], role
    if role == "soest":
        assert _participants(api) == ["olpe-bm", "soest-innovation"]
        return
    assert _participants(api) == ["olpe-bm"]
    answer = api(None if role == "anonymous" else role).post(
        f"/regions/swf5/formats/olpe-jf/invitations/{invitation['id']}/decision",
        {"approve": False, "reason": "nein"})
    assert answer.status_code == expected[1], role
    assert _invitations(api)[0]["status"] == "pending"


def test_deciding_needs_the_csrf_token(api, as_user, olpe_jf):
    [invitation] = api("olpe").patch("/regions/swf5/formats/olpe-jf", FOREIGN).get_json()[
        "invitations"]
    soest = as_user("soest")
    response = soest.client.post(f"{F}/invitations/{invitation['id']}/decide",
                                 data={"approve": "1"})
    assert response.status_code in (302, 400)
    assert _participants(api) == ["olpe-bm"]
    assert _invitations(api)[0]["status"] == "pending"


def test_an_unknown_invitation_is_404(as_user, api, olpe_jf):
    assert api("soest").post("/regions/swf5/formats/olpe-jf/invitations/999999/decision",
                             {"approve": True}).status_code == 404
    assert api("gast").get("/regions/swf5/formats/nope/invitations").status_code == 404


def test_the_invitation_goes_with_its_format(app, api, olpe_jf):
    api("olpe").patch("/regions/swf5/formats/olpe-jf", FOREIGN)
    assert api("olpe").delete("/regions/swf5/formats/olpe-jf").status_code == 204
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(FormatInvitation.id))) == 0
        db.session.remove()


def test_an_initiatives_invitation_is_told_too(api, app):
    """One mechanism: the lead's invitation to an initiative tells the invited municipality's
    accounts as well (before, they learnt of it only on the initiative's page)."""
    path = "/regions/swf5/initiatives/olpe-2030"
    before = [{"actor": p["actor"], "role": p["role"]}
              for p in api("gast").get(path).get_json()["participants"]]
    answer = api("olpe").patch(path, {"participants": [
        *before, {"actor": "soest-rat", "role": "partner"}]})
    assert answer.status_code == 200 and answer.get_json()["invitations"][0]["role"] == "partner"
    assert any(n.startswith("Einladung zur Initiative") for n in _notes(app, "soest"))
    assert not any(n.startswith("Einladung zur Initiative") for n in _notes(app, "olpe"))
