"""Uploaded files: each answers exactly those who may see its owner (customer, visit, campaign, import).

Every FileField/ImageField in the project has one route that checks its owning model's
``visible_to(user)``; anyone else gets 404, the same answer as a file that does not exist.
Without a proxy the file streams from Django; behind the compose file's nginx
(``CRM_MEDIA_ACCEL_REDIRECT``) Django answers headers only and nginx sends the file from an
internal location.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse

from accounts.deals.models import ShowcasePhoto
from campaigns.models import CampaignMaterial, ProspectImport
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import CampaignFactory
from tests.files import jpeg
from tests.visits.factories import VisitFactory
from visits.models import VisitPhoto

DOWNLOAD = "application/octet-stream"
PEOPLE = ("sales1", "sales2", "sales3", "manager1", "manager2", "info1", "admin")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def files(owned_tree, people):
    """One file of each kind, all within sales1's work (team one, manager1); the import is manager1's."""
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    customer.business_card.save("card.jpg", ContentFile(jpeg((1, 2, 3))), save=True)
    visit = VisitFactory(salesperson=people.sales1, customer=customer)
    visit_photo = VisitPhoto(visit=visit)
    visit_photo.image.save("visit.jpg", ContentFile(jpeg((4, 5, 6))), save=False)
    visit_photo.original.save("original.jpg", ContentFile(jpeg((4, 5, 7))), save=False)
    visit_photo.thumbnail.save("thumbnail.jpg", ContentFile(jpeg((4, 5, 8))), save=True)
    showcase = ShowcasePhoto(
        customer=customer, consent=True, consent_by="王经理", consent_on=date(2026, 11, 2), created_by=people.sales1
    )
    showcase.image.save("showcase.jpg", ContentFile(jpeg((7, 8, 9))), save=True)
    campaign = CampaignFactory(created_by=people.info1)
    material = CampaignMaterial(campaign=campaign, title="宣传单页", uploaded_by=people.info1)
    material.file.save("flyer.pdf", ContentFile(b"%PDF-1.4 flyer"), save=True)
    prospect_import = ProspectImport(
        original_name="黄页.csv", file_format=ProspectImport.Format.CSV, created_by=people.manager1
    )
    prospect_import.file.save("list.csv", ContentFile("单位名称\n甲公司\n".encode()), save=True)
    return {
        "business_card": (reverse("accounts:customer_business_card", args=[customer.pk]), customer.business_card),
        "visit_photo": (reverse("visits:visit_photo", args=[visit_photo.pk]), visit_photo.image),
        "visit_photo_original": (reverse("visits:visit_photo_original", args=[visit_photo.pk]), visit_photo.original),
        "visit_photo_thumbnail": (
            reverse("visits:visit_photo_thumbnail", args=[visit_photo.pk]),
            visit_photo.thumbnail,
        ),
        "showcase_photo": (reverse("deals:showcase_photo_image", args=[showcase.pk]), showcase.image),
        "campaign_material": (reverse("campaigns:campaign_material", args=[material.pk]), material.file),
        "prospect_import": (reverse("campaigns:import_file", args=[prospect_import.pk]), prospect_import.file),
    }


# Who may open each kind, from the owners' visibility rules (DESIGN.md §4): customer and visit files
# follow the customer's and the visit's visible_to; campaign material the campaign desk (info staff,
# managers, admin); an import's file who sees the import (info staff, the manager who made it, admin).
ALLOWED = {
    "business_card": {"sales1", "manager1", "admin"},
    "visit_photo": {"sales1", "manager1", "admin"},
    "visit_photo_original": {"sales1", "manager1", "admin"},
    "visit_photo_thumbnail": {"sales1", "manager1", "admin"},
    "showcase_photo": {"sales1", "manager1", "admin"},
    "campaign_material": {"manager1", "manager2", "info1", "admin"},
    "prospect_import": {"manager1", "info1", "admin"},
}


def test_every_uploaded_file_field_has_a_guarded_route():
    """A new FileField must be added here (and given a route) before its files can be shown."""
    fields = sorted(
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        # django-simple-history's copies keep only the stored names; the files are the live rows'.
        if isinstance(field, models.FileField) and not model.__name__.startswith("Historical")
    )

    assert fields == [
        "accounts.Customer.business_card",
        "accounts.ShowcasePhoto.image",
        "campaigns.CampaignMaterial.file",
        "campaigns.ProspectImport.file",
        "crm.Export.file",  # /exports/<pk>/download/: its owner only (tests/crm/test_exports.py)
        "visits.VisitPhoto.image",
        "visits.VisitPhoto.original",
        "visits.VisitPhoto.thumbnail",
    ]


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_each_role_gets_each_kind_of_file_exactly_as_visibility_says(client, people, files, kind, who):
    url, stored = files[kind]
    client.force_login(getattr(people, who))

    response = client.get(url)

    if who in ALLOWED[kind]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == stored.storage.open(stored.name).read()
        assert response["Cache-Control"] == "private, no-cache"
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 404
        assert "X-Accel-Redirect" not in response


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_signed_out_visitors_are_sent_to_sign_in(client, files, kind):
    response = client.get(files[kind][0])

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("kind", "content_type", "disposition"),
    [
        ("business_card", "image/jpeg", "inline"),
        ("visit_photo", "image/jpeg", "inline"),
        ("visit_photo_original", "image/jpeg", "inline"),
        ("visit_photo_thumbnail", "image/jpeg", "inline"),
        ("showcase_photo", "image/jpeg", "inline"),
        # Any file type may be attached to a campaign: never rendered inline on our origin.
        ("campaign_material", DOWNLOAD, "attachment; filename*=utf-8''%E5%AE%A3%E4%BC%A0%E5%8D%95%E9%A1%B5.pdf"),
        ("prospect_import", DOWNLOAD, "attachment; filename*=utf-8''%E9%BB%84%E9%A1%B5.csv"),
    ],
)
def test_images_show_inline_and_other_files_download(client, people, files, kind, content_type, disposition):
    client.force_login(people.admin)

    response = client.get(files[kind][0])

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == disposition


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_behind_the_proxy_django_answers_the_internal_location_and_no_body(client, people, files, settings, kind):
    settings.CRM_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    url, stored = files[kind]
    client.force_login(people.admin)

    response = client.get(url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.name}"
    assert response.content == b""
    assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_behind_the_proxy_a_hidden_file_gets_no_internal_location(client, people, files, settings, kind):
    settings.CRM_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    client.force_login(people.sales3)

    response = client.get(files[kind][0])

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_a_file_missing_from_the_disk_answers_404_not_500(client, people, files, kind):
    _, stored = files[kind]
    stored.storage.delete(stored.name)
    client.force_login(people.admin)

    assert client.get(files[kind][0]).status_code == 404


def test_a_customer_without_a_business_card_answers_404(client, people, owned_tree):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.sales1)

    assert client.get(reverse("accounts:customer_business_card", args=[customer.pk])).status_code == 404


def test_nothing_is_served_under_a_plain_media_url(client, people, files):
    _, stored = files["business_card"]
    client.force_login(people.admin)

    assert client.get(stored.url).status_code == 404


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_a_cached_copy_is_confirmed_only_to_who_still_may_see_the_file(client, people, files, kind):
    """Browsers ask again every time (no-cache): on a shared phone the next person is checked too."""
    url, _ = files[kind]
    client.force_login(people.admin)
    etag = client.get(url)["ETag"]

    client.force_login(people.admin)
    confirmed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    client.force_login(people.sales3)
    refused = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert (confirmed.status_code, confirmed.content) == (304, b"")
    assert refused.status_code == 404
