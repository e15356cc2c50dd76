from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        import openpyxl
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from django.core.exceptions import ImproperlyConfigured
        from PIL import Image

        from crm.middleware import note_second_factor_due, stamp_login_time
        from crm.models import User

        # Spreadsheet imports parse untrusted XML: refuse to run without defusedxml.
        if not openpyxl.DEFUSEDXML:
            raise RuntimeError("defusedxml must be installed so openpyxl rejects XML bombs.")
        # Business-card photos: anything above 40 MP is treated as a decompression bomb.
        Image.MAX_IMAGE_PIXELS = 40_000_000
        # The session's idle and absolute limits count from the login (crm.middleware).
        user_logged_in.connect(stamp_login_time, dispatch_uid="crm.stamp_login_time")
        # Whether this login still owes a second factor is decided once, at the login (crm.middleware).
        user_logged_in.connect(note_second_factor_due, dispatch_uid="crm.note_second_factor_due")
        if unknown := set(settings.CRM_MFA_REQUIRED_ROLES) - set(User.Role.values):
            raise ImproperlyConfigured(f"CRM_MFA_REQUIRED_ROLES names unknown roles: {sorted(unknown)}")
