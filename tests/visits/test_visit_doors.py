"""One way in for a visit: the page form, the API and offline sync read a visit through the one input
(visits.inputs.VisitInput) and log it through record_visit, so the same bad visit gets the same message
through each door; a joint visit from the key-account pages is logged through it too."""

import uuid
from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.customers.models import Customer
from campaigns.models import PhoneInquiry
from crm.errors import NotFound
from tests.accounts.factories import CustomerFactory
from tests.campaigns.factories import PhoneInquiryFactory
from visits.key_accounts.models import JointVisitRequest
from visits.key_accounts.services import Answer, answer_joint_visit, request_joint_visit
from visits.models import FormAmendment, Visit
from visits.selectors import visits_counted_for_quota
from visits.services import rate_visit, record_visit, submit_forms

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 11, 25)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def customers(owned_tree):
    return {
        "mine": CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"]),
        "colleagues": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


# Each door takes the same visit (what the page form posts) and answers the messages it refused it with.


def _through_the_form(client, people, visit: dict) -> list[str]:
    client.force_login(people.sales1)
    response = client.post("/visits/new/", visit, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # the form again, with the message
    return [str(message) for messages in response.context["form"].errors.values() for message in messages]


def _through_the_api(client, people, visit: dict) -> list[str]:
    api = APIClient()
    api.force_authenticate(people.sales1)
    response = api.post("/api/visits/", visit, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    return [message for messages in response.json().values() for message in messages]


def _through_sync(client, people, visit: dict) -> list[str]:
    api = APIClient()
    api.force_authenticate(people.sales1)
    response = api.post("/api/visits/sync/", {"items": [visit]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == "invalid"
    return result["messages"]


DOORS = {"form": _through_the_form, "api": _through_the_api, "sync": _through_sync}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"latitude": "22.5", "longitude": "500", "accuracy_m": "20"},
            "The position from the phone is not valid (latitude, longitude or accuracy out of range).",
        ),
        ({"materials": ["business_card", "cake"]}, "Unknown choice: cake."),
        ({"kind": "teleport"}, "Unknown choice: teleport."),
        ({"next_step_on": "2020-01-01"}, "The next step cannot be before the visit."),
        ({"next_step_on": "next friday"}, "Not a valid date."),
        ({"customer": "1.7"}, "Choose a customer."),
    ],
    ids=["position", "material", "kind", "next-step-before", "not-a-date", "customer-not-a-number"],
)
def test_the_same_bad_visit_gets_the_same_message_through_every_door(client, people, customers, door, bad, message):
    visit = {"customer": customers["mine"].pk, "kind": "first", "client_id": str(uuid.uuid4())} | bad

    assert DOORS[door](client, people, visit) == [message]
    assert Visit.objects.count() == 0


def test_a_missing_customer_is_a_404_through_the_form_and_the_api(client, people, customers, english):
    client.force_login(people.sales1)
    for customer_id in (customers["colleagues"].pk, 999_999):
        page = client.post("/visits/new/", {"customer": customer_id, "kind": "first", "client_id": str(uuid.uuid4())})
        htmx = client.post(
            "/visits/new/",
            {"customer": customer_id, "kind": "first", "client_id": str(uuid.uuid4())},
            HTTP_HX_REQUEST="true",
        )
        assert (page.status_code, htmx.status_code) == (404, 404)
        assert "Traceback" not in page.content.decode() + htmx.content.decode()

        api = APIClient()
        api.force_authenticate(people.sales1)
        answer = api.post("/api/visits/", {"customer": customer_id}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert (answer.status_code, answer.json()) == (404, {"detail": "No customer matches the given query."})
    assert Visit.objects.count() == 0


def test_a_missing_customer_through_sync_is_the_entrys_conflict_not_an_error(people, customers, english):
    """Sync answers per entry (one refused entry must not lose the others): out of scope, kept on the phone."""
    api = APIClient()
    api.force_authenticate(people.sales1)
    entries = [{"client_id": str(uuid.uuid4()), "customer": pk} for pk in (customers["colleagues"].pk, 999_999)]

    response = api.post("/api/visits/sync/", {"items": entries}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert [(r["status"], r["reason"]) for r in response.json()["results"]] == [("conflict", "out_of_scope")] * 2
    assert Visit.objects.count() == 0


def test_record_visit_raises_the_domain_not_found(people, customers):
    with pytest.raises(NotFound):
        record_visit(salesperson=people.sales1, customer_id=customers["colleagues"].pk)


# A joint visit is logged through record_visit: its followers run and it counts as a visit.


@pytest.fixture
def evening():
    """Wednesday 25 November 2026, 19:10 in Shenzhen."""
    with time_machine.travel(at(WEDNESDAY, 19, 10), tick=False):
        yield


def test_a_joint_visit_from_the_key_account_page_runs_the_followers_and_counts(client, evening, people, customers):
    customer = customers["mine"]
    earlier = record_visit(salesperson=people.sales1, customer_id=customer.pk, visited_at=at(WEDNESDAY, 9))
    rate_visit(visit_id=earlier.pk, salesperson=people.sales1, intent="B")
    submitted = submit_forms(salesperson=people.sales1, day=WEDNESDAY, at=at(WEDNESDAY, 18, 2))
    inquiry = PhoneInquiryFactory(
        customer=customer, salesperson=people.sales1, entered_by=people.info1, status=PhoneInquiry.Status.ASSIGNED
    )
    request = request_joint_visit(
        salesperson=people.sales1,
        customer=customer,
        manager=people.manager1,
        reason="客户要见经理",
        proposed_at=at(WEDNESDAY, 18, 30),
    )
    answer_joint_visit(request_id=request.pk, manager=people.manager1, answer=Answer.ACCEPT)
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=at(WEDNESDAY, 9))
    client.force_login(people.manager1)

    response = client.post(f"/key-accounts/joint-visits/{request.pk}/log/", {"visited_at": "2026-11-25T18:40"})

    assert response.status_code == 302
    request.refresh_from_db()
    visit = request.visit
    assert (request.status, visit.kind, visit.salesperson, visit.joint_manager) == (
        JointVisitRequest.Status.DONE,
        Visit.Kind.JOINT,
        people.sales1,
        people.manager1,
    )
    assert visit.visited_at == at(WEDNESDAY, 18, 40)
    # The followers: the forms already submitted are amended, the caller's inquiry is visited.
    assert list(FormAmendment.objects.values_list("submission", "visit")) == [(submitted.pk, visit.pk)]
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.visit_id) == (PhoneInquiry.Status.VISITED, visit.pk)
    # And it counts as record_visit's visits do: the day's quota, the customer's last activity.
    counted = Visit.objects.filter(visits_counted_for_quota(), salesperson=people.sales1, visited_on=WEDNESDAY)
    assert list(counted.order_by("visited_at").values_list("kind", flat=True)) == ["first", "joint"]
    assert Customer.objects.get(pk=customer.pk).last_activity_at == at(WEDNESDAY, 18, 40)


@pytest.mark.parametrize("door", ["api", "sync"])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"notes": {"text": "地下车库"}}, "The field “notes” must be text."),
        (
            {"latitude": {}, "longitude": {}},
            "The position from the phone is not valid (latitude, longitude or accuracy out of range).",
        ),
        ({"visited_at": "yesterday"}, "Not a valid date and time."),
    ],
    ids=["notes-not-text", "position-not-a-value", "time-not-a-time"],
)
def test_what_only_a_json_door_can_send_gets_the_same_message_through_both(
    client, people, customers, door, bad, message
):
    visit = {"customer": customers["mine"].pk, "kind": "first", "client_id": str(uuid.uuid4())} | bad

    assert DOORS[door](client, people, visit) == [message]
    assert Visit.objects.count() == 0
