"""Leave 请假 asked for on the phone and approved through the approvals engine enters the quota calendar."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer
from crm.approvals.services import decide_approval
from crm.models import Approval, Notification, User
from visits.models import Leave, QuotaShortfall, Visit
from visits.selectors import weekly_working_days_present
from visits.services import check_visit_quotas, request_leave

TZ = timezone.get_default_timezone()
WEDNESDAY = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 23)


@pytest.fixture
def staff(people):
    User.objects.update(date_joined=timezone.make_aware(datetime(2026, 1, 5, 9)))
    people.team_one.daily_visit_quota = 3
    people.team_one.save()
    return people


@pytest.fixture
def on_wednesday():
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=TZ), tick=False):
        yield


def test_leave_asked_on_the_phone_approved_from_the_inbox_raises_no_shortfall(client, staff, on_wednesday):
    client.force_login(staff.sales1)
    asked = client.post(reverse("visits:leave_request"), {"start_day": "2026-11-27", "reason": "看病"})
    assert asked.status_code == 302
    approval = Approval.objects.get(kind="leave")
    assert (approval.requester, approval.approver, approval.summary) == (
        staff.sales1,
        staff.manager1,
        "2026-11-27 看病",
    )
    assert approval.payload == {"start_day": "2026-11-27", "end_day": "2026-11-27", "reason": "看病"}
    page = client.get(reverse("visits:leave_request")).content.decode()
    assert f"等待 {staff.manager1} 审批" in page

    client.force_login(staff.manager1)
    decided = client.post(reverse("approvals:decide", args=[approval.pk]), {"decision": "approve"})
    assert decided.status_code == 302

    leave = Leave.objects.get()
    assert (leave.salesperson, leave.start_day, leave.end_day, leave.reason) == (staff.sales1, FRIDAY, FRIDAY, "看病")
    check_visit_quotas(day=FRIDAY)
    assert sorted(QuotaShortfall.objects.filter(day=FRIDAY).values_list("salesperson__username", flat=True)) == [
        "sales2",
        "sales3",
    ]
    # The assessment counts four working days present that week for sales1, five for sales2.
    present = weekly_working_days_present(
        salespeople=list(User.objects.filter(username__in=["sales1", "sales2"]).values_list("pk", "date_joined")),
        first_week=MONDAY,
        last_week=MONDAY,
    )
    assert (present[staff.sales1.pk][MONDAY], present[staff.sales2.pk][MONDAY]) == (4, 5)
    assert Notification.objects.filter(recipient=staff.sales1, kind="approval_decided").count() == 1


def test_approved_leave_withdraws_a_shortfall_already_raised(staff, on_wednesday):
    customer = Customer.objects.create(unit_name="顺达汽修厂")
    Visit.objects.create(
        salesperson=staff.sales1,
        customer=customer,
        visited_at=timezone.make_aware(datetime.combine(MONDAY, time(10))),
        visited_on=MONDAY,
    )
    check_visit_quotas(day=MONDAY)
    assert QuotaShortfall.objects.get(salesperson=staff.sales1, day=MONDAY).status == "awaiting_explanation"

    approval = request_leave(salesperson=staff.sales1, start_day=MONDAY, end_day=MONDAY, reason="病假")
    decide_approval(approval_id=approval.pk, user=staff.manager1, approve=True)

    shortfall = QuotaShortfall.objects.get(salesperson=staff.sales1, day=MONDAY)
    assert (shortfall.status, shortfall.withdrawal_reason) == ("withdrawn", "leave")
    # sales2's shortfall that Monday still holds
    assert QuotaShortfall.objects.get(salesperson=staff.sales2, day=MONDAY).status == "awaiting_explanation"


def test_rejected_leave_enters_nothing(staff, on_wednesday):
    approval = request_leave(salesperson=staff.sales1, start_day=FRIDAY, end_day=FRIDAY)
    decide_approval(approval_id=approval.pk, user=staff.manager1, approve=False, comment="月底忙")
    assert Leave.objects.count() == 0
    check_visit_quotas(day=FRIDAY)
    assert QuotaShortfall.objects.filter(salesperson=staff.sales1, day=FRIDAY).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_day": "2026-11-27", "end_day": "2026-11-26"}, "请假的最后一天不能早于第一天。"),
        ({"start_day": "2026-11-01"}, "最多只能补请 7 天前的假。"),
        ({"start_day": "2026-12-01", "end_day": "2027-01-15"}, "一次最多只能请 31 天假。"),
        ({"start_day": "明天"}, "输入一个有效的日期。"),
        ({}, "该字段是必填项。"),
    ],
)
def test_bad_leave_requests_are_refused_with_a_message_and_nothing_stored(client, staff, on_wednesday, data, message):
    client.force_login(staff.sales1)
    answer = client.post(reverse("visits:leave_request"), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert Approval.objects.count() == 0


def test_overlapping_leave_is_refused(staff, on_wednesday):
    request_leave(salesperson=staff.sales1, start_day=FRIDAY, end_day=date(2026, 11, 30))
    with pytest.raises(Exception, match="已经申请了 2026-11-27 至 2026-11-30 的假"):
        request_leave(salesperson=staff.sales1, start_day=date(2026, 11, 30), end_day=date(2026, 11, 30))
    Leave.objects.create(salesperson=staff.sales2, start_day=FRIDAY, end_day=FRIDAY)
    with pytest.raises(Exception, match="你 2026-11-27 至 2026-11-27 已在休假"):
        request_leave(salesperson=staff.sales2, start_day=FRIDAY, end_day=FRIDAY)
    assert Approval.objects.count() == 1


def test_only_salespeople_ask_for_leave_on_the_page(client, staff):
    client.force_login(staff.manager1)
    assert client.get(reverse("visits:leave_request")).status_code == 403
