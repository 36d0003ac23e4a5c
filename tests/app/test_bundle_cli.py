"""The network bundle and the command line, as an operator and other tools use them."""

import copy
import json
import re

import sqlalchemy as sa

from collab.core.models import Actor, Region
from collab.extensions import db


def test_export_import_export_is_identical(runner, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(args=["export", "swf5", "-o", str(first)]).exit_code == 0
    result = runner.invoke(args=["import", str(first)])
    assert result.exit_code == 0, result.output
    assert "0 neu, 0 geändert, 0 entfernt" in result.output
    assert runner.invoke(args=["export", "swf5", "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_import_is_idempotent_after_a_change(runner, tmp_path, seed_bundle):
    seed_bundle["actors"][0]["name"] = "Geänderter Name"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(seed_bundle))
    assert "1 geändert" in runner.invoke(args=["import", str(path)]).output
    assert "0 neu, 0 geändert, 0 entfernt" in runner.invoke(args=["import", str(path)]).output


def test_invalid_bundle_changes_nothing_and_lists_every_problem(runner, tmp_path, seed_bundle,
                                                                app):
    broken = copy.deepcopy(seed_bundle)
    broken["actors"][0]["name"] = "Soll nicht ankommen"
    broken["actors"][1]["level"] = "galaktisch"
    broken["municipalities"][0]["ags"] = "123"
    broken["ties"][0]["target"] = broken["ties"][0]["source"]
    broken["initiatives"][0]["participants"].append({"actor": "niemand", "role": "lead"})
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    for where in ("$.actors[1].level", "$.municipalities[0].ags", "$.ties[0].target",
                  "$.initiatives[0].participants["):
        assert where in result.output, result.output
    with app.app_context():
        names = db.session.scalars(sa.select(Actor.name)).all()
    assert "Soll nicht ankommen" not in names


def test_dry_run_reports_and_changes_nothing(runner, tmp_path, seed_bundle, app):
    seed_bundle["actors"] = [a for a in seed_bundle["actors"] if a["key"] != "beirat"]
    seed_bundle["ties"] = [t for t in seed_bundle["ties"] if "beirat" not in t["key"]]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(seed_bundle))
    result = runner.invoke(args=["import", str(path), "--dry-run"])
    assert result.exit_code == 0
    assert "Probelauf" in result.output and "1 entfernt" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Actor).filter_by(key="beirat")) is not None


def test_import_creates_a_new_region(runner, tmp_path, seed_bundle, app):
    seed_bundle["region"]["slug"] = "zweite"
    # municipalities are shared across regions: same keys and AGS are the same municipalities
    path = tmp_path / "b.json"
    path.write_text(json.dumps(seed_bundle))
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(Region).filter_by(slug="zweite")) is not None


def test_municipality_ags_under_another_key_is_refused(runner, tmp_path, seed_bundle):
    """Municipalities are shared across regions: one AGS, one key."""
    olpe = next(m for m in seed_bundle["municipalities"] if m["key"] == "olpe")
    doc = {"format": "kommunalnetz-bundle", "version": 1,
           "region": {"slug": "dritte", "name": "Dritte"},
           "municipalities": [dict(olpe, key="olpe-andere")]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "gehört auf der Plattform bereits zur Kommune" in result.output


def test_not_json_exits_1(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{nope")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1 and "kein gültiges JSON" in result.output


def test_api_bundle_roundtrip_and_problems(api, seed_bundle):
    coordinator = api("koordination")
    exported = coordinator.get("/regions/swf5/bundle").get_json()
    response = coordinator.put("/regions/swf5/bundle", exported)
    assert response.status_code == 200 and response.get_json()["changed"] is False
    exported["actors"][0]["type"] = "wizard"
    response = coordinator.put("/regions/swf5/bundle", exported)
    assert response.status_code == 422
    assert response.get_json()["details"][0]["field"] == "$.actors[0].type"
    other = dict(seed_bundle, region=dict(seed_bundle["region"], slug="andere"))
    assert coordinator.put("/regions/swf5/bundle", other).status_code == 422


def test_export_leaves_out_contacts_unless_asked(api):
    coordinator = api("koordination")
    coordinator.patch("/regions/swf5/actors/swa", {"contact": "info@example.org"})
    plain = coordinator.get("/regions/swf5/bundle").get_json()
    assert all("contact" not in a for a in plain["actors"])
    full = coordinator.get("/regions/swf5/bundle?contact=1").get_json()
    assert any(a.get("contact") == "info@example.org" for a in full["actors"])


def test_page_upload_dry_run_and_import(as_user, seed_bundle):
    import io

    coordinator = as_user("koordination")
    seed_bundle["actors"][0]["name"] = "Per Upload geändert"
    body = json.dumps(seed_bundle).encode()
    response = coordinator.post("/regions/swf5/bundle", {
        "bundle": (io.BytesIO(body), "swf5.json")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Probelauf" in page
    # the upload only checks; the import waits for the confirmation
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]+)"', page).group(1)
    response = coordinator.post("/regions/swf5/bundle/import", {"digest": digest})
    assert "angeglichen" in response.get_data(as_text=True)
    actor = seed_bundle["actors"][0]["key"]
    assert "Per Upload geändert" in coordinator.get(
        f"/regions/swf5/actors/{actor}").get_data(as_text=True)


def test_seed_is_idempotent(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "unverändert" in result.output


def test_create_user_and_token(runner, api):
    result = runner.invoke(args=["create-user", "menden", "--role", "member", "--region", "swf5",
                                 "--municipality", "menden", "--password", "geheim"])
    assert result.exit_code == 0, result.output
    menden = api("menden")
    assert menden.patch("/regions/swf5/municipalities/menden",
                        {"population": 52000}).status_code == 200
    assert menden.patch("/regions/swf5/municipalities/olpe",
                        {"population": 1}).status_code == 403


def test_create_user_problems(runner):
    result = runner.invoke(args=["create-user", "x", "--role", "member", "--password", "geheim"])
    assert result.exit_code == 1 and "Region" in result.output
    result = runner.invoke(args=["create-user", "olpe", "--role", "viewer", "--password", "xxxx"])
    assert result.exit_code == 1 and "bereits vergeben" in result.output


def test_init_db_migrates_an_empty_database(database_url, tmp_path):
    """`flask init-db` builds the schema from the migrations, idempotently."""
    from collab import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    else:
        engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = database_url
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) > 40
        # the migrations and the models agree
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        db.session.remove()  # give the session's connection back before the pool closes
        db.engine.dispose()
