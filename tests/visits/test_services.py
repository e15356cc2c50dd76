"""Logging a visit, rating it and submitting the day's forms: the services and their refusals."""

import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from accounts.customers.models import Customer
from crm.errors import ApplicationError, NotPermitted
from crm.models import Delivery, Notification, PendingTask, Team
from tests.accounts.factories import CustomerFactory
from tests.visits.factories import VisitFactory
from visits.models import FormSubmission, Visit, VisitPhoto
from visits.services import rate_visit, record_visit, refresh_current_intents, submit_forms


@pytest.fixture
def customers(owned_tree):
    """One customer in each salesperson's territory; 顺达 has a known location."""
    return {
        "sales1": CustomerFactory(
            unit_name="顺达汽修厂",
            territory=owned_tree["nanshan_clubs"],
            latitude=Decimal("22.533000"),
            longitude=Decimal("113.930000"),
        ),
        "sales2": CustomerFactory(unit_name="南山小企业", territory=owned_tree["nanshan_smes"]),
        "sales3": CustomerFactory(unit_name="福田车友会", territory=owned_tree["futian_clubs"]),
    }


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def local(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def jpeg_upload(name="card.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_visit_is_stored_with_what_was_done(people, customers, english):
    customer = customers["sales1"]
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=timezone.now() - timedelta(days=20))
    at = timezone.now() - timedelta(hours=1)

    visit = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        kind=Visit.Kind.SECOND,
        visited_at=at,
        materials=["company_introduction", "business_card"],
        talking_points=["self_introduction"],
        notes=" 老板在，聊了20分钟 ",
        next_step="送报价",
        next_step_on=timezone.localdate(at) + timedelta(days=2),
    )

    visit.refresh_from_db()
    assert visit.salesperson == people.sales1
    assert visit.kind == "second"
    assert visit.visited_on == timezone.localdate(at)
    assert visit.materials == ["company_introduction", "business_card"]
    assert visit.talking_points == ["self_introduction"]
    assert visit.notes == "老板在，聊了20分钟"
    assert (visit.distance_m, visit.far_from_customer) == (None, False)
    customer.refresh_from_db()
    assert customer.last_activity_at == at  # keeps it out of the public pool


def test_an_older_visit_does_not_move_the_last_activity_back(people, customers):
    customer = customers["sales1"]
    before = Customer.objects.get(pk=customer.pk).last_activity_at

    record_visit(salesperson=people.sales1, customer_id=customer.pk, visited_at=before - timedelta(days=3))

    assert Customer.objects.get(pk=customer.pk).last_activity_at == before


def test_visited_on_is_the_local_date(people, customers):
    # 23:30 in Shanghai is 15:30 UTC the same day; 00:30 Shanghai is the previous day in UTC.
    visit = record_visit(
        salesperson=people.sales1, customer_id=customers["sales1"].pk, visited_at=local(2026, 11, 25, 0, 30)
    )

    assert visit.visited_on == date(2026, 11, 25)


def test_a_joint_visit_records_the_team_manager(people, customers):
    visit = record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, kind=Visit.Kind.JOINT)

    assert visit.joint_manager == people.manager1


def test_distance_to_the_customer_and_the_far_flag(people, customers, settings, english):
    people.manager1.language = "en"  # notifications are written in the recipient's language
    people.manager1.email = "manager1@example.com"
    people.manager1.save()
    settings.CRM = {**settings.CRM, "CHECK_IN_RADIUS_M": 500}
    customer = customers["sales1"]

    # Hours apart, so none repeats the one before (the repeat guard is tested in test_trust).
    near = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude="22.534000",
        longitude="113.930000",
        accuracy_m=20,
        visited_at=hours_ago(3),
    )
    # 0.01° of latitude is about 1,112 m: beyond the radius even with 30 m of accuracy (so a reason is given).
    far = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude=22.543,
        longitude=113.93,
        accuracy_m=30.4,
        visited_at=hours_ago(2),
        far_reason="客户在对面仓库",
    )
    # The same distance with a fix accurate only to 700 m might be at the door: not flagged.
    vague = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude=22.543,
        longitude=113.93,
        accuracy_m=700,
        visited_at=hours_ago(1),
    )

    assert (near.distance_m, near.far_from_customer, near.accuracy_m) == (111, False, 20)
    assert (far.distance_m, far.far_from_customer, far.accuracy_m) == (1112, True, 30)
    assert (vague.distance_m, vague.far_from_customer) == (1112, False)
    assert far.latitude == Decimal("22.543000")
    # Only the far one is reported to the manager, in the app and (through the outbox) by e-mail.
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (people.manager1, "far_check_in")
    assert notification.text == f"{people.sales1} checked in 1.1 km from {customer}. Reason given: 客户在对面仓库"
    assert notification.link == f"/visits/?far=true&salesperson={people.sales1.pk}"
    # E-mailed too (the kind's default channel), after commit by a worker.
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.channel, delivery.status) == (notification, "email", "pending")
    assert PendingTask.objects.get().kwargs == {"delivery_id": delivery.pk}


def test_the_first_precise_check_in_sets_the_customers_location(people, customers):
    customer = customers["sales2"]
    vague = record_visit(
        salesperson=people.sales2,
        customer_id=customer.pk,
        latitude=22.6,
        longitude=113.8,
        accuracy_m=900,
        visited_at=hours_ago(3),
    )
    first = record_visit(
        salesperson=people.sales2,
        customer_id=customer.pk,
        latitude=22.5,
        longitude=113.9,
        accuracy_m=10,
        visited_at=hours_ago(2),
    )
    second = record_visit(
        salesperson=people.sales2,
        customer_id=customer.pk,
        latitude=22.501,
        longitude=113.9,
        accuracy_m=15,
        visited_at=hours_ago(1),
    )

    customer.refresh_from_db()
    assert (vague.distance_m, vague.far_from_customer, vague.verified) == (None, False, False)
    assert (first.distance_m, first.verified) == (0, True)
    assert (customer.latitude, customer.longitude, customer.version) == (Decimal("22.500000"), Decimal("113.900000"), 1)
    assert (second.distance_m, second.far_from_customer, second.verified) == (111, False, True)


def test_verified_needs_a_precise_fix_within_the_radius(people, customers, settings):
    settings.CRM = {**settings.CRM, "CHECK_IN_RADIUS_M": 500}
    customer = customers["sales1"]

    at_door = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude=22.534,
        longitude=113.93,
        accuracy_m=20,
        visited_at=hours_ago(4),
    )
    vague = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude=22.533,
        longitude=113.93,
        accuracy_m=600,
        visited_at=hours_ago(3),
    )
    far = record_visit(
        salesperson=people.sales1,
        customer_id=customer.pk,
        latitude=22.543,
        longitude=113.93,
        accuracy_m=20,
        visited_at=hours_ago(2),
        far_reason="在停车场",
    )
    none = record_visit(salesperson=people.sales1, customer_id=customer.pk, visited_at=hours_ago(1))

    assert [v.verified for v in (at_door, vague, far, none)] == [True, False, False, False]
    assert [v.far_from_customer for v in (at_door, vague, far, none)] == [False, False, True, False]


def test_photos_are_re_encoded_and_stored(people, customers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    visit = record_visit(
        salesperson=people.sales1, customer_id=customers["sales1"].pk, photos=[jpeg_upload(), jpeg_upload("b.png")]
    )

    names = [photo.image.name for photo in visit.photos.all()]
    assert len(names) == 2
    assert all(name.startswith("visits/") and name.endswith(".jpg") for name in names)


def test_a_retried_submit_returns_the_first_visit(people, customers):
    client_id = uuid.uuid4()

    first = record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, client_id=client_id)
    second = record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, client_id=str(client_id))

    assert second.pk == first.pk
    assert (first.replayed, second.replayed) == (False, True)
    assert Visit.objects.count() == 1


# Refusals: a clear message and nothing stored.


@pytest.mark.parametrize("owner", ["sales3", "sales2"])
def test_a_customer_outside_scope_is_not_found_and_nothing_is_stored(people, customers, owner):
    with pytest.raises(Http404):
        record_visit(salesperson=people.sales1, customer_id=customers[owner].pk)

    assert Visit.objects.count() == 0


def test_a_customer_that_does_not_exist_is_not_found(people, customers):
    with pytest.raises(Http404):
        record_visit(salesperson=people.sales1, customer_id=999_999)


def test_managers_do_not_log_visits(people, customers, english):
    with pytest.raises(NotPermitted, match=r"Only salespeople log visits\."):
        record_visit(salesperson=people.manager1, customer_id=customers["sales1"].pk)


def test_a_visit_in_the_future_is_refused(people, customers, english):
    with pytest.raises(ValidationError) as error:
        record_visit(
            salesperson=people.sales1,
            customer_id=customers["sales1"].pk,
            visited_at=timezone.now() + timedelta(hours=2),
        )

    assert error.value.message_dict == {"visited_at": ["A visit cannot be logged in the future."]}
    assert Visit.objects.count() == 0


def test_a_next_step_before_the_visit_is_refused(people, customers, english):
    with pytest.raises(ValidationError) as error:
        record_visit(
            salesperson=people.sales1,
            customer_id=customers["sales1"].pk,
            visited_at=local(2026, 11, 25),
            next_step_on=date(2026, 11, 24),
        )

    assert error.value.message_dict == {"next_step_on": ["The next step cannot be before the visit."]}


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy"),
    [
        (91, 113.9, 10),
        (22.5, -181, 10),
        (22.5, None, 10),
        ("nan", 113.9, 10),
        ("abc", 113.9, 10),
        (22.5, 113.9, -5),
        (22.5, 113.9, 150_000),
        (22.5, 113.9, float("inf")),
    ],
)
def test_an_absurd_position_is_refused(people, customers, english, latitude, longitude, accuracy):
    with pytest.raises(ValidationError) as error:
        record_visit(
            salesperson=people.sales1,
            customer_id=customers["sales1"].pk,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy,
        )

    assert list(error.value.message_dict.values()) == [
        ["The position from the phone is not valid (latitude, longitude or accuracy out of range)."]
    ]
    assert Visit.objects.count() == 0


def test_unknown_materials_and_kinds_are_refused(people, customers, english):
    with pytest.raises(ValidationError) as error:
        record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, materials=["cake"])
    assert error.value.message_dict == {"materials": ["Unknown choice: cake."]}

    with pytest.raises(ValidationError):
        record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, kind="teleport")
    assert Visit.objects.count() == 0


def test_a_bad_photo_stores_nothing(people, customers, settings, tmp_path, english):
    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("card.jpg", b"not an image at all", content_type="image/jpeg")

    with pytest.raises(ValidationError, match="This file is not a photo"):
        record_visit(salesperson=people.sales1, customer_id=customers["sales1"].pk, photos=[jpeg_upload(), bad])

    assert (Visit.objects.count(), VisitPhoto.objects.count()) == (0, 0)
    assert list(tmp_path.rglob("*.jpg")) == []


# Rating at the end of the day.


def test_rating_sets_the_visit_and_the_customers_current_intent(people, customers):
    customer = customers["sales1"]
    earlier = VisitFactory(salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 24))
    later = VisitFactory(salesperson=people.sales1, customer=customer, visited_at=local(2026, 11, 25))

    rate_visit(
        visit_id=later.pk,
        salesperson=people.sales1,
        intent="B",
        obstacles=["price", "trust", "price"],
        obstacle_detail=" 觉得比人保贵 ",
    )
    rate_visit(visit_id=earlier.pk, salesperson=people.sales1, intent="D")

    later.refresh_from_db()
    customer.refresh_from_db()
    assert (later.intent, later.obstacles, later.obstacle_detail) == ("B", ["price", "trust"], "觉得比人保贵")
    assert later.rated_at is not None
    # The latest visit's rating is the customer's intent; the earlier one stays on its visit.
    assert customer.intent == "B"
    assert list(Visit.objects.order_by("visited_at").values_list("intent", flat=True)) == ["D", "B"]

    rate_visit(visit_id=later.pk, salesperson=people.sales1, intent="A")
    customer.refresh_from_db()
    assert customer.intent == Customer.Intent.A


def test_refreshing_current_intents_applies_the_rating_services_rule_in_bulk(people, customers):
    rated_late, never_rated = customers["sales1"], CustomerFactory(unit_name="没评过")
    VisitFactory(salesperson=people.sales1, customer=rated_late, visited_at=local(2026, 11, 20), intent="A")
    VisitFactory(salesperson=people.sales1, customer=rated_late, visited_at=local(2026, 11, 24), intent="C")
    VisitFactory(salesperson=people.sales1, customer=rated_late, visited_at=local(2026, 11, 25))  # not rated yet
    VisitFactory(salesperson=people.sales1, customer=never_rated, visited_at=local(2026, 11, 25))
    Customer.objects.filter(pk=never_rated.pk).update(intent="B")  # stale

    assert refresh_current_intents(customer_ids=[rated_late.pk, never_rated.pk]) == 2
    assert refresh_current_intents(customer_ids=[rated_late.pk, never_rated.pk]) == 2

    assert dict(Customer.objects.filter(pk__in=[rated_late.pk, never_rated.pk]).values_list("pk", "intent")) == {
        rated_late.pk: "C",
        never_rated.pk: "",
    }


def test_rating_someone_elses_visit_is_refused(people, customers, english):
    visit = VisitFactory(salesperson=people.sales2, customer=customers["sales2"])

    for who in (people.sales1, people.manager1):
        with pytest.raises(NotPermitted, match=r"You can only rate your own visits\."):
            rate_visit(visit_id=visit.pk, salesperson=who, intent="A")

    visit.refresh_from_db()
    assert (visit.intent, visit.rated_at) == ("", None)


@pytest.mark.parametrize("intent", ["E", "", "a", "AB"])
def test_a_rating_outside_the_scale_is_refused(people, customers, english, intent):
    visit = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])

    with pytest.raises(ValidationError) as error:
        rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent=intent)

    assert error.value.message_dict == {"intent": ["The rating must be A, B, C or D."]}
    visit.refresh_from_db()
    customers["sales1"].refresh_from_db()
    assert (visit.intent, customers["sales1"].intent) == ("", "")


def test_an_unknown_obstacle_is_refused(people, customers, english):
    visit = VisitFactory(salesperson=people.sales1, customer=customers["sales1"])

    with pytest.raises(ValidationError):
        rate_visit(visit_id=visit.pk, salesperson=people.sales1, intent="B", obstacles=["weather"])

    visit.refresh_from_db()
    assert visit.intent == ""


# Submitting the day's forms.

WEDNESDAY = date(2026, 11, 25)


def test_daily_forms_are_due_before_the_next_mornings_meeting(people, customers):
    VisitFactory.create_batch(
        2, salesperson=people.sales1, customer=customers["sales1"], visited_at=local(2026, 11, 25), intent="B"
    )

    on_time = submit_forms(salesperson=people.sales1, day=WEDNESDAY, at=local(2026, 11, 26, 8, 29))
    late = submit_forms(salesperson=people.sales2, day=WEDNESDAY, at=local(2026, 11, 26, 8, 31))

    assert (on_time.period_start, on_time.period_end, on_time.visit_count, on_time.late) == (
        WEDNESDAY,
        WEDNESDAY,
        2,
        False,
    )
    assert on_time.due_at == local(2026, 11, 26, 8, 30)
    assert (late.visit_count, late.late) == (0, True)


def test_fridays_forms_are_due_on_monday_morning(people):
    submission = submit_forms(salesperson=people.sales1, day=date(2026, 11, 27), at=local(2026, 11, 28, 9))

    assert submission.due_at == local(2026, 11, 30, 8, 30)
    assert submission.late is False


def test_weekly_forms_cover_the_week_and_are_due_on_friday(people, customers):
    people.team_two.form_submission = Team.FormSubmission.WEEKLY
    people.team_two.save()
    for day in (23, 27, 30):
        VisitFactory(
            salesperson=people.sales3, customer=customers["sales3"], visited_at=local(2026, 11, day), intent="C"
        )

    submission = submit_forms(salesperson=people.sales3, day=WEDNESDAY, at=local(2026, 11, 27, 18, 30))

    assert (submission.period_start, submission.period_end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert submission.visit_count == 2
    assert submission.due_at == local(2026, 11, 27, 18)
    assert submission.late is True


def test_submitting_twice_keeps_the_first(people):
    first = submit_forms(salesperson=people.sales1, day=WEDNESDAY, at=local(2026, 11, 25, 18))
    second = submit_forms(salesperson=people.sales1, day=WEDNESDAY, at=local(2026, 11, 26, 10))

    assert second.pk == first.pk
    assert second.late is False
    assert FormSubmission.objects.count() == 1


def test_forms_for_a_day_to_come_are_refused(people, english):
    with pytest.raises(ApplicationError, match=r"Forms cannot be submitted for a day that has not come yet\."):
        submit_forms(salesperson=people.sales1, day=WEDNESDAY + timedelta(days=1), at=local(2026, 11, 25, 18))

    assert FormSubmission.objects.count() == 0
