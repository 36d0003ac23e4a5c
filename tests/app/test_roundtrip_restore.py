"""Issue 11.5: a region's export restores into an EMPTY database (a backup), also when a
former member's vote is in it; and, as a property, after any sequence of allowed edits,
export → import into an empty database → export is identical."""

from __future__ import annotations

import copy
import shutil
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collab import create_app
from collab.extensions import db

from ..conftest import FAST, Api
from .test_ownership import _with_draft_and_vote

R = "/regions/swf5"
PASSWORD = "ein-langes-passwort"


def _empty_platform(path) -> tuple:
    """A second app on a fresh SQLite file with nothing but an admin account."""
    app = create_app({**FAST, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "root", "--role", "admin",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["create-token", "root"]).output.strip().splitlines()[-1]
    return app, Api(app.test_client(), token)


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
