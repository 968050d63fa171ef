"""Admin for the monitoring intake: the alert rules (edited here) and the alerts (read-only)."""

from django.contrib import admin

from servicedesk.models import Alert, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """Labels → category, impact/urgency and configuration item; most specific rule wins."""

    list_display = [
        "name",
        "service",
        "severity",
        "instance",
        "category",
        "impact",
        "urgency",
        "configuration_item",
        "rank",
        "active",
    ]
    list_filter = ["active", "severity"]
    search_fields = ["name", "service", "instance", "configuration_item"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """What monitoring sent: fingerprints, occurrences and the incident each opened."""

    list_display = [
        "fingerprint",
        "title",
        "reported_by",
        "incident",
        "occurrences",
        "first_seen_at",
        "last_seen_at",
        "resolved_at",
        "outcome",
    ]
    list_filter = ["outcome", "source"]
    search_fields = ["fingerprint", "title", "incident__number"]
    list_select_related = ["reported_by", "incident"]
    date_hierarchy = "last_seen_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
