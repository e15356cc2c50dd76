"""Uploaded photos: check them, then keep only a clean re-encoded JPEG (business cards now, visit photos later).

Nothing of the upload survives but its pixels: the file is opened with Pillow, verified, decoded
within the pixel budget (``Image.MAX_IMAGE_PIXELS``, set in ``crm.apps``), and saved again as a
JPEG without metadata. Files that also carry another format (a polyglot) are refused outright.
"""

from __future__ import annotations

import io
import re
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_STORED_SIDE = 2000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})

# Markers of a second format hidden inside an image (documents, markup, scripts). Long enough not to
# turn up by chance in compressed pixels; appended archives are caught by the end-of-image check.
_FOREIGN_MARKERS = re.compile(rb"%PDF-|<\?php|<script|<html|<!doctype", re.IGNORECASE)

MESSAGES = {
    "too_large": _("The photo is larger than 5 MB. Take it again at a lower resolution."),
    "not_an_image": _("This file is not a photo. Upload a JPEG, PNG or WebP image."),
    "too_many_pixels": _("This image has too many pixels to be a photo. Upload an ordinary photo."),
    "polyglot": _("This file contains more than an image and was refused. Upload the photo itself."),
}


def _error(code: str) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code)


def _has_trailing_payload(data: bytes, image_format: str) -> bool:
    if image_format == "PNG":
        end = data.rfind(b"IEND")
        return end == -1 or len(data[end + 8 :].rstrip(b"\x00")) > 0
    if image_format == "JPEG":
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    return False


def clean_image(
    upload: UploadedFile, *, max_bytes: int = MAX_UPLOAD_BYTES, max_side: int = MAX_STORED_SIDE
) -> ContentFile:
    """Return a re-encoded JPEG of ``upload`` or raise ValidationError with a message for the user.

    Pure: nothing is stored here; the caller saves the returned file.
    """
    if upload.size is not None and upload.size > max_bytes:
        raise _error("too_large")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _error("too_large")
    if not data:
        raise _error("not_an_image")
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns; a photo never needs that many pixels.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                if image_format not in ALLOWED_FORMATS:
                    raise _error("not_an_image")
                probe.verify()
            if _FOREIGN_MARKERS.search(data) or _has_trailing_payload(data, image_format):
                raise _error("polyglot")
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
                image.thumbnail((max_side, max_side))
                output = io.BytesIO()
                # No exif=, icc_profile= or comment: the metadata of the upload is dropped.
                image.save(output, format="JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _error("too_many_pixels") from exc
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError) as exc:
        raise _error("not_an_image") from exc
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
