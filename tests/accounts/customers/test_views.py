import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.customers.models import Customer
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory
from tests.territories.factories import channel_type

ID_PATTERN = re.compile(r'data-customer-id="(\d+)"')


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scoped(owned_tree, people):
    """One customer per corner of the visibility rules (DESIGN.md §4)."""
    return {
        "s1_territory": CustomerFactory(
            unit_name="甲-南山车友", territory=owned_tree["nanshan_clubs"], owner=people.sales1
        ),
        "s2_territory": CustomerFactory(
            unit_name="乙-南山企业", territory=owned_tree["nanshan_smes"], owner=people.sales2
        ),
        "s3_territory": CustomerFactory(
            unit_name="丙-福田车友", territory=owned_tree["futian_clubs"], owner=people.sales3
        ),
        "unowned_territory": CustomerFactory(unit_name="丁-无主渠道", territory=owned_tree["futian_smes"], owner=None),
        "s1_held_elsewhere": CustomerFactory(
            unit_name="戊-甲持有", territory=owned_tree["futian_smes"], owner=people.sales1
        ),
        "queue": CustomerFactory(unit_name="己-待分配", territory=None, owner=None, district="宝安区"),
    }


EXPECTED = {
    "sales1": {"s1_territory", "s1_held_elsewhere"},
    "sales2": {"s2_territory"},
    "sales3": {"s3_territory"},
    "manager1": {"s1_territory", "s2_territory", "s1_held_elsewhere"},
    "manager2": {"s3_territory"},
    "info1": set(),
    "admin": {"s1_territory", "s2_territory", "s3_territory", "unowned_territory", "s1_held_elsewhere", "queue"},
}


def _ids(response) -> set[int]:
    return {int(pk) for pk in ID_PATTERN.findall(response.content.decode())}


def _through_list(client, scoped):
    response = client.get(reverse("accounts:customer_list"))
    return _ids(response) if response.status_code == 200 else set()


def _through_detail(client, scoped):
    return {c.pk for c in scoped.values() if client.get(c.get_absolute_url()).status_code == 200}


def _through_edit(client, scoped):
    return {
        c.pk for c in scoped.values() if client.get(reverse("accounts:customer_edit", args=[c.pk])).status_code == 200
    }


def _through_api_list(client, scoped):
    response = client.get("/api/customers/")
    return {row["id"] for row in response.json()["results"]}


def _through_api_detail(client, scoped):
    return {c.pk for c in scoped.values() if client.get(f"/api/customers/{c.pk}/").status_code == 200}


def _through_export(client, scoped):
    response = client.get(reverse("accounts:customer_export"))
    if response.status_code != 200:
        return set()
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    return {c.pk for c in scoped.values() if c.unit_name in names}


def _through_search(client, scoped):
    found = set()
    for customer in scoped.values():
        response = client.get(reverse("accounts:customer_list"), {"q": customer.unit_name})
        if response.status_code == 200:
            found |= _ids(response)
    return found


@pytest.mark.parametrize(
    "door",
    [
        _through_list,
        _through_detail,
        _through_edit,
        _through_api_list,
        _through_api_detail,
        _through_export,
        _through_search,
    ],
)
@pytest.mark.parametrize("who", list(EXPECTED))
def test_visibility_matrix(client, people, scoped, who, door):
    client.force_login(getattr(people, who))

    assert door(client, scoped) == {scoped[key].pk for key in EXPECTED[who]}


def test_info_staff_do_not_get_the_list_or_the_export(client, people, scoped):
    client.force_login(people.info1)

    assert client.get(reverse("accounts:customer_list")).status_code == 403
    assert client.get(reverse("accounts:customer_export")).status_code == 403


def test_reassignment_is_seen_by_the_next_request(client, people, scoped, owned_tree):
    client.force_login(people.sales3)
    before = _through_list(client, scoped)

    assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales3, assigned_by=people.admin)

    assert before == {scoped["s3_territory"].pk}
    assert _through_list(client, scoped) == {scoped["s3_territory"].pk, scoped["s1_territory"].pk}
    client.force_login(people.sales1)
    assert _through_list(client, scoped) == {scoped["s1_held_elsewhere"].pk}


def test_the_territory_filter_includes_sub_territories(client, people, scoped, owned_tree):
    client.force_login(people.admin)

    response = client.get(reverse("accounts:customer_list"), {"territory": owned_tree["nanshan"].pk})

    assert _ids(response) == {scoped["s1_territory"].pk, scoped["s2_territory"].pk}


def test_filters_by_status_channel_and_phone(client, people, owned_tree):
    wanted = CustomerFactory(
        territory=owned_tree["nanshan_clubs"],
        owner=people.sales1,
        status=Customer.Status.KEY_ACCOUNT,
        channel_type=channel_type("car-clubs"),
        phone="+8613700001111",
        renewal_month=6,
    )
    CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.sales1)

    for params in (
        {"status": "key_account"},
        {"channel_type": channel_type("car-clubs").pk},
        {"q": "137 0000 1111"},
        {"q": "00001111"},
        {"renewal_month": 6},
    ):
        assert _ids(client.get(reverse("accounts:customer_list"), params)) == {wanted.pk}, params


def test_an_out_of_scope_territory_in_the_filter_reveals_nothing(client, people, scoped, owned_tree):
    client.force_login(people.sales1)

    response = client.get(reverse("accounts:customer_list"), {"territory": owned_tree["futian_clubs"].pk})

    assert scoped["s3_territory"].pk not in _ids(response)


@pytest.mark.parametrize("rows", [5, 50])
def test_list_page_query_count_does_not_grow(client, people, owned_tree, django_assert_max_num_queries, rows):
    CustomerFactory.create_batch(rows, territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.manager1)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:customer_list"))

    assert len(_ids(response)) == min(rows, 25)


# session, user, the count, unread notifications, the filter's territories, channel types and owners, the
# page; a salesperson's list also reads the day plan its rows can be added to.
LIST_QUERIES = {"sales1": 9, "manager1": 8, "admin": 8}


@pytest.mark.parametrize("who", LIST_QUERIES)
@pytest.mark.parametrize("rows", [5, 60])
def test_every_page_of_the_list_takes_the_same_queries(
    client, people, owned_tree, django_assert_num_queries, who, rows
):
    """The page is read by branch of the visibility rule (CustomerQuerySet.visible_slice): one query whatever the
    page, the role or the number of customers."""
    customers = CustomerFactory.create_batch(rows, territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    newest_first = sorted(customers, key=lambda customer: (customer.created_at, customer.pk), reverse=True)
    client.force_login(getattr(people, who))
    client.get(reverse("accounts:customer_list"))
    last_page = (rows - 1) // 25 + 1

    with django_assert_num_queries(LIST_QUERIES[who]):
        response = client.get(reverse("accounts:customer_list"), {"page": last_page})

    assert _ids(response) == {customer.pk for customer in newest_first[(last_page - 1) * 25 :]}


@pytest.mark.parametrize("rows", [5, 50])
def test_api_list_query_count_does_not_grow(client, people, owned_tree, django_assert_max_num_queries, rows):
    CustomerFactory.create_batch(rows, territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.manager1)

    with django_assert_max_num_queries(8):
        response = client.get("/api/customers/")

    assert response.json()["count"] == rows


def test_export_is_formula_safe(client, people, owned_tree):
    CustomerFactory(
        unit_name='=HYPERLINK("http://evil.example","点我")', territory=owned_tree["nanshan_clubs"], owner=people.sales1
    )
    client.force_login(people.sales1)

    response = client.get(reverse("accounts:customer_export"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://evil.example","点我")'
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert sheet["B2"].data_type == "s"  # a phone starting with + stays text too


def test_the_htmx_list_returns_only_the_results_partial(client, people, scoped):
    client.force_login(people.sales1)

    body = client.get(reverse("accounts:customer_list"), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in body
    assert _ids(client.get(reverse("accounts:customer_list"), HTTP_HX_REQUEST="true")) == {
        scoped["s1_territory"].pk,
        scoped["s1_held_elsewhere"].pk,
    }


def test_the_customer_page_shows_the_business_card_and_it_loads(client, people, owned_tree):
    from django.core.files.base import ContentFile

    from tests.files import image_sources, jpeg

    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    customer.business_card.save("card.jpg", ContentFile(jpeg((1, 2, 3))), save=True)
    client.force_login(people.manager1)

    page = client.get(customer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    (source,) = image_sources(page, alt="Business card")
    response = client.get(source)
    assert response.status_code == 200
    card = customer.business_card
    assert b"".join(response.streaming_content) == card.storage.open(card.name).read()
