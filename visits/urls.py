from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("shortfalls/", views.shortfall_list, name="shortfall_list"),
    path("shortfalls/<int:pk>/explain/", views.shortfall_explain, name="shortfall_explain"),
    path("shortfalls/<int:pk>/review/", views.shortfall_review, name="shortfall_review"),
]
