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


def test_apply_approve_set_password_sign_in(app, browser, as_user):
    """A new municipality applies, is approved and can sign in."""
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
        account = db.session.scalar(db.select(User).filter_by(login="lennestadt"))
        assert account.role == "member" and account.municipality_id == municipality.id
        token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=account.id))
        assert token.token_hash != link.group(1)  # only the hash is stored
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
