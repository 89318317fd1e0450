"""What follows a finished import, called once at the end of its run (import_run): the lead
figures it changed go stale, and after a big customer import the slot indexes its writes grew
are rebuilt (on the workers with a broker, here without one; docs/operations.md)."""

from django.db import transaction

from customfields.tasks import reindex_slots
from tenancy.caching import bump_figures

from ..models import ImportJob, ImportKind, ImportStatus
from ..selectors.leads import LEAD_FIGURES

# Customers created or updated from which an import is worth rebuilding the indexes for: below
# it the rows written are a sliver of a big tenant's, and a rebuild reads the whole table.
REINDEX_AFTER_ROWS = 10_000


def import_finished(*, job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.dry_run or job.status != ImportStatus.DONE:
        return
    if job.kind == ImportKind.LEADS:
        bump_figures(job.tenant_id, LEAD_FIGURES)
    elif job.created + job.updated >= REINDEX_AFTER_ROWS:
        # After the commit: REINDEX CONCURRENTLY cannot run inside a transaction.
        transaction.on_commit(lambda: reindex_slots.delay(job.tenant_id))
