"""Pages as users meet them: login, overview, lists, forms, confirmation, offline."""

import io
import json
import re
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

#: every request of this module must not commit on GET
pytestmark = pytest.mark.usefixtures("no_commit_on_get")

R = "/regions/swf5"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_login_rejects_wrong_password_in_german(browser):
    token = browser.csrf("/login")
    response = browser.client.post("/login", data={"login": "olpe", "password": "x",
                                                   "csrf_token": token})
    assert response.status_code == 200 and "Login oder Passwort ist falsch" in text(response)


def test_login_returns_only_to_same_site_next(browser):
    token = browser.csrf("/login")
    for target, expected in (("/regions/swf5/actors", "/regions/swf5/actors"),
                             ("https://evil.example/", "/"), ("//evil.example/", "/"),
                             ("/\\evil.example", "/")):
        response = browser.client.post(f"/login?next={target}", data={
            "login": "gast", "password": "demo", "csrf_token": token})
        assert response.headers["Location"] == expected, target
        browser.client.post("/logout", data={"csrf_token": browser.csrf("/hilfe")})
        token = browser.csrf("/login")


def test_logout_needs_post(as_user):
    gast = as_user("gast")
    assert gast.get("/logout").status_code == 405
    assert gast.post("/logout").status_code == 302
    assert gast.get(R).status_code == 302


def test_coordinator_finds_pioneers_and_agency(as_user):
    page = text(as_user("koordination").get(R))
    for name in ("Arnsberg", "Bad Berleburg", "Menden", "Olpe", "Soest", "Südwestfalen Agentur"):
        assert name in page
    assert "Ebenen der Mitglieder" in page and "fehlt" in page


def test_lists_filter_search_and_paginate(as_user):
    gast = as_user("gast")
    page = text(gast.get(f"{R}/municipalities?tier=pioneer"))
    assert "Olpe" in page and "Attendorn" not in page
    page = text(gast.get(f"{R}/actors?q=agentur"))
    assert "Südwestfalen Agentur" in page and "Rat der Stadt Olpe" not in page
    page = text(gast.get(f"{R}/ties"))
    assert "Seite 1 von" in page and 'rel="next"' in page
    assert "Seite 2 von" in text(gast.get(f"{R}/ties?page=2"))


def test_member_edits_own_actor_through_the_form(as_user):
    olpe = as_user("olpe")
    form = text(olpe.get(f"{R}/actors/olpe-digital/edit"))
    assert 'name="csrf_token"' in form
    response = olpe.post(f"{R}/actors/olpe-digital/edit", {
        "name": "Smart-City-Team Olpe", "type": "staff_unit", "level": "coordinating",
        "sector": "public", "municipality": "olpe", "capacity_fte": "1,5",
        "topics": ["mobility", "data_platform"]})
    assert response.status_code == 302
    page = text(olpe.get(f"{R}/actors/olpe-digital"))
    assert "Smart-City-Team Olpe" in page and "Mobilität" in page


def test_form_shows_german_field_errors_and_keeps_data(as_user):
    coordinator = as_user("koordination")
    response = coordinator.post(f"{R}/municipalities/new", {
        "key": "neudorf", "name": "Neudorf", "kind": "gemeinde", "ags": "12345",
        "state": "NW", "population": "-1", "tier": "member"})
    page = text(response)
    assert response.status_code == 200
    assert "8 Ziffern" in page and "nicht kleiner als 0" in page
    assert "es wurde nichts gespeichert" in page
    assert coordinator.get(f"{R}/municipalities/neudorf").status_code == 404


def test_create_initiative_with_participants(as_user):
    olpe = as_user("olpe")
    response = olpe.post(f"{R}/initiatives/new", {
        "key": "olpe-baeume", "name": "Bodenfeuchte junger Bäume", "topic": "energy_climate",
        "status": "running", "participants-0-actor": "olpe-digital",
        "participants-0-role": "lead", "participants-1-actor": "",
        "participants-1-role": "partner"})
    assert response.status_code == 302, text(response)
    page = text(olpe.get(f"{R}/initiatives/olpe-baeume"))
    assert "Federführung" in page and "Smart" in page


def test_delete_asks_for_confirmation_and_names_what_goes(as_user):
    coordinator = as_user("koordination")
    page = text(coordinator.get(f"{R}/actors/swa/delete"))
    assert "löschen?" in page and "Verbindung" in page and "Beteiligung" in page
    assert coordinator.get(f"{R}/actors/swa").status_code == 200  # GET deleted nothing
    assert coordinator.post(f"{R}/actors/swa/delete").status_code == 302
    assert coordinator.get(f"{R}/actors/swa").status_code == 404


def test_pages_offer_only_the_actions_the_account_may_take(as_user):
    """A member edits its own municipality but does not see a delete button it may not use."""
    olpe = as_user("olpe").get("/regions/swf5/municipalities/olpe").get_data(as_text=True)
    assert "/municipalities/olpe/edit" in olpe
    assert "/municipalities/olpe/delete" not in olpe
    coordinator = as_user("koordination").get("/regions/swf5/municipalities/olpe")
    assert "/municipalities/olpe/delete" in coordinator.get_data(as_text=True)
    actor = as_user("olpe").get("/regions/swf5/actors/olpe-digital").get_data(as_text=True)
    assert "/actors/olpe-digital/delete" in actor


def test_coordinator_invites_a_member(as_user, app):
    """Issue 15: the invitation goes by mail with a link to set one's own password; the
    coordinator never sees one (tests/app/test_notifications.py checks the link's rules)."""
    coordinator = as_user("koordination")
    response = coordinator.post(f"{R}/accounts", {"login": "menden-digital", "role": "member",
                                                  "municipality": "menden",
                                                  "display_name": "Stadt Menden",
                                                  "email": "digital@menden.example",
                                                  "language": "de"}, follow_redirects=True)
    page = text(response)
    assert "digital@menden.example" in page and "Startpasswort" not in page
    import sqlalchemy as sa

    from collab.core.models import OutboxMail
    from collab.extensions import db
    from tests.conftest import Browser

    with app.app_context():
        mail = db.session.scalar(sa.select(OutboxMail).filter_by(kind="invitation"))
        # the link leads to BASE_URL, whatever host the request named
        link = re.search(re.escape(app.config["BASE_URL"]) + r"(/passwort/neu/\S+)",
                         mail.text_body).group(1)
        db.session.remove()
    setter = Browser(app.test_client())
    assert setter.post(link, {"new": "menden-2026-sicher", "repeat": "menden-2026-sicher"},
                       csrf_from=link).status_code == 302
    menden = Browser(app.test_client()).login("menden-digital", "menden-2026-sicher")
    assert menden.get(f"{R}/municipalities/menden/edit").status_code == 200
    assert menden.get(f"{R}/municipalities/olpe/edit").status_code == 403


def test_activity_log_records_who_did_what(as_user, api, seed_bundle):
    """The log names actions and import counts in words, not in codes."""
    api("olpe").patch(f"{R}/actors/olpe-digital", {"capacity_fte": 3})
    seed_bundle["actors"] = [a for a in seed_bundle["actors"] if a["key"] != "olpe-rat"]
    seed_bundle["ties"] = [t for t in seed_bundle["ties"]
                           if "olpe-rat" not in (t["source"], t["target"])]
    for rule in seed_bundle.get("rules", []):
        if rule.get("actor") == "olpe-rat":
            rule["actor"] = None
    assert api("koordination").put(f"{R}/bundle", seed_bundle).status_code == 200
    page = text(as_user("koordination").get(f"{R}/activity"))
    assert "Akteur geändert" in page and "olpe" in page
    assert "Bündel importiert" in page and "Akteure: 1 geändert, 1 entfernt" in page
    assert "actor.update" not in page and "+0" not in page


def test_numbers_follow_the_interface_language(as_user, api):
    """Detail pages write numbers the German way (decimal comma, thousands point) and the
    English way after switching the language."""
    api("koordination").patch(f"{R}/actors/olpe-digital", {"capacity_fte": 1.5})
    gast = as_user("gast")
    page = text(gast.get(f"{R}/municipalities/olpe"))
    assert "24.551" in page and "85,88" in page and "51,03° N, 7,85° O" in page
    assert "1,5" in text(gast.get(f"{R}/actors/olpe-digital"))
    gast.post("/lang/en", {"next": "/hilfe"})
    page = text(gast.get(f"{R}/municipalities/olpe"))
    assert "24,551" in page and "85.88" in page and "51.03° N" in page
    assert "1.5" in text(gast.get(f"{R}/actors/olpe-digital"))


def test_delete_confirmation_names_tie_kinds_in_words(as_user):
    page = text(as_user("koordination").get(f"{R}/actors/swa/delete"))
    assert "(Kooperation)" in page and "(cooperation)" not in page


def test_user_text_is_never_rendered_as_html(api, as_user):
    api("koordination").patch(f"{R}/actors/swa", {"name": "<script>alert(1)</script>"})
    page = text(as_user("gast").get(f"{R}/actors"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_page_loads_anything_from_another_host(as_user):
    gast = as_user("gast")
    for path in ("/", R, f"{R}/actors", f"{R}/actors/swa", f"{R}/initiatives/m01", "/hilfe"):
        page = text(gast.get(path))
        assert not re.search(r"""(src|href)=["']https?://""", page), path
    response = gast.get(R)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_english_interface_on_request(as_user):
    gast = as_user("gast")
    gast.post("/lang/en", {"next": "/hilfe"})
    assert 'lang="en"' in text(gast.get("/hilfe"))


# --- forms keep what they do not show as changed ------------------------------------------------


class _FormValues(HTMLParser):
    """The values a browser would send with the page's own POST form (the first one that
    posts back to the page itself)."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post" and not a.get("action") and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_values(page: str) -> MultiDict:
    parser = _FormValues()
    parser.feed(page)
    return MultiDict(parser.values)


@pytest.mark.parametrize("kind,key,login", [
    ("actors", "olpe-digital", "olpe"),
    ("actors", "swa", "koordination"),
    ("municipalities", "olpe", "olpe"),
    ("initiatives", "m01", "koordination"),
    ("ties", "olpe-bm-swa-cooperation", "olpe"),
])
def test_untouched_edit_form_changes_nothing(kind, key, login, as_user, api, app):
    """Saving an edit form as it opened keeps every field, the optional contact person
    included, and is not logged as a change."""
    coordinator = api("koordination")
    if kind == "actors":
        coordinator.patch(f"{R}/actors/{key}", {"contact": "digital@example.org",
                                                "capacity_fte": 1.5})
    before = coordinator.get(f"{R}/{kind}/{key}").get_json()
    full_before = coordinator.get(f"{R}/bundle?contact=1").get_json()
    user = as_user(login)
    page = text(user.get(f"{R}/{kind}/{key}/edit"))
    if kind == "actors":
        assert 'value="digital@example.org"' in page
    logged = _activity_count(app)
    response = user.client.post(f"{R}/{kind}/{key}/edit", data=form_values(page))
    assert response.status_code == 302, text(response)
    assert coordinator.get(f"{R}/{kind}/{key}").get_json() == before
    assert coordinator.get(f"{R}/bundle?contact=1").get_json() == full_before
    assert _activity_count(app) == logged


def _activity_count(app) -> int:
    import sqlalchemy as sa

    from collab.core.models import Activity
    from collab.extensions import db

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        db.session.remove()
    return count


def _options(page: str, name: str) -> list[str]:
    """The values a select offers, or those of a type-ahead input's <datalist>."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select is None:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        list_id = re.search(r'list="([^"]+)"', tag).group(1)
        select = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S)
    return re.findall(r'<option[^>]*value="([^"]*)"', select.group(1))


def test_actor_form_offers_a_member_only_its_own_municipality(as_user):
    """Olpe may file actors under Olpe only; the coordinator under every member and as a
    regional body."""
    assert _options(text(as_user("olpe").get(f"{R}/actors/new")), "municipality") == ["olpe"]
    coordinator = _options(text(as_user("koordination").get(f"{R}/actors/new")),
                           "municipality")
    assert coordinator[0] == "" and {"olpe", "soest", "arnsberg"} <= set(coordinator)
    assert len(coordinator) == 25


def test_forged_municipality_gets_a_german_field_error(as_user):
    """A member posting another municipality sees a field message, not a bare 403 page,
    and nothing is saved."""
    olpe = as_user("olpe")
    response = olpe.post(f"{R}/actors/new", {
        "key": "olpe-fremd", "name": "Fremd", "type": "department", "level": "operational",
        "sector": "public", "municipality": "soest"})
    assert response.status_code == 200
    assert "Für diese Kommune können Sie keine Akteure anlegen" in text(response)
    assert olpe.get(f"{R}/actors/olpe-fremd").status_code == 404
    response = olpe.post(f"{R}/actors/olpe-digital/edit", {
        "name": "Digitales Olpe", "type": "staff_unit", "level": "coordinating",
        "sector": "public", "municipality": ""})
    assert response.status_code == 200 and "has-error" in text(response)
    assert "Olpe" in text(olpe.get(f"{R}/actors/olpe-digital"))


def test_tie_form_starts_empty_and_keeps_members_to_their_own_ties(as_user):
    """Von and Zu start with „bitte wählen“; an empty submit names both missing fields; a
    member's own actors come first, and a tie between two other municipalities is refused
    with a field message."""
    olpe = as_user("olpe")
    page = text(olpe.get(f"{R}/ties/new"))
    source = re.search(r'<input[^>]*name="source"[^>]*>', page).group(0)
    assert 'value=""' in source and "Name oder Schlüssel eingeben" in source
    own = [v for v in _options(page, "source") if v.startswith("olpe-")]
    assert _options(page, "source")[:len(own)] == own  # its own actors first
    assert "Akteure Ihrer Kommune" in page
    response = olpe.post(f"{R}/ties/new", {"source": "", "target": "", "kind": "cooperation",
                                           "weight": "3"})
    page = text(response)
    assert "Von: Angabe fehlt" in page and "Zu: Angabe fehlt" in page
    assert "sich selbst" not in page
    response = olpe.post(f"{R}/ties/new", {"source": "swa", "target": "soest-innovation",
                                           "kind": "advice", "weight": "3"})
    assert response.status_code == 200
    assert "Mindestens ein Ende der Verbindung muss ein Akteur Ihrer Kommune sein" in text(
        response)
    assert olpe.get(f"{R}/ties/swa-soest-innovation-advice").status_code == 404


def test_member_proposes_initiatives_and_invites_other_municipalities(app, as_user):
    """A member's new initiative is led by one of its own actors; an actor of another
    municipality named in it is invited, as when the lead edits it (user pass: the new
    form offered only the member's own actors and refused another's with its key, pointing
    to an initiative page that did not exist yet). Its municipality is told and decides."""
    from collab.core.models import InitiativeJoinRequest, Notification, User
    from collab.extensions import db

    olpe = as_user("olpe")
    choices = _options(text(olpe.get(f"{R}/initiatives/new")), "participants-0-actor")
    # the type-ahead offers names, of every municipality
    assert "Smart-City-Projektleitung der Stadt Olpe" in choices
    assert "Abteilung Innovation und digitaler Wandel" in choices
    response = olpe.post(f"{R}/initiatives/new", {
        "key": "olpe-fremd", "name": "Fremd", "topic": "mobility", "status": "idea",
        "participants-0-actor": "soest-innovation", "participants-0-role": "lead"})
    assert response.status_code == 200 and "Federführung" in text(response)
    assert olpe.get(f"{R}/initiatives/olpe-fremd").status_code == 404
    response = olpe.post(f"{R}/initiatives/new", {
        "key": "olpe-mit-soest", "name": "Mit Soest", "topic": "mobility", "status": "idea",
        "participants-0-actor": "olpe-digital", "participants-0-role": "lead",
        "participants-1-actor": "soest-innovation", "participants-1-role": "partner"},
        follow_redirects=True)
    page = text(response)
    assert response.status_code == 200 and "Einladung an Soest gesendet" in page
    with app.app_context():
        invitation = db.session.scalar(db.select(InitiativeJoinRequest).where(
            InitiativeJoinRequest.invited_by_lead.is_(True)))
        assert (invitation.actor.key, invitation.role, invitation.status) == (
            "soest-innovation", "partner", "pending")
        assert [p.actor.key for p in invitation.initiative.participations] == ["olpe-digital"]
        told = db.session.scalar(db.select(Notification).join(User).where(
            User.login == "soest", Notification.kind == "request_new"))
        assert told is not None and "Mit Soest" in told.subject


# --- bundle import from the region page -----------------------------------------------------------


def _upload(client, doc_or_bytes):
    body = doc_or_bytes if isinstance(doc_or_bytes, bytes) else json.dumps(doc_or_bytes).encode()
    return client.post(f"{R}/bundle", {"bundle": (io.BytesIO(body), "swf5.json")},
                       content_type="multipart/form-data")


def test_import_shows_what_goes_and_waits_for_confirmation(as_user, seed_bundle):
    """Uploading only checks: the page lists the objects the import would remove, and the
    region changes only after „Jetzt importieren“."""
    coordinator = as_user("koordination")
    seed_bundle["actors"] = [a for a in seed_bundle["actors"] if a["key"] != "olpe-rat"]
    seed_bundle["ties"] = [t for t in seed_bundle["ties"]
                           if "olpe-rat" not in (t["source"], t["target"])]
    response = _upload(coordinator, seed_bundle)
    page = text(response)
    assert response.status_code == 200 and "Probelauf" in page
    assert "würden entfernt" in page and "Rat der Stadt Olpe" in page
    assert "Jetzt importieren" in page
    assert coordinator.get(f"{R}/actors/olpe-rat").status_code == 200  # nothing changed yet
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    response = coordinator.post(f"{R}/bundle/import", {"digest": digest})
    assert response.status_code == 200 and "angeglichen" in text(response)
    assert coordinator.get(f"{R}/actors/olpe-rat").status_code == 404
    # the confirmation is used up: posting it again changes nothing and says so
    response = coordinator.post(f"{R}/bundle/import", {"digest": digest})
    assert response.status_code == 302


def test_import_confirmation_needs_the_checked_file(as_user):
    """A made-up confirmation imports nothing."""
    coordinator = as_user("koordination")
    response = coordinator.post(f"{R}/bundle/import", {"digest": "0" * 64})
    assert response.status_code == 302
    assert "liegt nicht mehr vor" in text(coordinator.get(R))


def test_import_problems_in_german_with_singular_and_plural(as_user, seed_bundle):
    """Broken JSON is explained in German (line and column); one problem is „1 Problem“."""
    coordinator = as_user("koordination")
    page = text(_upload(coordinator, b'{"format": "kommunalnetz-bundle",,}'))
    assert "kein gültiges JSON (Zeile 1, Spalte" in page
    assert "1 Problem;" in page and "Expecting" not in page
    seed_bundle["actors"][0]["type"] = "boss"
    seed_bundle["actors"][1]["level"] = "boss"
    assert "2 Probleme;" in text(_upload(coordinator, seed_bundle))


def test_header_names_the_account_and_its_role_once(as_user):
    """„Gast (Lesezugriff)“ is not followed by the role again; other accounts show it; the
    name leads to the password page; the current section is marked."""
    page = text(as_user("gast").get(R))
    assert "Gast (Lesezugriff)" in page and "(Lesezugriff) (Lesezugriff)" not in page
    page = text(as_user("olpe").get(f"{R}/actors"))
    assert "Stadt Olpe (Mitglied)" in page and 'href="/konto/passwort"' in page
    assert f'href="{R}/actors" aria-current="page"' in page


def test_filtered_lists_page_with_query_names_that_equal_route_names(as_user):
    """A list filter whose name is also a route argument (``kind`` on the ties list) keeps
    paging: the pager link carries the filter and ``page`` in the query string."""
    gast = as_user("gast")
    response = gast.get(f"{R}/ties?kind=cooperation")
    assert response.status_code == 200
    links = re.findall(r'href="([^"]*)" rel="next"', text(response))
    assert links, "the filtered list should have more than one page"
    link = links[0].replace("&amp;", "&")
    assert link.startswith(f"{R}/ties?") and "kind=cooperation" in link and "page=2" in link
    second = gast.get(link)
    assert second.status_code == 200 and "Seite 2 von" in text(second)


def test_error_page_mentions_unsaved_changes_only_after_a_write(app):
    """The 500 page says a change was not saved only for a request that tried one."""
    from collab.core.errors import error_response

    with app.test_request_context("/regions/swf5", method="GET"):
        page = error_response(500)[0]
        assert "nicht gespeichert" not in page and "interner Fehler" in page
    with app.test_request_context("/regions/swf5", method="POST"):
        assert "nicht gespeichert" in error_response(500)[0]


@pytest.mark.parametrize("change,fragment", [
    ({"population": "-5"}, "nicht kleiner als 0"),
    ({"lat": "10", "lon": "100"}, "nicht kleiner als 47,2"),
    ({"area_km2": "-3"}, "nicht kleiner als 0"),
    ({"lat": "NaN"}, "muss eine Zahl sein"),
    ({"lat": ""}, "beide angeben"),
])
def test_edit_form_refuses_bad_values_and_saves_nothing(change, fragment, as_user, api):
    """Olpe's municipality form with a bad number shows the German field message, says
    nothing was saved, and leaves every field (the valid new name too) as it was."""
    before = api("koordination").get(f"{R}/municipalities/olpe").get_json()
    olpe = as_user("olpe")
    values = form_values(text(olpe.get(f"{R}/municipalities/olpe/edit")))
    values["name"] = "Olpe (geändert)"
    for name, value in change.items():
        values[name] = value
    response = olpe.client.post(f"{R}/municipalities/olpe/edit", data=values)
    page = text(response)
    assert response.status_code == 200 and fragment in page
    assert "es wurde nichts gespeichert" in page and "gespeichert." not in page.replace(
        "nichts gespeichert.", "")
    assert api("koordination").get(f"{R}/municipalities/olpe").get_json() == before


def _labels(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", label).strip()
            for label in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)]


def test_english_forms_show_english_labels_choices_and_numbers(as_user):
    """Form labels and choices follow the interface language chosen at request time (not
    the language at import time), and field messages write numbers the English way."""
    coordinator = as_user("koordination")
    coordinator.post("/lang/en", {"next": "/hilfe"})
    page = text(coordinator.get(f"{R}/actors/new"))
    labels = _labels(page)
    for label in ("Key", "Name", "Type", "Level", "Topics"):
        assert label in labels, labels
    assert "Schlüssel" not in labels and "Ebene" not in labels
    assert ">coordinating<" in page or "coordinating</option>" in page
    page = text(coordinator.get(f"{R}/municipalities/new"))
    labels = _labels(page)
    for label in ("Key", "Kind", "District", "Population", "Latitude"):
        assert label in labels, labels
    values = form_values(text(coordinator.get(f"{R}/municipalities/olpe/edit")))
    values["lat"], values["lon"] = "10", "100"
    page = text(coordinator.client.post(f"{R}/municipalities/olpe/edit", data=values))
    assert "must not be less than 47.2" in page and "47,2" not in page


def test_every_recorded_action_has_a_label_in_the_activity_log():
    """Each action code that a use case records through change() reads as words in the log."""
    import re

    from collab.activity.summaries import ACTIONS

    from ..conftest import ROOT

    recorded = set()
    for path in (ROOT / "collab").rglob("*.py"):
        recorded |= set(re.findall(r'change\([^"]*?"([a-z_]+\.[a-z_]+)"', path.read_text(),
                                   flags=re.S))
    assert recorded, "no recorded actions found"
    assert recorded - set(ACTIONS) == set()


def test_level_matrix_is_paginated_by_tier_and_name(as_user, monkeypatch):
    from collab.objects import pages as object_pages

    monkeypatch.setattr(object_pages, "MATRIX_PER_PAGE", 3)
    gast = as_user("gast")
    first, second = text(gast.get(R)), text(gast.get(f"{R}?page=2"))
    rows = [re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
            for page in (first, second)]
    assert len(rows[0]) == 3 and len(rows[1]) == 3 and not set(rows[0]) & set(rows[1])
    assert rows[0] == sorted(rows[0])  # the pioneers first, by name
    assert "Seite 1 von" in first and 'rel="next"' in first and "Seite 2 von" in second
    assert gast.get(f"{R}?page=99999").status_code == 200  # past the end: an empty page


def test_level_matrix_follows_its_content_and_the_language(as_user, api):
    """The matrix is rendered once per content, address and language
    (``objects.pages.level_matrix``): what it shows changes at once after an edit, and a page
    in one language never gets the other's table."""
    coordinator = api("koordination")
    olpe = coordinator.get("/regions/swf5/municipalities/olpe").get_json()
    user = as_user("koordination")
    matrix = re.compile(r'<table class="matrix phone-cards">.*?</table>', re.S)
    before = matrix.search(text(user.get(R)))[0]
    assert f">{olpe['name']}</a>" in before and "fehlt" in before

    assert coordinator.patch("/regions/swf5/municipalities/olpe",
                             {"name": "Olpe (Biggesee)"}).status_code == 200
    renamed = matrix.search(text(user.get(R)))[0]
    assert ">Olpe (Biggesee)</a>" in renamed and f">{olpe['name']}</a>" not in renamed

    user.post("/lang/en", {"next": R}, csrf_from=R)
    english = matrix.search(text(user.get(R)))[0]
    assert "fehlt" not in english and "missing" in english and "Municipality" in english
    user.post("/lang/de", {"next": R}, csrf_from=R)
    assert matrix.search(text(user.get(R)))[0] == renamed


def test_a_large_network_overview_shows_the_last_counts_while_recounting(as_user, api,
                                                                         monkeypatch):
    """A network of LARGE_MEMBERS members or more is counted (and its matrix page sorted)
    in the background after an edit while the last figures are shown; the new actor shows
    up seconds later. A smaller network's figures follow each edit at once (the other
    tests)."""
    import time

    from collab.objects import counts as object_counts

    monkeypatch.setattr(object_counts, "LARGE_MEMBERS", 1)
    monkeypatch.setattr(object_counts._counts, "interval", 0.0)
    object_counts._counts.clear()
    user = as_user("koordination")
    count = re.compile(r'<strong>(\d+)</strong> Akteure')
    before = int(count.search(text(user.get(R)))[1])
    assert api("koordination").post("/regions/swf5/actors", {
        "key": "neu-im-netz", "name": "Neu im Netz", "type": "agency",
        "level": "coordinating", "sector": "public", "municipality": None}).status_code == 201
    seen = [int(count.search(text(user.get(R)))[1])]
    assert seen[0] == before  # the last figures, at once
    for _ in range(100):
        if seen[-1] == before + 1:
            break
        time.sleep(0.05)
        seen.append(int(count.search(text(user.get(R)))[1]))
    assert seen[-1] == before + 1
    object_counts._counts.clear()


def test_the_help_page_explains_where_to_start_and_every_part(client, as_user):
    """A newcomer reads where a clerk and the coordination start, and what the survey, the
    spreadsheet import, undo and snapshots, formats and solutions, the map and the
    notifications do; the Taktgeber has its eight parts, pace included. An anonymous
    visitor finds the way to sign in in the header."""
    page = text(client.get("/hilfe"))
    for heading in ("Erste Schritte", "Für eine Mitgliedskommune", "Für die Koordination",
                    "Befragung", "Daten importieren und exportieren",
                    "Verlauf, Rückgängig und Stände", "Formate und Lösungen",
                    "Netzwerkansicht und Karte", "Benachrichtigungen",
                    "Woher eine Angabe stammt"):
        assert f">{heading}</" in page, heading
    assert "nach acht Teilen" in page and "Takt (regelmäßige Formate" in page
    assert "30 Tage lang rückgängig" in page
    assert 'href="/login?next=/hilfe"' in page
    assert 'href="/login' not in text(as_user("olpe").get("/hilfe"))
    assert "href=\"/login" not in text(client.get("/login"))
