"""The product's own error pages (itsm/errors.py): 403 says what was refused, which roles may
do it and whom to ask; 404 and 500 are the product's, in the user's language."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings
from django.urls import path
from django.utils import translation

from itsm import errors
from itsm.people import person_name
from itsm.roles import Role
from itsm.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


def test_403_names_the_roles_of_the_page_and_the_users_section_lead(client, world):
    client.force_login(world.tech)
    response = client.get("/desk/console/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body or "不允许" in body or 'id="error-403"' in body
    roles = body.split('id="allowed-roles"')[1].split("</p>")[0]
    assert "服务台坐席" in roles or "Service-desk agent" in roles
    ask = body.split('id="whom-to-ask"')[1].split("</ul>")[0]
    assert person_name(world.lead) in ask  # a name, not a username
    assert world.lead.email in ask


def test_403_for_someone_without_a_section_names_an_administrator(client, world):
    client.force_login(world.requester)
    response = client.get("/incidents/queue/")
    assert response.status_code == 403
    ask = response.content.decode().split('id="whom-to-ask"')[1].split("</ul>")[0]
    assert world.admin.email in ask


def test_403_in_english(client, world):
    client.force_login(world.requester)
    response = client.get("/incidents/disputes/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "Who may do it:" in body
    assert "Incident manager" in body


def raise_denied(request):
    raise PermissionDenied("You may not export this list.")


def raise_error(request):
    raise RuntimeError("boom")


urlpatterns = [
    *site_urls,
    path("test-denied/", raise_denied),
    path("test-error/", raise_error),
]
handler403 = "itsm.errors.permission_denied"
handler404 = "itsm.errors.page_not_found"
handler500 = "itsm.errors.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_a_permission_denied_anywhere_gets_the_product_403_with_its_message(client, world):
    client.force_login(world.agent)
    response = client.get("/test-denied/")
    assert response.status_code == 403
    assert "You may not export this list." in response.content.decode()


@override_settings(DEBUG=False)
def test_404_is_the_products_page_in_chinese(client, world):
    client.force_login(world.agent)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="error-404"' in body
    assert "/no/such/page/" in body
    assert 'id="nav-places"' in body  # the product's navigation, not Django's page


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_500_is_the_products_page_without_the_database(client, world):
    client.raise_request_exception = False
    response = client.get("/test-error/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    body = response.content.decode()
    assert 'id="error-500"' in body
    assert "Server error" in body


def test_the_500_page_renders_with_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0), translation.override("zh-hans"):
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "服务器错误" in response.content.decode()


def test_403_allowed_roles_can_be_given(rf, world):
    request = rf.get("/anything/")
    request.user = world.requester
    response = errors.forbidden_page(request, action="不能做这件事", roles={Role.DIRECTOR})
    body = response.content.decode()
    assert "不能做这件事" in body
    assert "处长" in body or "Director" in body


def test_a_lead_refused_is_told_to_ask_an_administrator_not_themselves(client, world):
    client.force_login(world.lead)
    response = client.get("/desk/console/")
    ask = response.content.decode().split('id="whom-to-ask"')[1].split("</ul>")[0]
    assert world.lead.email not in ask
    assert world.admin.email in ask
