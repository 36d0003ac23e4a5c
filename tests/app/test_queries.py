"""Pages and API lists read a page of records in a fixed number of queries, whatever its
length (issue 14: a list of 100 actors asked for each actor's municipality one by one)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from collab.extensions import db

KINDS = ("municipalities", "actors", "initiatives", "ties", "formats", "solutions")


@pytest.fixture
def count_queries(app):
    """``count_queries(call)``: how many SQL statements ``call()`` sends."""
    with app.app_context():
        engine = db.engine

    def count(call) -> int:
        seen = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)
        event.listen(engine, "before_cursor_execute", before)
        try:
            response = call()
        finally:
            event.remove(engine, "before_cursor_execute", before)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return len(seen)
    return count


@pytest.mark.parametrize("kind", KINDS)
def test_an_api_list_takes_as_many_queries_for_twenty_records_as_for_two(kind, api,
                                                                          count_queries):
    reader = api("koordination")
    path = f"/regions/swf5/{kind}"
    total = reader.get(f"{path}?per_page=1").get_json()["total"]
    assert total > 2, "the demo has too few records to compare"
    reader.get(path)  # the region's counts, kept per data version (collab.objects.counts)
    small = count_queries(lambda: reader.get(f"{path}?per_page=2"))
    large = count_queries(lambda: reader.get(f"{path}?per_page=20"))
    assert large == small, (kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_page_takes_as_many_queries_for_a_long_page_as_for_a_short(
        kind, as_user, app, count_queries, monkeypatch):
    user = as_user("koordination")
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    user.get(f"/regions/swf5/{kind}")  # the region's counts, kept per data version
    small = count_queries(lambda: user.get(f"/regions/swf5/{kind}"))
    monkeypatch.setitem(app.config, "PER_PAGE", 20)
    large = count_queries(lambda: user.get(f"/regions/swf5/{kind}"))
    assert large == small, (kind, small, large)


def test_an_unfiltered_list_takes_its_total_from_the_regions_counts(api, app):
    """The total of an unfiltered list is the overview's count, kept per data version (a
    long list is not counted on every request); a filtered list is counted; an edit shows
    in the total at once."""
    reader = api("koordination")
    before = reader.get("/regions/swf5/actors").get_json()["total"]
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert reader.get("/regions/swf5/actors?per_page=2").get_json()["total"] == before
        unfiltered = [s for s in statements if "count(" in s.lower()]
        statements.clear()
        typed = reader.get("/regions/swf5/actors?type=agency").get_json()
        filtered = [s for s in statements if "count(" in s.lower()]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert unfiltered == [] and len(filtered) == 1
    assert typed["total"] == len(reader.get("/regions/swf5/actors?type=agency&per_page=100")
                                 .get_json()["items"]) < before
    assert reader.post("/regions/swf5/actors", {
        "key": "neu-gezaehlt", "name": "Neu gezählt", "type": "agency", "level": "coordinating",
        "sector": "public", "municipality": None}).status_code == 201
    assert reader.get("/regions/swf5/actors").get_json()["total"] == before + 1


def _statements(app, call) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(" ".join(statement.lower().split()))
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def test_a_page_reads_the_account_with_its_unread_count(as_user, app):
    """The header's badge comes with the signed-in account (one query, not two per page)."""
    user = as_user("koordination")
    seen = _statements(app, lambda: user.get("/regions/swf5"))
    about = [s for s in seen if "from notification" in s]
    assert len(about) == 1 and re.search(r'\) as anon_1 from "?user"? where', about[0]), about


def test_an_api_request_reads_its_token_with_the_account(api, app):
    reader = api("koordination")
    seen = _statements(app, lambda: reader.get("/regions/swf5/actors?per_page=2"))
    assert len([s for s in seen if "api_token" in s]) == 1
    assert not [s for s in seen if re.match(r'select "?user"?\.', s)], seen
