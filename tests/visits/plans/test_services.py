"""Planning a week: add, move, take off, purpose; the rules and their messages; the day kept in route order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from crm.errors import ApplicationError, NotPermitted
from tests.visits.factories import LeaveFactory, RoutePlanFactory, RouteStopFactory, WorkingDayFactory
from tests.visits.plans.conftest import FRIDAY, LAST_PLANNABLE, SATURDAY, THURSDAY, TUESDAY, WEDNESDAY
from visits.models import RoutePlan, RouteStop
from visits.plans.services import add_to_plan, move_stop, remove_stop, save_route_plan, update_stop_note


def stops_of(salesperson, day) -> list[tuple[str, int]]:
    return list(
        RouteStop.objects.filter(plan__salesperson=salesperson, plan__day=day)
        .order_by("position")
        .values_list("customer__unit_name", "position")
    )


def test_each_day_is_kept_in_route_order_with_its_legs(people, street):
    for letter in "DAXCB":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=THURSDAY)

    assert stops_of(people.sales1, THURSDAY) in (
        [("客户A", 1), ("客户B", 2), ("客户C", 3), ("客户D", 4), ("客户X", 5)],
        [("客户D", 1), ("客户C", 2), ("客户B", 3), ("客户A", 4), ("客户X", 5)],
    )
    legs = list(
        RouteStop.objects.filter(plan__day=THURSDAY)
        .order_by("position")
        .values_list("distance_from_previous_m", flat=True)
    )
    assert legs == [None, 1023, 1023, 1023, None]


def test_a_plan_is_made_with_its_purpose_and_no_warning_on_a_working_day(people, street):
    change = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=WEDNESDAY, note=" 送报价单 ")

    assert change.warnings == []
    plan = RoutePlan.objects.get()
    assert (plan.salesperson, plan.day) == (people.sales1, WEDNESDAY)
    assert (change.stop.customer_id, change.stop.position, change.stop.note) == (street["A"].pk, 1, "送报价单")


def test_a_past_day_is_refused_and_nothing_is_written(people, street, english):
    with pytest.raises(ApplicationError, match=r"^Tue 11-24 has passed: plan today or a later day\.$") as refusal:
        add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=TUESDAY)

    assert refusal.value.extra == {"code": "day_past"}
    assert RoutePlan.objects.count() == 0


def test_a_day_beyond_next_week_is_refused(people, street, english):
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=LAST_PLANNABLE)

    with pytest.raises(ApplicationError, match=r"^Plan up to the end of next week \(Sun 12-06\)\.$"):
        add_to_plan(salesperson=people.sales1, customer_id=street["B"].pk, day=LAST_PLANNABLE + timedelta(days=1))
    assert stops_of(people.sales1, LAST_PLANNABLE) == [("客户A", 1)]


def test_a_customer_already_planned_that_day_is_told_not_doubled(people, street, english):
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY)

    with pytest.raises(ApplicationError, match=r"^客户A is already planned on Thu 11-26\.$") as refusal:
        add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY)

    assert refusal.value.extra == {"code": "already_planned"}
    assert stops_of(people.sales1, THURSDAY) == [("客户A", 1)]
    # Another day is another plan.
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=FRIDAY)
    assert RouteStop.objects.filter(customer=street["A"]).count() == 2


def test_a_day_off_and_a_day_of_leave_are_planned_with_a_warning(people, street, english):
    WorkingDayFactory(day=THURSDAY, is_working=False, note="节假日")
    LeaveFactory(salesperson=people.sales1, start_day=FRIDAY, end_day=FRIDAY)

    saturday = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=SATURDAY)
    holiday = add_to_plan(salesperson=people.sales1, customer_id=street["B"].pk, day=THURSDAY)
    leave = add_to_plan(salesperson=people.sales1, customer_id=street["C"].pk, day=FRIDAY)

    assert saturday.warnings == ["Sat 11-28 is not a working day."]
    assert holiday.warnings == ["Thu 11-26 is not a working day."]
    assert leave.warnings == ["You are on leave on Fri 11-27."]
    assert RouteStop.objects.count() == 3


def test_a_full_day_is_refused(people, street, english, settings):
    settings.CRM = {**settings.CRM, "ROUTE_MAX_STOPS": 2}  # four stops a day
    for letter in "ABCD":
        add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=THURSDAY)

    with pytest.raises(ApplicationError, match=r"^Thu 11-26 has 4 stops, the most for one day\.$"):
        add_to_plan(salesperson=people.sales1, customer_id=street["E"].pk, day=THURSDAY)
    assert len(stops_of(people.sales1, THURSDAY)) == 4


def test_only_the_salespersons_own_customers_and_only_salespeople(people, street, elsewhere, english):
    with pytest.raises(Http404):
        add_to_plan(salesperson=people.sales1, customer_id=elsewhere.pk, day=THURSDAY)
    with pytest.raises(Http404):
        add_to_plan(salesperson=people.sales2, customer_id=street["A"].pk, day=THURSDAY)
    with pytest.raises(NotPermitted, match=r"^Only salespeople plan visits\.$"):
        add_to_plan(salesperson=people.manager1, customer_id=street["A"].pk, day=THURSDAY)
    assert RoutePlan.objects.count() == 0


def test_move_puts_both_days_in_route_order_and_drops_a_day_left_empty(people, street, english):
    thursday = {
        letter: add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=THURSDAY) for letter in "ACB"
    }
    friday = add_to_plan(salesperson=people.sales1, customer_id=street["F"].pk, day=FRIDAY)

    moved = move_stop(salesperson=people.sales1, stop_id=thursday["B"].stop.pk, day=FRIDAY)
    move_stop(salesperson=people.sales1, stop_id=friday.stop.pk, day=SATURDAY)

    assert moved.stop.pk == thursday["B"].stop.pk
    assert stops_of(people.sales1, THURSDAY) in ([("客户A", 1), ("客户C", 2)], [("客户C", 1), ("客户A", 2)])
    assert stops_of(people.sales1, FRIDAY) == [("客户B", 1)]
    assert stops_of(people.sales1, SATURDAY) == [("客户F", 1)]
    assert list(RoutePlan.objects.order_by("day").values_list("day", flat=True)) == [THURSDAY, FRIDAY, SATURDAY]


def test_move_follows_the_rules_of_the_day_it_goes_to(people, street, english):
    thursday = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY)
    add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=FRIDAY)

    with pytest.raises(ApplicationError, match=r"^客户A is already planned on Fri 11-27\.$"):
        move_stop(salesperson=people.sales1, stop_id=thursday.stop.pk, day=FRIDAY)
    with pytest.raises(ApplicationError, match=r"^Tue 11-24 has passed: plan today or a later day\.$"):
        move_stop(salesperson=people.sales1, stop_id=thursday.stop.pk, day=TUESDAY)
    saturday = move_stop(salesperson=people.sales1, stop_id=thursday.stop.pk, day=SATURDAY)

    assert saturday.warnings == ["Sat 11-28 is not a working day."]
    assert stops_of(people.sales1, FRIDAY) == [("客户A", 1)]
    assert stops_of(people.sales1, SATURDAY) == [("客户A", 1)]


def test_a_past_days_plan_is_kept_as_it_was(people, street, english):
    past = RouteStopFactory(plan=RoutePlanFactory(salesperson=people.sales1, day=TUESDAY), customer=street["A"])
    message = r"^The plan of Tue 11-24 is kept as it was: the visits of that day are measured against it\.$"

    with pytest.raises(ApplicationError, match=message):
        move_stop(salesperson=people.sales1, stop_id=past.pk, day=THURSDAY)
    with pytest.raises(ApplicationError, match=message):
        remove_stop(salesperson=people.sales1, stop_id=past.pk)
    with pytest.raises(ApplicationError, match=message):
        update_stop_note(salesperson=people.sales1, stop_id=past.pk, note="改")
    assert stops_of(people.sales1, TUESDAY) == [("客户A", 1)]


def test_remove_renumbers_the_day_and_a_colleagues_stop_does_not_exist(people, street, english):
    stops = {
        letter: add_to_plan(salesperson=people.sales1, customer_id=street[letter].pk, day=THURSDAY).stop
        for letter in "ABC"
    }

    day = remove_stop(salesperson=people.sales1, stop_id=stops["B"].pk)

    assert day == THURSDAY
    assert sorted(stops_of(people.sales1, THURSDAY), key=lambda row: row[1]) in (
        [("客户A", 1), ("客户C", 2)],
        [("客户C", 1), ("客户A", 2)],
    )
    with pytest.raises(Http404):
        remove_stop(salesperson=people.sales2, stop_id=stops["A"].pk)
    with pytest.raises(NotPermitted):
        remove_stop(salesperson=people.manager1, stop_id=stops["A"].pk)
    remove_stop(salesperson=people.sales1, stop_id=stops["A"].pk)
    remove_stop(salesperson=people.sales1, stop_id=stops["C"].pk)
    assert RoutePlan.objects.count() == 0


def test_the_purpose_is_bounded(people, street, english):
    stop = add_to_plan(salesperson=people.sales1, customer_id=street["A"].pk, day=THURSDAY).stop

    with pytest.raises(ValidationError) as refusal:
        update_stop_note(salesperson=people.sales1, stop_id=stop.pk, note="长" * 201)
    updated = update_stop_note(salesperson=people.sales1, stop_id=stop.pk, note="带合同")

    assert refusal.value.message_dict == {"note": ["Write at most 200 characters (this has 201)."]}
    assert RouteStop.objects.get(pk=stop.pk).note == updated.note == "带合同"


def test_saving_todays_route_keeps_the_week_plans_purposes(people, street):
    add_to_plan(salesperson=people.sales1, customer_id=street["B"].pk, day=WEDNESDAY, note="签合同")

    plan = save_route_plan(
        salesperson=people.sales1,
        day=WEDNESDAY,
        customer_ids=[street["B"].pk, street["A"].pk],
        start_latitude="23.03",
        start_longitude="113.125",
    )

    assert list(plan.stops.order_by("position").values_list("customer__unit_name", "note", "position")) == [
        ("客户B", "签合同", 1),
        ("客户A", "", 2),
    ]
