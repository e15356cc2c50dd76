"""The admin's Settings: one home page reaching every day-to-day setting, and the team modes page, which writes
through ``update_team_settings`` (recorded with who) and refuses bad input with nothing changed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Team
from crm.services import update_team_settings

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


SETTINGS_PAGES = [
    "visit_settings:working_days",
    "visit_settings:quota_settings",
    "team_modes",
    "territories:console",
    "territories:routing_rules",
    "performance:target_breakdown",
    "performance:reward_tiers",
    "service_tools:product_list",
]


def test_the_settings_home_reaches_every_day_to_day_setting(client, people):
    client.force_login(people.admin)

    body = client.get(reverse("settings_home")).content.decode()

    for name in SETTINGS_PAGES:
        assert f'href="{reverse(name)}"' in body, name
        assert client.get(reverse(name)).status_code == 200, name


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_opens_the_settings(client, people, who):
    client.force_login(getattr(people, who))

    for name in ["settings_home", "team_modes"]:
        assert client.get(reverse(name)).status_code == 403


def _modes(team, **changes):
    data = {
        "form_submission": team.form_submission,
        "check_in_radius_m": team.check_in_radius_m or "",
        "repeat_visit_window_minutes": team.repeat_visit_window_minutes,
        "quota_counts_phone_calls": "on" if team.quota_counts_phone_calls else "",
        "quota_counts_office_visits": "on" if team.quota_counts_office_visits else "",
        "discount_limit_percent": team.discount_limit_percent,
        **changes,
    }
    return {"team": team.pk, **{f"team-{team.pk}-{name}": value for name, value in data.items() if value != ""}}


def test_team_modes_are_saved_through_the_service_with_who(client, people):
    team = people.team_one
    client.force_login(people.admin)

    response = client.post(
        reverse("team_modes"),
        _modes(
            team,
            form_submission="weekly",
            check_in_radius_m="800",
            repeat_visit_window_minutes="15",
            discount_limit_percent="12.5",
        ),
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.form_submission, team.check_in_radius_m, team.repeat_visit_window_minutes) == ("weekly", 800, 15)
    assert team.discount_limit_percent == Decimal("12.50")
    assert team.quota_counts_phone_calls is False
    latest = team.history.latest()
    assert (latest.history_user, latest.form_submission) == (people.admin, "weekly")
    assert Team.objects.get(pk=people.team_two.pk).form_submission == "daily"  # the other team untouched


def test_a_radius_out_of_range_is_refused_on_its_field_and_nothing_changes(client, people):
    team = people.team_one
    recorded = team.history.count()
    client.force_login(people.admin)

    response = client.post(reverse("team_modes"), _modes(team, form_submission="weekly", check_in_radius_m="10"))

    assert response.status_code == 200
    form = dict(response.context["teams"])[team]
    assert form.errors == {"check_in_radius_m": ["Ensure this value is greater than or equal to 50."]}
    team.refresh_from_db()
    assert (team.form_submission, team.check_in_radius_m) == ("daily", None)
    assert team.history.count() == recorded


def test_the_service_names_only_team_settings(people):
    with pytest.raises(TypeError):
        update_team_settings(team_id=people.team_one.pk, changed_by=people.admin, name="改名")
