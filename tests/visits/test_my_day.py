"""Issue 18 item 5: "my day" tells the day back: the quota as progress (what counts, what is left),
the forms' status, the next planned visits and what the manager asked."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.customers.models import Customer
from crm.models import Team, User
from tests.accounts.factories import CustomerFactory
from visits.day import day_progress, forms_status, manager_asks, next_planned_visits
from visits.key_accounts.models import JointVisitRequest
from visits.key_accounts.services import Answer, answer_joint_visit, request_joint_visit
from visits.models import FormSubmission, Leave, QuotaShortfall, Visit, WorkingDay
from visits.plans.selectors import day_plan
from visits.plans.services import add_to_plan, save_route_plan
from visits.services import rate_visit, record_visit, submit_forms

WEDNESDAY = date(2026, 11, 25)
K = Visit.Kind


@pytest.fixture
def client(client):
    """Pages in English, for tests that match on their text (the site's default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def wednesday():
    """Wednesday 25 November 2026, 16:00 in Shenzhen."""
    with time_machine.travel(at(WEDNESDAY, 16), tick=False):
        yield WEDNESDAY


@pytest.fixture
def staff(wednesday, people):
    """Everyone joined long ago (no new-starter grace); team one's quota is 6 a day."""
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    Team.objects.filter(pk=people.team_one.pk).update(daily_visit_quota=6)
    people.team_one.refresh_from_db()
    return people


@pytest.fixture
def mine(staff, owned_tree):
    """Six customers of sales1's territory, 客户1 … 客户6."""
    return [
        CustomerFactory(unit_name=f"客户{n}", territory=owned_tree["nanshan_clubs"], district="南山区")
        for n in range(1, 7)
    ]


def log(salesperson, customer, kind=K.FIRST, hour=10, minute=0, day=WEDNESDAY, **extra):
    return record_visit(
        salesperson=salesperson, customer_id=customer.pk, kind=kind, visited_at=at(day, hour, minute), **extra
    )


# --- the quota as progress ----------------------------------------------------------------------


def test_progress_counts_visits_and_says_the_phone_call_is_not_counted(client, staff, mine, english):
    for hour, customer in enumerate(mine[:4], start=9):
        log(staff.sales1, customer, hour=hour)
    log(staff.sales1, mine[4], kind=K.PHONE, hour=14)

    progress = day_progress(salesperson=staff.sales1, day=WEDNESDAY)

    assert (progress.required, progress.counted, progress.to_go, progress.met) == (6, 4, 2, False)
    assert progress.text == "4 / 6 visits counted toward today's quota — 2 to go"
    assert progress.not_counted == ["1 phone call not counted"]
    client.force_login(staff.sales1)
    page = client.get("/visits/today/").content.decode()
    assert '<progress class="day-progress" max="6" value="4" aria-labelledby="progress-text">' in page
    assert "4 / 6 visits counted toward today&#x27;s quota — 2 to go · 1 phone call not counted" in page


def test_phone_calls_count_where_the_team_says_so(staff, mine, english):
    Team.objects.filter(pk=staff.team_one.pk).update(quota_counts_phone_calls=True)
    log(staff.sales1, mine[0])
    log(staff.sales1, mine[1], kind=K.PHONE, hour=11)

    progress = day_progress(salesperson=staff.sales1, day=WEDNESDAY)

    assert (progress.counted, progress.to_go, progress.not_counted) == (2, 4, [])


def test_the_quota_met(staff, mine, english):
    Team.objects.filter(pk=staff.team_one.pk).update(daily_visit_quota=3)
    for hour, customer in enumerate(mine[:4], start=9):
        log(staff.sales1, customer, hour=hour)

    progress = day_progress(salesperson=staff.sales1, day=WEDNESDAY)

    assert (progress.required, progress.counted, progress.met, progress.bar_max, progress.bar_value) == (
        3,
        4,
        True,
        3,
        3,
    )
    assert progress.text == "4 / 3 visits counted toward today's quota — quota met"


def test_no_quota_on_leave_nor_on_a_holiday(client, staff, mine, english):
    Leave.objects.create(salesperson=staff.sales1, start_day=WEDNESDAY, end_day=WEDNESDAY)
    log(staff.sales1, mine[0])

    on_leave = day_progress(salesperson=staff.sales1, day=WEDNESDAY)
    WorkingDay.objects.create(day=WEDNESDAY, is_working=False, note="holiday")
    holiday = day_progress(salesperson=staff.sales2, day=WEDNESDAY)

    assert (on_leave.required, on_leave.counted, on_leave.text) == (None, 1, "No quota today: you are on leave.")
    assert (holiday.required, holiday.text) == (None, "No quota today: not a working day.")
    client.force_login(staff.sales1)
    page = client.get("/visits/today/").content.decode()
    assert "No quota today: you are on leave." in page
    assert "<progress" not in page


# --- the forms' status --------------------------------------------------------------------------


def test_the_forms_status_from_due_to_submitted_to_amended(staff, mine, english):
    visit = log(staff.sales1, mine[0])
    assert forms_status(salesperson=staff.sales1, day=WEDNESDAY).text == "Forms not submitted — due 08:30 tomorrow."

    rate_visit(visit_id=visit.pk, salesperson=staff.sales1, intent="B")
    submit_forms(salesperson=staff.sales1, day=WEDNESDAY, at=at(WEDNESDAY, 18, 2))
    assert forms_status(salesperson=staff.sales1, day=WEDNESDAY).text == "Forms submitted at 18:02."

    with time_machine.travel(at(WEDNESDAY, 19, 10), tick=False):
        log(staff.sales1, mine[1], hour=19)
    status = forms_status(salesperson=staff.sales1, day=WEDNESDAY)
    assert status.text == "Forms submitted at 18:02, amended at 19:10 (1 visit added)."
    assert (status.submission.visit_count, status.amended_visit_count) == (1, 2)


def test_forms_of_a_past_day_not_submitted_are_overdue(staff, english):
    with time_machine.travel(at(WEDNESDAY + timedelta(days=1), 9), tick=False):
        status = forms_status(salesperson=staff.sales1, day=WEDNESDAY)

        assert status.overdue is True
        assert status.text == "Forms not submitted — overdue since 08:30 today."


# --- the next planned visits --------------------------------------------------------------------


def plan_the_day(staff, mine):
    """A route of three stops (客户1 visited already), a next step overdue (客户4), one due today
    (客户5), one due but followed by a later visit (客户6), and sales2's customer with a next step due."""
    save_route_plan(salesperson=staff.sales1, day=WEDNESDAY, customer_ids=[mine[0].pk, mine[1].pk, mine[2].pk])
    log(staff.sales1, mine[0], hour=9)
    monday = WEDNESDAY - timedelta(days=2)
    log(staff.sales1, mine[3], day=monday, next_step="带报价单", next_step_on=monday)
    log(staff.sales1, mine[4], day=monday, hour=11, next_step="签约", next_step_on=WEDNESDAY)
    log(staff.sales1, mine[5], day=monday - timedelta(days=1), next_step="再访", next_step_on=monday)
    log(staff.sales1, mine[5], day=monday)


def test_next_visits_are_the_next_steps_due_besides_todays_plan(staff, mine, owned_tree, english):
    plan_the_day(staff, mine)
    add_to_plan(salesperson=staff.sales1, customer_id=mine[4].pk, day=WEDNESDAY)  # 客户5: its next step is due
    theirs = CustomerFactory(unit_name="南山小企业", territory=owned_tree["nanshan_smes"])
    log(staff.sales2, theirs, day=WEDNESDAY - timedelta(days=1), next_step_on=WEDNESDAY - timedelta(days=1))

    planned = next_planned_visits(salesperson=staff.sales1, day=WEDNESDAY)
    today = day_plan(salesperson=staff.sales1, day=WEDNESDAY, today=WEDNESDAY)

    assert [(item.unit_name, item.why, item.overdue) for item in planned] == [
        ("客户4", "Next step overdue since 11-23: 带报价单", True),
    ]
    assert [(item.stop.customer.unit_name, item.status) for item in today.in_order] == [
        *[(stop.stop.customer.unit_name, "open") for stop in today.to_visit],
        ("客户1", "visited"),
    ]
    assert sorted(stop.stop.customer.unit_name for stop in today.to_visit) == ["客户2", "客户3", "客户5"]


def test_the_page_links_each_planned_visit_to_the_visit_form(client, staff, mine):
    plan_the_day(staff, mine)
    client.force_login(staff.sales1)

    page = client.get("/visits/today/").content.decode()

    assert f'href="/visits/new/?customer={mine[3].pk}"' in page
    assert f'href="/visits/new/?customer={mine[0].pk}"' not in page  # visited already


def today_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/visits/today/").status_code == 200
    return len(queries)


def test_my_day_costs_the_same_queries_whatever_the_data(client, staff, mine, owned_tree):
    plan_the_day(staff, mine)
    client.force_login(staff.sales1)
    QuotaShortfall.objects.create(salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=1), required=6, actual=2)
    before = today_queries(client)

    more = [CustomerFactory(territory=owned_tree["nanshan_clubs"]) for _ in range(12)]
    save_route_plan(salesperson=staff.sales1, day=WEDNESDAY, customer_ids=[c.pk for c in more[:6]])
    for n, customer in enumerate(more, start=0):
        visit = log(staff.sales1, customer, hour=8 + n % 8, minute=n, next_step_on=WEDNESDAY)
        rate_visit(visit_id=visit.pk, salesperson=staff.sales1, intent="C")
    for days in range(2, 6):
        QuotaShortfall.objects.create(
            salesperson=staff.sales1, day=WEDNESDAY - timedelta(days=days), required=6, actual=1
        )
    for hour in (10, 11, 14):
        request = request_joint_visit(
            salesperson=staff.sales1,
            customer=more[hour % 12],
            manager=staff.manager1,
            reason="需要经理出面",
            proposed_at=at(WEDNESDAY + timedelta(days=1), hour),
        )
        answer_joint_visit(request_id=request.pk, manager=staff.manager1, answer=Answer.ACCEPT)

    assert today_queries(client) == before


# --- what the manager asked ---------------------------------------------------------------------


def test_what_the_manager_asked(client, staff, mine, english):
    yesterday = WEDNESDAY - timedelta(days=1)
    to_explain = QuotaShortfall.objects.create(salesperson=staff.sales1, day=yesterday, required=6, actual=2)
    rejected = QuotaShortfall.objects.create(
        salesperson=staff.sales1,
        day=yesterday - timedelta(days=1),
        required=6,
        actual=3,
        status=QuotaShortfall.Review.REJECTED,
        reviewed_by=staff.manager1,
        reviewed_at=at(yesterday, 9),
        review_note="路线可以更紧凑",
    )
    QuotaShortfall.objects.create(  # rejected a month ago: no longer news
        salesperson=staff.sales1,
        day=WEDNESDAY - timedelta(days=30),
        required=6,
        actual=3,
        status=QuotaShortfall.Review.REJECTED,
        reviewed_at=at(WEDNESDAY - timedelta(days=29), 9),
    )
    QuotaShortfall.objects.create(salesperson=staff.sales2, day=yesterday, required=6, actual=1)  # a colleague's

    def ask(customer, hour):
        return request_joint_visit(
            salesperson=staff.sales1,
            customer=customer,
            manager=staff.manager1,
            reason="客户要见经理",
            proposed_at=at(WEDNESDAY + timedelta(days=1), hour),
        )

    accepted, declined, pending = ask(mine[0], 10), ask(mine[1], 11), ask(mine[2], 14)
    with time_machine.travel(at(WEDNESDAY, 9), tick=False):
        answer_joint_visit(request_id=accepted.pk, manager=staff.manager1, answer=Answer.ACCEPT, note="我开车")
    with time_machine.travel(at(WEDNESDAY, 9, 30), tick=False):
        answer_joint_visit(request_id=declined.pk, manager=staff.manager1, answer=Answer.DECLINE, note="先电话跟进")

    asks = manager_asks(salesperson=staff.sales1)

    assert [shortfall.pk for shortfall in asks.shortfalls] == [to_explain.pk, rejected.pk]
    assert [(r.pk, r.status, r.response_note) for r in asks.joint_visits] == [
        (declined.pk, JointVisitRequest.Status.DECLINED, "先电话跟进"),
        (accepted.pk, JointVisitRequest.Status.ACCEPTED, "我开车"),
    ]
    assert pending.pk not in [r.pk for r in asks.joint_visits]
    client.force_login(staff.sales1)
    page = client.get("/visits/today/").content.decode()
    assert "Explain the shortfall of 11-24 (2 / 6)" in page
    assert "Your explanation for 11-23 was rejected" in page
    assert "路线可以更紧凑" in page
    assert f'href="{declined.get_absolute_url()}"' in page
    assert "“先电话跟进” · answered 11-25 09:30" in page


def test_nothing_asked_shows_no_section(client, staff):
    client.force_login(staff.sales1)

    response = client.get("/visits/today/")

    assert not response.context["asks"]
    assert 'id="manager-asks"' not in response.content.decode()


def test_a_customer_gone_to_a_colleague_leaves_the_plan(staff, mine):
    save_route_plan(salesperson=staff.sales1, day=WEDNESDAY, customer_ids=[mine[0].pk, mine[1].pk])
    Customer.objects.filter(pk=mine[0].pk).update(territory=None, owner=staff.sales2)

    today = day_plan(salesperson=staff.sales1, day=WEDNESDAY, today=WEDNESDAY)

    assert [item.stop.customer_id for item in today.stops] == [mine[1].pk]
    assert next_planned_visits(salesperson=staff.sales1, day=WEDNESDAY) == []
    assert FormSubmission.objects.count() == 0


def test_an_inquiry_routed_to_me_waits_among_the_next_visits_until_visited(staff, owned_tree, english):
    from campaigns.services import register_phone_inquiry

    inquiry = register_phone_inquiry(
        entered_by=staff.info1,
        data={
            "phone": "13800004444",
            "caller_name": "李先生",
            "unit_name": "南山物流",
            "district": "南山区",
            "business_type": "物流运输",
            "topic": "车队保险",
        },
    )

    planned = next_planned_visits(salesperson=staff.sales2, day=WEDNESDAY)

    assert [(item.customer_id, item.unit_name, item.why) for item in planned] == [
        (inquiry.customer_id, "南山物流", "Inquiry to visit")
    ]
    assert next_planned_visits(salesperson=staff.sales1, day=WEDNESDAY) == []
    log(staff.sales2, Customer.objects.get(pk=inquiry.customer_id), hour=15)
    assert next_planned_visits(salesperson=staff.sales2, day=WEDNESDAY) == []


def test_the_submit_button_names_the_teams_period(client, staff):
    client.force_login(staff.sales1)

    daily = client.get("/visits/today/").content.decode()
    Team.objects.filter(pk=staff.team_one.pk).update(form_submission=Team.FormSubmission.WEEKLY)
    weekly = client.get("/visits/today/").content.decode()

    # Daily: the day's report hands the forms in (issue 19, visits.reports); weekly: the week's forms, as before.
    assert "Submit today's report and forms" in daily and "Submit today's forms" not in daily
    assert "this week" not in daily
    assert "Submit this week's forms" in weekly and "Submit today's forms" not in weekly
    # When they are due is said once, by the forms' status: never "tomorrow's meeting" for a weekly team.
    assert "morning meeting" not in weekly


def test_a_next_step_overdue_for_more_than_two_weeks_is_no_longer_planned(staff, mine, english):
    long_ago = WEDNESDAY - timedelta(days=30)
    log(staff.sales1, mine[0], day=long_ago, next_step="送资料", next_step_on=WEDNESDAY - timedelta(days=15))
    log(staff.sales1, mine[1], day=long_ago, hour=11, next_step="报价", next_step_on=WEDNESDAY - timedelta(days=14))

    planned = next_planned_visits(salesperson=staff.sales1, day=WEDNESDAY)

    assert [(item.unit_name, item.why) for item in planned] == [("客户2", "Next step overdue since 11-11: 报价")]
