"""Issue 11.4: no race loses a write. Real concurrency (threads, one database connection
each) against SQLite (a file, as `make run` serves it) and PostgreSQL: the loser of a race
gets 409 with a German message, and every committed change raises the region's data
version."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from collab.core.models import Region
from collab.extensions import db

R = "/regions/swf5"
PASSWORD = "ein-langes-passwort"


def at_once(app, calls):
    """Run ``calls`` (each ``(method, path, body, token)``) in threads started together;
    returns the status codes (500 for an exception)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, method, path, body, headers):
        client = app.test_client()
        barrier.wait()
        try:
            response = getattr(client, method)(f"/api/v1{path}", json=body, headers=headers)
            results[n] = (response.status_code, response.get_json())
        except Exception as exc:  # noqa: BLE001 - a crash is what we look for
            results[n] = (500, repr(exc))

    threads = [threading.Thread(target=run, args=(n, *call)) for n, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _version(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Region.data_version).filter_by(slug="swf5"))


def _only_one_wins(results, winner: int):
    codes = sorted(code for code, _body in results)
    assert codes == [winner] + [409] * (len(results) - 1), results
    for code, body in results:
        if code == 409:
            assert body["error"] and body["details"][0]["message"]


def test_forty_concurrent_edits_raise_the_data_version_by_forty(app, api):
    headers = api("koordination").headers
    before = _version(app)
    results = at_once(app, [("patch", f"{R}/actors/swa", {"capacity_fte": 4 + n / 100}, headers)
                            for n in range(1, 41)])
    assert all(code == 200 for code, _body in results), results
    assert _version(app) == before + 40


def test_one_title_makes_one_draft(app, api):
    headers = api("olpe").headers
    results = at_once(app, [("post", f"{R}/rules", {"title": "Gleicher Titel", "text": "T"},
                             headers)] * 6)
    _only_one_wins(results, 201)


def test_a_ballot_opens_once(app, api):
    coordinator = api("koordination")
    rule = coordinator.post(f"{R}/rules", {"title": "Einmal öffnen", "text": "T"}).get_json()
    closes = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    results = at_once(app, [("post", f"{R}/rules/{rule['id']}/ballot", {"closes_at": closes},
                             coordinator.headers)] * 4)
    _only_one_wins(results, 200)


@pytest.fixture
def applicant(runner, api):
    """A member account of a Thüringen municipality, which is no member of swf5."""
    result = runner.invoke(args=["create-user", "bewerber", "--role", "member", "--region",
                                 "thueringen", "--municipality", "jena",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return api("bewerber")


def test_one_pending_application_per_municipality(app, applicant):
    body = {"tier": "member", "reference": "Ratsbeschluss vom 1.1.2026"}
    results = at_once(app, [("post", f"{R}/join-requests", body, applicant.headers)] * 4)
    _only_one_wins(results, 201)


def test_an_application_is_approved_or_declined_not_both(app, api, applicant):
    request_id = applicant.post(f"{R}/join-requests", {
        "tier": "member", "reference": "Ratsbeschluss vom 1.1.2026"}).get_json()["id"]
    headers = api("koordination").headers
    path = f"{R}/join-requests/{request_id}/decision"
    results = at_once(app, [("post", path, {"approve": True}, headers),
                            ("post", path, {"approve": False, "reason": "Nein"}, headers)])
    _only_one_wins(results, 200)


def test_concurrent_imports_take_turns(app, api, seed_bundle):
    headers = api("koordination").headers
    calls = []
    for n in range(4):
        doc = {**seed_bundle, "region": {**seed_bundle["region"],
                                         "description": f"Fassung {n}"}}
        calls.append(("put", f"{R}/bundle", doc, headers))
    results = at_once(app, calls)
    assert all(code in (200, 409) for code, _body in results), results
    assert any(code == 200 for code, _body in results)


def test_forty_identical_votes_make_one_vote(app, api):
    """40 concurrent identical votes of one municipality: one is recorded, 39 get 409."""
    coordinator, olpe = api("koordination"), api("olpe")
    rule = coordinator.post(f"{R}/rules", {"title": "Vierzig Stimmen", "text": "T"}).get_json()
    closes = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    opened = coordinator.post(f"{R}/rules/{rule['id']}/ballot",
                              {"closes_at": closes, "confirm": True})
    assert opened.status_code == 200, opened.get_json()
    results = at_once(app, [("post", f"{R}/rules/{rule['id']}/votes",
                             {"vote": "yes", "confirm": True}, olpe.headers)] * 40)
    _only_one_wins(results, 201)
    votes = coordinator.get(f"{R}/rules/{rule['id']}").get_json()["votes"]
    assert [v["municipality"] for v in votes].count("olpe") == 1


def test_keys_made_at_once_stay_within_the_limit(app):
    """Attacker pass: 14 requests at once for a new API key all counted the same keys and
    left the account 14 valid keys (limit 10)."""
    from collab.accounts import services as accounts
    from collab.core.models import User

    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).filter_by(login="soest"))
        db.session.remove()
    barrier = threading.Barrier(14)
    outcomes: list = []

    def make():
        with app.test_request_context():
            barrier.wait()
            try:
                accounts.issue_own_token(db.session.get(User, user_id))
                db.session.commit()
                outcomes.append("made")
            except Exception as exc:  # noqa: BLE001 - the refusal is what we look for
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=make) for _ in range(14)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("made") == accounts.MAX_OWN_TOKENS, outcomes
    assert set(outcomes) == {"made", "ValidationError"}, outcomes
    with app.app_context():
        user = db.session.get(User, user_id)
        assert sum(accounts.token_valid(t) for t in accounts.own_tokens(user)) == 10
        db.session.remove()


def _ballot_and_changes(app, api, change):
    """A draft of Olpe's, its ballot opened by the coordinator while Olpe sends ``change``
    (method, path suffix, body) nine times at once; returns the rule id and the codes."""
    coordinator, olpe = api("koordination"), api("olpe")
    rule = olpe.post(f"{R}/rules", {"title": "Fester Text", "text": "Fassung 1"}).get_json()
    closes = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    method, suffix, body = change
    calls = [("post", f"{R}/rules/{rule['id']}/ballot", {"closes_at": closes},
              coordinator.headers)]
    calls += [(method, f"{R}/rules/{rule['id']}{suffix}", body(n), olpe.headers)
              for n in range(9)]
    return rule["id"], at_once(app, calls)


def _log(app, rule_id):
    from collab.core.models import Activity, Rule
    with app.app_context():
        key = db.session.scalar(db.select(Rule.key).filter_by(id=rule_id))
        return [a for (a,) in db.session.execute(
            db.select(Activity.action).filter_by(target=key).order_by(Activity.id))], key


@pytest.mark.parametrize("attempt", range(3))
def test_a_text_does_not_change_once_its_ballot_opened(app, api, attempt):
    """Attacker pass: the proposer's revision read the rule as a draft, the coordinator
    opened the ballot meanwhile, and the revision still went in: the text changed under
    an open ballot ("der Text wird damit festgeschrieben"). A revision takes turns with
    the opening: before it, or refused (409) after it."""
    rule_id, results = _ballot_and_changes(
        app, api, ("patch", "", lambda n: {"text": f"Fassung {n + 2}"}))
    assert results[0][0] == 200, results
    assert {code for code, _body in results[1:]} <= {200, 409}, results
    actions, _key = _log(app, rule_id)
    assert "rule.revise" not in actions[actions.index("rule.ballot"):], actions
    rule = api("gast").get(f"{R}/rules/{rule_id}").get_json()
    assert rule["status"] == "voting"


@pytest.mark.parametrize("attempt", range(3))
def test_a_rule_is_not_withdrawn_once_its_ballot_opened(app, api, attempt):
    """Attacker pass: a withdrawal read the rule as a draft and deleted it after the
    coordinator had opened its ballot (and the electorate was told): the ballot vanished.
    The withdrawal takes turns with the opening: the rule is either withdrawn before
    (the opening then answers 404 or 409) or stays with its ballot (the withdrawal 409)."""
    coordinator, olpe = api("koordination"), api("olpe")
    rule = olpe.post(f"{R}/rules", {"title": "Bleibt", "text": "T"}).get_json()
    closes = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%S")
    results = at_once(app, [("post", f"{R}/rules/{rule['id']}/ballot", {"closes_at": closes},
                             coordinator.headers),
                            ("post", f"{R}/rules/{rule['id']}/withdraw", {}, olpe.headers)])
    (opened, _b1), (withdrawn, _b2) = results
    assert (opened, withdrawn) in ((200, 409), (404, 204), (409, 204)), results
    found = api("gast").get(f"{R}/rules/{rule['id']}")
    assert found.status_code == (200 if opened == 200 else 404)


@pytest.mark.parametrize("attempt", range(3))
def test_a_comment_on_a_rule_being_withdrawn_is_refused_not_an_error(app, api, attempt):
    """Attacker pass: a comment sent while its rule was withdrawn answered 500 (a comment
    on a deleted rule). It takes turns with the withdrawal: it goes in before (and goes
    with the rule) or is refused with 404."""
    olpe, soest = api("olpe"), api("soest")
    rule = olpe.post(f"{R}/rules", {"title": "Geht gleich", "text": "T"}).get_json()
    results = at_once(app, [("post", f"{R}/rules/{rule['id']}/withdraw", {}, olpe.headers),
                            ("post", f"{R}/rules/{rule['id']}/comments", {"text": "Moment"},
                             soest.headers)])
    (withdrawn, _b1), (commented, _b2) = results
    assert withdrawn == 204 and commented in (201, 404), results
    assert api("gast").get(f"{R}/rules/{rule['id']}").status_code == 404


def _pages_at_once(calls):
    """Run ``calls`` (each ``(browser, path, form data)``, the CSRF token already in the
    data) as page POSTs in threads started together; returns the responses."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, browser, path, data):
        barrier.wait()
        try:
            results[n] = browser.client.post(path, data=data)
        except Exception as exc:  # noqa: BLE001 - a crash is what we look for
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, *call)) for n, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_an_application_is_approved_or_declined_once(app, browser, as_user, attempt):
    """Attacker pass: two windows of the coordination approved and declined one application
    at once, and both went through: the municipality and its account were created and the
    one-time link shown, while the application could end up 'declined'. The second
    decision now finds the first and changes nothing (409 in the service; the page shows
    the decision and that nothing was saved)."""
    from collab.core.models import Application, Municipality

    from .test_applications import _apply
    assert _apply(browser).status_code == 200
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    path = f"/regions/swf5/applications/{application_id}"
    one, two = as_user("koordination"), as_user("koordination")
    approve = {"csrf_token": one.csrf(path), "approve": "Genehmigen", "key": "lennestadt",
               "kind": "kreisangehoerige_stadt", "state": "NW", "population": "25000",
               "tier": "member", "login": "lennestadt"}
    decline = {"csrf_token": two.csrf(path), "decline": "Ablehnen", "reason": "Doppelt"}
    approved, declined = _pages_at_once([(one, path, approve), (two, path, decline)])
    done = {"approved": approved.status_code == 200 and "genehmigt" in approved.get_data(
        as_text=True), "declined": declined.status_code == 302}
    assert list(done.values()).count(True) == 1, (approved, declined)
    if not done["approved"]:  # the approval's page says nothing was saved, and the decision
        page = approved.get_data(as_text=True)
        assert "es wurde nichts gespeichert" in page and "Doppelt" in page, page
    with app.app_context():
        application = db.session.get(Application, application_id)
        created = db.session.scalar(db.select(Municipality).filter_by(key="lennestadt"))
        assert application.status == ("approved" if done["approved"] else "declined")
        assert (created is not None) == done["approved"]
        assert (application.reason or "") == ("" if done["approved"] else "Doppelt")


def test_one_pending_application_per_ags_also_at_once(app):
    """Attacker pass: four public applications of one AGS sent at once all became pending
    (the check for an open one read before any was saved). One wins; the others are told
    that an application is open (422 on the form) and nothing else is saved."""
    from collab.core.models import Application

    from ..conftest import Browser
    from .test_applications import APPLICATION
    path = "/mitmachen/swf5"
    browsers = [Browser(app.test_client()) for _ in range(4)]
    results = _pages_at_once([(b, path, {**APPLICATION, "csrf_token": b.csrf(path)})
                              for b in browsers])
    assert sorted(r.status_code for r in results) == [200, 422, 422, 422], results
    for response in results:
        if response.status_code == 422:
            assert "bereits ein offener Antrag" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Application.id))) == 1


@pytest.mark.parametrize("attempt", range(3))
def test_no_answer_goes_in_after_a_round_was_ended(app, api, attempt):
    """Attacker pass: answers that had found the round open went in after the coordinator
    ended it early (the open round was checked before the region's lock and not read
    again). An answer now either comes before the end or is refused (409)."""
    from collab.core.models import Survey, SurveyResponse

    from .test_surveys import _open
    survey = _open(api)
    coordinator, olpe = api("koordination"), api("olpe")
    calls = [("post", f"{R}/surveys/{survey}/close", None, coordinator.headers)]
    calls += [("put", f"{R}/surveys/{survey}/responses/olpe", {
        "units": [{"actor": "olpe-digital", "level": "coordinating"}],
        "partners": [{"from": "olpe-digital", "actor": "soest-innovation",
                      "kind": "cooperation", "frequency": "monthly", "trust": n % 5 + 1,
                      "value": 3}]}, olpe.headers) for n in range(6)]
    results = at_once(app, calls)
    assert results[0][0] == 200, results
    assert {code for code, _body in results[1:]} <= {200, 409}, results
    with app.app_context():
        ended = db.session.get(Survey, survey).ended_at
        answered = db.session.scalar(db.select(SurveyResponse.submitted_at).filter_by(
            survey_id=survey))
        assert answered is None or answered <= ended, (answered, ended)
