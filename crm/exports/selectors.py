"""Reads of exports: a person sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.errors import NotFound
from crm.models import Export, User


def exports_of(*, owner: User, limit: int = 50) -> QuerySet[Export]:
    """The person's own exports, newest first (at most ``limit``)."""
    return Export.objects.filter(owner=owner).order_by("-created_at", "-pk")[:limit]


def export_for_download(*, owner: User, export_id: int) -> Export:
    """The owner's finished export. Someone else's, a missing one, or one not ready: NotFound (the same 404)."""
    export = Export.objects.filter(pk=export_id, owner=owner, status=Export.Status.DONE).exclude(file="").first()
    if export is None:
        raise NotFound
    return export
