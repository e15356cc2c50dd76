from django.core.management.base import BaseCommand

from accounts.customers.services import refresh_match_keys


class Command(BaseCommand):
    help = (
        "Compute every customer's duplicate-check keys again (after a change of the matching rules in "
        "accounts/customers/duplicates, or data loaded around the services). Idempotent."
    )

    def handle(self, *args, **options) -> None:
        changed = refresh_match_keys()
        self.stdout.write(f"{changed} customers' duplicate-check keys rewritten.")
