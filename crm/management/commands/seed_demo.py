from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from crm.demo import DEMO_SEEDERS, demo_faker, demo_is_loaded


class Command(BaseCommand):
    help = "Load a small, realistic demo in Chinese. Refuses to run twice and, unless forced, with DEBUG off."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
        parser.add_argument("--if-empty", action="store_true", help="do nothing (and succeed) when data exists")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load demo data anyway.")
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded; nothing to do.")
                return
            raise CommandError("Demo data is already loaded; running again would create duplicates.")
        fake = demo_faker()
        with transaction.atomic():
            for path in DEMO_SEEDERS:
                counts = import_string(path)(fake)
                summary = ", ".join(f"{value} {name}" for name, value in counts.items())
                self.stdout.write(f"{path.rsplit('.', 1)[-1]}: {summary}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo loaded. Every demo user's password is {settings.CRM['DEMO_PASSWORD']}.")
        )
