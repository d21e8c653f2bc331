"""Django's Redis cache, made optional: a dead or frozen Redis makes requests read the database, never fail or hang.

Everything kept in the cache can be read again from the database (rendered boards, till tokens), so an unreachable
Redis answers like an empty cache: a read misses, a write is dropped, and the error is logged. Short socket timeouts
(OPTIONS socket_connect_timeout and socket_timeout) bound what one try costs when Redis is frozen, and after a
failure the process leaves Redis alone for RETRY_AFTER seconds, so an outage costs one timeout per process per
window instead of one per cache call.

A delete that could not reach Redis is the one thing an empty cache cannot make good: the entry it meant to drop (a
revoked till token) would come back with Redis. The process keeps those keys and deletes them first thing once
Redis answers again; an entry older than that lives at most its own timeout.
"""

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Past this many undelivered deletes the oldest are dropped: they were cache entries with timeouts of their own.
MAX_UNSENT_DELETES = 10_000


class _Outage:
    """One server's state, shared by the threads of a process (Django gives each thread its own cache object)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.skip_until = 0.0  # time.monotonic(); Redis is not tried before it
        self.unsent_deletes: dict[str, None] = {}  # ordered, so the oldest go first past the limit

    def remember_deletes(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self.lock:
            self.unsent_deletes.update(dict.fromkeys(keys))
            for stale in list(self.unsent_deletes)[: max(0, len(self.unsent_deletes) - MAX_UNSENT_DELETES)]:
                del self.unsent_deletes[stale]

    def take_deletes(self) -> list[str]:
        with self.lock:
            keys, self.unsent_deletes = list(self.unsent_deletes), {}
            return keys


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_of(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class FailSoftRedisCache(RedisCache):
    """CACHES backend: RedisCache whose every call answers as a cache miss while Redis cannot be reached."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._outage = _outage_of(server if isinstance(server, str) else ",".join(server))

    def _try(self, operation: str, default: Any, *args: Any, deletes: Sequence[str] = ()) -> Any:
        """RedisCache's `operation`, or `default` while Redis is out; `deletes` (made keys) are kept for later if so."""
        outage = self._outage
        if time.monotonic() < outage.skip_until:
            outage.remember_deletes(deletes)
            return default
        try:
            if unsent := outage.take_deletes():
                try:
                    self._cache.delete_many(unsent)
                except RedisError:
                    outage.remember_deletes(unsent)
                    raise
            return getattr(RedisCache, operation)(self, *args)
        except RedisError as error:
            outage.remember_deletes(deletes)
            outage.skip_until = time.monotonic() + self.retry_after
            logger.warning(
                "Redis cache unreachable (%s: %s); going without it for %s s",
                type(error).__name__,
                error,
                self.retry_after,
            )
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._try("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._try("delete", False, key, version, deletes=[self.make_and_validate_key(key, version=version)])

    def get_many(self, keys, version=None):
        return self._try("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._try("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._try("incr", None, key, delta, version)
        if value is None:  # as for a missing key: the caller starts the count again with add() or set()
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        self._try("delete_many", None, keys, version, deletes=made)

    def clear(self):
        return self._try("clear", False)
