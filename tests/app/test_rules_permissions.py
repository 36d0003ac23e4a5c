"""The Spielregeln permission matrix: every role × every page and endpoint → expected status.

``{draft}`` is a rule Olpe proposed (no ballot yet), ``{voting}`` one whose ballot is open;
``1`` is the first seeded Rahmenstrategie rule (adopted, imported without a proposer).
"""

import pytest

#: every request of this module must not commit on GET
pytestmark = pytest.mark.usefixtures("no_commit_on_get")

ROLES = ["anonymous", "gast", "olpe", "soest", "koordination"]
R = "/regions/swf5"
FUTURE = "2099-06-30T18:00"


def _expect(spec: str) -> dict[str, int]:
    """'anon gast olpe soest koord' statuses as one string, e.g. '302 200 200 200 200'."""
    return dict(zip(ROLES, (int(s) for s in spec.split()), strict=True))


def _refused_first(spec: str) -> list[tuple[str, int]]:
    """Roles expected to be refused come first: a role that succeeds changes the data."""
    done = (200, 201, 204)
    return sorted(_expect(spec).items(),
                  key=lambda rs: rs[1] in done or (rs[1] == 302 and rs[0] != "anonymous"))


@pytest.fixture
def rules(api):
    """A draft proposed by Olpe and a rule whose ballot the coordinator opened."""
    draft = api("olpe").post(f"{R}/rules", {"title": "Entwurf", "text": "Text"}).get_json()
    voting = api("olpe").post(f"{R}/rules", {"title": "Zur Abstimmung", "text": "Text"})
    voting_id = voting.get_json()["id"]
    opened = api("koordination").post(f"{R}/rules/{voting_id}/ballot", {"closes_at": FUTURE})
    assert opened.status_code == 200
    return {"draft": draft["id"], "voting": voting_id}


def _client(role, browser, as_user):
    return browser if role == "anonymous" else as_user(role)


PAGES = [
    # path, anonymous, gast (viewer), olpe (member), soest (member), koordination
    (f"{R}/rules", "302 200 200 200 200"),
    (f"{R}/rules/new", "302 403 200 200 200"),
    (f"{R}/rules/1", "302 200 200 200 200"),
    (f"{R}/rules/{{draft}}", "302 200 200 200 200"),
    (f"{R}/rules/{{voting}}", "302 200 200 200 200"),
    (f"{R}/rules/{{draft}}/edit", "302 403 200 403 403"),
    (f"{R}/rules/1/edit", "302 403 403 403 403"),
    (f"{R}/rules/{{draft}}/withdraw", "302 403 200 403 200"),
    (f"{R}/rules/{{voting}}/withdraw", "302 403 409 403 409"),
    (f"{R}/rules/1/withdraw", "302 403 403 403 409"),
    (f"{R}/rules/999", "302 404 404 404 404"),
    (f"{R}/charter", "302 200 200 200 200"),
    (f"{R}/join", "302 403 403 403 403"),
    (f"{R}/join-requests", "302 200 200 200 200"),
    (f"{R}/initiatives/m01/join", "302 403 200 200 403"),
    (f"{R}/initiatives/nope/join", "302 404 404 404 404"),
    ("/regions/nope/charter", "302 404 404 404 404"),
]


@pytest.mark.parametrize("path,spec", PAGES, ids=[p for p, _ in PAGES])
def test_page_matrix(path, spec, rules, browser, as_user):
    """Each role sees exactly the Spielregeln pages it may see; anonymous users log in."""
    path = path.format(**rules)
    for role, status in _expect(spec).items():
        response = _client(role, browser, as_user).get(path)
        assert response.status_code == status, (role, path, response.status_code)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]


POSTS = [
    # path, form data, anonymous, gast, olpe, soest, koordination (302 = done, redirected)
    (f"{R}/rules/new", {"title": "Neu", "text": "Text", "kind": "general"},
     "302 403 302 302 302"),
    (f"{R}/rules/{{draft}}/edit", {"title": "Entwurf", "text": "Neuer Text"},
     "302 403 302 403 403"),
    (f"{R}/rules/{{draft}}/comments", {"text": "Ein Beitrag"}, "302 403 302 302 302"),
    (f"{R}/rules/{{draft}}/withdraw", {}, "302 403 302 403 302"),
    (f"{R}/rules/{{voting}}/withdraw", {}, "302 403 409 403 409"),
    (f"{R}/rules/{{draft}}/ballot", {"closes_at": FUTURE, "confirm": "y"},
     "302 403 403 403 302"),
    (f"{R}/rules/{{voting}}/vote", {"vote": "yes", "confirm": "y"}, "302 403 302 302 403"),
    (f"{R}/rules/{{voting}}/proxy-vote",
     {"proxy-municipality": "menden", "proxy-vote": "yes", "proxy-reference": "Ratsbeschluss",
      "proxy-confirm": "y"},
     "302 403 403 403 302"),
    (f"{R}/join", {"tier": "member", "reference": "Absichtserklärung"},
     "302 403 403 403 403"),
    (f"{R}/join-requests/1/decide", {"approve": "1"}, "302 404 404 404 404"),
    (f"{R}/initiatives/olpe-2030/join",
     {"actor": "soest-innovation", "role": "partner"}, "302 403 403 302 403"),
]


@pytest.mark.parametrize("path,data,spec", POSTS, ids=[p for p, _d, _s in POSTS])
def test_post_matrix(path, data, spec, rules, as_user, browser):
    """State changes: only the right role changes anything (refused roles first)."""
    path = path.format(**rules)
    for role, status in _refused_first(spec):
        response = _client(role, browser, as_user).post(path, data)
        assert response.status_code == status, (role, path, response.status_code)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
        elif status == 302:
            break


API = [
    # method, path, body, no token, gast, olpe, soest, koordination
    ("get", "/rules", None, "401 200 200 200 200"),
    ("post", "/rules", {"title": "Neu", "text": "Text"}, "401 403 201 201 201"),
    ("get", "/rules/1", None, "401 200 200 200 200"),
    ("get", "/rules/999", None, "401 404 404 404 404"),
    ("patch", "/rules/{draft}", {"text": "Neu"}, "401 403 200 403 403"),
    ("post", "/rules/{draft}/comments", {"text": "Beitrag"}, "401 403 201 201 201"),
    ("post", "/rules/{voting}/withdraw", None, "401 403 409 403 409"),
    ("post", "/rules/{draft}/withdraw", None, "401 403 204 403 204"),
    ("post", "/rules/{draft}/ballot", {"closes_at": FUTURE}, "401 403 403 403 200"),
    # the coordinator may only record votes on a municipality's behalf: it must name one
    ("post", "/rules/{voting}/votes", {"vote": "yes"}, "401 403 201 201 422"),
    ("post", "/rules/{voting}/votes",
     {"vote": "yes", "municipality": "menden", "reference": "Ratsbeschluss"},
     "401 403 403 403 201"),
    ("get", "/charter", None, "401 200 200 200 200"),
    ("get", "/join-requests", None, "401 200 200 200 200"),
    ("post", "/join-requests", {"tier": "member", "reference": "x"}, "401 403 403 403 403"),
    ("post", "/join-requests/1/decision", {"approve": True}, "401 404 404 404 404"),
    ("get", "/initiatives/olpe-2030/join-requests", None, "401 200 200 200 200"),
    ("post", "/initiatives/olpe-2030/join-requests", {"actor": "soest-innovation"},
     "401 403 403 201 403"),
]


@pytest.mark.parametrize("method,path,body,spec", API,
                         ids=[f"{m} {p}" for m, p, _b, _s in API])
def test_api_matrix(method, path, body, spec, rules, api):
    path = f"{R}{path}".format(**rules)
    for role, status in _refused_first(spec):
        client = api(None if role == "anonymous" else role)
        response = getattr(client, method)(path, body)
        assert response.status_code == status, (role, method, path, response.get_json())
        if status in (201, 204) or (status == 200 and method != "get"):
            break


def test_page_post_without_csrf_token_is_refused(as_user, rules):
    olpe = as_user("olpe")
    response = olpe.client.post(f"{R}/rules/{rules['voting']}/vote", data={"vote": "yes"})
    assert response.status_code == 400


def test_an_account_whose_municipality_left_is_no_member_any_more(app, api, as_user):
    """Attacker pass: when a municipality leaves the region its accounts keep the region
    without a municipality, and they still proposed and commented rules there, in the name
    of no member. Once Olpe has left, its account reads like a viewer: it proposes nothing,
    comments nothing, and its home is the start page; Soest's account is unchanged."""
    assert api("koordination").delete("/regions/swf5/municipalities/olpe").status_code == 204
    olpe = api("olpe")
    assert olpe.post("/regions/swf5/rules", {"title": "Neu", "text": "Text"}
                     ).status_code == 403
    assert olpe.post("/regions/swf5/rules/1/comments", {"text": "Beitrag"}).status_code == 403
    assert olpe.get("/regions/swf5/rules").status_code == 200  # reading stays
    assert api("soest").post("/regions/swf5/rules", {"title": "Neu", "text": "Text"}
                             ).status_code == 201
    page = as_user("olpe")
    assert page.get("/kommune").status_code == 302
