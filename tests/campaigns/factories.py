from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from campaigns.churn.models import ChurnRisk, ChurnSettings
from campaigns.models import (
    CallAttempt,
    CallEntry,
    CallList,
    CallListCaller,
    Campaign,
    CampaignMaterial,
    CompetitorReport,
    Event,
    ImportedCustomer,
    ImportRowIssue,
    Mailing,
    MailingRecipient,
    OptOut,
    PhoneInquiry,
    ProspectImport,
    Segment,
    SmsReply,
    SmsTemplate,
)
from campaigns.partners.models import Partner, PartnerLead
from campaigns.pipelines.models import (
    Candidate,
    CandidateStage,
    CandidateStageChange,
    Tender,
    TenderReminder,
    TenderStage,
    TenderStageChange,
)
from tests.accounts.factories import CustomerFactory
from tests.crm.factories import InfoStaffFactory, ManagerFactory, SalespersonFactory, TeamFactory
from tests.territories.factories import TerritoryFactory, channel_type


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"直邮活动{n}")
    kind = Campaign.Kind.DIRECT_MAIL
    starts_on = date(2026, 11, 1)
    ends_on = date(2026, 11, 30)
    budget = 3000
    created_by = factory.SubFactory(ManagerFactory)


class PhoneInquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneInquiry

    received_at = factory.LazyFunction(timezone.now)
    unit_name = factory.Sequence(lambda n: f"来电单位{n}")
    caller_name = "王先生"
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    district = "南山区"
    topic = "车险续保价格"
    entered_by = factory.SubFactory(InfoStaffFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"小区推广{n}")
    place = "海岸城小区广场"
    district = "南山区"
    held_on = date(2026, 11, 14)
    created_by = factory.SubFactory(ManagerFactory)


class CompetitorReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetitorReport

    competitor = "平安财险"
    product = "交强险"
    price = 950
    seen_where = "南山车管所"
    seen_on = date(2026, 11, 10)
    reported_by = factory.SubFactory(SalespersonFactory)


class SmsTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsTemplate

    name = factory.Sequence(lambda n: f"模板{n}")
    body = "{unit_name}您好，{campaign}优惠进行中。{opt_out}"


class CampaignMaterialFactory(factory.django.DjangoModelFactory):
    """A flyer uploaded to a campaign. Point ``settings.MEDIA_ROOT`` at ``tmp_path`` in the test."""

    class Meta:
        model = CampaignMaterial

    campaign = factory.SubFactory(CampaignFactory)
    title = "车险宣传单页"
    file = factory.django.FileField(filename="flyer.pdf", data=b"%PDF-1.4\n%%EOF\n")
    uploaded_by = factory.SelfAttribute("campaign.created_by")


class ProspectImportFactory(factory.django.DjangoModelFactory):
    """An uploaded CSV list waiting for its columns to be mapped; ``campaigns.services.imports`` runs the dry run and
    the commit. Point ``settings.MEDIA_ROOT`` at ``tmp_path`` in the test."""

    class Meta:
        model = ProspectImport

    file = factory.django.FileField(filename="prospects.csv", data="单位名称,电话\n顺达物流,13800000000\n".encode())
    original_name = "prospects.csv"
    file_format = ProspectImport.Format.CSV
    encoding = "utf-8"
    created_by = factory.SubFactory(InfoStaffFactory)


class ImportRowIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowIssue

    prospect_import = factory.SubFactory(ProspectImportFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    kind = ImportRowIssue.Kind.ERROR
    column = "电话"
    message = "电话号码无效"
    value = "12345"


class OptOutFactory(factory.django.DjangoModelFactory):
    """An SMS opt-out of a phone in E.164 form (unique per channel and address)."""

    class Meta:
        model = OptOut

    channel = OptOut.Channel.SMS
    address = factory.Sequence(lambda n: f"+86137{n:08d}")
    source = OptOut.Source.SMS_REPLY


class MailingFactory(factory.django.DjangoModelFactory):
    """A draft postal mailing of a campaign, with no recipient: ``create_mailing``
    (``campaigns.services.mailings``) picks them from the segment."""

    class Meta:
        model = Mailing

    campaign = factory.SubFactory(CampaignFactory)
    channel = Mailing.Channel.POST
    subject = "续保优惠"
    body = "尊敬的客户，续保优惠进行中。"
    created_by = factory.SelfAttribute("campaign.created_by")


class MailingRecipientFactory(factory.django.DjangoModelFactory):
    """A queued recipient (unique per mailing and address)."""

    class Meta:
        model = MailingRecipient

    mailing = factory.SubFactory(MailingFactory)
    customer = factory.SubFactory(CustomerFactory)
    name = factory.SelfAttribute("customer.unit_name")
    address = factory.Sequence(lambda n: f"深圳市南山区科技园{n}号")


class SmsReplyFactory(factory.django.DjangoModelFactory):
    """A reply from an unknown number (no customer); ``receive_sms_replies`` matches the real ones."""

    class Meta:
        model = SmsReply

    provider_id = factory.Sequence(lambda n: f"reply-{n}")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    text = "好的，谢谢"
    received_at = factory.LazyFunction(timezone.now)


class SegmentFactory(factory.django.DjangoModelFactory):
    """A saved filter (``campaigns.services.save_segment`` checks criteria; this one is already clean)."""

    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"细分{n}")
    criteria = factory.LazyFunction(lambda: {"vehicle_types": ["private_car"]})
    created_by = factory.SubFactory(InfoStaffFactory)


class CallListFactory(factory.django.DjangoModelFactory):
    """An empty active call list of the telemarketing channel; ``create_call_list`` adds callers and numbers."""

    class Meta:
        model = CallList

    name = factory.Sequence(lambda n: f"电话营销{n}")
    channel_type = factory.LazyFunction(lambda: channel_type("car-owner-telemarketing"))
    created_by = factory.SubFactory(InfoStaffFactory)


class CallListCallerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallListCaller

    call_list = factory.SubFactory(CallListFactory)
    caller = factory.SubFactory(SalespersonFactory)
    added_at = factory.LazyFunction(timezone.now)
    added_by = factory.SelfAttribute("call_list.created_by")


class CallEntryFactory(factory.django.DjangoModelFactory):
    """A number not called yet, given to nobody (``resplit_call_list`` gives numbers to callers)."""

    class Meta:
        model = CallEntry

    call_list = factory.SubFactory(CallListFactory)
    position = factory.Sequence(lambda n: n + 1)
    phone = factory.Sequence(lambda n: f"+86136{n:08d}")
    name = factory.Sequence(lambda n: f"车主{n}")


class CallAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallAttempt

    entry = factory.SubFactory(CallEntryFactory)
    caller = factory.SubFactory(SalespersonFactory)
    called_at = factory.LazyFunction(timezone.now)
    outcome = CallEntry.Outcome.NO_ANSWER


class ChurnSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChurnSettings

    team = factory.SubFactory(TeamFactory)


class ChurnRiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChurnRisk

    customer = factory.SubFactory(CustomerFactory)
    salesperson = factory.SelfAttribute("customer.owner")
    reason = ChurnRisk.Reason.RENEWAL_NO_CONTACT
    key_date = date(2026, 12, 1)
    found_on = date(2026, 11, 20)
    checked_on = date(2026, 11, 20)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"合作4S店{n}")
    kind = Partner.Kind.FOUR_S
    salesperson = factory.SubFactory(SalespersonFactory)


class PartnerLeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerLead

    partner = factory.SubFactory(PartnerFactory)
    customer = factory.SubFactory(CustomerFactory)
    came_on = date(2026, 11, 2)


class ImportedCustomerFactory(factory.django.DjangoModelFactory):
    """A customer an import created (the import's page counts their positions)."""

    class Meta:
        model = ImportedCustomer

    prospect_import = factory.SubFactory(ProspectImportFactory)
    customer = factory.SubFactory(CustomerFactory)


class CandidateFactory(factory.django.DjangoModelFactory):
    """A raw row; tests that care about the owner build candidates through ``create_candidate``."""

    class Meta:
        model = Candidate

    name = factory.Sequence(lambda n: f"候选人{n}")
    phone = factory.Sequence(lambda n: f"+86139{n:08d}")
    territory = factory.SubFactory(
        TerritoryFactory,
        parent=factory.SubFactory(TerritoryFactory, kind="city", parent=factory.SubFactory(TerritoryFactory)),
        channel_type=factory.LazyFunction(lambda: channel_type("life-insurance-partners")),
    )
    source_channel = factory.LazyAttribute(lambda c: c.territory.channel_type)
    owner = factory.SubFactory(SalespersonFactory)
    created_by = factory.SelfAttribute("owner")
    stage = CandidateStage.CONTACTED
    stage_changed_at = factory.LazyFunction(timezone.now)
    contacted_on = factory.LazyFunction(timezone.localdate)


class CandidateStageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateStageChange

    candidate = factory.SubFactory(CandidateFactory)
    from_stage = CandidateStage.CONTACTED
    to_stage = CandidateStage.INTERVIEWED
    changed_by = factory.SelfAttribute("candidate.owner")
    changed_at = factory.LazyFunction(timezone.now)


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender

    title = factory.Sequence(lambda n: f"公务车辆保险采购项目{n}")
    buyer = "区机关事务管理局"
    territory = factory.SubFactory(
        TerritoryFactory,
        parent=factory.SubFactory(TerritoryFactory, kind="city", parent=factory.SubFactory(TerritoryFactory)),
        channel_type=factory.LazyFunction(lambda: channel_type("government-tenders")),
    )
    owner = factory.SubFactory(SalespersonFactory)
    created_by = factory.SelfAttribute("owner")
    amount_estimate = Decimal("100000.00")
    announced_on = date(2026, 12, 1)
    documents_deadline = date(2026, 12, 8)
    submission_deadline = date(2026, 12, 15)
    opening_on = date(2026, 12, 16)
    stage = TenderStage.ANNOUNCED
    stage_changed_at = factory.LazyFunction(timezone.now)


class TenderStageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderStageChange

    tender = factory.SubFactory(TenderFactory)
    from_stage = TenderStage.ANNOUNCED
    to_stage = TenderStage.DOCUMENTS_BOUGHT
    changed_by = factory.SelfAttribute("tender.owner")
    changed_at = factory.LazyFunction(timezone.now)


class TenderReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderReminder

    tender = factory.SubFactory(TenderFactory)
    deadline = TenderReminder.Deadline.SUBMISSION
    deadline_on = factory.SelfAttribute("tender.submission_deadline")
    recipient = factory.SelfAttribute("tender.owner")
    sent_at = factory.LazyFunction(timezone.now)
