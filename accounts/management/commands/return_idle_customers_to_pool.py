from accounts.customers.services import return_idle_customers_to_pool
from crm.dates import local_today
from crm.jobcommand import ScheduledJobCommand


class Command(ScheduledJobCommand):
    help = "Return customers idle for N days to the public pool (idempotent)."
    job = return_idle_customers_to_pool
    default_help = "today"

    def default_day(self):
        return local_today()
