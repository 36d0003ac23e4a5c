"""Withdrawing a proposal, refusing an accidental duplicate, and the German wording of proxy
votes and of the activity log's rule steps."""

import sqlalchemy as sa

from collab.core.models import Activity, Comment, Rule, RuleVersion
from collab.extensions import db

from .test_rules import KONSENS, R, propose_and_open, proxy
from .test_rules_usability import text_of

DUPLICATE = "Titel: Es gibt bereits einen offenen Vorschlag mit diesem Titel."


def _count(app, model, **filters) -> int:
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))
        db.session.remove()
    return n


def _activities(app, action: str) -> list[tuple[str, str]]:
    """(target, summary) of each recorded ``action``, oldest first."""
    with app.app_context():
        rows = db.session.execute(sa.select(Activity.target, Activity.summary)
                                  .where(Activity.action == action)
                                  .order_by(Activity.id)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _rules_titled(app, title: str) -> int:
    return _count(app, Rule, title=title)


# --- 1. no accidental duplicate -----------------------------------------------------------------


def test_submitting_the_proposal_form_twice_makes_one_draft(as_user, app):
    """Submit, Back, submit again: the second submission answers 409 with the German message
    at the title field, keeps what was typed, and there is still exactly one draft."""
    olpe = as_user("olpe")
    form = {**KONSENS, "kind": "general"}
    assert olpe.post(f"{R}/rules/new", form).status_code == 302
    again = olpe.post(f"{R}/rules/new", form)
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    title_field = page[page.index('name="title"') - 600:page.index('name="text"')]
    assert DUPLICATE in title_field
    assert "Entscheidungen im Konsens" in page  # the input is kept
    assert _rules_titled(app, KONSENS["title"]) == 1


def test_api_refuses_an_open_rule_title_but_not_a_decided_or_withdrawn_one(api, app):
    """Another member proposing the same title (other case and spacing) gets 409 naming the
    field; once the first draft is withdrawn, the title is free again. An adopted rule's title
    (the seeded Rahmenstrategie) does not block a new proposal."""
    first = api("olpe").post(f"{R}/rules", KONSENS).get_json()["id"]
    response = api("soest").post(f"{R}/rules", {**KONSENS,
                                                "title": " entscheidungen  IM Konsens "})
    assert response.status_code == 409
    assert response.get_json()["details"] == [{"field": "title", "message": DUPLICATE}]
    assert api("olpe").post(f"{R}/rules/{first}/withdraw").status_code == 204
    assert api("soest").post(f"{R}/rules", KONSENS).status_code == 201
    adopted = api("gast").get(f"{R}/rules/1").get_json()
    assert adopted["status"] == "adopted"
    assert api("soest").post(f"{R}/rules", {"title": adopted["title"],
                                            "text": "x"}).status_code == 201


def test_a_revision_may_not_take_another_open_rules_title(api):
    """Renaming a draft to the title of another open rule is refused (409 at the title);
    keeping its own title while changing the text is fine."""
    api("soest").post(f"{R}/rules", {"title": "Kostenteilung", "text": "x"})
    mine = api("olpe").post(f"{R}/rules", KONSENS).get_json()["id"]
    response = api("olpe").patch(f"{R}/rules/{mine}", {"title": "Kostenteilung"})
    assert response.status_code == 409 and response.get_json()["details"][0]["field"] == "title"
    assert api("olpe").patch(f"{R}/rules/{mine}", {**KONSENS, "text": "y"}).status_code == 200


# --- 2. withdrawing a proposal ------------------------------------------------------------------


def test_proposer_withdraws_a_draft_after_confirming(as_user, api, app):
    """The draft's page links to "Vorschlag zurückziehen"; the confirmation page says what
    goes; confirmed, the draft with its versions and discussion is gone (404, not listed,
    not in the charter) and the activity log records who withdrew which title."""
    rule_id = api("olpe").post(f"{R}/rules", KONSENS).get_json()["id"]
    assert api("soest").post(f"{R}/rules/{rule_id}/comments", {"text": "Doppelt"}).status_code \
        == 201
    olpe = as_user("olpe")
    detail = olpe.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert f'href="/regions/swf5/rules/{rule_id}/withdraw"' in detail
    confirm = olpe.get(f"{R}/rules/{rule_id}/withdraw")
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Vorschlag „Entscheidungen im Konsens“ zurückziehen?" in page
    assert "Fassungen (1) und Diskussionsbeiträgen (1)" in page
    assert _count(app, Rule, id=rule_id) == 1  # looking at the page changes nothing
    done = olpe.post(f"{R}/rules/{rule_id}/withdraw", {})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{R}/rules")
    assert "zurückgezogen" in text_of(olpe.get(f"{R}/rules"))
    assert olpe.get(f"{R}/rules/{rule_id}").status_code == 404
    assert (_count(app, Rule, id=rule_id), _count(app, RuleVersion, rule_id=rule_id),
            _count(app, Comment, rule_id=rule_id)) == (0, 0, 0)
    assert KONSENS["title"] not in text_of(olpe.get(f"{R}/charter"))
    assert _activities(app, "rule.withdraw") == [
        ("entscheidungen-im-konsens",
         "„Entscheidungen im Konsens“ zurückgezogen (1 Fassung(en), 1 Diskussionsbeiträge)")]


def test_coordinator_withdraws_a_members_draft_but_nobody_an_opened_ballot(as_user, api, app):
    """The coordinator may withdraw Olpe's draft; another member may not (403). Once a ballot
    was opened, withdrawing answers 409 on the page and in the API and changes nothing."""
    draft = api("olpe").post(f"{R}/rules", {"title": "Doppelt", "text": "x"}).get_json()["id"]
    assert api("soest").post(f"{R}/rules/{draft}/withdraw").status_code == 403
    assert as_user("koordination").post(f"{R}/rules/{draft}/withdraw", {}).status_code == 302
    assert _count(app, Rule, id=draft) == 0
    voting = propose_and_open(api)
    response = api("olpe").post(f"{R}/rules/{voting}/withdraw")
    assert response.status_code == 409 and response.get_json()["details"][0]["field"] == "status"
    page = as_user("koordination").post(f"{R}/rules/{voting}/withdraw", {})
    assert page.status_code == 409
    assert "solange keine Abstimmung geöffnet wurde" in text_of(page)
    assert "Vorschlag zurückziehen" not in text_of(as_user("olpe").get(f"{R}/rules/{voting}"))
    assert api("gast").get(f"{R}/rules/{voting}").get_json()["status"] == "voting"


def test_withdraw_needs_a_csrf_token(as_user, api, app):
    rule_id = api("olpe").post(f"{R}/rules", KONSENS).get_json()["id"]
    olpe = as_user("olpe")
    assert olpe.client.post(f"{R}/rules/{rule_id}/withdraw", data={}).status_code == 400
    assert _count(app, Rule, id=rule_id) == 1


# --- 3. proxy votes and the activity log in German ---------------------------------------------


def test_proxy_vote_is_shown_and_logged_in_german(as_user, api, app):
    """The vote list says "im Auftrag erfasst von <Koordination>; Bezug: …", and the activity
    log reads "Stimme Ja für Olpe" and X
    …, Bezug: …)"."""
    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    assert proxy(api("koordination"), rule_id, "menden", "abstain").status_code == 201
    with app.app_context():
        from collab.core.models import User
        coordinator = db.session.scalar(sa.select(User).filter_by(login="koordination"))
        name = coordinator.display_name or coordinator.login
        db.session.remove()
    page = text_of(as_user("gast").get(f"{R}/rules/{rule_id}"))
    assert f"im Auftrag erfasst von {name}; Bezug: Ratsbeschluss menden vom 01.03.2026" in page
    summaries = [s for _t, s in _activities(app, "rule.vote")]
    assert summaries == [
        "Stimme Ja für Olpe",
        f"Stimme Enthaltung für Menden (Sauerland) (im Auftrag erfasst von {name}, "
        "Bezug: Ratsbeschluss menden vom 01.03.2026)"]
    opened = _activities(app, "rule.ballot")[-1][1]
    assert opened.startswith("Abstimmung über „Entscheidungen im Konsens“ geöffnet bis ")
