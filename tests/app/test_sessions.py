"""Issue 11.6: accounts and sessions. Sign-in is throttled, an unknown login costs the same
time as a wrong password, logout / password change / deactivation end every session, API
tokens expire, passwords need 10 characters outside the demo, a failed account creation
never writes the password or its hash to the log."""

import datetime as dt
import logging

from collab.core.models import ApiToken, User
from collab.extensions import db

from ..conftest import Browser

R = "/regions/swf5"


def _attempt(app, login, password, address="10.0.0.1"):
    client = app.test_client()
    browser = Browser(client)
    token = browser.csrf("/login")
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_login_is_throttled_after_ten_failures_for_one_login(app):
    for _n in range(10):
        assert _attempt(app, "olpe", "falsch").status_code == 200
    refused = _attempt(app, "olpe", "demo", address="10.0.0.2")  # right password, new address
    assert refused.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in refused.get_data(as_text=True)
    assert _attempt(app, "soest", "demo", address="10.0.0.3").status_code == 302


def test_login_is_throttled_after_ten_failures_from_one_address(app):
    for n in range(10):
        _attempt(app, f"unbekannt{n}", "falsch", address="10.0.0.9")
    assert _attempt(app, "soest", "demo", address="10.0.0.9").status_code == 429


def test_unknown_login_checks_a_password_hash_too(app, monkeypatch):
    from collab.accounts import pages
    calls = []
    original = pages.check_password_hash
    monkeypatch.setattr(pages, "check_password_hash",
                        lambda h, p: calls.append(h) or original(h, p))
    _attempt(app, "gibt-es-nicht", "falsch")
    assert calls and calls[0].startswith("pbkdf2:sha256:1000")


def test_logout_ends_every_session_of_the_account(app, as_user):
    first, second = as_user("olpe"), as_user("olpe")
    captured = first.client.get_cookie("session").value
    assert second.get(f"{R}/actors").status_code == 200
    assert first.post("/logout", csrf_from="/hilfe").status_code == 302
    assert second.get(f"{R}/actors").status_code == 302  # back to /login
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert replay.get(f"{R}/actors").status_code == 302


def test_password_change_ends_the_other_sessions(app, as_user):
    olpe, other = as_user("olpe"), as_user("olpe")
    response = olpe.post("/konto/passwort", {"current": "demo", "new": "ein-neues-passwort",
                                             "repeat": "ein-neues-passwort"},
                         csrf_from="/konto/passwort")
    assert response.status_code == 302
    assert olpe.get(f"{R}/actors").status_code == 200
    assert other.get(f"{R}/actors").status_code == 302


def test_deactivation_ends_the_sessions(app, as_user):
    olpe = as_user("olpe")
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(login="olpe"))
        version = user.session_version
    coordinator = as_user("koordination")
    coordinator.post(f"{R}/accounts/olpe/deactivate", {"confirm": "y"},
                     csrf_from=f"{R}/accounts/olpe/deactivate")
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(login="olpe")).session_version \
            == version + 1
    assert olpe.get(f"{R}/actors").status_code == 302


def test_api_tokens_expire_after_a_year_by_default(app, runner, api):
    result = runner.invoke(args=["create-token", "olpe"])
    assert "gültig bis" in result.output
    client = api("olpe")
    assert client.get(f"{R}/actors").status_code == 200
    with app.app_context():
        token = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id.desc())).first()
        assert dt.timedelta(days=364) < token.expires_at - token.created_at \
            <= dt.timedelta(days=366)
        token.expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
    assert client.get(f"{R}/actors").status_code == 401


def test_passwords_need_ten_characters_outside_the_demo(app, runner, caplog):
    app.config["DEMO"] = False
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(args=["create-user", "kurz", "--role", "viewer",
                                 "--password", "neun-zchn"])
    assert result.exit_code == 1 and "mindestens 10 Zeichen" in result.output
    result = runner.invoke(args=["create-user", "olpe", "--role", "viewer",
                                 "--password", "geheim-und-lang-genug"])
    assert result.exit_code == 1  # the login is taken
    logged = caplog.text + result.output
    assert "geheim-und-lang-genug" not in logged and "pbkdf2" not in logged
    result = runner.invoke(args=["create-user", "lang", "--role", "viewer",
                                 "--password", "zehn-zeichen"])
    assert result.exit_code == 0, result.output
