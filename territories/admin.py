from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from territories.models import ChannelType, ProductLine, RoutingRule, Territory, TerritoryAssignment


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(ChannelType)
class ChannelTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    """Editing here keeps ``path`` right only for new nodes; moving a node to another parent is not offered."""

    list_display = ("name", "code", "kind", "parent", "product_line", "channel_type", "is_active")
    list_filter = ("kind", "product_line", "channel_type", "is_active")
    list_select_related = ("parent", "product_line", "channel_type")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("parent", "kind") if obj else ()

    def save_model(self, request, obj, form, change):
        from territories.services import create_territory

        if change:
            super().save_model(request, obj, form, change)
            return
        created = create_territory(
            kind=obj.kind,
            name=obj.name,
            code=obj.code,
            parent=obj.parent,
            product_line=obj.product_line,
            channel_type=obj.channel_type,
            districts=obj.districts or [],
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


@admin.register(TerritoryAssignment)
class TerritoryAssignmentAdmin(SimpleHistoryAdmin):
    """Read-only: owners change on the territory console, where the open work moves with them."""

    list_display = ("territory", "salesperson", "started_at", "ended_at", "assigned_by", "reason")
    list_filter = ("ended_at",)
    list_select_related = ("territory", "salesperson", "assigned_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    """Read-only: rules are changed on /territories/routing-rules/, through the service that records who."""

    list_display = ("priority", "district", "channel_type", "territory", "is_active")
    list_display_links = ("priority",)
    list_select_related = ("channel_type", "territory")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
