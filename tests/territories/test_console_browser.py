"""The territory console in a real browser: opening a territory loads its owner form and history (htmx);
reassigning shows what will move, then acts on the confirmation."""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

from territories.selectors import current_owner

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which("/usr/bin/chromium"), reason="needs Debian Chromium"),
]


@pytest.fixture(autouse=True)
def _channel_types(transactional_db):
    """live_server's tests flush the database, which removes what the data migration seeded."""
    from territories.models import ChannelType

    for code, name in (("car-clubs", "车友俱乐部和协会"), ("smes", "中小企业")):
        ChannelType.objects.get_or_create(code=code, defaults={"name": name})


def test_opening_a_territory_loads_its_owner_form_and_reassigning_works(chromium, live_server, people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    client = Client()
    client.force_login(people.admin)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    problems = []
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/territories/")
    territory = page.locator(f"#territory-{clubs.pk}")
    assert territory.locator("select[name=salesperson]").count() == 0  # nothing loaded until opened
    with page.expect_response(lambda response: f"/territories/{clubs.pk}/owner/" in response.url):
        territory.locator("summary").click()
    territory.locator("select[name=salesperson]").select_option(str(people.sales3.pk))
    territory.locator("input[name=reason]").fill("调岗")
    with page.expect_navigation():
        territory.locator("button[type=submit]", has_text="Reassign").click()
    # what will move, and nothing moved yet
    assert page.locator("#handover-preview [data-kind=customers]").get_attribute("data-count") == "0"
    assert current_owner(territory=clubs) == people.sales1
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the reassignment").click()

    assert page.url.endswith(f"/territories/#territory-{clubs.pk}")
    assert current_owner(territory=clubs) == people.sales3
    assert problems == []
    context.close()
