"""The cache shared by all processes and hosts through Redis (collab.core.caching.Shared):
what one process made, another reads instead of making it again; without Redis, or with a
Redis that does not answer, each process makes it itself and nothing fails."""

import json

from flask import Flask

from collab.core.caching import Shared, _Seal


def _app(redis_url, secret="test-secret"):
    app = Flask(__name__)
    app.config["REDIS_URL"] = redis_url
    app.config["SECRET_KEY"] = secret
    return app


def _cache():
    return Shared("test-shared", 4, 60, dumps=json.dumps, loads=json.loads)


def test_a_value_made_in_one_process_is_read_by_another(redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    made = []
    first, second = _cache(), _cache()  # two processes: each has its own local cache

    def make():
        made.append(1)
        return {"x": [1.5, -2]}
    with _app(redis_url).app_context():
        assert first.get(("k", 1), make) == {"x": [1.5, -2]}
        assert second.get(("k", 1), make) == {"x": [1.5, -2]}
        assert second.get(("k", 2), make) == {"x": [1.5, -2]}
    assert len(made) == 2  # once per key, not once per process


def test_a_value_not_sealed_with_the_apps_secret_is_made_again(redis_url):
    """What is in Redis is used only when this deployment's SECRET_KEY sealed it: HTML put
    there by someone else never reaches a page."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    with _app(redis_url).app_context():
        assert _cache().get(("k",), lambda: {"v": "made"}) == {"v": "made"}
    [name] = [k for k in client.keys("kn:test-shared:*") if not k.endswith(b":making")]
    sealed = client.get(name)
    assert sealed.endswith(b'{"v": "made"}') and len(sealed) == 32 + len(b'{"v": "made"}')
    made = []

    def make():
        made.append(1)
        return {"v": "made again"}
    # written by someone without the secret: plain, with a forged seal, or too short
    for forged in (b'{"v": "<script>x</script>"}', b"\0" * 32 + b'{"v": "forged"}', b"x"):
        client.set(name, forged)
        with _app(redis_url).app_context():
            assert _cache().get(("k",), make) == {"v": "made again"}
        assert client.get(name).endswith(b'{"v": "made again"}')  # replaced, sealed
    assert len(made) == 3
    # another deployment's secret (another key) does not open it either
    with _app(redis_url, secret="other-secret").app_context():
        assert _cache().get(("k",), lambda: {"v": "other"}) == {"v": "other"}
    # a sealed value moved under another key is not taken for that key's value
    with _app(redis_url).app_context():
        assert _cache().get(("k", 2), lambda: {"v": "two"}) == {"v": "two"}
    names = [k for k in client.keys("kn:test-shared:*") if not k.endswith(b":making")]
    other = next(k for k in names if k != name)
    client.set(other, client.get(name))
    with _app(redis_url).app_context():
        assert _cache().get(("k", 2), lambda: {"v": "two again"}) == {"v": "two again"}


def test_without_redis_each_process_makes_its_own():
    made = []
    with _app(None).app_context():
        assert _cache().get(("k",), lambda: made.append(1) or 7) == 7
        assert _cache().get(("k",), lambda: made.append(1) or 7) == 7
    assert len(made) == 2


def test_a_redis_that_does_not_answer_is_skipped():
    with _app("redis://127.0.0.1:1/0").app_context():
        assert _cache().get(("k",), lambda: "made here") == "made here"


def test_freshest_makes_a_quick_value_at_once():
    from collab.core.caching import Freshest

    cache = Freshest(4, slow=10.0)
    assert cache.get(("r",), 1, lambda: (1, "v1"), None) == (1, "v1")
    assert cache.get(("r",), 1, lambda: (1, "other"), None) == (1, "v1")  # held
    assert cache.get(("r",), 2, lambda: (2, "v2"), None) == (2, "v2")  # quick: made now


def test_freshest_serves_a_slow_value_while_the_new_one_is_made():
    import threading

    from collab.core.caching import Freshest

    cache = Freshest(4, slow=0.0)  # every value counts as slow
    assert cache.get(("r",), 1, lambda: (1, "v1"), None) == (1, "v1")
    release, made = threading.Event(), []

    def remake():
        release.wait(5)
        made.append(1)
        return 2, "v2"
    # the held value comes back at once, the new one is made in the background, once
    assert cache.get(("r",), 2, None, remake) == (1, "v1")
    assert cache.get(("r",), 2, None, remake) == (1, "v1")
    release.set()
    for _ in range(100):
        if cache.get(("r",), 2, None, remake) == (2, "v2"):
            break
        threading.Event().wait(0.05)
    assert cache.get(("r",), 2, None, remake) == (2, "v2") and made == [1]


def test_freshest_remakes_a_slow_value_at_most_every_interval():
    import threading

    from collab.core.caching import Freshest

    cache = Freshest(4, slow=0.0, interval=3600)
    cache.get(("r",), 1, lambda: (1, "v1"), None)
    done, made = threading.Event(), []

    def remake():
        made.append(1)
        done.set()
        return 2, "v2"
    cache.get(("r",), 2, None, remake)
    assert done.wait(5)
    for _ in range(100):  # the remake is stored
        if cache.get(("r",), 2, None, remake) == (2, "v2"):
            break
        threading.Event().wait(0.05)
    # a newer version within the interval: the held value, no second remake yet
    assert cache.get(("r",), 3, None, remake) == (2, "v2") and made == [1]


def test_processes_missing_at_once_make_the_value_once(redis_url):
    """Right after an edit every web worker misses the new picture at the same moment: one
    makes it (a short lock in Redis), the others wait for it instead of making it too."""
    import threading
    import time

    import redis

    redis.Redis.from_url(redis_url).flushdb()
    made, results = [], []
    app = _app(redis_url)

    def make():
        made.append(1)
        time.sleep(0.3)
        return {"picture": len(made)}

    def process():
        with app.app_context():
            results.append(_cache().get(("picture", 7), make))  # a cache of its own
    workers = [threading.Thread(target=process) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert made == [1] and results == [{"picture": 1}] * 4


def test_a_maker_that_does_not_deliver_is_not_waited_for_beyond_wait(redis_url):
    """A process that took the lock and died leaves it until it expires; the others wait at
    most ``wait`` seconds, then make the value themselves."""
    import time

    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    cache = Shared("test-shared", 4, 60, dumps=json.dumps, loads=json.loads, wait=0.3)
    with _app(redis_url).app_context():
        client.set(f"{cache._redis_key(('k',))}:making", 1, ex=60)  # the dead maker's lock
        start = time.monotonic()
        assert cache.get(("k",), lambda: "made here") == "made here"
        assert 0.25 < time.monotonic() - start < 5


def test_freshest_counts_what_a_value_cost_where_it_was_made():
    """A value read from another process' work (a :class:`Shared` picture) is as slow to
    make as it was there: the next version is served stale, not made in the request. A
    given cost counts instead of the clock, both ways (a slow machine does not make a
    small network's counts stale)."""
    import time

    from collab.core.caching import Freshest

    cache = Freshest(4, slow=1.0, interval=3600)
    assert cache.get(("r",), 1, lambda: (1, "v1", 2.5), None) == (1, "v1")  # read quickly
    assert cache.get(("r",), 2, lambda: (2, "never in the request"),
                     lambda: (2, "v2")) == (1, "v1")
    quick = Freshest(4, slow=0.05)
    assert quick.get(("q",), 1, lambda: time.sleep(0.1) or (1, "v1", 0.0), None) == (1, "v1")
    assert quick.get(("q",), 2, lambda: (2, "v2"), None) == (2, "v2")  # made at once


def test_recent_shares_the_newest_value_for_a_while(redis_url):
    """``recent``: under a stream of edits each process would remake a slow value for the
    version it happens to see; instead the value any process made in the last ``ttl``
    seconds is taken, and only after that is one made again (never kept locally)."""
    import time

    import redis

    redis.Redis.from_url(redis_url).flushdb()
    made = []

    def make(version):
        made.append(version)
        return {"version": version}
    with _app(redis_url).app_context():
        first, second = _cache(), _cache()
        assert first.recent(("newest",), lambda: make(5), ttl=0.5) == {"version": 5}
        assert second.recent(("newest",), lambda: make(7), ttl=0.5) == {"version": 5}
        time.sleep(0.6)
        assert second.recent(("newest",), lambda: make(9), ttl=0.5) == {"version": 9}
        assert first.recent(("newest",), lambda: make(11), ttl=0.5) == {"version": 9}
    assert made == [5, 9]
    with _app(None).app_context():  # without Redis: made each time (callers bound it)
        assert _cache().recent(("newest",), lambda: make(1), ttl=60) == {"version": 1}


def test_a_process_may_serve_something_else_while_another_makes_the_value(redis_url):
    """``busy``: while another process holds the lock for a value (e.g. the new picture
    after an edit), this one takes what ``busy`` gives (its previous picture) at once instead
    of waiting; that is not kept as the value, which is read once it is stored."""
    import time

    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    cache = _cache()
    made = []
    with _app(redis_url).app_context():
        client.set(f"{cache._redis_key(('picture', 2))}:making", 1, ex=60)  # another maker
        start = time.monotonic()
        assert cache.get(("picture", 2), lambda: made.append(1) or "v2 here",
                         busy=lambda: "v1") == "v1"
        assert time.monotonic() - start < 0.2 and made == []
        name = cache._redis_key(("picture", 2))
        client.set(name, _Seal("test-secret", name).close(json.dumps("v2")))  # it stored its own
        client.delete(f"{cache._redis_key(('picture', 2))}:making")
        assert cache.get(("picture", 2), lambda: "never", busy=lambda: "v1") == "v2"
        # nobody else making it: made here, busy not asked
        assert cache.get(("picture", 3), lambda: "v3", busy=lambda: "v1") == "v3"
