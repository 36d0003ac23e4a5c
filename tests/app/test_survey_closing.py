"""A survey round after it closed (QA session qa1): the day it was ended, the answer shown
read-only, the notifications that asked for an answer, and the partners shown by name."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from collab.core.models import Notification, Survey, SurveyResponse, User
from collab.extensions import db
from collab.surveys.services import today

from .test_surveys import _open, _tie


def _today(app) -> dt.date:
    with app.app_context():
        return today()


def _close(as_user, survey: int):
    path = f"/regions/swf5/surveys/{survey}/close"
    done = as_user("koordination").post(path, csrf_from=path)
    assert done.status_code == 302, done.get_data(as_text=True)


def _answer_olpe(api, survey: int):
    answered = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-digital", "level": "coordinating"}],
        "partners": [{"from": "olpe-digital", "actor": "swa", "kind": "cooperation",
                      "frequency": "weekly", "trust": 4, "value": 5}]})
    assert answered.status_code == 200, answered.get_json()


def _unread(app, login: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Notification).join(
            User, User.id == Notification.user_id).where(
            User.login == login, Notification.kind.in_(["survey_opened", "survey_reminder"]),
            Notification.read_at.is_(None)))


def test_a_round_ended_early_shows_the_day_it_was_ended(app, api, as_user):
    """QA: a round opened on 28.11. and ended the same day read "Antworten bis 27.11.
    (geschlossen)", before it opened, and told Olpe it could still change its answer. Now
    every page names the day it was ended, and none invites a change."""
    survey = _open(api)
    _answer_olpe(api, survey)
    _close(as_user, survey)
    day = _today(app)
    ended, before = day.strftime("%d.%m.%Y"), (day - dt.timedelta(days=1)).strftime("%d.%m.%Y")
    rounds = as_user("koordination").get("/regions/swf5/surveys").get_data(as_text=True)
    assert f"vorzeitig geschlossen am {ended}" in rounds and before not in rounds
    report = as_user("koordination").get(f"/regions/swf5/surveys/{survey}").get_data(
        as_text=True)
    assert f"Diese Befragung wurde am {ended} vorzeitig beendet." in report
    assert before not in report
    olpe = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer")
    page = olpe.get_data(as_text=True)
    assert olpe.status_code == 200
    assert f"Diese Befragung wurde am {ended} vorzeitig beendet." in page
    assert "bis dahin ändern" not in page and before not in page
    refused = api("soest").put(f"/regions/swf5/surveys/{survey}/responses/soest",
                               {"partners": []})
    assert refused.status_code == 409
    assert refused.get_json()["error"] == f"Diese Befragung wurde am {ended} vorzeitig beendet."


def test_ending_a_round_early_keeps_its_planned_date_and_records_when(app, api, as_user):
    """The round's closing date stays the planned one; ``ended_at`` says when the coordinator
    ended it (the API shows both), and a new round may open the same day."""
    from .test_surveys import CLOSES

    survey = _open(api)
    _close(as_user, survey)
    record = api("koordination").get(f"/regions/swf5/surveys/{survey}").get_json()
    assert record["closes_at"] == CLOSES and record["open"] is False
    ended_at = dt.datetime.fromisoformat(record["ended_at"])  # UTC, "…Z"
    assert abs(ended_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5), ended_at
    with app.app_context():
        ended = db.session.get(Survey, survey)
        assert ended.closes_at.isoformat() == CLOSES and ended.ended_at is not None
    again = api("koordination").post("/regions/swf5/surveys", {"closes_at": CLOSES})
    assert again.status_code == 201, again.get_json()
    assert api("koordination").get(f"/regions/swf5/surveys/{again.get_json()['id']}") \
        .get_json()["ended_at"] is None


def test_a_round_run_to_its_end_shows_its_closing_date(app, api, as_user):
    """A round that ran to its closing date keeps it, on the list and on the answer page."""
    survey = _open(api)
    _answer_olpe(api, survey)
    closed = _today(app) - dt.timedelta(days=3)
    with app.app_context():
        db.session.get(Survey, survey).closes_at = closed
        db.session.commit()
    shown = closed.strftime("%d.%m.%Y")
    rounds = as_user("olpe").get("/regions/swf5/surveys").get_data(as_text=True)
    assert f"{shown} (geschlossen)" in rounds and "vorzeitig" not in rounds
    assert f"/regions/swf5/surveys/{survey}/answer" in rounds  # the answer can be looked at
    page = as_user("olpe").get(f"/regions/swf5/surveys/{survey}/answer").get_data(as_text=True)
    assert f"Antworten waren bis {shown} möglich" in page


def test_a_closed_round_shows_the_answer_read_only(app, api, as_user):
    """QA: after the round closed, Olpe's form stayed editable with no save button, and
    "weitere Zeile" still added rows. Now it shows the answer as text, without inputs, and
    a form posted into it saves nothing and says so."""
    survey = _open(api)
    _answer_olpe(api, survey)
    _close(as_user, survey)
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    page = olpe.get(path).get_data(as_text=True)
    content = page.split('id="survey-closed"', 1)[1]
    assert "kann nicht mehr geändert werden" in content
    for control in ('name="p-0-actor"', 'name="unit-', 'name="more"', 'name="submit"',
                    "<select", 'type="text"', 'list="survey-actors"'):
        assert control not in content, control
    assert "Südwestfalen Agentur GmbH" in content and "wöchentlich" in content
    assert "Smart-City-Projektleitung der Stadt Olpe" in content
    with app.app_context():
        before = db.session.scalar(db.select(SurveyResponse.answer).filter_by(
            survey_id=survey))
    for extra in ({"more": "weitere Zeile"}, {"submit": "Antwort absenden"}):
        posted = olpe.post(path, {"rows": "4", "p-0-from": "olpe-digital",
                                  "p-0-actor": "menden-cdo", "p-0-frequency": "weekly",
                                  **extra}, csrf_from="/hilfe")
        assert posted.status_code == 302, posted.get_data(as_text=True)
        assert "nichts gespeichert" in olpe.get(path).get_data(as_text=True)
    assert _tie(app, "olpe-digital", "menden-cdo") is None
    with app.app_context():
        assert db.session.scalar(db.select(SurveyResponse.answer).filter_by(
            survey_id=survey)) == before
    # a municipality that did not answer is told so, with nothing to fill in
    soest = as_user("soest").get(path).get_data(as_text=True)
    assert "hat in dieser Runde nicht geantwortet" in soest and "<select" not in \
        soest.split('id="survey-closed"', 1)[1]


def test_answering_or_ending_the_round_reads_its_notification(app, api, as_user):
    """QA: the survey notification stayed "neu" after Olpe answered and after the round
    closed. Answering reads the answering municipality's survey notifications (not other
    municipalities'); ending the round reads everyone's."""
    survey = _open(api)
    assert _unread(app, "olpe") == 1 and _unread(app, "soest") == 1
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    answered = olpe.post(path, {"rows": "1", "p-0-from": "olpe-digital", "p-0-actor": "swa",
                                "p-0-kind": "cooperation", "p-0-frequency": "monthly",
                                "submit": "x"}, csrf_from=path)
    assert answered.status_code == 302, answered.get_data(as_text=True)
    assert _unread(app, "olpe") == 0 and _unread(app, "soest") == 1
    assert 'class="unread"' not in olpe.get("/benachrichtigungen").get_data(as_text=True)
    _close(as_user, survey)
    assert _unread(app, "soest") == 0


def test_saved_partners_show_their_names(app, api, as_user):
    """QA: saved partners read "soest-innova…" in the narrow partner field. The field shows
    the actor's name, which the form takes back; a name two actors bear shows the key."""
    survey = _open(api)
    for key in ("soest-verein-a", "soest-verein-b"):
        created = api("koordination").post("/regions/swf5/actors", {
            "key": key, "name": "Digitalverein", "type": "association",
            "level": "operational", "municipality": "soest"})
        assert created.status_code == 201, created.get_json()
    answered = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe", {
        "partners": [{"from": "olpe-digital", "actor": "soest-innovation", "kind": "advice",
                      "frequency": "weekly", "trust": 4},
                     {"from": "olpe-digital", "actor": "soest-verein-a",
                      "kind": "cooperation", "frequency": "yearly"},
                     {"from": "olpe-digital", "actor": "soest-rat",
                      "kind": "funding", "frequency": "yearly"}]})
    assert answered.status_code == 200, answered.get_json()
    olpe = as_user("olpe")
    path = f"/regions/swf5/surveys/{survey}/answer"
    page = olpe.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'name="(p-\d-actor)" list="survey-actors" value="([^"]*)"', page))
    assert fields["p-0-actor"] == "Abteilung Innovation und digitaler Wandel"
    assert fields["p-1-actor"] == "soest-verein-a"
    assert '<option value="Abteilung Innovation und digitaler Wandel">' in page
    # the field is narrow on a wide screen: the saved partner's full name stands below it
    assert "gespeichert: Abteilung Innovation und digitaler Wandel (Soest)" in page
    assert "gespeichert: Digitalverein (Soest)" in page
    # a name that says its municipality already does not get it twice
    assert "gespeichert: Rat der Stadt Soest<" in page
    # the form sent back as shown keeps both ties as they were
    posted = olpe.post(path, {
        "rows": "2", "p-0-from": "olpe-digital", "p-0-actor": fields["p-0-actor"],
        "p-0-kind": "advice", "p-0-frequency": "weekly", "p-0-trust": "4",
        "p-1-from": "olpe-digital", "p-1-actor": fields["p-1-actor"],
        "p-1-kind": "cooperation", "p-1-frequency": "yearly", "submit": "x"}, csrf_from=path)
    assert posted.status_code == 302, posted.get_data(as_text=True)
    assert _tie(app, "olpe-digital", "soest-innovation", "advice").trust == 4
    assert _tie(app, "olpe-digital", "soest-verein-a") is not None
    assert _tie(app, "olpe-digital", "soest-verein-b") is None


@pytest.mark.parametrize("actors", [
    [("a", "Rat"), ("b", "Amt"), ("c", " rat ")],
    [("a", "b"), ("b", "Amt")],
    [("x", "x"), ("y", "Y-Verein")],
])
def test_every_partner_label_resolves_to_its_own_key(actors):
    """What the partner field shows is taken back as the same actor by the form's rule."""
    from collab.surveys.forms import actor_keys, partner_labels

    for key, shown in partner_labels(actors).items():
        assert actor_keys(actors, shown) == [key]


@pytest.mark.parametrize("answers, text", [
    (0, "Noch liegt keine Antwort vor."),
    (1, "1 Antwort liegt vor; sie bleibt erhalten."),
    (2, "2 Antworten liegen vor; sie bleiben erhalten."),
])
def test_the_close_page_counts_answers_in_words(app, api, as_user, answers, text):
    """QA: "1 Antwort(en) liegen vor" on the confirmation to end a round."""
    survey = _open(api)
    for login in ("olpe", "soest")[:answers]:
        assert api(login).put(f"/regions/swf5/surveys/{survey}/responses/{login}",
                              {"partners": []}).status_code == 200
    page = as_user("koordination").get(f"/regions/swf5/surveys/{survey}/close")
    assert text in page.get_data(as_text=True) and "Antwort(en)" not in page.get_data(
        as_text=True)


def _rows(page: str) -> dict[str, str]:
    """The round page's answered column by municipality name."""
    table = page.split('class="survey-responses"', 1)[1].split("</table>", 1)[0]
    return {name: re.sub(r"<[^>]+>", "", cell).strip() for name, cell in re.findall(
        r"<tr><td>([^<]+)</td>\s*<td>(.*?)</td>", table, re.S)}


@pytest.mark.parametrize("end", ["early", "closing_date"])
def test_a_closed_round_says_who_did_not_answer(app, api, as_user, end):
    """QA: after the round was ended early, its page still read "noch offen" in red for the
    members that had not answered. Once the round takes no answers (ended early, or past
    its closing date) they read "nicht geantwortet"."""
    survey = _open(api)
    _answer_olpe(api, survey)
    koordination = as_user("koordination")
    path = f"/regions/swf5/surveys/{survey}"
    rows = _rows(koordination.get(path).get_data(as_text=True))
    assert rows["Soest"] == "noch offen" and rows["Olpe"].startswith(
        _today(app).strftime("%d.%m.%Y"))
    if end == "early":
        _close(as_user, survey)
    else:
        with app.app_context():
            db.session.get(Survey, survey).closes_at = _today(app) - dt.timedelta(days=1)
            db.session.commit()
    page = koordination.get(path).get_data(as_text=True)
    rows = _rows(page)
    assert rows["Soest"] == "nicht geantwortet" and "noch offen" not in page
    assert 'class="missing"' not in page.split('class="survey-responses"', 1)[1]
    assert rows["Olpe"].startswith(_today(app).strftime("%d.%m.%Y"))


def test_the_round_page_ends_the_round_early_after_the_same_confirmation(app, api, as_user):
    """QA: the coordinator lands on the round's page after starting it, and the page had no
    way to end the round early (only the list of rounds had). It links the same
    confirmation, which leads back to the round's page, cancelled or done; a closed round
    and a member see no such link."""
    survey = _open(api)
    koordination = as_user("koordination")
    path = f"/regions/swf5/surveys/{survey}"
    page = koordination.get(path).get_data(as_text=True)
    link = re.search(r'<a class="button secondary" id="close-round" href="([^"]+)">([^<]+)</a>',
                     page)
    assert link and link.group(2) == "Runde vorzeitig beenden …"
    close = link.group(1).replace("&amp;", "&")
    assert close == f"{path}/close?from=round"
    confirm = koordination.get(close).get_data(as_text=True)
    assert f"Runde {survey} vorzeitig beenden?" in confirm
    assert f'<a href="{path}">Abbrechen</a>' in confirm
    done = koordination.post(close, csrf_from=close)
    assert done.status_code == 302 and done.headers["Location"] == path
    page = koordination.get(path).get_data(as_text=True)
    assert f"Runde {survey} ist beendet; eine neue Runde kann beginnen." in page
    assert "vorzeitig beendet." in page and 'id="close-round"' not in page
    # from the list of rounds, the confirmation still leads back to the list
    again = _open(api)
    listed = f"/regions/swf5/surveys/{again}/close"
    assert '<a href="/regions/swf5/surveys">Abbrechen</a>' in koordination.get(
        listed).get_data(as_text=True)
    assert koordination.post(listed, csrf_from=listed).headers["Location"] == \
        "/regions/swf5/surveys"
    # a member is taken to its answer form, which offers no such thing
    third = _open(api)
    olpe = as_user("olpe").get(f"/regions/swf5/surveys/{third}", follow_redirects=True)
    assert 'id="close-round"' not in olpe.get_data(as_text=True)


def test_every_moment_in_the_survey_api_is_utc_with_z(app, api, as_user):
    """QA: GET of a round answered "ended_at": "2026-11-28T22:22:19" without the Z every
    other endpoint writes (the README promises UTC with Z). Every moment of the survey API
    (opened_at, ended_at, an answer's submitted_at), in every answer that carries it,
    is UTC with Z, and the same moment as stored."""
    utc = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    koordination = api("koordination")
    opened = koordination.post("/regions/swf5/surveys", {"closes_at": (
        _today(app) + dt.timedelta(days=7)).isoformat()})
    survey = opened.get_json()["id"]
    answered = api("olpe").put(f"/regions/swf5/surveys/{survey}/responses/olpe",
                               {"partners": []}).get_json()
    ended = koordination.post(f"/regions/swf5/surveys/{survey}/close").get_json()
    read = koordination.get(f"/regions/swf5/surveys/{survey}").get_json()
    own = api("olpe").get(f"/regions/swf5/surveys/{survey}").get_json()
    moments = [opened.get_json()["opened_at"], answered["submitted_at"], ended["opened_at"],
               ended["ended_at"], read["opened_at"], read["ended_at"],
               read["responses"][0]["submitted_at"], own["ended_at"],
               own["responses"][0]["submitted_at"]]
    assert all(utc.match(m) for m in moments), moments
    assert opened.get_json()["ended_at"] is None
    with app.app_context():
        stored = db.session.get(Survey, survey)
        assert read["ended_at"] == stored.ended_at.isoformat(timespec="seconds") + "Z"
        assert read["opened_at"] == stored.opened_at.isoformat(timespec="seconds") + "Z"
