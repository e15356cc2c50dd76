"""Admin of the visits app. The working-day calendar and personal quotas are read here only: they are changed
on the Settings pages (/settings/calendar/, /settings/quotas/), through the services that record who did it."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from visits.models import Leave, QuotaOverride, WorkingDay


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkingDay)
class WorkingDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "is_working", "note")
    list_filter = ("is_working",)
    date_hierarchy = "day"


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ("salesperson", "start_day", "end_day", "reason")
    list_select_related = ("salesperson",)
    autocomplete_fields = ("salesperson",)


@admin.register(QuotaOverride)
class QuotaOverrideAdmin(ReadOnlyAdmin):
    list_display = ("salesperson", "daily_minimum", "valid_from", "reason")
    list_select_related = ("salesperson",)
