"""Throw the development database away and build it again from the migrations (``make reset``).

The migrations were regenerated before the first release (CHANGELOG.md): a database made with the
old ones cannot follow the new ones. This drops every table of the configured database (SQLite: the
tables; PostgreSQL: the ``public`` schema), then migrates. Refuses without ``--yes`` and when DEBUG is
off, so it never runs against a server others use.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Drop every table of the development database and migrate again (DEBUG only, needs --yes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--yes", action="store_true", help="Really drop everything.")

    def handle(self, *args, yes: bool, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("reset_database only runs in debug mode (a developer's machine).")
        if not yes:
            raise CommandError("This drops every table of the database. Run it again with --yes.")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
            else:
                tables = connection.introspection.table_names(cursor, include_views=False)
                cursor.execute("PRAGMA foreign_keys = OFF")
                for table in tables:
                    cursor.execute(f'DROP TABLE IF EXISTS "{table}"')  # the names come from the database itself
                cursor.execute("PRAGMA foreign_keys = ON")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database dropped and migrated again.")
