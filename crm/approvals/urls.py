from django.urls import path

from crm.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
