"""External events: what the tenant's own systems report about a customer (a purchase, an
order shipped, anything they name) through `POST events/`, recorded in the event outbox
(tenancy.events) for the triggers to react to. The built-in event types are Atrium's own
(tenancy.events.BUILTIN_EVENT_TYPES), emitted by its services; an external event may not use
them. Admins and managers (and their API tokens) may record events."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.actors import Actor, require_role
from tenancy.events import BUILTIN_EVENT_TYPES, clean_event_type, emit
from tenancy.models import OutboxEvent, Role, Tenant

from ..models import Customer

EVENT_RECORD_ROLES = (Role.ADMIN, Role.MANAGER)
# How far ahead of our clock a sender's `occurred_at` may be (their clock may run fast).
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def event_record(
    *,
    tenant: Tenant,
    by: Actor,
    customer: Customer,
    event_type: str,
    data: dict | None = None,
    occurred_at: datetime.datetime | None = None,
    event_id: str | None = None,
) -> OutboxEvent:
    """Record an external event of the tenant's customer. With `event_id`, a repeat answers the
    event first recorded under it (`is_new` False) and records nothing."""
    require_role(
        by,
        tenant=tenant,
        roles=EVENT_RECORD_ROLES,
        message="Only admins and managers may record events.",
    )
    if customer is None or customer.tenant_id != tenant.pk:
        raise ValidationError({"customer": ["Unknown customer."]})
    event_type = clean_event_type(event_type)
    if event_type in BUILTIN_EVENT_TYPES:
        raise ValidationError(
            {
                "event_type": [
                    f"'{event_type}' is one of Atrium's own events; name yours differently "
                    "(e.g. purchase)."
                ]
            }
        )
    if occurred_at is not None and occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": ["This is in the future; give when it happened."]})
    with transaction.atomic():
        return emit(
            tenant=tenant,
            event_type=event_type,
            customer_id=customer.pk,
            data=data,
            occurred_at=occurred_at,
            event_id=event_id,
        )
