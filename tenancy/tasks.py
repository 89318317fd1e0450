"""Celery tasks of the event outbox: thin wrappers around tenancy.events. Without a broker the
outbox is processed in-process after each commit and these run only when called."""

from celery import shared_task

from . import events


@shared_task(name="tenancy.process_events")
def process_events_task() -> int:
    """Drain the outbox for at most OUTBOX_DRAIN_SECONDS (queued after commits that emitted,
    debounced, and by Celery beat as the safety net); returns how many events were taken."""
    return events.drain()


@shared_task(name="tenancy.purge_events")
def purge_events_task() -> int:
    """Periodic (Celery beat): delete processed events older than OUTBOX_KEEP_DAYS."""
    return events.purge_processed()
