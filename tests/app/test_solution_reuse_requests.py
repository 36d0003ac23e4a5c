"""User pass on re-use requests ("Nachnutzung anfragen"): a request to a solution whose
owner municipality has no member account went nowhere (only that municipality could decide;
the coordinator saw nothing); requests and decisions notified nobody and the homes did not
list them; the page's "who could re-use it" table stopped at ten members without saying so.
Now, as for initiative join requests: the coordinator decides when no active member account
speaks for the owner (or the owner is a regional body), the deciders are notified, the
requester is told the decision, both homes list the requests."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from collab.analysis import reports
from collab.core.models import Notification, ReuseRequest, User
from collab.extensions import db

from .test_permissions import _client

R = "/regions/swf5"
DD = "Dorf-Dashboards (Digitale Ortsmitten)"


@pytest.fixture(autouse=True)
def empty_cache():
    reports.clear_cache()
    yield
    reports.clear_cache()


def _notes(app, login: str) -> list[tuple[str, str, bool]]:
    """The account's notifications: (kind, subject, read)."""
    with app.app_context():
        found = [(n.kind, n.subject, n.read_at is not None) for n in db.session.scalars(
            sa.select(Notification).join(User, User.id == Notification.user_id)
            .where(User.login == login).order_by(Notification.id))]
        db.session.remove()
    return found


def _request_id(app, solution_key: str) -> int:
    with app.app_context():
        found = db.session.scalar(sa.text(
            "select r.id from reuse_request r join solution s on s.id = r.solution_id "
            "where s.key = :k order by r.id desc"), {"k": solution_key})
        db.session.remove()
    return found


def _status(app, request_id: int) -> str:
    with app.app_context():
        found = db.session.get(ReuseRequest, request_id).status
        db.session.remove()
    return found


def _ask(as_user, login: str, key: str, message: str = "Für unsere Ortsteile"):
    base = f"{R}/solutions/{key}"
    return as_user(login).post(f"{base}/reuse", {"message": message},
                               csrf_from=f"{base}/reuse")


def test_the_coordinator_decides_when_no_account_speaks_for_the_owner(
        app, as_user, browser, other_coordinator):
    """Dorf-Dashboards belong to Bad Berleburg, which has no account: Soest's request goes
    to the coordinator (notification, /koordination, the solution page); the coordinator of
    another region, other members and anonymous users may not decide; the coordinator's
    approval tells Soest and marks the coordinator's notification read."""
    base = f"{R}/solutions/dorf-dashboards"
    asked = as_user("soest").get(f"{base}/reuse").get_data(as_text=True)
    assert "entscheidet die Koordination der Region" in asked
    made = as_user("soest").post(f"{base}/reuse", {"message": "Für unsere Ortsteile"},
                                 csrf_from=f"{base}/reuse", follow_redirects=True)
    assert "Ihre Anfrage wurde gestellt; die Koordination der Region entscheidet." in (
        made.get_data(as_text=True))
    rid = _request_id(app, "dorf-dashboards")
    assert ("request_new", f"Anfrage zur Nachnutzung von „{DD}“", False) in _notes(
        app, "koordination")
    assert not any("Nachnutzung" in s for _k, s, _r in _notes(app, "koord-th"))
    assert not any("Nachnutzung" in s for _k, s, _r in _notes(app, "olpe"))

    desk = as_user("koordination").get("/koordination").get_data(as_text=True)
    assert f"Anfrage zur Nachnutzung von „{DD}“" in desk
    assert f'{base}#nachnutzung-{rid}' in desk
    page = as_user("koordination").get(base).get_data(as_text=True)
    section = page[page.index('id="nachnutzung"'):]
    assert f'id="nachnutzung-{rid}"' in section and "Soest" in section
    assert f'action="{base}/reuse/{rid}"' in section  # the coordinator's buttons
    for login in ("olpe", "koord-th"):
        other = as_user(login).get(base).get_data(as_text=True)
        assert f'action="{base}/reuse/{rid}"' not in other
    soest_page = as_user("soest").get(base).get_data(as_text=True)
    assert f'id="nachnutzung-{rid}"' in soest_page  # its own request, without buttons
    assert f'action="{base}/reuse/{rid}"' not in soest_page

    decide = f"{base}/reuse/{rid}"
    for role, status in (("anonymous", 302), ("gast", 403), ("olpe", 403), ("soest", 403),
                         ("koord-th", 403)):
        client = _client(role, browser, as_user)
        response = client.post(decide, {"approve": "1"},
                               csrf_from="/login" if role == "anonymous" else base)
        assert response.status_code == status, (role, response.status_code)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
        assert _status(app, rid) == "pending", role
    koordination = as_user("koordination")
    assert koordination.client.post(decide, data={"approve": "1"}).status_code == 400  # CSRF
    done = koordination.post(decide, {"approve": "1"}, csrf_from=base)
    assert done.status_code == 302 and _status(app, rid) == "approved"
    assert ("request_new", f"Anfrage zur Nachnutzung von „{DD}“", True) in _notes(
        app, "koordination")
    assert ("request_decided", f"Angenommen: Nachnutzung von „{DD}“ durch Soest",
            False) in _notes(app, "soest")
    desk = as_user("koordination").get("/koordination").get_data(as_text=True)
    assert "Nachnutzung" not in desk  # nothing open any more
    home = as_user("soest").get("/kommune").get_data(as_text=True)
    mine = home[home.index('id="anfragen"'):home.index('id="initiativen"')]
    assert f"Nachnutzung von „{DD}“" in mine and "angenommen" in mine.lower()


def test_a_regional_owner_is_decided_by_the_coordinator_too(app, as_user, api):
    """A solution of a regional body (an actor without municipality): the coordinator."""
    assert api("gast").get(f"{R}/actors/swf-it").get_json()["municipality"] is None
    made = api("koordination").post(f"{R}/solutions", {
        "key": "region-app", "name": "Regions-App", "topic": "administration",
        "owner": "swf-it"})
    assert made.status_code == 201, made.get_json()
    assert _ask(as_user, "olpe", "region-app").status_code == 302
    assert ("request_new", "Anfrage zur Nachnutzung von „Regions-App“", False) in _notes(
        app, "koordination")
    assert "Regions-App" in as_user("koordination").get("/koordination").get_data(
        as_text=True)


@pytest.fixture
def olpe_app(api):
    """A solution of Olpe's digital unit (Olpe has a member account: olpe)."""
    made = api("olpe").post(f"{R}/solutions", {
        "key": "olpe-app", "name": "Olpe-App", "topic": "administration",
        "owner": "olpe-digital"})
    assert made.status_code == 201, made.get_json()
    return "olpe-app"


def test_the_owner_municipality_is_told_and_the_requester_learns_the_decision(
        app, as_user, olpe_app, other_coordinator):
    base = f"{R}/solutions/{olpe_app}"
    assert "Über Ihre Anfrage entscheidet Olpe" in as_user("soest").get(
        f"{base}/reuse").get_data(as_text=True)
    assert _ask(as_user, "soest", olpe_app, "Gern mit Ihrer Hilfe").status_code == 302
    rid = _request_id(app, olpe_app)
    assert ("request_new", "Anfrage zur Nachnutzung von „Olpe-App“", False) in _notes(
        app, "olpe")
    for login in ("koordination", "koord-th", "soest"):
        assert not any(k == "request_new" for k, _s, _r in _notes(app, login)), login
    with app.app_context():  # the mail waits in the outbox when Olpe chose "immediately"
        note = db.session.scalar(sa.select(Notification).join(
            User, User.id == Notification.user_id).where(User.login == "olpe",
                                                       Notification.kind == "request_new"))
        assert "Soest möchte „Olpe-App“ nachnutzen. Gern mit Ihrer Hilfe" in note.body
        assert note.url == f"{base}#nachnutzung-{rid}"
        db.session.remove()

    olpe_home = as_user("olpe").get("/kommune").get_data(as_text=True)
    block = olpe_home[olpe_home.index('id="anfragen"'):olpe_home.index('id="initiativen"')]
    assert "Anfragen zur Nachnutzung Ihrer Lösungen" in block
    assert f'{base}#nachnutzung-{rid}">Olpe-App</a>: Soest' in block
    soest_home = as_user("soest").get("/kommune").get_data(as_text=True)
    block = soest_home[soest_home.index('id="anfragen"'):soest_home.index('id="initiativen"')]
    assert "Nachnutzung von „Olpe-App“" in block and "offen" in block
    assert "Keine Anfragen." not in block
    desk = as_user("koordination").get("/koordination").get_data(as_text=True)
    assert "Olpe-App" not in desk  # Olpe decides, not the coordinator

    decide = f"{base}/reuse/{rid}"
    for login in ("koordination", "koord-th", "soest"):
        assert as_user(login).post(decide, {"approve": "0", "reason": "x"},
                                   csrf_from=base).status_code == 403, login
    assert as_user("olpe").post(decide, {"approve": "0", "reason": "Noch in Arbeit"},
                                csrf_from=base).status_code == 302
    assert _status(app, rid) == "declined"
    assert ("request_new", "Anfrage zur Nachnutzung von „Olpe-App“", True) in _notes(
        app, "olpe")
    assert ("request_decided", "Abgelehnt: Nachnutzung von „Olpe-App“ durch Soest",
            False) in _notes(app, "soest")
    soest_home = as_user("soest").get("/kommune").get_data(as_text=True)
    block = soest_home[soest_home.index('id="anfragen"'):soest_home.index('id="initiativen"')]
    assert re.search(r"Nachnutzung von „Olpe-App“</a>: <strong>abgelehnt</strong> – "
                     r"Noch in Arbeit", block)
    olpe_home = as_user("olpe").get("/kommune").get_data(as_text=True)
    assert "Anfragen zur Nachnutzung Ihrer Lösungen" not in olpe_home  # decided


def test_the_decision_reads_in_the_requesters_language(app, as_user, olpe_app):
    """The notification is kept as msgids: Soest reading in English reads it in English
    (once the lead has translated the msgids; until then the German text)."""
    assert _ask(as_user, "soest", olpe_app).status_code == 302
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(
            Notification.kind == "request_new"))
        assert note.message and note.message["subject"]["msgid"] == (
            "Anfrage zur Nachnutzung von „%(s)s“")
        db.session.remove()


def test_every_member_with_a_path_is_named(as_user, api):
    """LoRaWAN: more members reach a user than the table lists (ten): the others are named
    below it, none is left out silently."""
    entry = next(s for s in api("gast").get(f"{R}/analysis").get_json()["solutions"]
                 if s["key"] == "lorawan")
    listed = {p["to"] for p in entry["paths"]}
    left = [c for c in entry["candidates"]
            if c not in listed and c not in entry["unreachable"]]
    assert len(entry["paths"]) == 10 and left  # the premise: the table is full
    page = as_user("gast").get(f"{R}/solutions/lorawan").get_data(as_text=True)
    ways = page[page.index('id="wege"'):page.index('id="nachnutzung"')]
    assert f"Und {len(left)} weitere Mitglieder mit Weg, hier nicht ausgeführt:" in ways
    for name in ("Plettenberg", "Siegen", "Winterberg"):
        assert name in ways, name
    for key in entry["candidates"]:  # every candidate stands in the section, by name
        name = api("gast").get(f"{R}/municipalities/{key}").get_json()["name"]
        assert name in ways, key
