from campaigns.services import flag_overdue_inquiries
from crm.dates import local_today
from crm.jobcommand import ScheduledJobCommand


class Command(ScheduledJobCommand):
    help = "Flag to managers the phone inquiries not visited within INQUIRY_VISIT_DAYS (idempotent)."
    job = flag_overdue_inquiries
    default_help = "today"

    def default_day(self):
        return local_today()
