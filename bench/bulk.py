"""The bulk cases of the benchmark (issue #24): the xlsx export of 100,000 customers and the import of 100,000
prospect rows (dry run, then commit), each with the peak memory of the process that ran it.

Used by bench/cases.py (JobCase) and runnable alone against any database with the large data set:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bulk_bench .venv/bin/python bench/bulk.py export
    DATABASE_URL=... .venv/bin/python bench/bulk.py import [--rows 100000]
    DATABASE_URL=... .venv/bin/python bench/bulk.py calls [--rows 100000]

The import runs inside a transaction that is rolled back at the end, so the data set is left as it was.
The timings include every INSERT and, on PostgreSQL, the foreign-key checks that a COMMIT would run
(the constraints are deferred: ``SET CONSTRAINTS ALL IMMEDIATE`` runs them inside the timed part).
Memory: ``ru_maxrss`` is the process's peak so far, so ``peak_rss_delta_mb`` (peak minus the resident memory
at the start of the case) is the case's own growth only when it runs first or peaks higher than what ran before.
"""

from __future__ import annotations

import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRADES = ["物流", "五金", "汽修", "餐饮", "建材", "电子", "服装", "家具"]


class _RolledBack(Exception):
    pass


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except OSError:
        return peak_rss_mb()


def prospect_csv(path: Path, *, rows: int, numbers_only: bool = False) -> Path:
    """A prospect list of ``rows`` distinct units and mobile numbers (numbers no seeded customer has), in the
    districts of seed_scale's branches."""
    from accounts.management.commands.seed_scale import DISTRICT_NAMES

    districts = DISTRICT_NAMES.split()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if numbers_only:
            writer.writerow(["电话", "联系人"])
        else:
            writer.writerow(["单位名称", "联系人", "电话", "所在区", "地址", "行业"])
        for number in range(rows):
            phone = f"177{number:08d}"
            if numbers_only:
                writer.writerow([phone, f"车主{number}"])
                continue
            district = districts[number % len(districts)] + "区"
            trade = TRADES[number % len(TRADES)]
            writer.writerow(
                [f"导入{trade}{number:06d}有限公司", f"联系人{number}", phone, district, f"{district}{number}号", trade]
            )
    return path


def _user(role: str):
    from crm.models import User

    return User.objects.filter(role=role, is_active=True).order_by("username").first()


def export_customers(*, file_format: str = "xlsx") -> dict[str, Any]:
    """The admin's export of every customer, written as the worker writes it (crm.exports.run_export)."""
    from django.db import transaction

    from crm.exports.services import queue_export, run_export
    from crm.models import Export, User

    before = current_rss_mb()
    admin = _user(User.Role.ADMIN)
    started = time.perf_counter()
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            export = queue_export(owner=admin, kind="customers", filters={}, file_format=file_format)
            done = run_export(export_id=export.pk)
            assert done is not None and done.status == Export.Status.DONE, done and done.error
            result = {"rows": done.rows_written, "file_mb": round(done.file.size / 2**20, 1)}
            done.file.delete(save=False)
            raise _RolledBack
    except _RolledBack:
        pass
    seconds = time.perf_counter() - started
    return {
        **result,
        "file_format": file_format,
        "seconds": round(seconds, 1),
        "rows_per_s": round(result["rows"] / seconds),
        "rss_before_mb": before,
        "rss_after_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_delta_mb": round(max(0.0, peak_rss_mb() - before), 1),
    }


def _run_deferred_checks() -> None:
    """What COMMIT would do on PostgreSQL besides writing: the deferred foreign-key checks, now."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def import_prospects(*, rows: int = 100_000, call_list: bool = False) -> dict[str, Any]:
    """Upload, dry run and commit a list of ``rows`` prospects (or numbers for a new call list), as the
    worker does; rolled back at the end."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from campaigns.models import CallList, ProspectImport
    from campaigns.services import check_prospect_import, commit_prospect_import, start_prospect_import
    from crm.models import User
    from territories.models import ChannelType

    before = current_rss_mb()
    info_staff = _user(User.Role.INFO_STAFF)
    admin = _user(User.Role.ADMIN)
    timings: dict[str, Any] = {}
    cap = settings.CRM["MAX_PROSPECTS_PER_SALESPERSON"]
    settings.CRM["MAX_PROSPECTS_PER_SALESPERSON"] = 10**9  # the bench imports far more than a person holds
    with tempfile.TemporaryDirectory() as folder:
        path = prospect_csv(Path(folder) / "prospects.csv", rows=rows, numbers_only=call_list)
        try:
            with transaction.atomic():
                target = None
                if call_list:
                    target = CallList.objects.create(
                        name="bench", created_by=admin, channel_type=ChannelType.objects.order_by("pk").first()
                    )
                with path.open("rb") as handle:
                    upload = SimpleUploadedFile("prospects.csv", handle.read(), content_type="text/csv")
                prospect_import = start_prospect_import(created_by=info_staff, uploaded_file=upload, call_list=target)
                started = time.perf_counter()
                checked = check_prospect_import(import_id=prospect_import.pk)
                dry_run = time.perf_counter() - started
                timings["dry_run_s"] = round(dry_run, 1)
                timings["dry_run_rows_per_s"] = round(rows / dry_run)
                timings["valid_rows"] = checked.valid_rows
                ProspectImport.objects.filter(pk=checked.pk).update(status=ProspectImport.Status.COMMITTING)
                started = time.perf_counter()
                created = commit_prospect_import(import_id=checked.pk)
                _run_deferred_checks()
                seconds = time.perf_counter() - started
                timings.update(created=created, commit_s=round(seconds, 1), commit_rows_per_s=round(created / seconds))
                checked.file.delete(save=False)
                raise _RolledBack
        except _RolledBack:
            pass
        finally:
            settings.CRM["MAX_PROSPECTS_PER_SALESPERSON"] = cap
    timings["seconds"] = round(timings["dry_run_s"] + timings["commit_s"], 1)
    return {
        **timings,
        "rss_before_mb": before,
        "rss_after_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_delta_mb": round(max(0.0, peak_rss_mb() - before), 1),
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["export", "csv", "import", "calls"])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    if args.case in ("export", "csv"):
        print(export_customers(file_format="csv" if args.case == "csv" else "xlsx"))
    else:
        print(import_prospects(rows=args.rows, call_list=args.case == "calls"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
