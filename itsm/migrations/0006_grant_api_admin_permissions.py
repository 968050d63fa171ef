"""Let the administrator role manage system accounts, their tokens and the webhooks."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied here on purpose (not imported): a migration keeps the rules of its own time.
ADMINISTRATOR_PERMISSIONS = {
    "itsm": [
        "view_systemaccount",
        "add_systemaccount",
        "change_systemaccount",
        "view_webhooksubscription",
        "add_webhooksubscription",
        "change_webhooksubscription",
        "delete_webhooksubscription",
        "view_webhookdelivery",
        "change_webhookdelivery",
    ],
    "authtoken": ["view_token", "add_token", "delete_token"],
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    for app_label, codenames in ADMINISTRATOR_PERMISSIONS.items():
        yield from Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    for label in ADMINISTRATOR_PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="administrator")
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="administrator"):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0005_api_idempotency_webhooks"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
