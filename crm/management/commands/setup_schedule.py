from django.core.management.base import BaseCommand

from crm.schedule import ensure_default_schedule


class Command(BaseCommand):
    help = "Create the default schedule of the scheduled jobs (idempotent; edited times are kept)."

    def handle(self, *args, **options) -> None:
        created = ensure_default_schedule()
        self.stdout.write(f"{len(created)} scheduled job(s) created.")
