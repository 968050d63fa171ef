"""Authentication and throttling: tokens for systems, sessions for the browser, 429."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from itsm.api import services as api_services
from itsm.models import SystemAccount
from itsm.roles import Role, user_roles
from tests.itsm.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LIST_URL = "/api/v1/incidents/"


def test_token_for_username_and_password(world):
    response = APIClient().post(
        TOKEN_URL, {"username": "w_agent", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body == {"token": Token.objects.get(user=world.agent).key, "username": "w_agent"}
    # The same token again until it is rotated.
    again = APIClient().post(
        TOKEN_URL, {"username": "w_agent", "password": PASSWORD}, format="json"
    )
    assert again.json()["token"] == body["token"]


def test_token_bad_password_is_400(world):
    response = APIClient().post(
        TOKEN_URL, {"username": "w_agent", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Token.objects.exists()


def test_token_missing_fields_is_400_per_field(world):
    response = APIClient().post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password"}


@pytest.mark.parametrize("who", ["requester", "vendor", "director"])
def test_token_refused_to_accounts_without_api_capability(world, who):
    user = getattr(world, who)
    response = APIClient().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert not Token.objects.filter(user=user).exists()


def test_token_logins_are_throttled_per_address(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000/min", "auth": "3/min"},
    }
    client = APIClient()
    for _ in range(3):
        client.post(TOKEN_URL, {"username": "w_agent", "password": "bad"}, format="json")
    response = client.post(TOKEN_URL, {"username": "w_agent", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_bearer_keyword_and_bad_tokens(world, api):
    token = Token.objects.create(user=world.agent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert client.get(LIST_URL).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token nosuchtoken")
    response = client.get(LIST_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    client.credentials(HTTP_AUTHORIZATION="Token a b")
    assert client.get(LIST_URL).status_code == 401
    assert APIClient().get(LIST_URL).status_code == 401


def test_inactive_users_token_stops_working(world, api):
    client = api(world.agent)
    world.agent.is_active = False
    world.agent.save(update_fields=["is_active"])
    assert client.get(LIST_URL).status_code == 401


def test_session_for_the_browser_with_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.agent)
    assert client.get(LIST_URL).status_code == 200
    # A session POST without the CSRF token is refused (a token POST needs none).
    response = client.post(LIST_URL, {"title": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_throttle_per_token_with_retry_after(world, api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/min", "auth": "20/min"},
    }
    agent, other = api(world.agent), api(world.desk_manager)
    for _ in range(3):
        assert agent.get(LIST_URL).status_code == 200
    response = agent.get(LIST_URL)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "detail" in response.json()
    # Another token has its own allowance.
    assert other.get(LIST_URL).status_code == 200


def test_throttled_post_changes_nothing(world, api, settings):
    from incidents.models import Incident

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1/min", "auth": "20/min"},
    }
    client = api(world.agent)
    assert client.post(LIST_URL, {"title": "one"}, format="json").status_code == 201
    assert client.post(LIST_URL, {"title": "two"}, format="json").status_code == 429
    assert Incident.objects.count() == 1


# --- system accounts the administrator issues tokens for ---


def test_system_account_with_section_role_and_rotated_token(world, api):
    account = api_services.system_account_create(
        username="ticket-sync",
        name="工单同步",
        department=world.systems,
        section_role=Role.TECHNICIAN,
    )
    assert not account.has_usable_password()
    assert {Role.SYSTEM, Role.TECHNICIAN} <= user_roles(account)
    assert SystemAccount.objects.filter(pk=account.pk).exists()
    first = api_services.api_token_rotate(user=account)
    second = api_services.api_token_rotate(user=account)
    assert first.key != second.key
    # The systems section's incidents are visible to it.
    incident = world.incident()
    from incidents import services

    services.incident_assign(incident=incident, by=world.agent, department=world.systems)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first.key}")
    assert client.get(LIST_URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {second.key}")
    numbers = [i["number"] for i in client.get(LIST_URL).json()["results"]]
    assert numbers == [incident.number]


def test_system_account_admin_creates_and_issues(world, client):
    admin_user = world.admin
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:itsm_systemaccount_add"),
        {
            "username": "zabbix",
            "first_name": "Zabbix",
            "email": "",
            "is_active": "on",
            "department": world.network.pk,
            "section_role": Role.TECHNICIAN,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = SystemAccount.objects.get(username="zabbix")
    assert Role.SYSTEM in user_roles(account)
    response = client.post(
        reverse("admin:itsm_systemaccount_changelist"),
        {"action": "issue_token", "_selected_action": [account.pk]},
        follow=True,
    )
    token = Token.objects.get(user=account)
    assert token.key in response.content.decode()


def test_admin_change_form_of_system_account(world, client):
    account = api_services.system_account_create(username="nagios")
    world.admin.is_superuser = True
    world.admin.save(update_fields=["is_superuser"])
    client.force_login(world.admin)
    url = reverse("admin:itsm_systemaccount_change", args=[account.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:itsm_systemaccount_changelist")).status_code == 200


def test_system_account_create_validates():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        api_services.system_account_create(username="", section_role=Role.TECHNICIAN)
    assert set(exc.value.message_dict) == {"username", "department"}


def test_migrations_gave_administrators_the_api_admin(role_groups):
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )
    assert {"add_systemaccount", "change_webhooksubscription", "add_alertrule"} <= codenames


def test_throttle_counters_are_shared_through_redis_when_configured(settings):
    """In production the counters live in Redis (every web process sees them)."""
    from itsm import settings as product_settings

    if product_settings.REDIS_URL:
        assert product_settings.CACHES["api"]["BACKEND"].endswith("RedisCache")
    assert product_settings.API_THROTTLE_CACHE == "api"


def _token(password, address="10.0.0.1", username="w_agent", **extra):
    client = APIClient(REMOTE_ADDR=address, **extra)
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_token_logins_lock_out_per_account_and_address(world):
    for _ in range(4):
        assert _token("wrong").status_code == 400
    response = _token("wrong")
    assert response.status_code == 429
    assert "服务台" in response.json()["detail"]
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    # The right password is refused from there, and no token is made …
    assert _token(PASSWORD).status_code == 429
    assert not Token.objects.exists()
    # … but not from elsewhere.
    assert _token(PASSWORD, address="10.0.0.2").status_code == 200


def test_token_logins_lock_out_per_account_from_many_addresses(world):
    for n in range(20):
        response = _token("wrong", address=f"10.1.0.{n}")
    assert response.status_code == 429
    assert _token(PASSWORD, address="10.2.0.1").status_code == 429


def test_token_and_browser_logins_share_one_lock(world):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "w_agent", "password": "wrong"})
    assert _token(PASSWORD).status_code == 429
    AccessAttempt.objects.all().delete()  # what the admin's delete does
    assert _token(PASSWORD).status_code == 200


def test_token_throttle_ignores_a_forged_forwarded_for(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000/min", "auth": "3/min"},
    }
    for n in range(3):
        _token("bad", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _token(PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.9").status_code == 429
