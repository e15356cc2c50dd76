"""The admin's settings pages of the visits app, under /settings/ (crm/urls.py)."""

from django.urls import path

from visits import settings_views

app_name = "visit_settings"

urlpatterns = [
    path("calendar/", settings_views.working_days, name="working_days"),
    path("quotas/", settings_views.quota_settings, name="quota_settings"),
    path("quotas/<int:pk>/remove/", settings_views.quota_override_remove, name="quota_override_remove"),
]
