"""Demo data of the publicity desk (宣传配合) and competitor intelligence (市场职能 3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from faker import Faker

from campaigns.models import Campaign, CompetitorReport, PhoneInquiry, SmsTemplate
from campaigns.services import create_campaign, create_event, register_phone_inquiry, report_competitor
from crm.dates import local_today
from crm.models import User

COMPETITOR_REPORTS = (
    ("平安财险", "交强险", "950", "统一费率", "4S店驻点出单", "续保送洗车券", "南山车管所"),
    ("人保财险", "交强险", "950", "统一费率", "电话销售加上门送单", "无赔款优待", "福田4S店"),
    ("平安财险", "商业车险（三者100万）", "1280", "85折", "网上直销，保费低", "返油卡200元", "车友会活动"),
    ("太平洋财险", "商业车险（三者100万）", "1350", "9折", "修理厂代理", "理赔快速通道", "汽修厂"),
    ("人保财险", "摩托车险", "120", "", "车管所门口摆点", "", "宝安车管所"),
)
CALLS = (
    # unit, caller, district, the caller's business (行业), what they asked
    ("佛山顺达物流有限公司", "李经理", "南海区", "物流运输", "车队20台车的商业险报价"),
    ("禅城名车汽车4S店", "王女士", "禅城区", "汽车4S店", "收到宣传单，想了解合作"),
    ("高明宏达摩托车行", "张先生", "高明区", "摩托车行", "代办摩托车险"),
    ("容桂某五金厂", "陈先生", "容桂街道", "", "员工车辆保险"),  # routes nowhere: the managers' queue
)


@transaction.atomic
def seed_campaigns(fake: Faker) -> dict[str, int]:
    info = User.objects.filter(role=User.Role.INFO_STAFF).first()
    if info is None:
        return {"campaigns": 0}
    today = local_today()
    direct_mail = create_campaign(
        created_by=info,
        data={
            "name": "黄页企业直邮",
            "kind": Campaign.Kind.DIRECT_MAIL,
            "starts_on": today - timedelta(days=20),
            "ends_on": today + timedelta(days=10),
            "budget": Decimal("6000.00"),
            "segment": {"status": "prospect"},
            "description": "从大黄页筛选目标客户，邮寄产品资料。",
        },
    )
    create_campaign(
        created_by=info,
        data={
            "name": "续保短信提醒",
            "kind": Campaign.Kind.SMS,
            "starts_on": today - timedelta(days=5),
            "ends_on": today + timedelta(days=25),
            "budget": Decimal("800.00"),
        },
    )
    outdoor = create_campaign(
        created_by=info,
        data={
            "name": "新建小区户外展示",
            "kind": Campaign.Kind.OUTDOOR_EVENT,
            "starts_on": today,
            "ends_on": today + timedelta(days=2),
            "budget": Decimal("3500.00"),
        },
    )
    SmsTemplate.objects.create(name="续保提醒", body="{unit_name}您好，{campaign}：续保享优惠，详询本公司。{opt_out}")
    staff = User.objects.filter(role=User.Role.SALESPERSON, is_active=True).order_by("username")[:2]
    create_event(
        created_by=info,
        data={"campaign": outdoor, "name": "千灯湖小区推广日", "place": "千灯湖畔小区中心广场", "district": "南海区",
              "held_on": today},
        staff=staff,
    )  # fmt: skip
    reporter = staff[0] if staff else info
    for days, (competitor, product, price, note, way, policy, where) in enumerate(COMPETITOR_REPORTS):
        report_competitor(
            reported_by=reporter,
            data={"competitor": competitor, "product": product, "price": Decimal(price), "price_note": note,
                  "way_of_operating": way, "policy": policy, "seen_where": where,
                  "seen_on": today - timedelta(days=days * 3)},
        )  # fmt: skip
    for index, (unit, caller, district, business, topic) in enumerate(CALLS):
        register_phone_inquiry(
            entered_by=info,
            data={"unit_name": unit, "caller_name": caller, "phone": f"1390000{index:04d}", "district": district,
                  "business_type": business, "topic": topic},
            campaign=direct_mail,
        )  # fmt: skip
    return {
        "campaigns": Campaign.objects.count(),
        "inquiries": PhoneInquiry.objects.count(),
        "competitor reports": CompetitorReport.objects.count(),
    }
