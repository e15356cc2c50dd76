from crm.jobcommand import ScheduledJobCommand
from visits.key_accounts.services import build_shortlists


class Command(ScheduledJobCommand):
    help = "Build the key-account shortlists for one week (idempotent)."
    job = build_shortlists
    period = "week"
