"""The project's Redis cache (gridgov/cache.py): counters in one round trip, clients kept."""
from __future__ import annotations

import uuid

from django.core.cache import cache

from gridgov.cache import count


def test_a_counter_counts_and_gets_its_expiry_once():
    name = f"test:counter:{uuid.uuid4().hex}"
    assert [count(name, 60) for _ in range(3)] == [1, 2, 3]
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key(name)
    assert 0 < client.ttl(key) <= 60
    client.expire(key, 500)  # a later count must not move the window's end
    count(name, 60)
    assert client.ttl(key) > 60
    assert cache.get(name) == 4  # read back through Django's serializer as an int


def test_a_counter_without_expiry_never_expires():
    name = f"test:counter:{uuid.uuid4().hex}"
    count(name)
    assert cache._cache.get_client(write=True).ttl(cache.make_and_validate_key(name)) == -1


def test_one_redis_client_is_kept_per_pool():
    # Django's backend builds a client per call (~0.1 ms of CPU each): the project's keeps one.
    assert cache._cache.get_client("a", write=True) is cache._cache.get_client("b", write=True)
