"""Reads for imports: the one access selector, the list, the fields a column may map to, and
the error report's rows.

Who sees imports: managers and admins (who may import) see every import of the tenant; agents
see none (an import's error report holds rows of leads an agent may not see), so for them the
list is empty and one import a 404, like another tenant's."""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from customfields.services.values import active_definitions
from tenancy.access import one_or_404
from tenancy.actors import Actor, is_operator
from tenancy.models import Membership, Tenant

from ..conditions import CUSTOM_PREFIX
from ..models import Customer, ImportJob, ImportKind, ImportRowError, Lead
from ..services.customers import CUSTOMER_FIELDS

CUSTOM_TARGET_PREFIX = CUSTOM_PREFIX  # a column for a custom field: custom.<key>
TAGS_TARGET = "tags"
# What a column may fill, in the order the mapping form lists them (before the custom fields).
# Customers: the fields a member writes (the API's and the forms' own list).
CUSTOMER_TARGETS = CUSTOMER_FIELDS
LEAD_TARGETS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "status",
    "source",
    "sub_source",
    "channel",
    "lead_score",
    "probability",
    "estimated_value",
    "expected_close_date",
    "notes",
)
LEAD_TARGET_LABELS = {
    "source": "Lead source (code)",
    "sub_source": "Sub-source (code)",
    "channel": "Channel (code)",
    "status": "Status",
}


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def import_targets(*, tenant: Tenant, kind: str) -> list[tuple[str, str]]:
    """(value, label) of every field a column of a `kind` import may map to: the core fields,
    `tags` (comma-separated names) and, for customers, the tenant's active custom fields as
    `custom.<key>`."""
    if kind == ImportKind.LEADS:
        targets = [
            (name, LEAD_TARGET_LABELS.get(name) or _label(Lead, name)) for name in LEAD_TARGETS
        ]
        return [*targets, (TAGS_TARGET, "Tags")]
    targets = [(name, _label(Customer, name)) for name in CUSTOMER_TARGETS]
    targets.append((TAGS_TARGET, "Tags"))
    for key, definition in active_definitions(tenant).items():
        targets.append((f"{CUSTOM_TARGET_PREFIX}{key}", definition.field_label))
    return targets


def _can_see_imports(membership: Actor | None) -> bool:
    if membership is None or is_operator(membership):
        return True
    return isinstance(membership, Membership) and membership.can_manage


def import_list(*, tenant: Tenant, membership: Actor | None) -> QuerySet[ImportJob]:
    """The tenant's imports, newest first (none for an agent); `membership` None: all (the
    system's own reads)."""
    jobs = ImportJob.objects.for_tenant(tenant)
    if not _can_see_imports(membership):
        return jobs.none()
    return jobs.order_by("-created_at", "-id")


def import_for(*, tenant: Tenant, membership: Actor | None, pk: object) -> ImportJob:
    """The import `pk` of the tenant, or Http404 (missing, another tenant's, or an agent's
    asking, alike)."""
    return one_or_404(import_list(tenant=tenant, membership=membership), pk, what="import")


def import_error_rows(job: ImportJob) -> Iterator[list[str]]:
    """The error report, row by row: a header row (row, column, message, then the file's
    columns), then each refused row with its original cells. Read in pages, so a report of
    200,000 rows streams."""
    headers = list(job.headers or [])
    yield ["row", "column", "message", *headers]
    errors = ImportRowError.objects.filter(tenant_id=job.tenant_id, job=job).order_by("row", "id")
    last = (0, 0)
    while True:
        page = list(
            errors.filter(row__gte=last[0])
            .exclude(row=last[0], id__lte=last[1])
            .values_list("row", "id", "column", "message", "cells")[:1000]
        )
        if not page:
            return
        for row, pk, column, message, cells in page:
            cells = list(cells or [])
            yield [str(row), column, message, *cells, *[""] * (len(headers) - len(cells))]
            last = (row, pk)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value):
        return value


def error_report_response(job: ImportJob) -> StreamingHttpResponse:
    """The job's error report as a streamed CSV download (the API, the pages and the admin)."""
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in import_error_rows(job))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
