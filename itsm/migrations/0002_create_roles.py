"""Create one group per role of DESIGN §1 and give each its capabilities."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied here on purpose (not imported): a migration keeps the rules of its own time.
CAPABILITIES = {
    "requester": ["use_portal"],
    "agent": ["use_desk_console", "use_api"],
    "desk_manager": ["use_desk_console", "view_dashboards", "use_api"],
    "technician": ["use_section_queue", "use_api"],
    "section_lead": ["use_section_queue", "view_dashboards", "use_api"],
    "vendor": ["use_section_queue"],
    "incident_manager": [
        "use_desk_console",
        "use_section_queue",
        "view_dashboards",
        "manage_incident_process",
        "use_api",
    ],
    "director": ["view_dashboards"],
    "system": ["use_api"],
    "administrator": [
        "use_desk_console",
        "use_section_queue",
        "view_dashboards",
        "manage_incident_process",
        "use_api",
    ],
}
ADMIN_MODEL_PERMS = [
    ("itsm", "department"),
    ("itsm", "membership"),
    ("auth", "user"),
    ("auth", "group"),
]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so that the
    # groups can be given theirs in this migration.
    for label in ("itsm", "auth", "contenttypes"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(
            Permission.objects.filter(content_type__app_label="itsm", codename__in=codenames)
        )
        if role == "administrator":
            for app_label, model in ADMIN_MODEL_PERMS:
                perms += list(
                    Permission.objects.filter(
                        content_type__app_label=app_label, content_type__model=model
                    )
                )
        group.permissions.add(*perms)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=CAPABILITIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("itsm", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
