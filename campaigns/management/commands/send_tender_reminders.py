from campaigns.pipelines.services import send_tender_reminders
from crm.dates import local_today
from crm.jobcommand import ScheduledJobCommand


def _remind(*, day):
    return send_tender_reminders(today=day)


class Command(ScheduledJobCommand):
    help = "Remind tender owners of the deadlines within REMINDER_DAYS days, once per deadline (idempotent)."
    job = _remind
    default_help = "today"

    def default_day(self):
        return local_today()
