"""Per-process caches of what is derived from a region's data (graphs, vis data, reports),
keyed by the region's ``data_version``, which every write in :mod:`collab.core.store` bumps."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from collab.core.models import Region


def digest(content) -> bytes:
    """A short key for ``content`` (its ``repr``): for cache keys of what a page shows, where
    comparing the content itself on every look-up would cost more than the cache saves."""
    import hashlib

    return hashlib.blake2b(repr(content).encode(), digest_size=20).digest()


def version_key(region: Region) -> tuple:
    """Database, region and its data version: a derived value is valid while these hold."""
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], region.id, region.data_version or 0)


_MISSING = object()


class LRU:
    """A small thread-safe cache of the last ``size`` values; ``get`` computes a missing
    value outside the lock (two requests may both compute it; both get a valid value)."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], object]):
        value = self.find(key, _MISSING)
        if value is _MISSING:
            value = make()
            self.put(key, value)
        return value

    def find(self, key: tuple, default=None):
        """The value held under ``key``, else ``default`` (nothing is made)."""
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return default

    def put(self, key: tuple, value) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)

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


class _Seal:
    """An HMAC-SHA256 of ``secret`` over a Redis key and its value, stored before the value."""

    SIZE = 32

    def __init__(self, secret: str | bytes, name: str):
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.name = name.encode()

    def _mac(self, payload: bytes) -> bytes:
        import hashlib
        import hmac

        return hmac.new(self.secret, self.name + b"\0" + payload, hashlib.sha256).digest()

    def close(self, value: str | bytes) -> bytes:
        payload = value.encode() if isinstance(value, str) else value
        return self._mac(payload) + payload

    def open(self, stored: bytes | None) -> bytes | None:
        """The value, or None when there is none or its seal does not match."""
        import hmac

        if stored is None or len(stored) < self.SIZE:
            return None
        mac, payload = stored[:self.SIZE], stored[self.SIZE:]
        return payload if hmac.compare_digest(mac, self._mac(payload)) else None


class Shared:
    """A value computed once for every process and host: a per-process :class:`LRU` in
    front of Redis (``REDIS_URL``; without it, as under ``make run``, the LRU alone).

    For what is expensive to make and depends only on its key, such as the layout of a graph,
    the rendered body of one report or the picture of one data version: the first process
    to need it makes it and stores it in Redis for ``ttl`` seconds, and the others read it
    instead of making it again. Processes that miss at the same moment (every web worker
    right after an edit) do not all make it: one takes a short lock in Redis and makes it,
    the others wait up to ``wait`` seconds for its result (and make it themselves only when
    it does not come). Values pass through ``dumps``/``loads`` (bytes or str); a Redis that
    does not answer is skipped (the value is made here), never an error. What is stored in
    Redis is sealed with an HMAC of the app's ``SECRET_KEY`` and its Redis key: a value
    written there by anyone else (the rendered HTML of an analysis among them) is not
    used, but made again."""

    #: how often a waiting process looks for the value another one is making
    POLL_SECONDS = 0.01

    def __init__(self, prefix: str, size: int, ttl: int, dumps: Callable, loads: Callable,
                 wait: float = 5.0):
        self.prefix, self.ttl, self.dumps, self.loads = prefix, ttl, dumps, loads
        self.wait = wait
        self.local = LRU(size)

    def _redis_key(self, key: tuple) -> str:
        return f"kn:{self.prefix}:{digest(key).hex()}"

    def get(self, key: tuple, make: Callable[[], object],
            busy: Callable[[], object] | None = None):
        """The value of ``key``: held here, else stored by any process, else made here.
        ``busy``: what to use instead of waiting while another process makes it (e.g. the
        previous version's picture); it is not kept as the value of ``key``."""
        url = current_app.config.get("REDIS_URL")
        if not url:
            return self.local.get(key, make)
        value = self.local.find(key, _MISSING)
        if value is not _MISSING:
            return value
        value, made = self._made_once(url, key, make, busy=busy, ex=self.ttl)
        if made:
            self.local.put(key, value)
        return value

    def recent(self, key: tuple, make: Callable[[], object], ttl: float):
        """A value made by any process within the last ``ttl`` seconds, else made here (one
        process at a time, like :meth:`get`); never kept in this process' own cache. For
        "the newest picture", which every process would otherwise remake in turn."""
        url = current_app.config.get("REDIS_URL")
        if not url:
            return make()
        return self._made_once(url, key, make, px=max(1, int(ttl * 1000)))[0]

    def _made_once(self, url: str, key: tuple, make: Callable[[], object],
                   busy: Callable[[], object] | None = None, **expiry) -> tuple[object, bool]:
        """The value stored in Redis under ``key``, else made here (holding a short lock
        that lets the others wait for it, or take ``busy()`` instead) and stored with
        ``expiry`` (``ex``/``px``); and whether it is the value of ``key`` (not busy's)."""
        import redis

        client, name = redis_client(url), self._redis_key(key)
        seal = _Seal(current_app.config["SECRET_KEY"], name)
        mine = False
        try:
            stored = seal.open(client.get(name))
            if stored is not None:
                return self.loads(stored), True
            # one maker at a time; the lock expires should its holder die
            mine = client.set(f"{name}:making", 1, nx=True, ex=max(1, int(self.wait * 2)))
            if not mine:
                if busy is not None:
                    return busy(), False
                stored = seal.open(self._await(client, name))
                if stored is not None:
                    return self.loads(stored), True
        except redis.RedisError:
            return make(), True
        try:
            value = make()
            try:
                client.set(name, seal.close(self.dumps(value)), **expiry)
            except redis.RedisError:
                pass
            return value, True
        finally:
            if mine:
                try:
                    client.delete(f"{name}:making")
                except redis.RedisError:
                    pass

    def _await(self, client, name: str):
        """The value another process is making, once it is stored; None when it is not
        there within ``wait`` seconds (that process is slow or gone)."""
        import time

        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            time.sleep(self.POLL_SECONDS)
            stored = client.get(name)
            if stored is not None:
                return stored
            if not client.exists(f"{name}:making"):
                return client.get(name)
        return None

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

    def get(self, family: tuple, version: int, make: Callable[[], tuple],
            remake: Callable[[], tuple]):
        """``(version, value)``: ``make()`` and ``remake()`` return the version they read and
        the value, and may add what making the value costs in seconds, which then counts
        instead of the time they took (a :class:`Shared` value another process made stays
        slow however quickly it was read; a caller may decide by size, not by the clock);
        ``remake`` runs in a background thread (it opens its own app context)."""
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
        made_version, value, *cost = make()
        self._store(family, made_version, value, cost[0] if cost else time.perf_counter() - start)
        return made_version, value

    def held(self, family: tuple) -> tuple | None:
        """``(version, value, cost in seconds)`` held for ``family``, or None (nothing is
        made)."""
        with self.lock:
            return self.items.get(family)

    def current(self, family: tuple, version: int, make: Callable[[], tuple]):
        """Like :meth:`get`, but never the held value when it is older than ``version``:
        the new one is made at once (for a background job that needs the current one)."""
        import time

        with self.lock:
            held = self.items.get(family)
        if held is not None and held[0] >= version:
            return held[0], held[1]
        start = time.perf_counter()
        made_version, value, *cost = make()
        self._store(family, made_version, value, cost[0] if cost else time.perf_counter() - start)
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
                made_version, value, *cost = remake()
                self._store(family, made_version, value,
                            cost[0] if cost else time.perf_counter() - start)
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


def in_background(region: Region, build):
    """``build`` of the region as a background thread runs it (:class:`Freshest`): in an
    app context of its own, with the region read anew by its own session."""
    from collab.extensions import db

    app, region_id = current_app._get_current_object(), region.id

    def run():
        with app.app_context():
            try:
                return build(db.session.get(Region, region_id))
            finally:
                db.session.remove()
    return run
