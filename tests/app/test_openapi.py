"""The OpenAPI document is a valid OpenAPI 3.1 document, and its field rules (lengths,
bounds, integer-ness, vocabularies) are those of the one field table the API applies."""

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from collab.core.validation import FIELDS


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)


#: each body schema and the table entity its properties come from
SCHEMAS = {"municipality": "municipality", "actor": "actor", "initiative": "initiative",
           "participant": "participant", "tie": "tie", "format": "format",
           "solution": "solution", "solution_use": "solution_use", "rule_proposal": "rule",
           "vote": "vote", "join_request": "join", "decision": "decision",
           "initiative_join_request": "initiative_join", "survey_open": "survey"}


def _rules(parse) -> dict:
    found = {}
    if hasattr(parse, "max_length"):
        found["maxLength"] = parse.max_length
    if hasattr(parse, "bounds"):
        minimum, maximum, integer = parse.bounds
        if minimum is not None:
            found["minimum"] = minimum
        if maximum is not None:
            found["maximum"] = maximum
        found["integer"] = integer
    if hasattr(parse, "choices"):
        found["enum"] = set(parse.choices)
    return found


def _types(spec: dict) -> set:
    kind = spec.get("type", [])
    return set([kind] if isinstance(kind, str) else kind)


@pytest.mark.parametrize("schema,entity", SCHEMAS.items())
def test_every_field_takes_its_rules_from_the_table(doc, schema, entity):
    props = doc["components"]["schemas"][schema]["properties"]
    for f in FIELDS[entity]:
        spec, rules = props[f.name], _rules(f.parse)
        where = f"{schema}.{f.name}"
        if "maxLength" in rules:
            assert spec.get("maxLength") == rules["maxLength"], where
        if "minimum" in rules:
            assert spec.get("minimum") == rules["minimum"], where
        if "maximum" in rules:
            assert spec.get("maximum") == rules["maximum"], where
        if "integer" in rules:
            assert ("integer" if rules["integer"] else "number") in _types(spec), where
            assert not ({"integer", "number"} - {"integer" if rules["integer"]
                                                  else "number"}) & _types(spec), where
        if "enum" in rules:
            assert set(spec["enum"]) - {None} == rules["enum"], where
    required = {f.name for f in FIELDS[entity] if f.required}
    assert required <= set(doc["components"]["schemas"][schema].get("required", [])), schema


def test_a_changed_table_changes_the_document(client, monkeypatch):
    """The document reads the table each time: no hand-written copy of a maximum."""
    from collab.core import validation

    tie = {f.name: f for f in FIELDS["tie"]}
    actor = {f.name: f for f in FIELDS["actor"]}
    doc = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert doc["tie"]["properties"]["weight"]["maximum"] == tie["weight"].parse.bounds[1] == 5
    assert doc["tie"]["properties"]["weight"]["type"] == "integer"
    assert doc["actor"]["properties"]["name"]["maxLength"] == actor["name"].parse.max_length
    assert doc["municipality"]["properties"]["population"]["maximum"] == 5_000_000
    assert "number" in doc["actor"]["properties"]["capacity_fte"]["type"]

    changed = [validation.Field(f.name, f.label, validation.number(1, 7, integer=True),
                                default=3) if f.name == "weight" else
               validation.Field(f.name, f.label, validation.text(99)) if f.name == "description"
               else f for f in FIELDS["tie"]]
    monkeypatch.setitem(FIELDS, "tie", changed)
    doc = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert doc["tie"]["properties"]["weight"]["maximum"] == 7
    assert doc["tie"]["properties"]["description"]["maxLength"] == 99


def test_the_api_reads_as_a_page(client, doc):
    """User pass: the help page linked only the raw JSON document, whose summaries said
    "Create a actor". /hilfe/api lists every call of the document, grouped, with what it
    does, its query parameters and answers; the help page links it; no page loads anything
    but this site's files."""
    assert "Create an actor" in str(doc) and "Create a actor" not in str(doc)
    assert "Delete an initiative" in str(doc)
    page = client.get("/hilfe/api")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    calls = sum(len([m for m in item if m in ("get", "post", "put", "patch", "delete")])
                for item in doc["paths"].values())
    assert html.count("<tr><td class=\"title\"><code>") == calls
    assert "<code>POST /api/v1/regions/{slug}/actors</code>" in html
    assert "Create an actor" in html and 'href="#api-actors"' in html
    assert 'href="/hilfe/api"' in client.get("/hilfe").get_data(as_text=True)
