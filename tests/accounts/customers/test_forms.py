import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.territories.factories import channel_type

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _jpeg(size=(120, 80), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG", **save_options)
    return buffer.getvalue()


def _form(**extra):
    return {
        "unit_name": "南山汽配城",
        "district": "南山区",
        "phone": "",
        "source": "visit",
        "status": "prospect",
        "channel_type": channel_type("smes").pk,
        "contact_name": "李总",
        "contact_title": "总经理",
        "contact_mobile": "13912345678",
        **extra,
    }


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_salesperson_registers_a_customer_from_the_phone_form(client, people, owned_tree, _media):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera maker
    upload = SimpleUploadedFile("card.jpg", _jpeg(exif=exif.tobytes()), content_type="image/jpeg")
    client.force_login(people.sales1)

    response = client.post(
        reverse("accounts:customer_create"),
        _form(business_card_upload=upload, channel_type=channel_type("car-clubs").pk),
        **EN,
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.territory, customer.owner, str(customer.phone)) == (
        owned_tree["nanshan_clubs"],
        people.sales1,
        "+8613912345678",
    )
    assert list(customer.contacts.values_list("name", "title")) == [("李总", "总经理")]
    with Image.open(customer.business_card.path) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
    assert customer.business_card.name.startswith("business_cards/")


def test_the_form_page_renders_for_each_role_that_registers(client, people, owned_tree):
    for who in ("sales1", "manager1", "admin"):
        client.force_login(getattr(people, who))
        assert client.get(reverse("accounts:customer_create")).status_code == 200


def _png_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("card.jpg", b"this is not a picture", "This file is not a photo. Upload a JPEG, PNG or WebP image."),
        ("card.gif", b"GIF89a" + b"\x00" * 50, "This file is not a photo. Upload a JPEG, PNG or WebP image."),
        (
            "card.jpg",
            _jpeg() + b"\x00" * (5 * 1024 * 1024),
            "The photo is larger than 5 MB. Take it again at a lower resolution.",
        ),
        ("bomb.png", _png_bomb(), "This image has too many pixels to be a photo. Upload an ordinary photo."),
        (
            "card.jpg",
            _jpeg() + b"PK\x03\x04" + b"\x00" * 40,
            "This file contains more than an image and was refused. Upload the photo itself.",
        ),
        (
            "card.jpg",
            _jpeg(comment=b"<?php system($_GET['c']); ?>"),
            "This file contains more than an image and was refused. Upload the photo itself.",
        ),
    ],
    ids=["text", "fake-gif", "too-large", "bomb", "zip-appended", "php-inside"],
)
def test_bad_business_cards_are_refused_and_nothing_is_stored(
    client, people, owned_tree, _media, name, content, message
):
    client.force_login(people.sales1)

    response = client.post(
        reverse("accounts:customer_create"), _form(business_card_upload=SimpleUploadedFile(name, content)), **EN
    )

    assert response.status_code == 400
    assert response.context["form"].errors["business_card_upload"] == [message]
    assert Customer.objects.count() == 0
    assert _stored_files(_media) == []


def test_bad_input_gets_clear_messages_in_the_users_language(client, people, owned_tree):
    client.force_login(people.sales1)

    english = client.post(reverse("accounts:customer_create"), _form(unit_name="", contact_mobile="12345"), **EN)
    chinese = client.post(
        reverse("accounts:customer_create"), _form(unit_name="", contact_mobile="12345"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    # Form errors are lazy: read them as they were rendered, in the language of each request.
    assert (english.status_code, chinese.status_code) == (400, 400)
    assert set(english.context["form"].errors) == {"unit_name", "contact_mobile"}
    assert "This field is required." in english.content.decode()
    assert "Enter a valid phone number" in english.content.decode()
    assert "该字段是必填项。" in chinese.content.decode()
    assert Customer.objects.count() == 0


def test_registering_a_duplicate_phone_is_refused_without_leaking(client, people, owned_tree):
    CustomerFactory(
        unit_name="福田秘密客户", territory=owned_tree["futian_clubs"], owner=people.sales3, phone="+8613912345678"
    )
    client.force_login(people.sales1)

    response = client.post(reverse("accounts:customer_create"), _form(), **EN)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This customer is already registered by a colleague. Ask your manager before registering it again."
    ]
    assert "福田秘密客户" not in response.content.decode()
    assert Customer.objects.count() == 1


def test_the_duplicate_check_while_typing(client, people, owned_tree):
    mine = CustomerFactory(
        unit_name="我的客户", territory=owned_tree["nanshan_clubs"], owner=people.sales1, phone="+8613911110000"
    )
    theirs = CustomerFactory(
        unit_name="别人的客户",
        district="福田区",
        territory=owned_tree["futian_clubs"],
        owner=people.sales3,
        phone="+8613922220000",
    )
    client.force_login(people.sales1)
    url = reverse("accounts:customer_duplicates")

    own = client.get(url, {"phone": "139 1111 0000"}, HTTP_HX_REQUEST="true", **EN).content.decode()
    other = client.get(
        url, {"unit_name": "别人的客户", "district": "福田区"}, HTTP_HX_REQUEST="true", **EN
    ).content.decode()
    other_by_phone = client.get(url, {"phone": "13922220000"}, HTTP_HX_REQUEST="true", **EN).content.decode()
    none = client.get(url, {"unit_name": "新客户", "district": "福田区"}, HTTP_HX_REQUEST="true", **EN).content.decode()

    assert mine.get_absolute_url() in own and "<html" not in own
    assert "same phone 139 1111 0000" in own
    # Outside the scope: the name that was typed and who holds it, never a link, its phone or its id.
    assert "别人的客户" in other and f"held by {people.sales3}" in other
    assert theirs.get_absolute_url() not in other and "139 2222 0000" not in other
    assert "别人的客户" not in other_by_phone and f"held by {people.sales3}" in other_by_phone
    assert "No registered customer matches." in none


def test_info_staff_have_the_duplicate_lookup_page(client, people, owned_tree):
    customer = CustomerFactory(
        unit_name="福田秘密客户", territory=owned_tree["futian_clubs"], owner=people.sales3, phone="+8613911110000"
    )
    client.force_login(people.info1)

    page = client.get(reverse("accounts:customer_duplicates"), {"phone": "13911110000"}, **EN)

    assert page.status_code == 200
    html = page.content.decode()
    assert "A registered customer" in html and f"held by {people.sales3}" in html
    assert "福田秘密客户" not in html and customer.get_absolute_url() not in html
    assert 'href="/customers/duplicates/"' in client.get("/inquiries/new/").content.decode()
    assert 'href="/customers/"' not in client.get("/inquiries/new/").content.decode()


def test_a_stale_edit_is_refused_with_a_clear_message(client, people, owned_tree):
    customer = CustomerFactory(unit_name="原名", territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.sales1)
    form = {"unit_name": "销售改名", "district": "南山区", "source": "visit", "status": "prospect", "version": 1}
    first = client.post(reverse("accounts:customer_edit", args=[customer.pk]), form, **EN)
    client.force_login(people.manager1)

    second = client.post(reverse("accounts:customer_edit", args=[customer.pk]), {**form, "unit_name": "经理改名"}, **EN)

    assert first.status_code == 302
    assert second.status_code == 409
    assert second.context["form"].non_field_errors() == [
        "Someone else saved this customer after you opened the form. Your changes were not saved: "
        "reload the customer and make them again."
    ]
    customer.refresh_from_db()
    assert (customer.unit_name, customer.version) == ("销售改名", 2)


def test_managers_see_the_change_history_salespeople_do_not(client, people, owned_tree):
    customer = CustomerFactory(unit_name="原名", territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.sales1)
    client.post(
        reverse("accounts:customer_edit", args=[customer.pk]),
        {
            "unit_name": "新名",
            "phone": str(customer.phone),
            "district": "南山区",
            "source": "visit",
            "status": "prospect",
            "version": 1,
        },
    )

    as_salesperson = client.get(customer.get_absolute_url(), **EN)
    client.force_login(people.manager1)
    as_manager = client.get(customer.get_absolute_url(), **EN)

    assert as_salesperson.context["change_history"] is None
    history = as_manager.context["change_history"]
    assert [(line.who, line.changes) for line in history] == [
        (people.sales1, [("unit name", "原名", "新名")]),
        (None, []),
    ]
    assert "Change history" in as_manager.content.decode()


def test_adding_a_contact_on_the_detail_page(client, people, owned_tree):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, phone="")
    client.force_login(people.sales1)

    response = client.post(customer.get_absolute_url(), {"name": "赵会计", "title": "会计", "mobile": "13600001111"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert list(customer.contacts.values_list("name", flat=True)) == ["赵会计"]
    assert (str(customer.phone), customer.version) == ("+8613600001111", 2)


def test_the_registration_page_refuses_a_bidi_name_and_a_phone_with_letters(client, people, owned_tree):
    client.force_login(people.sales1)

    response = client.post(
        reverse("accounts:customer_create"),
        _form(
            unit_name="ACME\u202egnp.exe", phone="1380000abcd", contact_name="王\u2066五", contact_mobile="13800001234"
        ),
        **EN,
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"unit_name", "phone", "contact_name"}
    assert errors["phone"] == ["A phone number may not contain letters."]
    assert Customer.objects.count() == 0
