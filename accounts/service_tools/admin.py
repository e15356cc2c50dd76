"""Admin of the product price tables and the check-up checklist. A rate table whose bands leave a gap or
overlap, or whose validity clashes with another table of the coverage, is refused when saved."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.service_tools.models import CheckupRule, Coverage, PolicyCheckup, Quote, RateBand, RateTable
from accounts.service_tools.services import Band, check_bands, check_table_validity


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0
    fields = ("position", "code", "name", "is_required", "description")


class RateBandFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        bands = [
            Band(
                form.cleaned_data["lower"],
                form.cleaned_data.get("upper"),
                form.cleaned_data.get("base_premium") or 0,
                form.cleaned_data.get("rate_percent") or 0,
                form.cleaned_data.get("unit_premium") or 0,
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        check_bands(bands)


class RateBandInline(admin.TabularInline):
    model = RateBand
    formset = RateBandFormSet
    extra = 1


class RateTableForm(forms.ModelForm):
    class Meta:
        model = RateTable
        fields = ("coverage", "input", "valid_from", "valid_until", "note")

    def clean(self):
        data = super().clean()
        if data.get("coverage") and data.get("valid_from"):
            try:
                check_table_validity(
                    coverage_id=data["coverage"].pk,
                    valid_from=data["valid_from"],
                    valid_until=data.get("valid_until"),
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return data


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
    form = RateTableForm
    list_display = ("coverage", "input", "valid_from", "valid_until")
    list_filter = ("coverage__product", "input")
    list_select_related = ("coverage",)
    inlines = [RateBandInline]


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "product", "is_required", "position")
    list_filter = ("product",)
    list_select_related = ("product",)


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
