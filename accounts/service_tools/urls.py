"""Pages of the service tools, under /service/."""

from django.urls import path

from accounts.service_tools import views

app_name = "service_tools"

urlpatterns = [
    path("", views.service_home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_edit, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_pk>/coverages/new/", views.coverage_edit, name="coverage_create"),
    path("coverages/<int:pk>/edit/", views.coverage_edit, name="coverage_edit"),
    path("coverages/<int:coverage_pk>/rate-tables/new/", views.rate_table_edit, name="rate_table_create"),
    path("rate-tables/<int:pk>/edit/", views.rate_table_edit, name="rate_table_edit"),
    path("rate-tables/<int:pk>/export.xlsx", views.rate_table_export, name="rate_table_export"),
    path("rate-tables/<int:pk>/import/", views.rate_table_import, name="rate_table_import"),
    path("quotes/", views.quote_list, name="quote_list"),
    path("quotes/new/", views.quote_create, name="quote_create"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/present/", views.quote_present, name="quote_present"),
    path("quotes/<int:pk>/deal/", views.quote_deal, name="quote_deal"),
    path("checkups/", views.checkup_list, name="checkup_list"),
    path("checkups/new/", views.checkup_create, name="checkup_create"),
    path("checkups/<int:pk>/", views.checkup_detail, name="checkup_detail"),
    path("checkups/<int:pk>/report/", views.checkup_report, name="checkup_report"),
]
