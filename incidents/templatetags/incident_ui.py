"""Template helpers for the pieces an incident list repeats on every row: badges, the SLA
countdown, and the dispatch form's options.

They are written in Python rather than as included templates: the queues and the desk
console render dozens of rows, and template includes, loops and widget templates cost
more per row than the page's queries (measured with bench/bench_queue.py)."""

import math

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from incidents.choices import Priority, Status
from itsm.forms import options_html
from itsm.models import DepartmentKind
from itsm.people import person_name
from itsm.selectors import departments_by_id
from sla import selectors as sla_selectors

register = template.Library()

PRIORITY_CLASSES = {
    Priority.P1: "text-bg-danger",
    Priority.P2: "text-bg-warning",
    Priority.P3: "text-bg-info",
}
STATUS_CLASSES = {
    Status.NEW: "text-bg-info",
    Status.ASSIGNED: "text-bg-primary",
    Status.IN_PROGRESS: "text-bg-warning",
    Status.SUSPENDED: "text-bg-secondary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}
OTHER = "text-bg-light border"


_MARK = "INC-MARK"


def _cache(context, name: str) -> dict:
    """A cache for one whole rendering. Kept on the context object itself: included
    templates share it, while Django isolates ``render_context`` per included template."""
    caches = context.__dict__.setdefault("_incident_ui_caches", {})
    return caches.setdefault(name, {})


def _url(context, name: str, number: str, *args) -> str:
    """``reverse(name, number, *args)``, with the URL's pattern reversed once per rendering
    and the number put in (numbers are URL-safe: INC-<year>-<digits>)."""
    cache = _cache(context, "urls")
    key = (name, *args)
    parts = cache.get(key)
    if parts is None:
        parts = cache[key] = reverse(name, args=[_MARK, *args]).split(_MARK, 1)
    return f"{parts[0]}{number}{parts[1]}"


@register.simple_tag(takes_context=True)
def incident_url(context, incident):
    """The incident's page (``incidents:detail``)."""
    return _url(context, "incidents:detail", incident.number)


@register.simple_tag(takes_context=True)
def action_url(context, incident, action: str):
    """The URL an action form posts to (``incidents:act``)."""
    return _url(context, "incidents:act", incident.number, action)


def _labels(context, choices) -> dict:
    cache = _cache(context, "labels")
    labels = cache.get(choices)
    if labels is None:
        labels = cache[choices] = {value: str(label) for value, label in choices.choices}
    return labels


def _badge(context, kind: str, value: str, classes: dict, choices, *, titled: bool) -> str:
    label = _labels(context, choices).get(value, value)
    if titled:  # the code on the badge, its name as the title
        return format_html(
            '<span class="badge {}" data-{}="{}" title="{}">{}</span>',
            classes.get(value, OTHER),
            kind,
            value,
            label,
            value,
        )
    return format_html(
        '<span class="badge {}" data-{}="{}">{}</span>',
        classes.get(value, OTHER),
        kind,
        value,
        label,
    )


@register.simple_tag(takes_context=True)
def priority_badge(context, incident):
    return _badge(context, "priority", incident.priority, PRIORITY_CLASSES, Priority, titled=True)


def at_desk_again(incident) -> bool:
    """Assigned, but to the service desk: a section returned it (or the desk took it back),
    so it waits at the desk to be dispatched again, not with a section."""
    if incident.status != Status.ASSIGNED:
        return False
    section = departments_by_id().get(incident.department_id)
    return section is not None and section.kind == DepartmentKind.SERVICE_DESK


@register.simple_tag
def status_label(incident):
    """The status as people read it: "back at the desk" rather than "assigned" for an
    incident the desk holds again."""
    if at_desk_again(incident):
        return pgettext("incident status", "Back at the service desk")
    return incident.get_status_display()


@register.simple_tag(takes_context=True)
def status_badge(context, incident):
    if at_desk_again(incident):
        return format_html(
            '<span class="badge text-bg-warning" data-status="{}" data-shown="at_desk">{}</span>',
            incident.status,
            status_label(incident),
        )
    return _badge(context, "status", incident.status, STATUS_CLASSES, Status, titled=False)


# --- the SLA countdown -------------------------------------------------------------------------

COUNTDOWN_CLASSES = {
    sla_selectors.LEVEL_OK: "text-bg-success",
    sla_selectors.LEVEL_WARNING: "text-bg-warning",
    sla_selectors.LEVEL_BREACHED: "text-bg-danger",
    sla_selectors.LEVEL_PAUSED: "text-bg-secondary",
    sla_selectors.LEVEL_MET: "text-bg-light border",
}


def countdown_formats() -> dict:
    """The phrases of a countdown, for the server's text and the browser's ticking."""
    return {
        "left_hm": gettext("%(hours)s h %(minutes)s min left"),
        "left_h": gettext("%(hours)s h left"),
        "left_m": gettext("%(minutes)s min left"),
        "over_hm": gettext("%(hours)s h %(minutes)s min overdue"),
        "over_h": gettext("%(hours)s h overdue"),
        "over_m": gettext("%(minutes)s min overdue"),
    }


def duration_phrase(formats: dict, seconds: float, *, overdue: bool) -> str:
    """``剩余 2 小时 15 分`` / ``超时 35 分``: whole minutes, rounded up."""
    minutes = max(math.ceil(seconds / 60), 0)
    hours, minutes = divmod(minutes, 60)
    prefix = "over" if overdue else "left"
    if hours and minutes:
        key = "hm"
    elif hours:
        key = "h"
    else:
        key = "m"
    return formats[f"{prefix}_{key}"] % {"hours": hours, "minutes": minutes}


def countdown_text(countdown, formats: dict | None = None) -> str:
    formats = formats or countdown_formats()
    level = countdown.level
    if level == sla_selectors.LEVEL_PAUSED:
        return pgettext("SLA clock", "paused")
    if level == sla_selectors.LEVEL_MET:
        return pgettext("SLA clock", "met")
    if level == sla_selectors.LEVEL_BREACHED and not countdown.overrun:
        return pgettext("SLA clock", "breached")
    if countdown.overrun or level == sla_selectors.LEVEL_BREACHED:
        return duration_phrase(formats, countdown.overrun.total_seconds(), overdue=True)
    return duration_phrase(formats, countdown.remaining.total_seconds(), overdue=False)


def countdown_html(context, countdown) -> str:
    """One countdown badge; ``countdown.js`` ticks it on while its clock counts."""
    formats = _cache(context, "countdown").setdefault("formats", None)
    if formats is None:
        formats = _cache(context, "countdown")["formats"] = countdown_formats()
    left = countdown.remaining.total_seconds() - countdown.overrun.total_seconds()
    warn = "" if countdown.warn_left is None else int(countdown.warn_left.total_seconds())
    due = dateformat.format(timezone.localtime(countdown.deadline), "Y-m-d H:i")
    return format_html(
        '<span class="badge sla-countdown {}" data-countdown data-level="{}" data-left="{}" '
        'data-warn="{}" data-run="{}" title="{}">{}</span>',
        COUNTDOWN_CLASSES[countdown.level],
        countdown.level,
        int(left),
        warn,
        int(countdown.runs_for.total_seconds()),
        gettext("%(target)s due %(deadline)s")
        % {"target": countdown.target_label, "deadline": due},
        countdown_text(countdown, formats),
    )


@register.simple_tag(takes_context=True)
def sla_countdown(context, incident, now=None):
    """The row's SLA countdown (business time left, green → amber → red, or paused), from
    ``incident.sla_countdown`` that ``incidents.selectors.with_countdowns`` set; the
    nearest deadline when the list did not load the countdowns."""
    countdown = getattr(incident, "sla_countdown", None)
    if countdown is not None:
        return countdown_html(context, countdown)
    if hasattr(incident, "sla_countdown"):  # loaded: the incident has no clock to show
        return format_html('<span class="text-muted" data-countdown-none>{}</span>', "—")
    return _deadline(incident, now)


@register.simple_tag
def business_duration(value):
    """A business duration as hours and minutes (``26 小时 5 分``)."""
    minutes = int(value.total_seconds() // 60) if value else 0
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours:
        return gettext("%(hours)s h") % {"hours": hours}
    return gettext("%(minutes)s min") % {"minutes": minutes}


@register.simple_tag(takes_context=True)
def clock_countdown(context, clock_view):
    """The countdown of one clock of the incident page (``sla.selectors.ClockView``)."""
    return countdown_html(context, clock_view.countdown)


@register.simple_tag
def countdown_script():
    """The phrases and the script that tick the page's countdowns on (once per page)."""
    phrases = countdown_formats() | {"breached": pgettext("SLA clock", "breached")}
    return format_html(
        '{}<script src="{}" defer></script>',
        json_script(phrases, "countdown-formats"),
        static("incidents/countdown.js"),
    )


@register.simple_tag(takes_context=True)
def deadline(context, incident, now=None):
    """The SLA countdown (the name the lists used before countdowns existed)."""
    return sla_countdown(context, incident, now)


def _deadline(incident, now=None):
    """The nearest SLA deadline, in red with an "overdue" badge once it has passed."""
    due = incident.next_deadline_at
    if due is None:
        return format_html('<span class="text-muted">{}</span>', "—")
    text = dateformat.format(timezone.localtime(due), "Y-m-d H:i")
    title = gettext("Nearest SLA deadline")
    if now is not None and due < now:
        return format_html(
            '<span class="text-danger fw-semibold" title="{}">{} '
            '<span class="badge text-bg-danger">{}</span></span>',
            title,
            text,
            gettext("overdue"),
        )
    return format_html('<span title="{}">{}</span>', title, text)


# --- the all-incidents list's rows ---------------------------------------------------------

_ALL_ROW = (
    '<tr data-incident="{number}">\n'
    '    <td class="text-nowrap"><a href="{url}">{number}</a></td>\n'
    "    <td>{title}{major}</td>\n"
    "    <td>{priority}</td>\n"
    "    <td>{status}</td>\n"
    "    <td>{section}</td>\n"
    "    <td>{assignee}</td>\n"
    "    <td>{owner}</td>\n"
    "    <td>{category}</td>\n"
    '    <td class="text-nowrap">{created}</td>\n'
    '    <td class="text-nowrap">{updated}</td>\n'
    '    <td class="text-nowrap">{deadline}</td>\n'
    "  </tr>"
)


def _name_or_dash(related) -> str:
    """``{{ related.name|default:"—" }}``."""
    name = getattr(related, "name", "") if related is not None else ""
    return conditional_escape(name) if name else "—"


def _minute(value) -> str:
    """``{{ value|date:"Y-m-d H:i" }}`` (in the current time zone; ``strftime`` writes the
    same for years from 1000, at a tenth of ``dateformat``'s cost)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@register.simple_tag(takes_context=True)
def all_incidents_row(context, incident, now=None):
    """One row of the all-incidents list, the HTML its template wrote cell by cell: a list
    page of 25 to 100 rows spent most of its time in the template engine (docs/search.md)."""
    cache = _cache(context, "all_row")
    major = cache.get("major")
    if major is None:
        major = cache["major"] = format_html(
            ' <span class="badge text-bg-danger">{}</span>', gettext("Major")
        )
    assignee = incident.assignee
    return mark_safe(  # noqa: S308 - every part is escaped above or built by format_html
        _ALL_ROW.format(
            number=conditional_escape(incident.number),
            url=conditional_escape(incident_url(context, incident)),
            title=conditional_escape(incident.title),
            major=major if incident.is_major else "",
            priority=priority_badge(context, incident),
            status=status_badge(context, incident),
            section=_name_or_dash(incident.department),
            assignee=(
                conditional_escape(person_name(assignee))
                if assignee
                else '<span class="text-muted">—</span>'
            ),
            owner=conditional_escape(person_name(incident.owner)),
            category=_name_or_dash(incident.category),
            created=_minute(incident.created_at),
            updated=_minute(incident.updated_at),
            deadline=deadline(context, incident, now),
        )
    )


def _options(context, name: str, choices, selected) -> str:
    """``<option>`` elements with ``selected`` chosen, built once per rendering for the
    same field name, options and value (the console's rows mostly share them)."""
    selected = "" if selected is None else str(selected)
    choices = list(choices)
    built = _cache(context, "options")
    key = (name, selected, tuple(str(option) for option, _label in choices))
    html = built.get(key)
    if html is None:
        html = built[key] = options_html(choices, {selected})
    return html


@register.simple_tag(takes_context=True)
def select_options(context, bound_field, choices=None):
    """The ``<option>`` elements of a bound choice field, the current value selected; the
    options are ``choices`` when given (a list the page built once for all its rows), else
    the field's."""
    # An undefined template variable arrives as "": no list given, use the field's.
    options = choices if choices else bound_field.field.choices
    return _options(context, bound_field.name, options, bound_field.value())


@register.simple_tag(takes_context=True)
def dispatch_section(context, form, incident, choices=None):
    """The label and the section ``<select>`` of a dispatch form. From the bound form after
    a refused submission (its value, its errors); else from the incident, its routed section
    chosen: the console's rows carry no form object, and their options (``choices``) are
    built once per page."""
    if form:
        field = form["department"]
        select_id, name = field.id_for_label, field.html_name
        options = select_options(context, field, choices)
        invalid = " is-invalid" if field.errors else ""
    else:
        select_id, name = f"id_dispatch_{incident.pk}_department", "department"
        options = _options(context, name, choices or (), incident.routed_department_id)
        invalid = ""
    return format_html(
        '<label class="visually-hidden" for="{}">{}</label>'
        '<select name="{}" id="{}" class="form-select form-select-sm{}" required>{}</select>',
        select_id,
        gettext("Section"),
        name,
        select_id,
        invalid,
        options,
    )


@register.simple_tag
def hidden_input(bound_field):
    """A hidden field as a plain ``<input>`` (no widget template), for per-row forms."""
    value = bound_field.value()
    return format_html(
        '<input type="hidden" name="{}" value="{}" id="{}">',
        bound_field.html_name,
        "" if value is None else value,
        bound_field.auto_id,
    )
