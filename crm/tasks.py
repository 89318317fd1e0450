"""Celery tasks: thin wrappers around the score and segment services. Without a broker they run
eagerly in the calling process; with one, on the workers."""

from celery import shared_task

from tenancy.models import Tenant

from .services.imports import import_run
from .services.scoring import scores_refresh
from .services.segments import segment_rebuild, segments_refresh_timed
from .services.tag_rules import tag_rules_refresh_timed
from .services.time_events import time_events_emit


@shared_task(name="crm.refresh_scores")
def refresh_scores() -> int:
    """Periodic (Celery beat, hourly): a task per tenant, so the workers share them, for
    recency, which moves at each tenant's own midnight. Returns how many tenants."""
    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        refresh_tenant_scores.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="crm.refresh_tenant_scores")
def refresh_tenant_scores(tenant_id: int) -> int:
    """One tenant's scores (writing only those that changed): hourly, and after its active
    custom fields changed (completeness); then its smart-tag rules and segments that read the
    clock or the score (crm_score does not announce its changes customer by customer). Returns
    how many scores changed."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    changed = scores_refresh(tenant=tenant)
    tag_rules_refresh_timed(tenant=tenant)  # before the segments, which may read their tags
    segments_refresh_timed(tenant=tenant)
    return changed


@shared_task(name="crm.rebuild_segment")
def rebuild_segment(segment_id: int) -> str:
    """A segment's full rebuild (crm.services.segments.segment_rebuild); returns its status."""
    return segment_rebuild(segment_id=segment_id)


def refresh_after_fields_changed(*, tenant, **kwargs) -> None:
    """Receiver of customfields' active_fields_changed (sent after the commit)."""
    refresh_tenant_scores.delay(tenant.pk)


@shared_task(name="crm.run_import")
def run_import(job_id: int) -> str:
    """An import job's run (crm.services.imports.import_run); returns its status."""
    return import_run(job_id=job_id)


@shared_task(name="crm.emit_time_events")
def emit_time_events() -> int:
    """Periodic (Celery beat, hourly): a task per active tenant for its time-based events
    (crm.services.time_events), emitted once per tenant's local day however often this runs.
    Returns how many tenants."""
    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        emit_tenant_time_events.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="crm.emit_tenant_time_events")
def emit_tenant_time_events(tenant_id: int) -> dict[str, int]:
    """One tenant's time-based events of its local today; returns the new ones' counts."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return {}
    return time_events_emit(tenant=tenant)
