"""Issue 15 in real Chromium: notifications (header count, list, mail), the members' and the
coordinator's home pages, an objection under consensus, and the password reset by mail
link, against the demo served with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import socket
import threading

import pytest
import sqlalchemy as sa

from collab import create_app
from collab.extensions import db

from ..conftest import FAST
from .conftest import LiveServer, _require_browser

pytestmark = pytest.mark.browser

R = "/regions/swf5"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content,
                                                          policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, sqlite_template, smtp):
    """The demo with a mail server configured, served on a free port: Olpe proposes a rule,
    the coordinator opens its ballot, Olpe asks to join the SoestApp initiative."""
    _require_browser()
    from collab.core.models import Region, User
    from collab.spielregeln import services as spielregeln

    path = tmp_path_factory.mktemp("mail") / "live.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port})
    with app.app_context(), app.test_request_context():
        users = {u.login: u for u in db.session.scalars(sa.select(User))}
        for login in ("olpe", "soest", "koordination"):
            users[login].email = f"{login}@example.org"
        db.session.commit()
        region = db.session.scalar(sa.select(Region).filter_by(slug="swf5"))
        rule = spielregeln.propose_rule(region, {
            "title": "Gemeinsamer Datenraum", "text": "Wir teilen Daten über einen Datenraum.",
            "kind": "general"}, users["olpe"])
        spielregeln.open_ballot(region, rule, {"closes_at": "2099-06-30T18:00"},
                                users["koordination"])
        initiative = db.session.scalar(sa.select(spielregeln.Initiative).filter_by(
            region_id=region.id, key="soest-app"))
        spielregeln.request_initiative_join(region, initiative, {
            "actor": "olpe-digital", "role": "partner", "message": "Olpe macht mit."},
            users["olpe"])
        rule_id = rule.id
        db.session.remove()
    with LiveServer(app) as server:
        server.rule_id = rule_id
        yield server


@pytest.fixture
def page_for(chromium, demo):
    """``page_for("olpe")``: a new page signed in as that demo account (password "demo");
    ``page_for(None)``: an anonymous one."""
    contexts = []

    def make(login: str | None, password: str = "demo"):
        context = chromium.new_context(viewport={"width": 1300, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.requests_seen = []
        page.on("request", lambda r: page.requests_seen.append(r.url))
        page.goto(f"{demo.url}/login")
        if login is not None:
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", password)
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def test_olpe_lands_on_its_home_with_ballot_request_and_notifications(page_for, demo, smtp):
    page = page_for("olpe")
    assert page.url.endswith("/kommune")
    home = page.locator("main")
    assert "Ihre Kommune: Olpe" in home.locator("h1").inner_text()
    ballots = home.locator("#abstimmungen").inner_text()
    assert "Gemeinsamer Datenraum" in ballots and "Ihre Stimme fehlt noch" in ballots
    requests = home.locator("#anfragen").inner_text()
    assert "SoestApp" in requests and "offen" in requests
    # the header counts the unread notification of the ballot; the list opens its page
    badge = page.locator("header a.notes .badge")
    assert badge.inner_text() == "1"
    page.click("header a.notes")
    assert "Abstimmung geöffnet: „Gemeinsamer Datenraum“" in page.locator("main").inner_text()
    page.click("main .notifications button:has-text('Öffnen')")
    page.wait_for_load_state()
    assert f"/rules/{demo.rule_id}" in page.url
    assert page.locator("header a.notes .badge").count() == 0
    # one mail each to the voting members' accounts; the proposer's is about the ballot
    assert [m["Subject"] for m in smtp.to("olpe@example.org")] == [
        "Abstimmung geöffnet: „Gemeinsamer Datenraum“"]
    assert all(not request.startswith("http") or request.startswith(demo.url)
               for request in page.requests_seen)


def test_soest_objects_and_the_ballot_stays_open(page_for, demo):
    page = page_for("soest")
    page.goto(f"{demo.url}{R}/rules/{demo.rule_id}")
    form = page.locator("form#stimme")
    assert "Ein Nein ist ein Einwand" in form.inner_text()
    form.locator("label:has-text('Einwand (Nein)') input").check()
    form.locator("textarea[name=reason]").fill("Datenschutz ist nicht geklärt.")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Es liegt 1 Einwand vor" in text and "in Abstimmung" in text
    assert "Datenschutz ist nicht geklärt." in text
    assert page.locator("td strong.objection").inner_text() == "Einwand"


def test_coordinator_home_shows_what_waits(page_for, demo):
    page = page_for("koordination")
    assert page.url.endswith("/koordination")
    text = page.locator("main").inner_text()
    assert "Anfrage zur Initiative „SoestApp“" in text and "Gemeinsamer Datenraum" in text


def test_password_reset_by_mail_link(page_for, demo, smtp):
    page = page_for(None)
    page.click("text=Passwort vergessen?")
    page.fill("input[name=identifier]", "soest")
    page.click("main form button[type=submit]")
    neutral = page.locator("main p.sent").inner_text()
    page.goto(f"{demo.url}/passwort-vergessen")
    page.fill("input[name=identifier]", "niemand-hier")
    page.click("main form button[type=submit]")
    assert page.locator("main p.sent").inner_text() == neutral  # no hint either way
    [message] = [m for m in smtp.to("soest@example.org")
                 if "zurücksetzen" in m["Subject"]]
    link = re.search(r"(https?://\S+/passwort/neu/\S+)",
                     message.get_body(("plain",)).get_content()).group(1)
    page.goto(link)
    page.fill("input[name=new]", "soest-neu-2026")
    page.fill("input[name=repeat]", "soest-neu-2026")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    page.fill("input[name=login]", "soest")
    page.fill("input[name=password]", "soest-neu-2026")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/kommune")
    page.goto(link)
    assert "bereits benutzt" in page.locator("main").inner_text()
