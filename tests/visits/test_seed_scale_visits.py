from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from accounts.customers.models import Customer
from visits.calendar import previous_working_day
from visits.models import QuotaShortfall, Visit
from visits.selectors import quota_results_for


def test_seed_scale_visits_small(db, capsys):
    call_command(
        "seed_scale_visits",
        "--create-people",
        "--salespeople",
        "12",
        "--customers",
        "60",
        "--visits",
        "2500",
        "--batch-size",
        "1000",
        "--days",
        "14",
    )

    out = capsys.readouterr().out
    assert Visit.objects.count() == 2500
    assert "check_visit_quotas (again): 0 created" in out
    assert "assess_visit_counts (again): 0 created" in out
    day = previous_working_day(timezone.localdate())
    below = set(quota_results_for(day=day).filter(actual__lt=F("required")).values_list("id", flat=True))
    assert set(QuotaShortfall.objects.filter(day=day).values_list("salesperson_id", flat=True)) == below
    assert f"check_visit_quotas: {len(below)} created" in out


def test_seed_scale_visits_stores_each_customers_current_intent(db, capsys):
    call_command("seed_scale_visits", "--create-people", "--salespeople", "3", "--customers", "20", "--visits", "300")

    latest: dict[int, str] = {}
    for customer_id, intent in (
        Visit.objects.exclude(intent="").order_by("visited_at", "id").values_list("customer_id", "intent")
    ):
        latest[customer_id] = intent  # the last one written wins: the latest by visit time
    stored = dict(Customer.objects.values_list("pk", "intent"))
    assert len(latest) > 10
    assert stored == {pk: latest.get(pk, "") for pk in stored}
    assert f"current intent of {len(stored)} customers" in capsys.readouterr().out
