"""Pages of deals and the ledger (included at the site root: /deals/, /customers/<id>/ledger/, …)."""

from django.urls import path

from accounts.deals import views

app_name = "deals"

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/price-check/", views.price_check, name="price_check"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delivery/", views.deal_delivery, name="deal_delivery"),
    path("deals/<int:pk>/carry/", views.deal_carry, name="deal_carry"),
    path("deals/<int:pk>/entries/<str:kind>/", views.deal_entry_create, name="deal_entry_create"),
    path("ledger-entries/<int:pk>/reverse/", views.entry_reverse, name="entry_reverse"),
    path("customers/<int:pk>/ledger/", views.customer_ledger, name="customer_ledger"),
    path("customers/<int:pk>/ledger.xlsx", views.customer_ledger_export, name="customer_ledger_export"),
    path("customers/<int:pk>/prices/", views.customer_prices, name="customer_prices"),
    path("customers/<int:pk>/showcase/", views.customer_showcase, name="customer_showcase"),
    path("customers/<int:pk>/flyer/", views.customer_flyer, name="customer_flyer"),
    path("showcase-photos/<int:pk>/image/", views.showcase_photo_image, name="showcase_photo_image"),
    path("receivables/", views.receivables, name="receivables"),
    path("receivables.xlsx", views.receivables_export, name="receivables_export"),
    path("renewals/", views.renewal_list, name="renewal_list"),
]
