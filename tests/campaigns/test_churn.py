"""Churn alert 防止客户流失: the nightly job's exact rows and reasons, idempotent, resolved at once or on the
next run; the list page, the Monday meeting section and the API in the viewer's scope."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from accounts.deals.models import Deal
from accounts.deals.services import create_deal
from campaigns.churn.models import ChurnRisk
from campaigns.churn.services import next_renewal, refresh_churn_risks, set_churn_windows
from crm.models import Notification
from tests.accounts.deals.factories import DealFactory
from tests.accounts.factories import CustomerFactory, ProductFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit
from visits.services import record_visit

TODAY = date(2026, 12, 7)  # a Monday
RENEWAL = ChurnRisk.Reason.RENEWAL_NO_CONTACT
STOPPED = ChurnRisk.Reason.STOPPED_BUYING


def _visit(customer, on: date, kind=Visit.Kind.FIRST):
    at = timezone.make_aware(datetime(on.year, on.month, on.day, 10, 0))
    return VisitFactory(salesperson=customer.owner, customer=customer, kind=kind, visited_at=at, visited_on=on)


def _customer(owner, **fields):
    return CustomerFactory(owner=owner, status=fields.pop("status", Customer.Status.CUSTOMER), **fields)


def _orders(customer, *days, **fields):
    return [DealFactory(customer=customer, salesperson=customer.owner, issued_on=day, **fields) for day in days]


@pytest.fixture
def book(people):
    """sales1 and sales2 (team one, default windows), sales3 (team two, contact window 90 days)."""
    set_churn_windows(team_id=people.team_two.pk, renewal_window_days=60, contact_window_days=90, buying_grace_days=30)
    c = {}
    # Renews 2027-01-01 (25 days), last visit 2026-10-01: at risk.
    c["renewal"] = _customer(people.sales1, unit_name="续保未联系", renewal_month=1)
    _visit(c["renewal"], date(2026, 10, 1))
    # The same renewal, a call on 2026-11-20 (17 days ago): fine.
    c["called"] = _customer(people.sales1, renewal_month=1)
    _visit(c["called"], date(2026, 11, 20), kind=Visit.Kind.PHONE)
    # Renews in May: outside the 60-day window.
    c["far"] = _customer(people.sales1, renewal_month=5)
    # A policy renewing on 2026-12-20 written a year ago, never visited: at risk, last contact the order.
    c["policy"] = _customer(people.sales2, unit_name="保单到期")
    _orders(c["policy"], date(2025, 12, 20), renewal_on=date(2026, 12, 20))
    # Bought every ~90 days, last on 2026-07-10 (150 days ago > 90 + 30): stopped buying.
    c["stopped"] = _customer(people.sales2, unit_name="停止购买")
    _orders(c["stopped"], date(2026, 1, 10), date(2026, 4, 10), date(2026, 7, 10))
    # A cancelled order does not count as buying again.
    _orders(c["stopped"], date(2026, 11, 1), status=Deal.Status.CANCELLED, number="CANCELLED-1")
    # Buys every ~83 days, last 22 days ago: fine.
    c["regular"] = _customer(people.sales2)
    _orders(c["regular"], date(2026, 6, 1), date(2026, 9, 1), date(2026, 11, 15))
    # Prospects and lost customers are not churn.
    c["prospect"] = _customer(people.sales1, renewal_month=1, status=Customer.Status.PROSPECT)
    c["lost"] = _customer(people.sales1, renewal_month=1, status=Customer.Status.LOST)
    # Team two's contact window is 90 days: a visit 67 days ago is recent enough.
    c["team_two"] = _customer(people.sales3, renewal_month=1)
    _visit(c["team_two"], date(2026, 10, 1))
    # Team two, never visited: at risk.
    c["team_two_silent"] = _customer(people.sales3, unit_name="二组未联系", renewal_month=12)
    return c


def _rows():
    return sorted(
        ChurnRisk.objects.values_list(
            "id", "customer_id", "reason", "salesperson_id", "key_date", "last_contact_on", "usual_interval_days"
        ),
        key=lambda row: row[0],
    )


def test_each_salesperson_is_told_once_of_the_risks_newly_found(book, people):
    for person in (people.sales1, people.sales2):
        person.language = "en"
        person.save()

    refresh_churn_risks(today=TODAY)
    refresh_churn_risks(today=TODAY)  # the rerun finds nothing new: nobody is told again

    notices = Notification.objects.filter(kind="churn_risk").order_by("recipient__username")
    assert list(notices.values_list("recipient__username", "text", "link")) == [
        ("sales1", "1 of your customers is newly at risk of churning.", "/churn/"),
        ("sales2", "2 of your customers are newly at risk of churning.", "/churn/"),
        ("sales3", "有 1 位客户新出现流失风险。", "/churn/"),
    ]


def test_next_renewal_is_this_month_today_then_the_first_of_the_month():
    assert next_renewal(12, TODAY) == TODAY
    assert next_renewal(1, TODAY) == date(2027, 1, 1)
    assert next_renewal(3, date(2026, 2, 10)) == date(2026, 3, 1)


def test_the_job_lists_exactly_the_customers_at_risk_with_their_reasons(book, people, english):
    assert refresh_churn_risks(today=TODAY) == 4

    found = {(row[1], row[2]): row[3:] for row in _rows()}
    assert found == {
        (book["renewal"].pk, RENEWAL): (people.sales1.pk, date(2027, 1, 1), date(2026, 10, 1), None),
        (book["policy"].pk, RENEWAL): (people.sales2.pk, date(2026, 12, 20), date(2025, 12, 20), None),
        (book["stopped"].pk, STOPPED): (people.sales2.pk, date(2026, 7, 10), None, 90),
        (book["team_two_silent"].pk, RENEWAL): (people.sales3.pk, TODAY, None, None),
    }
    explanations = {risk.customer_id: risk.explanation for risk in ChurnRisk.objects.all()}
    assert explanations[book["renewal"].pk] == "Renews on 2027-01-01; last visit or call on 2026-10-01."
    assert explanations[book["stopped"].pk] == "Usually orders every 90 days; last order on 2026-07-10."
    assert explanations[book["team_two_silent"].pk] == "Renews on 2026-12-07; never visited or called."


def test_the_job_run_twice_keeps_the_same_rows(book):
    refresh_churn_risks(today=TODAY)
    first = _rows()
    refresh_churn_risks(today=TODAY)
    assert _rows() == first
    assert set(ChurnRisk.objects.values_list("found_on", flat=True)) == {TODAY}


def test_a_risk_resolved_meanwhile_disappears_on_the_next_run_and_others_keep_their_rows(book):
    refresh_churn_risks(today=TODAY)
    kept = ChurnRisk.objects.get(customer=book["stopped"]).pk
    _visit(book["renewal"], date(2026, 12, 7))

    refresh_churn_risks(today=date(2026, 12, 8))

    assert not ChurnRisk.objects.filter(customer=book["renewal"]).exists()
    row = ChurnRisk.objects.get(customer=book["stopped"])
    assert (row.pk, row.found_on, row.checked_on) == (kept, TODAY, date(2026, 12, 8))


def test_a_call_logged_removes_the_renewal_risk_at_once(book, people):
    refresh_churn_risks(today=TODAY)

    record_visit(salesperson=people.sales1, customer_id=book["renewal"].pk, kind=Visit.Kind.PHONE)

    assert not ChurnRisk.objects.filter(customer=book["renewal"]).exists()
    assert ChurnRisk.objects.count() == 3


def test_an_order_removes_the_customer_s_risks_at_once(book, people):
    refresh_churn_risks(today=TODAY)

    create_deal(
        created_by=people.sales2,
        customer_id=book["stopped"].pk,
        product=ProductFactory(),
        number="CHURN-BACK-1",
        amount=Decimal("1200.00"),
        issued_on=timezone.localdate(),
    )

    assert not ChurnRisk.objects.filter(customer=book["stopped"]).exists()
    assert ChurnRisk.objects.filter(customer=book["policy"]).exists()


def test_the_windows_are_validated(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        set_churn_windows(
            team_id=people.team_one.pk, renewal_window_days=0, contact_window_days=30, buying_grace_days=1
        )


# --- pages and API ---------------------------------------------------------------------------------


def test_the_monday_meeting_shows_the_team_s_risks_with_reasons(client, book, people, english):
    refresh_churn_risks(today=TODAY)
    client.force_login(people.manager1)

    html = client.get(reverse("key_accounts:monday_meeting"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "续保未联系" in html and "保单到期" in html and "停止购买" in html
    assert "二组未联系" not in html  # team two's
    assert "Usually orders every 90 days; last order on 2026-07-10." in html
    assert "3 customers at risk" in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [("sales1", {"renewal"}), ("sales2", {"policy", "stopped"}), ("manager2", {"team_two_silent"}), ("info1", None)],
)
def test_the_churn_list_shows_each_their_own(client, book, people, who, expected):
    refresh_churn_risks(today=TODAY)
    client.force_login(getattr(people, who))

    response = client.get(reverse("campaigns:churn_list"))

    if expected is None:
        assert response.status_code == 403
        return
    assert {risk.customer_id for risk in response.context["page_obj"]} == {book[name].pk for name in expected}


def test_a_bad_reason_in_the_address_is_a_400_with_a_message(client, people, english):
    client.force_login(people.sales1)
    response = client.get(reverse("campaigns:churn_list"), {"reason": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose a reason from the list." in response.content.decode()


def test_the_api_lists_the_scope_and_hides_the_rest(book, people):
    refresh_churn_risks(today=TODAY)
    api = APIClient()
    api.force_authenticate(people.sales1)

    listed = api.get("/api/churn-risks/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    hidden = ChurnRisk.objects.get(customer=book["stopped"])

    assert [row["customer"] for row in listed] == [book["renewal"].pk]
    assert listed[0]["explanation"] == "Renews on 2027-01-01; last visit or call on 2026-10-01."
    assert api.get(f"/api/churn-risks/{hidden.pk}/").status_code == 404


def _more_risks(people, count):
    for n in range(count):
        customer = _customer(people.sales1 if n % 2 else people.sales2, renewal_month=1)
        _visit(customer, date(2026, 9, 1))


@pytest.mark.parametrize("extra", [0, 30])
def test_the_pages_run_a_fixed_number_of_queries(client, book, people, extra, django_assert_max_num_queries):
    _more_risks(people, extra)
    refresh_churn_risks(today=TODAY)
    client.force_login(people.manager1)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("campaigns:churn_list")).status_code == 200
    # 11: the meeting reads each salesperson's figures in one GROUP BY and the obstacles in one more, so that it
    # shows only the first cards of a long shortlist (issue #24)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("key_accounts:monday_meeting")).status_code == 200


@pytest.mark.parametrize("extra", [0, 30])
def test_the_job_runs_a_fixed_number_of_queries(book, people, extra, django_assert_max_num_queries):
    _more_risks(people, extra)
    with django_assert_max_num_queries(9):  # + the salespeople told and their notifications
        refresh_churn_risks(today=TODAY)
    with django_assert_max_num_queries(6):
        refresh_churn_risks(today=TODAY)
