"""A customer moved to another salesperson at a salesperson's request, once the manager approves (crm.approvals)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.customers.models import Customer, OwnerChange
from accounts.customers.services import request_customer_move
from crm.approvals.services import decide_approval
from crm.errors import ApplicationError, NotFound
from crm.models import Approval
from tests.accounts.factories import CustomerFactory

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def customer(owned_tree, people):
    return CustomerFactory(territory=owned_tree["nanshan_clubs"], owner=people.sales1, unit_name="南山车行")


def test_sales1_asks_manager1_approves_and_the_customer_moves_with_history(client, customer, people, owned_tree):
    client.force_login(people.sales1)
    answer = client.post(
        reverse("accounts:customer_move", args=[customer.pk]), {"to_owner": people.sales2.pk, "reason": "离他近"}
    )
    assert answer.status_code == 302
    approval = Approval.objects.get()
    assert (approval.kind, approval.approver, approval.summary) == (
        "customer_move",
        people.manager1,
        f"南山车行 → {people.sales2} 离他近",
    )
    assert Customer.objects.get(pk=customer.pk).owner == people.sales1  # nothing moves before the decision

    decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    moved = Customer.objects.get(pk=customer.pk)
    assert (moved.owner, moved.territory) == (people.sales2, owned_tree["nanshan_smes"])
    change = OwnerChange.objects.get(customer=customer, kind=OwnerChange.Kind.EDITED)
    assert (change.from_owner, change.to_owner, change.changed_by) == (people.sales1, people.sales2, people.manager1)


def test_a_move_the_territories_cannot_take_refuses_the_decision_and_changes_nothing(customer, people):
    approval = request_customer_move(customer_id=customer.pk, requester=people.sales1, to_owner_id=people.sales3.pk)

    with pytest.raises(ValidationError, match=f"No territory of {people.sales3} matches this customer"):
        decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    assert Approval.objects.get().state == "pending"
    assert Customer.objects.get(pk=customer.pk).owner == people.sales1


def test_a_customer_that_changed_hands_meanwhile_is_not_moved(customer, people):
    approval = request_customer_move(customer_id=customer.pk, requester=people.sales1, to_owner_id=people.sales2.pk)
    Customer.objects.filter(pk=customer.pk).update(owner=people.sales3)

    with pytest.raises(ApplicationError, match=f"南山车行 is no longer held by {people.sales1}: nothing to move."):
        decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)
    assert Approval.objects.get().state == "pending"


def test_bad_move_requests_are_refused(customer, people):
    with pytest.raises(ValidationError, match="Choose another active salesperson"):
        request_customer_move(customer_id=customer.pk, requester=people.sales1, to_owner_id=people.manager1.pk)
    with pytest.raises(NotFound):
        request_customer_move(customer_id=customer.pk, requester=people.sales3, to_owner_id=people.sales2.pk)
    request_customer_move(customer_id=customer.pk, requester=people.sales1, to_owner_id=people.sales2.pk)
    with pytest.raises(ValidationError, match="A move of 南山车行 already waits for approval"):
        request_customer_move(customer_id=customer.pk, requester=people.sales1, to_owner_id=people.sales2.pk)
    assert Approval.objects.count() == 1
