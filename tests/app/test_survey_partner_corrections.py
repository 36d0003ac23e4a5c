"""A municipality corrects the partners its survey answer created (user test: Olpe's clerk
saw a typo in a new partner and could not fix it, since such a partner belongs to no
municipality). Olpe's member accounts now edit and remove such a partner, on the pages and
through the API, while only Olpe's records use it; once another municipality or the region
uses it, it is the coordinator's again (``perm.can_correct_survey_partner``)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from markupsafe import escape

from collab.core import permissions as perm
from collab.core.models import Activity, Actor, Initiative, Participation, Region, Tie, User
from collab.extensions import db

from .test_surveys import _open

R = "/regions/swf5"
ANSWER = R + "/surveys/{}/responses/{}"
TYPO = "Stadtwerke Olep"


def _answer_with_new_partner(api, name: str = TYPO) -> tuple[int, str]:
    """A round, and Olpe's answer naming ``name`` as a new partner; the round's id and the
    new partner's key."""
    survey = _open(api)
    response = api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        {"from": "olpe-digital", "new": {"name": name, "type": "association"},
         "kind": "cooperation", "frequency": "monthly"}]})
    assert response.status_code == 200, response.get_json()
    created = response.get_json()["created"]
    assert len(created) == 1
    return survey, created[0]


def _actor(app, key: str) -> dict | None:
    with app.app_context():
        actor = db.session.scalar(db.select(Actor).filter_by(key=key))
        if actor is None:
            return None
        return {"name": actor.name, "type": actor.type, "sector": actor.sector,
                "municipality": actor.municipality.key if actor.municipality else None}


def _form(name: str = "Stadtwerke Olpe", **changes) -> dict:
    """The actor form as a browser sends it for the partner (kept without municipality)."""
    return {"name": name, "type": "municipal_company", "level": "operational",
            "sector": "business", "municipality": "", "capacity_fte": "", "description": "",
            "contact": "", "provenance": "self_reported", "source": "", **changes}


# --- role × URL ---------------------------------------------------------------------------------

#: who may correct the partner Olpe's answer created: expected status of a confirmed edit
#: and delete on the pages (302: done, back to a page; 403: refused)
PAGE_ROLES = [("olpe", 302), ("koordination", 302), ("soest", 403), ("koord-th", 403)]


@pytest.mark.parametrize("login, status", PAGE_ROLES)
def test_editing_the_partner_on_the_pages(app, api, as_user, other_coordinator, login,
                                          status):
    _survey, key = _answer_with_new_partner(api)
    user = as_user(login)
    assert user.get(f"{R}/actors/{key}/edit").status_code == (200 if status == 302 else 403)
    response = user.post(f"{R}/actors/{key}/edit", _form())
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    after = _actor(app, key)
    if status == 302:
        assert after == {"name": "Stadtwerke Olpe", "type": "municipal_company",
                         "sector": "business", "municipality": None}
        with app.app_context():
            entry = db.session.scalar(db.select(Activity).filter_by(
                action="actor.update", target=key))
            assert entry is not None and entry.user.login == login
    else:
        assert after["name"] == TYPO and after["type"] == "association"


@pytest.mark.parametrize("login, status", PAGE_ROLES)
def test_removing_the_partner_on_the_pages(app, api, as_user, other_coordinator, login,
                                           status):
    _survey, key = _answer_with_new_partner(api)
    user = as_user(login)
    question = user.get(f"{R}/actors/{key}/delete")
    if status == 302:  # asked first: what goes with it, and nothing removed yet
        page = question.get_data(as_text=True)
        assert question.status_code == 200 and TYPO in page
        assert "Verbindung" in page and _actor(app, key) is not None
    else:
        assert question.status_code == 403
    response = user.post(f"{R}/actors/{key}/delete", {})
    assert response.status_code == status
    if status == 302:
        assert _actor(app, key) is None
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(Tie).where(
                Tie.key.like(f"%{key}%"))) == 0
            entry = db.session.scalar(db.select(Activity).filter_by(
                action="actor.delete", target=key))
            assert entry is not None and entry.user.login == login
    else:
        assert _actor(app, key) is not None


def test_anonymous_is_sent_to_sign_in(app, api, client):
    _survey, key = _answer_with_new_partner(api)
    for path in (f"{R}/actors/{key}/edit", f"{R}/actors/{key}/delete"):
        assert client.get(path).status_code == 302
        response = client.post(path, data=_form())
        assert response.status_code in (302, 400)  # to sign in, or refused without a token
    assert _actor(app, key)["name"] == TYPO


def test_no_change_without_csrf_token(app, api, as_user):
    _survey, key = _answer_with_new_partner(api)
    olpe = as_user("olpe")
    assert olpe.client.post(f"{R}/actors/{key}/edit", data=_form()).status_code == 400
    assert olpe.client.post(f"{R}/actors/{key}/delete", data={}).status_code == 400
    assert _actor(app, key)["name"] == TYPO


@pytest.mark.parametrize("login, patch, delete", [
    (None, 401, 401), ("olpe", 200, 204), ("koordination", 200, 204), ("soest", 403, 403),
    ("koord-th", 403, 403)])
def test_correcting_the_partner_through_the_api(app, api, other_coordinator, login, patch,
                                                delete):
    _survey, key = _answer_with_new_partner(api)
    client = api(login)
    response = client.patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe",
                                                  "type": "municipal_company",
                                                  "sector": "business"})
    assert response.status_code == patch, response.get_json()
    if patch == 200:
        assert response.get_json()["name"] == "Stadtwerke Olpe"
        assert response.get_json()["municipality"] is None
    assert client.delete(f"{R}/actors/{key}").status_code == delete
    assert (_actor(app, key) is None) == (delete == 204)


def test_the_clerk_files_it_under_its_own_municipality_but_no_other(app, api):
    """The municipality field: kept empty (a partner), or Olpe's own unit; never another
    municipality (403, nothing changed)."""
    _survey, key = _answer_with_new_partner(api)
    olpe = api("olpe")
    assert olpe.patch(f"{R}/actors/{key}", {"municipality": "soest"}).status_code == 403
    assert _actor(app, key)["municipality"] is None
    assert olpe.patch(f"{R}/actors/{key}", {"municipality": None}).status_code == 200
    assert olpe.patch(f"{R}/actors/{key}", {"municipality": "olpe"}).status_code == 200
    assert _actor(app, key)["municipality"] == "olpe"


def test_the_edit_form_keeps_it_a_partner(app, api, as_user):
    _survey, key = _answer_with_new_partner(api)
    page = as_user("olpe").get(f"{R}/actors/{key}/edit").get_data(as_text=True)
    assert "— keine (externer Partner) —" in page
    assert "Soest" not in page.split('name="municipality"')[1].split("</select>")[0]


# --- used by others: the coordinator's ----------------------------------------------------------


def _soest_names_it(api, survey: int, key: str) -> None:
    response = api("soest").put(ANSWER.format(survey, "soest"), {"partners": [
        {"from": "soest-innovation", "actor": key, "kind": "cooperation",
         "frequency": "monthly"}]})
    assert response.status_code == 200, response.get_json()


def test_a_partner_another_municipality_uses_stays_the_coordinators(app, api, as_user):
    survey, key = _answer_with_new_partner(api)
    _soest_names_it(api, survey, key)
    olpe_api, olpe = api("olpe"), as_user("olpe")
    assert olpe_api.patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe"}).status_code == 403
    assert olpe_api.delete(f"{R}/actors/{key}").status_code == 403
    assert olpe.get(f"{R}/actors/{key}/edit").status_code == 403
    assert olpe.post(f"{R}/actors/{key}/edit", _form()).status_code == 403
    assert olpe.post(f"{R}/actors/{key}/delete", {}).status_code == 403
    assert _actor(app, key)["name"] == TYPO
    page = olpe.get(f"{R}/surveys/{survey}/answer").get_data(as_text=True)
    section = page.split('id="angelegte-partner"')[1].split("</section>")[0]
    assert TYPO in section and f"/actors/{key}/edit" not in section
    assert "Ändert die Koordination der Region" in section
    assert "mit Akteuren außerhalb Ihrer Kommune verbunden" in section
    koordination = api("koordination")
    assert koordination.patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe"}).status_code \
        == 200


def test_a_tie_only_soests_answer_created_counts_even_when_olpes_is_gone(app, api):
    """Soest's answer names the partner; Olpe removes its own tie: the partner is still
    Soest's too (its answer and its tie), so Olpe may not remove it."""
    survey, key = _answer_with_new_partner(api)
    _soest_names_it(api, survey, key)
    with app.app_context():
        actor = db.session.scalar(db.select(Actor).filter_by(key=key))
        olpe = db.session.scalar(db.select(User).filter_by(login="olpe"))
        assert perm.survey_partner_uses(actor, olpe.municipality) == ["tie", "answer"]
        assert not perm.can_correct_survey_partner(olpe, actor)


#: where Olpe's request has been allowed and has not written yet: the deletion holds the row
#: (store.claim), the change checks its fields (validation.clean)
BETWEEN_CHECK_AND_WRITE = {"delete": "claim", "patch": "clean"}


@pytest.mark.parametrize("method", ["delete", "patch"])
def test_a_tie_soest_adds_while_olpe_corrects_stops_the_correction(app, api, monkeypatch,
                                                                   method):
    """Two requests at once: Olpe's removal (or renaming) of its partner has been allowed
    (nothing else used it) when Soest's tie to the partner is saved, before Olpe's change
    is written. Olpe's change is refused (403) and Soest's tie stays; before, the removal
    deleted Soest's tie with the partner (and the renaming renamed what Soest relies on)."""
    from collab.objects import services

    _survey, key = _answer_with_new_partner(api)
    soest, olpe = api("soest"), api("olpe")
    step = BETWEEN_CHECK_AND_WRITE[method]
    original, raced = getattr(services, step), []

    def soest_meanwhile(*args, **kwargs):  # Soest's request lands here
        if not raced:
            raced.append(None)  # Soest's own request passes here too
            raced[0] = soest.post(f"{R}/ties", {
                "source": "soest-innovation", "target": key, "kind": "cooperation"})
        return original(*args, **kwargs)

    monkeypatch.setattr(services, step, soest_meanwhile)
    if method == "delete":
        response = olpe.delete(f"{R}/actors/{key}")
    else:
        response = olpe.patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe"})
    assert raced and raced[0].status_code == 201, raced and raced[0].get_json()
    assert response.status_code == 403, response.get_json()
    assert _actor(app, key)["name"] == TYPO
    with app.app_context():
        assert db.session.scalar(db.select(Tie.id).where(
            Tie.key == raced[0].get_json()["key"])) is not None


def test_a_partner_in_an_initiative_stays_the_coordinators(app, api):
    _survey, key = _answer_with_new_partner(api)
    with app.app_context():
        actor = db.session.scalar(db.select(Actor).filter_by(key=key))
        initiative = db.session.scalar(db.select(Initiative).filter_by(key="m01"))
        db.session.add(Participation(actor=actor, initiative=initiative, role="partner"))
        db.session.commit()
    assert api("olpe").patch(f"{R}/actors/{key}", {"name": "X"}).status_code == 403
    assert api("olpe").delete(f"{R}/actors/{key}").status_code == 403


def test_a_regional_body_stays_the_coordinators(api):
    """Only partners Olpe's answers created: the Südwestfalen Agentur (a regional body, no
    municipality) stays the coordinator's, also after Olpe names it in an answer."""
    survey = _open(api)
    assert api("olpe").put(ANSWER.format(survey, "olpe"), {"partners": [
        {"from": "olpe-digital", "actor": "swa", "kind": "cooperation",
         "frequency": "monthly"}]}).status_code == 200
    assert api("olpe").patch(f"{R}/actors/swa", {"name": "X"}).status_code == 403


# --- where the clerk finds it -------------------------------------------------------------------


def test_the_answer_page_lists_the_new_partners_with_links(app, api, as_user):
    survey, key = _answer_with_new_partner(api)
    page = as_user("olpe").get(f"{R}/surveys/{survey}/answer").get_data(as_text=True)
    section = page.split('id="angelegte-partner"')[1].split("</section>")[0]
    assert "Von Ihrer Antwort angelegte Partner" in section and TYPO in section
    assert f"/actors/{key}/edit" in section and f"/actors/{key}/delete" in section
    with app.app_context():
        tie = db.session.scalar(db.select(Tie).where(Tie.key.like(f"%{key}%")))
        assert f"/ties/{tie.key}/edit" in section
    # Soest's answer page lists nothing of Olpe's
    assert 'id="angelegte-partner"' not in as_user("soest").get(
        f"{R}/surveys/{survey}/answer").get_data(as_text=True)


def test_sending_the_answer_points_to_the_list(app, api, as_user):
    survey = _open(api)
    olpe = as_user("olpe")
    form = olpe.get(f"{R}/surveys/{survey}/answer").get_data(as_text=True)
    from ..conftest import CSRF_RE

    token = CSRF_RE.search(form).group(1)
    response = olpe.client.post(f"{R}/surveys/{survey}/answer", data={
        "csrf_token": token, "rows": "1", "p-0-from": "olpe-digital", "p-0-actor": "",
        "p-0-new_name": TYPO, "p-0-new_type": "association", "p-0-new_level": "operational",
        "p-0-kind": "cooperation", "p-0-frequency": "monthly", "p-0-trust": "",
        "p-0-value": "", "unit-olpe-digital": "coordinating", "submit": "1"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ihre Antwort hat 1 neuen Partner angelegt" in page
    assert 'id="angelegte-partner"' in page and TYPO in page


def test_the_closed_round_still_lists_them(app, api, as_user):
    survey, key = _answer_with_new_partner(api)
    assert api("koordination").post(f"{R}/surveys/{survey}/close").status_code == 200
    page = as_user("olpe").get(f"{R}/surveys/{survey}/answer").get_data(as_text=True)
    assert "survey-closed" in page and f"/actors/{key}/edit" in page
    assert api("olpe").patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe"}).status_code \
        == 200


def test_the_clerk_undoes_its_own_correction(app, api):
    """The activity log's undo follows the same rule: Olpe's correction of its partner is
    Olpe's to undo."""
    from collab.history import services as history

    _survey, key = _answer_with_new_partner(api)
    assert api("olpe").patch(f"{R}/actors/{key}", {"name": "Stadtwerke Olpe"}).status_code \
        == 200
    with app.test_request_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        olpe = db.session.scalar(db.select(User).filter_by(login="olpe"))
        entry = db.session.scalar(db.select(Activity).filter_by(action="actor.update",
                                                                target=key))
        assert history.undo_problem(entry, olpe, region) is None


def test_a_deleted_partners_key_is_not_given_again(app, api):
    """Attacker pass: ownership goes by key, so a key Olpe's answer created must not come
    back as someone else's record. Olpe deletes its partner; the coordinator creating a
    regional body under that key is refused (409, with why), and Olpe's next answer naming
    the same partner gets a new key, not the old one."""
    survey, key = _answer_with_new_partner(api, "Digital Hub")
    olpe, coordination = api("olpe"), api("koordination")
    assert olpe.delete(f"{R}/actors/{key}").status_code == 204
    response = coordination.post(f"{R}/actors", {
        "key": key, "name": "Olpe Digital Hub (Kreis)", "type": "agency",
        "level": "strategic", "sector": "public"})
    assert response.status_code == 409, response.get_json()
    assert "Netzwerkbefragung" in str(response.get_json())
    assert _actor(app, key) is None
    response = olpe.put(ANSWER.format(survey, "olpe"), {"partners": [
        {"from": "olpe-digital", "new": {"name": "Digital Hub", "type": "association"},
         "kind": "cooperation", "frequency": "monthly"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == [key, f"{key}-2"]  # over all its submissions
    assert _actor(app, f"{key}-2")["name"] == "Digital Hub"
    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        assert perm.survey_created_anywhere(region, key)
        assert perm.survey_created_anywhere(region, f"{key}-2")
        assert not perm.survey_created_anywhere(region, "olpe-digital")


def test_correcting_from_the_answer_page_returns_to_it(app, api, as_user):
    """User pass: a clerk correcting several partners went from the answer page to the
    actor's page (edit) or the list of all actors (delete) and had to find the survey again.
    The links carry the answer page as ``next``; saving, deleting and "Abbrechen" return
    there. A ``next`` leading off the site is ignored."""
    survey, key = _answer_with_new_partner(api)
    olpe = as_user("olpe")
    answer = f"{R}/surveys/{survey}/answer"
    back = f"{answer}#angelegte-partner"
    section = olpe.get(answer).get_data(as_text=True).split('id="angelegte-partner"')[1]
    edit = f"{R}/actors/{key}/edit?next={quote(back)}"
    delete = f"{R}/actors/{key}/delete?next={quote(back)}"
    assert str(escape(edit)) in section and str(escape(delete)) in section
    assert f'href="{escape(back)}"' in olpe.get(edit).get_data(as_text=True)  # Abbrechen
    response = olpe.post(edit, _form())
    assert response.status_code == 302 and response.headers["Location"] == back
    response = olpe.post(f"{R}/actors/{key}/edit?next=https://evil.example/", _form())
    assert response.headers["Location"] == f"{R}/actors/{key}"
    assert f'href="{escape(back)}"' in olpe.get(delete).get_data(as_text=True)
    response = olpe.post(delete, {})
    assert response.status_code == 302 and response.headers["Location"] == back
    assert _actor(app, key) is None
