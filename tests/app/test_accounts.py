"""Accounts: changing one's own password; the coordinator deactivates and reactivates the
accounts of its region."""

import sqlalchemy as sa

from collab.core.models import Activity, Region
from collab.extensions import db
from tests.conftest import Browser

R = "/regions/swf5"


def text(response) -> str:
    return response.get_data(as_text=True)


def _actions(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Activity.action, Activity.target).filter_by(
            action=action)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _data_version(app) -> int:
    with app.app_context():
        version = db.session.scalar(sa.select(Region.data_version).filter_by(slug="swf5"))
        db.session.remove()
    return version


def test_member_changes_its_password(as_user, app):
    """With the current password the new one works and the old one no longer does; the
    change is recorded but is no change of the network data."""
    version = _data_version(app)
    olpe = as_user("olpe")
    assert "Bisheriges Passwort" in text(olpe.get("/konto/passwort"))
    response = olpe.post("/konto/passwort", {"current": "demo", "new": "olpe-sicher-2026",
                                             "repeat": "olpe-sicher-2026"})
    assert response.status_code == 302
    assert _actions(app, "user.password") == [("user.password", "olpe")]
    assert _data_version(app) == version
    client = app.test_client()
    browser = Browser(client)
    token = browser.csrf("/login")
    refused = client.post("/login", data={"login": "olpe", "password": "demo",
                                          "csrf_token": token})
    assert refused.status_code == 200 and "Login oder Passwort ist falsch" in text(refused)
    Browser(app.test_client()).login("olpe", "olpe-sicher-2026")


def test_password_change_problems_name_the_field(as_user, app):
    """A wrong current password, a short new one and a mismatched repetition are each
    named; nothing changes."""
    olpe = as_user("olpe")
    page = text(olpe.post("/konto/passwort", {"current": "falsch", "new": "kurz",
                                              "repeat": "anders"}))
    assert "Bisheriges Passwort: stimmt nicht" in page
    assert "Neues Passwort: mindestens 8 Zeichen" in page
    assert "Wiederholung: stimmt nicht" in page
    assert _actions(app, "user.password") == []
    Browser(app.test_client()).login("olpe", "demo")


def test_coordinator_deactivates_a_member(as_user, api, app):
    """After confirmation the member cannot sign in, its open session ends and its API
    token stops working; reactivating lets it sign in again."""
    token_client = api("olpe")
    assert token_client.get(f"{R}/actors").status_code == 200
    olpe = as_user("olpe")
    coordinator = as_user("koordination")
    accounts = text(coordinator.get(f"{R}/accounts"))
    assert f"{R}/accounts/olpe/deactivate" in accounts
    assert f"{R}/accounts/koordination/deactivate" not in accounts  # never its own
    confirm = text(coordinator.get(f"{R}/accounts/olpe/deactivate"))
    assert "deaktivieren?" in confirm and "API-Tokens werden widerrufen" in confirm
    assert olpe.get(R).status_code == 200  # GET changed nothing
    assert coordinator.post(f"{R}/accounts/olpe/deactivate").status_code == 302
    assert "deaktiviert" in text(coordinator.get(f"{R}/accounts"))
    assert olpe.get(R).status_code == 302  # the session ended
    assert token_client.get(f"{R}/actors").status_code == 401
    browser = Browser(app.test_client())
    response = browser.client.post("/login", data={
        "login": "olpe", "password": "demo", "csrf_token": browser.csrf("/login")})
    assert response.status_code == 200 and "Zugang ist deaktiviert" in text(response)
    assert _actions(app, "user.deactivate") == [("user.deactivate", "olpe")]

    assert coordinator.post(f"{R}/accounts/olpe/activate").status_code == 302
    Browser(app.test_client()).login("olpe")
    assert token_client.get(f"{R}/actors").status_code == 401  # old tokens stay revoked


def test_members_cannot_manage_accounts_and_nobody_deactivates_itself(as_user):
    """Only the coordinator acts, on accounts of its own region, never on its own."""
    assert as_user("soest").post(f"{R}/accounts/olpe/deactivate").status_code == 403
    coordinator = as_user("koordination")
    assert coordinator.get(f"{R}/accounts/koordination/deactivate").status_code == 403
    assert coordinator.get(f"{R}/accounts/gast/deactivate").status_code == 404  # no region
    assert as_user("olpe").get(R).status_code == 200


def test_logins_are_plain_and_names_bounded(app, runner):
    """A login that a URL would shorten (".."), that looks like another ("оlpe" with a
    Cyrillic о) or that has a space is refused; so is a name of 90,000 characters. The
    refusal names the rule; nothing is created."""
    from collab.accounts import services as account_services
    from collab.core.validation import ValidationError

    with app.app_context():
        for login in ("..", "olpe.", "-olpe", "оlpe", "olpe rat", "a..b", "müller"):
            try:
                account_services.create_user(login, "ein-langes-passwort", "admin")
            except ValidationError as exc:
                assert [p.field for p in exc.problems] == ["login"], login
                assert "a–z" in exc.problems[0].message
            else:
                raise AssertionError(f"{login!r} was accepted")
        try:
            account_services.create_user("ein.name_mit-trennern", "ein-langes-passwort",
                                         "admin", display_name="x" * 90_000)
        except ValidationError as exc:
            assert [p.field for p in exc.problems] == ["display_name"]
        else:
            raise AssertionError("a name of 90,000 characters was accepted")
        user = account_services.create_user("ein.name_mit-trennern", "ein-langes-passwort",
                                            "admin", display_name="  Betrieb  ")
        assert user.display_name == "Betrieb"
        db.session.remove()
    refused = runner.invoke(args=["create-user", "..", "--role", "admin",
                                  "--password", "ein-langes-passwort"])
    assert refused.exit_code != 0 and "a–z" in refused.output


def test_a_new_password_says_that_the_api_keys_stay_valid(as_user, api):
    """Keys are not tied to the password (programmes keep working); the account is told how
    many stay valid, so that it revokes them if a stranger might know them."""
    olpe = as_user("olpe")
    changed = olpe.post("/konto/passwort", {"current": "demo", "new": "olpe-sicher-2026",
                                            "repeat": "olpe-sicher-2026"})
    assert "API-Schlüssel bleib" not in text(olpe.get(changed.headers["Location"],
                                                      follow_redirects=True))
    key = api("olpe")  # a key, made after the first change
    again = olpe.post("/konto/passwort", {"current": "olpe-sicher-2026",
                                          "new": "olpe-sicher-2027", "repeat": "olpe-sicher-2027"})
    page = text(olpe.get(again.headers["Location"], follow_redirects=True))
    assert "Ihr API-Schlüssel bleibt gültig" in page
    assert key.get("/me").status_code == 200
