"""Location trust and the repeat guard (issue #18, items 3 and 4): a far check-in asks why, the same
visit again updates the one logged, the kind follows the history, the manager's review flags what does
not look like a visit at the door, and absurd positions are refused at every door."""

import math
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from crm.errors import ApplicationError
from crm.models import Notification
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import Visit
from visits.services import record_visit, sync_visits, update_visit
from visits.trust import FarCheckInNeedsReason, RepeatVisit, default_visit_kind, trust_flags, with_trust

# 佛山市某某公司 and a check-in 0.1673° of latitude north of it: 18,603 m, "18.6 km".
CUSTOMER_AT = (Decimal("23.021500"), Decimal("113.121400"))
FAR_AT = {"latitude": "23.188800", "longitude": "113.121400", "accuracy_m": 20}
NEAR_AT = {"latitude": "23.022000", "longitude": "113.121400", "accuracy_m": 20}  # 56 m
FAR_MESSAGE = "You are 18.6 km from 佛山市某某公司 (the team's radius is 500 m). Say why you are checking in from here."


@pytest.fixture(autouse=True)
def _afternoon():
    """These tests log visits minutes or hours before now on the same day: they run at 16:00 local time, so that
    a run just after midnight (CI at 00:20 in Foshan) does not cross into yesterday or log at 09:00 + 3 h in the
    future. The clock ticks; a test may travel further (the midnight test does)."""
    afternoon = timezone.localtime().replace(hour=16, minute=0, second=0, microsecond=0)
    with time_machine.travel(afternoon, tick=True):
        yield


@pytest.fixture
def foshan(owned_tree):
    return CustomerFactory(
        unit_name="佛山市某某公司",
        territory=owned_tree["nanshan_clubs"],
        latitude=CUSTOMER_AT[0],
        longitude=CUSTOMER_AT[1],
    )


@pytest.fixture
def unlocated(owned_tree):
    return CustomerFactory(unit_name="南山新客户", territory=owned_tree["nanshan_clubs"])


@pytest.fixture
def api():
    return APIClient()


def minutes_ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def hhmm(moment):
    return timezone.localtime(moment).strftime("%H:%M")


def form_post(customer, **extra):
    return {
        "customer": customer.pk,
        "kind": "first",
        "materials": ["business_card"],
        "notes": "老板不在",
        "client_id": str(uuid.uuid4()),
        **FAR_AT,
        **extra,
    }


# --- item 3: a far check-in asks why ---------------------------------------------------------------


def test_a_far_check_in_without_a_reason_is_refused_with_the_distance(people, foshan, english):
    with pytest.raises(FarCheckInNeedsReason) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, **FAR_AT)

    assert refused.value.message_dict == {"far_reason": [FAR_MESSAGE]}
    assert refused.value.error_dict["far_reason"][0].code == "far_reason_required"
    assert (refused.value.distance_m, refused.value.radius_m) == (18603, 500)
    assert Visit.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_far_check_in_with_a_reason_is_stored_and_flagged(people, foshan, english):
    visit = record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="  客户搬到了新厂区 ", **FAR_AT)

    visit.refresh_from_db()
    assert (visit.distance_m, visit.far_from_customer, visit.verified, visit.far_reason) == (
        18603,
        True,
        False,
        "客户搬到了新厂区",
    )
    assert [(flag.code, flag.text) for flag in trust_flags(visit)] == [
        ("far", "18.6 km from the customer, beyond 500 m. Reason given: 客户搬到了新厂区")
    ]
    assert Notification.objects.get().kind == "far_check_in"


def test_a_reason_is_not_asked_for_nor_kept_near_the_customer(people, foshan):
    visit = record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="不需要", **NEAR_AT)

    assert (visit.distance_m, visit.far_from_customer, visit.far_reason) == (56, False, "")


def test_a_phone_call_is_not_asked_where_it_was_made_from(people, foshan):
    visit = record_visit(salesperson=people.sales1, customer_id=foshan.pk, kind=Visit.Kind.PHONE, **FAR_AT)

    assert (visit.distance_m, visit.far_reason) == (18603, "")
    assert trust_flags(visit) == []


def test_the_teams_radius_decides_what_is_far(people, foshan, english):
    people.team_one.check_in_radius_m = 20_000
    people.team_one.save()

    visit = record_visit(salesperson=people.sales1, customer_id=foshan.pk, **FAR_AT)

    assert (visit.distance_m, visit.far_from_customer) == (18603, False)
    people.team_one.check_in_radius_m = 10_000
    people.team_one.save()
    with pytest.raises(FarCheckInNeedsReason) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, kind=Visit.Kind.SECOND, **FAR_AT)
    assert refused.value.messages == [
        "You are 18.6 km from 佛山市某某公司 (the team's radius is 10.0 km). Say why you are checking in from here."
    ]


def test_a_salesperson_without_a_team_gets_the_branch_radius(people, foshan, settings):
    settings.CRM = {**settings.CRM, "CHECK_IN_RADIUS_M": 30_000}
    people.sales1.team = None
    people.sales1.save()

    visit = record_visit(salesperson=people.sales1, customer_id=foshan.pk, **FAR_AT)

    assert visit.far_from_customer is False


def test_a_reason_longer_than_300_characters_is_refused(people, foshan, english):
    with pytest.raises(ValidationError) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="远" * 301, **FAR_AT)

    assert refused.value.message_dict == {"far_reason": ["Keep the reason under 300 characters."]}
    assert Visit.objects.count() == 0


def test_the_form_asks_for_the_reason_then_saves_with_the_same_client_id(client, people, foshan):
    client.force_login(people.sales1)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    post = form_post(foshan)

    asked = client.post("/visits/new/", post)
    saved = client.post("/visits/new/", post | {"far_reason": "客户在分厂"}, follow=True)

    html = asked.content.decode()
    assert asked.status_code == 200
    assert FAR_MESSAGE.replace("'", "&#x27;") in html
    assert 'id="far-reason" hidden' not in html
    assert 'name="far_reason"' in html
    assert f'value="{post["client_id"]}"' in html
    visit = Visit.objects.get()
    assert (visit.client_id, visit.far_reason, visit.distance_m) == (uuid.UUID(post["client_id"]), "客户在分厂", 18603)
    assert "Visit to 佛山市某某公司 logged, 18.6 km from the customer." in saved.content.decode()


@pytest.mark.parametrize(
    ("customer", "position", "message"),
    [
        ("foshan", NEAR_AT, "Visit to 佛山市某某公司 logged, 56 m from the customer."),
        ("foshan", {}, "Visit to 佛山市某某公司 logged, with no position from the phone."),
        (
            "unlocated",
            {"latitude": "22.5", "longitude": "113.9", "accuracy_m": 10},
            "Visit to 南山新客户 logged. The customer&#x27;s location was not known yet: this check-in sets it.",
        ),
        (
            "unlocated",
            {"latitude": "22.5", "longitude": "113.9", "accuracy_m": 900},
            "Visit to 南山新客户 logged. The customer&#x27;s location is not known yet.",
        ),
    ],
)
def test_the_saved_message_says_where_the_check_in_was(client, people, request, customer, position, message):
    client.force_login(people.sales1)
    customer = request.getfixturevalue(customer)
    post = form_post(customer, latitude="", longitude="", accuracy_m="") | position

    response = client.post("/visits/new/", post, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert message in response.content.decode()


def test_the_form_carries_the_customers_position_and_the_teams_radius(client, people, foshan):
    client.force_login(people.sales1)

    html = client.get(f"/visits/new/?customer={foshan.pk}").content.decode()

    assert 'data-radius="500"' in html
    assert 'data-lat="23.021500" data-lng="113.121400"' in html


def test_the_api_refuses_a_far_check_in_like_the_form(api, people, foshan, english):
    api.force_authenticate(people.sales1)
    body = {"customer": foshan.pk, "client_id": str(uuid.uuid4()), **FAR_AT}

    refused = api.post("/api/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    stored = api.post("/api/visits/", body | {"far_reason": "分厂"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "far_reason": [FAR_MESSAGE],
        "code": "far_reason_required",
        "field": "far_reason",
        "distance_m": 18603,
        "radius_m": 500,
        "customer_name": "佛山市某某公司",
    }
    assert stored.status_code == 201
    assert (stored.json()["far_reason"], stored.json()["far_from_customer"]) == ("分厂", True)
    assert Visit.objects.count() == 1


def test_the_sync_answers_a_far_check_in_so_the_phone_can_ask_why(people, foshan, english):
    item = {"client_id": str(uuid.uuid4()), "customer": foshan.pk, "kind": "first", **FAR_AT}

    [asked] = sync_visits(salesperson=people.sales1, items=[item])
    [stored] = sync_visits(salesperson=people.sales1, items=[item | {"far_reason": "分厂"}])

    assert asked == {
        "client_id": item["client_id"],
        "status": "conflict",
        "reason": "far_reason_required",
        "messages": [FAR_MESSAGE],
        "field": "far_reason",
        "distance_m": 18603,
        "radius_m": 500,
    }
    visit = Visit.objects.get()
    assert stored == {
        "client_id": item["client_id"],
        "status": "created",
        "visit": visit.pk,
        "distance_m": 18603,
        "far_from_customer": True,
        "verified": False,
    }
    assert visit.far_reason == "分厂"


# --- absurd positions: refused at every door ------------------------------------------------------

ABSURD = [
    pytest.param({"latitude": "91", "longitude": "113.9"}, id="latitude-91"),
    pytest.param({"latitude": "22.5", "longitude": "181"}, id="longitude-181"),
    pytest.param({"latitude": "NaN", "longitude": "113.9"}, id="latitude-nan"),
    pytest.param({"latitude": "22.5", "longitude": "Infinity"}, id="longitude-infinity"),
    pytest.param({"latitude": "22.5", "longitude": "113.9", "accuracy_m": -1}, id="accuracy-negative"),
    pytest.param({"latitude": "22.5", "longitude": "113.9", "accuracy_m": 1e12}, id="accuracy-huge"),
    pytest.param({"latitude": "22.5", "longitude": ""}, id="latitude-without-longitude"),
    pytest.param({"latitude": "1e400", "longitude": "113.9"}, id="latitude-overflow"),
]
POSITION_REFUSED = "The position from the phone is not valid (latitude, longitude or accuracy out of range)."


@pytest.mark.parametrize("position", ABSURD)
def test_an_absurd_position_is_refused_by_the_service(people, foshan, english, position):
    with pytest.raises(ValidationError) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, **position)

    assert refused.value.messages == [POSITION_REFUSED]
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("position", ABSURD)
def test_an_absurd_position_is_refused_by_the_form(client, people, foshan, position):
    client.force_login(people.sales1)
    post = form_post(foshan, latitude="", longitude="", accuracy_m="") | {k: str(v) for k, v in position.items()}

    response = client.post("/visits/new/", post, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert POSITION_REFUSED in response.content.decode()
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("position", ABSURD)
def test_an_absurd_position_is_refused_by_the_api(api, people, foshan, position):
    api.force_authenticate(people.sales1)
    body = {"customer": foshan.pk, **{k: str(v) for k, v in position.items()}}

    response = api.post("/api/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert POSITION_REFUSED in str(response.json())
    assert Visit.objects.count() == 0


def test_an_absurd_accuracy_sent_as_a_json_number_is_refused_by_the_api(api, people, foshan):
    api.force_authenticate(people.sales1)
    body = {"customer": foshan.pk, "latitude": "22.5", "longitude": "113.9", "accuracy_m": -1}

    response = api.post("/api/visits/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.json()) == (400, {"accuracy_m": [POSITION_REFUSED]})


@pytest.mark.parametrize("position", ABSURD)
def test_an_absurd_position_is_refused_by_the_sync(people, foshan, english, position):
    item = {"client_id": str(uuid.uuid4()), "customer": foshan.pk, "kind": "first", **position}

    [result] = sync_visits(salesperson=people.sales1, items=[item])

    assert result == {"client_id": item["client_id"], "status": "invalid", "messages": [POSITION_REFUSED]}
    assert Visit.objects.count() == 0


def test_a_nan_sent_as_a_json_number_is_refused_by_the_sync(people, foshan, english):
    item = {"client_id": str(uuid.uuid4()), "customer": foshan.pk, "latitude": math.nan, "longitude": 113.9}

    [result] = sync_visits(salesperson=people.sales1, items=[item])

    assert (result["status"], result["messages"]) == ("invalid", [POSITION_REFUSED])


# --- item 4: the repeat guard ------------------------------------------------------------------------


def test_three_first_visits_in_two_minutes_count_once(people, foshan, english):
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(2), **NEAR_AT)

    for minutes in (1, 0):
        with pytest.raises(RepeatVisit) as refused:
            record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(minutes), **NEAR_AT)
        assert str(refused.value.message) == (
            f"You logged a first visit to 佛山市某某公司 at {hhmm(first.visited_at)}. Update that visit instead?"
        )
        assert (refused.value.visit_id, refused.value.extra["code"]) == (first.pk, "repeat_visit")

    assert list(Visit.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_different_kind_a_replay_and_a_visit_outside_the_window_are_not_repeats(people, foshan):
    client_id = uuid.uuid4()
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, client_id=client_id, **NEAR_AT)

    replay = record_visit(salesperson=people.sales1, customer_id=foshan.pk, client_id=client_id, **NEAR_AT)
    joint = record_visit(salesperson=people.sales1, customer_id=foshan.pk, kind=Visit.Kind.JOINT, **NEAR_AT)
    earlier = record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(31), **NEAR_AT)

    assert (replay.pk, replay.replayed) == (first.pk, True)
    assert len({first.pk, joint.pk, earlier.pk}) == 3


def test_visits_either_side_of_midnight_are_two_days_not_a_repeat(people, foshan):
    """Yesterday's visit cannot be updated any more (update_visit: today's only), so a visit ten minutes
    after midnight must not be refused as its repeat: the salesperson could then neither log nor update."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    with time_machine.travel(midnight + timedelta(minutes=10), tick=False):
        late = record_visit(
            salesperson=people.sales1, customer_id=foshan.pk, visited_at=midnight - timedelta(minutes=5), **NEAR_AT
        )
        early = record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=midnight, **NEAR_AT)

    assert late.visited_on == early.visited_on - timedelta(days=1)
    assert Visit.objects.filter(customer=foshan).count() == 2


def test_a_visit_synced_late_is_a_repeat_of_the_one_logged_after_it(people, foshan):
    later = record_visit(salesperson=people.sales1, customer_id=foshan.pk, **NEAR_AT)

    with pytest.raises(RepeatVisit) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(20), **NEAR_AT)

    assert refused.value.visit_id == later.pk


@pytest.mark.parametrize(("window", "repeat"), [(10, False), (30, True), (0, False)])
def test_the_teams_window_decides_what_is_a_repeat(people, foshan, window, repeat):
    people.team_one.repeat_visit_window_minutes = window
    people.team_one.save()
    record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(15), **NEAR_AT)

    if repeat:
        with pytest.raises(RepeatVisit):
            record_visit(salesperson=people.sales1, customer_id=foshan.pk, **NEAR_AT)
    else:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, **NEAR_AT)
    assert Visit.objects.count() == (1 if repeat else 2)


def test_update_merges_into_the_visit_logged_earlier(people, foshan):
    visit = record_visit(
        salesperson=people.sales1,
        customer_id=foshan.pk,
        materials=["business_card"],
        talking_points=["self_introduction"],
        notes="老板不在",
        next_step="下周再访",
        **NEAR_AT,
    )

    updated = update_visit(
        salesperson=people.sales1,
        visit_id=visit.pk,
        materials=["business_card", "company_introduction"],
        talking_points=["contact_left"],
        notes="留了名片给前台",
        next_step="周五电话",
    )
    again = update_visit(salesperson=people.sales1, visit_id=visit.pk, notes="留了名片给前台")

    visit.refresh_from_db()
    assert updated.pk == again.pk == visit.pk
    assert visit.materials == ["business_card", "company_introduction"]
    assert visit.talking_points == ["self_introduction", "contact_left"]
    assert (visit.notes, visit.next_step) == ("老板不在\n留了名片给前台", "周五电话")
    assert Visit.objects.count() == 1


def test_only_ones_own_visit_of_today_can_be_updated(people, foshan, english):
    colleague = VisitFactory(salesperson=people.sales2, customer=foshan)
    yesterday = VisitFactory(salesperson=people.sales1, customer=foshan, visited_at=timezone.now() - timedelta(days=1))

    with pytest.raises(Http404):
        update_visit(salesperson=people.sales1, visit_id=colleague.pk, notes="x")
    with pytest.raises(ApplicationError, match="Only today's visits can be updated"):
        update_visit(salesperson=people.sales1, visit_id=yesterday.pk, notes="x")


def test_the_form_offers_to_update_the_visit_and_updates_it(client, people, foshan):
    client.force_login(people.sales1)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, notes="老板不在", **NEAR_AT)
    post = form_post(foshan, **NEAR_AT) | {"notes": "又来了一次", "materials": ["product_policy"]}

    asked = client.post("/visits/new/", post)
    updated = client.post("/visits/new/", post | {"update_visit": first.pk}, follow=True)

    html = asked.content.decode()
    at = hhmm(first.visited_at)
    assert f"You logged a first visit to 佛山市某某公司 at {at}. Update that visit instead?" in html
    assert f'name="update_visit" value="{first.pk}">Update the {at} visit</button>' in html
    assert "Log it anyway" not in html
    assert f"The {at} visit to 佛山市某某公司 is updated." in updated.content.decode()
    first.refresh_from_db()
    assert (first.notes, first.materials) == ("老板不在\n又来了一次", ["product_policy"])
    assert Visit.objects.count() == 1


def test_the_api_answers_a_repeat_with_409_and_the_visit(api, people, foshan, english):
    api.force_authenticate(people.sales1)
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, **NEAR_AT)

    response = api.post("/api/visits/", {"customer": foshan.pk, **NEAR_AT}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"You logged a first visit to 佛山市某某公司 at {hhmm(first.visited_at)}. Update that visit instead?",
        "code": "repeat_visit",
        "visit": first.pk,
        "visited_at": timezone.localtime(first.visited_at).isoformat(),
    }


def test_the_sync_answers_a_repeat_and_updates_on_request(people, foshan, english):
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, notes="老板不在", **NEAR_AT)
    item = {"client_id": str(uuid.uuid4()), "customer": foshan.pk, "kind": "first", "notes": "补充", **NEAR_AT}

    [asked] = sync_visits(salesperson=people.sales1, items=[item])
    [updated] = sync_visits(salesperson=people.sales1, items=[item | {"update_visit": first.pk}])
    [bad] = sync_visits(salesperson=people.sales1, items=[item | {"update_visit": 999_999}])

    assert asked == {
        "client_id": item["client_id"],
        "status": "conflict",
        "reason": "repeat_visit",
        "messages": [
            f"You logged a first visit to 佛山市某某公司 at {hhmm(first.visited_at)}. Update that visit instead?"
        ],
        "visit": first.pk,
        "visited_at": timezone.localtime(first.visited_at).isoformat(),
    }
    assert updated == {"client_id": item["client_id"], "status": "updated", "visit": first.pk}
    assert bad == {
        "client_id": item["client_id"],
        "status": "invalid",
        "messages": ["The visit to update is not valid."],
    }
    first.refresh_from_db()
    assert first.notes == "老板不在\n补充"
    assert Visit.objects.count() == 1


# --- the kind of visit, from the history --------------------------------------------------------------


def test_the_kind_defaults_to_first_visit_only_for_a_customer_never_visited(client, people, foshan, unlocated):
    VisitFactory(salesperson=people.sales2, customer=foshan, visited_at=timezone.now() - timedelta(days=3))
    VisitFactory(salesperson=people.sales1, customer=unlocated, kind=Visit.Kind.PHONE)
    client.force_login(people.sales1)

    visited = client.get(f"/visits/new/?customer={foshan.pk}").content.decode()
    called_only = client.get(f"/visits/new/?customer={unlocated.pk}").content.decode()
    results = client.get("/visits/customers/search/?q=佛山").content.decode()

    assert (default_visit_kind(foshan.pk), default_visit_kind(unlocated.pk)) == ("second", "first")
    assert 'value="second" id="kind-second" checked' in visited
    assert 'value="first" id="kind-first" checked' in called_only
    assert 'data-kind="second"' in results


def test_the_same_visit_saved_again_defaults_to_its_kind_so_the_guard_asks_instead_of_counting_two(
    client, people, foshan, english
):
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk)  # never visited: a first visit
    client.force_login(people.sales1)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    again = client.get(f"/visits/new/?customer={foshan.pk}").content.decode()
    results = client.get("/visits/customers/search/?q=佛山").content.decode()
    saved = client.post(
        "/visits/new/", {"customer": foshan.pk, "kind": "first", "client_id": str(uuid.uuid4())}
    ).content.decode()

    assert first.kind == "first"
    assert default_visit_kind(foshan.pk, people.sales1) == "first"
    assert 'value="first" id="kind-first" checked' in again
    assert 'data-kind="first"' in results
    assert "Update that visit instead?" in saved
    assert Visit.objects.count() == 1
    # Someone else, or the same salesperson after the window, gets the history's default.
    assert default_visit_kind(foshan.pk, people.sales2) == "second"
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert default_visit_kind(foshan.pk, people.sales1) == "second"


# --- the manager's review ------------------------------------------------------------------------------


def test_each_flag_says_why(people, foshan, english):
    no_position = VisitFactory(salesperson=people.sales1, customer=foshan)
    zero = VisitFactory(
        salesperson=people.sales1,
        customer=foshan,
        latitude=Decimal("23.0215"),
        longitude=Decimal("113.1214"),
        accuracy_m=0,
    )
    phone = VisitFactory(salesperson=people.sales1, customer=foshan, kind=Visit.Kind.PHONE)

    assert [(f.code, f.text) for f in trust_flags(no_position)] == [("no_position", "No position from the phone.")]
    assert [(f.code, f.text) for f in trust_flags(zero)] == [("accuracy", "Accuracy 0 m is not a real phone fix.")]
    assert trust_flags(phone) == []


def test_two_check_ins_too_far_apart_for_the_time_between_them(people, foshan, owned_tree, english):
    shenzhen = CustomerFactory(
        unit_name="深圳某公司",
        territory=owned_tree["nanshan_clubs"],
        latitude=Decimal("22.6"),
        longitude=Decimal("113.9"),
    )
    with time_machine.travel(timezone.localtime().replace(hour=10, minute=2, second=0, microsecond=0), tick=False):
        first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, **NEAR_AT)
    with time_machine.travel(timezone.localtime().replace(hour=10, minute=14, second=0, microsecond=0), tick=False):
        # 佛山 to 深圳 (about 93 km) in 12 minutes.
        second = record_visit(
            salesperson=people.sales1, customer_id=shenzhen.pk, latitude="22.6", longitude="113.9", accuracy_m=15
        )

    second = with_trust(Visit.objects.filter(pk=second.pk)).get()
    assert (second.previous_check_in_id, second.distance_from_previous_m) == (first.pk, 92578)
    assert [(f.code, f.text) for f in trust_flags(second)] == [
        ("travel", "92.6 km from the previous check-in at 10:02, 12 min earlier: 463 km/h.")
    ]


def test_a_visit_synced_late_slots_in_between_and_jitter_is_not_travel(people, foshan, unlocated):
    day = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    morning = record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=day, **NEAR_AT)
    noon = record_visit(
        salesperson=people.sales1,
        customer_id=unlocated.pk,
        visited_at=day + timedelta(hours=3),
        latitude="23.0225",
        longitude="113.1214",
        accuracy_m=10,
    )
    late = record_visit(
        salesperson=people.sales1,
        customer_id=foshan.pk,
        kind=Visit.Kind.SECOND,
        visited_at=day + timedelta(hours=1),
        **NEAR_AT,
    )

    noon.refresh_from_db()
    morning.refresh_from_db()
    assert morning.previous_check_in_id is None
    assert (late.previous_check_in_id, noon.previous_check_in_id) == (morning.pk, late.pk)
    assert (noon.distance_from_previous_m, noon.travel_speed_kmh) == (56, 0)
    assert trust_flags(noon) == []


def test_the_team_review_shows_distance_and_flags_and_filters_them(client, people, foshan):
    far = record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="分厂", **FAR_AT)
    near = VisitFactory(
        salesperson=people.sales2,
        customer=foshan,
        latitude=Decimal("23.022"),
        longitude=Decimal("113.1214"),
        accuracy_m=20,
        distance_m=56,
        visited_at=minutes_ago(10),
    )
    blind = VisitFactory(salesperson=people.sales2, customer=foshan, kind=Visit.Kind.SECOND)
    client.force_login(people.manager1)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    html = client.get("/visits/").content.decode()
    flagged = client.get("/visits/?flagged=true")
    clean = client.get("/visits/?flagged=false")

    assert "18.6 km" in html and "56 m" in html
    assert "18.6 km from the customer, beyond 500 m. Reason given: 分厂" in html
    assert "No position from the phone." in html
    assert [v.pk for v in flagged.context["page_obj"]] == [blind.pk, far.pk]
    assert [v.pk for v in clean.context["page_obj"]] == [near.pk]


def test_the_visit_page_shows_the_distance_and_the_same_flags(client, people, foshan):
    far = record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="分厂", **FAR_AT)
    client.force_login(people.manager1)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    html = client.get(f"/visits/{far.pk}/").content.decode()

    assert "Far 18.6 km from the customer" in html
    assert 'data-flag="far">18.6 km from the customer, beyond 500 m. Reason given: 分厂</li>' in html


def test_the_team_review_query_count_does_not_grow_with_the_rows(client, people, foshan):
    client.force_login(people.manager1)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/visits/").status_code == 200
        return len(captured)

    record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="分厂", **FAR_AT)
    one = queries()
    for minutes in range(40, 400, 40):
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, visited_at=minutes_ago(minutes), **NEAR_AT)
    VisitFactory(salesperson=people.sales2, customer=foshan, accuracy_m=0, latitude=1, longitude=1)

    assert queries() == one


def test_the_offline_copy_carries_the_default_kind_and_the_teams_radius(people, foshan, unlocated):
    people.team_one.check_in_radius_m = 800
    people.team_one.save()
    VisitFactory(salesperson=people.sales2, customer=foshan, visited_at=timezone.now() - timedelta(days=3))
    api = APIClient()
    api.force_authenticate(people.sales1)

    body = api.get("/api/offline/customers/").json()

    kinds = {row["name"]: row["default_kind"] for row in body["customers"]}
    assert kinds == {"佛山市某某公司": "second", "南山新客户": "first"}
    assert body["check_in_radius_m"] == 800


def test_a_far_repeat_is_offered_the_update_before_being_asked_why(people, foshan):
    first = record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="分厂", **FAR_AT)

    with pytest.raises(RepeatVisit) as refused:
        record_visit(salesperson=people.sales1, customer_id=foshan.pk, **FAR_AT)

    assert refused.value.visit_id == first.pk


def test_the_export_carries_the_reason_and_the_flags(client, people, foshan):
    import io

    from openpyxl import load_workbook

    record_visit(salesperson=people.sales1, customer_id=foshan.pk, far_reason="分厂", **FAR_AT)
    client.force_login(people.manager1)

    response = client.get("/visits/export.xlsx", HTTP_ACCEPT_LANGUAGE="en")

    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][-4:] == ("Distance (m)", "Far from the customer", "Why checked in far away", "Flags")
    assert rows[1][-4:] == (18603, "yes", "分厂", "18.6 km from the customer, beyond 500 m. Reason given: 分厂")
