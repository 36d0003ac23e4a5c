"""A survey answer's size and cost (security review): how many partners one answer may name
and create, what writing it costs, and what a writer kept waiting by another is told."""

from __future__ import annotations

from collab.core import records
from collab.core.models import Activity, Actor, Region
from collab.extensions import db

from .test_surveys import _open

ANSWER = "/regions/swf5/surveys/{}/responses/olpe"


def _new(n: int, name: str = "Partner") -> dict:
    return {"from": "olpe-digital", "new": {"name": f"{name} {n}", "type": "business"},
            "frequency": "yearly"}


def test_an_answer_never_reads_the_whole_region_once_per_record(app, api, monkeypatch):
    """1,000 new partners took eight minutes: each actor and tie the answer created read the
    whole region twice (to log what it replaced), and the region grew with every one. A
    new actor, a new tie and a rejected tie read that one record now; the log still holds
    what each added, and the answer's new actor can be undone as before."""
    survey = _open(api)
    read = []
    real = records.network_records

    def counted(region, **kwargs):
        read.append(kwargs.get("only"))
        return real(region, **kwargs)
    monkeypatch.setattr(records, "network_records", counted)
    answer = api("olpe").put(ANSWER.format(survey), {"partners": [
        _new(n) for n in range(12)] + [{"from": "olpe-digital", "actor": "menden-cdo",
                                        "frequency": "monthly"}]})
    assert answer.status_code == 200, answer.get_json()
    assert read and None not in read, "a nested change read the whole region"
    monkeypatch.setattr(records, "network_records", real)
    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug="swf5"))
        now = real(region, contact=True)
        actors = {a["key"]: a for a in now["actors"]}
        ties = {t["key"]: t for t in now["ties"]}
        created = db.session.scalars(db.select(Activity).where(
            Activity.action.in_(["actor.create", "tie.create"]))
            .order_by(Activity.id)).all()
        assert len(created) == 12 + 13
        for entry in created:
            section, current = (("actors", actors) if entry.action == "actor.create"
                                else ("ties", ties))
            assert entry.before == {"records": {section: {
                entry.target: [None, current[entry.target]]}}}, entry.action
