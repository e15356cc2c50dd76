from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.models import Notification, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "last_name", "first_name")
    list_select_related = ("team",)
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Field sales"), {"fields": ("role", "team", "phone", "language")}))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "manager",
        "form_submission",
        "daily_visit_quota",
        "quota_counts_phone_calls",
        "quota_counts_office_visits",
    )
    list_select_related = ("manager",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "text", "created_at", "read_at")
    list_select_related = ("recipient",)
