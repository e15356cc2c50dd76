"""The set-based import writes what the row-by-row service writes, all or nothing; the commit checks again only
what changed since the dry run, without letting through a row the dry run refused."""

import pytest
from django.db import transaction

from accounts.customers.models import Contact, Customer, OwnerChange
from accounts.customers.services import ProspectCapReached, register_customer
from campaigns.models import ImportRowIssue, ProspectImport
from campaigns.prospect_files import check_row
from campaigns.services import commit_prospect_import, request_import_commit
from campaigns.services import imports as import_services
from tests.accounts.factories import CustomerFactory
from tests.campaigns.test_imports import checked, csv_upload

pytestmark = pytest.mark.django_db

ROWS = (
    "南山物流,张三,13800000001,南山区,科技园1号,物流\n"
    "福田商贸,王五,13800000002,福田区,,\n"
    "宝安五金,周九,13800000003,宝安区,,五金\n"
    "南山汽修,,13800000004,南山区,南海大道8号,\n"
    "福田餐饮,李四,,福田区,福华路1号,\n"
)


class _Undo(Exception):
    pass


def _snapshot() -> dict:
    customers = Customer.objects.values_list(
        "unit_name",
        "phone",
        "district",
        "address",
        "business_type",
        "channel_type_id",
        "territory_id",
        "owner_id",
        "status",
        "source",
        "name_key",
        "address_key",
        "created_by_id",
        "location_source",
        "geocode_status",
    )
    return {
        "customers": sorted((*row[:1], str(row[1]), *row[2:]) for row in customers),
        "contacts": sorted(
            (name, str(mobile), unit)
            for name, mobile, unit in Contact.objects.values_list("name", "mobile", "customer__unit_name")
        ),
        "owner_changes": sorted(
            OwnerChange.objects.values_list(
                "customer__unit_name", "kind", "from_owner_id", "to_owner_id", "changed_by_id"
            )
        ),
        "history": sorted(
            (unit, kind, user, owner, territory, str(phone))
            for unit, kind, user, owner, territory, phone in Customer.history.values_list(
                "unit_name", "history_type", "history_user_id", "owner_id", "territory_id", "phone"
            )
        ),
    }


def test_the_bulk_commit_writes_the_same_customers_contacts_owner_changes_and_history_as_row_by_row(people, routed):
    prospect_import = checked(people.info1, csv_upload(ROWS))
    assert prospect_import.valid_rows == 5

    # The single-row service, one row at a time, with the rows as the import's check makes them; then undone.
    try:
        with transaction.atomic():
            for number, line in enumerate(ROWS.splitlines(), start=2):
                row = check_row(number, line.split(","), prospect_import.mapping_indexes)
                data = {key: value for key, value in row.data.items() if value}
                contact_name = data.pop("contact_name", "")
                data.update(source=Customer.Source.IMPORT, status=Customer.Status.PROSPECT)
                register_customer(
                    created_by=people.info1,
                    data=data,
                    contacts=[{"name": contact_name, "mobile": data.get("phone", "")}] if contact_name else [],
                )
            row_by_row = _snapshot()
            raise _Undo
    except _Undo:
        pass
    assert Customer.objects.count() == 0

    request_import_commit(prospect_import=prospect_import)

    bulk = _snapshot()
    assert bulk == row_by_row
    assert len(bulk["customers"]) == 5 and len(bulk["history"]) == 5 and len(bulk["contacts"]) == 4
    assert {row[1] for row in bulk["history"]} == {"+"}
    assert [row[3] for row in bulk["owner_changes"]] == [
        people.sales1.pk,
        people.sales1.pk,
        people.sales3.pk,
        people.sales3.pk,
    ]


def test_a_bad_row_near_the_end_leaves_nothing_of_the_import(people, routed, settings, monkeypatch, english):
    """35 rows for sales1 in batches of 10: the cap refuses the last batch; the first three are undone."""
    monkeypatch.setattr(import_services, "BATCH_SIZE", 10)
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 34}
    body = "".join(f"南山单位{n},张,138{n:08d},南山区,,\n" for n in range(35))
    prospect_import = checked(people.info1, csv_upload(body))
    assert prospect_import.valid_rows == 35

    with pytest.raises(ProspectCapReached):
        commit_prospect_import(import_id=prospect_import.pk)

    assert Customer.objects.count() == Contact.objects.count() == OwnerChange.objects.count() == 0
    assert Customer.history.count() == 0
    prospect_import.refresh_from_db()
    assert prospect_import.status == ProspectImport.Status.VALIDATED
    assert (
        prospect_import.message == "张 would hold more than 34 prospects after this import."
        or "34" in prospect_import.message
    )


def test_the_commit_still_skips_a_customer_registered_after_the_dry_run(people, routed):
    prospect_import = checked(people.info1, csv_upload(ROWS))
    CustomerFactory(unit_name="别的名字", phone="+8613800000002", district="罗湖区")  # same phone as row 3

    request_import_commit(prospect_import=prospect_import)

    prospect_import.refresh_from_db()
    assert prospect_import.created_count == 4
    assert not Customer.objects.filter(unit_name="福田商贸").exists()


def test_the_commit_keeps_refusing_what_the_dry_run_refused_even_if_unchanged_since(people, routed):
    old = CustomerFactory(unit_name="老客户", phone="+8613900000009", district="南山区")
    body = ROWS + "老客户二,钱七,13900000009,南山区,,\n"  # row 7: the phone of a customer older than the dry run
    prospect_import = checked(people.info1, csv_upload(body))
    assert list(ImportRowIssue.objects.values_list("row_number", "kind")) == [(7, "duplicate_existing")]

    request_import_commit(prospect_import=prospect_import)

    prospect_import.refresh_from_db()
    assert prospect_import.created_count == 5
    assert list(Customer.objects.filter(phone="+8613900000009").values_list("pk", flat=True)) == [old.pk]
