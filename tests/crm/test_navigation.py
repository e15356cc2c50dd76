"""The menu by role, in groups (crm/navigation.py): what each role sees and how the current page is marked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from crm.navigation import GROUPS, NAV_ITEMS, menu_for, nav_items_for
from tests.roles import ROLE_USERS, Role


def test_every_entry_names_a_page_and_a_known_group_once():
    urls = [reverse(item.url_name) for item in NAV_ITEMS]

    assert len(urls) == len(set(urls))
    assert {item.group for item in NAV_ITEMS} <= set(GROUPS)
    assert len(GROUPS) <= 7


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        (Role.SALESPERSON, ["customers", "visits", "follow-up", "deals", "publicity", "performance"]),
        (Role.MANAGER, ["customers", "visits", "follow-up", "deals", "publicity", "performance"]),
        (Role.INFO_STAFF, ["customers", "follow-up", "publicity"]),
        (Role.ADMIN, ["customers", "visits", "follow-up", "deals", "publicity", "performance", "settings"]),
    ],
)
def test_each_role_sees_only_the_groups_it_has_entries_in(people, role, groups):
    user = getattr(people, ROLE_USERS[role])

    menu = menu_for(user, "/")

    assert [group.key for group in menu] == groups
    assert sum(len(group.entries) for group in menu) == len(nav_items_for(user))


def test_the_info_staffs_groups_hold_their_entries(people):
    menu = {group.key: [entry.url for entry in group.entries] for group in menu_for(people.info1, "/")}

    assert menu == {
        "customers": ["/customers/duplicates/"],
        "follow-up": ["/inquiries/new/"],
        "publicity": [
            "/campaigns/",
            "/imports/",
            "/segments/",
            "/call-lists/",
            "/partners/",
            "/events/",
            "/competitor-reports/",
        ],
    }


def test_the_current_page_is_marked_in_its_group(people):
    menu = menu_for(people.manager1, "/visits/")

    current = [(group.key, entry.url, entry.current) for group in menu for entry in group.entries if entry.current]
    assert current == [("visits", "/visits/", "page")]
    assert [group.key for group in menu if group.current] == ["visits"]


def test_a_page_below_an_entry_marks_that_entry_not_a_shorter_one(people):
    # /visits/shortfalls/12/ lies under both /visits/ (team visits) and /visits/shortfalls/: the longer wins.
    menu = menu_for(people.manager1, "/visits/shortfalls/12/explain/")

    current = [(entry.url, entry.current) for group in menu for entry in group.entries if entry.current]
    assert current == [("/visits/shortfalls/", "true")]


def test_a_page_outside_the_menu_marks_nothing(people):
    assert not any(group.current for group in menu_for(people.sales1, "/account/"))


def test_the_page_shows_the_groups_with_the_current_one_marked(client, people):
    client.force_login(people.manager1)

    body = client.get("/dashboard/attainment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    desk = body.split('id="menu-groups"', 1)[1].split('id="menu-phone"', 1)[0]
    toggles = re.findall(r'data-menu-group="([\w-]+)">\s*<button[^>]*?(aria-current="true")?>', desk)
    assert toggles == [
        ("customers", ""),
        ("visits", ""),
        ("follow-up", ""),
        ("deals", ""),
        ("publicity", ""),
        ("performance", 'aria-current="true"'),
    ]
    assert desk.count('aria-current="page"') == 1
    assert '<a class="dropdown-item active" href="/dashboard/attainment/" aria-current="page">Attainment</a>' in desk
    phone = body.split('id="menu-phone"', 1)[1].split('id="user-nav"', 1)[0]
    assert re.findall(r'class="menu-phone-heading" id="menu-phone-[\w-]+">([^<]+)<', phone) == [
        "Customers",
        "Visits",
        "Follow-up",
        "Deals",
        "Publicity",
        "Performance",
    ]


def test_a_group_of_one_entry_is_a_plain_link(client, people):
    client.force_login(people.sales1)

    body = client.get("/dashboard/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    desk = body.split('id="menu-groups"', 1)[1].split('id="menu-phone"', 1)[0]
    assert re.search(
        r'data-menu-group="performance"><a class="nav-link active" href="/dashboard/me/" aria-current="page">'
        r'<span class="nav-label">我的本月</span></a>',
        desk,
    )


def test_the_user_menu_offers_the_languages_and_sign_out(client, people):
    client.force_login(people.info1)

    body = client.get("/inquiries/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    user_menu = body.split('id="user-menu"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'name="language" value="([\w-]+)"', user_menu) == ["zh-hans", "en"]
    assert 'value="en" lang="en" class="dropdown-item active" aria-current="true">English</button>' in user_menu
    assert '<form method="post" action="/logout/" class="js-logout-form">' in user_menu
