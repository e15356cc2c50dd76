from accounts.customers.models import Customer
from tests.accounts.factories import CustomerFactory
from tests.territories.factories import channel_type


def test_registering_through_the_api_uses_the_same_rules(client, people, owned_tree):
    client.force_login(people.info1)
    assert client.post("/api/customers/", {"unit_name": "x"}, content_type="application/json").status_code == 403

    client.force_login(people.manager1)
    response = client.post(
        "/api/customers/",
        {
            "unit_name": "福田车友会",
            "district": "福田区",
            "channel_type": channel_type("car-clubs").pk,
            "contacts": [{"name": "周会长", "title": "会长", "mobile": "13800001234"}],
        },
        content_type="application/json",
    )

    customer = Customer.objects.get()
    assert response.status_code == 201
    # Routed to 福田车友会 (sales3, team two): outside manager1's scope, so only the id comes back.
    assert response.json() == {"id": customer.pk}
    assert (customer.territory, customer.owner) == (owned_tree["futian_clubs"], people.sales3)


def test_api_edit_needs_the_current_version(client, people, owned_tree):
    customer = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1)
    client.force_login(people.sales1)
    url = f"/api/customers/{customer.pk}/"

    missing = client.patch(url, {"unit_name": "新"}, content_type="application/json")
    ok = client.patch(url, {"unit_name": "新", "version": 1}, content_type="application/json")
    stale = client.patch(
        url, {"unit_name": "旧", "version": 1}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert missing.status_code == 400
    assert (ok.status_code, ok.json()["unit_name"], ok.json()["version"]) == (200, "新", 2)
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("Someone else saved this customer")


def test_api_refuses_a_bad_phone_and_a_bad_card(client, people, owned_tree):
    client.force_login(people.sales1)

    response = client.post(
        "/api/customers/",
        {"unit_name": "坏数据", "phone": "123"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert Customer.objects.count() == 0


def test_api_filters_with_the_list_filterset(client, people, owned_tree):
    wanted = CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, renewal_month=3)
    CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, renewal_month=4)
    client.force_login(people.sales1)

    rows = client.get("/api/customers/", {"renewal_month": 3, "ordering": "-unit_name"}).json()["results"]

    assert [row["id"] for row in rows] == [wanted.pk]
