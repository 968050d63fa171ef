"""Per-process caches of read-mostly configuration (routing rules, the priority matrix, SLA
policies and thresholds, OLA targets, calendars, webhook subscriptions, sections).

Each cached value hangs on a *generation* that the configuration models raise whenever they
are written through the ORM: ``save()``/``delete()`` on an instance and ``update()``,
``delete()``, ``bulk_create()``, ``bulk_update()`` on their querysets (``VersionedModel`` and
``VersionedQuerySet`` below). The bump happens at once and again after commit, so the writing
process sees the edit immediately and no process keeps a value it loaded while the edit was
still uncommitted.

Other processes (other gunicorn workers, Celery) learn of an edit through a shared
generation counter in the ``api`` cache (Redis in production), raised after commit and read
once per request or task (one GET: ``begin_scope``/``end_scope`` run on Django's request
and Celery's task signals), else once per transaction, and on each lookup outside one.
Without a shared cache (locmem, or Redis unreachable) a process reloads each value at the
latest ``TTL`` seconds after loading it: that is then the staleness bound for edits made in
another process; raw SQL edits are not seen before ``TTL`` either. Roles (group
memberships) are cached the same way; ``itsm.roles.groups_changed`` invalidates them.

Cached values are shared by every caller of the process: treat them as read-only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction

logger = logging.getLogger(__name__)

# Seconds another process may keep using configuration loaded before an edit.
TTL = 10.0

_generation = 0
_cache: dict[Any, tuple[int, float, Any, Any]] = {}
_lock = threading.Lock()


def bump() -> None:
    """Forget every cached configuration value (this process)."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


_SHARED_KEY = "configcache:generation"


def _shared_cache():
    from django.conf import settings
    from django.core.cache import caches

    return caches[getattr(settings, "API_THROTTLE_CACHE", "default")]


_local = threading.local()


def _read_shared_generation():
    try:
        return _shared_cache().get(_SHARED_KEY, 0)
    except Exception:  # the shared cache is down: fall back on the TTL
        return None


_UNREAD = object()


def begin_scope(**kwargs) -> None:
    """A request or a task starts: the shared generation is read once for all of it."""
    _local.scope = [_UNREAD]


def end_scope(**kwargs) -> None:
    _local.scope = None


def _shared_generation():
    """The shared generation, read once per request or task, else once per transaction
    (one GET) and on every call outside one. Inside a transaction the marker hook tells
    whether the memo is from this one: Django drops pending on-commit hooks when the
    transaction commits or rolls back."""
    scope = getattr(_local, "scope", None)
    if scope is not None:
        if scope[0] is _UNREAD:
            scope[0] = _read_shared_generation()
        return scope[0]
    if not connection.in_atomic_block:
        return _read_shared_generation()
    marker = getattr(_local, "marker", None)
    if marker is not None and any(entry[1] is marker for entry in connection.run_on_commit):
        return _local.value
    value = _read_shared_generation()

    def marker():
        pass

    transaction.on_commit(marker)
    _local.marker, _local.value = marker, value
    return value


def _bump_shared() -> None:
    bump()
    try:
        cache = _shared_cache()
        if not cache.add(_SHARED_KEY, 1, timeout=None):
            cache.incr(_SHARED_KEY)
    except Exception:
        logger.warning("could not raise the shared configuration generation", exc_info=True)


def changed() -> None:
    """Configuration was written: forget now, and everywhere once the transaction commits."""
    bump()
    transaction.on_commit(_bump_shared)


def cached(key, load: Callable[[], Any]) -> Any:
    """The value under ``key``, loaded by ``load()`` when missing, outdated or expired."""
    hit = _cache.get(key)
    now = time.monotonic()
    shared = _shared_generation()
    if hit is not None and hit[0] == _generation and hit[3] == shared and now - hit[1] < TTL:
        return hit[2]
    generation = _generation
    value = load()
    with _lock:
        if generation == _generation:
            _cache[key] = (generation, now, value, shared)
    return value


class VersionedQuerySet(models.QuerySet):
    """A queryset whose bulk writes invalidate the configuration caches."""

    def update(self, **kwargs):
        changed()
        return super().update(**kwargs)

    def delete(self):
        changed()
        return super().delete()

    def bulk_create(self, *args, **kwargs):
        changed()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        changed()
        return super().bulk_update(*args, **kwargs)

    def update_or_create(self, *args, **kwargs):
        changed()
        return super().update_or_create(*args, **kwargs)


class VersionedModel(models.Model):
    """A configuration model whose writes invalidate the configuration caches."""

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        changed()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        changed()
        return super().delete(*args, **kwargs)
