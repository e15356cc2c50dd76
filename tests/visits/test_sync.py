"""Offline capture: the sync of queued entries (created, duplicate, conflict, invalid) and the
offline copy of the customers; the quota counting verified check-ins only."""

import io
import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from territories.services import assign_territory
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit, VisitPhoto
from visits.selectors import quota_results_for
from visits.services import sync_visits


@pytest.fixture
def customers(owned_tree):
    return {
        "shunda": CustomerFactory(
            unit_name="顺达汽修厂",
            territory=owned_tree["nanshan_clubs"],
            latitude=Decimal("22.533000"),
            longitude=Decimal("113.930000"),
        ),
        "jiayuan": CustomerFactory(unit_name="佳园车友会", territory=owned_tree["nanshan_clubs"]),
        "futian": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


def entry(customer, **extra):
    return {
        "client_id": str(uuid.uuid4()),
        "customer": customer.pk,
        "customer_version": customer.version,
        "kind": "first",
        "visited_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "materials": ["business_card"],
        "notes": "地下车库没信号",
        "latitude": "22.534000",
        "longitude": "113.930000",
        "accuracy_m": 25,
    } | extra


def png(name="card.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_two_entries_arrive_once_and_a_replay_creates_nothing(people, customers, english):
    items = [entry(customers["shunda"], intent="B"), entry(customers["jiayuan"], latitude=None, longitude=None)]

    first = sync_visits(salesperson=people.sales1, items=items)
    replay = sync_visits(salesperson=people.sales1, items=items)

    visits = list(Visit.objects.order_by("pk"))
    assert [r["status"] for r in first] == ["created", "created"]
    assert [r["status"] for r in replay] == ["duplicate", "duplicate"]
    assert [r["visit"] for r in replay] == [v.pk for v in visits]
    assert len(visits) == 2
    assert (visits[0].distance_m, visits[0].verified, visits[0].intent) == (111, True, "B")
    assert first[0]["distance_m"] == 111
    assert Customer.objects.get(pk=customers["shunda"].pk).intent == "B"
    assert visits[0].visited_at < timezone.now() - timedelta(minutes=29)


def test_a_customer_reassigned_meanwhile_is_a_conflict_not_a_loss(people, customers, owned_tree, english):
    item = entry(customers["shunda"])
    assign_territory(territory=owned_tree["nanshan_clubs"], salesperson=people.sales2, assigned_by=people.admin)

    [result] = sync_visits(salesperson=people.sales1, items=[item])

    assert result["status"] == "conflict"
    assert result["reason"] == "out_of_scope"
    assert result["client_id"] == item["client_id"]
    assert result["messages"] == [
        "This customer is no longer yours (reassigned or returned to the pool). Ask your manager."
    ]
    assert Visit.objects.count() == 0


def test_a_customer_changed_meanwhile_is_a_conflict_until_accepted(people, customers, english):
    Customer.objects.filter(pk=customers["jiayuan"].pk).update(version=3)
    item = entry(customers["jiayuan"], customer_version=1)

    [conflict] = sync_visits(salesperson=people.sales1, items=[item])
    [accepted] = sync_visits(salesperson=people.sales1, items=[item | {"accept_changes": True}])

    assert (conflict["status"], conflict["reason"], conflict["customer_version"]) == ("conflict", "customer_changed", 3)
    assert conflict["messages"] == [
        "佳园车友会 was changed by someone else since your copy. Check it, then send again."
    ]
    assert accepted["status"] == "created"
    assert Visit.objects.count() == 1


def test_invalid_entries_are_reported_with_their_messages_and_do_not_block_others(people, customers, english):
    future = entry(customers["shunda"], visited_at=(timezone.now() + timedelta(hours=2)).isoformat())
    bad_kind = entry(customers["shunda"], kind="party")
    bad_id = entry(customers["shunda"], client_id="not-a-uuid")
    good = entry(customers["jiayuan"])

    results = sync_visits(salesperson=people.sales1, items=[future, bad_kind, bad_id, good])

    assert [r["status"] for r in results] == ["invalid", "invalid", "invalid", "created"]
    assert results[0]["messages"] == ["A visit cannot be logged in the future."]
    assert results[1]["messages"] == ["Unknown choice: party."]
    assert results[2]["messages"] == ["The client id is not a valid UUID."]
    assert list(Visit.objects.values_list("customer_id", flat=True)) == [customers["jiayuan"].pk]


def test_sync_endpoint_takes_photos_as_multipart_and_keeps_the_scope(people, customers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = APIClient()
    api.force_authenticate(people.sales1)
    mine, other = entry(customers["shunda"]), entry(customers["futian"])

    response = api.post(
        "/api/visits/sync/",
        {"items": json.dumps([mine, other]), f"photos-{mine['client_id']}": [png("a.png"), png("b.png")]},
        format="multipart",
    )
    replay = api.post("/api/visits/sync/", {"items": [mine, other]}, format="json")

    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["created", "conflict"]
    assert [r["status"] for r in replay.json()["results"]] == ["duplicate", "conflict"]
    visit = Visit.objects.get()
    assert (visit.customer_id, VisitPhoto.objects.filter(visit=visit).count()) == (customers["shunda"].pk, 2)
    assert all(photo.image.name.endswith(".jpg") for photo in VisitPhoto.objects.all())


@pytest.mark.parametrize("who", ["manager1", "info1", "admin"])
def test_only_salespeople_sync(people, who):
    api = APIClient()
    api.force_authenticate(getattr(people, who))

    assert api.post("/api/visits/sync/", {"items": []}, format="json").status_code == 403
    assert api.get("/api/offline/customers/").status_code == 403


def test_sync_refuses_a_batch_that_is_not_a_list(people):
    api = APIClient()
    api.force_authenticate(people.sales1)

    assert api.post("/api/visits/sync/", {"items": {"a": 1}}, format="json").status_code == 400
    assert api.post("/api/visits/sync/", {"items": "{oops"}, format="multipart").status_code == 400


def test_offline_copy_holds_only_the_salespersons_scope(people, customers):
    api = APIClient()
    api.force_authenticate(people.sales1)

    body = api.get("/api/offline/customers/").json()

    assert sorted(row["id"] for row in body["customers"]) == sorted([customers["shunda"].pk, customers["jiayuan"].pk])
    shunda = next(row for row in body["customers"] if row["name"] == "顺达汽修厂")
    assert (shunda["lat"], shunda["lng"], shunda["version"]) == (22.533, 113.93, 1)
    assert body["user"] == people.sales1.pk


def test_offline_copy_is_capped(people, customers, settings, django_assert_max_num_queries):
    settings.CRM = {**settings.CRM, "OFFLINE_CUSTOMER_LIMIT": 2}
    api = APIClient()
    api.force_authenticate(people.sales1)
    CustomerFactory.create_batch(5, territory=customers["shunda"].territory)

    with django_assert_max_num_queries(4):
        body = api.get("/api/offline/customers/").json()

    assert len(body["customers"]) == 2


# a Wednesday: on a weekend nobody has a quota
@time_machine.travel(datetime(2026, 11, 25, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_quota_can_count_verified_check_ins_only(people, customers, settings):
    day = timezone.localdate()
    people.sales1.date_joined = timezone.now() - timedelta(days=60)
    people.sales1.save()
    VisitFactory(salesperson=people.sales1, customer=customers["shunda"], verified=True)
    VisitFactory(salesperson=people.sales1, customer=customers["jiayuan"], verified=False)
    VisitFactory(salesperson=people.sales1, customer=customers["jiayuan"], verified=False)

    settings.CRM = {**settings.CRM, "QUOTA_COUNTS_VERIFIED_ONLY": False}
    all_visits = quota_results_for(day=day).get(pk=people.sales1.pk).actual
    settings.CRM = {**settings.CRM, "QUOTA_COUNTS_VERIFIED_ONLY": True}
    verified_only = quota_results_for(day=day).get(pk=people.sales1.pk).actual

    assert (all_visits, verified_only) == (3, 1)


# Entries the phone should never send, refused per entry with the field named; nothing of them stored.


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("notes", {"text": "地下车库没信号"}, "The field “notes” must be text."),
        ("notes", ["地下车库", "没信号"], "The field “notes” must be text."),
        ("notes", 42, "The field “notes” must be text."),
        ("next_step", {"when": "周五"}, "The field “next step” must be text."),
        ("obstacle_detail", ["贵"], "The field “obstacle detail” must be text."),
        ("kind", ["first"], "The field “kind” must be text."),
        ("intent", {"A": 1}, "The field “intent” must be text."),
    ],
)
def test_a_field_that_is_not_text_is_refused_naming_the_field(people, customers, english, field, value, message):
    bad = entry(customers["shunda"], intent="B") | {field: value}
    good = entry(customers["jiayuan"], intent="A")

    results = sync_visits(salesperson=people.sales1, items=[bad, good])

    assert results[0] == {"client_id": bad["client_id"], "status": "invalid", "messages": [message]}
    assert results[1]["status"] == "created"
    assert list(Visit.objects.values_list("customer_id", "notes", "intent")) == [
        (customers["jiayuan"].pk, "地下车库没信号", "A")
    ]
    assert list(Customer.objects.exclude(intent="").values_list("unit_name", "intent")) == [("佳园车友会", "A")]


@pytest.mark.parametrize("client_id", [None, "", "   "])
def test_an_entry_without_a_client_id_is_refused_naming_the_field(people, customers, english, client_id):
    missing = entry(customers["shunda"]) | {"client_id": client_id}
    absent = {key: value for key, value in entry(customers["shunda"]).items() if key != "client_id"}
    good = entry(customers["jiayuan"])

    results = sync_visits(salesperson=people.sales1, items=[missing, absent, good])

    refused = {"client_id": None, "status": "invalid", "messages": ["The client id is missing: every entry needs one."]}
    assert results[:2] == [refused, refused]
    assert (results[2]["client_id"], results[2]["status"]) == (good["client_id"], "created")
    assert list(Visit.objects.values_list("customer_id", flat=True)) == [customers["jiayuan"].pk]


def test_the_sync_endpoint_answers_a_bad_entry_in_chinese_and_keeps_the_rest(people, customers):
    api = APIClient()
    api.force_authenticate(people.sales1)
    bad, good = entry(customers["shunda"], notes={"a": 1}), entry(customers["jiayuan"])

    response = api.post(
        "/api/visits/sync/",
        {"items": [bad, {**good, "client_id": None}, good]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 200
    assert [(r["status"], r["messages"]) for r in response.json()["results"][:2]] == [
        ("invalid", ["“备注”字段必须是文本。"]),
        ("invalid", ["缺少客户端编号：每条记录都需要一个。"]),
    ]
    assert response.json()["results"][2]["status"] == "created"
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("customer", [True, 1.7, "1.0", [1], {"id": 1}])
def test_a_customer_that_is_not_a_whole_number_is_refused(people, customers, english, customer):
    """``true`` is not customer 1 and ``1.7`` is not customer 1: the entry is refused, nothing stored."""
    bad = entry(customers["shunda"]) | {"customer": customer}

    results = sync_visits(salesperson=people.sales1, items=[bad])

    assert results == [{"client_id": bad["client_id"], "status": "invalid", "messages": ["Choose a customer."]}]
    assert not Visit.objects.exists()


NOT_A_BATCH = {"items": ["请以 items（拜访）和/或 customers（客户）提交，每项都是列表。"]}  # in sales1's language
NOT_AN_OBJECT = {"detail": "请求内容必须是一个 JSON 对象。"}  # crm/parsers.py, before the view


@pytest.mark.parametrize(
    ("body", "fmt", "answer"),
    [
        ("false", "json", NOT_AN_OBJECT),
        ("[]", "json", NOT_AN_OBJECT),
        ("{}", "json", NOT_A_BATCH),
        ({"note": "hi"}, "multipart", NOT_A_BATCH),
    ],
    ids=["json-false", "json-list", "json-empty", "multipart-without-items"],
)
def test_a_body_that_is_not_a_batch_is_refused_and_changes_nothing(people, customers, body, fmt, answer):
    api = APIClient()
    api.force_authenticate(people.sales1)

    if fmt == "json":
        response = api.post("/api/visits/sync/", body, content_type="application/json")
    else:
        response = api.post("/api/visits/sync/", body, format="multipart")

    assert response.status_code == 400, response.content
    assert response.json() == answer
    assert not Visit.objects.exists()


def test_an_empty_batch_is_still_a_batch(people, customers):
    api = APIClient()
    api.force_authenticate(people.sales1)

    response = api.post("/api/visits/sync/", {"items": []}, format="json")

    assert response.status_code == 200
    assert response.json() == {"customers": [], "results": []}
