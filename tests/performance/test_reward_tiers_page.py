"""Reward tiers on our own page: saved through ``save_reward_tier`` (recorded with who) and used by the
month's reward; no prefilled 0 bonus, a tier that pays nothing or clashes with another is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from performance.models import RewardRule
from performance.selectors import reward_for
from tests.performance.factories import RewardRuleFactory

D = Decimal
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _pages_in_english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_tier_added_on_the_page_pays_the_next_reward(client, people):
    client.force_login(people.admin)

    response = client.post(
        reverse("performance:reward_tiers"),
        {"new-name": "达标", "new-min_attainment_percent": "80", "new-bonus_amount": "500", "new-is_active": "on"},
    )

    assert response.status_code == 302
    tier = RewardRule.objects.get()
    assert (tier.name, tier.min_attainment_percent, tier.bonus_rate_percent, tier.bonus_amount) == (
        "达标",
        D("80.00"),
        D("0.00"),
        D("500.00"),
    )
    assert tier.history.get().history_user == people.admin
    reward = reward_for(attainment_percent=D("85"), attained_amount=D("100000"), rules=[tier])
    assert reward.bonus == D("500.00")


def test_the_forms_bonuses_are_empty_not_zero(client, people):
    tier = RewardRuleFactory(name="达标", min_attainment_percent=D("80"), bonus_rate_percent=D("2"), bonus_amount=0)
    client.force_login(people.admin)

    page = client.get(reverse("performance:reward_tiers"), {"edit": tier.pk})

    body = page.content.decode()
    assert 'name="new-bonus_amount"' in body and 'name="new-bonus_amount" value' not in body
    assert 'name="edit-bonus_amount"' in body and 'name="edit-bonus_amount" value' not in body
    assert 'name="edit-bonus_rate_percent" value="2.00"' in body


def test_a_tier_that_pays_nothing_is_refused(client, people):
    client.force_login(people.admin)

    response = client.post(reverse("performance:reward_tiers"), {"new-name": "空", "new-min_attainment_percent": "80"})

    assert response.context["new_form"].errors == {
        "bonus_rate_percent": ["Give a bonus rate, a fixed bonus or both: this tier pays nothing."]
    }
    assert not RewardRule.objects.exists()


def test_two_active_tiers_cannot_start_at_the_same_attainment(client, people):
    RewardRuleFactory(name="达标", min_attainment_percent=D("80"))
    other = RewardRuleFactory(name="超额", min_attainment_percent=D("120"))
    client.force_login(people.admin)

    response = client.post(
        reverse("performance:reward_tiers"),
        {
            "tier": other.pk,
            "edit-name": "超额",
            "edit-min_attainment_percent": "80",
            "edit-bonus_rate_percent": "3",
            "edit-is_active": "on",
        },
    )

    assert response.context["edit_form"].errors == {"min_attainment_percent": ["Another active tier starts at 80%."]}
    other.refresh_from_db()
    assert other.min_attainment_percent == D("120.00")


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_edits_reward_tiers(client, people, who):
    client.force_login(getattr(people, who))

    assert client.get(reverse("performance:reward_tiers")).status_code == 403
    response = client.post(
        reverse("performance:reward_tiers"),
        {"new-name": "达标", "new-min_attainment_percent": "80", "new-bonus_amount": "5"},
    )
    assert response.status_code == 403
    assert not RewardRule.objects.exists()
