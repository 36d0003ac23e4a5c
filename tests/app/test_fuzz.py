"""Property-based fuzzing: every operation of the OpenAPI document, and bundle import, answer
hostile input with a 4xx, never a 5xx (on SQLite and on PostgreSQL).

The operations, their parameters and body fields come from the API's own OpenAPI document;
values are drawn from the fields' vocabularies and from a list of known troublemakers (wrong
types, lists for scalars, NaN, huge numbers, far-away times, NUL, lone surrogates, control
characters, deep nesting)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\x07\x1b", "\ufffe",
                "9999-12-31T23:59:59", "0001-01-01T00:00:00", "2030-01-01T12:00:00+14:00",
                "<script>alert(1)</script>", "yes", "no", "olpe", "soest", "swa", "agency",
                "x" * 5000, "ü" * 70, "NaN", "-1", "1e400", "100000000000000000000"]
HOSTILE_NUMBERS = [0, -1, 1, 10**20, -(10**20), 2**63, float("nan"), float("inf"), 1e308, 0.5]

scalars = st.one_of(
    st.none(), st.booleans(), st.sampled_from(HOSTILE_NUMBERS), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=20),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["yes", "key", "x"]), inner,
                                                 max_size=3)), max_leaves=6)

DEEP = "[" * 10_000 + "]" * 10_000


def _encode(value) -> str:
    """A query or path value percent-encoded as a client would send it (lone surrogates as
    their bytes)."""
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def _operations() -> list:
    """Every operation of the API's own OpenAPI document: method, path, parameters and the
    body's schema. Read once, when the module loads, so that Hypothesis draws from a fixed
    list (a strategy that depends on a fixture's state replays differently)."""
    from collab import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            body = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                    .get("schema"))
            if body and "$ref" in body:
                body = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
            found.append((method, path, shared + op.get("parameters", []), body or {}))
    return found


OPERATIONS = _operations()


PATH_VALUES = {"slug": ["swf5", "thueringen"], "key": ["olpe", "soest", "swa", "m01"],
               "rule_id": [1, 2, 3], "request_id": [1, 2]}


@st.composite
def requests(draw, operations):
    method, path, params, body_schema = draw(st.sampled_from(operations))
    url = path
    query = []
    for p in params:
        name = p["name"]
        if p["in"] == "path":
            value = draw(st.one_of(st.sampled_from(PATH_VALUES.get(name, ["x"])),
                                   st.sampled_from(HOSTILE_TEXT[:8] + ["100000000000000000000"])))
            url = url.replace("{" + name + "}", _encode(value) or "x")
        elif draw(st.booleans()):
            enum = (p.get("schema", {}).get("enum")
                    or p.get("schema", {}).get("items", {}).get("enum"))
            choices = st.sampled_from(enum) if enum else st.nothing()
            value = draw(st.one_of(choices, st.sampled_from(HOSTILE_TEXT),
                                   st.sampled_from(HOSTILE_NUMBERS)))
            query.append(f"{name}={_encode(value)}")
    if query:
        url += "?" + "&".join(query)
    data = None
    if method in ("post", "put", "patch"):
        names = list(body_schema.get("properties", {})) + ["vote", "municipality", "x"]
        kind = draw(st.integers(0, 9))
        if kind == 0:
            data = "DEEP"  # expanded when sent (keeps Hypothesis' report short)
        elif kind == 1:
            data = json.dumps(draw(values))
        else:
            enums = {n: s["enum"] for n, s in body_schema.get("properties", {}).items()
                     if "enum" in s}
            body = {}
            for name in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)):
                good = st.sampled_from(enums[name]) if name in enums else st.nothing()
                body[name] = draw(st.one_of(good, values))
            data = json.dumps(body)
    return method, "/api/v1" + url, data


def _no_5xx(api_client, request):
    method, url, body = request
    body = DEEP if body == "DEEP" else body
    response = getattr(api_client.client, method)(
        url, data=body, content_type="application/json", headers=api_client.headers)
    assert response.status_code < 500, (method, url, body and body[:300],
                                        response.get_data(as_text=True)[:500])
    if response.status_code >= 400 and url.startswith("/api/"):
        assert response.is_json and "error" in response.get_json()


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(request=requests(OPERATIONS))
def test_api_as_coordinator_never_answers_5xx(api, request):
    _no_5xx(_cached(api, "koordination"), request)


@FUZZ
@given(request=requests(OPERATIONS))
def test_api_as_member_never_answers_5xx(api, request):
    _no_5xx(_cached(api, "olpe"), request)


_clients: dict = {}


def _cached(api, login):
    """One token per account and test (creating one per example would be slow)."""
    key = (id(api), login)
    if key not in _clients:
        _clients.clear()
        _clients[key] = api(login)
    return _clients[key]


# --- bundles ----------------------------------------------------------------------------------

SECTIONS = ("municipalities", "actors", "initiatives", "ties", "rules")


@st.composite
def mangled_bundles(draw, seed):
    """The seed bundle with a few values replaced by hostile ones."""
    doc = json.loads(json.dumps(seed))
    sections = tuple(s for s in SECTIONS if seed.get(s)) + ("region",)
    for _ in range(draw(st.integers(1, 4))):
        # choices come from the unchanged seed, so replaying an example draws the same
        section = draw(st.sampled_from(sections))
        if section == "region":
            target, keys = doc["region"], sorted(seed["region"])
        else:
            index = draw(st.integers(0, len(seed[section]) - 1))
            target, keys = doc[section][index], sorted(seed[section][index])
        if section == "rules" and draw(st.booleans()):
            field = draw(st.sampled_from(["votes", "ballot", "status", "kind", "tie_kind"]))
            if field == "votes":
                target["votes"] = draw(st.lists(st.fixed_dictionaries(
                    {"municipality": st.one_of(st.sampled_from(["olpe", "soest"]), values),
                     "vote": st.one_of(st.sampled_from(["yes", "no"]), values)},
                    optional={"reason": values, "reference": values, "recorded": values}),
                    max_size=3))
                continue
            if field == "ballot":
                target["ballot"] = {"tally": draw(st.dictionaries(
                    st.sampled_from(["yes", "no", "abstain", "eligible", "voted", "quorum"]),
                    values, max_size=4)), "opened_at": draw(st.sampled_from(HOSTILE_TEXT))}
                continue
        else:
            field = draw(st.sampled_from(keys + ["x"]))
        target[field] = draw(values)
    return doc


SEED = json.loads((Path(__file__).resolve().parents[2] / "seeds" / "swf5.json").read_text())


@FUZZ
@given(doc=mangled_bundles(SEED))
def test_bundle_import_never_answers_5xx(api, doc):
    admin = _cached(api, "koordination")
    body = json.dumps(doc)
    response = admin.client.put("/api/v1/regions/swf5/bundle?dry_run=1", data=body,
                                content_type="application/json", headers=admin.headers)
    assert response.status_code < 500, (body[:300], response.get_data(as_text=True)[:500])
    if response.status_code == 422:
        for problem in response.get_json()["details"]:
            assert re.match(r"^\$", problem["field"]), problem


def test_cli_import_prints_messages_not_tracebacks(runner, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    path.write_text('{"format": "kommunalnetz-bundle", "version": 1, "region": '
                    '{"slug": "x\\u0000", "name": "\\ud800"}}')
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "$.region" in result.output
