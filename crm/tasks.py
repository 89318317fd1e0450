"""Celery tasks: thin wrappers around the score services. Without a broker they run eagerly in
the calling process; with one, on the workers."""

from celery import shared_task

from tenancy.models import Tenant

from .services.scoring import scores_refresh


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
    custom fields changed (completeness). Returns how many changed."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    return scores_refresh(tenant=tenant) if tenant is not None else 0


def refresh_after_fields_changed(*, tenant, **kwargs) -> None:
    """Receiver of customfields' active_fields_changed (sent after the commit)."""
    refresh_tenant_scores.delay(tenant.pk)
