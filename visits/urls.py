from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("today/", views.today, name="today"),
    path("new/", views.visit_create, name="visit_create"),
    path("route/", views.route, name="route"),
    path("routes/", views.route_list, name="route_list"),
    path("mine/", views.my_visits, name="my_visits"),
    path("export.xlsx", views.visit_export, name="visit_export"),
    path("<int:pk>/rating/", views.visit_rate, name="visit_rate"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("<int:pk>/not-at-customer/", views.visit_not_at_customer, name="visit_not_at_customer"),
    path("nearby/", views.nearby, name="nearby"),
    path("photos/<int:pk>/", views.visit_photo, name="visit_photo"),
    path("photos/<int:pk>/thumbnail/", views.visit_photo_thumbnail, name="visit_photo_thumbnail"),
    path("photos/<int:pk>/original/", views.visit_photo_original, name="visit_photo_original"),
    path("customers/search/", views.customer_search, name="customer_search"),
    path("customers/new/", views.customer_register, name="customer_register"),
    path("customers/<int:customer_pk>/", views.customer_visits, name="customer_visits"),
    path("forms/", views.submission_list, name="submission_list"),
    path("forms/submit/", views.forms_submit, name="forms_submit"),
    path("leave/", views.leave_request, name="leave_request"),
    path("shortfalls/", views.shortfall_list, name="shortfall_list"),
    path("shortfalls/<int:pk>/explain/", views.shortfall_explain, name="shortfall_explain"),
    path("shortfalls/<int:pk>/review/", views.shortfall_review, name="shortfall_review"),
]
