"""Celery tasks: thin wrappers around the sending services. Without a broker they run eagerly
in the calling process; with one, on the workers."""

from celery import shared_task
from django.utils import timezone

from .automation.consumer import fire_due_runs
from .services import sending


@shared_task(name="campaigns.send_campaign")
def send_campaign(campaign_id: int) -> dict:
    totals = sending.send_campaign(campaign_id=campaign_id)
    retry_at = sending.next_retry_at(campaign_id=campaign_id)
    # Eager tasks ignore eta and would spin; there the periodic dispatcher picks retries up.
    if retry_at is not None and not send_campaign.app.conf.task_always_eager:
        send_campaign.apply_async((campaign_id,), eta=retry_at)
    return totals


@shared_task(name="campaigns.dispatch_due")
def dispatch_due() -> int:
    """Periodic (Celery beat, every minute): fire the trigger runs whose delay has passed, and
    start sending for scheduled campaigns whose time has come and for failed executions due
    for a retry."""
    fire_due_runs()
    ids = sending.due_campaign_ids(now=timezone.now())
    for campaign_id in ids:
        send_campaign.delay(campaign_id)
    return len(ids)
