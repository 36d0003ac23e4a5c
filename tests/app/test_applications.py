"""Self-service applications (issue 13.3): apply without an account, approve, set the
password through the one-time link, sign in."""

from __future__ import annotations

import re

from collab.core.models import Application, Municipality, PasswordToken, RegionMembership, User
from collab.extensions import db

APPLICATION = {"name": "Lennestadt", "ags": "05966020", "district": "Kreis Olpe",
               "email": "digital@lennestadt.de", "joined_by": "council_decision",
               "reference": "Ratsbeschluss vom 12.03.2025, TOP 7"}


def _apply(browser, **changes):
    return browser.post("/mitmachen/swf5", {**APPLICATION, **changes}, csrf_from="/mitmachen/swf5")


def test_apply_approve_set_password_sign_in(app, browser, as_user, today):
    """A new municipality applies, is approved (a member since today) and can sign in."""
    assert _apply(browser).status_code == 200
    with app.app_context():
        application = db.session.scalar(db.select(Application).filter_by(ags="05966020"))
        assert application.status == "pending"
        application_id = application.id
    coordinator = as_user("koordination")
    page = coordinator.get(f"/regions/swf5/applications/{application_id}").get_data(as_text=True)
    assert 'value="lennestadt"' in page and "digital@lennestadt.de" in page
    assert '<option selected value="NW">' in page or 'value="NW" selected' in page
    path = f"/regions/swf5/applications/{application_id}"
    response = coordinator.post(path, {"key": "lennestadt", "kind": "kreisangehoerige_stadt",
                                       "state": "NW", "population": "25.000", "tier": "member",
                                       "login": "lennestadt", "approve": "Genehmigen"},
                                csrf_from=path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    link = re.search(r"http://[^<\s]*/konto/passwort-setzen/([\w-]+)", html)
    assert link, html
    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality).filter_by(key="lennestadt"))
        assert (municipality.population, municipality.district) == (25000, "Kreis Olpe")
        membership = db.session.scalar(db.select(RegionMembership).filter_by(
            municipality_id=municipality.id))
        assert (membership.tier, membership.joined_by) == ("member", "council_decision")
        assert membership.since == today
        account = db.session.scalar(db.select(User).filter_by(login="lennestadt"))
        assert account.role == "member" and account.municipality_id == municipality.id
        token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=account.id))
        assert token.token_hash != link.group(1)  # only the hash is stored
        # the contact address gets the invitation with its own link (user pass: nothing
        # was mailed, though the form had promised the coordination would be in touch)
        from collab.core.models import OutboxMail
        mail = db.session.scalar(db.select(OutboxMail).filter_by(
            to_addr="digital@lennestadt.de", kind="invitation"))
        assert mail is not None and "/passwort/neu/" in mail.text_body
        assert "Login: lennestadt" in mail.text_body
    assert "Eine E-Mail mit einem Link zum Setzen des Passworts geht an digital@lennestadt.de" \
        in html
    setter = browser.__class__(app.test_client())
    target = f"/konto/passwort-setzen/{link.group(1)}"
    assert setter.post(target, {"new": "ein langes Passwort", "repeat": "ein langes Passwort"},
                       csrf_from=target).status_code == 302
    assert setter.get(target).status_code == 404  # once only
    signed_in = browser.__class__(app.test_client()).login("lennestadt", "ein langes Passwort")
    assert signed_in.get("/regions/swf5/surveys").status_code == 200


def test_decline_needs_a_reason(app, browser, as_user):
    _apply(browser)
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    coordinator = as_user("koordination")
    path = f"/regions/swf5/applications/{application_id}"
    page = coordinator.post(path, {"reason": "", "decline": "Ablehnen"}, csrf_from=path)
    assert "Bitte begründen Sie die Ablehnung" in page.get_data(as_text=True)
    assert coordinator.post(path, {"reason": "Nicht im Gebiet", "decline": "Ablehnen"},
                            csrf_from=path).status_code == 302
    with app.app_context():
        assert db.session.get(Application, application_id).status == "declined"


def test_a_member_without_an_account_is_told_whom_to_ask(browser):
    """User pass: Attendorn, a Mitmacherkommune of the network without an account, applied
    and was told to apply "mit deren Zugang", which it does not have. A member of the
    network is told it is one, and that the coordination makes its account; a municipality
    with an account is told to apply with it (Olpe is a member here: told the same)."""
    page = _apply(browser, name="Attendorn", ags="05966004")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Attendorn ist bereits Mitglied von Smart Cities: 5 für Südwestfalen" in text
    assert "Einen Zugang für die Kommune legt die Koordination des Netzwerks an" in text
    assert "mit deren Zugang" not in text


def test_hostile_and_wrong_input(app, browser, as_user):
    markup = '<script>alert(1)</script>'
    response = _apply(browser, name=markup, email="keine-adresse")
    assert response.status_code == 422
    assert "E-Mail" in response.get_data(as_text=True)
    assert _apply(browser, ags="05966024").status_code == 422  # Olpe is on the platform
    assert _apply(browser, name=markup).status_code == 200
    page = as_user("koordination").get("/regions/swf5/applications").get_data(as_text=True)
    assert markup not in page and "&lt;script&gt;" in page
    # no CSRF token: refused
    assert browser.client.post("/mitmachen/swf5", data=APPLICATION).status_code == 400
    # only the coordinator sees and decides
    assert as_user("olpe").get("/regions/swf5/applications").status_code == 403
    assert browser.client.get("/konto/passwort-setzen/unbekannt").status_code == 404


def test_applications_are_rate_limited(app, browser):
    app.config["APPLICATION_LIMIT"] = "2 per hour"
    codes = [_apply(browser, ags=f"0596602{n}").status_code for n in range(4)]
    assert codes[-1] == 429


# --- who hears of a new application -----------------------------------------------------------


def _notes(app, kind="application_new"):
    """(login, subject, body, url, mail) of every notification of ``kind``."""
    from collab.core.models import Notification

    with app.app_context():
        return [(n.user.login, n.subject, n.body, n.url, n.mail) for n in db.session.scalars(
            db.select(Notification).filter_by(kind=kind).order_by(Notification.id))]


def _outbox(app, kind="application_new"):
    from collab.core.models import OutboxMail

    with app.app_context():
        return [(m.to_addr, m.subject, m.text_body, m.html_body) for m in db.session.scalars(
            db.select(OutboxMail).filter_by(kind=kind).order_by(OutboxMail.id))]


def test_a_new_application_tells_the_regions_coordinators_once(app, browser, runner):
    """An application notifies each coordinator of that region once (in the app and by mail,
    as each chose), nobody else; its desk lists it with a link to decide."""
    result = runner.invoke(args=["create-user", "thue-koordination", "--role", "coordinator",
                                 "--region", "thueringen", "--password", "ein-langes-passwort"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        other = db.session.scalar(db.select(User).filter_by(login="thue-koordination"))
        other.email = "thue@example.org"
        db.session.commit()
    assert _apply(browser).status_code == 200
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    path = f"/regions/swf5/applications/{application_id}"
    notes = _notes(app)
    assert [(n[0], n[3], n[4]) for n in notes] == [("koordination", path, "immediately")]
    assert notes[0][1] == "Antrag einer neuen Kommune: Lennestadt"
    assert "05966020" in notes[0][2] and "digital@lennestadt.de" in notes[0][2]
    assert "Ratsbeschluss vom 12.03.2025" in notes[0][2]
    mails = _outbox(app)
    assert [m[0] for m in mails] == ["koordination@demo.kommunalnetz.example"]
    assert mails[0][1] == "Antrag einer neuen Kommune: Lennestadt"
    assert re.search(r"https?://\S+" + re.escape(path), mails[0][2])

    # a second application (another AGS) is a second notice; a refused one is none
    assert _apply(browser, name="Kirchhundem", ags="05966016").status_code == 200
    assert _apply(browser, name="Kirchhundem", ags="05966016").status_code == 422
    assert len(_notes(app)) == 2 and len(_outbox(app)) == 2

    desk = browser.__class__(app.test_client()).login("koordination").get("/koordination")
    html = desk.get_data(as_text=True)
    assert f'href="{path}"' in html and "Antrag einer neuen Kommune: Lennestadt" in html
    assert "Kirchhundem" in html and 'href="/regions/swf5/applications"' in html
    other_desk = browser.__class__(app.test_client()).login(
        "thue-koordination", "ein-langes-passwort").get("/koordination")
    assert "Lennestadt" not in other_desk.get_data(as_text=True)


def test_a_decided_application_leaves_the_desk(app, browser, as_user):
    _apply(browser)
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    coordinator = as_user("koordination")
    path = f"/regions/swf5/applications/{application_id}"
    assert coordinator.post(path, {"reason": "Nicht im Gebiet", "decline": "Ablehnen"},
                            csrf_from=path).status_code == 302
    html = coordinator.get("/koordination").get_data(as_text=True)
    assert "Lennestadt" not in html and "Keine offenen Anfragen." in html
    with app.app_context():
        from collab.core.models import Notification
        assert db.session.scalar(db.select(Notification).filter_by(
            kind="application_new")).read_at is not None  # done: no longer unread


def test_the_coordinators_choice_and_language_hold(app, browser):
    """"keine E-Mail" keeps the in-app notice only; an English account gets its mail in
    English (greeting, footer)."""
    with app.app_context():
        coordinator = db.session.scalar(db.select(User).filter_by(login="koordination"))
        coordinator.notification_choices = {"application_new": "off"}
        db.session.commit()
    _apply(browser)
    assert [n[4] for n in _notes(app)] == ["off"] and _outbox(app) == []
    with app.app_context():
        coordinator = db.session.scalar(db.select(User).filter_by(login="koordination"))
        coordinator.notification_choices = {}
        coordinator.language = "en"
        db.session.commit()
    _apply(browser, name="Kirchhundem", ags="05966016")
    (mail,) = _outbox(app)
    assert "This message comes from Kommunalnetz" in mail[2], mail[2]


def test_application_text_is_escaped_in_notice_desk_and_mail(app, browser, as_user):
    markup = '<img src=x onerror=alert(1)>'
    assert _apply(browser, name=f"Lennestadt {markup}",
                  reference=f"Beschluss {markup}").status_code == 200
    coordinator = as_user("koordination")
    for page in ("/koordination", "/benachrichtigungen"):
        html = coordinator.get(page).get_data(as_text=True)
        assert markup not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, page
    (mail,) = _outbox(app)
    assert markup not in mail[3] and "&lt;img src=x onerror=alert(1)&gt;" in mail[3]
    # a line break in the name cannot break the mail's header
    assert _apply(browser, name="Kirchhundem\nBcc: x@example.org",
                  ags="05966016").status_code in (200, 422)
    for _to, subject, _text, _html in _outbox(app):
        assert "\n" not in subject


def test_only_the_regions_coordinator_sees_the_applications(app, browser, as_user):
    _apply(browser)
    assert as_user("olpe").get("/koordination").status_code == 302  # a member: own home
    for login in ("olpe", "gast"):
        assert as_user(login).get("/regions/swf5/applications").status_code == 403
        assert _notes(app) and all(n[0] == "koordination" for n in _notes(app))
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    assert as_user("gast").get(f"/regions/swf5/applications/{application_id}").status_code \
        == 403


# --- the account created on approval ----------------------------------------------------------

APPROVAL = {"key": "lennestadt", "kind": "kreisangehoerige_stadt", "state": "NW",
            "population": "25000", "tier": "member", "login": "lennestadt",
            "approve": "Genehmigen"}


def _approve(app, browser, coordinator, **changes):
    _apply(browser)
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    path = f"/regions/swf5/applications/{application_id}"
    return coordinator.post(path, {**APPROVAL, **changes}, csrf_from=path), path


def _account(app, login="lennestadt"):
    with app.app_context():
        return db.session.scalar(db.select(User).filter_by(login=login))


def test_the_account_takes_the_applications_address(app, browser, as_user):
    """The approval page offers the applicant's address for the account and says so; the
    account keeps it, so it gets mails and can reset its password."""
    coordinator = as_user("koordination")
    _apply(browser)
    with app.app_context():
        application_id = db.session.scalar(db.select(Application.id))
    path = f"/regions/swf5/applications/{application_id}"
    page = coordinator.get(path).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="email"[^>]*value="digital@lennestadt.de"', page) or \
        re.search(r'<input[^>]*value="digital@lennestadt.de"[^>]*name="email"', page), page
    assert "Die Kontaktadresse aus dem Antrag; der Zugang erhält sie" in page
    response = coordinator.post(path, APPROVAL, csrf_from=path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "/konto/passwort-setzen/" in html, html
    assert "E-Mail-Adresse des Zugangs: digital@lennestadt.de" in html
    assert _account(app).email == "digital@lennestadt.de"
    accounts = coordinator.get("/regions/swf5/accounts").get_data(as_text=True)
    assert "digital@lennestadt.de" in accounts
    anonymous = browser.__class__(app.test_client())
    assert anonymous.post("/passwort-vergessen", {"identifier": "lennestadt"},
                          csrf_from="/passwort-vergessen").status_code == 200
    with app.app_context():
        from collab.core.models import OutboxMail
        assert db.session.scalar(db.select(OutboxMail.to_addr).filter_by(
            kind="password_reset")) == "digital@lennestadt.de"


def test_the_coordinator_may_give_another_address(app, browser, as_user):
    response, _path = _approve(app, browser, as_user("koordination"),
                               email=" it@lennestadt.de ")
    assert response.status_code == 200
    assert _account(app).email == "it@lennestadt.de"


def test_a_refused_approval_saves_nothing(app, browser, as_user):
    """A wrong address or login is shown at its field, and neither municipality nor account
    is left behind (the approval is one change)."""
    coordinator = as_user("koordination")
    response, path = _approve(app, browser, coordinator, email="keine adresse")
    html = response.get_data(as_text=True)
    assert "keine gültige Adresse" in html and "/konto/passwort-setzen/" not in html
    response = coordinator.post(path, {**APPROVAL, "login": "Mit Leerzeichen"}, csrf_from=path)
    assert "/konto/passwort-setzen/" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Municipality).filter_by(key="lennestadt")) is None
        assert db.session.scalar(db.select(Application.status)) == "pending"
    assert _account(app) is None and _account(app, "mit leerzeichen") is None
    response = coordinator.post(path, APPROVAL, csrf_from=path)
    assert "/konto/passwort-setzen/" in response.get_data(as_text=True)  # then it works
