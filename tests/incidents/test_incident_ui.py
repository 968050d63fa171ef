"""The Python-written pieces of the lists (incidents/templatetags/incident_ui.py) and the
fast select widget (incidents/forms.py): the same HTML as the templates and widgets they
replace, escaped."""

from datetime import timedelta

import pytest
from django import forms
from django.template import Context, Template
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Priority, Status
from incidents.models import Incident
from itsm.forms import FAST_WIDGETS, FastSelect, use_fast_widgets
from itsm.models import Department

pytestmark = pytest.mark.django_db


def html(text):
    return parse_html(str(text))


def render(source: str, **context) -> str:
    return Template("{% load incident_ui %}" + source).render(Context(context))


# --- the select widget ---------------------------------------------------------------------------


CHOICES = [
    ("", "— choose —"),
    ("a", "Alpha"),
    ("b", "Beta & <Gamma>"),
    ("Group", [("c", "Charlie"), ("d", "Delta")]),
]


@pytest.mark.parametrize("value", [None, "", "a", "b", "c", "zzz", ["b"]])
def test_fast_select_writes_what_django_select_writes(value):
    attrs = {"id": "id_x", "class": "form-select", "required": True, "data-x": 'q"uote'}
    django_html = forms.Select(choices=CHOICES).render("x", value, attrs=attrs)
    fast_html = FastSelect(choices=CHOICES).render("x", value, attrs=attrs)
    assert html(fast_html) == html(django_html)


@pytest.mark.parametrize("django_widget", [w for w in FAST_WIDGETS if w is not forms.Select])
@pytest.mark.parametrize("value", [None, "", "plain", 'q"uote <b>&', 0, 42])
def test_fast_inputs_write_what_django_widgets_write(django_widget, value):
    attrs = {"id": "id_x", "class": "form-control", "required": True, "maxlength": 40}
    fast_widget = FAST_WIDGETS[django_widget]
    django_html = django_widget(attrs={"placeholder": "p"}).render("x", value, attrs=attrs)
    fast_html = fast_widget(attrs={"placeholder": "p"}).render("x", value, attrs=attrs)
    assert html(fast_html) == html(django_html)


def test_fast_select_escapes_labels_and_values():
    out = FastSelect(choices=[('"><script>', "<script>alert(1)</script>")]).render("x", None)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_fast_select_with_a_model_choice_field(world):
    class F(forms.Form):
        department = forms.ModelChoiceField(queryset=Department.objects.order_by("code"))

    plain = F(initial={"department": world.network.pk})
    fast = F(initial={"department": world.network.pk})
    use_fast_widgets(fast.fields.values())
    assert isinstance(fast.fields["department"].widget, FastSelect)
    assert html(fast["department"]) == html(plain["department"])
    assert f'<option value="{world.network.pk}" selected>' in str(fast["department"])


def test_only_plain_selects_are_replaced():
    class F(forms.Form):
        one = forms.ChoiceField(choices=CHOICES)
        many = forms.MultipleChoiceField(choices=CHOICES)
        radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)

    form = F()
    use_fast_widgets(form.fields.values())
    assert type(form.fields["one"].widget) is FastSelect
    assert type(form.fields["many"].widget) is forms.SelectMultiple
    assert type(form.fields["radio"].widget) is forms.RadioSelect


# --- badges, deadline, URLs ----------------------------------------------------------------------


@pytest.mark.parametrize("priority", Priority.values)
def test_priority_badge(priority):
    incident = Incident(priority=priority)
    out = render("{% priority_badge incident %}", incident=incident)
    assert f'data-priority="{priority}"' in out
    assert f'title="{incident.get_priority_display()}"' in out
    assert ("text-bg-light border" in out) == (priority == Priority.P4)


@pytest.mark.parametrize("status", Status.values)
def test_status_badge(status):
    incident = Incident(status=status)
    out = render("{% status_badge incident %}", incident=incident)
    assert f'data-status="{status}"' in out
    assert str(incident.get_status_display()) in out


def test_deadline_shows_overdue_and_empty():
    now = timezone.now()
    late = Incident(next_deadline_at=now - timedelta(minutes=5))
    due = Incident(next_deadline_at=now + timedelta(hours=2))
    none = Incident(next_deadline_at=None)
    late_html = render("{% deadline incident now %}", incident=late, now=now)
    assert "text-danger" in late_html
    assert "badge text-bg-danger" in late_html
    local = timezone.localtime(due.next_deadline_at).strftime("%Y-%m-%d %H:%M")
    due_html = render("{% deadline incident now %}", incident=due, now=now)
    assert local in due_html
    assert "text-danger" not in due_html
    assert render("{% deadline incident now %}", incident=none, now=now).count("—") == 1


def test_urls_are_the_reversed_ones():
    one, two = Incident(number="INC-2026-000001"), Incident(number="INC-2026-000002")
    out = render(
        "{% incident_url a %}|{% incident_url b %}|{% action_url a 'assign' %}|"
        "{% action_url b 'accept' %}",
        a=one,
        b=two,
    )
    assert out.split("|") == [
        reverse("incidents:detail", args=[one.number]),
        reverse("incidents:detail", args=[two.number]),
        reverse("incidents:act", args=[one.number, "assign"]),
        reverse("incidents:act", args=[two.number, "accept"]),
    ]


def test_select_options_per_row_keep_their_own_selection():
    class F(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES[:3])

    rows = [F(initial={"pick": "a"}), F(initial={"pick": "b"}), F(initial={"pick": "a"})]
    out = render("{% for f in rows %}[{% select_options f.pick %}]{% endfor %}", rows=rows).split(
        "]["
    )
    assert ['value="a" selected' in part for part in out] == [True, False, True]
    assert ['value="b" selected' in part for part in out] == [False, True, False]
    shared = render("{% select_options f.pick choices %}", f=rows[1], choices=[("b", "Only B")])
    assert html(shared) == html('<option value="b" selected>Only B</option>')


def test_select_options_without_a_list_uses_the_fields_choices():
    class F(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES[:3])

    # An undefined variable reaches the tag as "": the field's own options are written.
    out = render("{% select_options f.pick not_in_context %}", f=F(initial={"pick": "b"}))
    assert html(out) == html(
        '<option value="">— choose —</option><option value="a">Alpha</option>'
        '<option value="b" selected>Beta &amp; &lt;Gamma&gt;</option>'
    )
