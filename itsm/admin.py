"""Admin for sections, memberships, notifications and notification preferences."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from itsm import services
from itsm.api import services as api_services
from itsm.models import (
    Department,
    Membership,
    Notification,
    NotificationDigest,
    NotificationPreference,
    SystemAccount,
    WebhookDelivery,
    WebhookSubscription,
)
from itsm.notification_kinds import notification_kind, notification_kind_choices
from itsm.roles import SECTION_ROLES
from itsm.webhooks import webhook_event_choices, webhook_retry


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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent to whom, and what is stuck (retry it from here)."""

    list_display = [
        "created_at",
        "recipient",
        "event",
        "subject",
        "incident_number",
        "email_state",
        "attempts",
        "next_attempt_at",
        "read_at",
    ]
    list_filter = ["email_state", "event", "created_at"]
    search_fields = ["subject", "incident_number", "recipient__username", "recipient__email"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_now"]

    # Read-only: a saved form could write a stale email state over a delivery in flight.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("itsm.change_notification")

    @admin.action(description=_("Retry the email now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = services.notification_retry(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


class NotificationPreferenceForm(forms.ModelForm):
    event = forms.ChoiceField(label=_("event kind"), choices=notification_kind_choices)

    class Meta:
        model = NotificationPreference
        fields = ["user", "event", "inbox", "email", "digest"]

    def clean(self):
        cleaned = super().clean()
        kind = notification_kind(cleaned.get("event") or "")
        if cleaned.get("digest") and not (kind and kind.digest):
            self.add_error("digest", _("This kind has no daily digest: someone must act on it."))
        return cleaned


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    form = NotificationPreferenceForm
    list_display = ["user", "event", "inbox", "email", "digest"]
    list_filter = ["inbox", "email", "digest", "event"]
    search_fields = ["user__username", "event"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


# --- The REST API: system accounts and outbound webhooks (docs/api.md) ---------------------


class SystemAccountForm(forms.ModelForm):
    """A system account: a name, and optionally a section and the role it holds there."""

    department = forms.ModelChoiceField(
        label=_("section"),
        queryset=Department.objects.active(),
        required=False,
        help_text=_("The account sees and acts on what this section holds."),
    )
    section_role = forms.ChoiceField(
        label=_("role in the section"),
        choices=[("", "—")] + [(r.value, r.label) for r in SECTION_ROLES],
        required=False,
    )

    class Meta:
        model = SystemAccount
        fields = ["username", "first_name", "email", "is_active"]
        labels = {"first_name": _("name")}

    def clean(self):
        data = super().clean()
        if data.get("section_role") and not data.get("department"):
            self.add_error("department", _("Choose the section the role is held in."))
        return data


@admin.register(SystemAccount)
class SystemAccountAdmin(admin.ModelAdmin):
    """External systems using the API: create them here and issue their tokens."""

    form = SystemAccountForm
    list_display = ["username", "first_name", "is_active", "sections", "has_token"]
    search_fields = ["username", "first_name"]
    actions = ["issue_token"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__department")

    def get_fields(self, request, obj=None):
        fields = ["username", "first_name", "email", "is_active"]
        return fields if obj is not None else [*fields, "department", "section_role"]

    @admin.display(description=_("sections"))
    def sections(self, obj):
        return ", ".join(
            f"{m.department.code} ({m.get_role_display()})" for m in obj.memberships.all()
        )

    @admin.display(description=_("token"), boolean=True)
    def has_token(self, obj):
        return hasattr(obj, "auth_token")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        user = api_services.system_account_create(
            username=form.cleaned_data["username"],
            name=form.cleaned_data.get("first_name", ""),
            email=form.cleaned_data.get("email", ""),
            department=form.cleaned_data.get("department"),
            section_role=form.cleaned_data.get("section_role", ""),
        )
        obj.pk = obj.id = user.pk
        obj._state.adding = False

    @admin.action(description=_("Issue a new API token (the old one stops working)"))
    def issue_token(self, request, queryset):
        for account in queryset:
            token = api_services.api_token_rotate(user=account)
            self.message_user(
                request,
                _("New token for %(user)s: %(token)s — give it to the system now.")
                % {"user": account.username, "token": token.key},
                messages.WARNING,
            )


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every event."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "secret", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = webhook_event_choices()


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Outside URLs told about incident events, signed with the secret (HMAC-SHA256)."""

    form = WebhookSubscriptionForm
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The webhook outbox, read-only: what was sent where, what failed (retry it here)."""

    list_display = [
        "created_at",
        "subscription",
        "event",
        "incident_number",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state", "event", "subscription"]
    search_fields = ["incident_number", "event"]
    list_select_related = ["subscription"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("itsm.change_webhookdelivery")

    @admin.action(description=_("Deliver again now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = webhook_retry(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationDigest)
class NotificationDigestAdmin(admin.ModelAdmin):
    """The daily digests sent (read-only: the row is what makes a digest once a day)."""

    list_display = ["day", "user", "count", "sent_at"]
    list_filter = ["day"]
    search_fields = ["user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
