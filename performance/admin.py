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
    """Read-only: tiers are changed on /dashboard/reward-tiers/, through the service that records who."""

    list_display = ("name", "min_attainment_percent", "bonus_rate_percent", "bonus_amount", "is_active")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
