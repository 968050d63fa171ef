"""Template helpers for the pieces an incident list repeats on every row: badges, the
deadline, and the dispatch form's options.

They are written in Python rather than as included templates: the queues and the desk
console render dozens of rows, and template includes, loops and widget templates cost
more per row than the page's queries (measured with bench/bench_queue.py)."""

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from incidents.choices import Priority, Status
from itsm.forms import options_html

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


@register.simple_tag(takes_context=True)
def status_badge(context, incident):
    return _badge(context, "status", incident.status, STATUS_CLASSES, Status, titled=False)


@register.simple_tag
def deadline(incident, now=None):
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
