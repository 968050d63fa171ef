"""Let the administrator role edit the alert rules and read the alerts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied here on purpose (not imported): a migration keeps the rules of its own time.
ADMINISTRATOR_PERMISSIONS = [
    "view_alertrule",
    "add_alertrule",
    "change_alertrule",
    "delete_alertrule",
    "view_alert",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("servicedesk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="administrator")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="servicedesk", codename__in=ADMINISTRATOR_PERMISSIONS
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="administrator"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="servicedesk", codename__in=ADMINISTRATOR_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_alerts_and_rules")]

    operations = [migrations.RunPython(grant, revoke)]
