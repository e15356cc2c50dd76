"""The approvals engine: who decides, deciding once, 404 for others, withdrawal, reminders, the inbox."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.approvals import services as approvals
from crm.approvals.services import (
    AlreadyDecided,
    ApprovalKind,
    decide_approval,
    remind_pending_approvals,
    request_approval,
    withdraw_approval,
)
from crm.errors import NotFound
from crm.models import Approval, Notification

TZ = timezone.get_default_timezone()


@pytest.fixture
def applied():
    """A kind of its own for these tests; records what its decisions did."""
    done: list[tuple[str, int]] = []
    kind = ApprovalKind(
        name="test_kind",
        label="Test",
        on_approved=lambda approval: done.append(("approved", approval.pk)),
        on_rejected=lambda approval: done.append(("rejected", approval.pk)),
        on_withdrawn=lambda approval: done.append(("withdrawn", approval.pk)),
    )
    approvals.register_approval_kind(kind)
    yield done
    approvals._KINDS.pop("test_kind")


def ask(requester, summary="2026-11-27 看病"):
    return request_approval(kind="test_kind", requester=requester, summary=summary, payload={"n": 1})


def test_the_team_manager_decides_a_salespersons_request_and_is_told(people, applied):
    approval = ask(people.sales1)

    assert (approval.approver, approval.state) == (people.manager1, Approval.State.PENDING)
    note = Notification.objects.get(kind="approval_waiting")
    assert note.recipient == people.manager1
    assert note.link == reverse("approvals:detail", args=[approval.pk])


def test_a_managers_own_request_goes_to_the_admin(people, applied):
    assert ask(people.manager1).approver == people.admin


def test_approving_applies_the_kind_and_tells_the_requester(people, applied, english):
    people.sales1.language = "en"  # notifications are written in the recipient's language
    people.sales1.save()
    approval = ask(people.sales1)

    decided = decide_approval(approval_id=approval.pk, user=people.manager1, approve=True, comment="好")

    assert (decided.state, decided.decided_by, decided.decision_comment) == ("approved", people.manager1, "好")
    assert applied == [("approved", approval.pk)]
    note = Notification.objects.get(kind="approval_decided")
    assert note.recipient == people.sales1
    assert note.text == f"{people.manager1} approved: 2026-11-27 看病 (好)"


def test_someone_who_may_not_decide_gets_not_found_and_nothing_changes(people, applied):
    approval = ask(people.sales1)

    for outsider in (people.manager2, people.sales2, people.sales1, people.info1):
        with pytest.raises(NotFound):
            decide_approval(approval_id=approval.pk, user=outsider, approve=True)

    approval.refresh_from_db()
    assert approval.state == Approval.State.PENDING
    assert applied == []


def test_the_admin_may_decide_any_request(people, applied):
    approval = ask(people.sales1)
    assert decide_approval(approval_id=approval.pk, user=people.admin, approve=False).state == "rejected"
    assert applied == [("rejected", approval.pk)]


def test_deciding_twice_keeps_the_first_decision_and_says_who_and_when(people, applied, english):
    approval = ask(people.sales1)
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=TZ), tick=False):
        decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)

    with pytest.raises(AlreadyDecided) as refused:
        decide_approval(approval_id=approval.pk, user=people.admin, approve=False)

    assert str(refused.value) == f"Already approved by {people.manager1} at 2026-11-25 09:30."
    approval.refresh_from_db()
    assert (approval.state, approval.decided_by) == ("approved", people.manager1)
    assert applied == [("approved", approval.pk)]


def test_only_the_requester_withdraws_and_a_withdrawn_request_cannot_be_decided(people, applied, english):
    approval = ask(people.sales1)
    with pytest.raises(NotFound):
        withdraw_approval(approval_id=approval.pk, user=people.manager1)

    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=TZ), tick=False):
        withdraw_approval(approval_id=approval.pk, user=people.sales1)

    with pytest.raises(AlreadyDecided, match=f"Already withdrawn by {people.sales1} at 2026-11-25 10:00."):
        decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)
    assert applied == [("withdrawn", approval.pk)]


def test_reminders_once_per_threshold_and_idempotent(people, applied):
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=TZ), tick=False):
        old = ask(people.sales1, "old")
    with time_machine.travel(datetime(2026, 11, 25, 8, 0, tzinfo=TZ), tick=False):
        young = ask(people.sales2, "young")
        decided = ask(people.sales2, "decided")
        decide_approval(approval_id=decided.pk, user=people.manager1, approve=True)

    now = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # old: 48 h, young: 2 h
    assert remind_pending_approvals(now=now) == 1
    assert remind_pending_approvals(now=now) == 0
    assert remind_pending_approvals(now=now + timedelta(hours=23)) == 1  # young passes 24 h
    assert remind_pending_approvals(now=now + timedelta(hours=24)) == 1  # old passes 72 h
    assert remind_pending_approvals(now=now + timedelta(days=30)) == 1  # young passes 72 h; then nothing more
    assert remind_pending_approvals(now=now + timedelta(days=31)) == 0

    reminders = Notification.objects.filter(kind="approval_reminder").order_by("pk")
    assert [n.link for n in reminders] == [
        reverse("approvals:detail", args=[pk]) for pk in (old.pk, young.pk, old.pk, young.pk)
    ]
    assert set(reminders.values_list("recipient__username", flat=True)) == {"manager1"}
    assert Approval.objects.get(pk=old.pk).reminders_sent == 2


def test_inbox_lists_what_waits_and_the_count_shows_on_the_start_page_and_menu(client, people, applied):
    first, second = ask(people.sales1, "first"), ask(people.sales2, "second")
    ask(people.sales3, "other team")
    client.force_login(people.manager1)

    inbox = client.get(reverse("approvals:inbox"))
    assert [a.pk for a in inbox.context["to_decide"]] == [first.pk, second.pk]
    start = client.get(reverse("performance:morning_meeting"))
    assert start.context["pending_approvals"] == 2
    html = start.content.decode()
    assert 'id="pending-approvals-alert"' in html
    assert '<span class="badge text-bg-danger" id="nav-pending-approvals">2</span>' in html


def test_deciding_from_the_inbox_and_twice(client, people, applied):
    approval = ask(people.sales1)
    client.force_login(people.manager1)

    answer = client.post(reverse("approvals:decide", args=[approval.pk]), {"decision": "approve"})
    assert answer.status_code == 302
    assert Approval.objects.get(pk=approval.pk).state == "approved"

    again = client.post(reverse("approvals:decide", args=[approval.pk]), {"decision": "reject"}, follow=True)
    decided_at = Approval.objects.get(pk=approval.pk).decided_at
    when = timezone.localtime(decided_at).strftime("%Y-%m-%d %H:%M")
    assert f"已由 {people.manager1} 于 {when} 批准。" in again.content.decode()
    assert Approval.objects.get(pk=approval.pk).state == "approved"


def test_an_outsider_gets_404_on_the_pages(client, people, applied):
    approval = ask(people.sales1)
    client.force_login(people.manager2)
    assert client.get(reverse("approvals:detail", args=[approval.pk])).status_code == 404
    assert client.post(reverse("approvals:decide", args=[approval.pk]), {"decision": "approve"}).status_code == 404
    client.force_login(people.sales2)
    assert client.post(reverse("approvals:withdraw", args=[approval.pk])).status_code == 404
    assert Approval.objects.get(pk=approval.pk).state == "pending"


@pytest.mark.parametrize("size", [2, 12])
def test_inbox_queries_do_not_grow_with_the_rows(client, people, applied, django_assert_max_num_queries, size):
    for n in range(size):
        approval = ask(people.sales1 if n % 2 else people.sales2, f"r{n}")
        if n % 3 == 0:
            decide_approval(approval_id=approval.pk, user=people.manager1, approve=True)
    client.force_login(people.manager1)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("approvals:inbox")).status_code == 200
    client.force_login(people.sales1)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("approvals:inbox")).status_code == 200


# --- the API: the same services ----------------------------------------------------------------------------


def test_api_lists_each_their_own_and_decides_once(client, people, applied, english):
    first, other = ask(people.sales1, "first"), ask(people.sales3, "other team")
    client.force_login(people.manager1)
    listed = client.get("/api/approvals/?box=to_decide").json()["results"]
    assert [row["id"] for row in listed] == [first.pk]
    assert client.get(f"/api/approvals/{other.pk}/").status_code == 404
    assert client.post(f"/api/approvals/{other.pk}/decide/", {"decision": "approve"}).status_code == 404

    decided = client.post(f"/api/approvals/{first.pk}/decide/", {"decision": "approve", "comment": "好"})
    assert decided.status_code == 200
    assert (decided.json()["state"], decided.json()["decision_comment"]) == ("approved", "好")
    again = client.post(f"/api/approvals/{first.pk}/decide/", {"decision": "reject"})
    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"已由 {people.manager1} 于 ")
    assert client.get("/api/approvals/?box=nonsense").status_code == 400

    client.force_login(people.sales3)
    assert [row["id"] for row in client.get("/api/approvals/?box=mine").json()["results"]] == [other.pk]
    withdrawn = client.post(f"/api/approvals/{other.pk}/withdraw/")
    assert (withdrawn.status_code, withdrawn.json()["state"]) == (200, "withdrawn")
    assert applied == [("approved", first.pk), ("withdrawn", other.pk)]
