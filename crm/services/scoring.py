"""Keeping `crm_score` current (crm.selectors.scoring defines it) and counting interactions.

The score is never typed: the customer services refresh one customer's score when one of its
inputs changes (interactions, last contact, purchases, custom values); `scores_refresh`
recomputes a tenant's customers set-based — one UPDATE per batch of ids, writing only the rows
whose score changed — for recency, which moves with the calendar (crm.tasks.refresh_scores,
hourly, and `manage.py refresh_scores`), and after the tenant's active custom fields change
(the completeness denominator).

Interactions are counted, not typed: the services where a contact with the customer happens call
`customer_record_interaction` — a logged call (a linked lead's last contact date moving later,
crm.services.leads), a completed callback (callbacks), a campaign reply and a conversion
(campaigns). Each adds one to `total_interactions` and moves `last_contacted_at` to its time if
that is later."""

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from customfields.models import FieldDefinition
from tenancy.actors import Actor, require_role
from tenancy.models import Role, Tenant

from ..models import Customer, Lead
from ..selectors.scoring import score_expression
from . import reactions  # at call time: reactions imports the rules, which import these

REFRESH_BATCH = 20_000  # customer ids per UPDATE: short locks, few statements


class InteractionKind:
    CALL = "call"  # a call logged on a linked lead (its last contact date moved later)
    CALLBACK = "callback"  # a callback request completed
    REPLY = "reply"  # a reply to a campaign message
    CONVERSION = "conversion"  # a campaign conversion

    values = (CALL, CALLBACK, REPLY, CONVERSION)


def customer_score_refresh(
    customer: Customer,
    *,
    definitions: Mapping[str, FieldDefinition] | None = None,
    now: datetime | None = None,
) -> int:
    """Recompute one customer's score in the database and put it on `customer`. A helper of the
    services that changed an input, not a way in: it checks no role (the caller has)."""
    score = score_expression(tenant=customer.tenant, definitions=definitions, now=now)
    Customer.objects.filter(pk=customer.pk, tenant=customer.tenant).update(crm_score=score)
    customer.crm_score = (
        Customer.objects.filter(pk=customer.pk).values_list("crm_score", flat=True).get()
    )
    return customer.crm_score


def scores_refresh(
    *, tenant: Tenant, now: datetime | None = None, batch_size: int = REFRESH_BATCH
) -> int:
    """Recompute every score of the tenant at `now`; returns how many changed. One UPDATE per
    batch of `batch_size` ids, each its own transaction, each writing only the rows whose score
    differs (a refresh on a day when nothing moved writes nothing)."""
    now = now or timezone.now()
    score = score_expression(tenant=tenant, now=now)
    customers = Customer.objects.for_tenant(tenant)
    bounds = customers.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return 0
    changed = 0
    for start in range(bounds["low"], bounds["high"] + 1, batch_size):
        with transaction.atomic():
            changed += (
                customers.filter(id__gte=start, id__lt=start + batch_size)
                .exclude(crm_score=score)
                .update(crm_score=score)
            )
    return changed


@transaction.atomic
def customer_record_interaction(
    *, tenant: Tenant, customer: Customer, kind: str, at: datetime, by: Actor
) -> Customer:
    """Count one interaction of `kind` with the customer at `at`: one more in
    `total_interactions`, `last_contacted_at` moved to `at` when that is later, the score
    refreshed. `by`: who made the contact (a member, or the operator for the system and the
    outside world); any active member of the tenant may."""
    require_role(by, tenant=tenant, roles=Role.values)
    if customer.tenant_id != tenant.pk:
        raise ValidationError({"customer": ["Unknown customer."]})
    if kind not in InteractionKind.values:
        raise ValidationError(
            {"kind": [f"Choose an interaction kind: {', '.join(InteractionKind.values)}."]}
        )
    if at is None or timezone.is_naive(at):
        raise ValidationError({"at": ["Give the time of the interaction with its time zone."]})
    Customer.objects.filter(pk=customer.pk, tenant=tenant).update(
        total_interactions=F("total_interactions") + 1,
        last_contacted_at=Greatest(Coalesce(F("last_contacted_at"), Value(at)), Value(at)),
    )
    stored = Customer.objects.filter(pk=customer.pk).values(
        "total_interactions", "last_contacted_at"
    )
    for name, value in stored.get().items():
        setattr(customer, name, value)
    customer_score_refresh(customer)
    reactions.customers_changed(
        tenant=tenant,
        customer_ids=[customer.pk],
        by=by,
        fields={"total_interactions", "last_contacted_at", "crm_score"},
    )
    return customer


def count_logged_call(lead: Lead, *, by: Actor, before: datetime | None) -> None:
    """A call logged on a customer's lead (the lead services call this after saving it): its
    last contact date set later than it was (`before`) is one interaction of the customer's at
    that time, not after now."""
    logged = lead.last_contact_date
    if lead.customer_id is None or logged is None or (before is not None and logged <= before):
        return
    customer_record_interaction(
        tenant=lead.tenant,
        customer=lead.customer,
        kind=InteractionKind.CALL,
        at=min(logged, timezone.now()),
        by=by,
    )
