from django.urls import path

from visits.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("write/", views.report_write, name="report_write"),
    path("team/", views.team_reports, name="team_reports"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/texts/", views.report_edit, name="report_edit"),
    path("<int:pk>/comments/", views.report_comment, name="report_comment"),
]
