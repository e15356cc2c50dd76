"""Service tool pages and API: visibility, a quote and a check-up made on the pages, constant query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.deals.models import Deal
from accounts.service_tools.models import PolicyCheckup, Quote
from accounts.service_tools.services import create_policy_checkup, create_quote
from crm.dates import local_today
from tests.accounts.factories import CustomerFactory

D = Decimal
TODAY = local_today()
INPUTS = {"seats": "5", "vehicle_value": "158000", "sums": {"third_party": "1000000"}}

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


@pytest.fixture
def quote(car, customer, people):
    return create_quote(
        created_by=people.sales1,
        customer_id=customer.pk,
        product=car,
        coverages=["damage", "third_party", "passengers", "theft"],
        inputs=INPUTS,
    )


@pytest.fixture
def checkup(car, checklist, customer, people):
    c = car.coverage_map
    return create_policy_checkup(
        created_by=people.sales1,
        customer_id=customer.pk,
        policies=[
            {
                "insurer": "平安财险",
                "expires_on": TODAY + timedelta(days=20),
                "sums": {str(c["ctp"].pk): "200000", str(c["third_party"].pk): "500000"},
            }
        ],
    )


def test_sales1_quotes_on_the_phone_and_shows_it_full_screen(client, people, car, customer):
    client.force_login(people.sales1)
    url = reverse("service_tools:quote_create") + f"?customer={customer.pk}&product={car.pk}"
    form = {
        "coverages": ["damage", "third_party", "passengers", "theft"],
        "seats": "5",
        "vehicle_value": "158000",
        "sum_third_party": "1000000",
    }
    preview = client.post(url, {**form, "action": "preview"}, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    assert "¥5561.00" in preview.content.decode()
    assert Quote.objects.count() == 0
    response = client.post(url, {**form, "action": "save"})
    quote = Quote.objects.get()
    assert response.url == reverse("service_tools:quote_detail", args=[quote.pk])
    assert (quote.total, quote.customer_id, quote.created_by_id) == (D("5561.00"), customer.pk, people.sales1.pk)
    page = client.get(reverse("service_tools:quote_present", args=[quote.pk])).content.decode()
    assert "¥5,561.00" in page
    assert "style=" not in page
    assert "<script>" not in page


def test_out_of_range_input_is_shown_on_its_field_and_nothing_saved(client, people, car, customer):
    client.force_login(people.sales1)
    url = reverse("service_tools:quote_create") + f"?customer={customer.pk}&product={car.pk}"
    response = client.post(url, {"seats": "80", "vehicle_value": "158000", "sum_third_party": "", "action": "save"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "80 is outside the rate table of 交强险, which runs from 1 to 60." in body
    assert Quote.objects.count() == 0


def test_a_quote_becomes_a_deal_on_the_page(client, people, quote):
    client.force_login(people.sales1)
    response = client.post(
        reverse("service_tools:quote_deal", args=[quote.pk]),
        {"number": "PDAA2026200", "issued_on": TODAY.isoformat()},
    )
    deal = Deal.objects.get()
    assert response.url == deal.get_absolute_url()
    assert (deal.amount, deal.number) == (D("5561.00"), "PDAA2026200")
    quote.refresh_from_db()
    assert quote.deal_id == deal.pk


def test_sales1_runs_a_checkup_on_the_page_and_prints_the_report(client, people, car, checklist, customer):
    client.force_login(people.sales1)
    c = car.coverage_map
    expires = TODAY + timedelta(days=200)
    response = client.post(
        reverse("service_tools:checkup_create") + f"?customer={customer.pk}",
        {
            "p1_insurer": "人保财险",
            "p1_expires_on": expires.isoformat(),
            "p1_premium": "4200",
            f"p1_c{c['ctp'].pk}": "200000",
            f"p1_c{c['damage'].pk}": "150000",
            f"p1_c{c['third_party'].pk}": "2000000",
            f"p1_c{c['passengers'].pk}": "10000",
        },
    )
    checkup = PolicyCheckup.objects.get()
    assert response.url == checkup.get_absolute_url()
    # Only 盗抢险 is missing (weight 10 of 100).
    assert (checkup.score, [gap["title"] for gap in checkup.gaps]) == (90, ["没有盗抢险"])
    customer.refresh_from_db()
    assert (customer.renewal_month, customer.current_insurer) == (expires.month, "人保财险")
    report = client.get(reverse("service_tools:checkup_report", args=[checkup.pk])).content.decode()
    assert "90" in report and "车辆常停" not in report and "车上人员" in report


def test_an_empty_checkup_is_refused_with_a_message(client, people, car, checklist, customer):
    client.force_login(people.sales1)
    response = client.post(reverse("service_tools:checkup_create") + f"?customer={customer.pk}", {})
    assert "Enter at least one current policy." in response.content.decode()
    assert PolicyCheckup.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("sales1", 200), ("sales2", 404), ("manager1", 200), ("manager2", 404), ("admin", 200), ("info1", 403)],
)
def test_quote_and_checkup_pages_follow_customer_visibility(client, people, quote, checkup, who, status):
    client.force_login(getattr(people, who))
    for name, pk in (
        ("quote_detail", quote.pk),
        ("quote_present", quote.pk),
        ("checkup_detail", checkup.pk),
        ("checkup_report", checkup.pk),
    ):
        assert client.get(reverse(f"service_tools:{name}", args=[pk])).status_code == status, name
    new_quote = reverse("service_tools:quote_create") + f"?customer={quote.customer_id}"
    assert client.get(new_quote).status_code == (403 if who == "info1" else status)


@pytest.mark.parametrize(("who", "count"), [("sales1", 1), ("sales2", 0), ("manager1", 1), ("info1", 0)])
def test_api_lists_follow_visibility(client, people, quote, checkup, who, count):
    client.force_login(getattr(people, who))
    assert client.get("/api/quotes/").json()["count"] == count
    assert client.get("/api/policy-checkups/").json()["count"] == count
    assert client.get(f"/api/quotes/{quote.pk}/").status_code == (200 if count else 404)


def test_the_checkup_score_filter_takes_whole_numbers_only(client, people, checkup):
    client.force_login(people.sales1)
    score = PolicyCheckup.objects.get(pk=checkup.pk).score

    at_most = client.get("/api/policy-checkups/", {"score__lte": score}).json()
    below = client.get("/api/policy-checkups/", {"score__lte": score - 1}).json()
    refused = client.get("/api/policy-checkups/", {"score__lte": "0.5"})

    assert [row["id"] for row in at_most["results"]] == [checkup.pk]
    assert below["count"] == 0
    assert refused.status_code == 400
    assert list(refused.json()) == ["score__lte"]


def test_api_prices_a_quote_and_refuses_bad_input(client, people, car, customer):
    client.force_login(people.sales1)
    body = {"customer": customer.pk, "product": car.pk, "coverages": ["damage"], "inputs": INPUTS}
    response = client.post("/api/quotes/", body, content_type="application/json")
    assert response.status_code == 201
    # 交强险 950.00 + 车损险 2259.00 = 3209.00
    assert (response.json()["total"], [line["premium"] for line in response.json()["lines"]]) == (
        "3209.00",
        ["950.00", "2259.00"],
    )
    bad = {**body, "inputs": {"seats": "5"}}
    response = client.post("/api/quotes/", bad, content_type="application/json")
    assert (response.status_code, response.json()) == (400, {"vehicle_value": ["Enter the Vehicle value (CNY)."]})
    other = CustomerFactory(unit_name="别人的客户")
    response = client.post("/api/quotes/", {**body, "customer": other.pk}, content_type="application/json")
    assert response.status_code == 400
    assert Quote.objects.count() == 1


def test_api_products_show_the_tables_in_force(client, people, car):
    client.force_login(people.sales1)
    products = client.get("/api/products/").json()["results"]
    assert [product["code"] for product in products] == ["motor-package"]
    third_party = products[0]["coverages"][2]
    assert third_party["rate_tables"][0]["bands"][0] == {
        "lower": "100000.00",
        "upper": "500000.00",
        "base_premium": "900.00",
        "rate_percent": None,  # not part of this band's price: empty, never a 0.00
        "unit_premium": None,
    }


def test_api_checkup_create(client, people, car, checklist, customer):
    client.force_login(people.sales1)
    c = car.coverage_map
    body = {
        "customer": customer.pk,
        "policies": [
            {
                "insurer": "太平洋财险",
                "expires_on": (TODAY + timedelta(days=90)).isoformat(),
                "sums": {str(c["ctp"].pk): "200000", str(c["third_party"].pk): "1000000"},
            }
        ],
    }
    response = client.post("/api/policy-checkups/", body, content_type="application/json")
    assert response.status_code == 201
    # Missing 车上人员 (20), 车损 (15), 盗抢 (10): 100 − 45 = 55.
    assert response.json()["score"] == 55


@pytest.mark.parametrize("rows", [5, 50])
def test_list_pages_query_count_does_not_grow(client, people, car, customer, rows, django_assert_max_num_queries):
    for _ in range(rows):
        create_quote(
            created_by=people.sales1, customer_id=customer.pk, product=car, coverages=["damage"], inputs=INPUTS
        )
        create_policy_checkup(
            created_by=people.sales1,
            customer_id=customer.pk,
            policies=[{"insurer": "人保", "expires_on": TODAY, "sums": {str(car.coverage_map["ctp"].pk): "1"}}],
        )
    client.force_login(people.sales1)
    for url in (
        reverse("service_tools:quote_list"),
        reverse("service_tools:checkup_list"),
        reverse("service_tools:home"),
        reverse("service_tools:product_list"),
        "/api/quotes/",
        "/api/policy-checkups/",
        "/api/products/",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"
