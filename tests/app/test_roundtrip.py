"""Issue 11.5: every export can be imported again (a backup can be restored)."""

import copy

from .test_ownership import _with_draft_and_vote

R = "/regions/swf5"


def test_export_after_deleting_a_voted_municipality_imports_again(api):
    coordinator, _rule_id = _with_draft_and_vote(api)  # olpe voted
    assert coordinator.delete(f"{R}/municipalities/olpe").status_code == 204
    doc = coordinator.get(f"{R}/bundle").get_json()
    response = coordinator.put(f"{R}/bundle", doc)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] is False


def test_export_after_deleting_the_designated_taktgeber_imports_again(api):
    coordinator = api("koordination")
    doc = coordinator.get(f"{R}/bundle").get_json()
    doc["region"]["taktgeber"] = "swa"
    assert coordinator.put(f"{R}/bundle", doc).status_code == 200
    assert coordinator.delete(f"{R}/actors/swa").status_code == 204
    again = coordinator.get(f"{R}/bundle").get_json()
    response = coordinator.put(f"{R}/bundle", again)
    assert response.status_code == 200, response.get_json()
    assert coordinator.get(f"{R}/bundle").get_json() == again


def test_times_with_an_offset_are_normalised_to_utc(api):
    coordinator = api("koordination")
    doc = coordinator.get(f"{R}/bundle").get_json()
    rule = copy.deepcopy(doc["rules"][0])
    rule.update(key="mit-zeitzone", title="Mit Zeitzone", votes=[],
                ballot={"opened_at": "2021-03-01T10:00:00+01:00",
                        "closes_at": "2021-03-15T18:00:00+01:00",
                        "decided_at": "2021-03-15T18:00:00+01:00", "decision_rule": "consensus",
                        "quorum": 0.5, "tally": {"yes": 0, "no": 0, "abstain": 0}})
    doc["rules"].append(rule)
    assert coordinator.put(f"{R}/bundle", doc).status_code == 200
    exported = next(r for r in coordinator.get(f"{R}/bundle").get_json()["rules"]
                    if r["key"] == "mit-zeitzone")
    assert exported["ballot"]["opened_at"] == "2021-03-01T09:00:00"
    assert exported["ballot"]["closes_at"] == "2021-03-15T17:00:00"
