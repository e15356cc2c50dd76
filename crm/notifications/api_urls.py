from django.urls import path
from rest_framework.routers import SimpleRouter

from crm.notifications.api import NotificationSettingsView, NotificationViewSet

router = SimpleRouter(use_regex_path=False)
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("notifications/settings/", NotificationSettingsView.as_view(), name="notification_settings"),
    *router.urls,
]
