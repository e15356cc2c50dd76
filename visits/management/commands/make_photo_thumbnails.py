"""Make the thumbnails visit photos are missing (photos stored before thumbnails, or a lost task)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from visits.photos import backfill_thumbnails


class Command(BaseCommand):
    help = "Make the thumbnails of visit photos that have none. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many photos.")

    def handle(self, *args, limit: int | None = None, **options):
        made = backfill_thumbnails(limit=limit)
        self.stdout.write(f"{made} thumbnail(s) made.")
