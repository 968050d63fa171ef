"""The one FilterSet of the incident lists: the API and the queue page filter alike."""

import pytest
from django.urls import reverse

from incidents.api.views import IncidentViewSet
from incidents.filters import IncidentFilterSet
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_api_and_the_page_use_the_same_filterset():
    assert IncidentViewSet.filterset_class is IncidentFilterSet
    page = IncidentFilterSet.for_page(None, queryset=Incident.objects.none())
    assert list(page.filters) == list(IncidentFilterSet.PAGE_FILTERS)
    for name, shown in page.filters.items():
        if name != "category":  # the page's tree select; the same method filters it
            assert type(shown) is type(IncidentFilterSet.base_filters[name])


def test_the_page_offers_any_first_and_keeps_the_chosen_status(client, world):
    world.assigned()
    client.force_login(world.tech)
    html = client.get(reverse("incidents:queue"), {"status": "assigned"}).content.decode()
    status_select = html[html.index('<select name="status"') :]
    status_select = status_select[: status_select.index("</select>")]
    assert 'value="">' in status_select.split("<option")[1]  # "any" comes first
    assert '<option value="assigned" selected>' in status_select
    html = client.get(reverse("incidents:queue"), {"status": ""}).content.decode()
    assert '<option value="" selected>' in html


def test_an_empty_status_is_no_filter_and_several_statuses_combine(world):
    assigned = world.assigned()
    working = world.in_progress()
    both = IncidentFilterSet(
        {"status": ["assigned", "in_progress"]}, queryset=Incident.objects.all()
    ).qs
    assert {assigned.pk, working.pk} <= set(both.values_list("pk", flat=True))
    anything = IncidentFilterSet({"status": [""]}, queryset=Incident.objects.all())
    assert anything.is_valid()
    assert anything.qs.count() == Incident.objects.count()


def test_the_category_filter_takes_a_code_or_the_category(world):
    from tests.incidents.factories import CategoryFactory

    parent = CategoryFactory(code="net", default_department=world.network)
    child = CategoryFactory(code="net-wifi", parent=parent, default_department=world.network)
    inc = world.assigned(category=child)
    by_code = IncidentFilterSet({"category": "net"}, queryset=Incident.objects.all()).qs
    assert list(by_code) == [inc]
    page = IncidentFilterSet.for_page({"category": str(parent.pk)}, Incident.objects.all())
    assert list(page.qs) == [inc]
    unknown = IncidentFilterSet({"category": "nosuch"}, queryset=Incident.objects.all()).qs
    assert list(unknown) == []


def test_the_page_presentation_holds_after_the_api_filters_were_built(client, world):
    """The API schema builds the shared filters' form fields; the page must still get its
    own labels and "any" options (once seen only after the schema test ran first)."""
    for item in IncidentFilterSet.base_filters.values():
        item.field  # noqa: B018 - what the schema generation does
    page = IncidentFilterSet.for_page(None, queryset=Incident.objects.none())
    assert str(page.form.fields["status"].label) == str(IncidentFilterSet.PAGE_FILTERS["status"][0])
    assert '<option value="" selected>' in str(page.form["status"])
