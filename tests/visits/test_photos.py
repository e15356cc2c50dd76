"""Visit photos as proof of the visit: the stamp, the kept original, the camera/gallery label, bad
files, thumbnails made once by the worker, and who may see them (pages and API)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from crm.images import clean_image
from crm.models import PendingTask
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits import photos as visit_photos
from visits.models import Visit, VisitPhoto
from visits.photos import THUMBNAIL_SIDE, PhotoUpload, exif_time, stamp_image, tag_photos
from visits.services import record_visit
from visits.tasks import make_visit_photo_thumbnails_task

RED = (200, 30, 30)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customers(owned_tree):
    return {
        "sales1": CustomerFactory(
            unit_name="顺达汽修厂",
            territory=owned_tree["nanshan_clubs"],
            district="南山区",
            address="科技园南路 8 号",
            latitude=Decimal("22.533000"),
            longitude=Decimal("113.930000"),
        ),
        "sales3": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


def jpeg_bytes(colour=RED, size=(400, 300), exif_when: datetime | None = None, offset: str | None = None) -> bytes:
    image = Image.new("RGB", size, colour)
    output = io.BytesIO()
    if exif_when is None:
        image.save(output, format="JPEG", quality=95)
    else:
        exif = Image.Exif()
        sub = exif.get_ifd(0x8769)
        sub[0x9003] = exif_when.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal, the phone's local time
        if offset:
            sub[0x9011] = offset  # OffsetTimeOriginal
        image.save(output, format="JPEG", quality=95, exif=exif)
    return output.getvalue()


def upload(data: bytes | None = None, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes() if data is None else data, content_type="image/jpeg")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def log(people, customers, photos, **extra) -> Visit:
    return record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, photos=photos, **extra)


# --- the stamp and the original --------------------------------------------------------------------


def test_a_camera_photo_is_stamped_below_the_picture_and_the_cleaned_original_is_kept(people, customers):
    data = jpeg_bytes()
    before = timezone.now()

    visit = log(
        people, customers, tag_photos(camera=[upload(data)]), latitude="22.5331", longitude="113.9301", accuracy_m=12
    )

    photo = visit.photos.get()
    assert photo.source == VisitPhoto.Source.CAMERA
    assert before <= photo.taken_at <= timezone.now()  # the server's receipt time, not the phone's
    with photo.original.open("rb") as kept:
        assert kept.read() == clean_image(upload(data)).read()  # byte for byte the cleaned upload
    with photo.image.open("rb") as file, Image.open(file) as stamped:
        stamped = stamped.convert("RGB")
        assert stamped.width == 400 and stamped.height > 300  # a band added below, the picture not covered
        top = stamped.crop((0, 0, 400, 290)).getcolors(maxcolors=400 * 290)
        band = stamped.crop((0, 300, 400, stamped.height)).getcolors(maxcolors=400 * stamped.height)
    assert max(top)[1][0] > 150  # still the red picture above
    band_colours = [colour for _, colour in band]
    assert all(abs(colour[0] - colour[1]) < 60 for colour in band_colours)  # no red left in the band
    assert any(min(colour) > 200 for colour in band_colours)  # white text
    assert any(max(colour) < 60 for colour in band_colours)  # on a dark ground


def test_the_stamp_says_when_where_whom_and_who(people, customers, english):
    visit = VisitFactory(
        salesperson=people.sales1,
        customer=customers["sales1"],
        latitude=Decimal("22.533100"),
        longitude=Decimal("113.930100"),
        accuracy_m=12.4,
    )
    received = timezone.make_aware(datetime(2026, 12, 5, 10, 41), timezone.get_fixed_timezone(480))

    lines = visit_photos.stamp_lines(visit=visit, source="camera", received_at=received, exif_time=None)

    assert lines == [
        "2026-12-05 10:41 · 22.53310, 113.93010 ±12 m",
        "Customer: 顺达汽修厂",
        f"Salesperson: {people.sales1}",
    ]


def test_without_a_position_the_stamp_gives_the_customers_address_and_labels_a_gallery_photo(
    people, customers, english
):
    visit = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])
    received = timezone.make_aware(datetime(2026, 12, 5, 10, 41))
    taken = timezone.make_aware(datetime(2026, 12, 1, 9, 5))

    with_time = visit_photos.stamp_lines(visit=visit, source="gallery", received_at=received, exif_time=taken)
    without = visit_photos.stamp_lines(visit=visit, source="gallery", received_at=received, exif_time=None)

    assert with_time[0] == "2026-12-05 10:41 · Customer's address: 南山区 科技园南路 8 号"
    assert with_time[3] == "From gallery · taken 2026-12-01 09:05 (EXIF)"
    assert without[3] == "From gallery · no time in the file"


def test_the_stamp_is_in_chinese_for_a_chinese_speaking_salesperson(people, customers):
    from django.utils import translation

    visit = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])
    with translation.override("zh-hans"):
        lines = visit_photos.stamp_lines(visit=visit, source="gallery", received_at=timezone.now(), exif_time=None)

    assert lines[1] == "客户：顺达汽修厂"
    assert lines[3] == "相册照片 · 文件中没有拍摄时间"


def test_stamping_works_with_pillows_own_font_when_no_cjk_font_is_installed(monkeypatch, settings):
    settings.CRM_STAMP_FONT = ""
    monkeypatch.setattr(visit_photos, "KNOWN_CJK_FONTS", ("/nowhere/font.ttc",))
    visit_photos._font_path.cache_clear()
    try:
        stamped = stamp_image(jpeg_bytes(), ["2026-12-05 10:41 · 22.53310, 113.93010", "Customer: 顺达汽修厂"])
        assert visit_photos._font_path() is None
    finally:
        visit_photos._font_path.cache_clear()

    with Image.open(io.BytesIO(stamped)) as image:
        assert image.width == 400 and image.height > 300


def test_a_configured_stamp_font_comes_first(settings):
    font = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if not font.is_file():
        pytest.skip("no CJK font on this machine")
    settings.CRM_STAMP_FONT = str(font)
    visit_photos._font_path.cache_clear()
    try:
        assert visit_photos._font_path() == str(font)
    finally:
        visit_photos._font_path.cache_clear()


# --- camera or gallery, EXIF time --------------------------------------------------------------------


def test_the_exif_time_is_read_in_the_sites_zone_or_with_its_own_offset():
    shot = datetime(2026, 12, 1, 9, 5, 30)  # EXIF has no zone

    local = exif_time(upload(jpeg_bytes(exif_when=shot)))
    with_offset = exif_time(upload(jpeg_bytes(exif_when=shot, offset="+02:00")))

    assert local == timezone.make_aware(shot)  # Asia/Shanghai
    assert local.utcoffset() == timedelta(hours=8)
    assert with_offset == datetime(2026, 12, 1, 7, 5, 30, tzinfo=UTC)
    assert exif_time(upload(jpeg_bytes())) is None


def test_a_gallery_photo_is_labelled_with_its_exif_time(people, customers):
    shot = timezone.localtime() - timedelta(days=3)
    naive = shot.replace(tzinfo=None, microsecond=0)

    visit = log(people, customers, tag_photos(gallery=[upload(jpeg_bytes(exif_when=naive)), upload()]))

    with_time, without_time = visit.photos.order_by("pk")
    assert (with_time.source, with_time.taken_at) == ("gallery", timezone.make_aware(naive))
    assert (without_time.source, without_time.taken_at) == ("gallery", None)


def test_a_camera_photo_whose_exif_time_is_long_before_the_visit_is_labelled_gallery(people, customers):
    old = (timezone.localtime() - timedelta(hours=2)).replace(tzinfo=None, microsecond=0)
    recent = (timezone.localtime() - timedelta(minutes=3)).replace(tzinfo=None, microsecond=0)

    visit = log(
        people,
        customers,
        tag_photos(camera=[upload(jpeg_bytes(exif_when=old)), upload(jpeg_bytes(exif_when=recent))]),
    )

    relabelled, kept = visit.photos.order_by("pk")
    assert (relabelled.source, relabelled.taken_at) == ("gallery", timezone.make_aware(old))
    assert kept.source == "camera"


def test_a_plain_file_from_an_older_client_counts_as_a_gallery_photo(people, customers):
    visit = log(people, customers, [upload()])

    assert visit.photos.get().source == "gallery"


# --- bad files -------------------------------------------------------------------------------------


def _png_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_FILES = [
    pytest.param(
        jpeg_bytes() + b"\x00" * (5 * 1024 * 1024),
        "The photo is larger than 5 MB. Take it again at a lower resolution.",
        id="over-size",
    ),
    pytest.param(
        b"just some text, not a photo", "This file is not a photo. Upload a JPEG, PNG or WebP image.", id="text"
    ),
    pytest.param(_png_bomb(), "This image has too many pixels to be a photo. Upload an ordinary photo.", id="bomb"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_a_bad_camera_photo_is_refused_and_nothing_is_stored(people, customers, settings, english, data, message):
    with pytest.raises(ValidationError) as refused:
        log(people, customers, tag_photos(camera=[upload(), upload(data, "bad.jpg")]))

    assert refused.value.messages == [message]
    assert (Visit.objects.count(), VisitPhoto.objects.count(), PendingTask.objects.count()) == (0, 0, 0)
    assert stored_files(settings) == []


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_the_visit_form_shows_the_message_for_a_bad_photo_and_stores_nothing(
    client, people, customers, settings, data, message
):
    client.force_login(people.sales1)

    response = client.post(
        "/visits/new/",
        {
            "customer": customers["sales1"].pk,
            "kind": "first",
            "client_id": str(uuid.uuid4()),
            "camera_photos": [SimpleUploadedFile("bad.jpg", data, content_type="image/jpeg")],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Visit.objects.count(), VisitPhoto.objects.count()) == (0, 0)
    assert stored_files(settings) == []


def test_the_visit_form_sends_camera_and_gallery_photos_apart(client, people, customers):
    client.force_login(people.sales1)

    response = client.post(
        "/visits/new/",
        {
            "customer": customers["sales1"].pk,
            "kind": "first",
            "client_id": str(uuid.uuid4()),
            "camera_photos": [upload(name="camera-1.jpg")],
            "photos": [upload(name="IMG_0001.jpg")],
        },
    )

    assert response.status_code == 302
    assert list(VisitPhoto.objects.order_by("pk").values_list("source", flat=True)) == ["camera", "gallery"]


# --- thumbnails ----------------------------------------------------------------------------------


def test_thumbnails_are_asked_for_once_per_visit_after_the_commit(
    people, customers, django_capture_on_commit_callbacks
):
    from crm.celery import app

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        visit = log(people, customers, tag_photos(camera=[upload()], gallery=[upload()]))
    photos = list(visit.photos.order_by("pk"))
    assert [photo.thumbnail.name for photo in photos] == ["", ""]  # not made in the request
    assert len(callbacks) == 1  # the outbox sends it once the visit is committed
    pending = PendingTask.objects.get()
    assert (pending.task, pending.kwargs) == (
        "visits.tasks.make_visit_photo_thumbnails_task",
        {"photo_ids": [photo.pk for photo in photos]},
    )

    # What the worker runs (called in-process: an eager run would leave Celery's app without its backend).
    app.loader.import_default_modules()
    assert app.tasks[pending.task](**pending.kwargs) == 2

    for photo in photos:
        photo.refresh_from_db()
        with photo.thumbnail.open("rb") as file, Image.open(file) as thumbnail:
            assert max(thumbnail.size) == THUMBNAIL_SIDE


def test_the_thumbnail_task_run_twice_makes_one_thumbnail(people, customers, settings):
    visit = log(people, customers, tag_photos(camera=[upload()]))
    photo = visit.photos.get()

    assert make_visit_photo_thumbnails_task([photo.pk]) == 1
    photo.refresh_from_db()
    first = photo.thumbnail.name
    assert make_visit_photo_thumbnails_task([photo.pk]) == 0

    photo.refresh_from_db()
    assert photo.thumbnail.name == first
    thumbnails = [path for path in stored_files(settings) if "thumbnails" in path.parts]
    assert thumbnails == [Path(settings.MEDIA_ROOT) / first]


def test_the_backfill_command_makes_the_missing_thumbnails_only(people, customers, settings):
    # Three kinds of visit: the same kind again within 30 minutes would be refused as a repeat.
    kinds = [Visit.Kind.FIRST, Visit.Kind.SECOND, Visit.Kind.PHONE]
    visits = [log(people, customers, tag_photos(camera=[upload()]), kind=kind) for kind in kinds]
    make_visit_photo_thumbnails_task([visits[0].photos.get().pk])
    out = io.StringIO()

    call_command("make_photo_thumbnails", stdout=out)
    call_command("make_photo_thumbnails", stdout=io.StringIO())

    assert out.getvalue().strip() == "2 thumbnail(s) made."
    assert VisitPhoto.objects.filter(thumbnail="").count() == 0
    assert len([path for path in stored_files(settings) if "thumbnails" in path.parts]) == 3


# --- who sees them: pages ---------------------------------------------------------------------------


@pytest.fixture
def photographed(people, customers):
    visit = log(
        people, customers, tag_photos(camera=[upload()]), latitude="22.5331", longitude="113.9301", accuracy_m=8
    )
    return visit, visit.photos.get()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("sales1", 200),
        ("manager1", 200),
        ("admin", 200),
        ("sales2", 404),
        ("sales3", 404),
        ("manager2", 404),
        ("info1", 404),
    ],
)
def test_the_visit_page_and_its_photos_open_only_for_who_sees_the_visit(client, people, photographed, who, status):
    visit, photo = photographed
    client.force_login(getattr(people, who))

    urls = [
        f"/visits/{visit.pk}/",
        f"/visits/photos/{photo.pk}/",
        f"/visits/photos/{photo.pk}/thumbnail/",
        f"/visits/photos/{photo.pk}/original/",
    ]

    assert [client.get(url).status_code for url in urls] == [status] * 4


def test_the_visit_page_shows_the_photos_full_size_with_their_source(client, people, photographed):
    visit, photo = photographed
    client.force_login(people.manager1)

    page = client.get(f"/visits/{visit.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'src="/visits/photos/{photo.pk}/"' in page
    assert "Camera · received " in page
    assert "顺达汽修厂" in page


def test_the_team_review_shows_thumbnails_that_open_the_full_size(client, people, photographed):
    visit, photo = photographed
    client.force_login(people.manager1)

    page = client.get("/visits/").content.decode()

    assert f'<a class="visit-thumbnail position-relative" href="/visits/{visit.pk}/#photo-{photo.pk}">' in page
    assert f'src="/visits/photos/{photo.pk}/thumbnail/"' in page
    assert 'loading="lazy"' in page
    assert f'href="/visits/{visit.pk}/"' in page


@pytest.mark.parametrize("visit_count", [1, 6])
def test_the_team_review_with_photos_takes_fixed_queries(
    client, people, customers, django_assert_num_queries, visit_count
):
    for hours_ago in range(visit_count):  # an hour apart: closer, the repeat guard would refuse them
        visited_at = timezone.now() - timedelta(hours=hours_ago)
        log(people, customers, tag_photos(camera=[upload()], gallery=[upload()]), visited_at=visited_at)
    client.force_login(people.manager1)

    # session, user, filter choices (people, territories), count, rows, their photos, notifications
    with django_assert_num_queries(8):
        page = client.get("/visits/").content.decode()
    assert page.count('class="visit-photo rounded"') == 2 * visit_count


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_the_api_lists_each_visits_photos_with_protected_links(api, people, photographed):
    visit, photo = photographed
    api.force_authenticate(people.manager1)

    row = api.get(f"/api/visits/{visit.pk}/").json()

    assert row["photos"] == [
        {
            "id": photo.pk,
            "source": "camera",
            "taken_at": timezone.localtime(photo.taken_at).isoformat(),
            "url": f"http://testserver/visits/photos/{photo.pk}/",
            "thumbnail_url": f"http://testserver/visits/photos/{photo.pk}/thumbnail/",
        }
    ]


def test_the_api_photo_links_open_for_the_owner_and_404_for_another_salesperson(people, photographed):
    from knox.models import AuthToken

    visit, _photo = photographed
    owner, other = APIClient(), APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(people.sales1)[1]}")
    other.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(people.sales2)[1]}")

    links = owner.get(f"/api/visits/{visit.pk}/").json()["photos"][0]
    assert other.get(f"/api/visits/{visit.pk}/").status_code == 404

    # The links are pages of the site: opened with the session of who may see the visit.
    owner_session, other_session = APIClient(), APIClient()
    owner_session.force_login(people.sales1)
    other_session.force_login(people.sales2)
    for url in (links["url"], links["thumbnail_url"]):
        assert owner_session.get(url).status_code == 200
        assert other_session.get(url).status_code == 404


def test_the_api_takes_camera_and_gallery_photos_as_multipart(api, people, customers):
    api.force_authenticate(people.sales1)

    response = api.post(
        "/api/visits/",
        {
            "customer": customers["sales1"].pk,
            "camera_photos": [upload(name="c.jpg")],
            "photos": [upload(name="g.jpg")],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert [photo["source"] for photo in response.json()["photos"]] == ["camera", "gallery"]


def test_a_bad_photo_through_the_api_is_a_400_with_the_message_and_nothing_stored(api, people, customers, settings):
    api.force_authenticate(people.sales1)

    response = api.post(
        "/api/visits/",
        {"customer": customers["sales1"].pk, "camera_photos": [upload(b"not a photo", "x.jpg")]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "This file is not a photo. Upload a JPEG, PNG or WebP image." in json.dumps(response.json())
    assert (Visit.objects.count(), VisitPhoto.objects.count()) == (0, 0)
    assert stored_files(settings) == []


def test_offline_sync_takes_camera_photos_apart_from_gallery_ones(api, people, customers):
    api.force_authenticate(people.sales1)
    client_id = str(uuid.uuid4())
    item = {"client_id": client_id, "customer": customers["sales1"].pk, "kind": "first"}

    response = api.post(
        "/api/visits/sync/",
        {
            "items": json.dumps([item]),
            f"camera_photos-{client_id}": [upload(name="c.jpg")],
            f"photos-{client_id}": [upload(name="g.jpg")],
        },
        format="multipart",
    )

    assert response.json()["results"][0]["status"] == "created"
    assert sorted(VisitPhoto.objects.values_list("source", flat=True)) == ["camera", "gallery"]


def test_a_photo_upload_tagged_with_an_unknown_source_counts_as_gallery(people, customers):
    visit = log(people, customers, [PhotoUpload(upload(), "screenshot")])

    assert visit.photos.get().source == "gallery"


def test_the_key_account_page_shows_the_photos_of_the_visits_that_followed(client, people, customers):
    from crm.dates import local_today, week_start
    from visits.key_accounts.models import KeyAccountEntry

    entry = KeyAccountEntry.objects.create(
        week=week_start(local_today()), salesperson=people.sales1, customer=customers["sales1"], intent="B"
    )
    visit = log(people, customers, tag_photos(camera=[upload()]), kind="second")
    photo = visit.photos.get()
    client.force_login(people.manager1)

    page = client.get(entry.get_absolute_url()).content.decode()

    assert f'src="/visits/photos/{photo.pk}/thumbnail/"' in page
    assert f'href="/visits/{visit.pk}/"' in page
