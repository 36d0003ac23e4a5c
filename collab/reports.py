"""The region's analysis report, computed once per change of the region's data.

Pages, API, CLI and the network view all ask :func:`region_report`; it runs
:func:`graphs.analyse` on the region's bundle only when the region's ``data_version`` (bumped
by every write in :mod:`collab.services`) or the what-if arguments differ from a cached run.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app

import graphs

from .bundle import export_bundle
from .models import Region

#: reports kept per process (baseline and a few what-ifs per region)
CACHE_SIZE = 32

_cache: OrderedDict[tuple, dict] = OrderedDict()
_lock = threading.Lock()


def cache_key(region: Region, without: str | None, taktgeber: str | None) -> tuple:
    """Database, region, its data version and the what-if arguments."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return (database, region.id, region.data_version or 0, without or None, taktgeber or None)


def region_report(region: Region, *, without: str | None = None,
                  taktgeber: str | None = None) -> dict:
    """The analysis report of ``region`` (see DESIGN.md), from the cache when still valid.

    Raises ``ValueError`` (from :func:`graphs.analyse`) for an unknown what-if key.
    The returned dict is shared: callers must not change it.
    """
    key = cache_key(region, without, taktgeber)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    report = graphs.analyse(export_bundle(region), without=without or None,
                            taktgeber=taktgeber or None)
    with _lock:
        _cache[key] = report
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return report


def clear_cache() -> None:
    """Forget every cached report (tests; a process that changed data behind our back)."""
    with _lock:
        _cache.clear()
