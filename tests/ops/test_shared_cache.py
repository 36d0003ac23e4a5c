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
