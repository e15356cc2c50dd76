"""The set-based import writes what the row-by-row service writes, all or nothing; the commit checks again only
what changed since the dry run, without letting through a row the dry run refused."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

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


def _list_of(count: int, *, first: int = 0) -> str:
    """``count`` distinct prospects: a third each to 南山区 (sales1), 福田区 (sales3) and 罗湖区 (not routed: the
    queue); every other one with a contact, every third with an address."""
    districts = ["南山区", "福田区", "罗湖区"]
    return "".join(
        f"单位{n:04d}号,{'联系人' if n % 2 else ''},139{n:08d},{districts[n % 3]},{f'路{n}' if n % 3 == 0 else ''},\n"
        for n in range(first, first + count)
    )


def _commit_counting_queries(people, count: int, *, first: int) -> tuple[int, ProspectImport]:
    prospect_import = checked(people.info1, csv_upload(_list_of(count, first=first)))
    assert prospect_import.valid_rows == count
    with CaptureQueriesContext(connection) as queries:
        commit_prospect_import(import_id=prospect_import.pk)
    prospect_import.refresh_from_db()
    return len(queries), prospect_import


def test_a_commit_makes_as_many_queries_for_300_rows_as_for_6(people, routed, settings):
    """One batch: a fixed number of queries (the customers, their history rows, contacts, owner changes and the
    import's links, each one statement), whatever the number of rows."""
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 10_000}
    few, _ = _commit_counting_queries(people, 6, first=1000)
    many, prospect_import = _commit_counting_queries(people, 300, first=0)

    assert many == few
    assert prospect_import.created_count == 300


def test_a_commit_of_300_rows_stays_within_its_queries_and_writes_exactly_its_rows(
    people, routed, settings, django_assert_max_num_queries
):
    settings.CRM = {**settings.CRM, "MAX_PROSPECTS_PER_SALESPERSON": 10_000}
    prospect_import = checked(people.info1, csv_upload(_list_of(300)))

    # 20 on SQLite (the import, the dry run's refusals, routing of 3 districts, the cap, 5 inserts, savepoints);
    # PostgreSQL takes the customers' ids from their sequence first (21).
    with django_assert_max_num_queries(21):
        assert commit_prospect_import(import_id=prospect_import.pk) == 300

    imported = prospect_import.imported_customers.values_list("customer_id", flat=True)
    customers = Customer.objects.filter(pk__in=imported)
    assert customers.count() == Customer.objects.count() == len(imported) == 300
    assert Customer.history.filter(history_type="+", history_user=people.info1).count() == 300
    assert sorted(customers.values_list("unit_name", flat=True)) == [f"单位{n:04d}号" for n in range(300)]
    owners = {owner: customers.filter(owner=owner).count() for owner in (people.sales1, people.sales3, None)}
    assert owners == {people.sales1: 100, people.sales3: 100, None: 100}
    assert OwnerChange.objects.filter(kind=OwnerChange.Kind.REGISTERED, changed_by=people.info1).count() == 200
    assert Contact.objects.count() == 150
    assert set(Contact.objects.values_list("customer__phone", flat=True)) == set(
        Contact.objects.values_list("mobile", flat=True)
    )
    first = Customer.objects.get(unit_name="单位0000号")
    assert (str(first.phone), first.district, first.address, first.source, first.status, first.version) == (
        "+8613900000000",
        "南山区",
        "路0",
        "import",
        "prospect",
        1,
    )
    assert first.name_key and first.obstacles == [] and first.created_by == people.info1
    assert Customer.objects.filter(created_at__isnull=True).count() == 0
