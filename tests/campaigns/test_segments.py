"""Segments: saved filters over customers, counted set-based within the user's scope, used by mailings,
call lists, the customer list and its export."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer
from campaigns.models import MailingRecipient, OptOut, Segment
from campaigns.segments import clean_criteria, customer_scope, customers_matching, segment_count
from campaigns.services import create_mailing, save_segment
from crm.dates import local_today
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import CampaignFactory, PhoneInquiryFactory, SegmentFactory, SmsTemplateFactory
from tests.territories.factories import channel_type

pytestmark = pytest.mark.django_db

TODAY = local_today()
THIS_MONTH = TODAY.month
NEXT_MONTH = TODAY.month % 12 + 1
OTHER_MONTH = (TODAY.month + 5) % 12 + 1  # neither this month nor next


@pytest.fixture
def customers(owned_tree, people):
    """c1, c2 private car owners (sales1's in 南山, sales3's in 福田); c3 a truck fleet and c6 company cars (sales2's,
    南山); c4 pooled and c5 lost are never in a segment."""
    now = timezone.now()
    clubs, smes = channel_type("car-clubs"), channel_type("smes")
    c1 = CustomerFactory(
        unit_name="c1", vehicle_type="private_car", vehicle_count=1, renewal_month=NEXT_MONTH, intent="A",
        district="南山区", business_type="私家车主", channel_type=clubs, last_activity_at=now - timedelta(days=2),
        territory=owned_tree["nanshan_clubs"], owner=people.sales1,
    )  # fmt: skip
    c2 = CustomerFactory(
        unit_name="c2", vehicle_type="private_car", vehicle_count=3, renewal_month=THIS_MONTH, intent="B",
        district="福田区", business_type="私家车主", channel_type=clubs, last_activity_at=now - timedelta(days=40),
        territory=owned_tree["futian_clubs"], owner=people.sales3,
    )  # fmt: skip
    c3 = CustomerFactory(
        unit_name="c3", vehicle_type="truck", vehicle_count=12, renewal_month=NEXT_MONTH, intent="C",
        district="南山区", business_type="物流运输", channel_type=smes, last_activity_at=None,
        territory=owned_tree["nanshan_smes"], owner=people.sales2,
    )  # fmt: skip
    c4 = CustomerFactory(
        unit_name="c4", vehicle_type="private_car", renewal_month=NEXT_MONTH, pooled_at=now, district="南山区"
    )
    c5 = CustomerFactory(
        unit_name="c5", vehicle_type="private_car", renewal_month=NEXT_MONTH, status=Customer.Status.LOST,
        territory=owned_tree["nanshan_clubs"], owner=people.sales1,
    )  # fmt: skip
    c6 = CustomerFactory(
        unit_name="c6", vehicle_type="company_car", vehicle_count=5, renewal_month=OTHER_MONTH, intent="D",
        district="南山区", business_type="商贸", channel_type=smes, last_activity_at=now - timedelta(days=10),
        territory=owned_tree["nanshan_smes"], owner=people.sales2,
    )  # fmt: skip
    campaign = CampaignFactory(name="十一月直邮")
    PhoneInquiryFactory(customer=c6, campaign=campaign, phone=c6.phone)
    return SimpleNamespace(c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, campaign=campaign, clubs=clubs, smes=smes)


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("unit_name", flat=True))


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, ["c1", "c2", "c3", "c6"]),
        ({"vehicle_types": ["private_car"]}, ["c1", "c2"]),
        ({"vehicle_types": ["private_car", "truck"]}, ["c1", "c2", "c3"]),
        ({"vehicle_count_min": 3}, ["c2", "c3", "c6"]),
        ({"vehicle_count_max": 3}, ["c1", "c2"]),
        ({"vehicle_count_min": 3, "vehicle_count_max": 5}, ["c2", "c6"]),
        ({"renewal": "next_month"}, ["c1", "c3"]),
        ({"renewal": "this_month"}, ["c2"]),
        ({"renewal": str(OTHER_MONTH)}, ["c6"]),
        ({"business_type": "私家车"}, ["c1", "c2"]),
        ({"districts": ["福田区"]}, ["c2"]),
        ({"districts": ["南山区", "福田区"]}, ["c1", "c2", "c3", "c6"]),
        ({"intents": ["A", "B"]}, ["c1", "c2"]),
        ({"no_contact_days": 30}, ["c2", "c3"]),
        ({"contact_within_days": 7}, ["c1"]),
        ({"vehicle_types": ["private_car"], "renewal": "next_month"}, ["c1"]),
    ],
)
def test_each_filter_selects_exactly_its_customers(customers, people, criteria, expected):
    matching = customers_matching(criteria=clean_criteria(criteria), customers=customer_scope(user=people.info1))

    assert names(matching) == expected
    assert segment_count(user=people.info1, criteria=clean_criteria(criteria)) == len(expected)


def test_the_channel_and_source_campaign_filters(customers, people):
    scope = customer_scope(user=people.info1)

    by_channel = customers_matching(criteria=clean_criteria({"channel_types": [customers.smes.pk]}), customers=scope)
    by_campaign = customers_matching(
        criteria=clean_criteria({"source_campaign": customers.campaign.pk}), customers=scope
    )

    assert names(by_channel) == ["c3", "c6"]
    assert names(by_campaign) == ["c6"]


def test_a_manager_counts_only_their_teams_customers(customers, people):
    """manager1 leads sales1 and sales2: c2 (sales3's) is outside their scope; info staff count every customer."""
    assert segment_count(user=people.manager1, criteria={}) == 3
    assert names(customer_scope(user=people.manager1)) == ["c1", "c3", "c6"]
    assert segment_count(user=people.manager2, criteria={"vehicle_types": ["private_car"]}) == 1
    assert segment_count(user=people.info1, criteria={"vehicle_types": ["private_car"]}) == 2
    assert segment_count(user=people.sales1, criteria={}) == 1


def test_the_count_is_one_query(customers, people, django_assert_num_queries):
    criteria = clean_criteria(
        {"vehicle_types": ["private_car"], "renewal": "next_month", "source_campaign": customers.campaign.pk}
    )
    with django_assert_num_queries(1):
        segment_count(user=people.manager1, criteria=criteria)


@pytest.mark.parametrize(
    ("criteria", "key"),
    [
        ({"vehicle_types": ["spaceship"]}, "vehicle_types"),
        ({"vehicle_count_min": "x"}, "vehicle_count_min"),
        ({"vehicle_count_min": 5, "vehicle_count_max": 2}, "vehicle_count_max"),
        ({"renewal": "13"}, "renewal"),
        ({"intents": ["E"]}, "intents"),
        ({"no_contact_days": 0}, "no_contact_days"),
        ({"channel_types": [999999]}, "channel_types"),
        ({"source_campaign": 999999}, "source_campaign"),
    ],
)
def test_a_bad_criterion_is_refused_with_its_name_and_nothing_is_saved(people, criteria, key):
    with pytest.raises(ValidationError) as refused:
        save_segment(saved_by=people.info1, name="坏的", criteria=criteria)

    assert list(refused.value.message_dict) == [key]
    assert Segment.objects.count() == 0


def test_saved_criteria_keep_only_known_keys_in_one_form(people):
    segment = save_segment(
        saved_by=people.info1,
        name=" 私家车主 下月续保 ",
        criteria={"renewal": "next_month", "vehicle_types": ["private_car"], "districts": ["南山区", ""], "x": "y"},
    )

    assert (segment.name, segment.criteria) == (
        "私家车主 下月续保",
        {"vehicle_types": ["private_car"], "renewal": "next_month", "districts": ["南山区"]},
    )


# --- the pages -------------------------------------------------------------------------------------


def test_the_live_count_answers_the_filters_being_chosen(client, customers, people, django_assert_max_num_queries):
    client.force_login(people.info1)

    with django_assert_max_num_queries(4):  # session, user, the count, the campaign chosen
        response = client.get(
            reverse("campaigns:segment_count"),
            {"vehicle_types": "private_car", "renewal": "next_month", "name": "", "districts": "南山区, 福田区"},
        )

    assert response.status_code == 200
    assert '<span class="display-6 fw-semibold" id="segment-count-value">1</span>' in response.content.decode()


def test_the_live_count_says_when_a_filter_is_wrong(client, customers, people):
    client.force_login(people.info1)

    response = client.get(
        reverse("campaigns:segment_count"),
        {"vehicle_count_min": "9", "vehicle_count_max": "2"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert 'id="segment-count-value"' not in response.content.decode()
    assert "The most vehicles cannot be fewer than the fewest." in response.content.decode()


def test_info_staff_build_a_segment_on_its_page(client, customers, people):
    client.force_login(people.info1)

    response = client.post(
        reverse("campaigns:segment_create"),
        {"name": "私家车主 下月续保", "vehicle_types": ["private_car"], "renewal": "next_month"},
    )

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == segment.get_absolute_url()
    assert (segment.criteria, segment.created_by) == (
        {"vehicle_types": ["private_car"], "renewal": "next_month"},
        people.info1,
    )
    page = client.get(segment.get_absolute_url())
    assert page.context["count"] == 1


def test_a_segment_page_counts_for_the_viewer(client, customers, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})

    client.force_login(people.manager2)
    assert client.get(segment.get_absolute_url()).context["count"] == 1  # c2 only
    client.force_login(people.info1)
    assert client.get(segment.get_absolute_url()).context["count"] == 2


@pytest.mark.parametrize(("who", "status"), [("info1", 200), ("manager1", 200), ("admin", 200), ("sales1", 403)])
def test_who_opens_the_segment_pages(client, people, who, status):
    segment = SegmentFactory()
    client.force_login(getattr(people, who))

    assert client.get(reverse("campaigns:segment_list")).status_code == status
    assert client.get(segment.get_absolute_url()).status_code == status


# --- the customer list, its export and the API take a segment ----------------------------------------


def test_the_customer_list_export_and_api_take_a_segment_within_the_viewers_scope(client, customers, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})
    client.force_login(people.manager1)

    listed = client.get(reverse("accounts:customer_list"), {"segment": segment.pk})
    api = client.get("/api/customers/", {"segment": segment.pk})
    export = client.get(reverse("accounts:customer_export"), {"segment": segment.pk})

    assert [c.unit_name for c in listed.context["page"].object_list] == ["c1"]
    assert [row["unit_name"] for row in api.json()["results"]] == ["c1"]
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_export_of_a_segment_holds_exactly_its_customers(client, customers, people):
    import io

    from openpyxl import load_workbook

    segment = SegmentFactory(criteria={"renewal": "next_month"})
    client.force_login(people.admin)

    export = client.get(reverse("accounts:customer_export"), {"segment": segment.pk})

    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True))
    assert sorted(row[0] for row in rows[1:]) == ["c1", "c3"]


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "1.5"])
def test_a_segment_nobody_has_filters_the_list_to_nothing(client, customers, people, value):
    client.force_login(people.admin)

    listed = client.get(reverse("accounts:customer_list"), {"segment": value})

    assert listed.status_code == 200
    assert list(listed.context["page"].object_list) == []


# --- a mailing targets a segment ---------------------------------------------------------------------


def test_an_sms_mailing_targets_a_segment_and_skips_do_not_call_numbers(customers, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})
    OptOut.objects.create(channel=OptOut.Channel.PHONE, address=str(customers.c2.phone), source=OptOut.Source.CALL)

    mailing = create_mailing(
        campaign=CampaignFactory(),
        channel="sms",
        created_by=people.info1,
        sms_template=SmsTemplateFactory(),
        segment=segment,
    )

    assert mailing.segment == segment
    assert sorted(MailingRecipient.objects.values_list("customer__unit_name", "status")) == [
        ("c1", MailingRecipient.Status.QUEUED),
        ("c2", MailingRecipient.Status.SKIPPED_OPTED_OUT),
    ]


def test_a_mailing_prepared_on_the_campaign_page_can_target_a_segment(client, customers, people):
    segment = SegmentFactory(criteria={"renewal": "next_month"})
    Customer.objects.filter(pk=customers.c1.pk).update(address="科技园1号")
    Customer.objects.filter(pk=customers.c3.pk).update(address="蛇口港2号")
    campaign = CampaignFactory()
    client.force_login(people.info1)

    response = client.post(campaign.get_absolute_url(), {"channel": "post", "segment": segment.pk})

    assert response.status_code == 302
    assert sorted(MailingRecipient.objects.values_list("customer__unit_name", flat=True)) == ["c1", "c3"]


def test_a_segment_name_with_direction_changing_characters_is_refused(people):
    with pytest.raises(ValidationError) as refused:
        save_segment(saved_by=people.info1, name="私家车\u202e主", criteria={})

    assert list(refused.value.message_dict) == ["name"]
    assert Segment.objects.count() == 0


# --- the API (read) ----------------------------------------------------------------------------------


def test_the_api_lists_segments_and_counts_one_for_the_viewer_as_the_page_does(client, customers, people):
    cars = SegmentFactory(name="私家车", criteria={"vehicle_types": ["private_car"]})
    trucks = SegmentFactory(name="货车", criteria={"vehicle_types": ["truck"]})

    client.force_login(people.manager2)
    listed = client.get("/api/segments/").json()
    assert [(row["id"], row["name"]) for row in listed["results"]] == [(cars.pk, "私家车"), (trucks.pk, "货车")]
    detail = client.get(f"/api/segments/{cars.pk}/").json()
    assert (detail["id"], detail["criteria"], detail["count"]) == (cars.pk, {"vehicle_types": ["private_car"]}, 1)
    client.force_login(people.info1)
    assert client.get(f"/api/segments/{cars.pk}/").json()["count"] == 2
    assert client.get(f"/api/segments/{trucks.pk}/").json()["count"] == 1


def test_the_api_counts_filters_being_built_and_refuses_a_bad_one(client, customers, people, english):
    client.force_login(people.manager1)
    url = "/api/segments/count/"

    counted = client.post(url, {"criteria": {"renewal": "next_month"}}, content_type="application/json")
    refused = client.post(url, {"criteria": {"intents": ["E"]}}, content_type="application/json")
    malformed = client.post(url, {"criteria": "all"}, content_type="application/json")

    assert (counted.status_code, counted.json()) == (200, {"count": 2})  # c1 and c3 (c4 is pooled)
    assert refused.status_code == 400
    assert list(refused.json()) == ["intents"]
    assert (malformed.status_code, list(malformed.json())) == (400, ["criteria"])
    assert Segment.objects.count() == 0


@pytest.mark.parametrize(("who", "status"), [("info1", 200), ("manager1", 200), ("admin", 200), ("sales1", 403)])
def test_who_reads_segments_through_the_api(client, people, who, status):
    segment = SegmentFactory()
    client.force_login(getattr(people, who))

    assert client.get("/api/segments/").status_code == status
    assert client.get(f"/api/segments/{segment.pk}/").status_code == status
    assert client.post("/api/segments/count/", {"criteria": {}}, content_type="application/json").status_code == status


def test_the_api_reads_a_segment_in_a_fixed_number_of_queries(client, customers, people, django_assert_num_queries):
    segments = [SegmentFactory(criteria={"renewal": "next_month"}) for _ in range(3)]
    client.force_login(people.info1)
    with django_assert_num_queries(4) as few:  # session, user, count of segments, page of segments (with creator)
        client.get("/api/segments/")
    for _ in range(10):
        SegmentFactory()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/api/segments/")
    with django_assert_num_queries(4):  # session, user, the segment, its count
        assert client.get(f"/api/segments/{segments[0].pk}/").json()["count"] == 2
