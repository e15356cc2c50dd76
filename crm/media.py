"""Uploaded files answer only through views that checked who may see them: there is no public /media/.

Each app's view finds the owning row through its model's ``visible_to(user)`` (404 otherwise, the
same answer as a missing file) and hands the file to ``protected_file_response``. Behind the compose
file's nginx (``CRM_MEDIA_ACCEL_REDIRECT`` names its internal location) Django answers headers only
and nginx sends the bytes; without it Django streams the file itself.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response

IMAGE = "image/jpeg"  # every uploaded photo is re-encoded to JPEG (crm.images)
DOWNLOAD = "application/octet-stream"
# A shared cache never keeps a file, and the browser asks again each time (a phone may change hands:
# the next person must be checked too); the ETag turns the answer into a bodiless 304 for who may see it.
CACHE_CONTROL = "private, no-cache"


def protected_file_response(
    request: HttpRequest, file: FieldFile, *, content_type: str = IMAGE, download_name: str | None = None
) -> HttpResponse:
    """The response for ``file``, whose owner the caller has already found through ``visible_to``.

    An empty field or a file gone from the storage answers 404. ``download_name`` makes the
    browser save the file instead of showing it: anything that is not one of our re-encoded
    photos must never be rendered on our origin (an uploaded HTML or SVG file would run there).
    Stored names are never reused (random, and a replaced file gets a new one), so the name is
    the file's version.
    """
    if not file or not file.storage.exists(file.name):
        raise Http404
    etag = '"' + hashlib.sha256(file.name.encode()).hexdigest()[:32] + '"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["Cache-Control"] = CACHE_CONTROL
        return not_modified
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
    response["ETag"] = etag
    return response
