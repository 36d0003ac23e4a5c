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


_redis_clients: dict[str, object] = {}


def redis_client(url: str):
    """One Redis client (connection pool) per process and URL."""
    import os

    import redis

    pid_url = f"{os.getpid()}:{url}"
    if pid_url not in _redis_clients:
        _redis_clients[pid_url] = redis.Redis.from_url(url, socket_timeout=5,
                                                       socket_connect_timeout=5,
                                                       health_check_interval=30)
    return _redis_clients[pid_url]


class Shared:
    """A value computed once for every process and host: a per-process :class:`LRU` in
    front of Redis (``REDIS_URL``; without it, as under ``make run``, the LRU alone).

    For what is expensive to make and depends only on its key, such as the layout of a graph
    or the rendered body of one report: the first process to need it makes it and stores it
    in Redis for ``ttl`` seconds, and the others read it instead of making it again. Values
    pass through ``dumps``/``loads`` (bytes or str); a Redis that does not answer is
    skipped (the value is made here), never an error."""

    def __init__(self, prefix: str, size: int, ttl: int, dumps: Callable, loads: Callable):
        self.prefix, self.ttl, self.dumps, self.loads = prefix, ttl, dumps, loads
        self.local = LRU(size)

    def _redis_key(self, key: tuple) -> str:
        import hashlib

        digest = hashlib.blake2b(repr(key).encode(), digest_size=20).hexdigest()
        return f"kn:{self.prefix}:{digest}"

    def get(self, key: tuple, make: Callable[[], object]):
        url = current_app.config.get("REDIS_URL")
        if not url:
            return self.local.get(key, make)

        def shared():
            import redis

            client, name = redis_client(url), self._redis_key(key)
            try:
                stored = client.get(name)
            except redis.RedisError:
                return make()
            if stored is not None:
                return self.loads(stored)
            value = make()
            try:
                client.set(name, self.dumps(value), ex=self.ttl)
            except redis.RedisError:
                pass
            return value
        return self.local.get(key, shared)

    def clear(self) -> None:
        self.local.clear()


class Freshest:
    """The newest value of each family (e.g. one region's graph), tagged with the data
    version it was made from; stale-while-revalidate for values that are slow to make.

    When the version asked for is not the one held and the held value took at least ``slow``
    seconds to make (a national network), the held value is returned at once and the new one
    is made in a background thread (one at a time per family): a page never waits for it.
    Values quick to make (a region's) are made at once, so an edit shows immediately.
    A slow value is remade at most every ``interval`` seconds: under a stream of edits each
    process rebuilds a national graph now and then, not after every edit."""

    def __init__(self, size: int, slow: float, interval: float = 0.0):
        self.size, self.slow, self.interval = size, slow, interval
        self.items: OrderedDict[tuple, tuple] = OrderedDict()  # family -> (version, value, s)
        self.making: set[tuple] = set()
        self.started: dict[tuple, float] = {}  # family -> when its last remake started
        self.lock = threading.Lock()

    def _store(self, family: tuple, version: int, value, seconds: float) -> None:
        with self.lock:
            held = self.items.get(family)
            if held is None or held[0] <= version:
                self.items[family] = (version, value, seconds)
                self.items.move_to_end(family)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def get(self, family: tuple, version: int, make: Callable[[], tuple[int, object]],
            remake: Callable[[], tuple[int, object]]):
        """``(version, value)``: ``make()`` and ``remake()`` return the version they read and
        the value; ``remake`` runs in a background thread (it opens its own app context)."""
        import time

        with self.lock:
            held = self.items.get(family)
            if held is not None:
                self.items.move_to_end(family)
        if held is not None and held[0] >= version:
            return held[0], held[1]
        if held is not None and held[2] >= self.slow:
            self._start(family, remake)
            return held[0], held[1]
        start = time.perf_counter()
        made_version, value = make()
        self._store(family, made_version, value, time.perf_counter() - start)
        return made_version, value

    def _start(self, family: tuple, remake) -> None:
        import time

        with self.lock:
            if family in self.making or \
                    time.monotonic() - self.started.get(family, -1e9) < self.interval:
                return
            self.making.add(family)
            self.started[family] = time.monotonic()

        def run():
            import time

            try:
                start = time.perf_counter()
                made_version, value = remake()
                self._store(family, made_version, value, time.perf_counter() - start)
            except Exception:  # logged; the next request tries again
                import logging

                logging.getLogger("kommunalnetz.cache").exception("background rebuild failed")
            finally:
                with self.lock:
                    self.making.discard(family)
        threading.Thread(target=run, name="kn-rebuild", daemon=True).start()

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.started.clear()
