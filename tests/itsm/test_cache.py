"""itsm.cache: Django's Redis cache, one redis.Redis per connection pool, on the real Redis."""

import os
import uuid

import redis
from django.conf import settings
from django.core.cache import caches

from itsm.cache import ItsmRedisCache


def backend():
    return ItsmRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_the_shared_cache_uses_it():
    assert isinstance(caches[settings.API_THROTTLE_CACHE], ItsmRedisCache)


def test_one_client_for_every_call(monkeypatch):
    cache = backend()
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    assert cache.add("n", 1, 60)
    assert not cache.add("n", 5, 60)
    assert cache.incr("n", 2) == 3
    cache.set("k", {"a": [1, "二"]}, 60)
    assert cache.get("k") == {"a": [1, "二"]}
    assert cache.get_many(["n", "k", "missing"]) == {"n": 3, "k": {"a": [1, "二"]}}
    cache.delete_many(["n", "k"])
    assert cache.get("n") is None
    assert len(built) == 1


def test_a_forked_process_gets_its_own_connections():
    cache = backend()
    cache.set("before", "parent", 60)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            cache.set("child", os.getpid(), 60)
            os.write(write, str(cache.get("before")).encode())
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert answer == "parent"
    assert cache.get("child") == pid
    cache.delete_many(["before", "child"])
