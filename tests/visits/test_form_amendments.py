"""Issue 18 item 6: the day's forms cannot be submitted with unrated visits (named); a visit logged
after the submission, from any door, amends the forms, and the manager sees and is told of it."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from crm.errors import ApplicationError
from crm.models import Notification, Team
from tests.accounts.factories import CustomerFactory
from visits.key_accounts.services import Answer, answer_joint_visit, log_joint_visit, request_joint_visit
from visits.models import FormAmendment, FormSubmission, Visit
from visits.services import amend_submitted_forms, rate_visit, record_visit, submit_forms

WEDNESDAY = date(2026, 11, 25)


@pytest.fixture
def client(client):
    """Pages in English, for tests that match on their text (the site's default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def evening():
    """Wednesday 25 November 2026, 19:10 in Shenzhen: the forms went in at 18:02."""
    with time_machine.travel(at(WEDNESDAY, 19, 10), tick=False):
        yield


@pytest.fixture
def customers(owned_tree):
    return {
        "foshan": CustomerFactory(unit_name="佛山某某公司", territory=owned_tree["nanshan_clubs"]),
        "shunda": CustomerFactory(unit_name="顺达汽修厂", territory=owned_tree["nanshan_clubs"]),
        "jiayuan": CustomerFactory(unit_name="嘉园物业", territory=owned_tree["nanshan_clubs"]),
        "futian": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


def log(salesperson, customer, hour, minute=0, day=WEDNESDAY, **extra):
    return record_visit(salesperson=salesperson, customer_id=customer.pk, visited_at=at(day, hour, minute), **extra)


@pytest.fixture
def submitted(evening, people, customers):
    """sales1 visited 佛山某某公司 at 10:02, rated it, and submitted the day's forms at 18:02."""
    visit = log(people.sales1, customers["foshan"], 10, 2)
    rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent="B")
    return submit_forms(salesperson=people.sales1, day=WEDNESDAY, at=at(WEDNESDAY, 18, 2))


# --- no submission with unrated visits ----------------------------------------------------------


def test_forms_are_refused_while_visits_are_unrated_and_name_them(evening, people, customers, english):
    first = log(people.sales1, customers["foshan"], 10, 2)
    log(people.sales1, customers["shunda"], 11, 30)
    rate_visit(visit_id=log(people.sales1, customers["jiayuan"], 9).pk, salesperson=people.sales1, intent="A")

    with pytest.raises(ApplicationError) as refused:
        submit_forms(salesperson=people.sales1, day=WEDNESDAY)

    assert str(refused.value.message) == "Rate these visits first: 佛山某某公司 (10:02), 顺达汽修厂 (11:30)."
    assert FormSubmission.objects.count() == 0

    rate_visit(visit_id=first.pk, salesperson=people.sales1, intent="B")
    with pytest.raises(ApplicationError, match=r"^Rate these visits first: 顺达汽修厂 \(11:30\)\.$"):
        submit_forms(salesperson=people.sales1, day=WEDNESDAY)
    rate_visit(visit_id=Visit.objects.get(customer=customers["shunda"]).pk, salesperson=people.sales1, intent="C")

    submission = submit_forms(salesperson=people.sales1, day=WEDNESDAY)

    assert (submission.visit_count, submission.late) == (3, False)


def test_the_refusal_names_five_and_counts_the_rest(evening, people, customers, english):
    # An hour apart: the repeat guard (30 minutes) keeps visits to one customer from piling up closer.
    for hour in range(8, 15):
        log(people.sales1, customers["shunda"], hour, 0)

    with pytest.raises(ApplicationError) as refused:
        submit_forms(salesperson=people.sales1, day=WEDNESDAY)

    named = ", ".join(f"顺达汽修厂 ({hour:02d}:00)" for hour in range(8, 13))
    assert str(refused.value.message) == f"Rate these visits first: {named} and 2 more."


def test_a_weeks_refusal_names_the_day_too(evening, people, customers, english):
    Team.objects.filter(pk=people.team_one.pk).update(form_submission=Team.FormSubmission.WEEKLY)
    log(people.sales1, customers["shunda"], 15, day=WEDNESDAY - timedelta(days=1))

    with pytest.raises(ApplicationError, match=r"^Rate these visits first: 顺达汽修厂 \(11-24 15:00\)\.$"):
        submit_forms(salesperson=people.sales1, day=WEDNESDAY)


def test_the_page_says_which_visits_to_rate_then_submits(client, evening, people, customers, english):
    visit = log(people.sales1, customers["foshan"], 10, 2)
    client.force_login(people.sales1)

    refused = client.post("/visits/forms/submit/", HTTP_HX_REQUEST="true")

    assert refused.status_code == 400
    assert "Rate these visits first: 佛山某某公司 (10:02)." in refused.content.decode()
    assert FormSubmission.objects.count() == 0

    client.post(f"/visits/{visit.pk}/rating/", {"intent": "B"}, HTTP_HX_REQUEST="true")
    response = client.post("/visits/forms/submit/", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Forms submitted at 19:10 (1 visit)." in body
    assert '<p id="forms-status"' in body and 'hx-swap-oob="true">Forms submitted at 19:10.' in body
    assert FormSubmission.objects.get().visit_count == 1


def test_without_htmx_the_refusal_comes_back_to_my_day(client, evening, people, customers, english):
    log(people.sales1, customers["foshan"], 10, 2)
    client.force_login(people.sales1)

    response = client.post("/visits/forms/submit/", follow=True)

    assert response.redirect_chain == [("/visits/today/", 302)]
    assert "Rate these visits first: 佛山某某公司 (10:02)." in response.content.decode()


# --- amendments ---------------------------------------------------------------------------------


def amendments():
    return list(FormAmendment.objects.order_by("pk").values_list("submission", "visit__customer__unit_name"))


def test_a_visit_logged_after_submission_amends_the_forms_from_every_door(client, submitted, people, customers):
    form = {"customer": customers["shunda"].pk, "kind": "first", "client_id": str(uuid.uuid4())}
    api = APIClient()
    api.force_authenticate(people.sales1)
    body = {"customer": customers["jiayuan"].pk, "kind": "second", "client_id": str(uuid.uuid4())}
    offline = {
        "client_id": str(uuid.uuid4()),
        "customer": customers["foshan"].pk,
        "visited_at": at(WEDNESDAY, 16, 45).isoformat(),  # made in the afternoon, synced in the evening
    }
    client.force_login(people.sales1)

    assert client.post("/visits/new/", form).status_code == 302
    assert api.post("/api/visits/", body, format="json").status_code == 201
    assert api.post("/api/visits/sync/", {"items": [offline]}, format="json").json()["results"][0]["status"] == (
        "created"
    )
    # the same three again: replays, no second amendment and no second notification
    client.post("/visits/new/", form)
    assert api.post("/api/visits/", body, format="json").status_code == 200
    assert api.post("/api/visits/sync/", {"items": [offline]}, format="json").json()["results"][0]["status"] == (
        "duplicate"
    )

    assert amendments() == [(submitted.pk, "顺达汽修厂"), (submitted.pk, "嘉园物业"), (submitted.pk, "佛山某某公司")]
    assert Visit.objects.count() == 4
    submitted.refresh_from_db()
    assert submitted.visit_count == 1  # the snapshot as submitted
    assert (
        list(Notification.objects.filter(kind="forms_amended").values_list("recipient__username", flat=True))
        == ["manager1"] * 3
    )


def test_the_manager_is_told_once_per_visit_added(submitted, people, customers, english):
    people.manager1.language = "en"  # notifications are written in the recipient's language
    people.manager1.save()
    visit = log(people.sales1, customers["shunda"], 19, 5)

    again = amend_submitted_forms(visit=visit)  # a follower run twice adds nothing

    assert again.pk == FormAmendment.objects.get().pk
    assert list(Notification.objects.filter(kind="forms_amended").values_list("recipient", "text", "link")) == [
        (
            people.manager1.pk,
            f"{people.sales1} added a visit to 顺达汽修厂 (11-25 19:05) to the forms already submitted for 2026-11-25.",
            "/visits/forms/?day=2026-11-25",
        )
    ]


def test_the_manager_sees_the_amendment_on_the_list(client, submitted, people, customers, english):
    log(people.sales1, customers["shunda"], 19, 5)
    client.force_login(people.manager1)

    response = client.get("/visits/forms/", {"day": "2026-11-25"})

    page = response.content.decode()
    row = next(person for person in response.context["people"] if person.username == "sales1")
    assert (row.submitted_count, row.amendment_count, row.visits_that_day) == (1, 1, 2)
    assert [amendment.visit.customer.unit_name for amendment in row.amendments] == ["顺达汽修厂"]
    assert "1 visit submitted" in page
    assert "amended: +1 visit at 19:10" in page
    assert (
        f'href="/visits/customers/{customers["shunda"].pk}/">顺达汽修厂</a> · visited 11-25 19:05, added 11-25 19:10'
        in page
    )


def test_a_manager_of_another_team_does_not_see_it(client, submitted, people, customers):
    log(people.sales1, customers["shunda"], 19, 5)
    client.force_login(people.manager2)

    response = client.get("/visits/forms/", {"day": "2026-11-25"})

    assert [person.username for person in response.context["people"]] == ["sales3"]
    assert "顺达汽修厂" not in response.content.decode()


def test_rating_after_submission_is_not_an_amendment(submitted, people):
    visit = Visit.objects.get()

    rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent="A")

    assert FormAmendment.objects.count() == 0
    assert Notification.objects.filter(kind="forms_amended").count() == 0


def test_a_visit_of_a_day_not_submitted_amends_nothing(submitted, people, customers):
    log(people.sales1, customers["shunda"], 15, day=WEDNESDAY - timedelta(days=1))  # Tuesday, never submitted

    assert FormAmendment.objects.count() == 0


def test_weekly_forms_are_amended_by_a_visit_later_in_the_same_week(people, customers, owned_tree):
    Team.objects.filter(pk=people.team_two.pk).update(form_submission=Team.FormSubmission.WEEKLY)
    friday, saturday = date(2026, 11, 27), date(2026, 11, 28)
    mine = CustomerFactory(unit_name="福田小企业", territory=owned_tree["futian_clubs"])
    with time_machine.travel(at(friday, 17), tick=False):
        rate_visit(visit_id=log(people.sales3, mine, 10, day=friday).pk, salesperson=people.sales3, intent="C")
        week = submit_forms(salesperson=people.sales3, day=friday)
    with time_machine.travel(at(date(2026, 11, 30), 11), tick=False):
        log(people.sales3, customers["futian"], 10, day=saturday)  # synced on Monday: still last week's forms
        log(people.sales3, customers["futian"], 10, 30, day=date(2026, 11, 30))  # this week: not submitted yet

    assert (week.period_start, week.period_end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert list(FormAmendment.objects.values_list("submission", "visit__visited_on")) == [(week.pk, saturday)]
    assert list(Notification.objects.filter(kind="forms_amended").values_list("recipient", flat=True)) == [
        people.manager2.pk
    ]


def test_a_joint_visit_logged_after_submission_amends_the_forms(submitted, people, customers):
    request = request_joint_visit(
        salesperson=people.sales1,
        customer=customers["shunda"],
        manager=people.manager1,
        reason="客户要见经理",
        proposed_at=at(WEDNESDAY, 18, 30),
    )
    answer_joint_visit(request_id=request.pk, manager=people.manager1, answer=Answer.ACCEPT)

    visit = log_joint_visit(request_id=request.pk, user=people.manager1, visited_at=at(WEDNESDAY, 18, 40))

    assert list(FormAmendment.objects.values_list("submission", "visit")) == [(submitted.pk, visit.pk)]
