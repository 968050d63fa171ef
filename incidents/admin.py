"""Admin for incident configuration, and a read-mostly view of incidents and their history.

Incidents change state only through the services, so the admin shows them read-only; the
configuration (categories, routing, priority matrix, codes, reasons, section policies) is
edited here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incidents.models import (
    AssignmentSegment,
    Attachment,
    Category,
    Comment,
    DelayReason,
    Incident,
    IncidentEvent,
    IncidentLink,
    PriorityMatrixEntry,
    ResolutionCode,
    RoutingRule,
    SectionPolicy,
    SuspendReason,
    WorkLog,
)


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "parent", "default_department", "active"]
    list_filter = ["active", "default_department"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["parent", "default_department"]
    list_select_related = ["parent", "default_department"]
    inlines = [RoutingRuleInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "location", "configuration_item", "department", "active"]
    list_filter = ["active", "department"]
    search_fields = ["category__code", "location", "configuration_item"]
    autocomplete_fields = ["category", "department"]
    list_select_related = ["category", "department"]


@admin.register(PriorityMatrixEntry)
class PriorityMatrixAdmin(admin.ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    ordering = ["impact", "urgency"]


@admin.register(SuspendReason)
class SuspendReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "stops_clock", "awaits_requester", "max_duration", "active"]
    list_filter = ["stops_clock", "active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(ResolutionCode, DelayReason)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(SectionPolicy)
class SectionPolicyAdmin(admin.ModelAdmin):
    list_display = ["department", "assign_mode", "acceptance_time"]
    list_filter = ["assign_mode"]
    autocomplete_fields = ["department"]
    readonly_fields = ["last_assigned"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = IncidentEvent
    fields = ["at", "kind", "actor", "from_status", "to_status", "reason", "data", "notified"]
    readonly_fields = fields


class SegmentInline(ReadOnlyInline):
    model = AssignmentSegment
    fields = [
        "department",
        "assignee",
        "started_at",
        "accepted_at",
        "ended_at",
        "end_reason",
        "ola_met",
        "delay_reason",
    ]
    readonly_fields = fields


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "is_public", "body"]
    readonly_fields = fields


class WorkLogInline(ReadOnlyInline):
    model = WorkLog
    fields = ["logged_at", "author", "minutes", "note"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents are read-only here: every change goes through the services (and history)."""

    list_display = [
        "number",
        "title",
        "status",
        "priority",
        "nature",
        "department",
        "assignee",
        "escalation_level",
        "created_at",
    ]
    list_filter = ["status", "priority", "nature", "source", "is_major", "in_dispute"]
    search_fields = ["number", "title"]
    list_select_related = ["department", "assignee"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    inlines = [SegmentInline, EventInline, CommentInline, WorkLogInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncidentEvent)
class IncidentEventAdmin(admin.ModelAdmin):
    """The append-only history: viewable, never editable or deletable."""

    list_display = ["incident", "kind", "actor", "at", "from_status", "to_status"]
    list_filter = ["kind"]
    search_fields = ["incident__number"]
    list_select_related = ["incident", "actor"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "incident", "content_type", "size", "uploaded_by"]
    search_fields = ["incident__number", "original_name"]
    list_select_related = ["incident", "uploaded_by"]
    readonly_fields = ["incident", "file", "content_type", "size", "uploaded_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(IncidentLink)
class IncidentLinkAdmin(admin.ModelAdmin):
    list_display = ["from_incident", "kind", "to_incident", "created_by", "created_at"]
    list_select_related = ["from_incident", "to_incident", "created_by"]
    raw_id_fields = ["from_incident", "to_incident"]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("IT service desk administration")
