"""Demo data of the publicity desk (宣传配合) and competitor intelligence (市场职能 3)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.customers.models import Customer
from accounts.customers.services import register_customer
from campaigns.models import CallEntry, CallList, Campaign, CompetitorReport, PhoneInquiry, Segment, SmsTemplate
from campaigns.services import (
    create_call_list,
    create_campaign,
    create_event,
    next_call,
    record_call_outcome,
    register_phone_inquiry,
    report_competitor,
    save_segment,
)
from crm.dates import local_today
from crm.models import User
from territories.models import ChannelType, Territory
from territories.services import assign_territory, create_territory

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


# --- telemarketing 电话营销: a segment of private car owners renewing next month, called by two callers -----

CAR_OWNERS = (
    # territory code, district, renewal: months from now, vehicle count
    ("chancheng-car-clubs", "禅城区", 1, 1),
    ("chancheng-car-clubs", "南海区", 1, 2),
    ("chancheng-parking-lots", "禅城区", 1, 1),
    ("chancheng-parking-lots", "南海区", 1, 1),
    ("chancheng-4s-repair-public", "禅城区", 1, 1),
    ("shunde-residential-communities", "顺德区", 1, 1),
    ("shunde-residential-communities", "高明区", 1, 3),
    ("shunde-motorcycle-dealers", "三水区", 1, 1),
    ("chancheng-car-clubs", "禅城区", 2, 1),
    ("shunde-residential-communities", "顺德区", 3, 1),
)
SCRIPT = (
    "您好，我是天安财险的客服，打扰您一分钟。\n"
    "您的爱车下个月保险到期，我们现在续保有优惠：商业险最高85折，送免费洗车和道路救援。\n"
    "请问方便给您报个价吗？（有意向：确认姓名、所在区和地址，业务员会上门服务）"
)


def _month_from_now(months: int) -> int:
    return (local_today().month - 1 + months) % 12 + 1


@transaction.atomic
def seed_telemarketing(fake: Faker) -> dict[str, int]:
    """Two callers of the telemarketing channel (顺德's sales5 and a second seat in 禅城 for sales4), a segment
    "私家车主 下月续保" built by info1, its call list split between them, and a few calls already made."""
    info = User.objects.filter(username="info1").first()
    admin = User.objects.filter(username="admin").first()
    sales4, sales5 = User.objects.filter(username="sales4").first(), User.objects.filter(username="sales5").first()
    telemarketing = ChannelType.objects.filter(code="car-owner-telemarketing").first()
    branch = Territory.objects.filter(code="chancheng").first()
    if None in (info, admin, sales4, sales5, telemarketing, branch):
        return {"call lists": 0}
    seat = create_territory(
        kind=Territory.Kind.CHANNEL,
        name="禅城有车一族电话营销",
        code="chancheng-car-owner-telemarketing",
        parent=branch,
        channel_type=telemarketing,
    )
    assign_territory(territory=seat, salesperson=sales4, assigned_by=admin, reason="电话营销坐席")
    territories = {t.code: t for t in Territory.objects.filter(code__in={code for code, *_rest in CAR_OWNERS})}
    for index, (code, district, months, vehicles) in enumerate(CAR_OWNERS):
        name = fake.name()
        register_customer(
            created_by=info,
            data={
                "unit_name": f"{name}（私家车主）",
                "business_type": "私家车主",
                "phone": f"1370000{index:04d}",
                "district": district,
                "address": f"{district}{fake.street_address()}",
                "territory": territories[code],
                "source": Customer.Source.DIRECT_MAIL,
                "current_insurer": ["人保财险", "平安产险", "太平洋产险"][index % 3],
                "renewal_month": _month_from_now(months),
                "vehicle_type": Customer.VehicleType.PRIVATE_CAR,
                "vehicle_count": vehicles,
            },
            contacts=[{"name": name, "mobile": f"1370000{index:04d}"}],
        )
    segment = save_segment(
        saved_by=info,
        name="私家车主 下月续保",
        criteria={"vehicle_types": [Customer.VehicleType.PRIVATE_CAR], "renewal": "next_month"},
    )
    campaign = create_campaign(
        created_by=info,
        data={
            "name": "私家车续保电话营销",
            "kind": Campaign.Kind.TELEMARKETING,
            "starts_on": local_today(),
            "ends_on": local_today() + timedelta(days=30),
            "budget": Decimal("2000.00"),
            "description": "有车一族电话营销：下月续保的私家车主。",
        },
    )
    call_list = create_call_list(
        created_by=info,
        name="私家车主下月续保",
        channel_type=telemarketing,
        callers=[sales4, sales5],
        script=SCRIPT,
        campaign=campaign,
        segment=segment,
    )
    # A morning's first calls: each caller takes numbers in turn and says what came of them.
    outcomes = {
        sales4: [CallEntry.Outcome.INTERESTED, CallEntry.Outcome.NOT_INTERESTED],
        sales5: [CallEntry.Outcome.NO_ANSWER, CallEntry.Outcome.CALLBACK, CallEntry.Outcome.DO_NOT_CALL],
    }
    tomorrow_ten = timezone.make_aware(datetime.combine(local_today() + timedelta(days=1), time(10)))
    for caller, results in outcomes.items():
        for outcome in results:
            entry = next_call(caller=caller)
            if entry is None:
                break
            record_call_outcome(
                caller=caller,
                entry_id=entry.pk,
                outcome=outcome,
                callback_at=tomorrow_ten if outcome == CallEntry.Outcome.CALLBACK else None,
                note="客户说明天上午再联系" if outcome == CallEntry.Outcome.CALLBACK else "",
                details={"topic": "私家车续保，想要报价"} if outcome == CallEntry.Outcome.INTERESTED else None,
            )
    return {
        "segments": Segment.objects.count(),
        "call lists": CallList.objects.count(),
        "call list numbers": CallEntry.objects.filter(call_list=call_list).count(),
    }


def seed_churn_risks(fake: Faker) -> dict[str, int]:
    """Three customers of the first team at risk, one of each kind, for the Monday meeting: a renewal next
    month not visited for six weeks, a policy renewing in three weeks never followed up, a customer who
    ordered every three months and stopped. The first team called its other renewals (phone calls, through
    the visit log). Then the nightly job runs once."""
    from datetime import datetime, time

    from django.utils import timezone

    from accounts.customers.models import Customer
    from accounts.deals.models import Product
    from accounts.deals.services import create_deal
    from campaigns.churn.services import find_churn_risks, refresh_churn_risks
    from visits.models import Visit
    from visits.services import record_visit

    today = local_today()
    team = User.objects.filter(username="manager1").values_list("team_id", flat=True).first()
    people = {user.username: user for user in User.objects.filter(username__in=["sales1", "sales2", "sales3"])}
    product = Product.objects.order_by("pk").first()
    if team is None or len(people) < 3 or product is None:
        return {"churn risks": 0}

    def at(day, hour=10):
        return timezone.make_aware(datetime.combine(day, time(hour)))

    def customer_of(username: str) -> Customer | None:
        return (
            Customer.objects.filter(owner=people[username], status=Customer.Status.CUSTOMER, deals__isnull=True)
            .exclude(visits__visited_on__gte=today - timedelta(days=60))
            .order_by("pk")
            .first()
        )

    chosen = []
    renewal = customer_of("sales1")
    if renewal is not None:
        next_month = (today.replace(day=1) + timedelta(days=32)).month
        Customer.objects.filter(pk=renewal.pk).update(renewal_month=next_month)
        record_visit(
            salesperson=people["sales1"],
            customer_id=renewal.pk,
            kind=Visit.Kind.PHONE,
            visited_at=at(today - timedelta(days=45)),
        )
        chosen.append(renewal.pk)
    policy = customer_of("sales2")
    if policy is not None:
        create_deal(
            created_by=people["sales2"],
            customer_id=policy.pk,
            product=product,
            number="DEMO-CHURN-RENEW",
            amount=Decimal("2400.00"),
            issued_on=today - timedelta(days=345),
            renewal_on=today + timedelta(days=20),
            confirm_price=True,
        )
        chosen.append(policy.pk)
    stopped = customer_of("sales3")
    if stopped is not None:
        for n, days_ago in enumerate((330, 240, 150)):
            create_deal(
                created_by=people["sales3"],
                customer_id=stopped.pk,
                product=product,
                number=f"DEMO-CHURN-STOP-{n}",
                amount=Decimal("800.00"),
                issued_on=today - timedelta(days=days_ago),
                confirm_price=True,
            )
        chosen.append(stopped.pk)
    # The first team called its other renewals this morning.
    owners = dict(Customer.objects.filter(owner__team_id=team).values_list("pk", "owner_id"))
    callers = {user.pk: user for user in User.objects.filter(team_id=team)}
    for finding in find_churn_risks(today=today):
        if finding.customer_id in owners and finding.customer_id not in chosen:
            record_visit(
                salesperson=callers[owners[finding.customer_id]],
                customer_id=finding.customer_id,
                kind=Visit.Kind.PHONE,
                # at 9, or a minute ago when the demo is loaded before 9 (never in the future)
                visited_at=min(at(today, 9), timezone.now() - timedelta(minutes=1)),
                notes="续保电话回访",
            )
    return {"churn risks": refresh_churn_risks(today=today)}


def seed_partners(fake: Faker) -> dict[str, int]:
    """Two partners for the quarterly review: a 4S shop (sales1) and a used-car dealer (sales2), each with
    leads (prospects that came through them this quarter) and deals, and a joint event at the shop."""
    from accounts.customers.models import Customer
    from accounts.deals.models import Product
    from accounts.deals.services import create_deal
    from campaigns.models import Event
    from campaigns.partners.models import Partner
    from campaigns.partners.selectors import quarter_of
    from campaigns.partners.services import attribute_customer_to_partner, link_event_to_partner, save_partner

    today = local_today()
    people = {user.username: user for user in User.objects.filter(username__in=["sales1", "sales2"])}
    product = Product.objects.order_by("pk").first()
    if len(people) < 2 or product is None:
        return {"partners": 0}
    came_on = max(quarter_of(today).starts_on, today - timedelta(days=20))
    plans = [
        ("星辉丰田4S店", Partner.Kind.FOUR_S, "sales1", "刘经理", "滨海大道88号", 3, ["3200.00", "1850.50"]),
        ("路通二手车行", Partner.Kind.DEALER, "sales2", "陈老板", "北环路12号", 2, ["2600.00"]),
    ]
    partners, deals = [], 0
    for name, kind, username, contact, address, lead_count, amounts in plans:
        partner = save_partner(
            data={
                "name": name,
                "kind": kind,
                "salesperson": people[username],
                "contact_name": contact,
                "phone": fake.phone_number(),
                "address": address,
                "materials": "展厅放置续保宣传单、车险优惠券",
            }
        )
        partners.append(partner)
        leads = Customer.objects.filter(
            owner=people[username], status=Customer.Status.PROSPECT, deals__isnull=True, partner_lead__isnull=True
        ).order_by("pk")[:lead_count]
        for index, customer in enumerate(leads):
            attribute_customer_to_partner(customer_id=customer.pk, partner_id=partner.pk, came_on=came_on)
            if index < len(amounts):
                create_deal(
                    created_by=people[username],
                    customer_id=customer.pk,
                    product=product,
                    number=f"DEMO-PARTNER-{partner.pk}-{index}",
                    amount=Decimal(amounts[index]),
                    issued_on=today,
                    confirm_price=True,
                )
                deals += 1
    event = Event.objects.order_by("pk").first()
    if event is not None:
        link_event_to_partner(event_id=event.pk, partner_id=partners[0].pk)
    return {"partners": len(partners), "partner deals": deals}


# name, phone, days ago contacted, stages reached after "contacted" (one every few days), reason dropped
CANDIDATES = (
    ("周慧敏", "13512340001", 40, ["interviewed", "signed", "licensed", "first_policy"], ""),
    ("林志强", "13512340002", 30, ["interviewed", "signed", "licensed"], ""),
    ("黄晓燕", "13512340003", 21, ["interviewed", "signed"], ""),
    ("陈伟", "13512340004", 14, ["interviewed"], ""),
    ("吴丽娟", "13512340005", 6, [], ""),
    ("郑国华", "13512340006", 25, ["interviewed", "dropped"], "收入预期不符"),
)


def seed_pipelines(fake: Faker) -> dict[str, int]:
    """Agent recruitment from the life-insurance channel (sales2) and government tenders (sales3): a channel
    territory each in 佛山市, a handful of candidates at every stage and four tenders, one past its submission
    deadline and one with its documents deadline two days ahead (its owner is reminded). Every stage change lies
    in the past whatever the local time of day."""
    from campaigns.pipelines.models import TENDER_CHANNEL
    from campaigns.pipelines.services import (
        create_candidate,
        create_tender,
        move_candidate,
        move_tender,
        send_tender_reminders,
    )

    admin = User.objects.filter(username="admin").first()
    sales2, sales3 = User.objects.filter(username="sales2").first(), User.objects.filter(username="sales3").first()
    life = ChannelType.objects.filter(code="life-insurance-partners").first()
    tenders_channel = ChannelType.objects.filter(code=TENDER_CHANNEL).first()
    city = Territory.objects.filter(code="foshan").first()
    if None in (admin, sales2, sales3, life, tenders_channel, city):
        return {"candidates": 0, "tenders": 0}
    recruiting = create_territory(
        kind=Territory.Kind.CHANNEL,
        name="佛山人寿保险渠道",
        code="foshan-life-insurance",
        parent=city,
        channel_type=life,
    )
    bidding = create_territory(
        kind=Territory.Kind.CHANNEL,
        name="佛山政府招投标",
        code="foshan-government-tenders",
        parent=city,
        channel_type=tenders_channel,
    )
    assign_territory(territory=recruiting, salesperson=sales2, assigned_by=admin, reason="代理人加盟")
    assign_territory(territory=bidding, salesperson=sales3, assigned_by=admin, reason="政府招投标")
    now = timezone.now()
    for name, phone, days_ago, stages, reason in CANDIDATES:
        started = now - timedelta(days=days_ago, hours=2)
        candidate = create_candidate(
            created_by=sales2, name=name, phone=phone, territory=recruiting, note="寿险渠道转介绍", at=started
        )
        for step, stage in enumerate(stages, start=1):
            move_candidate(
                candidate_id=candidate.pk,
                to_stage=stage,
                changed_by=sales2,
                reason=reason if stage == "dropped" else "",
                at=started + timedelta(days=4 * step),
            )
    today = local_today()
    plans = (
        # title, buyer, amount, announced (days ago), documents, submission, opening (days from today), stages
        ("禅城区公务用车保险采购", "禅城区机关事务管理局", "386000.00", 3, 2, 12, 13, []),
        ("南海区执法车辆保险服务", "南海区交通运输局", "245500.50", 20, -10, -1, 1, ["documents_bought"]),
        ("顺德区校车保险项目", "顺德区教育局", "128000.00", 25, -15, -5, 6, ["documents_bought", "submitted"]),
        (
            "佛山市环卫车辆保险",
            "佛山市城市管理局",
            "512000.00",
            45,
            -35,
            -25,
            -20,
            ["documents_bought", "submitted", "opened", "won"],
        ),
    )
    for title, buyer, amount, announced, documents, submission, opening, stages in plans:
        started = now - timedelta(days=announced, hours=2)
        tender = create_tender(
            created_by=sales3,
            title=title,
            buyer=buyer,
            territory=bidding,
            amount_estimate=Decimal(amount),
            announced_on=today - timedelta(days=announced),
            documents_deadline=today + timedelta(days=documents),
            submission_deadline=today + timedelta(days=submission),
            opening_on=today + timedelta(days=opening),
            at=started,
        )
        for step, stage in enumerate(stages, start=1):
            move_tender(tender_id=tender.pk, to_stage=stage, changed_by=sales3, at=started + timedelta(days=step))
    return {"candidates": len(CANDIDATES), "tenders": len(plans), "tender reminders": send_tender_reminders()}
