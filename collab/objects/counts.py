"""How many records of each kind a region has, and one page of a list of them: shared by
the overview, the list pages and the API, so a long list is not counted on every request.

Counting a national network's records after an edit takes about 20 ms of the database. For
a network of at least LARGE_MEMBERS members the counts are redone in the background while
the last ones are shown, at most every SLOW_INTERVAL seconds per process (under a stream of
edits a new actor shows up in the count seconds later); a smaller network's are redone at
once after each edit.
"""

from __future__ import annotations

import sqlalchemy as sa

from collab.core.caching import Freshest, in_background, version_key
from collab.core.models import Region
from collab.extensions import db
from collab.objects.kinds import KINDS, Kind, apply_filters, base_query, with_records_loaded

LARGE_MEMBERS = 2000
SLOW_INTERVAL = 5.0
_SLOW = 1.0  # what a large network's counts "cost" (Freshest serves them stale)
_counts = Freshest(16, _SLOW, SLOW_INTERVAL)


def cost(members: int) -> float:
    """What a value derived from a network of ``members`` members counts as costing for
    :class:`Freshest`: "slow" (served stale, redone in the background) from LARGE_MEMBERS."""
    return _SLOW if members >= LARGE_MEMBERS else 0.0


def region_counts(region: Region) -> dict[str, int]:
    """How many records of each kind the region has (see the module's note)."""
    def count(current) -> tuple[int, dict, float]:
        # all kinds in one statement (one round trip to the database, not six)
        row = db.session.execute(sa.select(*(
            sa.select(sa.func.count()).select_from(
                base_query(kind, current).order_by(None).subquery())
            .scalar_subquery().label(name) for name, kind in KINDS.items()))).one()
        counts = dict(row._mapping)
        return current.data_version or 0, counts, cost(counts["municipalities"])
    return _counts.get(version_key(region)[:2], region.data_version or 0,
                       lambda: count(region), in_background(region, count))[1]


def list_page(kind: Kind, region: Region, args, number: int, per_page: int,
              max_per_page: int | None = None):
    """One page of the region's records of ``kind`` with the search and filters of
    ``args``, their relations loaded. An unfiltered list takes its total from
    :func:`region_counts` instead of counting the records again (for a network of
    LARGE_MEMBERS members or more it may be seconds behind, like the overview's)."""
    base = base_query(kind, region)
    query = apply_filters(kind, base, args)
    page = db.paginate(with_records_loaded(kind, query), page=number, per_page=per_page,
                       max_per_page=max_per_page, error_out=False, count=query is not base)
    if query is base:
        page.total = region_counts(region)[kind.name]
    return page
