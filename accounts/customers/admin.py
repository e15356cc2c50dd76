from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.customers.models import Contact, Customer, OwnerChange


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("unit_name", "district", "channel_type", "status", "intent", "territory", "owner", "pooled_at")
    list_filter = ("status", "intent", "source", "channel_type", "location_source", "geocode_status")
    list_select_related = ("channel_type", "territory", "owner")
    search_fields = ("unit_name", "phone")
    raw_id_fields = ("territory", "owner", "pooled_from", "created_by")
    # The position changes through its one door (set_customer_location: pins, check-ins, geocoding), not here.
    readonly_fields = (
        "version",
        "latitude",
        "longitude",
        "location_source",
        "location_set_at",
        "geocode_status",
        "geocode_provider",
        "geocoded_at",
        "geocoded_address",
        "geocode_attempts",
        "geocode_message",
    )
    inlines = [ContactInline]


@admin.register(OwnerChange)
class OwnerChangeAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "from_owner", "to_owner", "changed_by", "changed_at")
    list_filter = ("kind",)
    list_select_related = ("customer", "from_owner", "to_owner", "changed_by")
    raw_id_fields = ("customer",)
