"""Fill the default priority matrix and give the administrator group the configuration
permissions of the incidents app."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Copied on purpose: the matrix of DESIGN §2.2 at the time of this migration.
MATRIX = {
    (1, 1): "P1",
    (1, 2): "P2",
    (1, 3): "P3",
    (2, 1): "P2",
    (2, 2): "P3",
    (2, 3): "P4",
    (3, 1): "P3",
    (3, 2): "P4",
    (3, 3): "P4",
}
CONFIG_MODELS = [
    "category",
    "routingrule",
    "prioritymatrixentry",
    "suspendreason",
    "resolutioncode",
    "delayreason",
    "sectionpolicy",
]
VIEW_MODELS = ["incident", "incidentevent", "assignmentsegment", "attachment", "incidentlink"]


def forwards(apps, schema_editor):
    Entry = apps.get_model("incidents", "PriorityMatrixEntry")
    for (impact, urgency), priority in MATRIX.items():
        Entry.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})
    app_config = apps.get_app_config("incidents")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin_group, _ = Group.objects.get_or_create(name="administrator")
    perms = Permission.objects.filter(
        content_type__app_label="incidents", content_type__model__in=CONFIG_MODELS
    )
    views = Permission.objects.filter(
        content_type__app_label="incidents",
        content_type__model__in=VIEW_MODELS,
        codename__startswith="view_",
    )
    admin_group.permissions.add(*perms, *views)


def backwards(apps, schema_editor):
    apps.get_model("incidents", "PriorityMatrixEntry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_number_sequence"),
        ("itsm", "0002_create_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
