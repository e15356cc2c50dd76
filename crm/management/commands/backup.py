from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.backup import BackupError, back_up, media_is_local


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump, custom format; SQLite: online backup API) and the "
        "uploaded files into a new folder (default var/backups/crm-<date>-<time>/). Safe while the site runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="the folder to create (must not exist)")

    def handle(self, *args, output: Path | None = None, **options) -> None:
        if output is None:
            output = Path(settings.BASE_DIR) / "var" / "backups" / f"crm-{datetime.now():%Y%m%d-%H%M%S}"  # noqa: DTZ005
        try:
            summary = back_up(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not media_is_local():
            self.stdout.write(
                f"Backed up the {summary.engine} database ({summary.database_bytes} bytes) into {summary.folder}. "
                "The uploaded files are on object storage (CRM_MEDIA_S3_BUCKET) and not in this backup: "
                "back up the bucket by its own means (versioning, mc mirror)."
            )
            return
        self.stdout.write(
            f"Backed up the {summary.engine} database ({summary.database_bytes} bytes) and "
            f"{summary.media_files} uploaded file(s) into {summary.folder}"
        )
