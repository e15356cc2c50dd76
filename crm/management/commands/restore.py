from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from crm.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files by a backup made with `manage.py backup`. "
        "Stop the web server and the workers first; run `manage.py migrate` afterwards if the code is newer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="the backup's folder (holds manifest.json)")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="do not ask to confirm")

    def handle(self, *args, folder: Path, interactive: bool = True, **options) -> None:
        try:
            manifest = read_manifest(folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        target = f"{connection.vendor} database {connection.settings_dict['NAME']!s} and {settings.MEDIA_ROOT}"
        if interactive:
            answer = input(
                f"This replaces everything in the {target} by the backup of {manifest['created_at']}.\n"
                "Type 'yes' to go on: "
            )
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            summary = restore(source=folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored the {summary.engine} database and {summary.media_files} uploaded file(s) from {summary.folder}"
        )
