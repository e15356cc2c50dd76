import pytest
from django.urls import reverse

PASSWORD = "crm-demo-2026"


@pytest.mark.parametrize(
    ("username", "start_page"),
    [
        ("sales1", "/visits/today/"),
        ("manager1", "/dashboard/"),
        ("info1", "/inquiries/new/"),
        ("admin", "/territories/"),
    ],
)
def test_each_role_lands_on_its_start_page(client, people, username, start_page):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == start_page
    assert response.status_code == 200
    assert response.context["user"].username == username


def test_wrong_password_shows_a_chinese_message_and_logs_nobody_in(client, people):
    response = client.post(
        reverse("login"), {"username": "sales1", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_speaks_the_browsers_language(client):
    zh = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    en = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="zh-hans">' in zh
    assert "登录" in zh
    assert '<html lang="en">' in en
    assert "Log in" in en


def test_language_switcher_changes_the_language(client, people):
    client.force_login(people.sales1)
    client.post(reverse("set_language"), {"language": "en", "next": "/visits/today/"})

    assert "My day" in client.get("/visits/today/").content.decode()


@pytest.mark.parametrize(
    ("username", "page", "status"),
    [
        ("sales1", "/dashboard/", 403),
        ("sales1", "/territories/", 403),
        ("info1", "/visits/today/", 403),
        ("manager1", "/inquiries/new/", 200),
        ("admin", "/dashboard/", 200),
    ],
)
def test_start_pages_are_for_their_roles(client, people, username, page, status):
    client.force_login(getattr(people, username))

    assert client.get(page).status_code == status


def test_navigation_shows_only_the_roles_links(client, people):
    client.force_login(people.sales1)
    body = client.get("/visits/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/visits/today/"' in body
    assert 'href="/dashboard/"' not in body
    assert 'href="/territories/"' not in body


def test_logout_needs_a_post_and_ends_the_session(client, people):
    client.force_login(people.manager1)

    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
