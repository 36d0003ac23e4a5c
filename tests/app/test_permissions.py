"""The permission matrix: every role × every protected page and endpoint → expected status."""

import pytest

#: every request of this module must not commit on GET
pytestmark = pytest.mark.usefixtures("no_commit_on_get")

ROLES = ["anonymous", "gast", "olpe", "soest", "koordination"]
R = "/regions/swf5"


def _expect(spec: str) -> dict[str, int]:
    """'anon gast olpe soest koord' statuses as one string, e.g. '302 200 200 200 200'."""
    return dict(zip(ROLES, (int(s) for s in spec.split()), strict=True))


PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    ("/", "302 200 302 302 302"),  # accounts of one region land on its overview
    (R, "302 200 200 200 200"),
    (f"{R}/municipalities", "302 200 200 200 200"),
    (f"{R}/municipalities/olpe", "302 200 200 200 200"),
    (f"{R}/municipalities/new", "302 403 403 403 200"),
    (f"{R}/municipalities/olpe/edit", "302 403 200 403 200"),
    (f"{R}/municipalities/olpe/delete", "302 403 403 403 200"),
    (f"{R}/actors", "302 200 200 200 200"),
    (f"{R}/actors/new", "302 403 200 200 200"),
    (f"{R}/actors/olpe-digital", "302 200 200 200 200"),
    (f"{R}/actors/olpe-digital/edit", "302 403 200 403 200"),
    (f"{R}/actors/soest-innovation/edit", "302 403 403 200 200"),
    (f"{R}/actors/swa/edit", "302 403 403 403 200"),
    (f"{R}/actors/olpe-digital/delete", "302 403 200 403 200"),
    (f"{R}/initiatives", "302 200 200 200 200"),
    (f"{R}/initiatives/new", "302 403 200 200 200"),
    (f"{R}/initiatives/olpe-2030/edit", "302 403 200 403 200"),
    (f"{R}/initiatives/soest-app/edit", "302 403 403 200 200"),
    (f"{R}/initiatives/m01/edit", "302 403 403 403 200"),
    (f"{R}/ties", "302 200 200 200 200"),
    (f"{R}/ties/new", "302 403 200 200 200"),
    (f"{R}/ties/olpe-bm-swa-cooperation/edit", "302 403 200 403 200"),
    (f"{R}/ties/olpe-bm-swa-cooperation/delete", "302 403 200 403 200"),
    (f"{R}/bundle.json", "302 200 200 200 200"),
    (f"{R}/accounts", "302 403 403 403 200"),
    (f"{R}/activity", "302 403 200 200 200"),  # members: their own entries (to undo)
    (f"{R}/accounts/olpe/deactivate", "302 403 403 403 200"),
    (f"{R}/accounts/koordination/deactivate", "302 403 403 403 403"),  # never one's own
    (f"{R}/accounts/nobody/deactivate", "302 404 404 404 404"),
    ("/konto/passwort", "302 200 200 200 200"),
    (f"{R}/actors/nope", "302 404 404 404 404"),
    ("/regions/nope", "302 404 404 404 404"),
]


def _client(role, browser, as_user):
    return browser if role == "anonymous" else as_user(role)


@pytest.mark.parametrize("path,spec", PAGES, ids=[p for p, _ in PAGES])
def test_page_matrix(path, spec, browser, as_user):
    """Each role sees exactly the pages it may see; anonymous users are sent to /login."""
    for role, status in _expect(spec).items():
        response = _client(role, browser, as_user).get(path)
        assert response.status_code == status, (role, path, response.status_code)
        if status == 302 and role == "anonymous":
            assert "/login" in response.headers["Location"]


POSTS = [
    # path, form data, anonymous, gast, olpe, soest, koordination (302 = done and redirected)
    (f"{R}/actors/olpe-digital/delete", {}, "302 403 302 403 302"),
    (f"{R}/actors/soest-innovation/delete", {}, "302 403 403 302 302"),
    (f"{R}/ties/olpe-bm-swa-cooperation/delete", {}, "302 403 302 403 302"),
    (f"{R}/municipalities/olpe/delete", {}, "302 403 403 403 302"),
    (f"{R}/initiatives/olpe-2030/delete", {}, "302 403 302 403 302"),
    (f"{R}/actors/olpe-digital/edit", {"name": "Digitales Olpe", "type": "staff_unit",
                                       "level": "coordinating", "sector": "public",
                                       "municipality": "olpe"}, "302 403 302 403 302"),
    (f"{R}/accounts/olpe/deactivate", {}, "302 403 403 403 302"),
    (f"{R}/accounts/soest/activate", {}, "302 403 403 403 302"),
    (f"{R}/bundle/import", {"digest": "0" * 64}, "302 403 403 403 302"),
    ("/konto/passwort", {"current": "demo", "new": "neues-passwort", "repeat": "neues-passwort"},
     "302 302 302 302 302"),
]


@pytest.mark.parametrize("path,data,spec", POSTS, ids=[p for p, _d, _s in POSTS])
def test_post_matrix(path, data, spec, app, as_user, browser):
    """State changes: only the right role changes anything (each role on fresh data)."""
    for role, status in _expect(spec).items():
        client = _client(role, browser, as_user)
        response = client.post(path, data, csrf_from="/hilfe")
        assert response.status_code == status, (role, path, response.status_code)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
        elif status == 302:
            break  # the object is gone or changed; later roles would meet other data


def test_post_without_csrf_token_is_refused(as_user):
    olpe = as_user("olpe")
    response = olpe.client.post(f"{R}/actors/olpe-digital/delete", data={})
    assert response.status_code == 400
    assert olpe.get(f"{R}/actors/olpe-digital").status_code == 200


API = [
    # method, path, body, no token, gast, olpe, soest, koordination
    ("get", "/regions", None, "401 200 200 200 200"),
    ("get", "/regions/swf5/actors", None, "401 200 200 200 200"),
    ("get", "/regions/swf5/actors/olpe-digital", None, "401 200 200 200 200"),
    ("get", "/regions/swf5/bundle", None, "401 200 200 200 200"),
    ("patch", "/regions/swf5/actors/olpe-digital", {"capacity_fte": 2.5},
     "401 403 200 403 200"),
    ("patch", "/regions/swf5/actors/soest-innovation", {"capacity_fte": 2.5},
     "401 403 403 200 200"),
    ("patch", "/regions/swf5/municipalities/olpe", {"population": 24600},
     "401 403 200 403 200"),
    ("patch", "/regions/swf5/municipalities/olpe", {"tier": "supporter"},
     "401 403 422 403 200"),  # the tier is the coordinator's: a field message (11.7)
    ("post", "/regions/swf5/municipalities",
     {"key": "wenden-test", "name": "Test", "kind": "gemeinde", "ags": "05966099",
      "state": "NW", "population": 100}, "401 403 403 403 201"),
    ("post", "/regions/swf5/actors",
     {"key": "olpe-lotsen", "name": "Digitallotsen Olpe", "type": "digital_pilot",
      "level": "operational", "municipality": "olpe"}, "401 403 201 403 201"),
    ("post", "/regions/swf5/actors",
     {"key": "regio-test", "name": "Regionale Stelle", "type": "agency",
      "level": "coordinating", "municipality": None}, "401 403 403 403 201"),
    ("post", "/regions/swf5/initiatives",
     {"key": "olpe-neu", "name": "Neue Idee", "topic": "mobility",
      "participants": [{"actor": "olpe-digital", "role": "lead"}]}, "401 403 201 403 201"),
    ("post", "/regions/swf5/ties",
     {"source": "olpe-digital", "target": "soest-innovation", "kind": "knowledge_transfer"},
     "401 403 201 201 201"),
    ("post", "/regions/swf5/ties",
     {"source": "swa", "target": "soest-innovation", "kind": "advice"},
     "401 403 403 201 201"),
    ("delete", "/regions/swf5/ties/olpe-bm-swa-cooperation", None, "401 403 204 403 204"),
    ("delete", "/regions/swf5/actors/soest-innovation", None, "401 403 403 204 204"),
    ("put", "/regions/swf5/bundle", "SEED", "401 403 403 403 200"),
    ("get", "/regions/nope/actors", None, "401 404 404 404 404"),
]


@pytest.mark.parametrize("method,path,body,spec", API, ids=[f"{m} {p}" for m, p, _b, _s in API])
def test_api_matrix(method, path, body, spec, api, seed_bundle):
    for role, status in _expect(spec).items():
        client = api(None if role == "anonymous" else role)
        payload = seed_bundle if body == "SEED" else body
        response = getattr(client, method)(path, payload)
        assert response.status_code == status, (role, method, path, response.get_json())
        if status in (201, 204) or (status == 200 and method != "get"):
            break  # changed: the next role would meet other data
