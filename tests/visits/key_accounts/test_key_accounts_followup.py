"""Plans, outcomes and statistics of shortlist entries; joint-visit requests from request to visit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Exists

from accounts.customers.models import Customer
from crm.errors import NotPermitted
from crm.models import Notification
from tests.accounts.factories import CustomerFactory
from tests.visits.key_accounts.helpers import MONDAY, at, visit
from visits.key_accounts import services as key_accounts
from visits.key_accounts.models import JointVisitRequest, KeyAccountEntry
from visits.key_accounts.selectors import (
    entries_for_week,
    follow_up_visits,
    key_account_progress,
    my_week,
    outcome_counts,
)
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(unit_name="信达物流", territory=owned_tree["nanshan_clubs"], owner=people.sales1)


@pytest.fixture
def entry(customer, people):
    return KeyAccountEntry.objects.create(
        week=MONDAY, salesperson=people.sales1, customer=customer, intent="B", obstacles=["trust"]
    )


def test_the_plan_is_saved_and_a_stale_form_is_refused(entry, people, english):
    saved = key_accounts.update_key_account_plan(
        entry_id=entry.pk,
        user=people.sales1,
        version=1,
        obstacles=["trust", "price", "trust"],
        obstacle_detail="担心理赔慢",
        prepared_answer="带理赔案例",
        planned_on=MONDAY + timedelta(days=2),
    )
    assert (saved.obstacles, saved.prepared_answer, saved.version) == (["trust", "price"], "带理赔案例", 2)

    with pytest.raises(key_accounts.StaleEntry) as error:
        key_accounts.update_key_account_plan(entry_id=entry.pk, user=people.sales1, version=1, obstacles=[])
    assert str(error.value.message).startswith("Someone else saved this shortlist entry")
    with pytest.raises(ValidationError):
        key_accounts.update_key_account_plan(entry_id=entry.pk, user=people.sales1, version=2, obstacles=["weather"])


def test_someone_elses_entry_does_not_exist_for_them(entry, people):
    for outsider in (people.sales2, people.sales3, people.manager2, people.info1):
        with pytest.raises(KeyAccountEntry.DoesNotExist):
            key_accounts.update_key_account_plan(entry_id=entry.pk, user=outsider, version=1, obstacles=[])


def test_marking_won_makes_the_customer_a_customer_with_history(entry, customer, people, english):
    key_accounts.record_key_account_outcome(entry_id=entry.pk, user=people.sales1, outcome="won", note="签了")

    customer.refresh_from_db()
    entry.refresh_from_db()
    assert (entry.outcome, entry.outcome_note, customer.status, customer.version) == ("won", "签了", "customer", 2)
    assert customer.history.first().history_user == people.sales1
    with pytest.raises(key_accounts.EntryClosed):
        key_accounts.record_key_account_outcome(entry_id=entry.pk, user=people.sales1, outcome="lost")


def test_marking_lost_or_postponed(entry, customer, people):
    key_accounts.record_key_account_outcome(entry_id=entry.pk, user=people.manager1, outcome="postponed")
    customer.refresh_from_db()
    assert customer.status == Customer.Status.PROSPECT
    key_accounts.record_key_account_outcome(entry_id=entry.pk, user=people.manager1, outcome="lost")
    customer.refresh_from_db()
    assert customer.status == Customer.Status.LOST


def test_outcome_statistics_count_second_visits_from_the_visits_that_followed(people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]
    customers = [CustomerFactory(unit_name=f"统计{n}", territory=clubs, owner=people.sales1) for n in range(6)]
    entries = [KeyAccountEntry.objects.create(week=MONDAY, salesperson=people.sales1, customer=c) for c in customers]
    visit(customers[0], people.sales1, MONDAY + timedelta(days=1), Visit.Kind.SECOND)
    visit(customers[1], people.sales1, MONDAY + timedelta(days=2), Visit.Kind.JOINT, joint_manager=people.manager1)
    visit(customers[2], people.sales1, MONDAY + timedelta(days=2), Visit.Kind.FIRST)  # not a follow-up
    visit(customers[3], people.sales1, MONDAY - timedelta(days=1), Visit.Kind.SECOND)  # before the week
    visit(customers[4], people.sales1, MONDAY + timedelta(days=8), Visit.Kind.SECOND)  # the week after
    KeyAccountEntry.objects.filter(pk=entries[0].pk).update(outcome="won")
    KeyAccountEntry.objects.filter(pk=entries[5].pk).update(outcome="second_visit_done")
    KeyAccountEntry.objects.filter(pk=entries[3].pk).update(outcome="lost")

    assert outcome_counts(viewer=people.manager1, week=MONDAY) == {
        "entries": 6,
        "second_visits": 3,
        "won": 1,
        "lost": 1,
        "postponed": 0,
        "open": 3,
    }
    assert outcome_counts(viewer=people.manager2, week=MONDAY)["entries"] == 0


def test_progress_for_the_morning_meeting(entry, people):
    KeyAccountEntry.objects.filter(pk=entry.pk).update(outcome="won")
    JointVisitRequest.objects.create(
        customer=entry.customer, salesperson=people.sales1, manager=people.manager1, reason="r", proposed_at=at(MONDAY)
    )
    expected = {"entries": 1, "second_visits": 0, "won": 1, "lost": 0, "pending_joint_visits": 1}
    assert key_account_progress(viewer=people.manager1, week=MONDAY) == expected
    assert key_account_progress(viewer=people.sales1, week=MONDAY) == expected
    assert key_account_progress(viewer=people.manager2, week=MONDAY) == {
        "entries": 0,
        "second_visits": 0,
        "won": 0,
        "lost": 0,
        "pending_joint_visits": 0,
    }


def test_my_week_puts_due_second_visits_first(people, owned_tree):
    clubs = owned_tree["nanshan_clubs"]

    def make(name, **extra):
        customer = CustomerFactory(unit_name=name, territory=clubs, owner=people.sales1)
        return KeyAccountEntry.objects.create(week=MONDAY, salesperson=people.sales1, customer=customer, **extra)

    later = make("稍后", planned_on=MONDAY + timedelta(days=4))
    unplanned = make("未排")
    won = make("已成交", planned_on=MONDAY, outcome="won")
    due_today = make("今天", planned_on=MONDAY + timedelta(days=2))
    overdue = make("过期", planned_on=MONDAY + timedelta(days=1))

    ids = [e.pk for e in my_week(salesperson=people.sales1, week=MONDAY, today=MONDAY + timedelta(days=2))]

    assert ids == [overdue.pk, due_today.pk, later.pk, unplanned.pk, won.pk]


# --- joint visits --------------------------------------------------------------------------------------


def ask(people, customer, entry=None, manager=None, mode="joint"):
    return key_accounts.request_joint_visit(
        salesperson=people.sales1,
        customer=customer,
        manager=manager or people.manager1,
        mode=mode,
        reason="客户不信任新公司",
        proposed_at=at(MONDAY + timedelta(days=2), 14),
        alternative_at=at(MONDAY + timedelta(days=3), 10),
        entry=entry,
    )


def test_a_request_to_someone_who_is_not_your_manager_is_refused(customer, people, english):
    for not_mine in (people.manager2, people.sales2, people.admin):
        with pytest.raises(key_accounts.NotYourManager) as error:
            ask(people, customer, manager=not_mine)
        assert str(error.value.message) == "You can only ask your own manager for a joint visit."
    assert JointVisitRequest.objects.count() == 0


def test_a_request_for_a_customer_you_do_not_see_is_refused(people, owned_tree):
    theirs = CustomerFactory(territory=owned_tree["nanshan_smes"], owner=people.sales2)
    with pytest.raises(NotPermitted):
        ask(people, theirs)


def test_joint_visit_from_sales1_to_manager1_and_back(customer, entry, people, english):
    request = ask(people, customer, entry=entry)
    assert Notification.objects.get(recipient=people.manager1).link == request.get_absolute_url()

    key_accounts.answer_joint_visit(
        request_id=request.pk,
        manager=people.manager1,
        answer="other_time",
        time_chosen=at(MONDAY + timedelta(days=4), 9),
    )
    request.refresh_from_db()
    assert request.status == JointVisitRequest.Status.OTHER_TIME
    assert Notification.objects.filter(recipient=people.sales1, kind="joint_visit_answer").count() == 1

    key_accounts.accept_manager_time(request_id=request.pk, salesperson=people.sales1)
    request.refresh_from_db()
    assert (request.status, request.scheduled_at) == ("accepted", at(MONDAY + timedelta(days=4), 9))

    visit_logged = key_accounts.log_joint_visit(
        request_id=request.pk, user=people.manager1, visited_at=at(MONDAY + timedelta(days=4), 9), notes="谈妥"
    )
    request.refresh_from_db()
    entry.refresh_from_db()
    assert (visit_logged.kind, visit_logged.salesperson, visit_logged.joint_manager) == (
        "joint",
        people.sales1,
        people.manager1,
    )
    assert visit_logged.visited_on == MONDAY + timedelta(days=4)
    assert (request.status, request.visit) == ("done", visit_logged)
    assert entry.outcome == "second_visit_done"
    assert outcome_counts(viewer=people.manager1, week=MONDAY)["second_visits"] == 1


def test_only_the_addressed_manager_answers_and_only_once(customer, people):
    request = ask(people, customer)
    with pytest.raises(JointVisitRequest.DoesNotExist):
        key_accounts.answer_joint_visit(request_id=request.pk, manager=people.manager2, answer="accept")
    key_accounts.answer_joint_visit(request_id=request.pk, manager=people.manager1, answer="accept")
    request.refresh_from_db()
    assert (request.status, request.scheduled_at) == ("accepted", at(MONDAY + timedelta(days=2), 14))
    with pytest.raises(key_accounts.RequestNotOpen):
        key_accounts.answer_joint_visit(request_id=request.pk, manager=people.manager1, answer="decline")


def test_an_office_invitation_is_logged_as_an_office_visit(customer, people):
    request = ask(people, customer, mode="office")
    key_accounts.answer_joint_visit(request_id=request.pk, manager=people.manager1, answer="accept")
    logged = key_accounts.log_joint_visit(request_id=request.pk, user=people.sales1, visited_at=at(MONDAY, 15))
    assert (logged.kind, logged.joint_manager) == ("office", people.manager1)


def test_a_declined_request_cannot_be_logged(customer, people):
    request = ask(people, customer)
    key_accounts.answer_joint_visit(request_id=request.pk, manager=people.manager1, answer="decline", note="这周没空")
    with pytest.raises(key_accounts.RequestNotOpen):
        key_accounts.log_joint_visit(request_id=request.pk, user=people.sales1, visited_at=at(MONDAY))
    assert Visit.objects.count() == 0


def test_the_meetings_follow_up_is_the_entrys_follow_up_rule(people, owned_tree):
    """entries_for_week works out the customers followed up as one set (issue #24: the Monday meeting and the
    morning meeting); each entry's has_follow_up and card_state stay those of the per-entry rule
    (follow_up_visits): a second, joint or office visit from the entry's Monday on, whoever made it."""
    clubs = owned_tree["nanshan_clubs"]
    customers = [CustomerFactory(unit_name=f"跟进{n}", territory=clubs, owner=people.sales1) for n in range(6)]
    for customer in customers:
        KeyAccountEntry.objects.create(week=MONDAY, salesperson=people.sales1, customer=customer)
    visit(customers[0], people.sales1, MONDAY, Visit.Kind.SECOND)  # on the Monday itself
    visit(customers[1], people.sales3, MONDAY + timedelta(days=3), Visit.Kind.OFFICE)  # another team's visit
    visit(customers[2], people.sales1, MONDAY + timedelta(days=2), Visit.Kind.FIRST)  # not a follow-up
    visit(customers[3], people.sales1, MONDAY - timedelta(days=1), Visit.Kind.SECOND)  # before the week
    visit(customers[4], people.sales1, MONDAY + timedelta(days=9), Visit.Kind.JOINT, joint_manager=people.manager1)

    meeting = {
        entry.customer.unit_name: (entry.has_follow_up, entry.card_state)
        for entry in entries_for_week(viewer=people.manager1, week=MONDAY, today=MONDAY + timedelta(days=10))
    }
    assert meeting == {
        "跟进0": (True, "done"),
        "跟进1": (True, "done"),
        "跟进2": (False, "unplanned"),
        "跟进3": (False, "unplanned"),
        "跟进4": (True, "done"),
        "跟进5": (False, "unplanned"),
    }
    per_entry = {
        entry.customer.unit_name: entry.has_follow_up
        for entry in KeyAccountEntry.objects.filter(week=MONDAY)
        .annotate(has_follow_up=Exists(follow_up_visits()))
        .select_related("customer")
    }
    assert per_entry == {name: followed for name, (followed, _state) in meeting.items()}
