"""Issue 11.5: a region's export restores into an EMPTY database (a backup), also when a
former member's vote is in it; and, as a property, after any sequence of allowed edits,
export → import into an empty database → export is identical."""

from __future__ import annotations

import copy
import shutil
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collab import create_app
from collab.extensions import db

from ..conftest import FAST, Api
from .test_ownership import _with_draft_and_vote
from .test_rules import voting_keys

R = "/regions/swf5"
PASSWORD = "ein-langes-passwort"


#: the empty platform (schema and an admin account with a token), built once and copied
_EMPTY: dict = {}


def _empty_platform(path) -> tuple:
    """A second app on a fresh SQLite file with nothing but an admin account."""
    if not _EMPTY:
        template = path.with_name(f"empty-template-{uuid.uuid4().hex}.sqlite")
        app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
        with app.app_context():
            db.create_all()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["create-user", "root", "--role", "admin",
                                     "--password", PASSWORD])
        assert result.exit_code == 0, result.output
        token = runner.invoke(args=["create-token", "root"]).output.strip().splitlines()[-1]
        _dispose(app)
        _EMPTY.update(path=template, token=token)
    shutil.copy(_EMPTY["path"], path)
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        assert db.session.scalar(sa.text("select count(*) from region")) == 0
        db.session.remove()
    return app, Api(app.test_client(), _EMPTY["token"])


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _restore(doc: dict, tmp_path) -> dict:
    """Import ``doc`` into an empty platform as admin; return that platform's export."""
    app, admin = _empty_platform(tmp_path / f"empty-{uuid.uuid4().hex}.sqlite")
    try:
        response = admin.put(f"{R}/bundle", doc)
        assert response.status_code == 201, response.get_json()
        return admin.get(f"{R}/bundle").get_json()
    finally:
        _dispose(app)


def test_a_former_members_vote_restores_into_an_empty_database(api, tmp_path):
    coordinator, _rule_id = _with_draft_and_vote(api)  # olpe voted
    assert coordinator.delete(f"{R}/municipalities/olpe").status_code == 204
    doc = coordinator.get(f"{R}/bundle").get_json()
    assert [m["key"] for m in doc["former_members"]] == ["olpe"]
    assert "tier" not in doc["former_members"][0] and doc["former_members"][0]["ags"]
    assert "olpe" not in {m["key"] for m in doc["municipalities"]}
    assert _restore(doc, tmp_path) == doc
    # and into the platform it came from, unchanged
    again = coordinator.put(f"{R}/bundle", doc)
    assert again.status_code == 200 and again.get_json()["changed"] is False


def test_former_members_are_validated_like_municipalities(api, tmp_path):
    coordinator, _rule_id = _with_draft_and_vote(api)
    assert coordinator.delete(f"{R}/municipalities/olpe").status_code == 204
    doc = coordinator.get(f"{R}/bundle").get_json()
    broken = copy.deepcopy(doc)
    broken["former_members"][0]["ags"] = "99"
    response = coordinator.put(f"{R}/bundle?dry_run=1", broken)
    assert response.status_code == 422
    assert "$.former_members[0].ags" in {d["field"] for d in response.get_json()["details"]}
    member = copy.deepcopy(doc)
    member["former_members"].append({**doc["former_members"][0],
                                     **{k: v for k, v in doc["municipalities"][0].items()
                                        if k in ("key", "ags")}})
    response = coordinator.put(f"{R}/bundle?dry_run=1", member)
    assert response.status_code == 422
    assert "$.former_members[1].key" in {d["field"] for d in response.get_json()["details"]}
    # without its former members, the export does not restore into an empty platform
    missing = copy.deepcopy(doc)
    del missing["former_members"]
    app, admin = _empty_platform(tmp_path / "empty.sqlite")
    try:
        response = admin.put(f"{R}/bundle", missing)
        assert response.status_code == 422
        assert any(".votes[" in d["field"] for d in response.get_json()["details"])
    finally:
        _dispose(app)


def test_a_former_member_brings_no_unrecorded_vote_into_a_held_region(api):
    """The integrity rule holds: a new rule with a former member's own vote is refused
    outside an admin's restore into a platform without the region."""
    coordinator, _rule_id = _with_draft_and_vote(api)
    assert coordinator.delete(f"{R}/municipalities/olpe").status_code == 204
    doc = coordinator.get(f"{R}/bundle").get_json()
    rule = copy.deepcopy(next(r for r in doc["rules"]
                              if any(v["municipality"] == "olpe" and not v["recorded"]
                                     for v in r["votes"])))
    rule.update(key="erfunden", title="Erfunden", status="adopted", ballot=None)
    doc["rules"].append(rule)
    response = coordinator.put(f"{R}/bundle", doc)
    assert response.status_code == 422
    assert any(d["field"].startswith(f"$.rules[{len(doc['rules']) - 1}].votes")
               for d in response.get_json()["details"])


NEWCOMER = {"key": "p-neu", "name": "Gemeinde Neu", "kind": "gemeinde", "ags": "05970999",
            "state": "NW", "population": 5000, "tier": "member", "since": "2026-01-01",
            "lat": 51.1, "lon": 8.1}


def _running_ballot_with_changed_members(api, seed_bundle) -> tuple[Api, list[str]]:
    """A ballot opened for the 19 voting members; Olpe votes, then Olpe and Menden (which has
    not voted) leave and a new member joins. Returns the coordinator and the electorate."""
    coordinator, _rule_id = _with_draft_and_vote(api)  # olpe voted
    for key in ("olpe", "menden"):
        assert coordinator.delete(f"{R}/municipalities/{key}").status_code == 204, key
    assert coordinator.post(f"{R}/municipalities", NEWCOMER).status_code == 201
    return coordinator, voting_keys(seed_bundle)


def _electorate(doc: dict) -> list[str]:
    return next(r for r in doc["rules"] if r["status"] == "voting")["ballot"]["electorate"]


def test_a_running_ballot_restores_with_its_electorate(api, seed_bundle, tmp_path):
    """Export → import into an empty platform keeps who may vote: the 19 municipalities of
    the opening, Menden (left without voting) and Olpe (voted, left) as former members, not
    the municipality that joined while the ballot ran."""
    coordinator, electorate = _running_ballot_with_changed_members(api, seed_bundle)
    doc = coordinator.get(f"{R}/bundle").get_json()
    assert _electorate(doc) == electorate and len(electorate) == 19
    assert "p-neu" not in electorate
    assert [m["key"] for m in doc["former_members"]] == ["menden", "olpe"]
    app, admin = _empty_platform(tmp_path / "empty.sqlite")
    try:
        assert admin.put(f"{R}/bundle", doc).status_code == 201
        assert admin.get(f"{R}/bundle").get_json() == doc
        rule_id = admin.get(f"{R}/rules?status=voting").get_json()["items"][0]["id"]
        restored = admin.get(f"{R}/rules/{rule_id}").get_json()
        assert restored["electorate"] == electorate
        assert restored["tally"]["eligible"] == 19 and restored["tally"]["voted"] == 1
    finally:
        _dispose(app)
    # and into the platform it came from, unchanged
    again = coordinator.put(f"{R}/bundle", doc)
    assert again.status_code == 200 and again.get_json()["changed"] is False


def test_a_bundle_without_the_electorate_restores_as_before(api, seed_bundle, tmp_path):
    """A bundle written before the field existed (or with null): the new ballot gets the
    region's voting members after the import, as import always guessed."""
    coordinator, electorate = _running_ballot_with_changed_members(api, seed_bundle)
    doc = coordinator.get(f"{R}/bundle").get_json()
    for value in ("missing", None):
        old = copy.deepcopy(doc)
        ballot = next(r for r in old["rules"] if r["status"] == "voting")["ballot"]
        if value == "missing":
            del ballot["electorate"]
        else:
            ballot["electorate"] = None
        restored = _restore(old, tmp_path)
        assert _electorate(restored) == sorted(
            {*electorate, "p-neu"} - {"olpe", "menden"}), value
    assert coordinator.put(f"{R}/bundle", old).get_json()["changed"] is False


def test_an_electorate_naming_no_municipality_of_the_bundle_is_refused(api, tmp_path):
    """A clear German message at the key's JSON path; nothing is imported."""
    coordinator, _rule_id = _with_draft_and_vote(api)
    doc = coordinator.get(f"{R}/bundle").get_json()
    n = next(i for i, r in enumerate(doc["rules"]) if r["status"] == "voting")
    broken = copy.deepcopy(doc)
    broken["rules"][n]["ballot"]["electorate"][0] = "atlantis"
    app, admin = _empty_platform(tmp_path / "empty.sqlite")
    try:
        response = admin.put(f"{R}/bundle", broken)
        assert response.status_code == 422
        details = {d["field"]: d["message"] for d in response.get_json()["details"]}
        assert details[f"$.rules[{n}].ballot.electorate[0]"] == (
            "Stimmberechtigte Kommunen: „atlantis“ ist keine Kommune des Bündels (weder unter "
            "municipalities noch unter former_members).")
        assert admin.get(f"{R}/bundle").status_code == 404
        # a vote from outside the electorate, a repeated key, a draft with an electorate
        outside = copy.deepcopy(doc)
        outside["rules"][n]["ballot"]["electorate"].remove("olpe")
        twice = copy.deepcopy(doc)
        twice["rules"][n]["ballot"]["electorate"].append("soest")
        draft = copy.deepcopy(doc)
        draft["rules"][n].update(status="draft", votes=[])
        for bundle, field, text in (
                (outside, f"$.rules[{n}].votes[0].municipality", "„olpe“ gehört nicht zu den "
                 "Stimmberechtigten dieser Abstimmung"),
                (twice, f"$.rules[{n}].ballot.electorate[19]", "„soest“ steht mehrfach"),
                (draft, f"$.rules[{n}].ballot.electorate", "Ein Entwurf hat noch keine")):
            response = admin.put(f"{R}/bundle", bundle)
            assert response.status_code == 422, field
            details = {d["field"]: d["message"] for d in response.get_json()["details"]}
            assert text in details.get(field, ""), (field, details)
    finally:
        _dispose(app)


# --- the property: any sequence of allowed edits, then export → restore → export ------------

ACTORS = ["p-a0", "p-a1", "p-a2", "swa", "olpe-digital", "soest-rat"]
MUNIS = ["p-m0", "p-m1", "wenden", "attendorn"]
INITIATIVES = ["p-i0", "p-i1", "m15"]
TIES = ["p-t0", "p-t1", "p-t2"]
FORMATS = ["p-f0", "p-f1"]
LEVELS = ["strategic", "coordinating", "operational"]
TOPICS = ["administration", "data_platform", "mobility"]

OPERATIONS = st.one_of(
    st.tuples(st.just("add_actor"), st.sampled_from(ACTORS[:3]), st.sampled_from(LEVELS),
              st.sampled_from(["olpe", "p-m0", None])),
    st.tuples(st.just("update_actor"), st.sampled_from(ACTORS), st.sampled_from(LEVELS),
              st.integers(0, 3)),
    st.tuples(st.just("delete_actor"), st.sampled_from(ACTORS)),
    st.tuples(st.just("add_tie"), st.sampled_from(TIES), st.sampled_from(ACTORS),
              st.sampled_from(ACTORS)),
    st.tuples(st.just("delete_tie"), st.sampled_from(TIES)),
    st.tuples(st.just("add_initiative"), st.sampled_from(INITIATIVES[:2]),
              st.sampled_from(TOPICS), st.lists(st.sampled_from(ACTORS), max_size=3,
                                                unique=True)),
    st.tuples(st.just("update_initiative"), st.sampled_from(INITIATIVES),
              st.sampled_from(["idea", "running", "completed"])),
    st.tuples(st.just("delete_initiative"), st.sampled_from(INITIATIVES)),
    st.tuples(st.just("add_municipality"), st.sampled_from(MUNIS[:2]),
              st.sampled_from(["member", "supporter"])),
    st.tuples(st.just("update_municipality"), st.sampled_from(MUNIS),
              st.integers(1000, 90000)),
    st.tuples(st.just("delete_municipality"), st.sampled_from(MUNIS)),
    st.tuples(st.just("add_format"), st.sampled_from(FORMATS), st.sampled_from(ACTORS),
              st.lists(st.sampled_from(ACTORS), max_size=3, unique=True)),
    st.tuples(st.just("delete_format"), st.sampled_from(FORMATS)),
    st.tuples(st.just("vote_and_leave"), st.sampled_from(["olpe", "soest"])),
)


def _run(op: tuple, coordinator: Api, member) -> None:
    """One edit through the API as the coordinator; an edit the data does not allow at this
    point (a key gone or taken) is answered with a 4xx and changes nothing."""
    name, *args = op
    calls = []
    if name == "add_actor":
        key, level, muni = args
        calls.append(coordinator.post(f"{R}/actors", {
            "key": key, "name": f"Akteur {key}", "type": "department", "level": level,
            "municipality": muni, "topics": ["mobility"], "capacity_fte": 1.5}))
    elif name == "update_actor":
        key, level, n = args
        calls.append(coordinator.patch(f"{R}/actors/{key}", {
            "level": level, "name": f"Geändert {n}", "capacity_fte": n}))
    elif name == "delete_actor":
        calls.append(coordinator.delete(f"{R}/actors/{args[0]}"))
    elif name == "add_tie":
        key, source, target = args
        calls.append(coordinator.post(f"{R}/ties", {
            "key": key, "source": source, "target": target, "kind": "cooperation",
            "weight": 4, "trust": 3}))
    elif name == "delete_tie":
        calls.append(coordinator.delete(f"{R}/ties/{args[0]}"))
    elif name == "add_initiative":
        key, topic, actors = args
        calls.append(coordinator.post(f"{R}/initiatives", {
            "key": key, "name": f"Initiative {key}", "topic": topic, "start": "2025-01-01",
            "participants": [{"actor": a, "role": "partner"} for a in actors]}))
    elif name == "update_initiative":
        key, status = args
        calls.append(coordinator.patch(f"{R}/initiatives/{key}", {"status": status}))
    elif name == "delete_initiative":
        calls.append(coordinator.delete(f"{R}/initiatives/{args[0]}"))
    elif name == "add_municipality":
        key, tier = args
        number = MUNIS.index(key)
        calls.append(coordinator.post(f"{R}/municipalities", {
            "key": key, "name": f"Gemeinde {key}", "kind": "gemeinde",
            "ags": f"0597099{number}", "state": "NW", "population": 5000 + number,
            "tier": tier, "since": "2024-05-01", "lat": 51.1, "lon": 8.1}))
    elif name == "update_municipality":
        key, population = args
        calls.append(coordinator.patch(f"{R}/municipalities/{key}",
                                       {"population": population}))
    elif name == "delete_municipality":
        calls.append(coordinator.delete(f"{R}/municipalities/{args[0]}"))
    elif name == "add_format":
        key, convenor, participants = args
        calls.append(coordinator.post(f"{R}/formats", {
            "key": key, "name": f"Format {key}", "kind": "jour_fixe", "cadence": "weekly",
            "convenor": convenor, "participants": participants}))
    elif name == "delete_format":
        calls.append(coordinator.delete(f"{R}/formats/{args[0]}"))
    elif name == "vote_and_leave":
        voter = member(args[0])
        proposed = voter.post(f"{R}/rules", {"title": f"Regel von {args[0]}", "text": "T"})
        calls.append(proposed)
        if proposed.status_code == 201:
            rule_id = proposed.get_json()["id"]
            calls.append(coordinator.post(f"{R}/rules/{rule_id}/ballot",
                                          {"closes_at": "2099-12-31"}))
            calls.append(voter.post(f"{R}/rules/{rule_id}/votes", {"vote": "yes"}))
            calls.append(coordinator.delete(f"{R}/municipalities/{args[0]}"))
    for response in calls:
        assert response.status_code < 500, (op, response.get_json())


@example(operations=[("vote_and_leave", "olpe"), ("add_municipality", "p-m0", "member"),
                     ("add_actor", "p-a0", "strategic", "p-m0"),
                     ("add_tie", "p-t0", "p-a0", "swa"),
                     ("add_initiative", "p-i0", "mobility", ["p-a0", "swa"]),
                     ("add_format", "p-f0", "swa", ["p-a0"]), ("delete_actor", "soest-rat"),
                     ("update_municipality", "wenden", 9999)])
@example(operations=[("vote_and_leave", "soest"), ("delete_municipality", "wenden"),
                     ("add_municipality", "p-m1", "member")])
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_any_allowed_edits_export_restore_export_is_identical(operations, sqlite_template,
                                                             tmp_path_factory):
    """On SQLite files (the fixed cases above run on both databases)."""
    folder = tmp_path_factory.mktemp("property")
    source = folder / "source.sqlite"
    shutil.copy(sqlite_template, source)
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}"})
    runner = app.test_cli_runner()

    def member(login: str) -> Api:
        token = runner.invoke(args=["create-token", login]).output.strip().splitlines()[-1]
        return Api(app.test_client(), token)

    tokens: dict[str, Api] = {}

    def member_once(login: str) -> Api:
        if login not in tokens:
            tokens[login] = member(login)
        return tokens[login]

    try:
        coordinator = member_once("koordination")
        for op in operations:
            _run(op, coordinator, member_once)
        exported = coordinator.get(f"{R}/bundle")
        assert exported.status_code == 200
        doc = exported.get_json()
    finally:
        _dispose(app)
    assert _restore(doc, folder) == doc
