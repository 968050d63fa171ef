"""The per-process configuration cache (itsm.configcache): what invalidates it, how often it
asks the shared cache whether another process edited something, and the caches built on it
(roles, sections, categories)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import RequestFactory

from itsm import configcache
from itsm.roles import Role, user_roles

pytestmark = pytest.mark.django_db

User = get_user_model()


def fresh(user):
    """Another object for the same user, as the next request would load it."""
    return User.objects.get(pk=user.pk)


class Loads:
    """A loader that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


# --- roles ---------------------------------------------------------------------------------------


def test_roles_are_read_once_per_process(make_user, django_assert_num_queries):
    agent = make_user(Role.AGENT, section="servicedesk")
    assert user_roles(fresh(agent)) == {Role.AGENT}
    again = fresh(agent)
    with django_assert_num_queries(0):
        assert user_roles(again) == {Role.AGENT}


def test_roles_follow_group_changes_at_once(make_user, role_groups):
    user = make_user(Role.AGENT, section="servicedesk")
    assert user_roles(fresh(user)) == {Role.AGENT}

    user.groups.add(Group.objects.get(name=Role.TECHNICIAN))
    assert user_roles(fresh(user)) == {Role.AGENT, Role.TECHNICIAN}

    Group.objects.get(name=Role.AGENT).user_set.remove(user)  # the reverse side too
    assert user_roles(fresh(user)) == {Role.TECHNICIAN}

    user.groups.set([Group.objects.get(name=Role.DIRECTOR)])
    assert user_roles(fresh(user)) == {Role.DIRECTOR}

    user.groups.clear()
    assert user_roles(fresh(user)) == frozenset()


def test_renaming_a_group_changes_the_roles_it_gave(make_user):
    user = make_user(Role.AGENT, section="servicedesk")
    assert user_roles(fresh(user)) == {Role.AGENT}
    group = Group.objects.get(name=Role.AGENT)
    group.name = "former-agents"
    group.save()
    assert user_roles(fresh(user)) == frozenset()


def test_superuser_flag_is_read_from_the_user_not_the_cache(make_user):
    user = make_user(Role.AGENT, section="servicedesk")
    assert Role.ADMINISTRATOR not in user_roles(fresh(user))
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    assert Role.ADMINISTRATOR in user_roles(fresh(user))


# --- how often another process's edits are looked for -----------------------------------------


@pytest.fixture
def shared_reads(monkeypatch):
    """Counts the reads of the shared generation (one Redis GET each)."""
    reads = []
    real = configcache._read_shared_generation

    def counting():
        reads.append(1)
        return real()

    monkeypatch.setattr(configcache, "_read_shared_generation", counting)
    return reads


def test_a_request_reads_the_shared_generation_once(shared_reads):
    configcache.begin_scope()
    try:
        for _ in range(3):
            configcache.cached("test-a", Loads())
        with transaction.atomic():
            configcache.cached("test-b", Loads())
        configcache.cached("test-c", Loads())
    finally:
        configcache.end_scope()
    assert len(shared_reads) == 1


@pytest.mark.django_db(transaction=True)
def test_outside_a_request_each_transaction_reads_it_once(shared_reads):
    with transaction.atomic():
        configcache.cached("test-a", Loads())
        configcache.cached("test-b", Loads())
    assert len(shared_reads) == 1
    with transaction.atomic():
        configcache.cached("test-a", Loads())
    assert len(shared_reads) == 2
    configcache.cached("test-a", Loads())  # outside any transaction: every lookup asks
    configcache.cached("test-a", Loads())
    assert len(shared_reads) == 4


def test_the_request_signals_open_and_close_the_scope(client, shared_reads):
    assert getattr(configcache._local, "scope", None) is None
    client.get("/accounts/login/")
    assert getattr(configcache._local, "scope", None) is None


def test_an_edit_in_another_process_is_seen_by_the_next_request():
    load = Loads()
    configcache.begin_scope()
    assert configcache.cached("test-other", load) == 1
    configcache.end_scope()

    # Another process commits an edit: it raises the shared generation only.
    shared = configcache._shared_cache()
    if not shared.add(configcache._SHARED_KEY, 1, timeout=None):
        shared.incr(configcache._SHARED_KEY)

    configcache.begin_scope()
    try:
        assert configcache.cached("test-other", load) == 2
        assert configcache.cached("test-other", load) == 2
    finally:
        configcache.end_scope()


def test_a_task_reads_in_its_own_scope(shared_reads):
    from celery import signals

    signals.task_prerun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    try:
        configcache.cached("test-a", Loads())
        configcache.cached("test-b", Loads())
        assert len(shared_reads) == 1
    finally:
        signals.task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    assert getattr(configcache._local, "scope", None) is None


def test_a_request_factory_request_has_no_scope_left_behind(rf: RequestFactory):
    # Views called directly (no handler) never open a scope: per-transaction reads apply.
    rf.get("/")
    assert getattr(configcache._local, "scope", None) is None


# --- sections and categories ------------------------------------------------------------------


def test_sections_and_categories_are_cached_and_follow_edits(world, django_assert_num_queries):
    from incidents.models import Category
    from incidents.routing import route
    from incidents.selectors import categories_by_id, category_by_code
    from itsm.selectors import department_by_code

    leaf = Category.objects.create(
        code="net-leaf", name_zh="叶", name_en="Leaf", parent=world.category
    )
    assert category_by_code("net-leaf").parent.pk == world.category.pk
    with django_assert_num_queries(0):
        chain = [c.code for c in categories_by_id()[leaf.pk].ancestors()]
        assert department_by_code(world.network.code).pk == world.network.pk
    assert chain == ["net-leaf", *[c.code for c in world.category.ancestors()]]

    # A new default section on the leaf routes there at once.
    leaf.default_department = world.systems
    leaf.save()
    assert route(category=leaf).pk == world.systems.pk
    # An inactive section is skipped: the parent's default applies again.
    world.systems.active = False
    world.systems.save()
    assert route(category=leaf).pk == world.network.pk
    assert category_by_code("no-such-code") is None


def test_section_roles_follow_membership_changes(world, django_assert_num_queries):
    from incidents.rules import section_roles
    from itsm.models import Membership

    tech = world.tech
    assert section_roles(fresh(tech)) == {world.network.pk: Role.TECHNICIAN}
    again = fresh(tech)
    with django_assert_num_queries(0):
        assert section_roles(again) == {world.network.pk: Role.TECHNICIAN}

    Membership.objects.create(
        user=tech, department=world.systems, role=Role.SECTION_LEAD, is_primary=False
    )
    assert section_roles(fresh(tech)) == {
        world.network.pk: Role.TECHNICIAN,
        world.systems.pk: Role.SECTION_LEAD,
    }
    Membership.objects.filter(user=tech, department=world.network).delete()
    assert section_roles(fresh(tech)) == {world.systems.pk: Role.SECTION_LEAD}


def test_category_tree_from_the_cache_follows_edits(world, django_assert_num_queries):
    from incidents.models import Category
    from incidents.selectors import category_tree

    category_tree()  # load
    with django_assert_num_queries(0):
        codes = [c.code for c, _depth in category_tree()]
    assert world.category.code in codes
    child = Category.objects.create(
        code="lan-wifi", name_zh="无线", name_en="Wi-Fi", parent=world.category
    )
    tree = [(c.code, depth) for c, depth in category_tree()]
    assert tree.index((child.code, 1)) == tree.index((world.category.code, 0)) + 1
    child.active = False
    child.save()
    assert child.code not in [c.code for c, _depth in category_tree()]
