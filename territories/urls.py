from django.urls import path

from territories import views

app_name = "territories"

urlpatterns = [
    path("", views.console, name="console"),
    path("<int:pk>/owner/", views.territory_owner, name="territory_owner"),
    path("<int:pk>/assign/", views.territory_assign, name="territory_assign"),
    path("<int:pk>/release/", views.territory_release, name="territory_release"),
    path("routing-rules/", views.routing_rules, name="routing_rules"),
]
