from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("new/", views.inquiry_desk, name="inquiry_desk"),
]
