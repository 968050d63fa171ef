"""Shared fixtures: users of each role, signed-in clients, a browser."""

import importlib
import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# next to it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_configuration_cache():
    """Each test starts without cached configuration: rolled-back rows of an earlier test
    never bump the generation (itsm.configcache)."""
    from itsm import configcache

    configcache.bump()
    yield
    configcache.bump()


@pytest.fixture(autouse=True)
def _tasks_stay_away_from_the_worker(request):
    """The session's real Celery worker consumes the default queue. A test that does not use
    it (no ``celery`` mark) publishes its tasks to a queue nobody consumes, so that the worker
    never runs one of them against the database while that test's rows are being flushed
    (seen once as a deadlock between the worker and the flush's TRUNCATE)."""
    if request.node.get_closest_marker("celery"):
        yield
        return
    from itsm.celery import app

    default = app.conf.task_default_queue
    app.conf.task_default_queue = "tests-not-consumed"
    yield
    app.conf.task_default_queue = default


@pytest.fixture
def role_groups(db):
    """The role groups of the data migration; a flushed (transactional) database gets them back."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from itsm.roles import Role

    if Group.objects.filter(name__in=Role.values).count() < len(Role.values):
        create_roles = importlib.import_module("itsm.migrations.0002_create_roles").create_roles
        create_roles(apps, None)


@pytest.fixture
def make_user(role_groups):
    """Create a user with a role (and a section membership when the role is held in one)."""
    from tests.itsm.factories import make_user as _make_user

    return _make_user


@pytest.fixture
def client_for(client, make_user):
    """A test client signed in as a new user of the given role."""

    def _client_for(role: str, section: str | None = None, **kwargs):
        user = make_user(role, section=section, **kwargs)
        client.force_login(user)
        client.user = user
        return client

    return _client_for


@pytest.fixture
def world(role_groups):
    """A small organisation with one person of each role (tests/incidents/factories.py)."""
    from tests.incidents.factories import World

    return World()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, tmp_path_factory):
    """A real Celery worker (solo pool) on the test database and the test Redis database.

    Use it from ``@pytest.mark.celery`` and ``@pytest.mark.django_db(transaction=True)``
    tests (the worker sees only committed rows); wait for its effects with
    ``tests.celery_worker.wait_until``. It has ``.emails()`` (what it sent) and ``.log_tail()``.
    """
    from tests.celery_worker import CeleryWorker

    worker = CeleryWorker.for_test_database(tmp_path_factory.mktemp("celery-worker"))
    worker.start()
    yield worker
    worker.stop()
