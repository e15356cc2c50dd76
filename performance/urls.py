from django.urls import path

from performance import views

app_name = "performance"

urlpatterns = [
    path("", views.morning_meeting, name="morning_meeting"),
    path("export/", views.morning_meeting_export, name="morning_meeting_export"),
    path("targets/", views.target_breakdown_page, name="target_breakdown"),
    path("targets/export/", views.target_breakdown_export, name="target_breakdown_export"),
    path("targets/import/", views.target_breakdown_import, name="target_breakdown_import"),
    path("attainment/", views.attainment_page, name="attainment"),
    path("me/", views.my_month, name="my_month"),
    path("reward-tiers/", views.reward_tiers, name="reward_tiers"),
]
