from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.customers.models import Customer
from campaigns.models import CompetitorReport, PhoneInquiry, ProspectImport
from campaigns.services import register_phone_inquiry
from crm.models import Notification
from tests.campaigns.factories import CampaignFactory, CompetitorReportFactory, EventFactory, PhoneInquiryFactory

CALL = {
    "phone": "13800138000",
    "caller_name": "李经理",
    "unit_name": "深圳湾物流",
    "district": "南山区",
    "address": "",
    "topic": "车队保险",
}


@pytest.mark.django_db
def test_info_staff_register_a_call_on_the_desk_and_it_reaches_the_salesperson(client, people, routed, english):
    campaign = CampaignFactory(created_by=people.info1)
    client.force_login(people.info1)

    response = client.post(reverse("campaigns:inquiry_desk"), {**CALL, "campaign": campaign.pk}, follow=True)

    inquiry = PhoneInquiry.objects.get()
    assert (inquiry.salesperson, inquiry.campaign, inquiry.entered_by) == (people.sales1, campaign, people.info1)
    assert "Inquiry saved and sent to" in response.content.decode()
    assert Notification.objects.filter(recipient=people.sales1, kind="phone_inquiry").count() == 1


@pytest.mark.django_db
def test_the_desk_form_is_keyboard_first(client, people, english):
    client.force_login(people.info1)
    html = client.get(reverse("campaigns:inquiry_desk")).content.decode()
    assert 'name="phone"' in html and "autofocus" in html
    assert 'accesskey="s"' in html
    assert "js-enter-submits" in html
    assert "<script>" not in html  # CSP: no inline scripts


@pytest.mark.django_db
def test_the_desk_refuses_a_call_it_cannot_route_without_district_or_address(client, people, english):
    client.force_login(people.info1)
    response = client.post(reverse("campaigns:inquiry_desk"), {**CALL, "district": ""})
    assert "Give the district or the address" in response.content.decode()
    assert PhoneInquiry.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_lookup_shows_only_what_the_user_may_see(client, people, routed, english):
    register_phone_inquiry(entered_by=people.info1, data=CALL)
    client.force_login(people.info1)
    html = client.get(reverse("campaigns:inquiry_duplicates"), {"phone": "138 0013 8000"}).content.decode()
    assert "A registered customer" in html
    assert "same phone 138 0013 8000" in html
    assert "深圳湾物流" not in html  # info staff see no customer details when only the phone matched

    client.force_login(people.sales1)
    html = client.get(reverse("campaigns:inquiry_duplicates"), {"phone": "13800138000"}).content.decode()
    assert "深圳湾物流" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("sales1", 200), ("sales2", 404), ("manager1", 200), ("manager2", 404), ("info1", 200), ("admin", 200)],
)
def test_inquiry_detail_visibility(client, people, routed, who, status):
    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)
    client.force_login(getattr(people, who))
    assert client.get(inquiry.get_absolute_url()).status_code == status


@pytest.mark.django_db
def test_the_salesperson_drops_an_inquiry_with_a_reason(client, people, routed):
    inquiry = register_phone_inquiry(entered_by=people.info1, data=CALL)
    client.force_login(people.sales1)
    client.post(inquiry.get_absolute_url(), {"action": "drop", "reason": "已有保险"})
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.drop_reason) == ("dropped", "已有保险")


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_inquiry_list_query_count_does_not_grow(client, people, routed, django_assert_max_num_queries, rows):
    campaign = CampaignFactory(created_by=people.info1)
    PhoneInquiryFactory.create_batch(
        rows,
        entered_by=people.info1,
        salesperson=people.sales1,
        status="assigned",
        campaign=campaign,
        territory=routed["nanshan_clubs"],
    )
    client.force_login(people.manager1)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("campaigns:inquiry_list"))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == min(rows, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_campaign_results_query_count_does_not_grow(client, people, django_assert_max_num_queries, rows):
    CampaignFactory.create_batch(rows, created_by=people.info1)
    client.force_login(people.info1)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("campaigns:campaign_results"))
    assert len(response.context["per_campaign"]) == rows


@pytest.mark.django_db
def test_info_staff_import_a_list_through_the_pages(client, people, routed, english):
    client.force_login(people.info1)
    body = "单位名称,电话,区域\n南山物流,13800000001,南山区\n坏行,123,南山区\n南山物流二,13800000001,南山区\n"
    response = client.post(reverse("campaigns:import_list"), {"file": SimpleUploadedFile("名单.csv", body.encode())})
    prospect_import = ProspectImport.objects.get()
    assert response.status_code == 302

    response = client.post(
        prospect_import.get_absolute_url(), {"unit_name": "0", "phone": "1", "district": "2"}, follow=True
    )
    html = response.content.decode()
    assert "not a valid phone number" in html and "same phone as row 2" in html
    assert Customer.objects.count() == 0

    errors = client.get(reverse("campaigns:import_errors", args=[prospect_import.pk]))
    assert errors["Content-Type"].startswith("application/vnd.openxmlformats")

    client.post(reverse("campaigns:import_commit", args=[prospect_import.pk]))
    assert list(Customer.objects.values_list("unit_name", "owner__username")) == [("南山物流", "sales1")]


@pytest.mark.django_db
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(client, people, english):
    client.force_login(people.info1)
    response = client.post(
        reverse("campaigns:import_list"), {"file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")}
    )
    assert "This is not a spreadsheet" in response.content.decode()
    assert ProspectImport.objects.count() == 0


@pytest.mark.django_db
def test_salespeople_cannot_open_imports(client, people):
    client.force_login(people.sales1)
    assert client.get(reverse("campaigns:import_list")).status_code == 403


@pytest.mark.django_db
def test_event_lead_from_a_phone_is_routed(client, people, routed):
    event = EventFactory(created_by=people.info1)
    event.staff.add(people.sales2)
    client.force_login(people.sales2)
    client.post(event.get_absolute_url(), {"phone": "13912345678", "caller_name": "陈女士", "district": "南山区"})
    lead = PhoneInquiry.objects.get()
    assert (lead.channel, lead.event, lead.salesperson) == ("event", event, people.sales1)

    client.force_login(people.sales3)  # not on the event's staff
    assert client.get(event.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_competitor_reports_list_and_compare(client, people):
    CompetitorReportFactory(reported_by=people.sales1, competitor="平安", price=900)
    CompetitorReportFactory(reported_by=people.sales1, competitor="人保", price=950)
    client.force_login(people.sales2)
    client.post(
        reverse("campaigns:competitor_report_list"),
        {"competitor": "平安", "product": "交强险", "price": "880", "seen_where": "车管所", "seen_on": "2026-11-20"},
    )
    assert CompetitorReport.objects.count() == 3

    response = client.get(reverse("campaigns:competitor_comparison"), {"product": "交强险"})
    assert [(r.competitor, str(r.price)) for r in response.context["reports"]] == [
        ("人保", "950.00"),
        ("平安", "880.00"),
    ]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


@pytest.mark.django_db
def test_the_territory_console_says_how_many_open_inquiries_moved(client, people, routed, english):
    clubs = routed["nanshan_clubs"]
    register_phone_inquiry(entered_by=people.info1, data=CALL)  # routed to 南山车友会: a customer and an inquiry
    PhoneInquiryFactory(entered_by=people.info1, territory=clubs, salesperson=people.sales1, status="converted")
    client.force_login(people.admin)

    url = reverse("territories:territory_assign", args=[clubs.pk])
    preview = client.get(url, {"salesperson": people.sales3.pk}).context["preview"]
    response = client.post(url, {"salesperson": people.sales3.pk, "preview": preview.token}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        f"南山车友会 now belongs to {people.sales3}. Moved: 1 customer, 1 open phone inquiry."
    ]
    assert list(PhoneInquiry.objects.filter(salesperson=people.sales3).values_list("status", flat=True)) == ["assigned"]


_LINK = r'<a href="([^"]+)" download>'


@pytest.mark.django_db
def test_material_attached_on_the_campaign_page_downloads_from_its_link(client, people, settings, tmp_path):
    import re

    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(created_by=people.info1)
    client.force_login(people.info1)
    content = b"<html><script>alert(1)</script></html>"
    upload = SimpleUploadedFile("flyer.html", content, content_type="text/html")
    client.post(campaign.get_absolute_url(), {"title": "宣传单页", "file": upload})

    (link,) = re.findall(_LINK, client.get(campaign.get_absolute_url()).content.decode())
    client.force_login(people.manager2)
    response = client.get(link)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    # an uploaded page is saved by the browser, never rendered on our origin
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%AE%A3%E4%BC%A0%E5%8D%95%E9%A1%B5.html"


@pytest.mark.django_db
def test_the_import_page_links_to_the_uploaded_list(client, people, settings, tmp_path):
    import re

    settings.MEDIA_ROOT = tmp_path
    client.force_login(people.info1)
    body = "单位名称,电话,区域\n南山物流,13800000001,南山区\n".encode()
    client.post(reverse("campaigns:import_list"), {"file": SimpleUploadedFile("名单.csv", body)})
    prospect_import = ProspectImport.objects.get()

    (link,) = re.findall(_LINK, client.get(prospect_import.get_absolute_url()).content.decode())
    response = client.get(link)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E5%90%8D%E5%8D%95.csv"


@pytest.mark.django_db
def test_the_event_list_shows_the_latest_event_first(client, people):
    """The list counts leads (a grouped query, which drops the model's ordering): it orders itself."""
    older = EventFactory(created_by=people.info1, name="Older", held_on=date(2026, 10, 1))
    newer = EventFactory(created_by=people.info1, name="Newer", held_on=date(2026, 11, 1))
    client.force_login(people.info1)

    response = client.get(reverse("campaigns:event_list"))

    assert [event.pk for event in response.context["page_obj"]] == [newer.pk, older.pk]
