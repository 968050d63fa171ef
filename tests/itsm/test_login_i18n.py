"""Sign-in, sign-out and the language switch."""

import pytest
from django.contrib.auth import SESSION_KEY

from itsm.roles import Role
from tests.itsm.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROTECTED = ["/", "/sections/", "/admin/"]


def test_login_with_good_credentials(client, make_user):
    user = make_user(Role.AGENT, username="agent7")
    response = client.post("/accounts/login/", {"username": "agent7", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/desk/console/"  # the agent's place (itsm/landing.py)
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize(
    ("username", "password"),
    [("agent7", "wrong-password"), ("nobody", PASSWORD), ("", "")],
)
def test_login_rejects_bad_credentials_and_opens_nothing(client, make_user, username, password):
    make_user(Role.ADMINISTRATOR, username="agent7")
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="login-error"' in body or "invalid-feedback" in body
    assert SESSION_KEY not in client.session
    for url in PROTECTED:
        follow = client.get(url)
        assert follow.status_code == 302, url
        assert "login" in follow["Location"]


def test_bad_login_message_in_chinese_by_default(client, make_user):
    make_user(Role.AGENT, username="agent7")
    response = client.post("/accounts/login/", {"username": "agent7", "password": "x"})
    assert "用户名或密码错误" in response.content.decode()


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user(Role.AGENT, username="gone", is_active=False)
    client.post("/accounts/login/", {"username": "gone", "password": PASSWORD})
    assert SESSION_KEY not in client.session


def test_logout_needs_post_and_ends_the_session(client_for):
    client = client_for(Role.AGENT)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_chinese_by_default_and_english_on_request(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
    assert "登录" not in page.split("<select")[0]
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get("/accounts/login/").content.decode()
