"""Admin for sections and memberships."""

from django.contrib import admin

from itsm.models import Department, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "parent", "lead", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["parent", "lead"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "on_duty", "is_primary"]
    list_filter = ["role", "on_duty", "department"]
    search_fields = ["user__username", "department__code"]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "department"]
