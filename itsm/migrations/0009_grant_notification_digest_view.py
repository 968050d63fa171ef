"""Let the administrator role see the daily digests sent (read-only in the admin)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied here on purpose (not imported): a migration keeps the rules of its own time.
ADMINISTRATOR_PERMISSIONS = ["view_notificationdigest"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    app_config = apps.get_app_config("itsm")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="administrator")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="itsm", codename__in=ADMINISTRATOR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="administrator"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="itsm", codename__in=ADMINISTRATOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("itsm", "0008_notification_inbox_and_digest")]

    operations = [migrations.RunPython(grant, revoke)]
