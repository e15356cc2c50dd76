"""Look up the position of every customer that has an address and no position, here and now."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.customers.geocoding import geocode_pending_customers
from accounts.customers.services import request_geocoding


class Command(BaseCommand):
    help = (
        "Geocode every customer with an address and no position (never looked up, or failed before), at the "
        "provider's pace (CRM_GEOCODER_RATE_PER_SECOND). Safe to stop and run again: answers are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--retry-not-found", action="store_true", help="also ask again for the addresses not found before"
        )

    def handle(self, *args, **options) -> None:
        if settings.CRM["GEOCODER"] == "none":
            raise CommandError("No geocoder is set up: set CRM_GEOCODER to amap (with CRM_GEOCODER_KEY) or nominatim.")
        waiting = request_geocoding(retry_not_found=options["retry_not_found"], send_task=False)
        self.stdout.write(f"{waiting} customers to look up with {settings.CRM['GEOCODER']}.")
        run = geocode_pending_customers(max_seconds=0)
        if run.skipped:
            raise CommandError("Another run of the lookup queue is working: try again when it has finished.")
        answers = ", ".join(f"{count} {outcome.replace('_', ' ')}" for outcome, count in sorted(run.answers.items()))
        self.stdout.write(f"Looked up {run.looked_up}: {answers or 'nothing'}.")
        if run.stopped:
            self.stdout.write(
                self.style.WARNING(
                    f"Stopped: the provider answered '{run.stopped}'. {run.waiting} still wait; run this again later."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Done; {run.waiting} still wait."))
