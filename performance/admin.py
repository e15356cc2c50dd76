from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from performance.models import RewardRule, SalesTarget


@admin.register(SalesTarget)
class SalesTargetAdmin(SimpleHistoryAdmin):
    list_display = ("month", "scope", "team", "salesperson", "amount")
    list_filter = ("scope", "month")
    list_select_related = ("team", "salesperson")


@admin.register(RewardRule)
class RewardRuleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "min_attainment_percent", "bonus_rate_percent", "bonus_amount", "is_active")
