from django.urls import path

from accounts.customers import views

app_name = "accounts"

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("export/", views.customer_export, name="customer_export"),
    path("duplicates/", views.customer_duplicates, name="customer_duplicates"),
    path("unassigned/", views.customer_unassigned, name="customer_unassigned"),
    path("pool/", views.customer_pool, name="customer_pool"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/business-card/", views.customer_business_card, name="customer_business_card"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/assign/", views.customer_assign, name="customer_assign"),
    path("<int:pk>/claim/", views.customer_claim, name="customer_claim"),
    path("<int:pk>/move/", views.customer_move, name="customer_move"),
]
