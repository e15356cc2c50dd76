"""#22 item 4's gap: a customer that came through a partner is the partner's lead whichever door registered it
(the registration page and API, the inquiry desk and its API, a prospect import by page and API), all through
``attribute_customer_to_partner``'s rule; the partner's page then counts it. A bad partner is a 400 that
changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from campaigns.models import PhoneInquiry, ProspectImport
from campaigns.partners.models import PartnerLead
from campaigns.services import request_import_check, request_import_commit
from tests.campaigns.factories import PartnerFactory
from tests.campaigns.test_imports import csv_upload

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def shop(people):
    return PartnerFactory(name="星辉4S店", salesperson=people.sales1)


def assert_the_partner_page_counts(client, people, shop, unit_names):
    client.force_login(people.admin)
    response = client.get(shop.get_absolute_url())
    assert response.context["results"].leads == len(unit_names)
    assert sorted(lead.customer.unit_name for lead in response.context["leads"]) == sorted(unit_names)


def test_the_registration_page_takes_the_partner(client, people, routed, shop):
    client.force_login(people.sales1)
    response = client.post(
        reverse("accounts:customer_create"),
        {"unit_name": "表单线索", "district": "南山区", "source": "visit", "status": "prospect", "partner": shop.pk},
    )
    assert response.status_code == 302
    assert PartnerLead.objects.get().customer == Customer.objects.get(unit_name="表单线索")
    assert_the_partner_page_counts(client, people, shop, ["表单线索"])


def test_the_registration_page_refuses_an_unknown_partner(client, people, routed, shop):
    client.force_login(people.sales1)
    response = client.post(
        reverse("accounts:customer_create"),
        {"unit_name": "坏伙伴", "district": "南山区", "source": "visit", "status": "prospect", "partner": "999999"},
        **EN,
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert (Customer.objects.count(), PartnerLead.objects.count()) == (0, 0)


def test_the_registration_api_takes_the_partner(client, people, routed, shop):
    api = APIClient()
    api.force_authenticate(people.sales1)
    body = {"unit_name": "接口线索", "district": "南山区", "source": "visit", "status": "prospect"}
    assert api.post("/api/customers/", {**body, "partner": "x"}, format="json").status_code == 400
    assert api.post("/api/customers/", {**body, "partner": 999999}, format="json").status_code == 400
    assert Customer.objects.count() == 0
    created = api.post("/api/customers/", {**body, "partner": shop.pk}, format="json")
    assert created.status_code == 201, created.content
    assert api.post("/api/customers/", {**body, "unit_name": "无伙伴"}, format="json").status_code == 201
    assert_the_partner_page_counts(client, people, shop, ["接口线索"])


def test_the_inquiry_desk_takes_the_partner(client, people, routed, shop):
    client.force_login(people.info1)
    call = {
        "phone": "13800138000",
        "caller_name": "李经理",
        "unit_name": "来电线索",
        "district": "南山区",
        "topic": "车险",
    }
    assert client.post(reverse("campaigns:inquiry_desk"), {**call, "partner": shop.pk}).status_code == 302
    assert PhoneInquiry.objects.get().customer.unit_name == "来电线索"
    # The same caller again, sent by the partner: still one lead (the first attribution stays).
    assert client.post(reverse("campaigns:inquiry_desk"), {**call, "partner": shop.pk}).status_code == 302
    assert_the_partner_page_counts(client, people, shop, ["来电线索"])


def test_the_inquiry_api_takes_the_partner(client, people, routed, shop):
    api = APIClient()
    api.force_authenticate(people.info1)
    call = {"caller_name": "李", "phone": "13800138001", "unit_name": "接口来电", "district": "南山区", "topic": "报价"}
    assert api.post("/api/inquiries/", {**call, "partner": 999999}, format="json").status_code == 400
    assert PhoneInquiry.objects.count() == 0
    assert api.post("/api/inquiries/", {**call, "partner": shop.pk}, format="json").status_code == 201
    assert_the_partner_page_counts(client, people, shop, ["接口来电"])


def test_a_prospect_import_from_the_partner_makes_its_new_customers_leads(client, people, routed, shop):
    client.force_login(people.info1)
    upload = csv_upload("导入线索甲,张三,13800000001,南山区,,物流\n导入线索乙,王五,13800000002,福田区,,\n")
    response = client.post(reverse("campaigns:import_list"), {"file": upload, "partner": shop.pk})
    prospect_import = ProspectImport.objects.get()
    assert response.status_code == 302 and prospect_import.partner == shop
    request_import_commit(prospect_import=request_import_check(prospect_import=prospect_import))
    assert_the_partner_page_counts(client, people, shop, ["导入线索甲", "导入线索乙"])


def test_the_import_api_takes_the_partner(client, people, routed, shop):
    api = APIClient()
    api.force_authenticate(people.info1)
    body = "单位名称,电话,区域\n接口导入,13800000001,南山区\n".encode()
    bad = api.post("/api/imports/", {"file": SimpleUploadedFile("a.csv", body), "partner": 999999}, format="multipart")
    assert bad.status_code == 400 and ProspectImport.objects.count() == 0
    created = api.post(
        "/api/imports/", {"file": SimpleUploadedFile("a.csv", body), "partner": shop.pk}, format="multipart"
    )
    assert created.status_code == 201, created.content
    import_id = created.json()["id"]
    assert api.post(f"/api/imports/{import_id}/check/", {}, format="json").status_code == 200
    assert api.post(f"/api/imports/{import_id}/commit/", {}, format="json").json()["created_count"] == 1
    assert_the_partner_page_counts(client, people, shop, ["接口导入"])
