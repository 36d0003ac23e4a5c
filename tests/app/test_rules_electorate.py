"""Who may vote on a ballot is fixed when it opens (README, Spielregeln: the rule in force
when the ballot opens applies): a municipality that joins while it runs neither counts nor
votes; one that leaves keeps its place, and the vote it cast counts."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re

import sqlalchemy as sa

from collab.core.models import Application, Municipality, Notification, Rule, User, Vote
from collab.extensions import db

from ..conftest import ROOT, Browser
from .test_rules import FUTURE, R, member_account, propose_and_open, proxy, voting_keys

KIRCHHUNDEM = {"name": "Kirchhundem", "ags": "05966016", "district": "Kreis Olpe",
               "email": "digital@kirchhundem.de", "joined_by": "council_decision",
               "reference": "Ratsbeschluss vom 12.03.2026, TOP 4"}
NOT_ENTITLED = "Kirchhundem ist bei dieser Abstimmung nicht stimmberechtigt"


def text_of(response) -> str:
    """A page's text without tags and with single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def join_through_application(app, as_user) -> Browser:
    """Kirchhundem applies on /mitmachen/swf5, the coordinator approves it as a member on
    /regions/swf5/applications (as the tester did); returns Kirchhundem's signed-in account."""
    applicant = Browser(app.test_client())
    assert applicant.post("/mitmachen/swf5", KIRCHHUNDEM,
                          csrf_from="/mitmachen/swf5").status_code == 200
    with app.app_context():
        application_id = db.session.scalar(sa.select(Application.id).filter_by(
            ags=KIRCHHUNDEM["ags"]))
    path = f"{R}/applications/{application_id}"
    response = as_user("koordination").post(path, {
        "key": "kirchhundem", "kind": "gemeinde", "state": "NW", "population": "11.000",
        "tier": "member", "login": "kirchhundem", "approve": "Genehmigen"}, csrf_from=path)
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    link = re.search(r"/konto/passwort-setzen/([\w-]+)", response.get_data(as_text=True))
    target = f"/konto/passwort-setzen/{link.group(1)}"
    assert applicant.post(target, {"new": "ein langes Passwort", "repeat": "ein langes Passwort"},
                          csrf_from=target).status_code == 302
    return Browser(app.test_client()).login("kirchhundem", "ein langes Passwort")


def rule_json(api, rule_id: int) -> dict:
    return api("gast").get(f"{R}/rules/{rule_id}").get_json()


def close_now(app, rule_id: int) -> None:
    with app.app_context():
        db.session.get(Rule, rule_id).closes_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        db.session.remove()


def test_joining_mid_ballot_changes_neither_the_count_nor_who_is_missing(app, api, as_user,
                                                                       seed_bundle):
    """The tester's case: a ballot open for 19 municipalities, Olpe has voted; Kirchhundem
    joins through its application. The rule page and Olpe's home still say 1 of 19 (one
    "hat", not "haben"), and Kirchhundem is not listed as missing."""
    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    join_through_application(app, as_user)
    with app.app_context():
        assert db.session.scalar(sa.select(Municipality.id).filter_by(key="kirchhundem"))
    rule = rule_json(api, rule_id)
    assert (rule["tally"]["voted"], rule["tally"]["eligible"], rule["tally"]["needed"]) == (
        1, 19, 10)
    assert rule["electorate"] == voting_keys(seed_bundle)
    page = text_of(as_user("olpe").get(f"{R}/rules/{rule_id}"))
    assert "1 von 19 stimmberechtigten Kommunen hat abgestimmt (Quorum: 10)" in page
    assert "Stimmberechtigt 19 Kommunen, festgelegt bei der Öffnung" in page
    missing = page.split("Noch nicht abgestimmt:")[1].split(".")[0]
    assert "Soest" in missing and "Kirchhundem" not in missing and "Olpe" not in missing
    home = text_of(as_user("olpe").get("/kommune"))
    assert "1 von 19" in home and "1 von 20" not in home
    desk = text_of(as_user("koordination").get("/koordination"))
    assert "1 von 19 Kommunen hat abgestimmt" in desk
    assert api("soest").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    assert "2 von 19 stimmberechtigten Kommunen haben abgestimmt" in text_of(
        as_user("gast").get(f"{R}/rules/{rule_id}"))


def test_the_joiner_cannot_vote_and_is_told_why(app, api, as_user):
    """Kirchhundem's own vote is refused (403 with the reason, API and page), the page tells
    it why instead of offering the form, and the coordinator cannot record its vote either
    (no choice offered; 422 at the field). Nothing is saved."""
    rule_id = propose_and_open(api)
    kirchhundem = join_through_application(app, as_user)
    refused = api("kirchhundem").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"})
    assert refused.status_code == 403
    assert NOT_ENTITLED in refused.get_json()["reason"]
    page = kirchhundem.get(f"{R}/rules/{rule_id}")
    assert page.status_code == 200
    html = text_of(page)
    assert NOT_ENTITLED in html and "ab der nächsten Abstimmung" in html
    assert "Stimme für Kirchhundem abgeben" not in html
    # its home does not ask for a vote it may not cast
    home = text_of(kirchhundem.get("/kommune"))
    assert "Ihre Stimme fehlt noch" not in home and "stimmt hier nicht ab" in home
    response = kirchhundem.post(f"{R}/rules/{rule_id}/vote", {"vote": "yes", "confirm": "y"})
    assert response.status_code == 403 and NOT_ENTITLED in text_of(response)
    coordinator = as_user("koordination")
    form = coordinator.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert 'value="soest"' in form and 'value="kirchhundem"' not in form
    recorded = proxy(api("koordination"), rule_id, "kirchhundem")
    assert recorded.status_code == 422
    assert NOT_ENTITLED in {d["field"]: d["message"] for d in recorded.get_json()["details"]}[
        "municipality"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(
            Vote.rule_id == rule_id)) == 0
        db.session.remove()
    assert rule_json(api, rule_id)["tally"]["voted"] == 0


def test_the_closing_result_uses_the_electorate_at_opening(app, api, runner, seed_bundle):
    """Quorum 52 %: 10 "yes" of the 19 reach it (10 >= 9.88), of 20 they would not
    (10 < 10.4). Neustadt joins after the opening; at closing the rule is adopted with the
    tally of the 19, and the result names 19."""
    coordinator = api("koordination")
    with app.app_context():
        db.session.execute(sa.text("UPDATE region SET quorum = 0.52 WHERE slug = 'swf5'"))
        db.session.commit()
    rule_id = propose_and_open(api)
    assert coordinator.post(f"{R}/municipalities", {
        "key": "neustadt", "name": "Neustadt", "kind": "gemeinde", "ags": "05966099",
        "state": "NW", "population": 3000, "tier": "pioneer"}).status_code == 201
    for key in voting_keys(seed_bundle)[:10]:
        assert proxy(coordinator, rule_id, key).status_code == 201, key
    assert runner.invoke(args=["close-ballots"]).output.strip().endswith(
        "0 Abstimmung(en) abgeschlossen.")
    close_now(app, rule_id)
    assert "adopted" in runner.invoke(args=["close-ballots"]).output
    rule = rule_json(api, rule_id)
    assert rule["status"] == "adopted"
    assert {k: rule["tally"][k] for k in ("yes", "voted", "eligible", "needed")} == {
        "yes": 10, "voted": 10, "eligible": 19, "needed": 10}
    assert "neustadt" not in rule["electorate"]


def test_the_electorate_voting_completely_ends_the_ballot_whoever_joined(app, api, as_user,
                                                                       runner, seed_bundle):
    """Every municipality of the electorate votes: the ballot ends with that vote, although
    Kirchhundem, which joined meanwhile, has not voted (before, it was waited for)."""
    rule_id = propose_and_open(api)
    join_through_application(app, as_user)
    keys = voting_keys(seed_bundle)
    for n, key in enumerate(keys):
        member_account(runner, key)
        response = api(key).post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"})
        assert response.status_code == 201, (key, response.get_json())
        assert response.get_json()["rule"]["status"] == (
            "adopted" if n == len(keys) - 1 else "voting")
    rule = rule_json(api, rule_id)
    assert (rule["tally"]["yes"], rule["tally"]["eligible"]) == (19, 19)
    with app.app_context():  # the result went to the electorate, not to the joiner
        account = db.session.scalar(sa.select(User.id).filter_by(login="kirchhundem"))
        kinds = set(db.session.scalars(sa.select(Notification.kind).filter_by(
            user_id=account)))
        db.session.remove()
    assert "ballot_result" not in kinds and "ballot_opened" not in kinds


def test_a_member_that_leaves_keeps_its_place_and_its_vote(app, api, as_user, runner):
    """Soest objects, then leaves the region: its objection still counts (consensus:
    rejected at closing, not adopted), the count stays 19. Menden leaves without voting: it
    stays in the count, marked as no longer a member; the coordinator can still record its
    vote from its council decision. A member moved to supporter keeps its vote; one moved up
    from supporter gets none on this ballot."""
    coordinator = api("koordination")
    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    assert api("soest").post(f"{R}/rules/{rule_id}/votes",
                             {"vote": "no", "reason": "Zu teuer."}).status_code == 201
    for key in ("soest", "menden"):
        assert coordinator.delete(f"{R}/municipalities/{key}").status_code == 204, key
    rule = rule_json(api, rule_id)
    assert (rule["tally"]["yes"], rule["tally"]["no"], rule["tally"]["eligible"]) == (1, 1, 19)
    page = text_of(as_user("koordination").get(f"{R}/rules/{rule_id}"))
    assert "Soest (nicht mehr Mitglied)" in page
    missing = page.split("Noch nicht abgestimmt:")[1]
    assert "Menden (Sauerland) (nicht mehr Mitglied)" in missing
    assert proxy(coordinator, rule_id, "menden", "abstain").status_code == 201
    # tiers: Arnsberg (pioneer) becomes a supporter and still votes; a supporter moved up
    # to member does not vote on this ballot
    supporter = next(m["key"] for m in coordinator.get(f"{R}/municipalities").get_json()[
        "items"] if m["tier"] == "supporter")
    for key, tier in (("arnsberg", "supporter"), (supporter, "member")):
        assert coordinator.patch(f"{R}/municipalities/{key}",
                                 {"tier": tier}).status_code == 200, key
    member_account(runner, "arnsberg")
    assert api("arnsberg").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}
                                ).status_code == 201
    member_account(runner, supporter)
    refused = api(supporter).post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"})
    assert refused.status_code == 403 and "nicht stimmberechtigt" in refused.get_json()["reason"]
    close_now(app, rule_id)
    assert "rejected" in runner.invoke(args=["close-ballots"]).output
    rule = rule_json(api, rule_id)
    assert rule["status"] == "rejected"
    assert {k: rule["tally"][k] for k in ("yes", "no", "abstain", "eligible")} == {
        "yes": 2, "no": 1, "abstain": 1, "eligible": 19}


def test_reminders_go_to_the_electorate_only(app, api, as_user, runner):
    rule_id = propose_and_open(api)
    join_through_application(app, as_user)
    with app.app_context():
        db.session.get(Rule, rule_id).closes_at = (dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                                   + dt.timedelta(hours=30))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["send-reminders"])
    assert "19 Kommune(n) erinnert" in result.output, result.output
    with app.app_context():
        told = set(db.session.scalars(sa.select(User.login).join(
            Notification, Notification.user_id == User.id).where(
            Notification.kind == "ballot_reminder")))
        db.session.remove()
    assert "olpe" in told and "kirchhundem" not in told


def test_a_new_rule_imported_in_ballot_gets_the_voting_members_as_electorate(api, seed_bundle):
    coordinator = api("koordination")
    doc = coordinator.get(f"{R}/bundle").get_json()
    doc["rules"].append({"key": "neu-in-abstimmung", "title": "Neu", "text": "T",
                         "status": "voting", "ballot": {"closes_at": FUTURE + ":00"},
                         "votes": []})
    response = coordinator.put(f"{R}/bundle", doc)
    assert response.status_code == 200, response.get_json()
    rule = next(r for r in coordinator.get(f"{R}/rules?status=voting").get_json()["items"]
                if r["key"] == "neu-in-abstimmung")
    assert rule_json(api, rule["id"])["electorate"] == voting_keys(seed_bundle)


def _migration():
    path = ROOT / "migrations" / "versions" / "0db4646ca112_rule_electorate.py"
    spec = importlib.util.spec_from_file_location("electorate_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_gives_running_ballots_their_electorate_at_opening(app, api, as_user,
                                                                        seed_bundle):
    """A ballot that ran before the electorate was recorded gets it from the log: Kirchhundem
    (joined later) is not in it; Menden, which left later without voting, and Arnsberg,
    moved to supporter later, are; Soest, which voted and left, is."""
    coordinator = api("koordination")
    rule_id = propose_and_open(api)
    assert api("soest").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    join_through_application(app, as_user)
    for key in ("soest", "menden"):
        assert coordinator.delete(f"{R}/municipalities/{key}").status_code == 204
    assert coordinator.patch(f"{R}/municipalities/arnsberg",
                             {"tier": "supporter"}).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(Rule).where(Rule.id == rule_id).values(
            electorate=sa.null()))
        db.session.commit()
        with db.engine.begin() as connection:
            _migration().backfill(connection)
        db.session.remove()
    assert rule_json(api, rule_id)["electorate"] == voting_keys(seed_bundle)
