from django.urls import path

from visits.key_accounts import views

app_name = "key_accounts"

urlpatterns = [
    path("", views.my_week_page, name="my_week"),
    path("meeting/", views.monday_meeting_page, name="monday_meeting"),
    path("meeting/export/", views.monday_meeting_export, name="monday_meeting_export"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/outcome/", views.entry_outcome, name="entry_outcome"),
    path("joint-visits/", views.joint_visit_list, name="joint_visit_list"),
    path("joint-visits/new/<int:customer_pk>/", views.joint_visit_create, name="joint_visit_create"),
    path("joint-visits/<int:pk>/", views.joint_visit_detail, name="joint_visit_detail"),
    path("joint-visits/<int:pk>/answer/", views.joint_visit_answer, name="joint_visit_answer"),
    path("joint-visits/<int:pk>/take-time/", views.joint_visit_take_time, name="joint_visit_take_time"),
    path("joint-visits/<int:pk>/cancel/", views.joint_visit_cancel, name="joint_visit_cancel"),
    path("joint-visits/<int:pk>/log/", views.joint_visit_log, name="joint_visit_log"),
]
