from accounts.services import build_key_account_shortlists
from crm.jobcommand import ScheduledJobCommand


class Command(ScheduledJobCommand):
    help = "Build the key-account shortlists for one week (idempotent)."
    job = build_key_account_shortlists
    period = "week"
