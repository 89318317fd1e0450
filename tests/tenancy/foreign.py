"""The event outbox's part of the crossing walks (tests/tenancy): tenant B's events (one of its
customer, as the API records them; one failed, for the admin's retry), how to address them,
and the writes and filters that point at B's customer."""

from crm.api.events import EventViewSet
from tenancy.events import emit
from tenancy.models import EventStatus, OutboxEvent


def build(world, tenant) -> None:
    # tests/customfields/foreign.py has built B's customer (world.customer) by now.
    world.event = emit(
        tenant=tenant,
        event_type="zqxbeta_purchase",
        customer_id=world.customer.pk,
        data={"sku": "zqxbeta-sku"},
        event_id="zqxbeta-order-1",
    )
    world.failed_event = emit(tenant=tenant, event_type="zqxbeta_failed", data={"n": 1})
    OutboxEvent.objects.filter(pk=world.failed_event.pk).update(
        status=EventStatus.FAILED, attempts=8, last_error="zqxbeta: boom"
    )


def snapshot(world) -> tuple:
    return tuple(
        OutboxEvent.objects.filter(tenant=world.event.tenant)
        .order_by("pk")
        .values_list("pk", "event_type", "customer_id", "data", "status", "attempts")
    )


DETAIL_KWARGS = {EventViewSet: lambda w: {"pk": w.event.pk}}
FOREIGN_POSTS = {
    "event-list": lambda w, a: [
        {"customer": w.customer.pk, "event_type": "purchase"},
        {"customer": w.customer.pk, "event_type": "purchase", "event_id": "zqxbeta-order-1"},
    ],
}
FOREIGN_FILTERS = {"event-list": {"customer": lambda w: w.customer.pk}}
ADMIN_OBJECTS = {OutboxEvent: lambda w: w.failed_event}
