"""A territory changing hands: what will move is shown first (per kind, counted and named), the change waits
for a confirmation bound to what was shown, and the territory's history says who moved what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer, OwnerChange
from accounts.deals.models import Deal
from campaigns.models import PhoneInquiry
from crm.dates import week_start
from territories import services
from territories.models import TerritoryAssignment, TerritoryHandover
from territories.selectors import current_owner
from territories.services import (
    PreviewOutdated,
    WorkPreview,
    assign_territory,
    end_territory_assignment,
    preview_reassignment,
    preview_release,
)
from tests.accounts.deals.factories import DealFactory
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import PhoneInquiryFactory
from tests.visits.factories import RoutePlanFactory, RouteStopFactory
from tests.visits.key_accounts.factories import KeyAccountEntryFactory
from visits.key_accounts.models import KeyAccountEntry
from visits.models import RouteStop

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()


@pytest.fixture
def work(owned_tree, people):
    """南山车友会 (sales1's) with open work of every kind, and work of each kind that must not move."""
    clubs, smes = owned_tree["nanshan_clubs"], owned_tree["nanshan_smes"]
    alpha = CustomerFactory(territory=clubs, owner=people.sales1, unit_name="甲车行")
    beta = CustomerFactory(territory=clubs, owner=people.sales1, unit_name="乙车行")
    gamma = CustomerFactory(territory=clubs, owner=people.sales1, unit_name="丙车行")
    CustomerFactory(territory=clubs, owner=None, pooled_at=timezone.now(), unit_name="池中车行")
    other = CustomerFactory(territory=smes, owner=people.sales2, unit_name="别处公司")
    # deals: two open (issued, partly paid), one paid, one open elsewhere
    DealFactory(customer=alpha, salesperson=people.sales1, number="D-1", issued_on=TODAY - timedelta(days=3))
    DealFactory(
        customer=beta,
        salesperson=people.sales1,
        number="D-2",
        status=Deal.Status.PARTIALLY_PAID,
        issued_on=TODAY - timedelta(days=2),
    )
    DealFactory(customer=gamma, salesperson=people.sales1, number="D-3", status=Deal.Status.PAID)
    DealFactory(customer=other, salesperson=people.sales2, number="D-4")
    # inquiries: one routed to the territory and assigned, one from a customer waiting in the queue,
    # one converted (stays), one of another territory
    PhoneInquiryFactory(
        territory=clubs,
        salesperson=people.sales1,
        status=PhoneInquiry.Status.ASSIGNED,
        unit_name="来电甲",
        received_at=timezone.now() - timedelta(days=1),
    )
    PhoneInquiryFactory(customer=beta, status=PhoneInquiry.Status.NEW, unit_name="来电乙")
    PhoneInquiryFactory(territory=clubs, salesperson=people.sales1, status=PhoneInquiry.Status.CONVERTED)
    PhoneInquiryFactory(territory=smes, salesperson=people.sales2, status=PhoneInquiry.Status.ASSIGNED)
    # planned visits: today α and β, tomorrow γ (sales3 already has a stop that day), yesterday γ (past)
    today_plan = RoutePlanFactory(salesperson=people.sales1, day=TODAY)
    RouteStopFactory(plan=today_plan, customer=alpha, position=1)
    RouteStopFactory(plan=today_plan, customer=beta, position=2)
    RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales1, day=TODAY + timedelta(days=1)), customer=gamma)
    RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales1, day=TODAY - timedelta(days=1)), customer=gamma)
    own_tomorrow = RoutePlanFactory(salesperson=people.sales3, day=TODAY + timedelta(days=1))
    RouteStopFactory(plan=own_tomorrow, customer=CustomerFactory(territory=owned_tree["futian_clubs"]), position=1)
    # key accounts: α open this week (moves), β won this week, γ open last week (stay)
    week = week_start(TODAY)
    KeyAccountEntryFactory(salesperson=people.sales1, customer=alpha, week=week)
    KeyAccountEntryFactory(salesperson=people.sales1, customer=beta, week=week, outcome=KeyAccountEntry.Outcome.WON)
    KeyAccountEntryFactory(salesperson=people.sales1, customer=gamma, week=week - timedelta(days=7))
    return {"clubs": clubs, "alpha": alpha, "beta": beta, "gamma": gamma, "own_tomorrow": own_tomorrow}


def _counts(preview):
    return {mover.name: shown.count for mover, shown in preview.parts}


def _samples(preview):
    return {mover.name: list(shown.sample) for mover, shown in preview.parts}


def test_the_preview_counts_and_names_each_kind_of_open_work(work, people):
    preview = preview_reassignment(territory=work["clubs"], to_user=people.sales3)

    assert _counts(preview) == {
        "open_deals": 2,
        "customers": 3,
        "key_accounts": 1,
        "planned_visits": 3,
        "phone_inquiries": 2,
        "recruit_candidates": 0,
        "tenders": 0,
    }
    assert _samples(preview) == {
        "open_deals": ["D-1 · 甲车行", "D-2 · 乙车行"],
        "customers": ["丙车行", "乙车行", "甲车行"],  # by name
        "key_accounts": [f"甲车行 ({week_start(TODAY):%Y-%m-%d})"],
        "planned_visits": [
            f"{TODAY:%Y-%m-%d} 甲车行",
            f"{TODAY:%Y-%m-%d} 乙车行",
            f"{TODAY + timedelta(days=1):%Y-%m-%d} 丙车行",
        ],
        "phone_inquiries": [
            f"来电甲 ({timezone.localdate(timezone.now() - timedelta(days=1)):%Y-%m-%d})",
            f"来电乙 ({TODAY:%Y-%m-%d})",
        ],
        "recruit_candidates": [],
        "tenders": [],
    }
    assert (preview.from_user, preview.to_user, preview.total) == (people.sales1, people.sales3, 11)


def test_the_confirmed_reassignment_moves_exactly_what_the_preview_counted(work, people):
    preview = preview_reassignment(territory=work["clubs"], to_user=people.sales3)

    result = assign_territory(
        territory=work["clubs"],
        salesperson=people.sales3,
        assigned_by=people.admin,
        reason="调岗",
        confirmed_preview=preview.token,
    )

    assert result.moved == _counts(preview)
    assert set(
        Customer.objects.filter(owner=people.sales3, territory=work["clubs"]).values_list("unit_name", flat=True)
    ) == {
        "甲车行",
        "乙车行",
        "丙车行",
    }
    today_stops = RouteStop.objects.filter(plan__salesperson=people.sales3, plan__day=TODAY).order_by("position")
    assert [(s.position, s.customer.unit_name) for s in today_stops] == [(1, "甲车行"), (2, "乙车行")]
    tomorrow = RouteStop.objects.filter(plan=work["own_tomorrow"]).order_by("position")
    assert [s.position for s in tomorrow] == [1, 2]
    assert tomorrow[1].customer == work["gamma"]
    # sales1 keeps only yesterday's stop (the past is not moved)
    assert list(RouteStop.objects.filter(plan__salesperson=people.sales1).values_list("plan__day", flat=True)) == [
        TODAY - timedelta(days=1)
    ]
    assert KeyAccountEntry.objects.get(customer=work["alpha"]).salesperson == people.sales3
    handover = TerritoryHandover.objects.get(territory=work["clubs"], to_salesperson=people.sales3)
    assert (
        handover.kind,
        handover.from_salesperson,
        handover.to_salesperson,
        handover.changed_by,
        handover.reason,
        handover.moved,
        handover.changed_at,
    ) == (
        TerritoryHandover.Kind.REASSIGNED,
        people.sales1,
        people.sales3,
        people.admin,
        "调岗",
        {
            "open_deals": 2,
            "customers": 3,
            "key_accounts": 1,
            "planned_visits": 3,
            "phone_inquiries": 2,
            "recruit_candidates": 0,
            "tenders": 0,
        },
        result.assignment.started_at,
    )


def test_a_stale_confirmation_is_refused_and_changes_nothing(work, people):
    preview = preview_reassignment(territory=work["clubs"], to_user=people.sales3)
    CustomerFactory(territory=work["clubs"], owner=people.sales1, unit_name="新来车行")  # registered meanwhile

    with pytest.raises(PreviewOutdated) as refused:
        assign_territory(
            territory=work["clubs"],
            salesperson=people.sales3,
            assigned_by=people.admin,
            confirmed_preview=preview.token,
        )

    assert _counts(refused.value.preview)["customers"] == 4
    assert refused.value.preview.token != preview.token
    assert current_owner(territory=work["clubs"]) == people.sales1
    assert Customer.objects.filter(owner=people.sales3).count() == 0
    assert not TerritoryHandover.objects.filter(territory=work["clubs"], to_salesperson=people.sales3).exists()


def test_the_release_preview_shows_what_goes_to_the_queue(work, people):
    preview = preview_release(territory=work["clubs"])

    # key accounts and planned visits wait for the next owner: not listed
    assert _counts(preview) == {"open_deals": 2, "customers": 3, "phone_inquiries": 1}
    assert preview.to_user is None

    handover = end_territory_assignment(
        territory=work["clubs"], ended_by=people.admin, reason="离职", confirmed_preview=preview.token
    )

    assert handover.moved == {"open_deals": 2, "customers": 3, "phone_inquiries": 1}
    assert (handover.kind, handover.from_salesperson, handover.to_salesperson) == (
        TerritoryHandover.Kind.RELEASED,
        people.sales1,
        None,
    )
    assert Customer.objects.filter(territory=work["clubs"], owner__isnull=True, pooled_at__isnull=True).count() == 3


def test_a_mover_registered_later_joins_the_preview_and_the_history(work, people, monkeypatch, english):
    """A higher app (week plans, say) registers its mover and is previewed, confirmed and recorded like the rest."""
    monkeypatch.setattr(services, "OPEN_WORK_MOVERS", list(services.OPEN_WORK_MOVERS))
    services.register_open_work_mover(
        name="week_plans",
        label="%(count)d week-plan entries",
        move=lambda **kwargs: 4,
        preview=lambda **kwargs: WorkPreview(count=4, sample=("周一 甲车行",)),
    )

    preview = preview_reassignment(territory=work["clubs"], to_user=people.sales3)
    result = assign_territory(
        territory=work["clubs"], salesperson=people.sales3, assigned_by=people.admin, confirmed_preview=preview.token
    )

    assert _counts(preview)["week_plans"] == 4
    assert result.handover.moved["week_plans"] == 4
    assert services.describe_moved(result.handover.moved).endswith("2 open phone inquiries, 4 week-plan entries")


# --- the pages -------------------------------------------------------------------------------------------


def test_the_page_shows_the_preview_and_changes_nothing_before_the_confirmation(client, work, people):
    client.force_login(people.admin)
    url = reverse("territories:territory_assign", args=[work["clubs"].pk])
    changes_before = OwnerChange.objects.count()

    shown = client.get(url, {"salesperson": people.sales3.pk, "reason": "调岗"}, **EN)
    posted_without_confirmation = client.post(url, {"salesperson": people.sales3.pk, "reason": "调岗"}, **EN)

    body = shown.content.decode()
    assert shown.status_code == posted_without_confirmation.status_code == 200
    for text in (
        "2 open deals",
        "3 customers",
        "1 key account",
        "3 planned visits",
        "2 open phone inquiries",
        "D-1 · 甲车行",
        "Nothing has changed yet.",
        "Confirm the reassignment",
    ):
        assert text in body
    assert f'name="preview" value="{shown.context["preview"].token}"' in body
    assert current_owner(territory=work["clubs"]) == people.sales1
    assert OwnerChange.objects.count() == changes_before
    assert TerritoryAssignment.objects.filter(territory=work["clubs"]).count() == 1
    assert not TerritoryHandover.objects.filter(territory=work["clubs"], to_salesperson=people.sales3).exists()


def test_confirming_on_the_page_reassigns_and_the_history_says_who_moved_what(client, work, people):
    client.force_login(people.admin)
    url = reverse("territories:territory_assign", args=[work["clubs"].pk])
    token = client.get(url, {"salesperson": people.sales3.pk}).context["preview"].token

    response = client.post(
        url, {"salesperson": people.sales3.pk, "reason": "调岗", "preview": token}, follow=True, **EN
    )

    moved = "2 open deals, 3 customers, 1 key account, 3 planned visits, 2 open phone inquiries"
    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 now belongs to {people.sales3}. Moved: {moved}."
    ]
    panel = client.get(reverse("territories:territory_owner", args=[work["clubs"].pk]), **EN)
    newest = panel.context["history"][0]
    assert (newest.salesperson, newest.assigned_by, newest.reason) == (people.sales3, people.admin, "调岗")
    assert newest.moved_in.moved_text == moved
    assert f"Moved from {people.sales1}: {moved}" in panel.content.decode()


def test_a_stale_preview_is_shown_again_with_the_new_numbers(client, work, people):
    client.force_login(people.admin)
    url = reverse("territories:territory_assign", args=[work["clubs"].pk])
    token = client.get(url, {"salesperson": people.sales3.pk}).context["preview"].token
    DealFactory(customer=work["gamma"], salesperson=people.sales1, number="D-5")  # a deal recorded meanwhile

    response = client.post(url, {"salesperson": people.sales3.pk, "preview": token}, **EN)

    body = response.content.decode()
    assert response.status_code == 409
    assert "What would move has changed since you looked. Nothing was changed: check it again." in body
    assert "3 open deals" in body
    assert response.context["preview"].token != token
    assert current_owner(territory=work["clubs"]) == people.sales1
    again = client.post(url, {"salesperson": people.sales3.pk, "preview": response.context["preview"].token})
    assert again.status_code == 302
    assert current_owner(territory=work["clubs"]) == people.sales3


def test_releasing_on_the_page_previews_then_confirms(client, work, people):
    client.force_login(people.admin)
    url = reverse("territories:territory_release", args=[work["clubs"].pk])

    shown = client.get(url, {"reason": "离职"}, **EN)
    assert "3 customers" in shown.content.decode()
    assert current_owner(territory=work["clubs"]) == people.sales1

    response = client.post(url, {"reason": "离职", "preview": shown.context["preview"].token}, follow=True, **EN)

    queued = "2 open deals, 3 customers, 1 open phone inquiry"
    assert [str(m) for m in response.context["messages"]] == [f"南山车友会 has no owner now. To the queue: {queued}."]
    assert current_owner(territory=work["clubs"]) is None
    panel = client.get(reverse("territories:territory_owner", args=[work["clubs"].pk]), **EN).content.decode()
    assert f"Sent to the queue: {queued}" in panel


@pytest.mark.parametrize("who", ["sales1", "manager1", "info1"])
def test_only_the_admin_sees_a_preview(client, work, people, who):
    client.force_login(getattr(people, who))

    url = reverse("territories:territory_assign", args=[work["clubs"].pk])
    assert client.get(url, {"salesperson": people.sales3.pk}).status_code == 403
    assert client.get(reverse("territories:territory_release", args=[work["clubs"].pk])).status_code == 403


@pytest.mark.parametrize("customers", [1, 12])
def test_the_preview_page_takes_a_fixed_number_of_queries(
    client, work, people, customers, django_assert_max_num_queries
):
    CustomerFactory.create_batch(customers, territory=work["clubs"], owner=people.sales1)
    client.force_login(people.admin)

    # session, user, territory, salesperson, assignable salespeople, owner, 2 per kind of work (7), notifications
    with django_assert_max_num_queries(21):
        response = client.get(
            reverse("territories:territory_assign", args=[work["clubs"].pk]), {"salesperson": people.sales3.pk}
        )
    assert response.context["preview"].counts["customers"] == 3 + customers
