"""The cache shared by all processes and hosts through Redis (collab.core.caching.Shared):
what one process made, another reads instead of making it again; without Redis, or with a
Redis that does not answer, each process makes it itself and nothing fails."""

import json

from flask import Flask

from collab.core.caching import Shared


def _app(redis_url):
    app = Flask(__name__)
    app.config["REDIS_URL"] = redis_url
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
