from crm.jobcommand import ScheduledJobCommand
from visits.services import check_visit_quotas


class Command(ScheduledJobCommand):
    help = "Run the daily visit-quota check for one day (idempotent)."
    job = check_visit_quotas
