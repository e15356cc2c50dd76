from django.urls import path

from visits.map import views

app_name = "map"

urlpatterns = [
    path("", views.customer_map_page, name="customer_map"),
    path("features/", views.customer_features_for_page, name="customer_features"),
    path("customers/<int:pk>/pin/", views.customer_pin, name="customer_pin"),
    path("track/", views.track_page, name="track"),
]
