"""Visit photos as proof of the visit: checked, stamped with when, where, whom and by whom, kept.

A photo arrives tagged with where the phone says it came from: the in-page camera (or the file
input with ``capture``) or the gallery. ``prepare_photos`` checks every file before anything is
stored (crm.images.clean_image: size, not an image, decompression bomb, polyglot) and reads the
EXIF time; ``store_photos`` then keeps the cleaned original, burns the stamp into a copy (the
``image`` everyone sees) and asks the worker for a thumbnail once the visit is committed.

The phone's word "camera" is checked where it can be: a camera photo whose EXIF time is more than
CAMERA_EXIF_TOLERANCE before the visit was picked from the gallery, and is labelled so.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from crm.images import clean_image
from crm.outbox import enqueue
from visits.models import Visit, VisitPhoto

logger = logging.getLogger(__name__)

CAMERA_EXIF_TOLERANCE = timedelta(minutes=10)
THUMBNAIL_SIDE = 320  # px: a 160-px CSS thumbnail on a 2x phone screen
# Fonts with Chinese glyphs, tried in order after settings.CRM_STAMP_FONT; Pillow's own font
# (Latin only: Chinese comes out as boxes) when none is installed.
KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
THUMBNAIL_TASK = "visits.tasks.make_visit_photo_thumbnails_task"

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_DATETIME = 0x0132


@dataclass(frozen=True)
class PhotoUpload:
    """An uploaded file and where the phone says it came from (VisitPhoto.Source)."""

    file: UploadedFile
    source: str = VisitPhoto.Source.GALLERY


@dataclass(frozen=True)
class PreparedPhoto:
    original: ContentFile  # the cleaned, re-encoded JPEG: nothing of the upload but its pixels
    source: str
    exif_time: datetime | None


def tag_photos(*, camera: Iterable[UploadedFile] = (), gallery: Iterable[UploadedFile] = ()) -> list[PhotoUpload]:
    """The files of a form or a request as the service takes them: camera ones first."""
    return [PhotoUpload(file, VisitPhoto.Source.CAMERA) for file in camera] + [
        PhotoUpload(file, VisitPhoto.Source.GALLERY) for file in gallery
    ]


def exif_time(upload: UploadedFile) -> datetime | None:
    """The EXIF DateTimeOriginal (else DateTime) of ``upload`` as an aware datetime, or None.

    EXIF times carry no zone unless OffsetTimeOriginal says it; without it they are the phone's
    local time, taken as the site's time zone. Called only on files clean_image accepted: opening
    reads the headers, not the pixels.
    """
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            exif = image.getexif()
            sub = exif.get_ifd(_EXIF_IFD)
            text = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
            offset = sub.get(_OFFSET_TIME_ORIGINAL)
        if not isinstance(text, str):
            return None
        # No zone in the text: the offset, when the file has one, else the site's zone (below).
        moment = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
        if isinstance(offset, str) and len(offset.strip("\x00 ")) == 6:
            return datetime.fromisoformat(moment.isoformat() + offset.strip("\x00 "))
        return timezone.make_aware(moment)
    except (OSError, ValueError, SyntaxError, TypeError, KeyError, OverflowError):
        return None
    finally:
        upload.seek(0)


def prepare_photos(photos: Sequence[UploadedFile | PhotoUpload], *, visited_at: datetime) -> list[PreparedPhoto]:
    """Check every photo (ValidationError with the user's message on the first bad one); store nothing.

    A plain file (an older client) counts as a gallery photo: nothing says it came from the camera.
    """
    prepared = []
    for photo in photos:
        upload, source = (photo.file, photo.source) if isinstance(photo, PhotoUpload) else (photo, "")
        if source not in VisitPhoto.Source.values:
            source = VisitPhoto.Source.GALLERY
        original = clean_image(upload)
        taken = exif_time(upload)
        if source == VisitPhoto.Source.CAMERA and taken is not None and taken < visited_at - CAMERA_EXIF_TOLERANCE:
            source = VisitPhoto.Source.GALLERY
        prepared.append(PreparedPhoto(original=original, source=source, exif_time=taken))
    return prepared


def store_photos(*, visit: Visit, photos: Sequence[PreparedPhoto], received_at: datetime) -> list[VisitPhoto]:
    """Keep each photo's original, stamp a copy, and ask for the thumbnails after the commit."""
    stored = []
    for photo in photos:
        taken_at = received_at if photo.source == VisitPhoto.Source.CAMERA else photo.exif_time
        visit_photo = VisitPhoto(visit=visit, source=photo.source, taken_at=taken_at)
        lines = stamp_lines(visit=visit, source=photo.source, received_at=received_at, exif_time=photo.exif_time)
        stamped = stamp_image(photo.original.read(), lines)
        photo.original.seek(0)
        base = uuid.uuid4().hex
        visit_photo.original.save(f"{base}.jpg", photo.original, save=False)
        visit_photo.image.save(f"{base}.jpg", ContentFile(stamped), save=False)
        visit_photo.save()
        stored.append(visit_photo)
    if stored:
        enqueue(THUMBNAIL_TASK, photo_ids=[photo.pk for photo in stored])
    return stored


# --- the stamp -----------------------------------------------------------------------------------


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _place(visit: Visit) -> str:
    if visit.latitude is not None and visit.longitude is not None:
        place = f"{float(visit.latitude):.5f}, {float(visit.longitude):.5f}"
        if visit.accuracy_m is not None:
            place += f" ±{round(visit.accuracy_m)} m"
        return place
    address = " ".join(part for part in (visit.customer.district, visit.customer.address) if part).strip()
    if address:
        return _("Customer's address: %(address)s") % {"address": address}
    return _("No position")


def stamp_lines(*, visit: Visit, source: str, received_at: datetime, exif_time: datetime | None) -> list[str]:
    """What is burned into the photo, in the active language (the salesperson's, who sends it):
    when the server received it, where the visit checked in, the customer, the salesperson, and
    for a gallery photo that label with the file's own time."""
    lines = [
        f"{_local(received_at)} · {_place(visit)}",
        _("Customer: %(customer)s") % {"customer": visit.customer.unit_name},
        _("Salesperson: %(name)s") % {"name": str(visit.salesperson)},
    ]
    if source == VisitPhoto.Source.GALLERY:
        if exif_time is not None:
            lines.append(_("From gallery · taken %(time)s (EXIF)") % {"time": _local(exif_time)})
        else:
            lines.append(_("From gallery · no time in the file"))
    return lines


@cache
def _font_path() -> str | None:
    configured = getattr(settings, "CRM_STAMP_FONT", "") or ""
    for candidate in (configured, *KNOWN_CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    logger.warning("No CJK font for the photo stamp: Chinese text will show as boxes. Set CRM_STAMP_FONT.")
    return None


def stamp_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path()
    if path is not None:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            logger.warning("The stamp font %s could not be read; using Pillow's default.", path)
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> str:
    """``text``, cut with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def stamp_image(data: bytes, lines: Sequence[str]) -> bytes:
    """The JPEG ``data`` with a dark band added below it carrying ``lines`` (the picture is not covered)."""
    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    width, height = picture.size
    size = max(12, min(48, width // 36))
    font = stamp_font(size)
    line_height = round(size * 1.35)
    padding = max(6, size // 2)
    band = padding * 2 + line_height * len(lines)
    stamped = Image.new("RGB", (width, height + band), (24, 24, 24))
    stamped.paste(picture, (0, 0))
    draw = ImageDraw.Draw(stamped)
    for index, line in enumerate(lines):
        text = _fit(draw, line, font, width - 2 * padding)
        draw.text((padding, height + padding + index * line_height), text, font=font, fill=(255, 255, 255))
    output = io.BytesIO()
    stamped.save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue()


# --- thumbnails ----------------------------------------------------------------------------------


def make_thumbnail(photo_id: int) -> bool:
    """Give the photo its thumbnail unless it has one; True when one was made.

    Idempotent: the row is locked while the thumbnail is made, so two runs at once make one file,
    and a second run finds it and does nothing. A photo gone (its visit deleted) is skipped.
    """
    with transaction.atomic():
        photo = VisitPhoto.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or not photo.image:
            return False
        # photo.thumbnail.name, not photo.thumbnail: the same test (a FieldFile is truthy when it has a
        # name), which the type checker can follow.
        if photo.thumbnail.name and photo.thumbnail.storage.exists(photo.thumbnail.name):
            return False
        with photo.image.open("rb") as source, Image.open(source) as opened:
            picture = ImageOps.exif_transpose(opened).convert("RGB")
        picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        output = io.BytesIO()
        picture.save(output, format="JPEG", quality=80, optimize=True)
        photo.thumbnail.save(f"{uuid.uuid4().hex}.jpg", ContentFile(output.getvalue()), save=False)
        VisitPhoto.objects.filter(pk=photo.pk).update(thumbnail=photo.thumbnail.name)
    return True


def backfill_thumbnails(*, limit: int | None = None) -> int:
    """Make the thumbnails photos are still missing (older photos, a lost task); returns how many."""
    ids = VisitPhoto.objects.filter(thumbnail="").order_by("pk").values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    return sum(1 for photo_id in list(ids) if make_thumbnail(photo_id))
