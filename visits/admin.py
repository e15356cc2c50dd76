from django.contrib import admin

from visits.models import Leave, QuotaOverride, WorkingDay


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_working", "note")
    list_filter = ("is_working",)
    date_hierarchy = "day"


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ("salesperson", "start_day", "end_day", "reason")
    list_select_related = ("salesperson",)
    autocomplete_fields = ("salesperson",)


@admin.register(QuotaOverride)
class QuotaOverrideAdmin(admin.ModelAdmin):
    list_display = ("salesperson", "daily_minimum", "valid_from", "reason")
    list_select_related = ("salesperson",)
    autocomplete_fields = ("salesperson",)
