"""The bundle import writes many records with bulk statements (issue 14): an import that
changes records of every kind gives exactly its bundle back, counts each change as the
records differ, bumps the data version once, and a second import changes nothing."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from collab.bundles import services
from collab.bundles.services import export_bundle, import_bundle
from collab.core.models import Activity, Region, Snapshot
from collab.core.permissions import SYSTEM
from collab.extensions import db

SECTIONS = ("municipalities", "actors", "initiatives", "ties", "formats", "rules", "solutions")


def _region() -> Region:
    return db.session.scalar(sa.select(Region).filter_by(slug="swf5"))


def _canon(doc: dict) -> dict:
    """The bundle with each section keyed by record key and inner lists sorted (the order
    of keys is the database's collation, which differs between SQLite and PostgreSQL)."""
    found = {"region": doc["region"], "former_members": doc.get("former_members", [])}
    for section in SECTIONS:
        records = {}
        for record in doc.get(section, []):
            record = copy.deepcopy(record)
            for name, by in (("participants", "actor"), ("votes", "municipality"),
                             ("uses", "municipality")):
                if isinstance(record.get(name), list):
                    record[name] = sorted(record[name], key=lambda x, by=by: (
                        str(x.get(by)) if isinstance(x, dict) else x, str(x)))
            records[record["key"]] = record
        found[section] = records
    return found


def _changed_bundle(before: dict) -> dict:
    """``before`` with records of every kind created, changed and removed."""
    doc = copy.deepcopy(before)
    voters = {v["municipality"] for r in doc["rules"] for v in r["votes"]}
    users = {u[name] for s in doc["solutions"] for u in s["uses"]
             for name in ("municipality", "from") if u.get(name)}
    held = {r["actor"] for r in doc["rules"]} | {s["owner"] for s in doc["solutions"]} | {
        doc["region"].get("taktgeber")}
    # a member without votes and solutions leaves, with its actors (and their ties,
    # participations, formats)
    leaving = next(m["key"] for m in doc["municipalities"]
                   if m["key"] not in voters | users
                   and any(a["municipality"] == m["key"] for a in doc["actors"])
                   and not any(a["key"] in held for a in doc["actors"]
                               if a["municipality"] == m["key"]))
    gone = {a["key"] for a in doc["actors"] if a["municipality"] == leaving}
    doc["municipalities"] = [m for m in doc["municipalities"] if m["key"] != leaving]
    doc["actors"] = [a for a in doc["actors"] if a["key"] not in gone]
    doc["ties"] = [t for t in doc["ties"] if t["source"] not in gone and t["target"] not in gone]
    for i in doc["initiatives"]:
        i["participants"] = [p for p in i["participants"] if p["actor"] not in gone]
    for f in doc["formats"]:
        f["participants"] = [k for k in f["participants"] if k not in gone]
        if f["convenor"] in gone:
            f["convenor"] = None
    # a new member (with an actor), a changed fact, a changed membership
    first, second = doc["municipalities"][0], doc["municipalities"][1]
    doc["municipalities"].append({**copy.deepcopy(first), "key": "neustadt-am-test",
                                  "name": "Neustadt am Test", "ags": "05999999",
                                  "tier": "supporter"})
    first["population"] += 1
    second["tier"] = "pioneer" if second["tier"] != "pioneer" else "member"
    # actors: a new one with a contact, a changed name, changed topics
    actor = copy.deepcopy(doc["actors"][0])
    actor.update(key="neustadt-digital", name="Neustadt Digital",
                 municipality="neustadt-am-test", contact="digital@neustadt.example")
    doc["actors"].append(actor)
    doc["actors"][1]["name"] += " (neu)"
    doc["actors"][2]["topics"] = sorted(
        {*doc["actors"][2]["topics"], "mobility"} ^ {"energy_climate"})
    # initiatives: one removed (not built into a solution), one changed, participations
    # changed, removed and added, a new one
    built = {k for s in doc["solutions"] for k in s["initiatives"]} | {
        r["initiative"] for r in doc["rules"]}
    removed = next(i["key"] for i in doc["initiatives"] if i["key"] not in built)
    doc["initiatives"] = [i for i in doc["initiatives"] if i["key"] != removed]
    busy = [i for i in doc["initiatives"] if len(i["participants"]) >= 2]
    busy[0]["participants"][0]["role"] = (
        "observer" if busy[0]["participants"][0]["role"] != "observer" else "lead")
    del busy[1]["participants"][-1]
    busy[2]["participants"].append({"actor": "neustadt-digital", "role": "partner",
                                    "provenance": "self_reported", "source": "Umfrage"})
    doc["initiatives"][-1]["status"] = (
        "completed" if doc["initiatives"][-1]["status"] != "completed" else "running")
    doc["initiatives"].append({
        "key": "neue-initiative", "name": "Neue Initiative", "topic": "mobility",
        "status": "idea", "description": "", "start": None, "end": None, "scope": "joint",
        "funding": "", "participants": [
            {"actor": "neustadt-digital", "role": "lead", "provenance": "documented",
             "source": ""},
            {"actor": doc["actors"][0]["key"], "role": "partner", "provenance": "documented",
             "source": ""}]})
    # ties: a changed weight, one removed, a new one
    doc["ties"][0]["weight"] = 1 if doc["ties"][0]["weight"] != 1 else 5
    del doc["ties"][1]
    doc["ties"].append({"key": "neustadt-digital-swa-cooperation",
                        "source": "neustadt-digital", "target": doc["actors"][0]["key"],
                        "kind": "cooperation", "weight": 4, "description": "", "trust": None,
                        "value": None, "provenance": "documented", "reference": ""})
    # formats: participants changed, a convenor set, a new one
    doc["formats"][0]["participants"] = sorted(
        [*doc["formats"][0]["participants"][1:], "neustadt-digital"])
    doc["formats"][-1]["convenor"] = "neustadt-digital"
    doc["formats"].append({
        "key": "neustadt-runde", "name": "Neustadt-Runde", "kind": "working_group",
        "cadence": "monthly", "convenor": "neustadt-digital",
        "participants": sorted(["neustadt-digital", doc["actors"][0]["key"]]),
        "topic": None, "since": None, "until": None, "description": "",
        "provenance": "documented", "source": ""})
    # rules: a new one with recorded votes
    doc["rules"].append({
        "key": "neue-regel", "title": "Neue Regel", "text": "Aus dem Ratsbeschluss.",
        "status": "adopted", "kind": "general", "actor": None, "initiative": None,
        "tie_kind": None, "ballot": None, "votes": [
            {"municipality": m["key"], "vote": "yes", "reason": "",
             "reference": "Ratsbeschluss 1/2026", "recorded": True}
            for m in doc["municipalities"][:2]]})
    return doc


def _expected_changes(before: dict, after: dict) -> dict:
    """created/updated/deleted/unchanged per section, as the records differ."""
    old, new = _canon(before), _canon(after)
    found = {}
    for section in SECTIONS:
        a, b = old[section], new[section]
        found[section] = {
            "created": len(b.keys() - a.keys()), "deleted": len(a.keys() - b.keys()),
            "updated": sum(a[k] != b[k] for k in a.keys() & b.keys()),
            "unchanged": sum(a[k] == b[k] for k in a.keys() & b.keys())}
    return found


def test_an_import_changing_every_kind_gives_its_bundle_back(ctx):
    _import_every_kind()


def test_removals_in_small_pieces_and_long_key_lists_give_the_same(ctx, monkeypatch):
    """Removals go by id lists in pieces (SQLite's limit of parameters per statement); long
    lists of municipality keys read the whole table instead of an IN list."""
    pieces = services._chunks
    monkeypatch.setattr(services, "_chunks", lambda ids, size=2: pieces(ids, 2))
    monkeypatch.setattr(services, "_MANY", 0)
    _import_every_kind()


def _import_every_kind() -> None:
    before = export_bundle(_region(), contact=True)
    doc = _changed_bundle(before)
    version = _region().data_version
    summary = import_bundle(copy.deepcopy(doc), SYSTEM)
    assert summary["changed"]
    expected = _expected_changes(before, doc)
    for section in SECTIONS:
        assert summary["changes"][section] == expected[section], section
    assert expected["municipalities"]["deleted"] == 1
    assert expected["actors"]["deleted"] >= 1 and expected["initiatives"]["updated"] >= 3
    db.session.remove()

    after = export_bundle(_region(), contact=True)
    assert _canon(after) == _canon(doc)
    assert _region().data_version == version + 1
    entry = db.session.scalars(sa.select(Activity).order_by(Activity.id.desc())).first()
    assert entry.action == "bundle.import" and entry.before["records"]["actors"]
    assert db.session.scalar(sa.select(sa.func.count(Snapshot.id)).filter_by(
        region_id=_region().id, kind="import")) >= 1
    db.session.remove()

    again = import_bundle(copy.deepcopy(doc), SYSTEM)
    assert not again["changed"]
    assert all(c["created"] == c["updated"] == c["deleted"] == 0
               for c in again["changes"].values())
    db.session.remove()
    assert _region().data_version == version + 1
    assert _canon(export_bundle(_region(), contact=True)) == _canon(doc)


def test_a_large_import_refreshes_the_planner_statistics(ctx, monkeypatch):
    """After an import of many records the database's statistics of the network tables are
    fresh (ANALYZE), so its first queries are planned by the new sizes; a small import
    leaves them to autovacuum (PostgreSQL) or without (SQLite)."""
    from collab.core import store

    calls = []
    refresh = store.refresh_statistics
    monkeypatch.setattr(store, "refresh_statistics",
                        lambda tables: calls.append(tables) or refresh(tables))
    monkeypatch.setattr(store, "BULK_RECORDS", 10**9)
    before = export_bundle(_region(), contact=True)
    doc = copy.deepcopy(before)
    doc["actors"][0]["name"] += " (umbenannt)"
    import_bundle(doc, SYSTEM)
    assert calls == []  # one record: no refresh

    monkeypatch.setattr(store, "BULK_RECORDS", 2)
    doc["actors"][0]["name"] = before["actors"][0]["name"]
    doc["actors"][1]["name"] += " (umbenannt)"
    import_bundle(doc, SYSTEM)
    assert calls == [services.NETWORK_TABLES]
    if db.session.get_bind().dialect.name == "postgresql":
        analysed = db.session.execute(sa.text(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")).scalars()
        assert set(services.NETWORK_TABLES) <= set(analysed)
    else:
        analysed = db.session.execute(sa.text("SELECT tbl FROM sqlite_stat1")).scalars()
        assert set(services.NETWORK_TABLES) <= set(analysed)
