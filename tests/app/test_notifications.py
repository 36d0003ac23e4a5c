"""Issue 15: notifications by mail (a real SMTP server in this process, aiosmtpd) and in the
app, invitations and password resets by signed link, ballots that end only at closing time
or with the last vote, and the members' and coordinator's home pages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from collab import create_app
from collab.core.models import Notification, OutboxMail, Rule, User
from collab.extensions import db

from ..conftest import FAST, Browser

R = "/regions/swf5"
FUTURE = "2099-06-30T18:00"


class Inbox:
    """What the SMTP server received: parsed messages, with helpers."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str, at_least: int = 1, timeout: float = 5.0) -> list:
        """The messages to ``address``, waiting up to ``timeout`` seconds for ``at_least``
        of them (the SMTP server stores a message in its own thread)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if m["To"] == address]
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A real SMTP server on a free local port (aiosmtpd in a thread)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(database_url, smtp):
    """The demo with a mail server configured (delivery "inline" after each commit)."""
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
                      "MAIL_FROM": "Kommunalnetz <noreply@kommunalnetz.example>"})
    with app.app_context():
        for login in ("olpe", "soest", "koordination"):
            db.session.scalar(sa.select(User).filter_by(login=login)).email = \
                f"{login}@example.org"
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def user_(app, login: str) -> Browser:
    return Browser(app.test_client()).login(login)


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def propose_and_open(app, title="Gemeinsame Beschaffung", closes_at=FUTURE) -> int:
    olpe, coordinator = user_(app, "olpe"), user_(app, "koordination")
    response = olpe.post(f"{R}/rules/new", {"title": title, "text": "Wir beschaffen gemeinsam.",
                                            "kind": "general"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    rule_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    response = coordinator.post(f"{R}/rules/{rule_id}/ballot", {"closes_at": closes_at,
                                                                "confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return rule_id


def link_in(text: str, path: str) -> str:
    return re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S*)", text).group(1)


# --- mails about ballots ----------------------------------------------------------------------


def test_opening_a_ballot_mails_each_voting_account_once(mail_app, smtp):
    """Opening a ballot sends one German mail (text and HTML, a link to the rule and an
    unsubscribe link) to each account of a voting municipality, and nobody else."""
    propose_and_open(mail_app)
    opened = [m for m in smtp.messages if "Abstimmung geöffnet" in m["Subject"]]
    assert sorted(m["To"] for m in opened) == ["olpe@example.org", "soest@example.org"]
    message = smtp.to("soest@example.org")[-1]
    assert message["Subject"] == "Abstimmung geöffnet: „Gemeinsame Beschaffung“"
    text = body_of(message)
    assert "Guten Tag Stadt Soest" in text and "Ein Nein ist ein Einwand" in text
    assert link_in(text, f"{R}/rules/")
    assert "/benachrichtigungen/abbestellen/" in text
    html = message.get_body(("html",)).get_content()
    assert "<a href=" in html and "Gemeinsame Beschaffung" in html
    with mail_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail).where(
            OutboxMail.status != "sent")) == 0
        db.session.remove()


def test_voting_marks_the_ballot_notification_read(mail_app, smtp):
    """User pass: after "Stimme von Soest erfasst." the notification "Abstimmung geöffnet"
    stayed "neu" and in the header's count (answering a survey cleared its own). Its vote
    marks the ballot's notifications of the municipality's accounts read; another
    municipality's stay unread."""
    rule_id = propose_and_open(mail_app)

    def unread(login):
        with mail_app.app_context():
            found = db.session.scalars(sa.select(Notification.kind).join(User).where(
                User.login == login, Notification.read_at.is_(None),
                Notification.kind.in_(("ballot_opened", "ballot_reminder")))).all()
            db.session.remove()
            return found

    assert unread("soest") == ["ballot_opened"]
    assert user_(mail_app, "olpe").post(f"{R}/rules/{rule_id}/vote", {
        "vote": "yes", "confirm": "y"}).status_code == 302
    assert unread("soest") == ["ballot_opened"]  # Olpe's vote is not Soest's
    soest = user_(mail_app, "soest")
    assert soest.post(f"{R}/rules/{rule_id}/vote", {"vote": "yes", "confirm": "y"}
                      ).status_code == 302
    assert unread("soest") == []
    page = soest.get("/benachrichtigungen").get_data(as_text=True)
    opened = page[page.index("Abstimmung geöffnet") - 200:page.index("Abstimmung geöffnet")]
    assert '<li class="read">' in opened and "neu</span>" not in opened


def test_reminder_reaches_only_municipalities_that_have_not_voted(mail_app, smtp):
    rule_id = propose_and_open(mail_app)
    assert user_(mail_app, "olpe").post(f"{R}/rules/{rule_id}/vote", {
        "vote": "yes", "confirm": "y"}).status_code == 302
    runner = mail_app.test_cli_runner()
    assert "0 Abstimmung(en)" in runner.invoke(args=["send-reminders"]).output  # not due yet
    with mail_app.app_context():
        db.session.get(Rule, rule_id).closes_at = (dt.datetime.now(dt.UTC).replace(tzinfo=None)
                                                   + dt.timedelta(hours=30))
        db.session.commit()
        db.session.remove()
    smtp.clear()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "18 Kommune(n) erinnert" in result.output, result.output
    assert [m["To"] for m in smtp.messages] == ["soest@example.org"]
    assert smtp.messages[0]["Subject"].startswith("Erinnerung: Abstimmung")
    smtp.clear()
    assert "0 Abstimmung(en)" in runner.invoke(args=["send-reminders"]).output  # once only
    assert smtp.messages == []


def test_an_early_objection_keeps_the_ballot_open_and_is_shown(mail_app, smtp):
    """Consensus: Soest's "Nein" needs a reason, is shown as an objection, and the ballot
    stays open until closing; the voters are warned before voting."""
    rule_id = propose_and_open(mail_app)
    soest = user_(mail_app, "soest")
    page = soest.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert "Ein Nein ist ein Einwand" in page and "Einwand (Nein)" in page
    refused = soest.post(f"{R}/rules/{rule_id}/vote", {"vote": "no", "confirm": "y"})
    assert refused.status_code == 422
    assert soest.post(f"{R}/rules/{rule_id}/vote", {
        "vote": "no", "reason": "Zu teuer für uns.", "confirm": "y"}).status_code == 302
    page = user_(mail_app, "olpe").get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert "Es liegt 1 Einwand vor" in page and "Stimme für Olpe abgeben" in page
    assert "Zu teuer für uns." in page and "<strong class=\"objection\">Einwand</strong>" in page
    with mail_app.app_context():
        assert db.session.get(Rule, rule_id).status == "voting"
        db.session.get(Rule, rule_id).closes_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        db.session.remove()
    smtp.clear()
    assert "rejected" in mail_app.test_cli_runner().invoke(args=["close-ballots"]).output
    results = {m["To"] for m in smtp.messages if m["Subject"].startswith("Ergebnis")}
    assert results == {"olpe@example.org", "soest@example.org", "koordination@example.org"}


def test_proposer_revises_after_objections_and_a_new_ballot_opens(mail_app, smtp):
    """After the rejection the proposer writes a new version; the first ballot and its
    votes stay in the rule's history and the coordinator opens a new ballot."""
    rule_id = propose_and_open(mail_app)
    user_(mail_app, "soest").post(f"{R}/rules/{rule_id}/vote", {
        "vote": "no", "reason": "Zu teuer.", "confirm": "y"})
    with mail_app.app_context():
        db.session.get(Rule, rule_id).closes_at = dt.datetime(2020, 1, 1)
        db.session.commit()
        db.session.remove()
    mail_app.test_cli_runner().invoke(args=["close-ballots"])
    olpe = user_(mail_app, "olpe")
    response = olpe.post(f"{R}/rules/{rule_id}/edit", {
        "title": "Gemeinsame Beschaffung", "text": "Wir beschaffen gemeinsam, Kosten nach "
                                                   "Einwohnern gedeckelt."})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert any("Neue Fassung" in m["Subject"] for m in smtp.to("soest@example.org"))
    page = olpe.get(f"{R}/rules/{rule_id}").get_data(as_text=True)
    assert "Frühere Abstimmungen" in page and "Zu teuer." in page and "Entwurf" in page
    assert user_(mail_app, "koordination").post(f"{R}/rules/{rule_id}/ballot", {
        "closes_at": FUTURE, "confirm": "y"}).status_code == 302
    with mail_app.app_context():
        rule = db.session.get(Rule, rule_id)
        assert rule.status == "voting" and rule.votes == []
        assert rule.ballot_history[0]["result"] == "rejected"
        assert rule.ballot_history[0]["votes"][0]["municipality"] == "soest"
        db.session.remove()


# --- invitations and password reset -----------------------------------------------------------


def test_invitation_link_sets_the_password_once_then_expires(mail_app, smtp, monkeypatch):
    coordinator = user_(mail_app, "koordination")
    response = coordinator.post(f"{R}/accounts", {
        "login": "menden-digital", "role": "member", "municipality": "menden",
        "display_name": "Stadt Menden", "email": "digital@menden.example", "language": "de"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "digital@menden.example" in page and "Startpasswort" not in page
    [message] = smtp.to("digital@menden.example")
    assert message["Subject"] == "Einladung zu Kommunalnetz"
    link = link_in(body_of(message), "/passwort/neu/")
    setter = Browser(mail_app.test_client())
    assert setter.get(link).status_code == 200
    assert setter.post(link, {"new": "menden-2026-sicher", "repeat": "menden-2026-sicher"},
                       csrf_from=link).status_code == 302
    Browser(mail_app.test_client()).login("menden-digital", "menden-2026-sicher")
    again = Browser(mail_app.test_client())
    assert again.get(link).status_code == 410  # used
    assert "bereits benutzt" in again.get(link).get_data(as_text=True)
    # a second invitation link expires after 7 days
    coordinator.post(f"{R}/accounts", {"login": "brilon-digital", "role": "member",
                                       "municipality": "brilon", "email": "b@brilon.example"})
    late = link_in(body_of(smtp.to("b@brilon.example")[0]), "/passwort/neu/")
    from collab.notifications import services

    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=7, minutes=1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert Browser(mail_app.test_client()).get(late).status_code == 410


def test_an_invitation_needs_an_address(mail_app):
    response = user_(mail_app, "koordination").post(f"{R}/accounts", {
        "login": "brilon-digital", "role": "member", "municipality": "brilon"})
    assert "E-Mail: für eine Einladung erforderlich" in response.get_data(as_text=True)


def test_forgotten_password_never_tells_whether_the_login_exists(mail_app, smtp):
    anonymous = Browser(mail_app.test_client())
    known = anonymous.post("/passwort-vergessen", {"identifier": "soest"},
                           csrf_from="/passwort-vergessen")
    unknown = anonymous.post("/passwort-vergessen", {"identifier": "gibt-es-nicht"},
                             csrf_from="/passwort-vergessen")
    assert known.status_code == unknown.status_code == 200
    def page(response) -> str:  # the same page but for the form's fresh CSRF token
        return re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))

    assert page(known) == page(unknown)
    [message] = smtp.to("soest@example.org")
    link = link_in(body_of(message), "/passwort/neu/")
    assert anonymous.post(link, {"new": "soest-neu-2026", "repeat": "soest-neu-2026"},
                          csrf_from=link).status_code == 302
    Browser(mail_app.test_client()).login("soest", "soest-neu-2026")
    assert Browser(mail_app.test_client()).get(link).status_code == 410


def test_mail_links_lead_to_base_url_whatever_host_the_request_names(mail_app, smtp):
    """Attacker pass: "Passwort vergessen" asked with `Host: evil.example` mailed the owner a
    reset link to evil.example (one click gives the attacker the token). Links in mails come
    from BASE_URL only, also for notifications caused by a request and their unsubscribe
    links."""
    base = mail_app.config["BASE_URL"]

    def evil_client() -> Browser:  # every request (and its cookies) for host evil.example
        client = mail_app.test_client()
        client.environ_base.update({"HTTP_HOST": "evil.example",
                                    "HTTP_X_FORWARDED_HOST": "evil.example"})
        return Browser(client)
    anonymous = evil_client()
    assert anonymous.post("/passwort-vergessen", {"identifier": "soest"},
                          csrf_from="/passwort-vergessen").status_code == 200
    [message] = smtp.to("soest@example.org")
    assert "evil.example" not in body_of(message)
    assert link_in(body_of(message), "/passwort/neu/") and f"{base}/passwort/neu/" in \
        body_of(message)
    # a ballot opened through a request that names another host: its mails link BASE_URL
    olpe, coordinator = user_(mail_app, "olpe"), evil_client().login("koordination")
    proposed = olpe.post(f"{R}/rules/new", {"title": "Gemeinsame Beschaffung", "text": "Text",
                                            "kind": "general"})
    rule_id = int(proposed.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert coordinator.post(f"{R}/rules/{rule_id}/ballot", {
        "closes_at": FUTURE, "confirm": "y"}).status_code == 302
    [opened] = [m for m in smtp.to("soest@example.org", at_least=2)
                if "Abstimmung geöffnet" in m["Subject"]]
    assert f"{base}{R}/rules/{rule_id}" in body_of(opened)
    assert f"{base}/benachrichtigungen/abbestellen/" in body_of(opened)
    for sent in smtp.messages:
        assert "evil.example" not in body_of(sent), sent["Subject"]


def test_production_needs_base_url(monkeypatch, tmp_path):
    from collab import config

    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KN_ENV", "BASE_URL", "KN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        create_app(env="production")
    monkeypatch.setenv("BASE_URL", "kommunalnetz.example")
    with pytest.raises(config.ConfigError, match="BASE_URL"):
        create_app(env="production")
    monkeypatch.setenv("BASE_URL", "https://kommunalnetz.example/")
    assert create_app(env="production").config["BASE_URL"] == "https://kommunalnetz.example/"


def test_forgotten_password_is_rate_limited(mail_app, smtp):
    anonymous = Browser(mail_app.test_client())
    codes = [anonymous.post("/passwort-vergessen", {"identifier": "olpe"},
                            csrf_from="/passwort-vergessen").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert len(smtp.to("olpe@example.org", at_least=5)) == 5


def test_create_user_command_takes_an_address(mail_app, smtp):
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["create-user", "brilon", "--role", "member", "--region",
                                 "swf5", "--municipality", "brilon", "--email",
                                 "it@brilon.example", "--language", "en", "--invite"])
    assert result.exit_code == 0, result.output
    [message] = smtp.to("it@brilon.example")
    assert message["Subject"] == "Invitation to Kommunalnetz"
    bad = runner.invoke(args=["create-user", "x1", "--role", "viewer", "--password",
                              "lang-genug-1", "--email", "kein-at"])
    assert bad.exit_code == 1 and "email" in bad.output


# --- choices, unsubscribe, the in-app list ----------------------------------------------------


def test_english_accounts_get_english_mail_and_unsubscribe_works(mail_app, smtp):
    with mail_app.app_context():
        db.session.scalar(sa.select(User).filter_by(login="soest")).language = "en"
        db.session.commit()
        db.session.remove()
    propose_and_open(mail_app, "Erste Regel")
    message = smtp.to("soest@example.org")[-1]
    assert message["Subject"] == "Ballot opened: “Erste Regel”"
    unsubscribe = link_in(body_of(message), "/benachrichtigungen/abbestellen/")
    anonymous = Browser(mail_app.test_client())
    assert anonymous.get(unsubscribe).status_code == 200
    assert anonymous.post(unsubscribe, {}, csrf_from=unsubscribe).status_code == 200
    smtp.clear()
    propose_and_open(mail_app, "Zweite Regel")
    # the other kinds still come (the new proposal), the unsubscribed one no more
    assert [m["Subject"] for m in smtp.to("soest@example.org")] == [
        "New proposal: “Zweite Regel”"]
    assert len(smtp.to("olpe@example.org")) == 1  # the proposer hears of the ballot only
    # the in-app list still has it, and the header counts it
    page = user_(mail_app, "soest").get("/benachrichtigungen").get_data(as_text=True)
    assert "Zweite Regel" in page and 'class="badge"' in page


def test_the_list_shows_notifications_in_the_language_read_in_now(mail_app, smtp, api):
    """A notification was stored as text in the account's language of the moment: an account
    that switched to English read its earlier ones in German (and the reverse). The list
    renders subject and body (with their labels, e.g. a ballot's result) in the language
    the page is read in; the API in the account's chosen language; older rows, kept only
    as text, as they were."""
    rule_id = propose_and_open(mail_app, "Regel <b>eins</b>")
    soest = user_(mail_app, "soest")
    german = soest.get("/benachrichtigungen").get_data(as_text=True)
    assert "Abstimmung geöffnet: „Regel &lt;b&gt;eins&lt;/b&gt;“" in german
    soest.post("/lang/en", {}, csrf_from="/benachrichtigungen")
    english = soest.get("/benachrichtigungen").get_data(as_text=True)
    assert "Ballot opened: “Regel &lt;b&gt;eins&lt;/b&gt;”" in english
    assert "Abstimmung geöffnet" not in english and "<b>eins" not in english
    # the closing time in the body too: "Dec 13, 2026, 6:00 PM CET", not "13.12.2026 … MEZ"
    assert " MEZ" in german and " MEZ" not in english and " CET" in english
    with mail_app.app_context():
        db.session.scalar(sa.select(User).filter_by(login="soest")).language = "en"
        db.session.commit()
        note = db.session.scalar(sa.select(Notification).join(User).where(
            User.login == "soest", Notification.kind == "ballot_opened"))
        assert note.subject.startswith("Abstimmung geöffnet")  # stored as made
        assert note.message["subject"]["params"]["t"] == "Regel <b>eins</b>"
        db.session.remove()
    items = api("soest").get("/notifications").get_json()["items"]
    assert any(i["subject"] == "Ballot opened: “Regel <b>eins</b>”" for i in items), items
    # the result's label (a lazy text inside the message) follows the language too
    with mail_app.app_context():
        rule = db.session.get(Rule, rule_id)
        from collab.notifications import services
        from collab.notifications.services import text_of
        made = services.notify([db.session.scalar(sa.select(User).filter_by(login="olpe"))],
                               "ballot_result", services.KINDS["ballot_result"],
                               _lazy_result(rule.title), "/x")
        db.session.flush()
        from flask_babel import force_locale
        with mail_app.test_request_context("/"):
            with force_locale("en"):
                assert text_of(made[0])[1] == f"Result: “{rule.title}” adopted"
            with force_locale("de"):
                assert text_of(made[0])[1] == f"Ergebnis: „{rule.title}“ beschlossen"
        # a text that is no msgid (a callable, a plain string) stays as it was made
        plain = services.notify([db.session.scalar(sa.select(User).filter_by(login="olpe"))],
                                "ballot_result", "Betreff", "Text", "/y")
        assert plain[0].message is None
        with mail_app.test_request_context("/"), force_locale("en"):
            assert text_of(plain[0]) == ("Betreff", "Text")
        db.session.rollback()


def _lazy_result(title):
    from flask_babel import lazy_gettext

    from collab.core import vocab
    return lazy_gettext("Ergebnis: „%(t)s“ %(r)s", t=title, r=vocab.RULE_STATUSES["adopted"])


def test_daily_digest_collects_the_day(mail_app, smtp):
    soest = user_(mail_app, "soest")
    assert soest.post("/konto/benachrichtigungen", {
        "email": "soest@example.org", "language": "de", "kind_ballot_opened": "daily",
        "kind_rule_proposed": "daily"}, csrf_from="/konto/benachrichtigungen"
    ).status_code == 302
    propose_and_open(mail_app, "Erste Regel")
    propose_and_open(mail_app, "Zweite Regel")
    assert smtp.to("soest@example.org", timeout=0.5) == []
    result = mail_app.test_cli_runner().invoke(args=["send-digests"])
    assert result.exit_code == 0 and "1 Sammel-E-Mail" in result.output
    [digest] = smtp.to("soest@example.org")
    assert "Ihre Benachrichtigungen (4)" == digest["Subject"]
    assert "Zweite Regel" in body_of(digest)


def test_in_app_list_and_unread_count(mail_app):
    propose_and_open(mail_app)
    soest = user_(mail_app, "soest")
    header = soest.get("/hilfe").get_data(as_text=True)
    assert re.search(r'Benachrichtigungen <span class="badge"[^>]*>2</span>', header)
    page = soest.get("/benachrichtigungen").get_data(as_text=True)
    assert "Abstimmung geöffnet" in page and "Neuer Vorschlag" in page
    assert soest.post("/benachrichtigungen/gelesen", {}).status_code == 302
    assert 'class="badge"' not in soest.get("/hilfe").get_data(as_text=True)


def test_settings_refuse_a_bad_address(mail_app, api):
    soest = user_(mail_app, "soest")
    response = soest.post("/konto/benachrichtigungen", {"email": "nicht gültig",
                                                        "language": "de"},
                          csrf_from="/konto/benachrichtigungen")
    assert "E-Mail: keine gültige Adresse" in response.get_data(as_text=True)


def test_the_settings_offer_only_the_kinds_the_account_receives(mail_app):
    """Only coordinators hear of applications of new municipalities: a member's settings do
    not offer that choice; the coordinator's do, and saving them works for both."""
    page = "/konto/benachrichtigungen"
    for login, offered in (("soest", False), ("koordination", True)):
        browser = user_(mail_app, login)
        html = browser.get(page).get_data(as_text=True)
        assert ('name="kind_application_new"' in html) is offered, login
        email = re.search(r'name="email"[^>]*value="([^"]*)"', html)
        assert browser.post(page, {"language": "de", "email": email.group(1) if email else "",
                                   "kind_ballot_opened": "daily"},
                            csrf_from=page).status_code == 302, login


def test_settings_page_asks_for_the_password_to_change_the_address(mail_app):
    soest = user_(mail_app, "soest")
    page = "/konto/benachrichtigungen"
    assert 'name="current_password"' in soest.get(page).get_data(as_text=True)
    refused = soest.post(page, {"email": "neu@soest.example", "language": "de"}, csrf_from=page)
    assert "geben Sie Ihr Passwort ein" in refused.get_data(as_text=True)
    wrong = soest.post(page, {"email": "neu@soest.example", "current_password": "falsch",
                              "language": "de"}, csrf_from=page)
    assert "Passwort: stimmt nicht." in wrong.get_data(as_text=True)
    assert soest.post(page, {"email": "neu@soest.example", "current_password": "demo",
                             "language": "de"}, csrf_from=page).status_code == 302
    with mail_app.app_context():
        assert db.session.scalar(sa.select(User.email).filter_by(login="soest")) == \
            "neu@soest.example"
        db.session.remove()


def test_api_settings_and_notifications(app, api):
    soest = api("soest")
    assert soest.patch("/me", {"email": "kaputt"}).status_code == 422
    assert soest.patch("/me", {"email": "kaputt"}).get_json()["details"][0]["field"] == "email"
    assert soest.patch("/me", {"choices": {"ballot_opened": "sometimes"}}).status_code == 422
    # attacker pass: a stolen key changed the address, then "Passwort vergessen" mailed it a
    # reset link; a new address needs the account's password
    for without in ({}, {"current_password": ""}, {"current_password": "falsch"},
                    {"current_password": ["demo"]}):
        refused = soest.patch("/me", {"email": "attacker@evil.example", **without})
        assert refused.status_code == 422, without
        assert refused.get_json()["details"][0]["field"] == "current_password"
    assert soest.get("/me").get_json()["email"] != "attacker@evil.example"
    assert soest.patch("/me", {"language": "de"}).status_code == 200  # no address: no password
    response = soest.patch("/me", {"email": "it@soest.example", "current_password": "demo",
                                   "language": "en", "choices": {"ballot_opened": "off"}})
    assert response.status_code == 200
    # the same address again needs no password
    assert soest.patch("/me", {"email": "it@soest.example"}).status_code == 200
    assert response.get_json()["choices"]["ballot_opened"] == "off"
    assert soest.get("/me").get_json()["email"] == "it@soest.example"
    assert soest.get("/notifications").get_json() == {"unread": 0, "items": []}


# --- without a mail server, retries -------------------------------------------------------------


def test_without_mail_server_mails_go_to_log_and_outbox(app, as_user, runner):
    runner.invoke(args=["create-user", "root", "--role", "admin", "--password",
                        "root-geheim-2026"])
    with app.app_context():
        db.session.scalar(sa.select(User).filter_by(login="soest")).email = "s@example.org"
        db.session.commit()
        db.session.remove()
    propose_and_open(app)
    with app.app_context():
        statuses = db.session.scalars(sa.select(OutboxMail.status).filter_by(
            to_addr="s@example.org")).all()
        db.session.remove()
    assert statuses == ["logged", "logged"]  # the new proposal, the ballot
    admin = Browser(app.test_client()).login("root", "root-geheim-2026")
    page = admin.get("/admin/postausgang").get_data(as_text=True)
    assert "s@example.org" in page and "logged" in page
    assert as_user("koordination").get("/admin/postausgang").status_code == 403


def test_a_failed_delivery_is_retried(database_url, smtp):
    """With the server unreachable the mail stays pending with its error; a later run
    (`flask send-mail`) sends it."""
    from collab.notifications import delivery

    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(),
                      "MAIL_TIMEOUT": 2})
    with app.app_context():
        db.session.scalar(sa.select(User).filter_by(login="soest")).email = "s@example.org"
        db.session.commit()
        db.session.remove()
    propose_and_open(app)
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMail).filter_by(
            to_addr="s@example.org")).all()
        assert [(row.status, row.attempts) for row in rows] == [("pending", 1)] * 2
        assert "Connection refused" in rows[0].last_error
        db.session.remove()
    app.config["MAIL_PORT"] = smtp.port
    with app.app_context():
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
        assert delivery.deliver_due()["sent"] == 0  # not due yet: it backs off
        assert delivery.deliver_due(later)["sent"] == 4  # Olpe's and the coordinator's too
        db.session.remove()
    assert len(smtp.to("s@example.org", at_least=2)) == 2
    with app.app_context():
        db.engine.dispose()


def test_other_features_can_notify(app):
    """The service for later features (surveys): a kind of their own, any accounts."""
    from collab.notifications import services

    services.register_kind("survey_opened", "Umfrage geöffnet")
    with app.app_context():
        soest = db.session.scalar(sa.select(User).filter_by(login="soest"))
        from collab.core.store import change

        with change(None, None, "notification.read", "test", data=False):
            services.notify([soest, soest, None], "survey_opened", "Umfrage 2026",
                            "Bitte antworten Sie bis Freitag.", "/hilfe")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == soest.id)) == 1
        with pytest.raises(ValueError):
            services.notify([soest], "no_such_kind", "x", "y")
        db.session.remove()


# --- notifications about requests; home pages ---------------------------------------------------


def test_initiative_request_and_decision_notify_lead_and_requester(mail_app, smtp):
    olpe = user_(mail_app, "olpe")
    response = olpe.post(f"{R}/initiatives/soest-app/join", {
        "actor": "olpe-digital", "role": "partner", "message": "Wir möchten mitmachen."})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert [m["Subject"] for m in smtp.to("soest@example.org")] == [
        "Anfrage zur Initiative „SoestApp“"]
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Ihre Anfragen" in home and "offen" in home
    with mail_app.app_context():
        from collab.core.models import InitiativeJoinRequest

        req_id = db.session.scalar(sa.select(InitiativeJoinRequest.id))
        db.session.remove()
    soest = user_(mail_app, "soest")
    response = soest.post(f"{R}/initiatives/soest-app/join-requests/{req_id}/decide",
                          {"approve": "Annehmen"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert any(m["Subject"].startswith("Angenommen") for m in smtp.to("olpe@example.org"))


def test_member_lands_on_its_home_with_its_open_ballot(mail_app):
    rule_id = propose_and_open(mail_app)
    olpe = user_(mail_app, "olpe")
    assert olpe.get("/").headers["Location"].endswith("/kommune")
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Ihre Kommune" in home and "Olpe" in home
    assert f"/rules/{rule_id}" in home and "Ihre Stimme fehlt noch" in home
    assert "Ihre Initiativen" in home and "Lücken und Datenanfragen" in home
    coordinator = user_(mail_app, "koordination")
    assert coordinator.get("/").headers["Location"].endswith("/koordination")
    desk = coordinator.get("/koordination").get_data(as_text=True)
    assert "Was auf Sie wartet" in desk and "Gemeinsame Beschaffung" in desk
    assert user_(mail_app, "gast").get("/kommune").status_code == 302


@pytest.mark.parametrize("login, home", [("olpe", "/kommune"), ("koordination", "/koordination")])
def test_an_account_without_an_address_is_asked_for_one_on_its_home(mail_app, login, home):
    """Accounts approved before addresses were asked for have none, and so hear of nothing by
    mail and cannot reset their password; nothing told them. Their home says so and links to
    the settings; once an address is there the note is gone."""
    browser = user_(mail_app, login)
    assert "E-Mail-Adresse hinterlegen" not in browser.get(home).get_data(as_text=True)
    with mail_app.app_context():
        db.session.execute(sa.update(User).where(User.login == login).values(email=""))
        db.session.commit()
    page = browser.get(home).get_data(as_text=True)
    assert "keine E-Mail-Adresse hinterlegt" in page
    assert 'href="/konto/benachrichtigungen">E-Mail-Adresse hinterlegen</a>' in page


def test_the_worker_thread_of_make_run_sends_the_mail(database_url, smtp):
    """Under `make run` (ANALYSIS_QUEUE=thread) the request only queues the mail; the worker
    thread sends it to the configured server."""
    import time

    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": database_url,
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
                      "ANALYSIS_QUEUE": "thread"})
    with app.app_context():
        db.session.scalar(sa.select(User).filter_by(login="soest")).email = "s@example.org"
        db.session.commit()
        db.session.remove()
    propose_and_open(app)
    deadline = time.monotonic() + 20
    while len(smtp.to("s@example.org")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp.to("s@example.org")) == 2
    with app.app_context():
        db.engine.dispose()


def test_survey_round_is_announced_reminded_and_shown_on_the_homes(mail_app, smtp):
    """Opening a survey round mails every member account (not the coordinator who opened
    it); `flask send-reminders` two days before it closes reminds only municipalities that
    have not answered, once; Olpe's home shows the round, the coordinator's the response."""
    import datetime as dt

    from collab.core.localtime import local_today
    from collab.core.models import Survey

    coordinator = user_(mail_app, "koordination")
    with mail_app.app_context():
        closes = local_today() + dt.timedelta(days=1)
    response = coordinator.post("/regions/swf5/surveys", {"closes_at": closes.isoformat()},
                                csrf_from="/regions/swf5/surveys")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert len(smtp.to("olpe@example.org")) == 1
    assert len(smtp.to("soest@example.org")) == 1
    assert smtp.to("koordination@example.org", timeout=0.5) == []
    assert "Netzwerkbefragung" in smtp.to("olpe@example.org")[0]["Subject"]
    with mail_app.app_context():
        survey_id = db.session.scalar(sa.select(Survey.id).order_by(Survey.id.desc()))
        db.session.remove()
    olpe = user_(mail_app, "olpe")
    home = olpe.get("/kommune").get_data(as_text=True)
    assert "Ihre Antwort fehlt noch" in home
    assert f"/regions/swf5/surveys/{survey_id}/answer" in home
    answered = olpe.client.put(  # Olpe answers through the API's shape on the page's route
        f"/api/v1/regions/swf5/surveys/{survey_id}/responses/olpe", json={"units": [],
                                                                          "partners": []},
        headers={"Authorization": "Bearer " + _token(mail_app, "olpe")})
    assert answered.status_code in (200, 201), answered.get_data(as_text=True)[:300]
    smtp.clear()
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 Befragung(en) mit Erinnerung." in result.output
    assert smtp.to("olpe@example.org", timeout=0.5) == []  # answered: no reminder
    assert len(smtp.to("soest@example.org")) == 1
    again = runner.invoke(args=["send-reminders"])
    assert "0 Befragung(en) mit Erinnerung." in again.output
    desk = coordinator.get("/koordination").get_data(as_text=True)
    assert "1 von" in desk and "Kommunen hat geantwortet" in desk  # Olpe only: singular


def _token(app, login: str) -> str:
    result = app.test_cli_runner().invoke(args=["create-token", login])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]
