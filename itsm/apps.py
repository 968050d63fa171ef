from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItsmConfig(AppConfig):
    name = "itsm"
    verbose_name = _("Shared core")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        # ``security`` registers the deploy check on the secret key. The services queue
        # their tasks by name; importing ``tasks`` makes every process (web, beat, shell)
        # know them, so eager mode and routing see the real task.
        from itsm import security, tasks  # noqa: F401
        from itsm.demo import demo_seeder_register
        from itsm.roles import groups_changed

        demo_seeder_register("itsm.demo")

        # Roles are group memberships, cached per process (itsm.configcache): any change to
        # them invalidates the cache. Invalidation only; no rule hangs on these signals.
        m2m_changed.connect(
            groups_changed, sender=get_user_model().groups.through, dispatch_uid="itsm-roles"
        )
        post_save.connect(groups_changed, sender=Group, dispatch_uid="itsm-roles-save")
        post_delete.connect(groups_changed, sender=Group, dispatch_uid="itsm-roles-delete")

        # The configuration cache checks for edits made elsewhere once per request or task.
        from celery import signals as celery_signals
        from django.core import signals as request_signals

        from itsm import configcache

        request_signals.request_started.connect(configcache.begin_scope, dispatch_uid="cc-in")
        request_signals.request_finished.connect(configcache.end_scope, dispatch_uid="cc-out")
        celery_signals.task_prerun.connect(
            configcache.begin_scope, dispatch_uid="cc-in", weak=False
        )
        celery_signals.task_postrun.connect(
            configcache.end_scope, dispatch_uid="cc-out", weak=False
        )
