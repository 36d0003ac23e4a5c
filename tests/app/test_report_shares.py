"""The PDF report's provenance shares add up to 100 % (QA: "50 %, 48 %, 3 %" read 101 %)."""

from __future__ import annotations

from collab.analysis.pdf import whole_percent_shares


def test_whole_percent_shares_add_up_to_one_hundred():
    for counts in ({"a": 1, "b": 1, "c": 1}, {"assumed": 504, "documented": 484, "x": 12},
                   {"a": 7, "b": 13, "c": 29, "d": 51}):
        shares = whole_percent_shares(counts)
        assert round(sum(100 * s for s in shares.values())) == 100, shares
        assert all(abs(100 * shares[k] - 100 * v / sum(counts.values())) < 1
                   for k, v in counts.items())


def test_a_tiny_share_is_not_printed_as_zero():
    shares = whole_percent_shares({"a": 999, "b": 1})
    assert shares == {"a": 1.0, "b": 0.001}  # printed "100 %" and "unter 1 %"
    assert whole_percent_shares({}) == {} and whole_percent_shares({"a": 0}) == {"a": 0.0}
