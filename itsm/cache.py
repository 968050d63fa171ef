"""The Redis cache backend of the shared cache (throttle counters, configuration generation).

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every cache call, and each
one fills a table of some 150 response callbacks: about 0.1 ms a call, three or four calls
per API request. One client per connection pool does the same work: a ``redis.Redis`` is
safe to share between threads, and its pool reconnects in a process forked after it was
made. Everything else is Django's.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    """``RedisCacheClient`` keeping one ``redis.Redis`` per connection pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ItsmRedisCache(RedisCache):
    """Django's Redis cache with ``ReusingRedisCacheClient``."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
