from django.urls import path

from campaigns import views
from campaigns.churn import views as churn_views
from campaigns.partners import views as partner_views
from campaigns.pipelines import views as pipeline_views
from campaigns.views import calls, segments, sms

app_name = "campaigns"

urlpatterns = [
    path("inquiries/new/", views.inquiry_desk, name="inquiry_desk"),
    path("inquiries/duplicates/", views.inquiry_duplicates, name="inquiry_duplicates"),
    path("inquiries/", views.inquiry_list, name="inquiry_list"),
    path("inquiries/<int:pk>/", views.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/deal/", views.inquiry_record_deal, name="inquiry_record_deal"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/results/", views.campaign_results, name="campaign_results"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/materials/<int:pk>/", views.campaign_material, name="campaign_material"),
    path("mailings/<int:pk>/", views.mailing_detail, name="mailing_detail"),
    path("mailings/<int:pk>/labels.xlsx", views.mailing_labels, name="mailing_labels"),
    path("sms/replies/", sms.sms_reply_list, name="sms_replies"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/file/", views.import_file, name="import_file"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("churn/", churn_views.churn_list, name="churn_list"),
    path("partners/", partner_views.partner_list, name="partner_list"),
    path("partners/new/", partner_views.partner_edit, name="partner_create"),
    path("partners/<int:pk>/", partner_views.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", partner_views.partner_edit, name="partner_edit"),
    path("recruits/", pipeline_views.candidate_list, name="candidate_list"),
    path("recruits/new/", pipeline_views.candidate_create, name="candidate_create"),
    path("recruits/<int:pk>/", pipeline_views.candidate_detail, name="candidate_detail"),
    path("tenders/", pipeline_views.tender_list, name="tender_list"),
    path("tenders/new/", pipeline_views.tender_create, name="tender_create"),
    path("tenders/<int:pk>/", pipeline_views.tender_detail, name="tender_detail"),
    path("competitor-reports/", views.competitor_report_list, name="competitor_report_list"),
    path("competitor-reports/compare/", views.competitor_comparison, name="competitor_comparison"),
    path("segments/", segments.segment_list, name="segment_list"),
    path("segments/new/", segments.segment_create, name="segment_create"),
    path("segments/count/", segments.segment_count_view, name="segment_count"),
    path("segments/<int:pk>/", segments.segment_detail, name="segment_detail"),
    path("call-lists/", calls.call_list_list, name="call_list_list"),
    path("call-lists/new/", calls.call_list_create, name="call_list_create"),
    path("call-lists/<int:pk>/", calls.call_list_detail, name="call_list_detail"),
    path("calls/", calls.call_desk, name="call_desk"),
    path("calls/next/", calls.call_next, name="call_next"),
    path("calls/<int:pk>/outcome/", calls.call_outcome, name="call_outcome"),
]
