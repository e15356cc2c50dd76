import knox.admin  # noqa: F401 - registers knox's token admin first, so that ours can replace it
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from crm.models import Notification, Team, User
from crm.services import revoke_api_tokens, sign_out_everywhere


class PasswordChangeByAdminForm(AdminPasswordChangeForm):
    """The admin's "set password": Django ends the user's sessions; this also revokes their API tokens."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            revoke_api_tokens(user=user)
        return user


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    search_fields = ("username", "last_name", "first_name")
    list_select_related = ("team",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Field sales"), {"fields": ("role", "team", "phone", "language", "wecom_userid")}),
    )
    change_password_form = PasswordChangeByAdminForm

    def save_model(self, request, obj, form, change):
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:  # a deactivated user is signed out everywhere at once, tokens included
            sign_out_everywhere(user=obj)


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    """Teams are made and given a manager here; their working modes and quota are changed on the Settings
    pages (/settings/teams/, /settings/quotas/), through the service that records who."""

    readonly_fields = (
        "form_submission",
        "daily_visit_quota",
        "quota_counts_phone_calls",
        "quota_counts_office_visits",
        "check_in_radius_m",
        "repeat_visit_window_minutes",
    )
    list_display = (
        "name",
        "manager",
        "form_submission",
        "daily_visit_quota",
        "quota_counts_phone_calls",
        "quota_counts_office_visits",
        "check_in_radius_m",
        "repeat_visit_window_minutes",
    )
    list_select_related = ("manager",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "text", "created_at", "read_at")
    list_select_related = ("recipient",)


admin.site.site_header = admin.site.site_title = _("Field Sales CRM")
admin.site.index_title = _("Site administration")

# django-otp writes its search hint once, at import, in the default language: the same words, lazily.
TOTPDeviceAdmin.search_help_text = StaticDeviceAdmin.search_help_text = _(
    "Search by the user's username or e-mail address"
)
# django-otp and knox name their models in English only; the admin shows these names in either language.
# (The migrations read the Meta as declared, _meta.original_attrs, which this leaves alone.)
for model, singular, plural in (
    (TOTPDevice, _("TOTP device"), _("TOTP devices")),
    (StaticDevice, _("backup-code device"), _("backup-code devices")),
    (AuthToken, _("API token"), _("API tokens")),
):
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural

admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: the admin sees whose they are and until when, and revokes them (delete). No token is ever
    shown (only digests are stored) nor made here: a user gets one from POST /api/auth/token/."""

    list_display = ("key_prefix", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name", "token_key")
    ordering = ("-created",)
    fields = ("key_prefix", "user", "created", "expiry")
    readonly_fields = fields

    @admin.display(description=_("token starts with"))
    def key_prefix(self, token: AuthToken) -> str:
        return f"{token.token_key[:8]}…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
