"""crm.bulk_insert writes exactly the values it is given (COPY's escaping on PostgreSQL, parameters elsewhere)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.customers.models import Customer
from crm.bulk_insert import insert_rows
from crm.models import Notification

pytestmark = pytest.mark.django_db

AWKWARD = ["tab\there", "new\nline", "back\\slash \\N", "cr\r", "", "\\", "中文 & <b>", "'quoted' \"twice\""]


def test_text_with_copy_escapes_and_datetimes_come_back_as_given(people):
    moment = datetime(2026, 3, 2, 20, 30, 15, 123456, tzinfo=UTC)
    rows = [
        (people.sales1.pk, "test", text, f"/x/{n}", moment, None if n % 2 else moment) for n, text in enumerate(AWKWARD)
    ]

    with CaptureQueriesContext(connection) as queries:
        ids = insert_rows(
            Notification, ["recipient_id", "kind", "text", "link", "created_at", "read_at"], rows, returning_ids=True
        )

    # PostgreSQL: the ids from the sequence, then one COPY; elsewhere one INSERT … RETURNING.
    assert len(queries) == (2 if connection.vendor == "postgresql" else 1)
    stored = {n.pk: n for n in Notification.objects.filter(pk__in=ids)}
    assert [stored[pk].text for pk in ids] == AWKWARD
    assert [stored[pk].link for pk in ids] == [f"/x/{n}" for n in range(len(AWKWARD))]
    assert {stored[pk].created_at for pk in ids} == {moment}
    assert [stored[pk].read_at for pk in ids] == [None if n % 2 else moment for n in range(len(AWKWARD))]


def test_json_decimals_and_no_rows(people):
    assert insert_rows(Notification, ["recipient_id"], []) == []
    now = datetime(2026, 3, 2, tzinfo=UTC)
    columns = ["unit_name", "obstacles", "latitude", "longitude", "created_at", "updated_at", "version", "source"]
    from decimal import Decimal

    values = ["单位", ["price", "trust\t"], Decimal("23.021500"), Decimal("-113.1214"), now, now, 1, "import"]
    defaults = {"business_type": "", "phone": "", "email": "", "address": "", "district": "", "location_source": ""}
    defaults |= {"geocode_status": "", "geocode_provider": "", "geocoded_address": "", "geocode_attempts": 0}
    defaults |= {"geocode_message": "", "business_card": "", "current_insurer": "", "vehicle_type": "", "notes": ""}
    defaults |= {"status": "prospect", "intent": "", "obstacle_detail": "", "name_key": "", "name_head": ""}
    defaults |= {"address_key": ""}
    (pk,) = insert_rows(Customer, columns + list(defaults), [values + list(defaults.values())], returning_ids=True)

    customer = Customer.objects.get(pk=pk)
    assert (customer.unit_name, customer.obstacles, customer.latitude, customer.longitude) == (
        "单位",
        ["price", "trust\t"],
        Decimal("23.021500"),
        Decimal("-113.121400"),
    )
