import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from crm.schedule import DEFAULT_SCHEDULE, ensure_default_schedule

EXPECTED_TASKS = {
    "visits.tasks.check_visit_quotas_task",
    "visits.tasks.assess_visit_counts_task",
    "accounts.tasks.build_key_account_shortlists_task",
    "accounts.tasks.send_renewal_reminders_task",
    "accounts.tasks.return_idle_customers_to_pool_task",
    "campaigns.tasks.flag_overdue_inquiries_task",
    "crm.tasks.relay_pending_tasks_task",
    "campaigns.tasks.stop_stalled_imports_task",
    "accounts.tasks.geocode_pending_customers_task",
    "campaigns.tasks.refresh_churn_risks_task",
    "crm.tasks.remind_pending_approvals_task",
    "crm.tasks.resend_stalled_deliveries_task",
    "crm.tasks.delete_expired_exports_task",
    "campaigns.tasks.send_tender_reminders_task",
}


@pytest.mark.django_db
def test_default_schedule_is_created_once():
    first = ensure_default_schedule()
    second = ensure_default_schedule()

    assert len(first) == len(DEFAULT_SCHEDULE) == 14
    assert second == []
    assert set(PeriodicTask.objects.values_list("task", flat=True)) == EXPECTED_TASKS


@pytest.mark.django_db
def test_an_edited_time_is_kept():
    ensure_default_schedule()
    task = PeriodicTask.objects.get(name="Daily visit-quota check")
    task.crontab.hour = "7"
    task.crontab.save()

    ensure_default_schedule()

    assert PeriodicTask.objects.get(name="Daily visit-quota check").crontab.hour == "7"
    assert PeriodicTask.objects.count() == len(DEFAULT_SCHEDULE) == 14


@pytest.mark.django_db
def test_monday_jobs_run_on_mondays_only():
    ensure_default_schedule()

    assert PeriodicTask.objects.get(name="Monday key-account shortlist").crontab.day_of_week == "1"
    assert PeriodicTask.objects.get(name="Daily visit-quota check").crontab.day_of_week == "*"


def test_every_scheduled_task_is_registered_with_celery():
    from crm.celery import app

    app.loader.import_default_modules()
    assert set(app.tasks) >= EXPECTED_TASKS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("check_visit_quotas", ["--date", "2026-11-25"], "for 2026-11-25."),
        ("assess_visit_counts", ["--week", "2026-11-26"], "for the week of 2026-11-23."),
        ("build_key_account_shortlists", ["--week", "2026-11-29"], "for the week of 2026-11-23."),
        ("send_renewal_reminders", ["--date", "2026-12-01"], "for 2026-12-01."),
        ("return_idle_customers_to_pool", ["--date", "2026-12-01"], "for 2026-12-01."),
        ("flag_overdue_inquiries", ["--date", "2026-12-01"], "for 2026-12-01."),
        ("send_tender_reminders", ["--date", "2026-12-01"], "0 created for 2026-12-01."),
    ],
)
def test_each_job_runs_by_hand_for_a_given_date(command, args, expected, capsys):
    call_command(command, *args)

    assert expected in capsys.readouterr().out


def test_a_malformed_date_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="not a date in YYYY-MM-DD form: '26/11/2026'"):
        call_command("check_visit_quotas", "--date", "26/11/2026")
