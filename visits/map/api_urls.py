from django.urls import path

from visits.map.api import CustomerFeaturesView, CustomerPinView, TrackView

urlpatterns = [
    path("map/customers/", CustomerFeaturesView.as_view(), name="map_customers"),
    path("map/customers/<int:pk>/pin/", CustomerPinView.as_view(), name="map_customer_pin"),
    path("map/track/", TrackView.as_view(), name="map_track"),
]
