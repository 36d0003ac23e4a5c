"""Issue 11.5: every export can be imported again (a backup can be restored)."""

import copy

from .test_ownership import _with_draft_and_vote
from .test_rules import voting_keys

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


def test_the_electorate_of_a_held_ballot_is_exported_and_never_changed_by_a_bundle(
        api, seed_bundle):
    """Export names who votes on a running ballot; re-importing the export changes nothing,
    an edited electorate is refused like any edited ballot, a bundle without it is
    accepted."""
    coordinator, rule_id = _with_draft_and_vote(api)
    doc = coordinator.get(f"{R}/bundle").get_json()
    n = next(i for i, r in enumerate(doc["rules"]) if r["status"] == "voting")
    assert doc["rules"][n]["ballot"]["electorate"] == voting_keys(seed_bundle)
    assert all(r["ballot"] is None for r in doc["rules"] if r["status"] != "voting")
    response = coordinator.put(f"{R}/bundle", doc)
    assert response.status_code == 200 and response.get_json()["changed"] is False
    edited = copy.deepcopy(doc)
    edited["rules"][n]["ballot"]["electorate"].remove("soest")
    response = coordinator.put(f"{R}/bundle", edited)
    assert response.status_code == 422
    assert f"$.rules[{n}].ballot.electorate" in {
        d["field"] for d in response.get_json()["details"]}
    del edited["rules"][n]["ballot"]["electorate"]
    response = coordinator.put(f"{R}/bundle", edited)
    assert response.status_code == 200 and response.get_json()["changed"] is False
    assert coordinator.get(f"{R}/bundle").get_json() == doc


def test_a_new_ballot_from_a_bundle_cannot_choose_its_voters(api, seed_bundle):
    """Outside a restore into an empty platform, a new rule in ballot votes with the
    region's voting members after the import, as when the coordinator opens a ballot."""
    coordinator = api("koordination")
    doc = coordinator.get(f"{R}/bundle").get_json()
    voters = voting_keys(seed_bundle)
    rule = {"key": "neu-in-abstimmung", "title": "Neu", "text": "T", "status": "voting",
            "ballot": {"closes_at": "2099-06-30T18:00:00", "electorate": voters[:3]},
            "votes": []}
    doc["rules"].append(rule)
    response = coordinator.put(f"{R}/bundle", doc)
    assert response.status_code == 422
    message = {d["field"]: d["message"] for d in response.get_json()["details"]}[
        f"$.rules[{len(doc['rules']) - 1}].ballot.electorate"]
    assert message.startswith("Stimmberechtigte Kommunen: Eine neue laufende Abstimmung gilt")
    assert voters[3] in message
    rule["ballot"]["electorate"] = voters
    assert coordinator.put(f"{R}/bundle", doc).status_code == 200
    exported = coordinator.get(f"{R}/bundle").get_json()
    assert next(r for r in exported["rules"] if r["key"] == "neu-in-abstimmung")[
        "ballot"]["electorate"] == voters
    # its export (a ballot without opened_at) imports again, unchanged
    response = coordinator.put(f"{R}/bundle", exported)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] is False
