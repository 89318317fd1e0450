"""Celery tasks of customfields: thin wrappers around its services. Without a broker they run
eagerly in the calling process; with one, on the workers."""

from celery import shared_task

from tenancy.models import Tenant

from .services.indexes import indexed_slots, slot_indexes_rebuild


@shared_task(name="customfields.reindex_slots")
def reindex_slots(tenant_id: int | None = None) -> int:
    """Rebuild the slot indexes (those `tenant_id`'s fields use, or all) concurrently; returns
    how many were rebuilt (0 on SQLite)."""
    tenant = Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None
    if tenant_id and tenant is None:
        return 0
    return len(slot_indexes_rebuild(slots=indexed_slots(tenant=tenant)))
