from crm.jobcommand import ScheduledJobCommand
from visits.services import assess_visit_counts


class Command(ScheduledJobCommand):
    help = "Run the weekly assessment for one week (idempotent)."
    job = assess_visit_counts
    period = "week"
