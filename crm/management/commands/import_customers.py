"""manage.py import_customers TENANT FILE: import a CSV or XLSX file of customers (or, with
--kind leads, leads) into the tenant whose slug is TENANT, in this process, printing the
progress, the counts and the first errors. Acts as the operator. Exits non-zero with a message
for an unknown tenant, a file that cannot be read, a bad mapping, or a failed import."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import ImportJob, ImportKind, ImportStatus, OnDuplicate
from crm.services.imports import import_run, import_start
from tenancy.actors import OPERATOR
from tenancy.models import Tenant

ERRORS_SHOWN = 10


class Command(BaseCommand):
    help = "Import customers (or leads) from a CSV or XLSX file into a tenant."

    def add_arguments(self, parser):
        parser.add_argument("tenant", metavar="TENANT", help="The tenant's slug.")
        parser.add_argument("file", metavar="FILE", help="The CSV (UTF-8) or XLSX file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and count; write nothing."
        )
        parser.add_argument(
            "--on-duplicate",
            choices=OnDuplicate.values,
            default=OnDuplicate.SKIP,
            help="A row matching a record by email, then phone (default: skip).",
        )
        parser.add_argument(
            "--mapping",
            metavar="JSON",
            help='{"column": "field" or "custom.<key>" or ""}; other columns by their names.',
        )
        parser.add_argument("--tags", default="", help="Tags for every record: a,b")
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.CUSTOMERS)

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant '{options['tenant']}'.")
        path = Path(options["file"])
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        with handle:
            try:
                job = import_start(
                    tenant=tenant,
                    by=OPERATOR,
                    kind=options["kind"],
                    file=handle,
                    filename=path.name,
                    mapping=options["mapping"],
                    dry_run=options["dry_run"],
                    on_duplicate=options["on_duplicate"],
                    tags=options["tags"],
                    start_run=False,
                )
            except ValidationError as exc:
                raise CommandError(_messages(exc)) from None
        mapped = ", ".join(f"{column} → {target}" for column, target in job.mapping.items())
        self.stdout.write(f"Import #{job.pk} of {job.filename}: {mapped}")
        status = import_run(job_id=job.pk, progress=self._progress)
        job = ImportJob.objects.get(pk=job.pk)
        what = "Dry run" if job.dry_run else "Import"
        self.stdout.write(
            f"{what} #{job.pk} {job.get_status_display().lower()}: "
            f"{job.created} created, {job.updated} updated, {job.skipped} skipped, "
            f"{job.error_count} refused, of {job.total_rows} rows "
            f"({job.duplicates} matched existing records)."
        )
        for error in job.errors[:ERRORS_SHOWN]:
            self.stdout.write(f"  row {error['row']}, {error['column']}: {error['message']}")
        if job.error_count > ERRORS_SHOWN:
            self.stdout.write(f"  … and {job.error_count - ERRORS_SHOWN} more.")
        if status != ImportStatus.DONE:
            raise CommandError(f"The import failed: {job.failure}")

    def _progress(self, job: ImportJob) -> None:
        self.stdout.write(f"  {job.processed_rows:,} / {job.total_rows:,} rows")


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
