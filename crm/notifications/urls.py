from django.urls import path

from crm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("<int:pk>/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.channel_settings, name="settings"),
    path("teams/", views.team_robots, name="team_robots"),
    path("failed/", views.failed, name="failed"),
    path("failed/<int:pk>/retry/", views.retry, name="retry"),
]
