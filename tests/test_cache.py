"""The Redis cache is optional at run time (salesoffice/cache.py): stopped or frozen, it answers as an empty cache
and quickly, after one failure it is left alone for a while, and a delete it missed is made once it answers again."""

import logging
import time
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from salesoffice.cache import FailSoftRedisCache

from .servers import RedisServer

TIMEOUT = 0.2
RETRY_AFTER = 1.0


@pytest.fixture
def redis():
    # One per test: the cache's outage state is per server and process, and a test may stop or freeze it.
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def fail_soft(redis: RedisServer) -> FailSoftRedisCache:
    options = {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT, "RETRY_AFTER": RETRY_AFTER}
    return FailSoftRedisCache(redis.url, {"OPTIONS": options, "KEY_PREFIX": uuid.uuid4().hex})


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_stopped_redis_reads_as_an_empty_cache(redis, caplog):
    cache = fail_soft(redis)
    cache.set("board", "<div>")
    assert cache.get("board") == "<div>" and cache.get_many(["board"]) == {"board": "<div>"}
    redis.stop()

    with caplog.at_level(logging.WARNING, logger="salesoffice.cache"):
        assert cache.get("board") is None
    assert "Redis cache unreachable" in caplog.text
    assert cache.get("board", "default") == "default"
    assert cache.get_or_set("token", lambda: "from the database") == "from the database"
    assert cache.get_many(["board", "token"]) == {}
    assert cache.add("board", "x") is False and cache.has_key("board") is False and cache.touch("board") is False
    assert cache.delete("board") is False and cache.delete_many(["board", "token"]) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored, as Django's API says
    with pytest.raises(ValueError):
        cache.incr("count")
    cache.set("board", "<div>")  # dropped

    redis.start()  # empty, as a restarted Redis without persistence
    time.sleep(RETRY_AFTER)
    assert cache.get("board") is None
    cache.set("board", "<p>")
    assert cache.get("board") == "<p>"


def test_a_frozen_redis_costs_one_timeout_then_nothing_until_it_is_tried_again(redis):
    cache = fail_soft(redis)
    cache.set("token", "live")
    redis.freeze()

    value, seconds = timed(lambda: cache.get("token"))
    assert value is None and TIMEOUT * 0.9 <= seconds < TIMEOUT + 0.5  # one socket timeout, not redis-py's 5 s
    _, seconds = timed(lambda: [cache.get("token") for _ in range(50)] and cache.set("token", "new"))
    assert seconds < 0.1  # left alone: no call waits for the frozen server

    time.sleep(RETRY_AFTER)
    value, seconds = timed(lambda: cache.get("token"))
    assert value is None and seconds >= TIMEOUT * 0.9  # tried again, and still frozen

    redis.thaw()
    time.sleep(RETRY_AFTER)
    assert cache.get("token") == "live"


def test_deletes_missed_in_an_outage_are_made_when_redis_answers_again(redis):
    """A revoked till token's cached copy must not come back with Redis (a frozen Redis keeps its data)."""
    cache = fail_soft(redis)
    other_process = RedisCache(redis.url, {"KEY_PREFIX": cache.key_prefix})
    cache.set_many({"revoked": "token", "also-revoked": "token", "kept": "token"})
    redis.freeze()
    assert cache.get("kept") is None  # the failure: from now on Redis is left alone, so nothing below is sent
    cache.delete("revoked")
    cache.delete_many(["also-revoked"])
    redis.thaw()
    assert other_process.get("revoked") == "token"  # Redis never heard of the deletes

    time.sleep(RETRY_AFTER)
    assert cache.get("kept") == "token"  # the first call that reaches Redis makes the missed deletes first
    assert other_process.get_many(["revoked", "also-revoked", "kept"]) == {"kept": "token"}
