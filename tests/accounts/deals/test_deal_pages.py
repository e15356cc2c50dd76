"""The deal pages as people use them: visibility, the payment flow, exports, query counts."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.deals.models import Deal, LedgerEntry
from accounts.deals.services import create_deal, record_call, record_payment, set_price_agreement
from tests.accounts.factories import CustomerFactory, ProductFactory

TODAY = date.today()


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="=HYPERLINK(1)车行")


@pytest.fixture
def product(db):
    return ProductFactory(name="商业车险", code="motor")


@pytest.fixture
def deal(customer, product, people):
    return create_deal(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=product,
        number="PD001",
        amount="1000",
        issued_on=TODAY - timedelta(days=10),
        instalments=[("600", TODAY - timedelta(days=5)), ("400", TODAY + timedelta(days=20))],
        renewal_on=TODAY + timedelta(days=20),
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("sales1", 200), ("sales2", 404), ("sales3", 404), ("manager1", 200), ("manager2", 404), ("admin", 200)],
)
def test_deal_and_ledger_visibility(client, people, deal, who, status):
    client.force_login(getattr(people, who))
    assert client.get(deal.get_absolute_url()).status_code == status
    assert client.get(reverse("deals:customer_ledger", args=[deal.customer_id])).status_code == status
    assert client.get(reverse("deals:customer_flyer", args=[deal.customer_id])).status_code == status


def test_info_staff_see_no_deals(client, people, deal):
    client.force_login(people.info1)
    assert client.get(reverse("deals:deal_list")).status_code == 403
    assert client.get(reverse("deals:customer_ledger", args=[deal.customer_id])).status_code == 403


def test_sales1_records_a_deal_delivery_and_two_payments_on_the_pages(client, people, customer, product):
    client.force_login(people.sales1)
    url = reverse("deals:deal_create") + f"?customer={customer.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "product": product.pk,
            "number": "PD777",
            "amount": "1200.00",
            "issued_on": (TODAY - timedelta(days=3)).isoformat(),
            "instalment_1_amount": "700",
            "instalment_1_due": TODAY.isoformat(),
            "instalment_2_amount": "500",
            "instalment_2_due": (TODAY + timedelta(days=30)).isoformat(),
            "renewal_on": (TODAY + timedelta(days=365)).isoformat(),
        },
    )
    deal = Deal.objects.get(number="PD777")
    assert response.status_code == 302 and response["Location"] == deal.get_absolute_url()

    client.post(
        reverse("deals:deal_delivery", args=[deal.pk]), {"delivered_on": (TODAY - timedelta(days=2)).isoformat()}
    )
    pay = reverse("deals:deal_entry_create", args=[deal.pk, "payment"])
    assert client.post(pay, {"amount": "700", "entry_on": TODAY.isoformat(), "idempotency_key": "a"}).status_code == 302
    # A double submit of the same form (same key) lands once.
    client.post(pay, {"amount": "700", "entry_on": TODAY.isoformat(), "idempotency_key": "a"})
    too_much = client.post(pay, {"amount": "900", "entry_on": TODAY.isoformat(), "idempotency_key": "b"})
    assert too_much.status_code == 200
    assert "¥900.00" in too_much.content.decode() and LedgerEntry.objects.filter(kind="payment").count() == 1
    client.post(pay, {"amount": "500", "entry_on": TODAY.isoformat(), "idempotency_key": "c"})
    record_call(customer_id=customer.pk, called_on=TODAY, recorded_by=people.sales1, note="回访")  # no deal

    deal.refresh_from_db()
    assert (deal.status, deal.delivered_on) == (Deal.Status.PAID, TODAY - timedelta(days=2))
    ledger = client.get(reverse("deals:customer_ledger", args=[customer.pk]))
    assert ledger.context["summary"].balance == Decimal("0.00")
    assert [e.balance for e in ledger.context["page_obj"]] == [Decimal(v) for v in ("1200", "1200", "500", "0", "0")]
    assert "回访" in ledger.content.decode()


def test_the_deal_form_warns_about_the_agreed_price(client, people, customer, product):
    set_price_agreement(
        customer_id=customer.pk, product=product, price="980", valid_from=TODAY, created_by=people.sales1
    )
    client.force_login(people.sales1)
    check = client.get(
        reverse("deals:price_check"),
        {"customer": customer.pk, "product": product.pk, "amount": "1000"},
        HTTP_HX_REQUEST="true",
    )
    assert "¥980.00" in check.content.decode()
    url = reverse("deals:deal_create") + f"?customer={customer.pk}"
    data = {"product": product.pk, "number": "PD9", "amount": "1000", "issued_on": TODAY.isoformat()}
    assert client.post(url, data).status_code == 200
    assert not Deal.objects.exists()
    assert client.post(url, {**data, "confirm_price": "on"}).status_code == 302


def test_the_dates_out_of_order_message_is_shown(client, people, deal):
    client.force_login(people.sales1)
    response = client.post(
        reverse("deals:deal_entry_create", args=[deal.pk, "payment"]),
        {"amount": "10", "entry_on": (deal.issued_on - timedelta(days=1)).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "before the order was issued" in response.content.decode()
    assert LedgerEntry.objects.filter(kind="payment").count() == 0


def test_ledger_export_is_formula_safe(client, people, deal):
    record_payment(deal_id=deal.pk, amount="600", paid_on=TODAY, recorded_by=people.sales1, note="-1+1")
    client.force_login(people.manager1)
    response = client.get(reverse("deals:customer_ledger_export", args=[deal.customer_id]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[2][4:8] == (600, -600, 400, "-1+1")
    note = sheet.cell(row=3, column=8)
    assert (note.data_type, note.quotePrefix) == ("s", True)  # stored as text, never run


def test_receivables_and_renewals_pages(client, people, deal):
    client.force_login(people.manager1)
    page = client.get(reverse("deals:receivables"))
    assert [i.pk for i in page.context["page_obj"]] == [deal.instalments.get(sequence=1).pk]
    assert page.context["teams"][0].outstanding == Decimal("1000.00")
    export = client.get(reverse("deals:receivables_export"))
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True))
    assert rows[1][1:4] == ("=HYPERLINK(1)车行", "PD001", 1)
    renewals = client.get(reverse("deals:renewal_list"))
    assert [d.pk for d in renewals.context["page_obj"]] == [deal.pk]


def test_manager_sees_the_history_on_the_deal_page(client, people, deal):
    client.force_login(people.manager1)
    assert len(client.get(deal.get_absolute_url()).context["history"]) >= 1
    client.force_login(people.sales1)
    assert client.get(deal.get_absolute_url()).context["history"] == []


@pytest.mark.parametrize("rows", [5, 50])
def test_list_pages_query_count_does_not_grow(client, people, customer, product, rows, django_assert_max_num_queries):
    for n in range(rows):
        d = create_deal(
            created_by=people.sales1,
            customer_id=customer.pk,
            product=product,
            number=f"N{n}",
            amount="100",
            issued_on=TODAY - timedelta(days=40),
            renewal_on=TODAY + timedelta(days=5),
        )
        record_payment(deal_id=d.pk, amount="10", paid_on=TODAY, recorded_by=people.sales1)
    client.force_login(people.manager1)
    for url in (
        reverse("deals:deal_list"),
        reverse("deals:receivables"),
        reverse("deals:renewal_list"),
        reverse("deals:customer_ledger", args=[customer.pk]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_showcase_photo_needs_consent_and_is_served_only_within_visibility(client, people, deal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.deals.demo import _photo

    client.force_login(people.sales1)
    url = reverse("deals:customer_showcase", args=[deal.customer_id])
    upload = {"image": SimpleUploadedFile("a.jpg", _photo("x").read(), "image/jpeg"), "consent_by": "王经理"}
    upload["consent_on"] = TODAY.isoformat()
    assert client.post(url, upload).status_code == 200  # no consent ticked: refused, nothing stored
    assert deal.customer.showcase_photos.count() == 0
    upload["image"] = SimpleUploadedFile("a.jpg", _photo("x").read(), "image/jpeg")
    assert client.post(url, {**upload, "consent": "on"}).status_code == 302
    photo = deal.customer.showcase_photos.get()
    assert client.get(reverse("deals:showcase_photo_image", args=[photo.pk])).status_code == 200
    client.force_login(people.sales3)
    assert client.get(reverse("deals:showcase_photo_image", args=[photo.pk])).status_code == 404


@pytest.mark.parametrize("rows", [5, 40])
def test_receivables_count_the_overdue_once_in_fixed_queries(
    client, people, customer, product, rows, django_assert_num_queries
):
    for n in range(rows):
        create_deal(
            created_by=people.sales1,
            customer_id=customer.pk,
            product=product,
            number=f"R{n}",
            amount="100",
            issued_on=TODAY - timedelta(days=40),
            instalments=[("100", TODAY - timedelta(days=10))],
        )
    client.force_login(people.manager1)

    # session, user, the ids of the deals the manager sees (issue #24: one query instead of the UNION inside
    # each of the next four), balances, overdue per salesperson, people, credits, notifications, the page's
    # instalments
    with django_assert_num_queries(9):
        response = client.get(reverse("deals:receivables"), headers={"accept-language": "en"})

    page = response.context["page_obj"]
    assert page.paginator.count == rows  # from the per-salesperson lines, not a COUNT of its own
    assert len(page) == min(rows, 30)
    assert ("Page 1 of 2" in response.content.decode()) is (rows > 30)


@pytest.mark.parametrize("page", ["deals:customer_showcase", "deals:customer_flyer"])
def test_the_showcase_and_flyer_pages_show_the_photos_and_they_load(client, people, deal, settings, tmp_path, page):
    from datetime import date

    from django.core.files.base import ContentFile

    from accounts.deals.models import ShowcasePhoto
    from tests.files import image_sources, jpeg

    settings.MEDIA_ROOT = tmp_path
    photo = ShowcasePhoto(
        customer=deal.customer,
        caption="车队交车",
        consent=True,
        consent_by="王经理",
        consent_on=date(2026, 11, 2),
        created_by=people.sales1,
    )
    photo.image.save("x.jpg", ContentFile(jpeg((9, 9, 9))), save=True)
    client.force_login(people.manager1)

    (source,) = image_sources(client.get(reverse(page, args=[deal.customer_id])).content.decode(), alt="车队交车")
    response = client.get(source)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo.image.storage.open(photo.image.name).read()
