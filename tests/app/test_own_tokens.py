"""Every account makes and revokes its own API tokens on /konto/schluessel: shown once, as
strong as the account's role, another account's token out of reach, CSRF required."""

import re

import pytest

from collab.accounts import services as account_services

TOKEN_RE = re.compile(r'<code class="token" id="new-token">(kn_[A-Za-z0-9_-]+)</code>')


def _read(app, headers) -> int:
    return app.test_client().get("/api/v1/regions/swf5/actors?per_page=1",
                                 headers=headers).status_code


ONCE_RE = re.compile(r'name="once" value="([A-Za-z0-9_-]+)"')


def _form(user) -> dict:
    """The key form's fields as the page gives them (CSRF token, one-time value)."""
    page = user.get("/konto/schluessel").get_data(as_text=True)
    return {"csrf_token": user.csrf("/konto/schluessel"), "once": ONCE_RE.search(page).group(1)}


def _make(user, login):
    response = user.post("/konto/schluessel", _form(user))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    token = TOKEN_RE.search(html)
    assert token, html[:2000]
    return token.group(1), html


def test_a_member_makes_a_token_that_acts_as_itself(as_user, app):
    user = as_user("olpe")
    plain, html = _make(user, "olpe")
    assert "nur jetzt sichtbar" in html
    assert "nach dem Wort „Bearer“" in html  # the usage line (a "<Schlüssel>" in it vanished)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/regions/swf5/actors?per_page=1", headers=headers).status_code \
        == 200
    # as strong as the account: olpe edits its own actor, not Soest's
    assert client.patch("/api/v1/regions/swf5/actors/olpe-bm", json={"capacity_fte": 2},
                        headers=headers).status_code == 200
    assert client.patch("/api/v1/regions/swf5/actors/soest-innovation",
                        json={"capacity_fte": 2}, headers=headers).status_code == 403
    # the list shows its prefix, never the token again
    listing = user.get("/konto/schluessel").get_data(as_text=True)
    assert plain[:10] in listing and plain not in listing


def test_revoking_asks_first_then_the_token_stops_working(as_user, app):
    user = as_user("gast")
    plain, _ = _make(user, "gast")
    with app.app_context():
        from collab.core.models import ApiToken
        from collab.extensions import db
        token_id = db.session.query(ApiToken.id).filter_by(
            token_hash=ApiToken.hash(plain)).scalar()
    confirm = user.get(f"/konto/schluessel/{token_id}/widerrufen")
    assert confirm.status_code == 200 and "widerrufen?" in confirm.get_data(as_text=True)
    # without the CSRF token nothing happens
    assert user.client.post(f"/konto/schluessel/{token_id}/widerrufen").status_code == 400
    headers = {"Authorization": f"Bearer {plain}"}
    assert _read(app, headers) == 200
    done = user.post(f"/konto/schluessel/{token_id}/widerrufen",
                     csrf_from=f"/konto/schluessel/{token_id}/widerrufen")
    assert done.status_code == 302
    assert _read(app, headers) == 401
    assert "widerrufen</td>" in user.get("/konto/schluessel").get_data(as_text=True)


def test_another_accounts_token_is_not_found(as_user, app):
    plain, _ = _make(as_user("olpe"), "olpe")
    with app.app_context():
        from collab.core.models import ApiToken
        from collab.extensions import db
        token_id = db.session.query(ApiToken.id).filter_by(
            token_hash=ApiToken.hash(plain)).scalar()
    soest = as_user("soest")
    assert soest.get(f"/konto/schluessel/{token_id}/widerrufen").status_code == 404
    assert soest.post(f"/konto/schluessel/{token_id}/widerrufen",
                      csrf_from="/konto/schluessel").status_code == 404
    headers = {"Authorization": f"Bearer {plain}"}
    assert _read(app, headers) == 200


def test_making_a_token_needs_the_csrf_token_and_a_login(as_user, client):
    user = as_user("olpe")
    response = user.client.post("/konto/schluessel")
    assert response.status_code == 400 and not TOKEN_RE.search(response.get_data(as_text=True))
    assert client.get("/konto/schluessel").status_code == 302
    assert client.post("/konto/schluessel").status_code in (302, 400)


def test_at_most_ten_valid_tokens(as_user, monkeypatch):
    monkeypatch.setattr(account_services, "MAX_OWN_TOKENS", 2)
    user = as_user("soest")
    _make(user, "soest")
    _make(user, "soest")
    response = user.post("/konto/schluessel", _form(user))
    html = response.get_data(as_text=True)
    assert not TOKEN_RE.search(html)
    assert "schon 2 gültige Schlüssel" in html


@pytest.mark.parametrize("login", ["koordination", "olpe", "gast"])
def test_the_password_page_links_to_the_tokens(as_user, login):
    assert "/konto/schluessel" in as_user(login).get("/konto/passwort").get_data(as_text=True)


def test_reloading_the_answer_makes_no_second_key(as_user, app):
    """The browser sends the form again when the page with the new key is reloaded: no
    second key is made, the page says so and shows no key."""
    user = as_user("olpe")
    form = _form(user)
    first = user.post("/konto/schluessel", form)
    assert TOKEN_RE.search(first.get_data(as_text=True))
    reloaded = user.post("/konto/schluessel", form, follow_redirects=True)
    page = reloaded.get_data(as_text=True)
    assert "schon gesendet" in page and not TOKEN_RE.search(page)
    with app.app_context():
        from collab.core.models import User
        from collab.extensions import db
        olpe = db.session.scalar(db.select(User).filter_by(login="olpe"))
        assert len(account_services.own_tokens(olpe)) == 1
    # a second form from a second window still makes a key
    assert TOKEN_RE.search(user.post("/konto/schluessel", _form(user)).get_data(as_text=True))
