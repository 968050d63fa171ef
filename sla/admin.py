"""Admin for calendars, policies, thresholds, OLA targets and (read-only) clocks."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from sla import services
from sla.choices import State
from sla.models import (
    BusinessCalendar,
    CalendarDay,
    OlaTarget,
    SlaClock,
    SlaPolicy,
    SlaThreshold,
    WorkingPeriod,
)
from sla.notice import Notice, Problem, parse_notice
from sla.selectors import CALENDAR_WARNING_DAYS, clock_view


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}"


def _report_moved(modeladmin, request, moved) -> None:
    modeladmin.message_user(
        request,
        ngettext("%(n)d deadline moved.", "%(n)d deadlines moved.", len(moved)) % {"n": len(moved)},
        messages.SUCCESS,
    )
    for m in moved[:20]:
        modeladmin.message_user(
            request,
            f"{m.incident_number} {m.target}: "
            f"{timezone.localtime(m.old_deadline):%Y-%m-%d %H:%M} → "
            f"{timezone.localtime(m.new_deadline):%Y-%m-%d %H:%M}",
            messages.INFO,
        )


# How each problem the notice reader finds is worded (sla.notice.Problem.code).
NOTICE_PROBLEMS = {
    "no_sections": _("No numbered sections (“一、元旦：…”) were found."),
    "no_dates": _("No dates found in: %(text)s"),
    "bad_date": _("Not a date: %(text)s"),
    "unclear": _("The month is missing: %(text)s"),
    "reversed": _("The range ends before it starts: %(text)s"),
    "total": _("The notice says %(said)d days but the dates give %(n)d: %(text)s"),
    "weekday": _(
        "%(date)s is a %(actual)s, the notice says %(said)s: is the year right? (%(text)s)"
    ),
    "twice": _("%(date)s is given twice: %(text)s"),
}


def notice_problem_message(problem: Problem) -> str:
    message = str(NOTICE_PROBLEMS.get(problem.code, _("Cannot read: %(text)s")))
    message = message % {"text": problem.text, **problem.params}
    return f"{problem.section}: {message}" if problem.section else message


class HolidayNoticeForm(forms.Form):
    """Step one of the import: the year and the text of the State Council's notice."""

    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    text = forms.CharField(
        label=_("text of the notice"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text=_(
            "Paste the numbered list of the State Council's notice "
            "(“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。…”)."
        ),
    )

    def clean(self):
        data = super().clean()
        if "year" in data and "text" in data:
            notice = parse_notice(data["text"], year=data["year"])
            if notice.problems:
                raise ValidationError([notice_problem_message(p) for p in notice.problems])
            data["notice"] = notice
        return data


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    extra = 0


class CalendarDayInline(admin.TabularInline):
    """The days of last year onwards (the full list is under “calendar days”)."""

    model = CalendarDay
    extra = 1
    verbose_name_plural = _("holidays and adjusted working days (from last year on)")

    def get_queryset(self, request):
        first = timezone.localdate().replace(month=1, day=1)
        return super().get_queryset(request).filter(date__gte=first.replace(year=first.year - 1))


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "time_zone",
        "always_open",
        "valid_from",
        "valid_until",
        "data_status",
        "revision",
        "active",
    ]
    list_filter = ["always_open", "active"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = ["revision"]
    inlines = [WorkingPeriodInline, CalendarDayInline]
    actions = ["load_china", "import_holidays", "replan"]
    change_form_template = "admin/sla/businesscalendar/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/import-holidays/",
                self.admin_site.admin_view(self.import_holidays_view),
                name="sla_businesscalendar_import_holidays",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Import the year's holidays (State Council notice)"))
    def import_holidays(self, request, queryset):
        calendars = list(queryset[:2])
        if len(calendars) != 1:
            self.message_user(request, _("Choose exactly one calendar."), messages.ERROR)
            return None
        return redirect("admin:sla_businesscalendar_import_holidays", calendars[0].pk)

    def import_holidays_view(self, request, pk: int):
        """Paste the notice and the year, review the days it gives, then save them: the
        calendar's data is extended to the year's end and its running clocks re-planned."""
        calendar = get_object_or_404(BusinessCalendar, pk=pk)
        if not self.has_change_permission(request, calendar):
            raise PermissionDenied
        notice: Notice | None = None
        if request.method == "POST":
            form = HolidayNoticeForm(request.POST)
            if form.is_valid():
                notice = form.cleaned_data["notice"]
                if "confirm" in request.POST:
                    try:
                        result = services.calendar_import_year(
                            calendar=calendar,
                            year=notice.year,
                            holidays={d.date: d.name for d in notice.holidays},
                            workdays={d.date: d.name for d in notice.workdays},
                        )
                    except ValidationError as exc:
                        form.add_error(None, exc)
                    else:
                        self.message_user(
                            request,
                            gettext(
                                "%(calendar)s: %(created)d days added, %(updated)d changed; "
                                "data until %(until)s."
                            )
                            % {
                                "calendar": calendar.code,
                                "created": result.load.created,
                                "updated": result.load.updated,
                                "until": result.load.valid_until,
                            },
                            messages.SUCCESS,
                        )
                        _report_moved(self, request, result.moved)
                        return redirect("admin:sla_businesscalendar_change", calendar.pk)
        else:
            year = (calendar.valid_until or timezone.localdate()).year + 1
            form = HolidayNoticeForm(initial={"year": year})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import the year's holidays: %(calendar)s") % {"calendar": calendar},
            "opts": self.model._meta,
            "original": calendar,
            "form": form,
            "notice": notice if form.is_valid() else None,
            "days_url": reverse("admin:sla_calendarday_changelist")
            + f"?calendar__id__exact={calendar.pk}",
        }
        return TemplateResponse(request, "admin/sla/businesscalendar/import_holidays.html", context)

    @admin.display(description=_("holiday data"))
    def data_status(self, obj):
        if obj.always_open:
            return "—"
        today = timezone.localdate()
        if obj.valid_until is None:
            return format_html('<span style="color:#b00">⚠ {}</span>', _("no data range"))
        if obj.valid_until < today:
            return format_html('<span style="color:#b00">⚠ {}</span>', _("ended"))
        if obj.valid_until < today + timedelta(days=CALENDAR_WARNING_DAYS):
            return format_html(
                '<span style="color:#b60">⚠ {}</span>', _("ends soon: add next year")
            )
        return _("ok")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Hours or days may have changed: cached working calendars must be rebuilt.
        services.calendar_touch(calendar=form.instance)
        if change:
            self.message_user(
                request,
                _("Calendar saved. Re-plan its running clocks to move their deadlines."),
                messages.WARNING,
            )

    @admin.action(description=_("Load the Chinese statutory holidays (chinesecalendar)"))
    def load_china(self, request, queryset):
        for calendar in queryset.filter(always_open=False):
            result = services.calendar_load_china(calendar=calendar)
            self.message_user(
                request,
                f"{calendar.code}: +{result.created}, ~{result.updated}; "
                f"{result.valid_from} – {result.valid_until}",
            )

    @admin.action(description=_("Re-plan the running clocks on these calendars"))
    def replan(self, request, queryset):
        _report_moved(self, request, services.clocks_replan(calendars=list(queryset)))


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "calendar", "kind", "name"]
    list_filter = ["calendar", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_select_related = ["calendar"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.calendar_touch(calendar=obj.calendar)

    def delete_model(self, request, obj):
        calendar = obj.calendar
        super().delete_model(request, obj)
        services.calendar_touch(calendar=calendar)

    def delete_queryset(self, request, queryset):
        calendars = list(BusinessCalendar.objects.filter(days__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for calendar in calendars:
            services.calendar_touch(calendar=calendar)


class SlaThresholdInline(admin.TabularInline):
    model = SlaThreshold
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "priority",
        "nature",
        "category",
        "organisation",
        "rank",
        "is_default",
        "calendar",
        "response",
        "resolution",
        "update",
        "active",
    ]
    list_filter = ["active", "priority", "nature", "calendar", "is_default"]
    search_fields = ["code", "name_zh", "name_en", "organisation"]
    list_select_related = ["calendar", "category"]
    inlines = [SlaThresholdInline]
    actions = ["replan"]

    @admin.display(description=_("response"))
    def response(self, obj):
        return _duration(obj.response_target)

    @admin.display(description=_("resolution"))
    def resolution(self, obj):
        return _duration(obj.resolution_target)

    @admin.display(description=_("update"))
    def update(self, obj):
        return _duration(obj.update_interval)

    @admin.action(description=_("Re-plan the running clocks of these policies"))
    def replan(self, request, queryset):
        _report_moved(self, request, services.clocks_replan(policies=list(queryset)))


@admin.register(OlaTarget)
class OlaTargetAdmin(admin.ModelAdmin):
    list_display = ["department", "accept", "resolve", "calendar", "active"]
    list_filter = ["active", "calendar"]
    search_fields = ["department__code", "department__name_zh", "department__name_en"]
    autocomplete_fields = ["department"]
    list_select_related = ["department", "calendar"]

    @admin.display(description=_("accept within"))
    def accept(self, obj):
        return _duration(obj.accept_within)

    @admin.display(description=_("resolve or hand on within"))
    def resolve(self, obj):
        return _duration(obj.resolve_within)


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """Clocks are written by the services only: read them here, re-plan them."""

    list_display = [
        "incident",
        "target",
        "state",
        "target_time",
        "deadline",
        "remaining",
        "fired",
        "gap",
        "calendar",
    ]
    list_filter = ["state", "target", "calendar_gap", "calendar"]
    search_fields = ["incident__number"]
    list_select_related = ["incident", "calendar", "segment__department"]
    date_hierarchy = "started_at"
    actions = ["replan"]
    readonly_fields = [f.name for f in SlaClock._meta.fields] + ["remaining", "gap"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("target"))
    def target_time(self, obj):
        return _duration(obj.target_duration)

    @admin.display(description=_("remaining / overrun (business time)"))
    def remaining(self, obj):
        view = clock_view(obj)
        if view.overrun:
            return format_html('<span style="color:#b00">−{}</span>', _duration(view.overrun))
        if obj.state in (State.MET, State.CANCELLED):
            return "—"
        return _duration(view.remaining)

    @admin.display(description=_("calendar gap"), boolean=False)
    def gap(self, obj):
        if not obj.calendar_gap:
            return ""
        return format_html(
            '<span style="color:#b00" title="{}">⚠ {}</span>',
            _("The deadline lies beyond the holiday data of the calendar."),
            _("no calendar data"),
        )

    @admin.action(description=_("Re-plan the selected clocks"))
    def replan(self, request, queryset):
        _report_moved(
            self,
            request,
            services.clocks_replan(clock_ids=list(queryset.values_list("pk", flat=True))),
        )
