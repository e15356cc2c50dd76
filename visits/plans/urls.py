from django.urls import path

from visits.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.week, name="week"),
    path("add/", views.add, name="add"),
    path("stops/<int:pk>/move/", views.stop_move, name="stop_move"),
    path("stops/<int:pk>/remove/", views.stop_remove, name="stop_remove"),
    path("stops/<int:pk>/note/", views.stop_note, name="stop_note"),
    path("versus/", views.versus, name="versus"),
    path("versus/<int:salesperson_pk>/", views.versus_day, name="versus_day"),
]
