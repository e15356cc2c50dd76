from datetime import date

from crm.jobcommand import ScheduledJobCommand
from visits.services import check_visit_quotas


class Command(ScheduledJobCommand):
    help = "Run the daily visit-quota check for one day (idempotent)."
    job = check_visit_quotas
    default_help = "the previous working day"

    def default_day(self) -> date:
        from visits.tasks import default_quota_day

        return default_quota_day()
