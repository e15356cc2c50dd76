"""/api/visits/ and /api/quota-shortfalls/: the same scope and services as the pages."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import QuotaShortfall, Visit


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customers(owned_tree):
    return {
        "sales1": CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"]),
        "sales3": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


def test_create_and_replay(api, people, customers):
    api.force_authenticate(people.sales1)
    body = {
        "customer": customers["sales1"].pk,
        "kind": "second",
        "materials": ["product_policy"],
        "client_id": str(uuid.uuid4()),
        "latitude": "22.5",
        "longitude": "113.9",
        "accuracy_m": 12.5,
    }

    created = api.post("/api/visits/", body, format="json")
    replayed = api.post("/api/visits/", body, format="json")

    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json()["id"] == replayed.json()["id"]
    assert created.json()["kind"] == "second"
    assert created.json()["accuracy_m"] == 12
    assert Visit.objects.count() == 1


def test_create_outside_scope_is_404_and_stores_nothing(api, people, customers):
    api.force_authenticate(people.sales1)

    response = api.post("/api/visits/", {"customer": customers["sales3"].pk}, format="json")

    assert response.status_code == 404
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"visited_at": "2099-01-01T10:00:00+08:00"}, "visited_at", "A visit cannot be logged in the future."),
        (
            {"latitude": "22.5", "longitude": "500"},
            "latitude",
            "The position from the phone is not valid (latitude, longitude or accuracy out of range).",
        ),
    ],
)
def test_bad_input_is_a_clear_400(api, people, customers, english, body, field, message):
    api.force_authenticate(people.sales1)

    response = api.post("/api/visits/", {"customer": customers["sales1"].pk, **body}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Visit.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("sales1", ["sales1"]),
        ("sales3", ["sales3"]),
        ("manager1", ["sales1"]),
        ("admin", ["sales1", "sales3"]),
        ("info1", []),
    ],
)
def test_list_within_visibility(api, people, customers, who, seen):
    visits = {
        "sales1": VisitFactory(salesperson=people.sales1, customer=customers["sales1"]),
        "sales3": VisitFactory(salesperson=people.sales3, customer=customers["sales3"]),
    }
    api.force_authenticate(getattr(people, who))

    response = api.get("/api/visits/")

    assert sorted(row["id"] for row in response.json()["results"]) == sorted(visits[name].pk for name in seen)


def test_rating_through_the_api(api, people, customers, english):
    mine = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])
    api.force_authenticate(people.sales1)

    ok = api.post(f"/api/visits/{mine.pk}/rating/", {"intent": "C", "obstacles": ["coverage"]}, format="json")
    bad = api.post(f"/api/visits/{mine.pk}/rating/", {"intent": "Z"}, format="json")
    api.force_authenticate(people.manager1)
    refused = api.post(f"/api/visits/{mine.pk}/rating/", {"intent": "A"}, format="json")

    assert (ok.status_code, ok.json()["intent"], ok.json()["obstacles"]) == (200, "C", ["coverage"])
    assert (bad.status_code, bad.json()) == (400, {"intent": ["The rating must be A, B, C or D."]})
    assert (refused.status_code, refused.json()) == (403, {"detail": "You can only rate your own visits."})
    mine.refresh_from_db()
    assert mine.intent == "C"


def test_shortfalls_api_scope_explain_and_review(api, people):
    day = date(2026, 11, 25)
    own = QuotaShortfall.objects.create(salesperson=people.sales1, day=day, required=6, actual=2)
    QuotaShortfall.objects.create(salesperson=people.sales3, day=day, required=6, actual=1)

    api.force_authenticate(people.sales1)
    listed = api.get("/api/quota-shortfalls/").json()["results"]
    explained = api.post(f"/api/quota-shortfalls/{own.pk}/explanation/", {"explanation": "客户都在开会"})
    api.force_authenticate(people.manager1)
    reviewed = api.post(f"/api/quota-shortfalls/{own.pk}/review/", {"decision": "accept"})
    api.force_authenticate(people.manager2)
    hidden = api.get(f"/api/quota-shortfalls/{own.pk}/")

    assert [(row["salesperson"], row["required"], row["actual"]) for row in listed] == [("sales1", 6, 2)]
    assert explained.json()["status"] == "awaiting_review"
    assert (reviewed.json()["status"], reviewed.json()["reviewed_by"]) == ("accepted", "manager1")
    assert hidden.status_code == 404


def test_api_list_query_count_does_not_grow(api, people, customers, django_assert_max_num_queries):
    VisitFactory.create_batch(
        30, salesperson=people.sales1, customer=customers["sales1"], visited_at=timezone.now() - timedelta(hours=1)
    )
    api.force_authenticate(people.manager1)

    with django_assert_max_num_queries(4):
        response = api.get("/api/visits/")
    assert len(response.json()["results"]) == 30
    assert "count" not in response.json()  # no COUNT over a team's visits


@pytest.mark.parametrize("rows", [5, 50])
def test_the_api_list_is_paged_by_cursor_in_fixed_queries(
    api, people, customers, monkeypatch, django_assert_num_queries, rows
):
    monkeypatch.setattr("visits.api.VisitCursorPagination.page_size", 4)
    now = timezone.now()
    made = [
        VisitFactory(salesperson=people.sales1, customer=customers["sales1"], visited_at=now - timedelta(minutes=n))
        for n in range(rows)
    ]
    api.force_authenticate(people.manager1)

    # The page's rows (one more than shown: is there a next page?), and their photos in one more.
    with django_assert_num_queries(2):
        first = api.get("/api/visits/").json()
    pages, url = [first], first["next"]
    while url:
        pages.append(api.get(url).json())
        url = pages[-1]["next"]

    assert set(first) == {"next", "previous", "results"}
    assert [row["id"] for page in pages for row in page["results"]] == [visit.pk for visit in made]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # These tests read messages in English; the Chinese catalogue is tested where a page is checked in Chinese.
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("decision", ["", "maybe", "ACCEPT", None])
def test_a_review_decision_that_is_neither_accept_nor_reject_is_refused(api, people, english, decision):
    shortfall = QuotaShortfall.objects.create(
        salesperson=people.sales1, day=date(2026, 11, 25), required=6, actual=2, explanation="客户都在开会"
    )
    QuotaShortfall.objects.filter(pk=shortfall.pk).update(status=QuotaShortfall.Review.AWAITING_REVIEW)
    api.force_authenticate(people.manager1)

    body = {"note": "看看"} if decision is None else {"decision": decision, "note": "看看"}
    response = api.post(f"/api/quota-shortfalls/{shortfall.pk}/review/", body, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "Choose to accept or to reject."})
    shortfall.refresh_from_db()
    assert (shortfall.status, shortfall.reviewed_by, shortfall.review_note) == ("awaiting_review", None, "")


def test_a_reject_decision_through_the_api_is_stored_as_a_rejection(api, people):
    shortfall = QuotaShortfall.objects.create(
        salesperson=people.sales1, day=date(2026, 11, 25), required=6, actual=2, explanation="客户都在开会"
    )
    QuotaShortfall.objects.filter(pk=shortfall.pk).update(status=QuotaShortfall.Review.AWAITING_REVIEW)
    api.force_authenticate(people.manager1)

    response = api.post(f"/api/quota-shortfalls/{shortfall.pk}/review/", {"decision": "reject", "note": "理由不足"})

    assert (response.status_code, response.json()["status"]) == (200, "rejected")


def test_a_withdrawn_shortfall_shows_when_and_why_in_the_api(api, people):
    from django.utils import timezone as tz

    shortfall = QuotaShortfall.objects.create(
        salesperson=people.sales1,
        day=date(2026, 11, 25),
        required=6,
        actual=2,
        status=QuotaShortfall.Review.WITHDRAWN,
        withdrawn_at=tz.now(),
        withdrawal_reason=QuotaShortfall.Withdrawal.LEAVE,
    )
    api.force_authenticate(people.sales1)

    row = api.get(f"/api/quota-shortfalls/{shortfall.pk}/").json()
    explained = api.post(f"/api/quota-shortfalls/{shortfall.pk}/explanation/", {"explanation": "客户都在开会"})

    assert (row["status"], row["withdrawal_reason"]) == ("withdrawn", "leave")
    assert row["withdrawn_at"] is not None
    assert explained.status_code == 400
    shortfall.refresh_from_db()
    assert (shortfall.status, shortfall.explanation) == ("withdrawn", "")
