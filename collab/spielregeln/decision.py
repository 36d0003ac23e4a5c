"""How a ballot on a Spielregel is decided: tally, outcome, and whether it is already fixed.

Pure functions without Flask or a database, so that the decision rules can be checked on
every combination of votes (``tests/test_decision.py``).

The rules of a region (DESIGN.md):

- ``consensus``: no "no" vote, at least one "yes", and the quorum reached;
- ``majority``: more "yes" than "no", and the quorum reached;
- ``two_thirds``: "yes" at least two thirds of "yes" + "no", at least one "yes", and the
  quorum reached.

"At least one yes" is our addition to the issue's wording: without it a ballot in which every
voting municipality abstains would adopt a rule under consensus and two thirds (0 "no", and
0 ≥ ⅔ × 0), although nobody supports it. Under ``majority`` it already follows from
"more yes than no".

The quorum is a share of the eligible (voting) municipalities: the ballot counts when at
least ``quorum × eligible`` of them voted (abstentions count as voting).

A ballot ends at its closing time or once every eligible municipality has voted, whatever
the rule (:func:`final_outcome`): nobody loses the chance to speak, not even when the
result can no longer change. That it can no longer change (a result *foregone*: every way
the municipalities that have not voted yet could still act, each voting yes, no,
abstaining or not voting at all, gives the same outcome) is :func:`fixed_outcome`; the
pages show it beside the live tally (e.g. an objection under consensus), it ends nothing.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

__all__ = ["ADOPTED", "DECISION_RULES", "REJECTED", "Tally", "final_outcome", "fixed_outcome",
           "outcome", "quorum_reached", "votes_needed"]

DECISION_RULES = ("consensus", "majority", "two_thirds")
ADOPTED = "adopted"
REJECTED = "rejected"


@dataclass(frozen=True)
class Tally:
    """The votes cast on one ballot, and how many municipalities may vote."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    #: municipalities entitled to vote
    eligible: int = 0

    def __post_init__(self):
        if min(self.yes, self.no, self.abstain, self.eligible) < 0:
            raise ValueError("counts must not be negative")
        if self.voted > self.eligible:
            raise ValueError("more votes than eligible municipalities")

    @property
    def voted(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def missing(self) -> int:
        """Eligible municipalities that have not voted."""
        return self.eligible - self.voted

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "voted": self.voted}


def _share(quorum: float) -> Fraction:
    """The quorum as an exact fraction of its decimal form (0.1 is one tenth, not the float
    slightly above it)."""
    share = Fraction(repr(float(quorum)))
    if not 0 <= share <= 1:
        raise ValueError(f"quorum must lie between 0 and 1, not {quorum!r}")
    return share


def votes_needed(eligible: int, quorum: float) -> int:
    """How many municipalities must vote for the quorum (``ceil(quorum × eligible)``)."""
    return math.ceil(_share(quorum) * eligible)


def quorum_reached(tally: Tally, quorum: float) -> bool:
    return tally.voted >= _share(quorum) * tally.eligible


def outcome(tally: Tally, rule: str, quorum: float) -> str:
    """``"adopted"`` or ``"rejected"``: the result if the ballot closed with ``tally``.

    >>> outcome(Tally(yes=4, abstain=1, eligible=5), "consensus", 0.5)
    'adopted'
    >>> outcome(Tally(yes=4, no=1, eligible=5), "consensus", 0.5)
    'rejected'
    >>> outcome(Tally(yes=2, no=1, eligible=10), "majority", 0.5)
    'rejected'
    >>> outcome(Tally(abstain=5, eligible=5), "consensus", 0.5)  # nobody said yes
    'rejected'
    """
    if rule not in DECISION_RULES:
        raise ValueError(f"unknown decision rule {rule!r}")
    if not quorum_reached(tally, quorum):
        return REJECTED
    if rule == "consensus":
        passed = tally.no == 0 and tally.yes >= 1
    elif rule == "majority":
        passed = tally.yes > tally.no
    else:
        passed = 3 * tally.yes >= 2 * (tally.yes + tally.no) and tally.yes >= 1
    return ADOPTED if passed else REJECTED


def final_outcome(tally: Tally, rule: str, quorum: float, *, closed: bool) -> str | None:
    """The result to record now: the outcome once the ballot has ``closed`` (its closing
    time passed) or every eligible municipality has voted; None while it stays open, even
    when the result is already foregone (:func:`fixed_outcome`).

    >>> final_outcome(Tally(yes=1, no=1, eligible=21), "consensus", 0.5, closed=False) is None
    True
    >>> final_outcome(Tally(yes=20, no=1, eligible=21), "consensus", 0.5, closed=False)
    'rejected'
    >>> final_outcome(Tally(yes=1, no=1, eligible=21), "consensus", 0.5, closed=True)
    'rejected'
    """
    if closed or tally.missing == 0:
        return outcome(tally, rule, quorum)
    return None


def fixed_outcome(tally: Tally, rule: str, quorum: float) -> str | None:
    """The outcome if it can no longer change, else None (shown on the page; the ballot
    stays open all the same, see :func:`final_outcome`).

    A "yes" from every missing municipality is the completion most favourable to adoption
    under each rule (it raises the yes count and the turnout); for rejection it is either
    nobody else voting (lowest turnout) or a "no" from every missing municipality (most "no"
    at the highest turnout). So the outcome is fixed exactly when these extremes agree.

    >>> fixed_outcome(Tally(yes=3, no=1, eligible=5), "majority", 0.5)
    'adopted'
    >>> fixed_outcome(Tally(yes=3, eligible=5), "consensus", 0.5) is None
    True
    >>> fixed_outcome(Tally(yes=3, no=1, eligible=5), "consensus", 0.5)
    'rejected'
    """
    r = tally.missing
    best = outcome(Tally(tally.yes + r, tally.no, tally.abstain, tally.eligible), rule, quorum)
    worst_turnout = outcome(tally, rule, quorum)
    most_no = outcome(Tally(tally.yes, tally.no + r, tally.abstain, tally.eligible), rule,
                      quorum)
    can_adopt = best == ADOPTED
    can_reject = REJECTED in (worst_turnout, most_no)
    if can_adopt and can_reject:
        return None
    return ADOPTED if can_adopt else REJECTED
