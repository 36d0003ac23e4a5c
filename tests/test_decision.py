"""The decision rules of Spielregeln, checked against their definitions on any set of votes."""

import doctest
import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collab.spielregeln.decision
from collab.spielregeln.decision import (
    DECISION_RULES,
    Tally,
    final_outcome,
    fixed_outcome,
    outcome,
    votes_needed,
)


def definition(yes: int, no: int, abstain: int, eligible: int, rule: str, quorum) -> str:
    """The issue's wording, written out directly (no shared helpers with the module), with
    the documented addition: consensus and two thirds need at least one "yes" (a rule nobody
    supports is not adopted, even if every municipality abstains)."""
    reached = Fraction(yes + no + abstain) >= Fraction(str(quorum)) * eligible
    if rule == "consensus":
        passed = no == 0 and yes >= 1 and reached
    elif rule == "majority":
        passed = yes > no and reached
    else:
        passed = Fraction(yes) >= Fraction(2, 3) * (yes + no) and yes >= 1 and reached
    return "adopted" if passed else "rejected"


def all_completions(yes: int, no: int, abstain: int, missing: int):
    """Every way the missing municipalities can still act: yes, no, abstain or not vote."""
    for dy, dn, da in itertools.product(range(missing + 1), repeat=3):
        if dy + dn + da <= missing:
            yield yes + dy, no + dn, abstain + da


quorums = st.one_of(st.sampled_from([0, 0.1, 0.25, 1 / 3, 0.5, 0.6, 2 / 3, 0.75, 1]),
                    st.floats(0, 1, allow_nan=False))


@st.composite
def ballots(draw, max_eligible=12):
    eligible = draw(st.integers(0, max_eligible))
    voted = draw(st.integers(0, eligible))
    yes = draw(st.integers(0, voted))
    no = draw(st.integers(0, voted - yes))
    return Tally(yes, no, voted - yes - no, eligible)


@given(ballots(max_eligible=60), st.sampled_from(DECISION_RULES), quorums)
def test_outcome_matches_the_definition(tally, rule, quorum):
    """For any votes, quorum and rule, the outcome is the one the rule's wording gives."""
    assert outcome(tally, rule, quorum) == definition(
        tally.yes, tally.no, tally.abstain, tally.eligible, rule, quorum)


@settings(max_examples=300)
@given(ballots(), st.sampled_from(DECISION_RULES), quorums)
def test_fixed_exactly_when_every_completion_agrees(tally, rule, quorum):
    """A result is fixed iff all completions of the missing votes give the same outcome,
    and then it is that outcome."""
    results = {definition(y, n, a, tally.eligible, rule, quorum)
               for y, n, a in all_completions(tally.yes, tally.no, tally.abstain,
                                              tally.missing)}
    fixed = fixed_outcome(tally, rule, quorum)
    if len(results) == 1:
        assert fixed == results.pop()
    else:
        assert fixed is None


@given(ballots(), st.sampled_from(DECISION_RULES), quorums)
def test_a_complete_ballot_is_always_fixed(tally, rule, quorum):
    """When every eligible municipality has voted, the result is the outcome."""
    complete = Tally(tally.yes, tally.no, tally.abstain + tally.missing, tally.eligible)
    assert fixed_outcome(complete, rule, quorum) == outcome(complete, rule, quorum)


@settings(max_examples=300)
@given(ballots(), st.sampled_from(DECISION_RULES), quorums, st.booleans())
def test_a_ballot_ends_only_at_closing_or_when_everyone_voted(tally, rule, quorum, closed):
    """Whatever the rule and however foregone the result: while the ballot is open and a
    municipality has not voted, nothing is recorded; at the end the outcome is the rule's
    definition of the votes cast, and it never contradicts a result already foregone."""
    final = final_outcome(tally, rule, quorum, closed=closed)
    if not closed and tally.missing > 0:
        assert final is None
    else:
        assert final == definition(tally.yes, tally.no, tally.abstain, tally.eligible, rule,
                                   quorum)
        foregone = fixed_outcome(tally, rule, quorum)
        assert foregone is None or foregone == final


def test_an_early_objection_does_not_end_a_consensus_ballot():
    """Issue 15: Soest's "Nein" among 2 of 21 votes is foregone, but the ballot stays open
    so that the other 19 can still speak; it ends with all votes or at closing time."""
    early = Tally(yes=1, no=1, eligible=21)
    assert fixed_outcome(early, "consensus", 0.5) == "rejected"
    assert final_outcome(early, "consensus", 0.5, closed=False) is None
    assert final_outcome(early, "consensus", 0.5, closed=True) == "rejected"
    assert final_outcome(Tally(yes=20, no=1, eligible=21), "consensus", 0.5,
                         closed=False) == "rejected"


@given(st.integers(0, 200), quorums)
def test_votes_needed_is_the_smallest_turnout_reaching_the_quorum(eligible, quorum):
    needed = votes_needed(eligible, quorum)
    share = Fraction(str(quorum))
    assert needed >= share * eligible
    assert needed == 0 or needed - 1 < share * eligible


def test_known_answers():
    """Hand-checked cases: the demo's consensus vote, one objection, two thirds at 2:1."""
    assert outcome(Tally(yes=19, eligible=19), "consensus", 0.5) == "adopted"
    assert fixed_outcome(Tally(yes=5, no=1, eligible=19), "consensus", 0.5) == "rejected"
    assert fixed_outcome(Tally(yes=18, eligible=19), "consensus", 0.5) is None
    assert outcome(Tally(yes=2, no=1, eligible=3), "two_thirds", 0.5) == "adopted"
    assert outcome(Tally(yes=3, no=2, eligible=5), "two_thirds", 0.5) == "rejected"
    assert outcome(Tally(yes=3, no=2, eligible=5), "majority", 0.5) == "adopted"
    # quorum 0.1 of 10 is one vote, not "a bit more than one" (decimal, not float)
    assert votes_needed(10, 0.1) == 1
    assert outcome(Tally(yes=1, eligible=10), "majority", 0.1) == "adopted"
    # majority fixed early: 7 yes, 1 no of 10 cannot be overturned by 2 more votes
    assert fixed_outcome(Tally(yes=7, no=1, eligible=10), "majority", 0.5) == "adopted"


@pytest.mark.parametrize("rule", DECISION_RULES)
def test_all_abstaining_adopts_nothing(rule):
    """Every voting municipality abstains (quorum reached, no "no"): no rule is adopted, and
    the result is fixed as soon as the last one has abstained, not before."""
    assert outcome(Tally(abstain=19, eligible=19), rule, 0.5) == "rejected"
    assert fixed_outcome(Tally(abstain=19, eligible=19), rule, 0.5) == "rejected"
    assert fixed_outcome(Tally(abstain=18, eligible=19), rule, 0.5) is None
    # one "yes" among the abstentions carries it under every rule
    assert outcome(Tally(yes=1, abstain=18, eligible=19), rule, 0.5) == "adopted"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        Tally(yes=3, no=1, eligible=2)
    with pytest.raises(ValueError):
        outcome(Tally(eligible=1), "unanimity", 0.5)
    with pytest.raises(ValueError):
        votes_needed(5, 1.5)


def test_examples():
    assert doctest.testmod(collab.spielregeln.decision).failed == 0
