"""Sign-in lockout (django-axes, itsm/logins.py): per account and address, per account, per
address; the message, the admin that shows and lifts the lock, the audit, proxies."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from itsm.roles import Role
from tests.itsm.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(username, password, address="10.0.0.1", **extra):
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post(LOGIN, {"username": username, "password": password})
    return client, response


def test_settings_keep_axes_enabled_with_the_documented_defaults(settings):
    assert settings.AXES_ENABLED
    assert settings.LOGIN_FAILURE_LIMITS == [5, 20, 50]
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.TRUSTED_PROXY_COUNT == 0


def test_five_wrong_passwords_lock_the_account_at_that_address(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(4):
        _client, response = sign_in("agent7", "wrong")
        assert response.status_code == 200
        assert 'id="login-error"' in response.content.decode()
    _client, response = sign_in("agent7", "wrong")
    assert response.status_code == 429
    # Locked: even the right password opens nothing from there …
    client, response = sign_in("agent7", PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # … while the owner elsewhere still signs in.
    client, response = sign_in("agent7", PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_the_lockout_message_says_what_when_and_whom_to_ask(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(5):
        _client, response = sign_in("agent7", "wrong")
    body = response.content.decode()
    assert 'id="login-locked"' in body
    assert "登录失败次数过多" in body
    assert "服务台" in body
    last = AccessAttempt.objects.get().attempt_time
    with translation.override("zh-hans"):
        lifts = date_format(timezone.localtime(last + timedelta(minutes=15)), "DATETIME_FORMAT")
    assert lifts in body
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    # The form is there again, in English on request.
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    body = client.post(LOGIN, {"username": "agent7", "password": "x"}).content.decode()
    assert "Too many failed sign-ins" in body
    assert "service desk" in body
    assert 'id="id_username"' in body


def test_the_lock_lifts_after_the_cool_off(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(5):
        sign_in("agent7", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    client, response = sign_in("agent7", PASSWORD)
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_refused_attempts_do_not_extend_the_lock_or_count(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(12):
        sign_in("agent7", "wrong")
    assert AccessAttempt.objects.get().failures_since_start == 5


def test_one_account_guessed_from_many_addresses_is_locked_everywhere(make_user):
    make_user(Role.AGENT, username="agent7")
    for n in range(20):
        _client, response = sign_in("agent7", "wrong", address=f"10.1.0.{n}")
    assert response.status_code == 429
    _client, response = sign_in("agent7", PASSWORD, address="10.2.0.1")
    assert response.status_code == 429


def test_many_accounts_guessed_from_one_address_lock_the_address(make_user):
    make_user(Role.AGENT, username="agent7")
    for n in range(50):
        _client, response = sign_in(f"nobody{n}", "wrong")
    assert response.status_code == 429
    _client, response = sign_in("agent7", PASSWORD)
    assert response.status_code == 429
    client, response = sign_in("agent7", PASSWORD, address="10.0.0.9")
    assert response.status_code == 302


def test_every_failure_is_audited_without_the_password(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(3):
        sign_in("agent7", "guess-me")
    logs = AccessFailureLog.objects.filter(username="agent7", ip_address="10.0.0.1")
    assert logs.count() == 3
    attempt = AccessAttempt.objects.get(username="agent7")
    assert "guess-me" not in attempt.post_data


def test_the_admin_shows_and_lifts_the_lock(make_user):
    make_user(Role.AGENT, username="agent7")
    for _ in range(5):
        sign_in("agent7", "wrong")
    admin = Client()
    admin.force_login(make_user(Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "agent7" in page.content.decode()
    assert "登录尝试" in page.content.decode()
    assert admin.get("/admin/axes/accessfailurelog/").status_code == 200
    attempt = AccessAttempt.objects.get(username="agent7")
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    client, response = sign_in("agent7", PASSWORD)
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_a_forwarded_for_header_is_ignored_without_trusted_proxies(make_user):
    make_user(Role.AGENT, username="agent7")
    for n in range(5):
        _client, response = sign_in("agent7", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_with_a_trusted_proxy_the_address_it_forwarded_counts(make_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user(Role.AGENT, username="agent7")
    for _ in range(5):
        _client, response = sign_in(
            "agent7", "wrong", address="172.17.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7"
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.7"}
    # Another client behind the same proxy is not locked out.
    _client, response = sign_in(
        "agent7", PASSWORD, address="172.17.0.1", HTTP_X_FORWARDED_FOR="192.0.2.8"
    )
    assert response.status_code == 302


def test_admin_login_is_locked_too(make_user):
    make_user(Role.ADMINISTRATOR, username="boss", is_staff=True)
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    assert response.status_code == 429
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_force_login_still_works(client, make_user):
    client.force_login(make_user(Role.AGENT))
    assert client.get("/").status_code == 200


def test_a_nul_in_the_username_is_refused_not_a_500():
    """The text guard (itsm/textguard.py) answers 400 before the login form or axes read it:
    nothing reaches axes' tables."""
    _client, response = sign_in("agent\x007", "wrong")
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()


def test_the_sign_in_audit_is_pruned_after_the_retention(settings):
    from itsm.tasks import purge_login_logs

    assert settings.CELERY_BEAT_SCHEDULE["itsm.purge_login_logs"]["options"]["expires"]
    settings.LOGIN_LOG_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    for model in (AccessLog, AccessFailureLog):
        model.objects.create(username="a", ip_address="10.0.0.1", user_agent="x", path_info="/")
        model.objects.create(username="b", ip_address="10.0.0.1", user_agent="x", path_info="/")
        model.objects.filter(username="a").update(attempt_time=old)
    assert purge_login_logs() == 2
    assert set(AccessLog.objects.values_list("username", flat=True)) == {"b"}
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {"b"}
    settings.LOGIN_LOG_RETENTION_DAYS = 0
    AccessLog.objects.update(attempt_time=old)
    assert purge_login_logs() == 0
    assert AccessLog.objects.exists()
