"""Per-process caches of what is derived from a region's data (graphs, vis data, reports),
keyed by the region's ``data_version``, which every write in :mod:`collab.core.store` bumps."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from collab.core.models import Region


def version_key(region: Region) -> tuple:
    """Database, region and its data version: a derived value is valid while these hold."""
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, region.data_version or 0)


class LRU:
    """A small thread-safe cache of the last ``size`` values; ``get`` computes a missing
    value outside the lock (two requests may both compute it; both get a valid value)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], object]):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
