from django.urls import path
from rest_framework.routers import SimpleRouter

from campaigns import api
from campaigns.churn.api import ChurnRiskViewSet
from campaigns.partners.api import PartnerViewSet
from campaigns.pipelines.api import CandidateViewSet, TenderViewSet

router = SimpleRouter(use_regex_path=False)
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("inquiries", api.PhoneInquiryViewSet, basename="inquiry")
router.register("imports", api.ProspectImportViewSet, basename="import")
router.register("churn-risks", ChurnRiskViewSet, basename="churn-risk")
router.register("partners", PartnerViewSet, basename="partner")
router.register("recruits", CandidateViewSet, basename="recruit")
router.register("tenders", TenderViewSet, basename="tender")
router.register("competitor-reports", api.CompetitorReportViewSet, basename="competitor-report")
router.register("call-lists", api.CallListViewSet, basename="call-list")
router.register("calls", api.CallEntryViewSet, basename="call")
router.register("segments", api.SegmentViewSet, basename="segment")
router.register("sms-replies", api.SmsReplyViewSet, basename="sms-reply")
router.register("sms-messages", api.SmsMessageViewSet, basename="sms-message")

urlpatterns = [
    *router.urls,
    path("sms/replies/", api.sms_reply_webhook, name="sms_reply_webhook"),
    path("sms/receipts/", api.sms_receipt_webhook, name="sms_receipt_webhook"),
]
