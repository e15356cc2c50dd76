"""Telemarketing 电话营销: call lists built from a segment or an imported file, split among the channel's callers,
worked on the caller's screen; every outcome through one service."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.customers.models import Customer
from campaigns.models import (
    CallAttempt,
    CallEntry,
    CallList,
    CallListCaller,
    MailingRecipient,
    OptOut,
    PhoneInquiry,
    ProspectImport,
)
from campaigns.services import (
    create_call_list,
    create_mailing,
    fill_call_list_from_segment,
    next_call,
    record_call_outcome,
    request_import_check,
    request_import_commit,
    set_call_list_callers,
    start_prospect_import,
)
from campaigns.services.calls import FILL_TASK, NotOnYourScreen, resplit_call_list
from crm.errors import NotFound
from crm.models import PendingTask
from tests.accounts.factories import ContactFactory, CustomerFactory
from tests.campaigns.factories import (
    CallEntryFactory,
    CallListCallerFactory,
    CallListFactory,
    CampaignFactory,
    SegmentFactory,
    SmsTemplateFactory,
)
from tests.crm.factories import SalespersonFactory

pytestmark = pytest.mark.django_db
Status, Outcome = CallEntry.Status, CallEntry.Outcome


def entries(call_list) -> list[tuple]:
    return list(
        CallEntry.objects.filter(call_list=call_list)
        .order_by("position")
        .values_list("position", "phone", "caller__username", "status")
    )


def a_list(telemarketing, people, *, numbers: int = 0, callers=None, **extra) -> CallList:
    """An active list of ``numbers`` fresh numbers split among ``callers`` (sales2 and sales3 by default)."""
    call_list = CallListFactory(channel_type=telemarketing.channel, created_by=people.info1, **extra)
    for caller in callers or (people.sales2, people.sales3):
        CallListCallerFactory(call_list=call_list, caller=caller, added_by=people.info1)
    for position in range(1, numbers + 1):
        CallEntryFactory(call_list=call_list, position=position, phone=f"+861360000{position:04d}")
    resplit_call_list(call_list=call_list)
    return call_list


# --- built from a segment --------------------------------------------------------------------------


@pytest.fixture
def car_owners(telemarketing, people):
    """Five private car owners renewing next month: one without a phone, one opted out of SMS, two sharing a phone."""
    tree = telemarketing.tree
    month = timezone.localdate().month % 12 + 1
    common = {"vehicle_type": "private_car", "renewal_month": month, "district": "南山区"}
    clubs, futian, smes = tree["nanshan_clubs"], tree["futian_clubs"], tree["nanshan_smes"]
    owners = [
        CustomerFactory(unit_name="车主甲", phone="+8613911110001", territory=clubs, owner=people.sales1, **common),
        CustomerFactory(unit_name="车主乙", phone="", territory=clubs, owner=people.sales1, **common),
        CustomerFactory(unit_name="车主丙", phone="+8613911110003", territory=futian, owner=people.sales3, **common),
        CustomerFactory(unit_name="车主丁", phone="+8613911110004", territory=smes, owner=people.sales2, **common),
        CustomerFactory(unit_name="车主戊", phone="+8613911110004", territory=smes, owner=people.sales2, **common),
    ]
    ContactFactory(customer=owners[0], name="甲先生")
    OptOut.objects.create(channel=OptOut.Channel.SMS, address="+8613911110003", source=OptOut.Source.SMS_REPLY)
    CustomerFactory(unit_name="货车队", vehicle_type="truck", renewal_month=month, phone="+8613911110009")
    return owners


def test_a_call_list_from_a_segment_keeps_one_number_each_split_between_the_callers(car_owners, telemarketing, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"], "renewal": "next_month"})

    call_list = create_call_list(
        created_by=people.info1,
        name="私家车主下月续保",
        channel_type=telemarketing.channel,
        callers=[people.sales3, people.sales2],
        segment=segment,
        script="您好，我是天安财险的客服。",
    )

    assert call_list.status == CallList.Status.ACTIVE
    assert call_list.build_summary == {"customers": 5, "no_phone": 1, "opted_out": 1, "duplicates": 1, "added": 2}
    assert entries(call_list) == [
        (1, "+8613911110001", "sales2", Status.FRESH),
        (2, "+8613911110004", "sales3", Status.FRESH),
    ]
    first, second = CallEntry.objects.filter(call_list=call_list).order_by("position")
    assert (first.customer_id, first.name, first.unit_name, first.district) == (
        car_owners[0].pk,
        "甲先生",
        "车主甲",
        "南山区",
    )
    assert second.customer_id == car_owners[3].pk


def test_only_the_channels_people_may_call_and_nothing_is_created_otherwise(car_owners, telemarketing, people, english):
    with pytest.raises(ValidationError) as refused:
        create_call_list(
            created_by=people.info1,
            name="名单",
            channel_type=telemarketing.channel,
            callers=[people.sales1, people.sales2],
        )

    assert refused.value.message_dict["callers"] == [
        f"{people.sales1} own no territory of the channel 有车一族电话营销: only its people call its lists."
    ]
    assert CallList.objects.count() == 0


def test_a_segment_larger_than_a_call_list_holds_is_refused(car_owners, telemarketing, people, settings, english):
    settings.CRM = {**settings.CRM, "CALL_LIST_MAX_NUMBERS": 2}
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})

    with pytest.raises(ValidationError) as refused:
        create_call_list(
            created_by=people.info1, name="名单", channel_type=telemarketing.channel, callers=[people.sales2],
            segment=segment,
        )  # fmt: skip

    assert refused.value.message_dict["segment"] == [
        "The segment has 4 numbers; a call list holds at most 2. Narrow it."
    ]
    assert (CallList.objects.count(), CallEntry.objects.count()) == (0, 0)


def test_a_large_segment_is_added_by_a_worker_once(car_owners, telemarketing, people, settings):
    settings.CRM = {**settings.CRM, "CALL_LIST_SYNC_MAX": 1}
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})

    call_list = create_call_list(
        created_by=people.info1, name="名单", channel_type=telemarketing.channel, callers=[people.sales2],
        segment=segment,
    )  # fmt: skip

    assert (call_list.status, CallEntry.objects.count()) == (CallList.Status.BUILDING, 0)
    assert list(PendingTask.objects.values_list("task", "kwargs")) == [(FILL_TASK, {"call_list_id": call_list.pk})]
    assert fill_call_list_from_segment(call_list_id=call_list.pk) == 2
    assert fill_call_list_from_segment(call_list_id=call_list.pk) == 0  # run twice: nothing more
    call_list.refresh_from_db()
    assert (call_list.status, CallEntry.objects.filter(caller=people.sales2).count()) == (CallList.Status.ACTIVE, 2)


def test_info_staff_build_a_call_list_from_a_segment_on_the_page(client, car_owners, telemarketing, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"], "renewal": "next_month"})
    client.force_login(people.info1)

    form = client.get(reverse("campaigns:call_list_create"), {"segment": segment.pk})
    response = client.post(
        reverse("campaigns:call_list_create"),
        {
            "name": "私家车主下月续保",
            "segment": segment.pk,
            "channel_type": telemarketing.channel.pk,
            "callers": [people.sales2.pk, people.sales3.pk],
            "script": "您好",
            "max_attempts": 3,
            "retry_after_minutes": 120,
        },
    )

    assert form.context["form"].initial["segment"] == segment.pk
    assert list(form.context["form"].fields["callers"].queryset) == [people.sales2, people.sales3]
    call_list = CallList.objects.get()
    assert response["Location"] == call_list.get_absolute_url()
    assert CallEntry.objects.filter(call_list=call_list).count() == 2


# --- the even split ------------------------------------------------------------------------------


def test_numbers_are_split_evenly_in_runs_and_split_again_when_callers_change(telemarketing, people):
    extra = SalespersonFactory(username="sales9")
    from territories.services import assign_territory
    from tests.territories.factories import TerritoryFactory

    seat = TerritoryFactory(
        name="南山电话营销二",
        code="nanshan-tele-2",
        parent=telemarketing.tree["nanshan"],
        channel_type=telemarketing.channel,
    )
    assign_territory(territory=seat, salesperson=extra, assigned_by=people.admin)
    call_list = a_list(telemarketing, people, numbers=10, callers=[people.sales2, people.sales3, extra])

    assert [caller for _p, _n, caller, _s in entries(call_list)] == ["sales2"] * 4 + ["sales3"] * 3 + ["sales9"] * 3

    # sales3 called position 5 (no answer): that number stays theirs while they are on the list.
    CallEntry.objects.filter(call_list=call_list, position=5).update(status=Status.RETRY, attempts=1)
    set_call_list_callers(call_list=call_list, callers=[people.sales2, people.sales3], changed_by=people.info1)

    assert [caller for _p, _n, caller, _s in entries(call_list)] == (
        ["sales2"] * 4 + ["sales3"] + ["sales2"] + ["sales3"] * 4
    )  # 9 fresh numbers: 5 and 4; the retry at position 5 stays with sales3
    assert CallListCaller.objects.filter(call_list=call_list, caller=extra, removed_at__isnull=False).count() == 1

    # sales3 leaves: what they started goes to the one left, with every fresh number.
    set_call_list_callers(call_list=call_list, callers=[people.sales2], changed_by=people.info1)
    assert {caller for _p, _n, caller, _s in entries(call_list)} == {"sales2"}


def test_the_split_is_the_same_whoever_asks_twice(telemarketing, people):
    call_list = a_list(telemarketing, people, numbers=7)
    first = entries(call_list)

    resplit_call_list(call_list=call_list)

    assert entries(call_list) == first
    assert [c for _p, _n, c, _s in first] == ["sales2"] * 4 + ["sales3"] * 3


# --- an imported list of numbers -------------------------------------------------------------------


NUMBERS = (
    "姓名,电话,所在区,行业\n"
    "张先生,13700000001,南山区,私家车主\n"  # row 2: good
    "李女士,13800000099,南山区,私家车主\n"  # row 3: a customer's contact's phone
    "王先生,13700000003,福田区,\n"  # row 4: on the do-not-call list
    "赵先生,13600000001,南山区,\n"  # row 5: already on the call list
    "钱先生,13700000001,南山区,\n"  # row 6: same phone as row 2
    "孙先生,12345,南山区,\n"  # row 7: not a phone
    "周先生,,南山区,\n"  # row 8: no phone
    "吴先生,13700000008,福田区,私家车主\n"  # row 9: good
    "郑先生,13700000009,南山区,私家车主\n"  # row 10: good
)


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("numbers.csv", text.encode(), content_type="text/csv")


def test_an_imported_list_is_checked_against_customers_the_opt_outs_and_the_list_then_added_all_at_once(
    telemarketing, people, settings, tmp_path, english
):
    settings.MEDIA_ROOT = tmp_path
    call_list = a_list(telemarketing, people, numbers=1)  # +8613600000001 at position 1
    ContactFactory(customer=CustomerFactory(phone="+8613800000001"), name="李女士", mobile="+8613800000099")
    OptOut.objects.create(channel=OptOut.Channel.PHONE, address="+8613700000003", source=OptOut.Source.CALL)

    prospect_import = start_prospect_import(created_by=people.info1, uploaded_file=upload(NUMBERS), call_list=call_list)
    prospect_import = request_import_check(prospect_import=prospect_import)

    assert prospect_import.mapping == {"contact_name": 0, "phone": 1, "district": 2, "business_type": 3}
    assert (prospect_import.status, prospect_import.valid_rows, prospect_import.error_rows) == ("validated", 3, 2)
    assert list(prospect_import.issues.values_list("row_number", "kind")) == [
        (3, "duplicate_existing"),
        (4, "opted_out"),
        (5, "on_call_list"),
        (6, "duplicate_in_file"),
        (7, "error"),
        (8, "error"),
    ]
    assert CallEntry.objects.filter(call_list=call_list).count() == 1  # the dry run writes nothing

    request_import_commit(prospect_import=prospect_import)

    prospect_import.refresh_from_db()
    assert (prospect_import.status, prospect_import.created_count) == (ProspectImport.Status.COMMITTED, 3)
    assert entries(call_list) == [
        (1, "+8613600000001", "sales2", Status.FRESH),
        (2, "+8613700000001", "sales2", Status.FRESH),
        (3, "+8613700000008", "sales3", Status.FRESH),
        (4, "+8613700000009", "sales3", Status.FRESH),
    ]
    assert CallEntry.objects.get(phone="+8613700000001").name == "张先生"
    assert Customer.objects.count() == 1  # numbers to call are no customers


def test_the_import_page_counts_what_was_skipped_and_why(client, telemarketing, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_list = a_list(telemarketing, people, numbers=1)
    ContactFactory(customer=CustomerFactory(phone="+8613800000001"), name="李女士", mobile="+8613800000099")
    OptOut.objects.create(channel=OptOut.Channel.SMS, address="+8613700000003", source=OptOut.Source.SMS_REPLY)
    client.force_login(people.info1)

    uploaded = client.post(call_list.get_absolute_url(), {"action": "upload", "file": upload(NUMBERS)})
    prospect_import = ProspectImport.objects.get()
    client.post(prospect_import.get_absolute_url(), {"contact_name": "0", "phone": "1", "district": "2"})
    page = client.get(prospect_import.get_absolute_url())
    committed = client.post(reverse("campaigns:import_commit", kwargs={"pk": prospect_import.pk}))

    assert uploaded["Location"] == prospect_import.get_absolute_url()
    assert page.context["issue_counts"] == {
        "duplicate_existing": 1,
        "opted_out": 1,
        "on_call_list": 1,
        "duplicate_in_file": 1,
        "error": 2,
    }
    body = page.content.decode()
    assert '<dd class="col-4 text-end" id="rows-opted-out">1</dd>' in body
    assert committed["Location"] == call_list.get_absolute_url()
    assert CallEntry.objects.filter(call_list=call_list).count() == 4


def test_an_import_that_would_overfill_the_list_adds_nothing(telemarketing, people, settings, tmp_path, english):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM = {**settings.CRM, "CALL_LIST_MAX_NUMBERS": 3}
    call_list = a_list(telemarketing, people, numbers=1)
    prospect_import = request_import_check(
        prospect_import=start_prospect_import(
            created_by=people.info1, uploaded_file=upload(NUMBERS), call_list=call_list
        )
    )

    with pytest.raises(Exception, match="holds at most 3 numbers"):
        request_import_commit(prospect_import=prospect_import)

    prospect_import.refresh_from_db()
    assert prospect_import.status == ProspectImport.Status.VALIDATED
    assert CallEntry.objects.filter(call_list=call_list).count() == 1


# --- the next number ---------------------------------------------------------------------------------


def test_callbacks_due_come_first_then_retries_then_new_numbers_and_nothing_not_yet_due(telemarketing, people):
    call_list = a_list(telemarketing, people, callers=[people.sales2])
    now = timezone.now()
    for position, status, next_call_at in [
        (1, Status.FRESH, None),
        (2, Status.FRESH, None),
        (3, Status.RETRY, now - timedelta(minutes=5)),
        (4, Status.CALLBACK, now - timedelta(minutes=1)),
        (5, Status.CALLBACK, now + timedelta(hours=2)),  # later today
        (6, Status.RETRY, now + timedelta(minutes=30)),
        (7, Status.CALLBACK, now - timedelta(days=1)),  # missed yesterday: the most overdue first
    ]:
        CallEntryFactory(
            call_list=call_list, position=position, caller=people.sales2, status=status, next_call_at=next_call_at
        )

    offered = []
    while (entry := next_call(caller=people.sales2)) is not None:
        offered.append(entry.position)
        record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.NOT_INTERESTED)

    assert offered == [7, 4, 3, 1, 2]


def test_the_number_on_the_screen_comes_back_until_its_outcome_is_saved(telemarketing, people):
    a_list(telemarketing, people, numbers=4)

    first = next_call(caller=people.sales2)
    again = next_call(caller=people.sales2)

    assert (first.position, again.position) == (1, 1)
    assert CallEntry.objects.get(pk=first.pk).claimed_by == people.sales2


def test_a_screen_left_alone_is_given_back_after_the_claim_time(telemarketing, people, settings):
    a_list(telemarketing, people, numbers=4)
    first = next_call(caller=people.sales2)
    later = timezone.now() + timedelta(minutes=settings.CRM["CALL_CLAIM_MINUTES"] + 1)

    assert next_call(caller=people.sales2, now=later).pk == first.pk  # given back, then the first due again
    assert CallEntry.objects.filter(claimed_by__isnull=False).count() == 1


def test_a_phone_on_another_callers_screen_is_not_offered_from_another_list(telemarketing, people):
    one = a_list(telemarketing, people, callers=[people.sales2])
    two = a_list(telemarketing, people, callers=[people.sales3])
    CallEntryFactory(call_list=one, position=1, phone="+8613900000001", caller=people.sales2)
    CallEntryFactory(call_list=two, position=1, phone="+8613900000001", caller=people.sales3)
    CallEntryFactory(call_list=two, position=2, phone="+8613900000002", caller=people.sales3)

    mine = next_call(caller=people.sales2)
    theirs = next_call(caller=people.sales3)

    assert (str(mine.phone), str(theirs.phone)) == ("+8613900000001", "+8613900000002")


def test_a_number_opted_out_after_the_list_was_built_is_never_offered(telemarketing, people):
    call_list = a_list(telemarketing, people, numbers=2, callers=[people.sales2])
    OptOut.objects.create(channel=OptOut.Channel.SMS, address="+8613600000001", source=OptOut.Source.BY_HAND)

    offered = next_call(caller=people.sales2)

    assert offered.position == 2
    assert CallEntry.objects.get(call_list=call_list, position=1).status == Status.BARRED


def test_a_closed_list_offers_nothing(telemarketing, people):
    from campaigns.services import close_call_list

    call_list = a_list(telemarketing, people, numbers=2)
    close_call_list(call_list=call_list)

    assert next_call(caller=people.sales2) is None


# --- outcomes ----------------------------------------------------------------------------------------


@pytest.fixture
def on_screen(telemarketing, people):
    """sales2 has the first number of a fresh list of three on the screen."""
    a_list(telemarketing, people, numbers=3, callers=[people.sales2], max_attempts=2, retry_after_minutes=60)
    return next_call(caller=people.sales2)


def test_no_answer_is_called_again_later_and_given_up_after_the_attempts(on_screen, people):
    before = timezone.now()
    entry = record_call_outcome(caller=people.sales2, entry_id=on_screen.pk, outcome=Outcome.NO_ANSWER)

    assert (entry.status, entry.attempts, entry.claimed_by, entry.reached_at) == (Status.RETRY, 1, None, None)
    assert before + timedelta(minutes=60) <= entry.next_call_at <= timezone.now() + timedelta(minutes=60)

    CallEntry.objects.filter(pk=entry.pk).update(next_call_at=timezone.now() - timedelta(minutes=1))
    assert next_call(caller=people.sales2).pk == entry.pk
    entry = record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.NO_ANSWER)

    assert (entry.status, entry.attempts, entry.next_call_at) == (Status.DONE, 2, None)
    assert list(CallAttempt.objects.values_list("outcome", flat=True)) == ["no_answer", "no_answer"]


def test_a_callback_is_saved_for_its_time_and_a_past_time_is_refused(on_screen, people, english):
    with pytest.raises(ValidationError) as refused:
        record_call_outcome(
            caller=people.sales2,
            entry_id=on_screen.pk,
            outcome=Outcome.CALLBACK,
            callback_at=timezone.now() - timedelta(minutes=1),
        )
    assert refused.value.message_dict == {"callback_at": ["The time to call back must be in the future."]}
    assert CallEntry.objects.get(pk=on_screen.pk).claimed_by == people.sales2  # nothing changed

    at = timezone.now() + timedelta(hours=3)
    entry = record_call_outcome(
        caller=people.sales2, entry_id=on_screen.pk, outcome=Outcome.CALLBACK, callback_at=at, note="下午三点后"
    )

    assert (entry.status, entry.next_call_at, entry.note, entry.reached_at is not None) == (
        Status.CALLBACK,
        at,
        "下午三点后",
        True,
    )
    assert CallAttempt.objects.get().callback_at == at


@pytest.mark.parametrize("outcome", [Outcome.NOT_INTERESTED, Outcome.WRONG_NUMBER])
def test_not_interested_and_wrong_number_are_done(on_screen, people, outcome):
    entry = record_call_outcome(caller=people.sales2, entry_id=on_screen.pk, outcome=outcome)

    assert (entry.status, entry.outcome, entry.attempts) == (Status.DONE, outcome, 1)
    assert (entry.reached_at is not None) == (outcome == Outcome.NOT_INTERESTED)


def test_an_outcome_is_saved_once_and_only_by_the_numbers_caller(on_screen, people):
    record_call_outcome(caller=people.sales2, entry_id=on_screen.pk, outcome=Outcome.NO_ANSWER)

    with pytest.raises(NotOnYourScreen):
        record_call_outcome(caller=people.sales2, entry_id=on_screen.pk, outcome=Outcome.NO_ANSWER)
    with pytest.raises(NotFound):
        record_call_outcome(caller=people.sales3, entry_id=on_screen.pk, outcome=Outcome.NO_ANSWER)
    assert CallAttempt.objects.count() == 1


def test_interested_becomes_a_customer_of_the_territorys_salesperson_as_an_inquiry_does(client, telemarketing, people):
    """A number from a file: 南山区 and a car club's business route to 南山车友会, held by sales1 (not a caller)."""
    campaign = CampaignFactory(name="车友会电话营销")
    call_list = a_list(telemarketing, people, callers=[people.sales2], campaign=campaign)
    CallEntryFactory(call_list=call_list, position=1, phone="+8613700000001", name="张先生", caller=people.sales2)
    entry = next_call(caller=people.sales2)

    entry = record_call_outcome(
        caller=people.sales2,
        entry_id=entry.pk,
        outcome=Outcome.INTERESTED,
        details={"district": "南山区", "business_type": "车友会", "topic": "两台车续保报价"},
    )

    inquiry = PhoneInquiry.objects.get()
    customer = Customer.objects.get()
    assert (entry.status, entry.inquiry, entry.customer) == (Status.DONE, inquiry, customer)
    assert (inquiry.channel, inquiry.salesperson_id, inquiry.territory, inquiry.campaign, inquiry.entered_by) == (
        PhoneInquiry.Channel.TELEMARKETING,
        people.sales1.pk,
        telemarketing.tree["nanshan_clubs"],
        campaign,
        people.sales2,
    )
    assert (inquiry.caller_name, inquiry.topic, inquiry.status) == ("张先生", "两台车续保报价", "assigned")
    assert (customer.owner_id, customer.territory, customer.source, customer.phone) == (
        people.sales1.pk,
        telemarketing.tree["nanshan_clubs"],
        Customer.Source.TELEMARKETING,
        "+8613700000001",
    )
    client.force_login(people.sales1)
    assert [c.pk for c in client.get(reverse("accounts:customer_list")).context["page"].object_list] == [customer.pk]
    assert [i.pk for i in client.get(reverse("campaigns:inquiry_list")).context["page_obj"]] == [inquiry.pk]


def test_interested_car_owner_without_a_business_goes_to_the_channels_territory_of_the_district(telemarketing, people):
    """No business said: the list's own channel (car owners by telephone) routes it, to 福田电话营销's sales3."""
    call_list = a_list(telemarketing, people, callers=[people.sales2])
    CallEntryFactory(call_list=call_list, position=1, phone="+8613700000002", name="吴女士", caller=people.sales2)
    entry = next_call(caller=people.sales2)

    record_call_outcome(
        caller=people.sales2, entry_id=entry.pk, outcome=Outcome.INTERESTED, details={"district": "福田区"}
    )

    assert Customer.objects.values_list("owner__username", "territory__code", "channel_type__code").get() == (
        "sales3",
        "futian-tele",
        "car-owner-telemarketing",
    )


def test_interested_existing_customer_goes_to_its_holder_without_a_second_customer(car_owners, telemarketing, people):
    segment = SegmentFactory(criteria={"vehicle_types": ["private_car"]})
    call_list = create_call_list(
        created_by=people.info1, name="名单", channel_type=telemarketing.channel, callers=[people.sales2],
        segment=segment,
    )  # fmt: skip
    entry = next_call(caller=people.sales2)  # 车主甲, sales1's

    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.INTERESTED)

    inquiry = PhoneInquiry.objects.get()
    assert (inquiry.customer_id, inquiry.salesperson_id) == (car_owners[0].pk, people.sales1.pk)
    assert Customer.objects.count() == 6
    assert CallEntry.objects.get(pk=entry.pk, call_list=call_list).inquiry == inquiry


def test_interested_without_a_place_to_route_is_refused_and_nothing_changes(telemarketing, people, english):
    call_list = a_list(telemarketing, people, callers=[people.sales2])
    CallEntryFactory(call_list=call_list, position=1, caller=people.sales2)
    entry = next_call(caller=people.sales2)

    with pytest.raises(ValidationError) as refused:
        record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.INTERESTED)

    assert refused.value.message_dict == {
        "district": ["Give the district or the address, so that the call can be routed."]
    }
    assert (PhoneInquiry.objects.count(), CallAttempt.objects.count()) == (0, 0)
    assert CallEntry.objects.get(pk=entry.pk).claimed_by == people.sales2


def test_do_not_call_is_never_offered_again_on_any_list_nor_sent_an_sms(telemarketing, people):
    mine = a_list(telemarketing, people, callers=[people.sales2])
    theirs = a_list(telemarketing, people, callers=[people.sales3])
    CallEntryFactory(call_list=mine, position=1, phone="+8613900000007", caller=people.sales2)
    CallEntryFactory(call_list=theirs, position=1, phone="+8613900000007", caller=people.sales3)
    CallEntryFactory(call_list=theirs, position=2, phone="+8613900000008", caller=people.sales3)
    customer = CustomerFactory(phone="+8613900000007", vehicle_type="private_car")
    queued = create_mailing(
        campaign=CampaignFactory(), channel="sms", created_by=people.info1, sms_template=SmsTemplateFactory(),
        segment=SegmentFactory(criteria={"vehicle_types": ["private_car"]}),
    )  # fmt: skip
    entry = next_call(caller=people.sales2)

    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.DO_NOT_CALL)

    assert list(OptOut.objects.values_list("channel", "address", "source")) == [("phone", "+8613900000007", "call")]
    assert CallEntry.objects.filter(phone="+8613900000007").values_list("status", flat=True).distinct().get() == (
        Status.BARRED
    )
    assert str(next_call(caller=people.sales3).phone) == "+8613900000008"
    assert MailingRecipient.objects.get(mailing=queued).status == MailingRecipient.Status.SKIPPED_OPTED_OUT
    later = create_mailing(
        campaign=CampaignFactory(), channel="sms", created_by=people.info1, sms_template=SmsTemplateFactory(),
        segment=SegmentFactory(criteria={"vehicle_types": ["private_car"]}),
    )  # fmt: skip
    assert list(MailingRecipient.objects.filter(mailing=later).values_list("customer", "status")) == [
        (customer.pk, MailingRecipient.Status.SKIPPED_OPTED_OUT)
    ]
    new_list = create_call_list(
        created_by=people.info1, name="再来一次", channel_type=telemarketing.channel, callers=[people.sales2],
        segment=SegmentFactory(criteria={"vehicle_types": ["private_car"]}),
    )  # fmt: skip
    assert new_list.build_summary["opted_out"] == 1
    assert CallEntry.objects.filter(call_list=new_list).count() == 0


def test_an_sms_reply_td_takes_the_number_off_every_call_list(telemarketing, people):
    from campaigns.services import handle_sms_reply

    call_list = a_list(telemarketing, people, numbers=2, callers=[people.sales2])

    assert handle_sms_reply(phone="136 0000 0001", text="退订") is True

    assert entries(call_list) == [
        (1, "+8613600000001", "sales2", Status.BARRED),
        (2, "+8613600000002", "sales2", Status.FRESH),
    ]
    assert next_call(caller=people.sales2).position == 2


def test_closing_a_list_gives_its_open_numbers_to_nobody(telemarketing, people):
    from campaigns.services import close_call_list

    call_list = a_list(telemarketing, people, numbers=3)
    entry = next_call(caller=people.sales2)
    record_call_outcome(caller=people.sales2, entry_id=entry.pk, outcome=Outcome.NOT_INTERESTED)

    close_call_list(call_list=call_list)

    assert entries(call_list) == [
        (1, "+8613600000001", "sales2", Status.DONE),
        (2, "+8613600000002", None, Status.FRESH),
        (3, "+8613600000003", None, Status.FRESH),
    ]
    assert next_call(caller=people.sales3) is None
