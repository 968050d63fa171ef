"""The filters every KPI takes (DESIGN §4): a period of whole days in ``TIME_ZONE``, and the
section, category (with its children), priority, nature and source. One form parses them for
the pages and the API (the API answers its errors as 400 per field)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.choices import Nature, Priority, Source
from incidents.models import Category
from incidents.selectors import categories_by_id, category_by_code
from itsm.forms import BootstrapMixin
from itsm.models import Department
from itsm.selectors import department_by_code

# A custom period may not be longer than this (the trends cover 12 months; three years keep a
# figure's cost bounded).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class KpiFilters:
    """What a figure is computed over. ``date_from`` and ``date_to`` are inclusive local dates."""

    date_from: date
    date_to: date
    department: Department | None = None
    category: Category | None = None
    priority: str = ""
    nature: str = ""
    source: str = ""

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware instants: its first moment, and the first moment after it."""
        tz = timezone.get_default_timezone()
        start = datetime.combine(self.date_from, time.min, tzinfo=tz)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)
        return start, end

    def previous(self) -> KpiFilters:
        """The period of the same length immediately before, with the same other filters."""
        to = self.date_from - timedelta(days=1)
        return replace(self, date_from=to - timedelta(days=self.days - 1), date_to=to)

    def with_period(self, date_from: date, date_to: date) -> KpiFilters:
        return replace(self, date_from=date_from, date_to=date_to)

    def category_ids(self) -> list[int] | None:
        """The filtered category and its descendants (from the per-process cache)."""
        if self.category is None:
            return None
        children: dict[int | None, list[int]] = {}
        for category in categories_by_id().values():
            children.setdefault(category.parent_id, []).append(category.pk)
        found, stack = [], [self.category.pk]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.append(pk)
                stack.extend(children.get(pk, ()))
        return found

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (codes), for links and drill-downs."""
        params = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.department is not None:
            params["department"] = self.department.code
        if self.category is not None:
            params["category"] = self.category.code
        for name in ("priority", "nature", "source"):
            if getattr(self, name):
                params[name] = getattr(self, name)
        return params

    def described(self) -> dict:
        """The filters as the API shows them (codes; empty ones as null)."""
        return {
            "department": self.department.code if self.department else None,
            "category": self.category.code if self.category else None,
            "priority": self.priority or None,
            "nature": self.nature or None,
            "source": self.source or None,
        }


PERIODS = (
    ("day", _("Today")),
    ("week", _("This week")),
    ("month", _("This month")),
    ("quarter", _("This quarter")),
    ("year", _("This year")),
    ("custom", _("Custom dates")),
)


def period_range(period: str, today: date) -> tuple[date, date]:
    """The calendar period (day, week from Monday, month, quarter, year) containing today."""
    if period == "day":
        return today, today
    if period == "week":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    if period == "quarter":
        first = 3 * ((today.month - 1) // 3) + 1
        last = first + 2
        return (
            date(today.year, first, 1),
            date(today.year, last, calendar.monthrange(today.year, last)[1]),
        )
    if period == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])


def _choices(choices) -> list[tuple[str, str]]:
    return [("", _("Any")), *choices]


class KpiFilterForm(BootstrapMixin, forms.Form):
    """The KPI filters from GET parameters; an empty form means this month, everything."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    # "from" is a Python keyword: the field is declared through the class namespace.
    vars()["from"] = forms.DateField(label=_("From"), required=False)
    to = forms.DateField(label=_("To"), required=False)
    department = forms.CharField(label=_("Section"), required=False, max_length=40)
    category = forms.CharField(label=_("Category"), required=False, max_length=40)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=_choices(Priority.choices), required=False
    )
    nature = forms.ChoiceField(label=_("Nature"), choices=_choices(Nature.choices), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_choices(Source.choices), required=False)

    def clean_department(self) -> Department | None:
        code = self.cleaned_data.get("department") or ""
        if not code:
            return None
        found = department_by_code(code)
        if found is None:
            raise forms.ValidationError(
                _("No section has the code “%(code)s”."), params={"code": code}
            )
        return found

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category") or ""
        if not code:
            return None
        found = category_by_code(code)
        if found is None:
            raise forms.ValidationError(
                _("No category has the code “%(code)s”."), params={"code": code}
            )
        return found

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        period = data.get("period") or ""
        if self.errors.get("from") or self.errors.get("to"):
            return data
        if start or end or period == "custom":
            if not start:
                self.add_error("from", _("Give the first day of the period."))
            if not end:
                self.add_error("to", _("Give the last day of the period."))
            if start and end and end < start:
                self.add_error("to", _("The period cannot end before it starts."))
            elif start and end and (end - start).days + 1 > MAX_DAYS:
                self.add_error(
                    "to", _("A period may last at most %(days)d days.") % {"days": MAX_DAYS}
                )
        else:
            data["from"], data["to"] = period_range(period or "month", timezone.localdate())
        return data

    def filters(self) -> KpiFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return KpiFilters(
            date_from=data["from"],
            date_to=data["to"],
            department=data.get("department"),
            category=data.get("category"),
            priority=data.get("priority") or "",
            nature=data.get("nature") or "",
            source=data.get("source") or "",
        )
