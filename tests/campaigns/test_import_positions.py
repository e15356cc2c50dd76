"""An imported list's customers get positions: from the list's own coordinates (kept as "imported"), or looked
up from their address in the background, with the count on the import's page."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.customers.models import Customer
from accounts.customers.services import GEOCODE_TASK, record_geocode_answer
from campaigns.models import ImportedCustomer, ImportRowIssue
from campaigns.services import commit_prospect_import, request_import_check, start_prospect_import
from crm.models import PendingTask

Lookup = Customer.GeocodeStatus
Source = Customer.LocationSource


@pytest.fixture
def geocoder_on(settings):
    settings.CRM = {**settings.CRM, "GEOCODER": "amap", "GEOCODER_KEY": "k"}


def imported(user, body, header="单位名称,电话,所在区,地址\n"):
    upload = SimpleUploadedFile("list.csv", (header + body).encode(), content_type="text/csv")
    prospect_import = request_import_check(prospect_import=start_prospect_import(created_by=user, uploaded_file=upload))
    commit_prospect_import(import_id=prospect_import.pk)
    prospect_import.refresh_from_db()
    return prospect_import


def customer(name):
    return Customer.objects.get(unit_name=name)


@pytest.mark.django_db
def test_the_imported_addresses_wait_for_one_lookup_task(people, routed, geocoder_on):
    prospect_import = imported(
        people.info1,
        "南山物流,13800000001,南山区,科技园路1号\n福田商贸,13800000002,福田区,\n宝安五金,13800000003,宝安区,宝安大道8号\n",
    )

    assert sorted(
        ImportedCustomer.objects.filter(prospect_import=prospect_import).values_list("customer__unit_name", flat=True)
    ) == [
        "南山物流",
        "宝安五金",
        "福田商贸",
    ]
    assert [customer(name).geocode_status for name in ("南山物流", "福田商贸", "宝安五金")] == [
        Lookup.PENDING,
        Lookup.NONE,
        Lookup.PENDING,
    ]
    assert PendingTask.objects.filter(task=GEOCODE_TASK).count() == 1


@pytest.mark.django_db
def test_a_list_with_coordinates_keeps_them_and_asks_nothing(people, routed, geocoder_on):
    imported(
        people.info1,
        "南山物流,13800000001,南山区,科技园路1号,22.540000,113.934000\n",
        header="单位名称,电话,所在区,地址,纬度,经度\n",
    )

    found = customer("南山物流")
    assert (found.latitude, found.longitude, found.location_source, found.geocode_status) == (
        Decimal("22.540000"),
        Decimal("113.934000"),
        Source.IMPORTED,
        Lookup.NONE,
    )
    assert PendingTask.objects.filter(task=GEOCODE_TASK).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("latitude", "longitude"), [("22.54", ""), ("95", "113.9"), ("北纬", "113.9"), ("NaN", "113.9")]
)
def test_a_bad_position_in_the_list_is_a_row_error(people, routed, english, latitude, longitude):
    upload = SimpleUploadedFile(
        "list.csv",
        f"单位名称,电话,纬度,经度\n南山物流,13800000001,{latitude},{longitude}\n".encode(),
        content_type="text/csv",
    )

    prospect_import = request_import_check(
        prospect_import=start_prospect_import(created_by=people.info1, uploaded_file=upload)
    )

    assert prospect_import.valid_rows == 0
    assert list(ImportRowIssue.objects.values_list("row_number", "message")) == [
        (2, "not a position: give both latitude and longitude in degrees")
    ]


@pytest.mark.django_db
def test_the_import_page_counts_the_positions_found(client, people, routed, geocoder_on, english):
    rows = "".join(f"单位{n},1380000{n:04d},南山区,科技园路{n}号\n" for n in range(5)) + "无地址,13800009999,南山区,\n"
    prospect_import = imported(people.info1, rows)
    for n, outcome in enumerate(["found", "found", "not_found"]):
        record_geocode_answer(
            customer_id=customer(f"单位{n}").pk,
            query=f"南山区科技园路{n}号",
            provider="amap",
            outcome=outcome,
            latitude=Decimal("22.54") if outcome == "found" else None,
            longitude=Decimal("113.93") if outcome == "found" else None,
        )
    client.force_login(people.info1)

    page = client.get(prospect_import.get_absolute_url(), headers={"accept-language": "en"}).content.decode()
    poll = client.get(f"/imports/{prospect_import.pk}/progress/?part=positions", headers={"accept-language": "en"})

    assert "Positions: 2 of 6 found, 1 not found. 2 still to look up…" in page
    assert "1 have no address to look up." in page
    assert 'hx-trigger="every 3s"' in poll.content.decode()
    assert "Positions: 2 of 6 found, 1 not found." in poll.content.decode()


@pytest.mark.django_db
def test_the_page_stops_polling_when_every_lookup_is_answered(client, people, routed, geocoder_on, english):
    prospect_import = imported(people.info1, "南山物流,13800000001,南山区,科技园路1号\n")
    record_geocode_answer(
        customer_id=customer("南山物流").pk, query="南山区科技园路1号", provider="amap", outcome="not_found"
    )
    client.force_login(people.info1)

    body = client.get(
        f"/imports/{prospect_import.pk}/progress/?part=positions", headers={"accept-language": "en"}
    ).content.decode()

    assert "Positions: 0 of 1 found, 1 not found." in body
    assert "hx-trigger" not in body
