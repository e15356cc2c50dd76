"""Admin of the check-up checklist, and quotes and check-ups read-only. Products, coverages and rate tables
are edited on our own pages (/service/products/), where bands are checked as they are typed and every save is
recorded: they are not in the site administration."""

from __future__ import annotations

from django.contrib import admin

from accounts.service_tools.models import CheckupRule, PolicyCheckup, Quote


@admin.register(CheckupRule)
class CheckupRuleAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "coverage", "minimum_sum", "days", "weight", "is_active", "position")
    list_editable = ("weight", "is_active", "position")
    list_filter = ("kind", "is_active")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "product", "quoted_on", "total", "created_by", "deal")
    list_select_related = ("customer", "product", "created_by", "deal")
    readonly_fields = [field.name for field in Quote._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PolicyCheckup)
class PolicyCheckupAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "checked_on", "score", "created_by")
    list_select_related = ("customer", "created_by")
    readonly_fields = [field.name for field in PolicyCheckup._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
