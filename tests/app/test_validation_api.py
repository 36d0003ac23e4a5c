"""Bad input gets a clear German message naming the field, changes nothing, and the API
answers 422 with details (409 for conflicts)."""

import pytest

R = "/regions/swf5"


def details(response) -> dict[str, str]:
    body = response.get_json()
    return {d["field"]: d["message"] for d in body["details"]}


MUNICIPALITY = {"key": "neustadt", "name": "Neustadt", "kind": "gemeinde", "ags": "05966099",
                "state": "NW", "population": 3000, "lat": 51.0, "lon": 7.9, "tier": "member"}


@pytest.mark.parametrize("change,field,fragment", [
    ({"ags": "0596602"}, "ags", "8 Ziffern"),
    ({"ags": "09966099"}, "ags", "passen nicht zum Land NW"),
    ({"population": -5}, "population", "nicht kleiner als 0"),
    ({"population": "viele"}, "population", "ganze Zahl"),
    ({"lat": 60.0}, "lat", "nicht größer als 55,1"),
    ({"lon": 2.0}, "lon", "nicht kleiner als 5,8"),
    ({"lat": None}, "lat", "beide angeben"),
    ({"kind": "dorf"}, "kind", "unbekannter Wert"),
    ({"tier": "gold"}, "tier", "unbekannter Wert"),
    ({"key": "Neu Stadt"}, "key", "Kleinbuchstaben"),
    ({"name": ""}, "name", "Angabe fehlt"),
])
def test_municipality_rules(api, change, field, fragment):
    coordinator = api("koordination")
    response = coordinator.post(f"{R}/municipalities", {**MUNICIPALITY, **change})
    assert response.status_code == 422
    assert fragment in details(response)[field]
    assert coordinator.get(f"{R}/municipalities/neustadt").status_code == 404


def test_valid_municipality_is_created_and_listed(api):
    coordinator = api("koordination")
    response = coordinator.post(f"{R}/municipalities", MUNICIPALITY)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ags"] == "05966099"
    listed = coordinator.get(f"{R}/municipalities?q=neustadt").get_json()
    assert [m["key"] for m in listed["items"]] == ["neustadt"]


def test_key_shared_across_node_kinds_is_a_conflict(api):
    """Municipality, actor and initiative keys share one namespace per region."""
    coordinator = api("koordination")
    response = coordinator.post(f"{R}/actors", {"key": "olpe", "name": "X", "type": "other",
                                                "level": "operational"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "Konflikt mit bestehenden Daten."
    assert "bereits vergeben" in details(response)["key"]


def test_duplicate_ags_is_a_conflict(api):
    response = api("koordination").post(f"{R}/municipalities",
                                        {**MUNICIPALITY, "ags": "05966024"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "Konflikt mit bestehenden Daten."
    assert "Olpe" in details(response)["ags"]


def test_tie_never_links_an_actor_to_itself(api):
    response = api("koordination").post(f"{R}/ties", {"source": "swa", "target": "swa",
                                                      "kind": "cooperation"})
    assert response.status_code == 422
    assert "nicht mit sich selbst" in details(response)["target"]


def test_tie_weight_range(api):
    response = api("koordination").post(f"{R}/ties", {"source": "swa", "target": "olpe-rat",
                                                      "weight": 9})
    assert response.status_code == 422
    assert "nicht größer als 5" in details(response)["weight"]


def test_participation_must_reference_an_actor_of_the_region(api):
    response = api("koordination").post(f"{R}/initiatives", {
        "key": "x1", "name": "X", "topic": "mobility",
        "participants": [{"actor": "gibts-nicht", "role": "lead"}]})
    assert response.status_code == 422
    assert "gibt es in dieser Region nicht" in details(response)["participants[0].actor"]


def test_member_cannot_move_its_actor_to_another_municipality(api):
    response = api("olpe").patch(f"{R}/actors/olpe-digital", {"municipality": "soest"})
    assert response.status_code == 403


def test_keys_cannot_be_changed(api):
    response = api("koordination").patch(f"{R}/actors/swa", {"key": "agentur"})
    assert response.status_code == 422
    assert "key" in details(response)


def test_patch_changes_only_given_fields(api):
    olpe = api("olpe")
    before = olpe.get(f"{R}/actors/olpe-digital").get_json()
    after = olpe.patch(f"{R}/actors/olpe-digital", {"capacity_fte": "2,5"}).get_json()
    assert after["capacity_fte"] == 2.5
    assert {k: v for k, v in after.items() if k != "capacity_fte"} == {
        k: v for k, v in before.items() if k != "capacity_fte"}


def test_body_must_be_a_json_object(api):
    response = api("koordination").post(f"{R}/actors", ["nope"])
    assert response.status_code == 422


def test_delete_actor_removes_its_ties_and_participations(api):
    coordinator = api("koordination")
    assert coordinator.delete(f"{R}/actors/olpe-digital").status_code == 204
    ties = coordinator.get(f"{R}/ties?q=olpe-digital&per_page=500").get_json()["items"]
    assert not [t for t in ties if "olpe-digital" in (t["source"], t["target"])]
    m01 = coordinator.get(f"{R}/initiatives/m01").get_json()
    assert "olpe-digital" not in [p["actor"] for p in m01["participants"]]


def test_revoked_token_answers_401(api, runner):
    olpe = api("olpe")
    assert olpe.get("/regions").status_code == 200
    assert runner.invoke(args=["revoke-tokens", "olpe"]).exit_code == 0
    assert olpe.get("/regions").status_code == 401


def test_session_cookie_does_not_authenticate_the_api(as_user):
    """The API is CSRF-exempt, so a browser session must not be enough to use it."""
    olpe = as_user("olpe")
    response = olpe.client.patch(f"/api/v1{R}/actors/olpe-digital", json={"name": "x"})
    assert response.status_code == 401


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/regions/{slug}/actors/{key}" in doc["paths"]
    assert "patch" in doc["paths"]["/regions/{slug}/actors/{key}"]
    assert "ags" in doc["components"]["schemas"]["municipality"]["properties"]


@pytest.mark.parametrize("query,field", [
    ("limit=abc", "limit"),
    ("page=abc", "page"),
    ("page=0", "page"),
    ("page=-3", "page"),
    ("per_page=abc", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=5000", "per_page"),
    ("level=boss", "level"),
])
def test_list_parameters_are_checked(api, query, field):
    """A list request with a malformed or unknown parameter answers 422 naming it."""
    response = api("gast").get(f"{R}/actors?{query}")
    assert response.status_code == 422, response.get_json()
    assert field in details(response)


def test_list_pages_follow_page_and_per_page(api):
    """Valid paging parameters select the page asked for."""
    gast = api("gast")
    first = gast.get(f"{R}/actors?per_page=2&page=1").get_json()
    second = gast.get(f"{R}/actors?per_page=2&page=2").get_json()
    assert first["per_page"] == 2 and second["page"] == 2 and len(second["items"]) == 2
    assert first["items"] != second["items"]


def _log_state(app):
    import sqlalchemy as sa

    from collab.core.models import Activity, Region
    from collab.extensions import db

    with app.app_context():
        state = (db.session.scalar(sa.select(sa.func.count()).select_from(Activity)),
                 db.session.scalar(sa.select(Region.data_version).filter_by(slug="swf5")))
        db.session.remove()
    return state


@pytest.mark.parametrize("kind,key,body", [
    ("actors", "olpe-digital", {}),
    ("municipalities", "olpe", {}),
    ("initiatives", "m01", {}),
    ("ties", "olpe-bm-swa-cooperation", {}),
    ("ties", "olpe-bm-swa-cooperation", {"weight": "SAME"}),
])
def test_patch_that_changes_nothing_is_not_recorded(api, app, kind, key, body):
    """An empty PATCH (or one repeating the current values) answers 200 with the object,
    records no activity and leaves the data version (the analysis cache key) alone."""
    coordinator = api("koordination")
    current = coordinator.get(f"{R}/{kind}/{key}").get_json()
    body = {name: current[name] for name in body}
    before = _log_state(app)
    response = coordinator.patch(f"{R}/{kind}/{key}", body)
    assert response.status_code == 200 and response.get_json() == current
    assert _log_state(app) == before
    coordinator.patch(f"{R}/{kind}/{key}", {"description": "geändert"})
    after = _log_state(app)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1


@pytest.mark.parametrize("kind,key,body,field,fragment", [
    ("municipalities", "olpe", {"population": -5, "name": "Olpe neu"}, "population",
     "nicht kleiner als 0"),
    ("municipalities", "olpe", {"lat": 10, "lon": 100}, "lat", "nicht kleiner als 47,2"),
    ("municipalities", "olpe", {"area_km2": -3, "description": "neu"}, "area_km2",
     "nicht kleiner als 0"),
    ("municipalities", "olpe", {"lat": "NaN"}, "lat", "muss eine Zahl sein"),
    ("municipalities", "olpe", {"lon": "inf"}, "lon", "muss eine Zahl sein"),
    ("municipalities", "olpe", {"lat": None}, "lat", "beide angeben"),
    ("municipalities", "olpe", {"lat": ""}, "lat", "beide angeben"),
    ("actors", "olpe-digital", {"capacity_fte": "nan", "name": "Neu"}, "capacity_fte",
     "muss eine Zahl sein"),
    ("actors", "olpe-digital", {"capacity_fte": "-Infinity"}, "capacity_fte",
     "muss eine Zahl sein"),
    ("actors", "olpe-digital", {"level": "boss", "name": "Neu"}, "level", "unbekannter Wert"),
    ("initiatives", "m01", {"start": "gestern", "name": "Neu"}, "start", "JJJJ-MM-TT"),
    ("ties", "olpe-bm-swa-cooperation", {"weight": "nan", "description": "neu"}, "weight",
     "ganze Zahl"),
    ("ties", "olpe-bm-swa-cooperation", {"weight": 9, "description": "neu"}, "weight",
     "nicht größer als 5"),
])
def test_patch_with_a_bad_value_changes_nothing(api, kind, key, body, field, fragment):
    """An update is checked by the same rules as a create: a bad (or non-finite) value
    answers 422 naming the field, and the other fields of the request are not saved."""
    coordinator = api("koordination")
    before = coordinator.get(f"{R}/{kind}/{key}").get_json()
    response = coordinator.patch(f"{R}/{kind}/{key}", body)
    assert response.status_code == 422, response.get_json()
    assert fragment in details(response)[field]
    assert coordinator.get(f"{R}/{kind}/{key}").get_json() == before


@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-inf", "Infinity", float("nan")])
def test_non_finite_numbers_are_refused_on_create(value):
    """Not-a-number and infinities are not numbers for any field."""
    from collab.core.validation import clean

    data, problems = clean("actor", {"key": "x", "name": "X", "type": "other",
                                     "level": "operational", "capacity_fte": value})
    assert [p.field for p in problems] == ["capacity_fte"]
    data, problems = clean("municipality", {**MUNICIPALITY, "lat": value})
    assert "lat" in [p.field for p in problems]


@pytest.mark.parametrize("query,message", [
    ("page=0", "page: darf nicht kleiner als 1 sein."),
    ("page=100000000000000000000", "page: darf nicht größer als 1.000.000 sein."),
    ("page=1.5", "page: muss eine ganze Zahl sein."),
    ("page=inf", "page: muss eine ganze Zahl sein."),
    ("page=NaN", "page: muss eine ganze Zahl sein."),
    ("per_page=-Infinity", "per_page: muss eine ganze Zahl sein."),
    ("per_page=0", "per_page: darf nicht kleiner als 1 sein."),
    ("per_page=5000", "per_page: darf nicht größer als 1.000 sein."),
])
def test_list_parameter_messages_read_well(api, query, message):
    """Paging bounds are stated in plain German, without an infinity sign."""
    response = api("gast").get(f"{R}/ties?{query}")
    assert response.status_code == 422
    assert details(response)[query.split("=")[0]] == message


def test_openapi_declares_list_parameters_and_page_schema(client):
    """Each list operation names its query parameters (search, its filters with their values,
    paging) and the shape of its 200 answer."""
    doc = client.get("/api/v1/openapi.json").get_json()
    for plural, filters in (("municipalities", {"tier", "kind"}), ("actors", {
            "type", "level", "sector", "municipality"}), ("initiatives", {"topic", "status"}),
            ("ties", {"kind"})):
        get = doc["paths"][f"/regions/{{slug}}/{plural}"]["get"]
        names = {p["name"] for p in get["parameters"] if p["in"] == "query"}
        assert filters | {"q", "page", "per_page"} <= names, (plural, names)
        schema = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert {"items", "page", "pages", "per_page", "total"} <= set(schema["required"])
    ties = doc["paths"]["/regions/{slug}/ties"]["get"]["parameters"]
    kind = next(p for p in ties if p["name"] == "kind")
    assert "cooperation" in kind["schema"]["enum"]
