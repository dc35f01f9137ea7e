"""The project's Redis cache: Django's backend, without its per-call costs on the hot requests.

Django's Redis backend builds a new ``redis.Redis`` client for every call (about 0.1 ms of CPU
each on the 2-core machine: redis-py copies its table of ~170 response callbacks into every new
client), and its ``incr`` asks whether the key exists before incrementing. A resident's filing
made ten Redis round trips and seven clients that way; a console poll, several. Here:

- one client per connection pool, kept for the life of the process (a ``redis.Redis`` is safe to
  share: it takes a connection from its pool for each command);
- ``count`` — one round trip that increments a counter and gives it its expiry when it is new
  (the fixed-window limits, the case-change counter), in place of add + exists + incr.

Values written by ``count`` are plain integers, which Django's serializer reads back as ints, so
``cache.get`` of a counter keeps working.
"""
from __future__ import annotations

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

# INCR, and on the counter's first increment its expiry (ARGV[1] seconds; 0 = none): one command.
_COUNT = """
local value = redis.call('INCR', KEYS[1])
if value == 1 and tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value
"""


class _ReusingClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._count_script = None

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def count(self, key: str, expire_s: int) -> int:
        client = self.get_client(key, write=True)
        if self._count_script is None:
            self._count_script = client.register_script(_COUNT)
        return int(self._count_script(keys=[key], args=[int(expire_s)], client=client))


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient


def count(name: str, expire_s: int = 0) -> int:
    """Add one to the counter ``name`` and answer its new value; a new counter expires after
    ``expire_s`` seconds (0: never). Raises when Redis does not answer, as the cache does."""
    key = cache.make_and_validate_key(name)
    client = getattr(cache, "_cache", None)
    if not isinstance(client, _ReusingClient):  # another backend (locmem, dummy): the two steps
        cache.add(name, 0, timeout=expire_s or None)
        return cache.incr(name)
    return client.count(key, expire_s)
