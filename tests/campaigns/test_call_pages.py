"""The caller's screen and the call-list pages: who sees what, what each key saves, fixed query counts; the
caller app's API; the morning meeting's telemarketing section."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import CallAttempt, CallEntry, PhoneInquiry
from campaigns.services import next_call, record_call_outcome
from campaigns.services.calls import resplit_call_list
from tests.campaigns.factories import CallEntryFactory, CallListCallerFactory, CallListFactory

pytestmark = pytest.mark.django_db
Status, Outcome = CallEntry.Status, CallEntry.Outcome


@pytest.fixture
def call_list(telemarketing, people):
    """Six numbers split between sales2 (positions 1–3) and sales3 (4–6), with a script."""
    call_list = CallListFactory(
        name="私家车主下月续保",
        channel_type=telemarketing.channel,
        created_by=people.info1,
        script="您好，我是天安财险。",
    )
    for caller in (people.sales2, people.sales3):
        CallListCallerFactory(call_list=call_list, caller=caller, added_by=people.info1)
    for position in range(1, 7):
        CallEntryFactory(
            call_list=call_list, position=position, phone=f"+861370000{position:04d}", name=f"车主{position}"
        )
    resplit_call_list(call_list=call_list)
    return call_list


def test_the_caller_takes_the_next_number_and_sees_it_with_the_script(client, call_list, people):
    client.force_login(people.sales2)

    empty = client.get(reverse("campaigns:call_desk"))
    taken = client.post(reverse("campaigns:call_next"))
    page = client.get(reverse("campaigns:call_desk"))

    assert empty.context["entry"] is None
    assert (empty.context["queue"].fresh, empty.context["queue"].due) == (3, 3)
    assert taken["Location"] == reverse("campaigns:call_desk")
    assert page.context["entry"].position == 1
    body = page.content.decode()
    assert 'href="tel:+8613700000001"' in body
    assert "您好，我是天安财险。" in body


@pytest.mark.parametrize("numbers", [2, 40])
def test_the_callers_screen_is_a_fixed_number_of_queries(
    client, telemarketing, people, numbers, django_assert_num_queries
):
    call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
    CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
    for position in range(1, numbers + 1):
        CallEntryFactory(call_list=call_list, position=position, caller=people.sales2)
    entry = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.NO_ANSWER)
    CallEntry.objects.filter(pk=entry.pk).update(next_call_at=timezone.now() - timedelta(minutes=1))
    next_call(caller=people.sales2)
    client.force_login(people.sales2)

    # session, user, notifications, the number on the screen, the queue's counts, later callbacks, its calls
    with django_assert_num_queries(7):
        response = client.get(reverse("campaigns:call_desk"))

    assert len(response.context["calls"]) == 1


@pytest.mark.parametrize(
    ("outcome", "extra", "status"),
    [
        ("no_answer", {}, Status.RETRY),
        ("callback", {"callback_at": "23:59"}, Status.CALLBACK),
        ("not_interested", {}, Status.DONE),
        ("wrong_number", {}, Status.DONE),
        ("do_not_call", {}, Status.BARRED),
        ("interested", {"district": "南山区", "business_type": "车友会", "topic": "报价"}, Status.DONE),
    ],
)
def test_each_outcome_key_saves_through_the_one_service(client, call_list, people, outcome, extra, status):
    client.force_login(people.sales2)
    entry = next_call(caller=people.sales2)
    if outcome == "callback" and timezone.localtime().strftime("%H:%M") >= "23:58":
        extra = {"callback_at": "2099-01-01 10:00"}  # pragma: no cover - the last minutes of a day

    response = client.post(
        reverse("campaigns:call_outcome", kwargs={"pk": entry.pk}), {"outcome": outcome, "note": "", **extra}
    )

    assert response.status_code == 302
    saved = CallEntry.objects.get(pk=entry.pk)
    assert (saved.status, saved.outcome, saved.claimed_by) == (status, outcome, None)
    assert CallAttempt.objects.filter(entry=entry, caller=people.sales2, outcome=outcome).count() == 1


def test_interested_says_where_the_inquiry_went(client, call_list, people):
    client.force_login(people.sales2)
    entry = next_call(caller=people.sales2)

    response = client.post(
        reverse("campaigns:call_outcome", kwargs={"pk": entry.pk}),
        {"outcome": "interested", "district": "南山区", "business_type": "车友会"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    inquiry = PhoneInquiry.objects.get()
    assert [str(m) for m in response.context["messages"]] == [
        f"Interested: the inquiry went to {people.sales1} (南山车友会)."
    ]
    assert inquiry.salesperson == people.sales1


def test_a_bad_callback_time_reopens_its_form_with_the_reason(client, call_list, people):
    client.force_login(people.sales2)
    entry = next_call(caller=people.sales2)

    response = client.post(
        reverse("campaigns:call_outcome", kwargs={"pk": entry.pk}),
        {"outcome": "callback", "callback_at": "明天"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.context["open_panel"] == "callback"
    assert "Type a time like 16:30, 12-03 16:30 or 2026-12-03 16:30." in response.content.decode()
    assert CallEntry.objects.get(pk=entry.pk).status == Status.FRESH


def test_a_caller_sees_only_their_own_numbers(client, call_list, people):
    theirs = next_call(caller=people.sales3)
    client.force_login(people.sales2)

    response = client.post(reverse("campaigns:call_outcome", kwargs={"pk": theirs.pk}), {"outcome": "no_answer"})
    api = client.get("/api/calls/")
    one = client.get(f"/api/calls/{theirs.pk}/")

    assert response.status_code == 404
    assert [row["position"] for row in api.json()["results"]] == [1, 2, 3]
    assert one.status_code == 404
    assert CallEntry.objects.get(pk=theirs.pk).attempts == 0


@pytest.mark.parametrize(("who", "status"), [("sales1", 200), ("info1", 403), ("manager1", 403)])
def test_the_callers_screen_is_for_salespeople(client, people, who, status):
    client.force_login(getattr(people, who))

    assert client.get(reverse("campaigns:call_desk")).status_code == status


@pytest.mark.parametrize(("who", "status"), [("info1", 200), ("admin", 200), ("manager1", 200), ("manager2", 200)])
def test_the_call_list_page_for_the_desk(client, call_list, people, who, status):
    """manager1 leads sales2, manager2 sales3: each sees the list their team calls."""
    client.force_login(getattr(people, who))

    assert client.get(call_list.get_absolute_url()).status_code == status


def test_a_manager_whose_team_does_not_call_a_list_gets_404(client, telemarketing, people):
    from tests.crm.factories import ManagerFactory

    other = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
    CallListCallerFactory(call_list=other, caller=people.sales3, added_by=people.info1)
    client.force_login(ManagerFactory())

    assert client.get(other.get_absolute_url()).status_code == 404
    assert list(client.get(reverse("campaigns:call_list_list")).context["page_obj"]) == []


def test_the_call_list_page_shows_progress_per_caller(client, call_list, people):
    entry = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.NOT_INTERESTED)
    client.force_login(people.info1)

    progress = client.get(call_list.get_absolute_url()).context["progress"]

    assert (progress.total.numbers, progress.total.called, progress.total.reached) == (6, 1, 1)
    assert [(line.label, line.numbers, line.called) for line in progress.callers] == [
        (str(people.sales2), 3, 1),
        (str(people.sales3), 3, 0),
    ]


# --- the caller app's API ----------------------------------------------------------------------------


def test_the_api_gives_the_next_number_and_takes_its_outcome(client, call_list, people):
    client.force_login(people.sales3)

    taken = client.post("/api/calls/next/")
    saved = client.post(
        f"/api/calls/{taken.json()['id']}/outcome/",
        {"outcome": "callback", "callback_at": (timezone.now() + timedelta(hours=1)).isoformat(), "note": "开会"},
        content_type="application/json",
    )
    again = client.post(
        f"/api/calls/{taken.json()['id']}/outcome/", {"outcome": "no_answer"}, content_type="application/json"
    )

    assert (taken.status_code, taken.json()["position"], taken.json()["script"]) == (200, 4, "您好，我是天安财险。")
    assert (saved.status_code, saved.json()["status"], saved.json()["note"]) == (200, "callback", "开会")
    assert again.status_code == 409


def test_the_api_says_when_there_is_nothing_to_call(client, call_list, people):
    client.force_login(people.sales1)

    assert client.post("/api/calls/next/").status_code == 204


def test_the_api_lists_call_lists_with_their_progress_for_the_desk(client, call_list, people):
    entry = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.DO_NOT_CALL)
    client.force_login(people.info1)

    rows = client.get("/api/call-lists/").json()["results"]

    assert [(r["id"], r["numbers"], r["called"], r["reached"], r["do_not_call"]) for r in rows] == [
        (call_list.pk, 6, 1, 1, 1)
    ]
    client.force_login(people.sales2)
    assert client.get("/api/call-lists/").status_code == 403


# --- the morning meeting -----------------------------------------------------------------------------


def test_the_morning_meeting_shows_each_lists_progress_per_caller(client, call_list, people):
    a = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=a.pk, outcome=Outcome.INTERESTED, details={"district": "南山区"})
    b = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=b.pk, outcome=Outcome.NO_ANSWER)
    c = next_call(caller=people.sales3)
    record_call_outcome(
        caller=people.sales3, entry_id=c.pk, outcome=Outcome.CALLBACK, callback_at=timezone.now() + timedelta(minutes=5)
    )
    d = next_call(caller=people.sales3)
    record_call_outcome(caller=people.sales3, entry_id=d.pk, outcome=Outcome.DO_NOT_CALL)
    client.force_login(people.manager1)

    response = client.get(reverse("performance:morning_meeting"))

    (progress,) = response.context["call_lists"]
    assert (progress.name, progress.total.numbers, progress.total.called, progress.total.reached) == (
        "私家车主下月续保",
        6,
        4,
        3,
    )
    assert (progress.total.interested, progress.total.do_not_call, progress.total.callbacks_due) == (1, 1, 1)
    assert [
        (line.label, line.numbers, line.called, line.reached, line.interested, line.do_not_call, line.callbacks_due)
        for line in progress.callers
    ] == [(str(people.sales2), 3, 2, 1, 1, 0, 0), (str(people.sales3), 3, 2, 2, 0, 1, 1)]
    assert 'id="meeting-calls"' in response.content.decode()


@pytest.mark.parametrize("lists", [1, 6])
def test_the_meetings_telemarketing_section_is_one_query(people, telemarketing, lists, django_assert_num_queries):
    from campaigns.selectors import call_progress_for_meeting

    for _ in range(lists):
        call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1)
        CallListCallerFactory(call_list=call_list, caller=people.sales2, added_by=people.info1)
        for position in range(1, 4):
            CallEntryFactory(call_list=call_list, position=position, caller=people.sales2)

    with django_assert_num_queries(1):
        progress = call_progress_for_meeting(user=people.manager1)

    assert [p.total.numbers for p in progress] == [3] * lists
