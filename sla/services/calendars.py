"""Writes on business calendars: record an edit so that every process rebuilds the
calendar, load statutory holidays and adjusted working days, import a year's notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from itsm import selectors as itsm_selectors
from itsm.services import notification_queue
from sla.choices import DayKind
from sla.models import BusinessCalendar, CalendarDay
from sla.selectors import calendars_running_out
from sla.services.replan import clocks_replan


def calendar_touch(*, calendar: BusinessCalendar) -> None:
    """Record that the calendar's hours or days changed: every process rebuilds it."""
    BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    valid_from: date | None = None
    valid_until: date | None = None


@transaction.atomic
def calendar_load_days(
    *,
    calendar: BusinessCalendar,
    holidays: dict[date, str],
    workdays: dict[date, str],
    first_year: int,
    last_year: int,
) -> LoadResult:
    """Write statutory holidays and adjusted working days into the calendar and widen its
    data range to whole years ``first_year``–``last_year``. Dates the administrators added
    that the source does not mention are kept; where the source says otherwise, it wins."""
    result = LoadResult()
    wanted = {d: (DayKind.HOLIDAY, n) for d, n in holidays.items()}
    wanted.update({d: (DayKind.WORKDAY, n) for d, n in workdays.items()})
    existing = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__in=wanted)}
    create, update = [], []
    for day, (kind, name) in sorted(wanted.items()):
        name = (name or "")[:100]
        row = existing.get(day)
        if row is None:
            create.append(CalendarDay(calendar=calendar, date=day, kind=kind, name=name))
        elif row.kind != kind or row.name != name:
            row.kind, row.name = kind, name
            update.append(row)
        else:
            result.unchanged += 1
    CalendarDay.objects.bulk_create(create, batch_size=1000)
    CalendarDay.objects.bulk_update(update, ["kind", "name"], batch_size=1000)
    result.created, result.updated = len(create), len(update)
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    fields = []
    if calendar.valid_from is None or start < calendar.valid_from:
        calendar.valid_from = start
        fields.append("valid_from")
    if calendar.valid_until is None or end > calendar.valid_until:
        calendar.valid_until = end
        fields.append("valid_until")
    if fields:
        calendar.save(update_fields=fields)
    if create or update or fields:
        calendar_touch(calendar=calendar)
    result.valid_from, result.valid_until = calendar.valid_from, calendar.valid_until
    return result


def calendar_load_china(*, calendar: BusinessCalendar) -> LoadResult:
    """Load the Chinese statutory calendar the installed ``chinesecalendar`` package knows.

    The years covered are the package's own range, read from its data as the package itself
    does (the first and last year of its ``holidays``), never a fixed year: installing a
    newer release and loading again extends the calendar to the years it adds."""
    import chinese_calendar

    holidays = {d: str(n) for d, n in chinese_calendar.holidays.items()}
    workdays = {d: str(n) for d, n in chinese_calendar.workdays.items()}
    years = [d.year for d in holidays]
    return calendar_load_days(
        calendar=calendar,
        holidays=holidays,
        workdays=workdays,
        first_year=min(years),
        last_year=max(years),
    )


@dataclass
class ImportResult:
    """What importing a year's holidays did: the days written, the deadlines moved."""

    load: LoadResult
    moved: list


def calendar_import_year(
    *,
    calendar: BusinessCalendar,
    year: int,
    holidays: dict[date, str],
    workdays: dict[date, str],
) -> ImportResult:
    """Write one year's holidays and adjusted working days (read from the State Council's
    notice and reviewed by an administrator), extend the data to the year's end and re-plan
    the calendar's running clocks so that their deadlines follow.

    Refused, with nothing written: a 24×7 calendar, no days at all, a day outside the year
    (except the days next to its ends a notice may give, such as 12月30日 of the year
    before), a day given as both, and a year that would leave the data with a hole."""
    errors = []
    if calendar.always_open:
        errors.append(gettext("A 24×7 calendar has no holidays."))
    if not holidays and not workdays:
        errors.append(gettext("No holidays or adjusted working days to save."))
    window = (date(year - 1, 12, 1), date(year + 1, 1, 31))
    for day in sorted({*holidays, *workdays}):
        if not window[0] <= day <= window[1]:
            errors.append(gettext("%(date)s is not in %(year)d.") % {"date": day, "year": year})
    for day in sorted(set(holidays) & set(workdays)):
        errors.append(gettext("%(date)s is both a holiday and a working day.") % {"date": day})
    if calendar.valid_until is not None and year > calendar.valid_until.year + 1:
        errors.append(
            gettext("The calendar's data ends on %(end)s: import %(next)d before %(year)d.")
            % {"end": calendar.valid_until, "next": calendar.valid_until.year + 1, "year": year}
        )
    if calendar.valid_from is not None and year < calendar.valid_from.year - 1:
        errors.append(
            gettext("The calendar's data starts on %(start)s: import %(previous)d before %(year)d.")
            % {
                "start": calendar.valid_from,
                "previous": calendar.valid_from.year - 1,
                "year": year,
            }
        )
    if errors:
        raise ValidationError(errors)
    load = calendar_load_days(
        calendar=calendar,
        holidays=holidays,
        workdays=workdays,
        first_year=year,
        last_year=year,
    )
    # After the days are committed: each incident is re-planned in its own transaction.
    return ImportResult(load=load, moved=clocks_replan(calendars=[calendar]))


# The notification kind of the warning (registered from sla.apps).
CALENDAR_DATA_ENDING = "sla.calendar_data_ending"


def calendar_data_warnings_send(*, today: date | None = None) -> list[str]:
    """Tell the administrators about each active calendar whose holiday data ends within
    ``CALENDAR_WARNING_DAYS`` (or has ended): once per calendar and end date, whatever
    retries or concurrent runs happen (the row is locked and records the end date it was
    sent for). Returns the codes of the calendars warned about."""
    today = today or timezone.localdate()
    warned = []
    for pk in calendars_running_out(today=today).values_list("pk", flat=True):
        with transaction.atomic():
            calendar = calendars_running_out(today=today).select_for_update().filter(pk=pk).first()
            if calendar is None or calendar.data_warning_sent_for == calendar.valid_until:
                continue
            end = calendar.valid_until
            if end < today:
                subject = gettext(
                    "The holiday data of calendar %(calendar)s ran out on %(end)s"
                ) % {"calendar": calendar.code, "end": end}
            else:
                subject = gettext("The holiday data of calendar %(calendar)s ends on %(end)s") % {
                    "calendar": calendar.code,
                    "end": end,
                }
            body = gettext(
                "Beyond %(end)s the calendar counts ordinary weekdays and weekends, and the "
                "clocks whose deadlines fall there are flagged with a calendar gap. Import "
                "the State Council's holiday notice for %(year)d on the calendar's admin page "
                "(“Import the year's holidays”)."
            ) % {"end": end, "year": end.year + 1}
            notification_queue(
                recipients=itsm_selectors.administrators(),
                event=CALENDAR_DATA_ENDING,
                subject=subject,
                body=body,
                url=reverse("admin:sla_businesscalendar_change", args=[calendar.pk]),
            )
            BusinessCalendar.objects.filter(pk=pk).update(data_warning_sent_for=end)
            warned.append(calendar.code)
    return warned
