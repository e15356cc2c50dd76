"""Demo data of the daily reports: the demo week's reports of most salespeople, through the service (so the
figures are those of the demo visits, ratings, customers and deals), and manager1's comment on sales1's
report of the previous working day, which sales1 finds on My day."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from crm.models import User
from visits.calendar import working_days_between
from visits.reports.models import DailyReport
from visits.reports.services import comment_on_daily_report, submit_daily_report
from visits.tasks import default_quota_day

WENT_WELL = [
    "顺达汽修厂老板认可我们的理赔速度，答应下周看报价。",
    "车友会活动上加了六位车主微信，两位想了解摩托车险。",
    "二次拜访的物流公司把车队清单发过来了。",
    "新登记的两家4S店都愿意放我们的宣传单页。",
]
PROBLEMS = [
    "两家客户嫌价格高，对比的是别家的网销价。",
    "下午下雨，工业园的客户大多不在。",
    "老客户续保时间记错了，需要核对保单。",
    "",
]
TOMORROW = [
    "上午带报价单回访顺达汽修厂，下午去南海区工业园扫街。",
    "跟进车队客户的清单，约老板面谈。",
    "请经理一起去拜访信任度不够的那家物流公司。",
    "整理本周意向A、B的客户，准备周一会议。",
]
# Who has not handed in the report of the previous working day yet: the manager's page lists them.
NOT_YET = ("sales4", "sales8")
MANAGER_COMMENT = "报价思路很好。明天去顺达前先把车队方案打印出来，价格异议用理赔时效去回应。"


@transaction.atomic
def seed_daily_reports(fake: Faker) -> dict[str, int]:
    rng = random.Random(2027)  # noqa: S311 - repeatable demo data, not secrets
    last_day = default_quota_day()
    days = working_days_between(last_day - timedelta(days=6), last_day)
    salespeople = list(
        User.objects.filter(role=User.Role.SALESPERSON, username__regex=r"^sales\d$").order_by("username")
    )
    for day in days:
        for person in salespeople:
            if day == last_day and person.username in NOT_YET:
                continue
            if day != last_day and person.username != "sales1" and rng.random() < 0.2:
                continue  # a report forgotten now and then
            evening = timezone.make_aware(datetime.combine(day, time(18, rng.randint(0, 59))))
            submit_daily_report(
                salesperson=person,
                day=day,
                went_well=rng.choice(WENT_WELL),
                problems=rng.choice(PROBLEMS),
                tomorrow_plan=rng.choice(TOMORROW),
                at=min(evening + timedelta(hours=rng.choice([0, 0, 1, 15])), timezone.now()),
            )
    sales1_report = DailyReport.objects.filter(salesperson__username="sales1", day=last_day).first()
    manager1 = User.objects.filter(username="manager1").first()
    comments = 0
    if sales1_report is not None and manager1 is not None:
        comment_on_daily_report(report_id=sales1_report.pk, author=manager1, text=MANAGER_COMMENT)
        comments = 1
    return {"daily reports": DailyReport.objects.count(), "comments on daily reports": comments}
