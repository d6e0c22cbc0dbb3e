"""A Redis cache that answers a miss while Redis is down, so that pages keep serving.

The cache only ever holds copies (the rule tables, API throttling counters): when Redis cannot
be reached, a read is a miss, a write is dropped, and a warning is logged; the page is computed
from the database as it would be on a cold cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
T = TypeVar("T")


def _guard(call: Callable[[], T], fallback: T, what: str) -> T:
    try:
        return call()
    except UNAVAILABLE as error:
        logger.warning("Cache unavailable (%s): %s", what, error.__class__.__name__)
        return fallback


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _guard(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default, "get"
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return _guard(
            lambda: super(ResilientRedisCache, self).get_many(keys, version), {}, "get_many"
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _guard(
            lambda: super(ResilientRedisCache, self).has_key(key, version), False, "has_key"
        )

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        _guard(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None, "set"
        )

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        return _guard(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False, "add"
        )

    def set_many(self, data: Any, timeout: Any = 300, version: int | None = None) -> list[Any]:
        return _guard(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
            "set_many",
        )

    def touch(self, key: Any, timeout: Any = 300, version: int | None = None) -> bool:
        return _guard(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False, "touch"
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _guard(
            lambda: super(ResilientRedisCache, self).delete(key, version), False, "delete"
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        _guard(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version), None, "delete_many"
        )

    def clear(self) -> None:
        _guard(lambda: super(ResilientRedisCache, self).clear(), None, "clear")
