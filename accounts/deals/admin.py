"""Admin of deals and the ledger. Ledger entries are read-only here: corrections are reversing entries.
Products are edited on our own pages (/service/products/), not here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.deals.models import Deal, Instalment, LedgerEntry, PriceAgreement, ShowcasePhoto


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    can_delete = False
    readonly_fields = ("sequence", "amount", "due_on", "collected", "reminded_at")


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    list_display = ("number", "customer", "product", "amount", "salesperson", "status", "issued_on", "renewal_on")
    list_filter = ("status", "product")
    list_select_related = ("customer", "product", "salesperson")
    search_fields = ("number", "customer__unit_name")
    readonly_fields = (
        "customer",
        "product",
        "amount",
        "salesperson",
        "status",
        "issued_on",
        "delivered_on",
        "paid_on",
        "balance",
    )
    inlines = [InstalmentInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(SimpleHistoryAdmin):
    list_display = ("entry_on", "customer", "kind", "amount", "effect", "deal", "created_by", "reverses")
    list_filter = ("kind",)
    list_select_related = ("customer", "deal", "created_by", "reverses")
    search_fields = ("customer__unit_name", "deal__number")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PriceAgreement)
class PriceAgreementAdmin(SimpleHistoryAdmin):
    list_display = ("customer", "product", "price", "discount_percent", "valid_from", "valid_until")
    list_select_related = ("customer", "product")


@admin.register(ShowcasePhoto)
class ShowcasePhotoAdmin(SimpleHistoryAdmin):
    list_display = ("customer", "caption", "consent_by", "consent_on")
    list_select_related = ("customer",)
