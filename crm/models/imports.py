"""Imports of customers and leads from CSV and XLSX files (crm.services.imports).

The uploaded file lives in the database, cut into chunks (ImportFile, ImportFileChunk), so a
Celery worker on another machine reads it as well as the web process that took it, and a
rerun of the same file ("check again with this mapping", "import for real after the dry run")
needs no new upload. Each run is an ImportJob with its counts and progress; what it refused is
in ImportRowError (the error report: row number, column, message and the row's cells), what it
wrote in ImportRecord (which customer or lead, created or updated, the values before: the undo
and the timeline read them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models.tenants import TenantOwned
from tenancy.validators import capped_text_field

# The first errors a job keeps on itself (the API's `errors`); every error is in ImportRowError.
JOB_ERRORS_KEPT = 100
# A row error's message and a job's failure are cut to this (a field's own pattern message
# can be long).
MESSAGE_MAX_LENGTH = 2000


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    LEADS = "leads", "Leads"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    UNDONE = "undone", "Undone"


class OnDuplicate(models.TextChoices):
    SKIP = "skip", "Skip the row"
    UPDATE = "update", "Update the existing one"
    CREATE = "create", "Create another one"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ImportFile(TenantOwned):
    """An uploaded file, kept as ordered chunks of bytes (ImportFileChunk)."""

    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.filename


class ImportFileChunk(TenantOwned):
    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["file", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "file", "seq"], name="importfilechunk_unique_seq"
            )
        ]


class ImportJob(TenantOwned):
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    dry_run = models.BooleanField(default=False)
    on_duplicate = models.CharField(
        max_length=8, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    file = models.ForeignKey(ImportFile, on_delete=models.PROTECT, related_name="jobs")
    filename = models.CharField(max_length=255)
    # {column header: target} ("first_name", "custom.<key>", "tags"; "" ignores the column).
    mapping = models.JSONField(default=dict, blank=True)
    headers = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)

    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Rows that matched a customer (or lead) that existed before the job: the duplicate warning.
    duplicates = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first JOB_ERRORS_KEPT row errors, [{row, column, message}].
    errors = models.JSONField(default=list, blank=True)
    # Why a failed job failed (the file could not be read, …).
    failure = capped_text_field(MESSAGE_MAX_LENGTH, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_job = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="importjob_tenant_created")]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.filename})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.UNDONE)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportRowError(TenantOwned):
    """A row the job refused: its number in the file (the header is row 1), the column and
    the message, and the row's original cells for the error report."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    message = capped_text_field(MESSAGE_MAX_LENGTH)
    cells = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "row", "id"]
        indexes = [models.Index(fields=["tenant", "job", "row"], name="importrowerror_job_row")]


class ImportRecord(TenantOwned):
    """What a job wrote to one customer (or lead): created it, or updated it — then `before`
    holds the changed columns' values before ({column: JSON value}), `changed` the labels of
    the fields that changed and `added_tags` the tags it added; the undo restores from them."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    row = models.PositiveIntegerField()
    customer = models.ForeignKey(
        "crm.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_records",
    )
    lead = models.ForeignKey(
        "crm.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="import_records"
    )
    created = models.BooleanField()
    before = models.JSONField(default=dict, blank=True)
    changed = models.JSONField(default=list, blank=True)
    added_tags = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "customer", "at"], name="importrecord_customer"),
            models.Index(fields=["tenant", "job"], name="importrecord_job"),
        ]
