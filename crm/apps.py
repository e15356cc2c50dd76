from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        import openpyxl
        from django.contrib.auth.signals import user_logged_in
        from PIL import Image

        from crm.middleware import stamp_login_time

        # Spreadsheet imports parse untrusted XML: refuse to run without defusedxml.
        if not openpyxl.DEFUSEDXML:
            raise RuntimeError("defusedxml must be installed so openpyxl rejects XML bombs.")
        # Business-card photos: anything above 40 MP is treated as a decompression bomb.
        Image.MAX_IMAGE_PIXELS = 40_000_000
        # The session's idle and absolute limits count from the login (crm.middleware).
        user_logged_in.connect(stamp_login_time, dispatch_uid="crm.stamp_login_time")
