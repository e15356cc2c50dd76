"""Prospect-list imports: upload → map columns → dry run (per-row errors, duplicates) → all-or-nothing commit."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.customers.duplicates.keys import name_parts
from accounts.customers.duplicates.lookup import (
    Candidate,
    Holder,
    Typed,
    customers_changed_between,
    find_duplicates_for_rows,
    registered_phones,
)
from accounts.customers.models import Customer
from accounts.customers.services import register_customers_in_bulk
from campaigns.models import CallEntry, CallList, Campaign, ImportedCustomer, ImportRowIssue, OptOut, ProspectImport
from campaigns.partners.models import Partner
from campaigns.partners.services import attribute_customers_to_partner
from campaigns.prospect_files import (
    CheckedRow,
    ImportFileError,
    RowIssue,
    check_row,
    detect_encoding,
    detect_format,
    guess_mapping,
    iter_rows,
    read_headers,
    validate_mapping,
)
from campaigns.services.calls import add_numbers_to_call_list
from crm.bulk_insert import insert_rows
from crm.errors import ApplicationError
from crm.models import User
from crm.outbox import enqueue
from crm.phones import stored_phone
from territories.services import Router

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
Status = ProspectImport.Status


class ImportNotReady(ApplicationError):
    default_message = _("Check the file (dry run) before importing it.")


def commit_progress_key(import_id: int) -> str:
    return f"campaigns:import:{import_id}:committed"


@contextlib.contextmanager
def _local_path(prospect_import: ProspectImport) -> Iterator[Path]:
    """A local path to the uploaded file, copied out of remote storage when there is no local one."""
    try:
        yield Path(prospect_import.file.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile() as handle, prospect_import.file.open("rb") as source:
        shutil.copyfileobj(source, handle)
        handle.flush()
        yield Path(handle.name)


def start_prospect_import(
    *,
    created_by: User,
    uploaded_file: UploadedFile,
    campaign: Campaign | None = None,
    call_list: CallList | None = None,
    partner: Partner | None = None,
) -> ProspectImport:
    """Store an uploaded list, recognise its format and headers and guess the column mapping.

    With ``call_list`` the list is of numbers to call: its good rows are added to that call list instead of
    being registered as customers (same dry run, same all-or-nothing commit). With ``partner`` (a list the
    partner company gave) every customer the import creates is the partner's lead from the commit's day.
    A file that is not a readable .xlsx/.csv raises ImportFileError and leaves nothing stored.
    """
    if call_list is not None and call_list.status == CallList.Status.CLOSED:
        raise ApplicationError(_("This call list is closed."))
    if uploaded_file.size > settings.CRM["IMPORT_MAX_UPLOAD_BYTES"]:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.CRM["IMPORT_MAX_UPLOAD_BYTES"] // (1024 * 1024)}
        )
    original_name = os.path.basename(uploaded_file.name or "upload")[:255]
    prospect_import = ProspectImport(
        created_by=created_by,
        campaign=campaign,
        call_list=call_list,
        partner=partner if call_list is None else None,
        original_name=original_name,
        file_format="csv",
    )
    prospect_import.file.save(original_name, uploaded_file, save=False)
    try:
        with _local_path(prospect_import) as path:
            prospect_import.file_format = detect_format(path, original_name)
            if prospect_import.file_format == "csv":
                prospect_import.encoding = detect_encoding(path)
            prospect_import.headers = read_headers(path, prospect_import.file_format, prospect_import.encoding)
    except ImportFileError:
        prospect_import.file.delete(save=False)
        raise
    prospect_import.mapping = guess_mapping(prospect_import.headers)
    prospect_import.save()
    return prospect_import


@transaction.atomic
def set_import_mapping(*, prospect_import: ProspectImport, mapping: dict[str, int]) -> ProspectImport:
    """Save which column fills which field. Allowed until the import is committed."""
    if prospect_import.status in (Status.COMMITTING, Status.COMMITTED):
        raise ApplicationError(_("This import has already been committed."))
    validate_mapping(mapping, prospect_import.headers, numbers_only=prospect_import.call_list_id is not None)
    prospect_import.mapping = mapping
    prospect_import.status = Status.UPLOADED
    prospect_import.save(update_fields=["mapping", "status", "updated_at"])
    return prospect_import


# The worker's entry points (campaigns/tasks.py), named rather than imported: tasks call services, so a
# service that imported its task would import back the module that imports it.
CHECK_TASK = "campaigns.tasks.check_prospect_import_task"
COMMIT_TASK = "campaigns.tasks.commit_prospect_import_task"


def _runs_in_request(prospect_import: ProspectImport) -> bool:
    return prospect_import.file.size <= settings.CRM["IMPORT_SYNC_MAX_BYTES"]


def request_import_check(*, prospect_import: ProspectImport) -> ProspectImport:
    """Start the dry run: in this request for a small file, on a worker for a large one."""
    if prospect_import.status in (Status.COMMITTING, Status.COMMITTED):
        raise ApplicationError(_("This import has already been committed."))
    validate_mapping(
        prospect_import.mapping_indexes, prospect_import.headers, numbers_only=prospect_import.call_list_id is not None
    )
    now = timezone.now()
    ProspectImport.objects.filter(pk=prospect_import.pk).update(
        status=Status.VALIDATING, processed_rows=0, message="", updated_at=now, heartbeat_at=now, stopped_at=None
    )
    if _runs_in_request(prospect_import):
        return check_prospect_import(import_id=prospect_import.pk)
    enqueue(CHECK_TASK, import_id=prospect_import.pk)
    prospect_import.refresh_from_db()
    return prospect_import


def _described(candidate: Candidate) -> str:
    """How an import row's candidate is named in the report, as the importer may see it."""
    name = candidate.unit_name or _("a registered customer")
    holder = {
        Holder.YOU: _("yours"),
        Holder.POOL: _("in the public pool"),
        Holder.QUEUE: _("waiting to be assigned"),
    }.get(candidate.holder) or _("held by %(name)s") % {"name": candidate.holder_name}
    reasons = "; ".join(str(reason.text) for reason in candidate.reasons)
    return f"{name} ({holder}): {reasons}"


def _checked_batches(
    prospect_import: ProspectImport,
    path: Path,
    counts: dict[str, int] | None = None,
    *,
    since_check: datetime | None = None,
) -> Iterator[list[CheckedRow]]:
    """Every data row, checked, in batches: its errors, duplicates within the file and against customers.

    Against customers, the duplicate check (``accounts.customers.duplicates.lookup``) as the importer may
    see it: the same phone or the same name (without places and legal forms) is a duplicate, skipped; a
    similar name or the same address is a possible duplicate, imported unless the importer confirms it
    is the same customer. Within the file, the same phone, or the same name key in the same district.
    ``counts["empty"]`` (when given) is raised by the empty rows skipped between the header and each row.
    A list of numbers for a call list is checked by phone only: against customers, the opt-out list, the
    numbers already on the call list and the rows above (``_check_numbers``).

    ``since_check`` (the commit, at that moment): rows the dry run refused stay refused without being looked
    up again (``ImportRowIssue``), and the others are checked against the customers registered or changed
    since the dry run began (the others were checked then), never against those the commit writes itself.
    The verdicts are the dry run's, plus what is new: the same rules, without searching again
    every customer of the company for every row.
    """
    refused: set[int] = set()
    among: list[int] | None = None
    if since_check is not None and prospect_import.check_started_at is not None:
        refused = set(
            prospect_import.issues.exclude(kind=ImportRowIssue.Kind.POSSIBLE_DUPLICATE).values_list(
                "row_number", flat=True
            )
        )
        among = customers_changed_between(prospect_import.check_started_at, since_check)
    if prospect_import.call_list_id is not None:
        yield from _checked_numbers(prospect_import, path, counts, refused=refused, among=among)
        return
    mapping = prospect_import.mapping_indexes
    seen_phones: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    rows = iter_rows(path, prospect_import.file_format, prospect_import.encoding)
    header = next(rows, None)
    last_number = header[0] if header else 0
    batch: list[CheckedRow] = []

    def finish(batch: list[CheckedRow]) -> list[CheckedRow]:
        for row in batch:
            if row.row_number in refused and not row.issues:
                row.issues.append(RowIssue(row.row_number, "error", _("refused by the check"), "", ""))
        candidates = [row for row in batch if not row.issues]
        found = find_duplicates_for_rows(
            user=prospect_import.created_by,
            among=among,
            rows=[
                Typed(
                    unit_name=row.data["unit_name"],
                    phones=(row.data["phone"],) if row.data.get("phone") else (),
                    address=row.data.get("address", ""),
                    district=row.data.get("district", ""),
                )
                for row in candidates
            ],
            limit=3,
        )
        for row, existing in zip(candidates, found, strict=True):
            phone = row.data.get("phone", "")
            name_key = (name_parts(row.data["unit_name"]).key, row.data.get("district", ""))
            duplicates = [candidate for candidate in existing if candidate.is_duplicate]
            if duplicates:
                row.issues.append(
                    RowIssue(
                        row.row_number,
                        ImportRowIssue.Kind.DUPLICATE_EXISTING,
                        _("duplicate of %(customer)s") % {"customer": _described(duplicates[0])},
                        "",
                        row.data["unit_name"],
                    )
                )
            elif phone and phone in seen_phones:
                row.issues.append(
                    RowIssue(
                        row.row_number,
                        "duplicate_in_file",
                        _("same phone as row %(row)s") % {"row": seen_phones[phone]},
                        "",
                        phone,
                    )
                )
            elif name_key[0] and name_key[1] and name_key in seen_names:
                row.issues.append(
                    RowIssue(
                        row.row_number,
                        "duplicate_in_file",
                        _("same unit and district as row %(row)s") % {"row": seen_names[name_key]},
                        "",
                        row.data["unit_name"],
                    )
                )
            else:
                if existing:
                    row.issues.append(
                        RowIssue(
                            row.row_number,
                            ImportRowIssue.Kind.POSSIBLE_DUPLICATE,
                            _("possible duplicate of %(customer)s")
                            % {"customer": "; ".join(_described(candidate) for candidate in existing)},
                            "",
                            row.data["unit_name"],
                        )
                    )
                if phone:
                    seen_phones[phone] = row.row_number
                if name_key[0] and name_key[1]:
                    seen_names[name_key] = row.row_number
        return batch

    for number, cells in rows:
        if counts is not None:
            counts["empty"] += number - last_number - 1
        last_number = number
        batch.append(check_row(number, cells, mapping))
        if len(batch) >= BATCH_SIZE:
            yield finish(batch)
            batch = []
    if batch:
        yield finish(batch)


def _importable(row: CheckedRow) -> bool:
    """No issue, or only a possible duplicate (imported unless confirmed as the same customer)."""
    return all(issue.kind == ImportRowIssue.Kind.POSSIBLE_DUPLICATE for issue in row.issues)


def _checked_numbers(
    prospect_import: ProspectImport,
    path: Path,
    counts: dict[str, int] | None = None,
    *,
    refused: set[int] | frozenset[int] = frozenset(),
    among: list[int] | None = None,
) -> Iterator[list[CheckedRow]]:
    """The rows of a list of numbers for a call list, checked, in batches. A good row's phone is none of: a
    customer's (or a contact's) phone, on the opt-out / do-not-call list, already on the call list, in a row
    above. Each skipped row is one issue of its kind (the dry run's counts per kind are exact)."""
    mapping = prospect_import.mapping_indexes
    call_list_id = prospect_import.call_list_id
    seen: dict[str, int] = {}
    rows = iter_rows(path, prospect_import.file_format, prospect_import.encoding)
    header = next(rows, None)
    last_number = header[0] if header else 0

    def finish(batch: list[CheckedRow]) -> list[CheckedRow]:
        for row in batch:
            if row.row_number in refused and not row.issues:
                row.issues.append(RowIssue(row.row_number, "error", _("refused by the check"), "", ""))
        phones = {row.data["phone"] for row in batch if not row.issues and row.data.get("phone")}
        customers = registered_phones(phones, among=among)
        opted_out = set(
            OptOut.objects.filter(channel__in=OptOut.PHONE_CHANNELS, address__in=phones).values_list(
                "address", flat=True
            )
        )
        listed = set(
            CallEntry.objects.filter(call_list_id=call_list_id, phone__in=[stored_phone(phone) for phone in phones])
            .annotate(phone_text=Cast("phone", TextField()))
            .values_list("phone_text", flat=True)
        )
        for row in batch:
            if row.issues:
                continue
            phone = row.data["phone"]
            if phone in customers:
                row.issues.append(
                    RowIssue(row.row_number, "duplicate_existing", _("a customer with this phone exists"), "", phone)
                )
            elif phone in opted_out:
                row.issues.append(
                    RowIssue(row.row_number, "opted_out", _("on the opt-out / do-not-call list"), "", phone)
                )
            elif phone in listed:
                row.issues.append(RowIssue(row.row_number, "on_call_list", _("already on the call list"), "", phone))
            elif phone in seen:
                row.issues.append(
                    RowIssue(
                        row.row_number,
                        "duplicate_in_file",
                        _("same phone as row %(row)s") % {"row": seen[phone]},
                        "",
                        phone,
                    )
                )
            else:
                seen[phone] = row.row_number
        return batch

    batch: list[CheckedRow] = []
    for number, cells in rows:
        if counts is not None:
            counts["empty"] += number - last_number - 1
        last_number = number
        batch.append(check_row(number, cells, mapping, numbers_only=True))
        if len(batch) >= BATCH_SIZE:
            yield finish(batch)
            batch = []
    if batch:
        yield finish(batch)


def check_prospect_import(*, import_id: int) -> ProspectImport:
    """The dry run: check every row and record its issues; write no customer. Safe to rerun.

    Each good row is routed as the commit will route it (``territories.services.Router``):
    ``queued_rows`` says how many would land in the "to be assigned" queue.

    Progress (rows processed) is saved after each batch so that the page can show it.
    """
    prospect_import = ProspectImport.objects.get(pk=import_id)
    if prospect_import.status in (Status.COMMITTING, Status.COMMITTED):
        return prospect_import
    ImportRowIssue.objects.filter(prospect_import=prospect_import).delete()
    router = Router()
    started = timezone.now()
    ProspectImport.objects.filter(pk=import_id).update(heartbeat_at=started, stopped_at=None, check_started_at=None)
    counts = {"processed": 0, "valid": 0, "errors": 0, "duplicates": 0, "possible": 0, "queued": 0, "empty": 0}
    try:
        with _local_path(prospect_import) as path:
            for batch in _checked_batches(prospect_import, path, counts):
                issues: list[ImportRowIssue] = []
                for row in batch:
                    counts["processed"] += 1
                    if _importable(row):
                        counts["valid"] += 1
                        counts["possible"] += bool(row.issues)
                        if prospect_import.call_list_id is not None:
                            continue  # numbers to call are not routed until someone is interested
                        counts["queued"] += router.decide(
                            district=row.data.get("district", ""),
                            address=row.data.get("address", ""),
                            business_type=row.data.get("business_type", ""),
                        ).queued
                    elif any(issue.kind == "error" for issue in row.issues):
                        counts["errors"] += 1
                    else:
                        counts["duplicates"] += 1
                    issues.extend(
                        ImportRowIssue(
                            prospect_import=prospect_import,
                            row_number=issue.row_number,
                            kind=issue.kind,
                            column=issue.column[:100],
                            message=str(issue.message)[:300],
                            value=issue.value[:200],
                        )
                        for issue in row.issues
                    )
                ImportRowIssue.objects.bulk_create(issues, batch_size=BATCH_SIZE)
                ProspectImport.objects.filter(pk=import_id).update(
                    processed_rows=counts["processed"],
                    total_rows=max(prospect_import.total_rows, counts["processed"]),
                    heartbeat_at=timezone.now(),
                )
    except ImportFileError as error:
        ImportRowIssue.objects.filter(prospect_import=prospect_import).delete()
        ProspectImport.objects.filter(pk=import_id).update(status=Status.FAILED, message=str(error.message)[:500])
        prospect_import.refresh_from_db()
        return prospect_import
    ProspectImport.objects.filter(pk=import_id).update(
        status=Status.VALIDATED,
        total_rows=counts["processed"],
        processed_rows=counts["processed"],
        valid_rows=counts["valid"],
        error_rows=counts["errors"],
        duplicate_rows=counts["duplicates"],
        possible_duplicate_rows=counts["possible"],
        queued_rows=counts["queued"],
        empty_rows=counts["empty"],
        validated_at=timezone.now(),
        check_started_at=started,
        message="",
    )
    prospect_import.refresh_from_db()
    return prospect_import


def request_import_commit(*, prospect_import: ProspectImport) -> ProspectImport:
    """Import the good rows of a checked list: in this request when small, else on a worker."""
    if prospect_import.status == Status.COMMITTED:
        return prospect_import
    if prospect_import.status not in (Status.VALIDATED, Status.COMMITTING):
        raise ImportNotReady
    if prospect_import.valid_rows == 0:
        raise ApplicationError(_("No row is good to import. Fix the file and upload it again."))
    # A new attempt: a copy of an earlier attempt's task still in the queue will do nothing.
    asked = ProspectImport.objects.filter(
        pk=prospect_import.pk, status__in=[Status.VALIDATED, Status.COMMITTING]
    ).update(
        status=Status.COMMITTING, message="", heartbeat_at=timezone.now(), stopped_at=None, attempt=F("attempt") + 1
    )
    prospect_import.refresh_from_db()
    if not asked:  # committed meanwhile (a double click waited for the first commit)
        return prospect_import
    if _runs_in_request(prospect_import):
        commit_prospect_import(import_id=prospect_import.pk, attempt=prospect_import.attempt)
    else:
        enqueue(COMMIT_TASK, import_id=prospect_import.pk, attempt=prospect_import.attempt)
    prospect_import.refresh_from_db()
    return prospect_import


def _good_rows(prospect_import: ProspectImport, path: Path, *, since_check: datetime) -> Iterator[dict[str, Any]]:
    confirmed = set(
        prospect_import.issues.filter(kind=ImportRowIssue.Kind.POSSIBLE_DUPLICATE, confirmed=True).values_list(
            "row_number", flat=True
        )
    )
    for batch in _checked_batches(prospect_import, path, since_check=since_check):
        for row in batch:
            # A row the importer confirmed as the same customer is skipped: the commit may not find that
            # customer again (it looks only at what changed since the dry run).
            if not _importable(row) or row.row_number in confirmed:
                continue
            data = {key: value for key, value in row.data.items() if value}
            data.update(source=Customer.Source.IMPORT, status=Customer.Status.PROSPECT)
            yield data


@transaction.atomic
def confirm_possible_duplicates(*, prospect_import: ProspectImport, row_numbers: Iterable[int]) -> int:
    """The importer's answer on the possible duplicates of a checked list: the rows in ``row_numbers`` are
    the same customer as the one found (skipped by the import), the others are new (imported). Only before
    the import. Returns how many rows are confirmed as duplicates."""
    if prospect_import.status in (Status.COMMITTING, Status.COMMITTED):
        raise ApplicationError(_("This import has already been committed."))
    possible = ImportRowIssue.objects.filter(
        prospect_import=prospect_import, kind=ImportRowIssue.Kind.POSSIBLE_DUPLICATE
    )
    rows = set(row_numbers)
    possible.exclude(row_number__in=rows).update(confirmed=False)
    return possible.filter(row_number__in=rows).update(confirmed=True)


def _good_numbers(prospect_import: ProspectImport, path: Path, *, since_check: datetime) -> Iterator[dict[str, Any]]:
    for batch in _checked_batches(prospect_import, path, since_check=since_check):
        for row in batch:
            if not row.issues:
                yield {
                    "phone": row.data["phone"],
                    "name": row.data.get("contact_name", ""),
                    "unit_name": row.data.get("unit_name", ""),
                    "district": row.data.get("district", ""),
                    "address": row.data.get("address", ""),
                    "business_type": row.data.get("business_type", ""),
                }


def commit_prospect_import(*, import_id: int, attempt: int | None = None) -> int:
    """Create the good rows as customers, routed to territories, in ONE transaction: all or nothing. (A list
    of numbers for a call list: its good rows added to the call list, then split among its callers.)

    Rows are checked again (a customer entered since the dry run is skipped as a duplicate).
    Idempotent: a committed import is never committed twice (row lock + status). If anything
    fails, nothing is written and the import goes back to "checked" with the reason, to be rerun.
    The transaction holds the import's row lock to its end: a worker that dies part-way leaves
    nothing (the database rolls its transaction back) and the recovery job
    (``stop_stalled_imports``) then finds the import unlocked and says so on its page.
    ``attempt`` (from ``request_import_commit``): a copy of the task for another attempt, or for an
    attempt already stopped, does nothing. Returns the number of customers created.
    """
    key = commit_progress_key(import_id)
    if attempt is not None:
        # The worker took the task: a sign of life, written before the transaction that hides its writes.
        ProspectImport.objects.filter(pk=import_id, status=Status.COMMITTING, attempt=attempt).update(
            heartbeat_at=timezone.now()
        )
    try:
        with transaction.atomic():
            prospect_import = ProspectImport.objects.select_for_update().get(pk=import_id)
            if prospect_import.status == Status.COMMITTED:
                return prospect_import.created_count
            if attempt is not None and (prospect_import.attempt, prospect_import.status) != (
                attempt,
                Status.COMMITTING,
            ):
                logger.info("Prospect import %s: attempt %s is over, this copy does nothing", import_id, attempt)
                return 0
            if prospect_import.status not in (Status.VALIDATED, Status.COMMITTING):
                raise ImportNotReady
            since_check = timezone.now()
            with _local_path(prospect_import) as path:
                if prospect_import.call_list_id is not None:
                    created = add_numbers_to_call_list(
                        call_list_id=prospect_import.call_list_id,
                        rows=_good_numbers(prospect_import, path, since_check=since_check),
                        on_batch=lambda done: cache.set(key, done, 3600),
                    ).added
                else:
                    created = register_customers_in_bulk(
                        created_by=prospect_import.created_by,
                        rows=_good_rows(prospect_import, path, since_check=since_check),
                        batch_size=BATCH_SIZE,
                        on_batch=lambda done: cache.set(key, done, 3600),
                        on_created=lambda customer_ids: _record_imported(prospect_import, customer_ids),
                    )
            prospect_import.status = Status.COMMITTED
            prospect_import.created_count = created
            prospect_import.committed_at = timezone.now()
            prospect_import.message = ""
            prospect_import.save(update_fields=["status", "created_count", "committed_at", "message", "updated_at"])
    except ApplicationError as error:
        ProspectImport.objects.filter(pk=import_id, status__in=[Status.VALIDATED, Status.COMMITTING]).update(
            status=Status.VALIDATED, message=str(error.message)[:500]
        )
        cache.delete(key)
        raise
    cache.delete(key)
    logger.info("Prospect import %s committed: %s customers", import_id, created)
    return created


def _record_imported(prospect_import: ProspectImport, customer_ids: list[int]) -> None:
    """A batch of the import's new customers: listed on the import, and the partner's leads when it came from one."""
    insert_rows(
        ImportedCustomer, ["prospect_import_id", "customer_id"], [(prospect_import.pk, pk) for pk in customer_ids]
    )
    if prospect_import.partner_id is not None:
        attribute_customers_to_partner(customer_ids=customer_ids, partner_id=prospect_import.partner_id)


def stop_stalled_imports(*, now: datetime | None = None) -> int:
    """Find the checks and imports whose worker has stopped, keep nothing of them, say so on their page.

    Stalled: still "checking" or "importing" with no sign of life (``heartbeat_at``) for
    IMPORT_STALE_MINUTES. An import commits in one transaction that holds the import's row lock:
    a live one is skipped (SKIP LOCKED on PostgreSQL; on SQLite this job waits for the writer and
    then finds it committed), and a dead one's transaction was rolled back by the database when
    its connection closed, so none of its customers exist. The import goes back to "checked", to
    be imported again; a check (written batch by batch) has its partial issues deleted and is
    marked failed, to be run again. ``stopped_at`` tells the page which happened and when.
    Idempotent: a second run finds nothing more to stop. Returns how many were stopped.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.CRM["IMPORT_STALE_MINUTES"])
    stalled = Q(status__in=[Status.VALIDATING, Status.COMMITTING]) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
    )
    stopped = 0
    for import_id in ProspectImport.objects.filter(stalled).values_list("pk", flat=True):
        with transaction.atomic():
            prospect_import = (
                ProspectImport.objects.select_for_update(skip_locked=True).filter(stalled, pk=import_id).first()
            )
            if prospect_import is None:  # a live commit holds it, or it finished meanwhile
                continue
            was = prospect_import.status
            if was == Status.COMMITTING:
                prospect_import.status = Status.VALIDATED
            else:
                ImportRowIssue.objects.filter(prospect_import=prospect_import).delete()
                prospect_import.status = Status.FAILED
            prospect_import.stopped_at = now
            prospect_import.message = ""
            prospect_import.save(update_fields=["status", "stopped_at", "message", "updated_at"])
        cache.delete(commit_progress_key(import_id))
        logger.warning(
            "Prospect import %s: its worker stopped while %s (no sign of life since %s); nothing of it was kept",
            import_id,
            was,
            prospect_import.heartbeat_at,
        )
        stopped += 1
    return stopped
