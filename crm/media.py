"""Uploaded files answer only through views that checked who may see them: there is no public /media/.

Each app's view finds the owning row through its model's ``visible_to(user)`` (404 otherwise, the
same answer as a missing file) and hands the file to ``protected_file_response``. Behind the compose
file's nginx (``CRM_MEDIA_ACCEL_REDIRECT`` names its internal location) Django answers headers only
and nginx sends the bytes; without it Django streams the file itself.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse

IMAGE = "image/jpeg"  # every uploaded photo is re-encoded to JPEG (crm.images)
DOWNLOAD = "application/octet-stream"
# The browser may keep a file for an hour, a shared cache never: the answer depends on who asks.
CACHE_CONTROL = "private, max-age=3600"


def protected_file_response(
    file: FieldFile, *, content_type: str = IMAGE, download_name: str | None = None
) -> HttpResponse:
    """The response for ``file``, whose owner the caller has already found through ``visible_to``.

    An empty field or a file gone from the storage answers 404. ``download_name`` makes the
    browser save the file instead of showing it: anything that is not one of our re-encoded
    photos must never be rendered on our origin (an uploaded HTML or SVG file would run there).
    """
    if not file or not file.storage.exists(file.name):
        raise Http404
    location = settings.CRM_MEDIA_ACCEL_REDIRECT
    if location:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = location.rstrip("/") + "/" + quote(file.name)
    else:
        response = FileResponse(file.open("rb"), content_type=content_type)
    if download_name is None:
        response["Content-Disposition"] = "inline"
    else:
        response["Content-Disposition"] = f"attachment; filename*=utf-8''{quote(download_name)}"
    response["Cache-Control"] = CACHE_CONTROL
    return response
