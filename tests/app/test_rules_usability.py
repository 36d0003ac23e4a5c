"""Spielregeln as a newcomer uses them: explicit, confirmed votes and ballot openings; initiative
join requests the requester can follow and the coordinator can find; local times; numbers
and every visible string in the interface language; abstentions alone adopt nothing."""

import datetime as dt
import html as html_lib
import re
from html.parser import HTMLParser

import flask_babel
import pytest
import sqlalchemy as sa

from collab.core.models import (
    Comment,
    InitiativeJoinRequest,
    Rule,
    Vote,
)
from collab.extensions import db

from .test_rules import R, propose_and_open, proxy, voting_keys

FUTURE = "2099-06-30T18:00"


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities resolved."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return text_of_html(body)


def text_of_html(body: str) -> str:
    """Tags removed, white space collapsed (a no-break space stays: "50\u00a0%")."""
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", body)))


def draft(api, title="Kostenteilung") -> int:
    created = api("olpe").post(f"{R}/rules", {"title": title, "text": "Nach Einwohnern."})
    assert created.status_code == 201
    return created.get_json()["id"]


def rule_json(api, rule_id) -> dict:
    return api("gast").get(f"{R}/rules/{rule_id}").get_json()


# --- 1. irreversible steps need an explicit choice and a confirmation ----------------------------


def test_vote_form_preselects_nothing_and_needs_a_confirmation(as_user, api):
    """Olpe's vote form has no choice made in advance and a confirmation box naming Olpe;
    without a choice it says "Stimme: Angabe fehlt.", without the box ticked it says what to
    confirm, and in both cases no vote is recorded. Ticked, the vote counts."""
    rule_id = propose_and_open(api)
    olpe = as_user("olpe")
    page = olpe.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    form = page[page.index(f'action="/regions/swf5/rules/{rule_id}/vote#stimme"'):]
    form = form[:form.index("</form>")]
    assert 'type="radio"' in form and "checked" not in form and "selected" not in form
    assert ("Ich gebe die Stimme für Olpe verbindlich ab; sie kann nicht geändert werden."
            in html_lib.unescape(form))
    path = f"{R}/rules/{rule_id}/vote"
    nothing = olpe.post(path, {"reason": ""})
    assert nothing.status_code == 422
    assert "Stimme: Angabe fehlt." in nothing.get_data(as_text=True)
    unconfirmed = olpe.post(path, {"vote": "yes"})
    assert unconfirmed.status_code == 422
    assert "Bestätigung: Bitte bestätigen Sie, dass die Stimme verbindlich abgegeben wird" in (
        text_of(unconfirmed))
    # the box is not left ticked on a page that reports a problem: confirm the corrected input
    bad = olpe.post(path, {"vote": "no", "confirm": "y"})
    assert bad.status_code == 422
    assert 'name="confirm" id="confirm" value="y" checked' not in bad.get_data(as_text=True)
    assert rule_json(api, rule_id)["votes"] == []
    assert olpe.post(path, {"vote": "yes", "confirm": "y"}).status_code == 302
    assert [(v["municipality"], v["vote"]) for v in rule_json(api, rule_id)["votes"]] == [
        ("olpe", "yes")]


def test_proxy_vote_needs_a_choice_and_a_confirmation(as_user, api):
    rule_id = propose_and_open(api)
    coordinator = as_user("koordination")
    page = coordinator.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    form = page[page.index("proxy-vote"):]
    form = form[:form.index("</form>")]
    assert "checked" not in form and 'name="proxy-confirm"' in form
    path = f"{R}/rules/{rule_id}/proxy-vote"
    data = {"proxy-municipality": "menden", "proxy-reference": "Ratsbeschluss vom 01.03.2026"}
    response = coordinator.post(path, data)
    assert response.status_code == 422
    page = text_of(response)
    assert "Stimme: Angabe fehlt." in page and "Bestätigung:" in page
    assert rule_json(api, rule_id)["votes"] == []
    assert coordinator.post(path, {**data, "proxy-vote": "abstain", "proxy-confirm": "y"}
                            ).status_code == 302
    assert rule_json(api, rule_id)["votes"][0]["vote"] == "abstain"


def test_opening_a_ballot_says_it_locks_the_text_and_needs_a_confirmation(as_user, api):
    rule_id = draft(api)
    coordinator = as_user("koordination")
    page = text_of(coordinator.get(f"{R}/rules/{rule_id}"))
    assert "Nach dem Öffnen ist der Text festgeschrieben" in page
    assert "Ich öffne die Abstimmung über „Kostenteilung“ verbindlich" in page
    path = f"{R}/rules/{rule_id}/ballot"
    response = coordinator.post(path, {"closes_at": FUTURE})
    assert response.status_code == 422 and "Bestätigung:" in text_of(response)
    assert rule_json(api, rule_id)["status"] == "draft"
    assert coordinator.post(path, {"closes_at": FUTURE, "confirm": "y"}).status_code == 302
    assert rule_json(api, rule_id)["status"] == "voting"


# --- 2. joining an initiative --------------------------------------------------------------------


def test_initiative_join_request_without_lead_is_followed_and_decided(as_user, api, app):
    """Olpe asks to join m15 (no lead): the form says the coordinator decides; afterwards the
    initiative page shows the pending request and offers no second one; a duplicate is
    refused with one message; the coordinator finds it on the list of requests, declines
    with a reason, and Olpe sees the decision and the reason."""
    olpe, coordinator = as_user("olpe"), as_user("koordination")
    join = f"{R}/initiatives/m15/join"
    form_page = text_of(olpe.get(join))
    assert ("Die Initiative hat keine Federführung; über Ihre Anfrage entscheidet die "
            "Koordination der Region.") in form_page
    assert "Nachricht an die Koordination" in form_page
    assert "Die Federführung der Initiative entscheidet" not in form_page
    body = {"actor": "olpe-digital", "role": "partner", "message": "Parkraumsensorik"}
    response = olpe.post(join, body)
    assert response.status_code == 302
    initiative = text_of(olpe.get(f"{R}/initiatives/m15"))
    assert "Anfragen Ihrer Kommune zur Beteiligung" in initiative
    assert "offen : Smart-City-Projektleitung der Stadt Olpe – Partner" in initiative
    assert "keine Federführung; die Koordination der Region entscheidet" in initiative
    assert 'href="/regions/swf5/initiatives/m15/join"' not in olpe.get(
        f"{R}/initiatives/m15").get_data(as_text=True)
    again_page = text_of(olpe.get(join))
    assert "bereits eine offene Anfrage" in again_page and "Beteiligung anfragen" not in (
        again_page.split("anfragen", 1)[1])
    again = olpe.post(join, body)
    assert again.status_code == 409
    assert text_of(again).count("bereits eine offene Anfrage vor") == 1
    with app.app_context():
        request_id = db.session.scalar(sa.select(InitiativeJoinRequest.id))
        db.session.remove()
    listing = coordinator.get(f"{R}/join-requests").get_data(as_text=True)
    assert "Anfragen zur Beteiligung an Initiativen" in listing
    assert "Smarte vernetzte Mobilität" in listing and "Parkraumsensorik" in listing
    assert 'href="/regions/swf5/initiatives/m15#beteiligung"' in listing
    assert "die Koordination (keine Federführung)" in text_of_html(listing)
    decide_page = coordinator.get(f"{R}/initiatives/m15").get_data(as_text=True)
    assert "Offene Anfragen zur Beteiligung" in decide_page
    assert f"/initiatives/m15/join-requests/{request_id}/decide" in decide_page
    decided = coordinator.post(f"{R}/initiatives/m15/join-requests/{request_id}/decide",
                               {"decline": "1", "reason": "Das Projekt endet 2026."})
    assert decided.status_code == 302
    seen = text_of(olpe.get(f"{R}/initiatives/m15"))
    assert "abgelehnt" in seen and "Das Projekt endet 2026." in seen
    assert 'href="/regions/swf5/initiatives/m15/join"' in olpe.get(
        f"{R}/initiatives/m15").get_data(as_text=True)  # may ask again once decided
    own_list = text_of(olpe.get(f"{R}/join-requests"))
    assert "Smarte vernetzte Mobilität" in own_list and "Das Projekt endet 2026." in own_list
    assert "Smarte vernetzte Mobilität" not in text_of(as_user("soest").get(f"{R}/join-requests"))


def test_the_coordinator_decides_when_there_is_no_lead_and_the_lead_otherwise(as_user, api):
    """m15 has no lead: the coordinator approves through the page. olpe-2030 is led by Olpe:
    its form names the lead as the one who decides."""
    created = api("soest").post(f"{R}/initiatives/m15/join-requests",
                                {"actor": "soest-innovation", "role": "observer"})
    assert created.status_code == 201
    coordinator = as_user("koordination")
    response = coordinator.post(
        f"{R}/initiatives/m15/join-requests/{created.get_json()['id']}/decide",
        {"approve": "1", "reason": ""})
    assert response.status_code == 302
    participants = [{"actor": p["actor"], "role": p["role"]} for p in
                    api("gast").get(f"{R}/initiatives/m15").get_json()["participants"]]
    assert {"actor": "soest-innovation", "role": "observer"} in participants
    led = text_of(as_user("soest").get(f"{R}/initiatives/olpe-2030/join"))
    assert "Die Federführung der Initiative entscheidet über Ihre Anfrage." in led


# --- 3. local times ------------------------------------------------------------------------------


@pytest.mark.parametrize("entered,stored,shown", [
    ("2036-01-15T18:00", "2036-01-15T17:00:00Z", "15.01.2036, 18:00 MEZ"),   # winter: UTC+1
    ("2036-07-01T18:00", "2036-07-01T16:00:00Z", "01.07.2036, 18:00 MESZ"),  # summer: UTC+2
    ("2099-07-01T18:00", "2099-07-01T16:00:00Z", "01.07.2099, 18:00 MESZ"),  # beyond 2037
])
def test_closing_time_is_entered_and_shown_in_local_time(as_user, api, entered, stored, shown):
    """The form takes the closing time in local time (Europe/Berlin) and stores UTC; the
    pages show it in local time with the zone; the API keeps ISO 8601 in UTC."""
    rule_id = draft(api)
    coordinator = as_user("koordination")
    page = text_of(coordinator.get(f"{R}/rules/{rule_id}"))
    assert "Ortszeit (Europe/Berlin)" in page and "UTC" not in page
    assert coordinator.post(f"{R}/rules/{rule_id}/ballot",
                            {"closes_at": entered, "confirm": "y"}).status_code == 302
    assert rule_json(api, rule_id)["closes_at"] == stored
    assert shown in text_of(coordinator.get(f"{R}/rules/{rule_id}"))
    assert f"bis {shown}" in text_of(coordinator.get(f"{R}/rules"))


def test_api_times_without_offset_are_utc(api, client):
    """The API is unchanged by the pages' local time: naive means UTC, as documented."""
    ballot = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/regions/{slug}/rules/{rule_id}/ballot"]["post"]["requestBody"]
    closes_at = ballot["content"]["application/json"]["schema"]["properties"]["closes_at"]
    assert "without one it is UTC" in closes_at["description"]
    rule_id = draft(api)
    opened = api("koordination").post(f"{R}/rules/{rule_id}/ballot",
                                      {"closes_at": "2036-07-01T18:00"})
    assert opened.status_code == 200 and opened.get_json()["closes_at"] == (
        "2036-07-01T18:00:00Z")


def test_vote_and_comment_times_are_local_with_the_zone(as_user, api, app):
    """A vote cast at 23:30 UTC on 31 December is shown on 1 January, 00:30 MEZ; a comment
    written at 12:00 UTC in July at 14:00 MESZ; in English with the offset."""
    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    assert api("soest").post(f"{R}/rules/{rule_id}/comments", {"text": "Gut."}
                             ).status_code == 201
    with app.app_context():
        db.session.execute(sa.update(Vote).values(cast_at=dt.datetime(2030, 12, 31, 23, 30)))
        db.session.execute(sa.update(Comment).values(created_at=dt.datetime(2030, 7, 1, 12)))
        db.session.commit()
        db.session.remove()
    gast = as_user("gast")
    page = text_of(gast.get(f"{R}/rules/{rule_id}"))
    assert "01.01.2031, 00:30 MEZ" in page and "01.07.2030, 14:00 MESZ" in page
    gast.post("/lang/en", {"next": "/"}, csrf_from=f"{R}/rules")
    page = text_of(gast.get(f"{R}/rules/{rule_id}"))
    assert "Jan 1, 2031, 12:30\u202fAM CET" in page and "Jul 1, 2030, 2:00\u202fPM CEST" in page


# --- 4. numbers in the interface language --------------------------------------------------------


def test_quorum_follows_the_interface_language(as_user, api, app):
    """Quorum 0.5 reads "50 %" in German and "50%" in English; two thirds "66,7 %" and
    "66.7%", on the rules list, a rule and the charter."""
    rule_id = propose_and_open(api)
    gast = as_user("gast")
    for path in (f"{R}/rules", f"{R}/rules/{rule_id}", f"{R}/charter"):
        assert "Quorum 50\u00a0%" in text_of(gast.get(path)), path
    with app.app_context():
        db.session.execute(sa.update(Rule).where(Rule.id == rule_id).values(quorum=2 / 3))
        db.session.commit()
        db.session.remove()
    assert "Quorum 66,7\u00a0%" in text_of(gast.get(f"{R}/rules/{rule_id}"))
    gast.post("/lang/en", {"next": "/"}, csrf_from=f"{R}/rules")
    assert "66.7%" in text_of(gast.get(f"{R}/rules/{rule_id}"))
    for path in (f"{R}/rules", f"{R}/charter"):
        assert "50%" in text_of(gast.get(path)), path


# --- 5. every visible string is translatable -----------------------------------------------------


class _Marked:
    """Translations that wrap every message in ⟦…⟧, so that untranslatable text stands out."""

    def ugettext(self, message):
        return f"⟦{message}⟧"

    gettext = ugettext

    def ungettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"

    ngettext = ungettext

    def upgettext(self, context, message):
        return f"⟦{message}⟧"

    def unpgettext(self, context, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


class _Visible(HTMLParser):
    """Text and the visible attributes (title, placeholder, aria-label, value of buttons)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        for name in ("title", "placeholder", "aria-label", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
#: produced by Babel from CLDR data, not by our templates (zone names in German)
CLDR = {"MEZ", "MESZ"}


def _data_words(app) -> set[str]:
    """Every word that users or bundles entered (names, titles, texts, reasons, logins)."""
    columns = ["region.name", "municipality.name", "actor.name", "actor.key", "initiative.name",
               "rule.key", "rule.title", "rule.text", "rule_version.title", "rule_version.text",
               "comment.text", "vote.reason", "vote.reference", '"user".login',
               '"user".display_name', "join_request.reference", "join_request.reason",
               "initiative_join_request.message", "initiative_join_request.reason"]
    words = set(CLDR)
    with app.app_context():
        for column in columns:
            table = column.rsplit(".", 1)[0]
            for (value,) in db.session.execute(sa.text(f"SELECT {column} FROM {table}")):
                words.update(WORD.findall(value or ""))
        db.session.remove()
    return words


def _untranslated(response, data: set[str], scope: tuple[str, str] | None = None) -> set[str]:
    """Words outside translated messages and data in <main> (or in the part of it from
    ``scope[0]`` to the next ``scope[1]``)."""
    body = response.get_data(as_text=True)
    body = body[body.index('<main id="main">'):body.index("</main>")]
    if scope is not None:
        start = body.index(scope[0])
        body = body[start:body.index(scope[1], start)]
    parser = _Visible()
    parser.feed(body)
    text = " ".join(parser.parts)
    while True:  # translated messages may contain translated labels: remove inner ones first
        stripped = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if stripped == text:
            break
        text = stripped
    return {w for w in WORD.findall(text) if w not in data}


def test_every_visible_string_of_the_spielregeln_pages_is_translatable(as_user, api, app,
                                                                        monkeypatch):
    """With a catalogue that marks every message, no text is left unmarked on the Spielregeln
    pages apart from what users entered: statuses, decision rules, vote choices, form labels,
    confirmations and times are all wrapped for translation."""
    voting = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{voting}/votes", {"vote": "yes"}).status_code == 201
    abstained = proxy(api("koordination"), voting, "menden", "abstain", reason="Zu teuer")
    assert abstained.status_code == 201
    assert api("soest").post(f"{R}/rules/{voting}/comments", {"text": "Gut"}).status_code == 201
    draft_id = draft(api, "Kosten")
    assert api("olpe").patch(f"{R}/rules/{draft_id}", {"text": "Neu"}).status_code == 200
    assert api("olpe").post(f"{R}/initiatives/m15/join-requests",
                            {"actor": "olpe-digital", "message": "Bitte"}).status_code == 201
    data = _data_words(app)
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: _Marked())
    pages = {
        "koordination": [f"{R}/rules", f"{R}/rules/{voting}", f"{R}/rules/{draft_id}",
                         f"{R}/rules/1", f"{R}/charter", f"{R}/join-requests"],
        "olpe": [f"{R}/rules/{voting}", f"{R}/rules/{draft_id}", f"{R}/rules/new",
                 f"{R}/rules/{draft_id}/edit", f"{R}/rules/{draft_id}/withdraw",
                 f"{R}/initiatives/m15/join",
                 f"{R}/initiatives/m04/join", f"{R}/join-requests"],
        "soest": [f"{R}/rules/{voting}"],
    }
    for login, paths in pages.items():
        user = as_user(login)
        for path in paths:
            response = user.get(path)
            assert response.status_code == 200, path
            assert _untranslated(response, data) == set(), (login, path)
        # the parts of other pages that are ours: requests on an initiative's page,
        # suggestions on a member's page
        ours = [(f"{R}/initiatives/m15", ('<div id="beteiligung">', "</div>")),
                (f"{R}/municipalities/wenden", ('<section class="suggestions">', "</section>"))]
        for path, scope in ours:
            assert _untranslated(user.get(path), data, scope) == set(), (login, path)
    # problems at the fields and conflicts are translatable too
    soest = as_user("soest")
    response = soest.post(f"{R}/rules/{voting}/vote", {"vote": "no"})
    assert response.status_code == 422 and _untranslated(response, data) == set()
    response = as_user("olpe").post(f"{R}/rules/{voting}/vote", {})
    assert response.status_code == 409 and _untranslated(response, data) == set()
    response = as_user("olpe").post(f"{R}/initiatives/m15/join", {"actor": "olpe-digital"})
    assert response.status_code == 409 and _untranslated(response, data) == set()


def test_english_pages_show_statuses_rules_and_choices_in_english(as_user, api):
    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "abstain"}).status_code == (
        201)
    gast = as_user("gast")
    gast.post("/lang/en", {"next": "/"}, csrf_from=f"{R}/rules")
    page = text_of(gast.get(f"{R}/rules/{rule_id}"))
    assert "Decision rule Consensus" in page and "Abstain" in page
    assert "Enthaltung" not in page and "in Abstimmung" not in page


def test_counts_agree_with_their_number(as_user, api):
    """One municipality "hat abgestimmt", two "haben"; one "Enthaltung", one "Stimme" (the
    page said "1 von 19 … Kommunen haben abgestimmt" and "1 Enthaltungen")."""
    rule_id = propose_and_open(api)
    gast = as_user("gast")
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "abstain"}).status_code == (
        201)
    assert ("0 Ja, 0 Nein, 1 Enthaltung; 1 von 19 stimmberechtigten Kommunen hat abgestimmt "
            "(Quorum: 10).") in text_of(gast.get(f"{R}/rules/{rule_id}"))
    listed = text_of(gast.get(f"{R}/rules"))
    assert "1 Stimme" in listed and "1 Stimmen" not in listed
    assert api("soest").post(f"{R}/rules/{rule_id}/votes", {"vote": "abstain"}).status_code == (
        201)
    assert ("0 Ja, 0 Nein, 2 Enthaltungen; 2 von 19 stimmberechtigten Kommunen haben "
            "abgestimmt (Quorum: 10).") in text_of(gast.get(f"{R}/rules/{rule_id}"))
    assert "2 Stimmen" in text_of(gast.get(f"{R}/rules"))


# --- 6. abstentions alone adopt nothing ----------------------------------------------------------


def test_a_ballot_in_which_everyone_abstains_adopts_nothing(as_user, api, seed_bundle):
    """Under consensus (the demo region's rule) all nineteen voting municipalities abstain:
    the quorum is reached and nobody said no, but nobody said yes either, so the rule is
    rejected; the rules page documents "at least one yes"."""
    rule_id = propose_and_open(api)
    coordinator = api("koordination")
    for key in voting_keys(seed_bundle):
        assert proxy(coordinator, rule_id, key, "abstain").status_code == 201
    rule = rule_json(api, rule_id)
    assert rule["status"] == "rejected" and rule["tally"]["abstain"] == 19
    page = text_of(as_user("gast").get(f"{R}/rules"))
    assert "mindestens eine mit Ja stimmt" in page
    assert "Enthalten sich alle, wird die Regel nicht beschlossen" in page


def test_activity_log_writes_ballots_and_votes_in_the_readers_language(api, as_user):
    """Opening a ballot and a vote keep their parameters: the English log is English (they
    used to be stored as German sentences)."""
    from tests.app.test_rules import propose_and_open, proxy

    rule_id = propose_and_open(api)
    assert api("olpe").post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}).status_code == 201
    response = proxy(api("koordination"), rule_id, "arnsberg", vote="abstain")
    assert response.status_code == 201, response.get_json()
    coordinator = as_user("koordination")
    german = coordinator.get(f"{R}/activity").get_data(as_text=True)
    assert "Abstimmung über „Entscheidungen im Konsens“ geöffnet bis" in german
    assert "Stimme Ja für Olpe" in german
    assert "für Arnsberg (im Auftrag erfasst von" in german
    coordinator.post("/lang/en", {"next": f"{R}/activity"}, csrf_from=f"{R}/activity")
    english = coordinator.get(f"{R}/activity").get_data(as_text=True)
    assert "Ballot on “Entscheidungen im Konsens” opened until" in english
    assert "Vote Yes for Olpe" in english or "Vote yes for Olpe" in english
    assert "for Arnsberg (recorded on behalf by" in english or "for Arnsberg (" in english
    assert "Stimme " not in english and "Abstimmung über" not in english


def test_a_rule_adopted_before_the_platform_says_its_decision_rule_is_not_recorded(as_user):
    """The seeded rules were adopted before the platform: no empty rule name and no
    "Quorum 0 %", but words saying the rule was not recorded."""
    page = text_of(as_user("gast").get(f"{R}/rules/1"))
    assert "Entscheidungsregel nicht erfasst (vor Einführung der Plattform beschlossen)" in page
    assert "Entscheidungsregel , " not in page and "Quorum 0" not in page


def test_an_imported_rule_does_not_claim_its_import_day_as_its_proposal(as_user):
    """User pass: rules adopted in 2020 and loaded with the demo read "Vorgeschlagen
    28.11.2026" (the day of the import). Their proposal date is not recorded, and the pages
    say so; a rule proposed on the platform keeps its day and proposer."""
    import re

    reader = as_user("gast")
    listing = reader.get("/regions/swf5/rules").get_data(as_text=True)
    link = re.search(r'href="(/regions/swf5/rules/\d+)">Dauerhafte Zusammenarbeit', listing)
    assert link, listing[:2000]
    detail = " ".join(re.sub(r"<[^>]+>", " ", reader.get(link.group(1)).get_data(
        as_text=True)).split())
    assert "Vorgeschlagen nicht erfasst (mit einem Import am" in detail
    row = listing.split("Dauerhafte Zusammenarbeit")[1].split("</tr>")[0]
    assert "nicht erfasst" in row
