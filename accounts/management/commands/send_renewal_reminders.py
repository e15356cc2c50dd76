from accounts.tasks import send_renewal_reminders
from crm.dates import local_today
from crm.jobcommand import ScheduledJobCommand


class Command(ScheduledJobCommand):
    help = "Send the renewal reminders due on one day (idempotent)."
    job = send_renewal_reminders
    default_help = "today"

    def default_day(self):
        return local_today()
