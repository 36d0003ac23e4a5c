"""Pages and API lists read a page of records in a fixed number of queries, whatever its
length (issue 14: a list of 100 actors asked for each actor's municipality one by one)."""

from __future__ import annotations

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
    small = count_queries(lambda: reader.get(f"{path}?per_page=2"))
    large = count_queries(lambda: reader.get(f"{path}?per_page=20"))
    assert large == small, (kind, small, large)


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_page_takes_as_many_queries_for_a_long_page_as_for_a_short(
        kind, as_user, app, count_queries, monkeypatch):
    user = as_user("koordination")
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    small = count_queries(lambda: user.get(f"/regions/swf5/{kind}"))
    monkeypatch.setitem(app.config, "PER_PAGE", 20)
    large = count_queries(lambda: user.get(f"/regions/swf5/{kind}"))
    assert large == small, (kind, small, large)
