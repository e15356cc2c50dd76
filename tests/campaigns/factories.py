from datetime import date

import factory
from django.utils import timezone

from campaigns.models import Campaign, CompetitorReport, Event, PhoneInquiry, SmsTemplate


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"直邮活动{n}")
    kind = Campaign.Kind.DIRECT_MAIL
    starts_on = date(2026, 11, 1)
    ends_on = date(2026, 11, 30)
    budget = 3000


class PhoneInquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneInquiry

    received_at = factory.LazyFunction(timezone.now)
    unit_name = factory.Sequence(lambda n: f"来电单位{n}")
    caller_name = "王先生"
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    district = "南山区"
    topic = "车险续保价格"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"小区推广{n}")
    place = "海岸城小区广场"
    district = "南山区"
    held_on = date(2026, 11, 14)


class CompetitorReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitorReport

    competitor = "平安财险"
    product = "交强险"
    price = 950
    seen_where = "南山车管所"
    seen_on = date(2026, 11, 10)


class SmsTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsTemplate

    name = factory.Sequence(lambda n: f"模板{n}")
    body = "{unit_name}您好，{campaign}优惠进行中。{opt_out}"
