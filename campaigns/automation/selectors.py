"""Trigger reads: the tenant's triggers with their run counts, one trigger (404 otherwise),
its run log."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from crm.models import Customer
from tenancy.access import one_or_404
from tenancy.events import BUILTIN_EVENT_TYPES
from tenancy.models import Membership, OutboxEvent, Tenant

from ..models import CampaignTrigger, RunOutcome, TriggerRun
from .conditions import customer_condition_q

# How many of the tenant's own event types the builder offers.
SEEN_TYPES_MAX = 50


def triggers_visible_to(*, tenant: Tenant, membership: Membership | None = None) -> QuerySet:
    """Every member sees the tenant's triggers, with their runs counted by outcome."""
    return (
        CampaignTrigger.objects.for_tenant(tenant)
        .select_related("campaign")
        .annotate(
            runs_fired=Count("runs", filter=Q(runs__outcome=RunOutcome.FIRED)),
            runs_scheduled=Count("runs", filter=Q(runs__outcome=RunOutcome.SCHEDULED)),
            runs_skipped=Count("runs", filter=Q(runs__outcome=RunOutcome.SKIPPED)),
        )
    )


def trigger_for(*, tenant: Tenant, membership: Membership | None = None, pk: object):
    return one_or_404(triggers_visible_to(tenant=tenant, membership=membership), pk, what="trigger")


def campaign_trigger_for(
    *, tenant: Tenant, membership: Membership | None = None, campaign, pk: object
) -> CampaignTrigger:
    """One trigger of `campaign` (the pages' address); another campaign's is a 404 too."""
    trigger = trigger_for(tenant=tenant, membership=membership, pk=pk)
    if trigger.campaign_id != campaign.pk:
        raise Http404("No such trigger.")
    return trigger


def seen_event_types(*, tenant: Tenant) -> list[str]:
    """The tenant's own (external) event types: those in its outbox (kept a week) and those
    its triggers already name, for the builder to offer."""
    outbox = (
        OutboxEvent.objects.for_tenant(tenant)
        .exclude(event_type__in=BUILTIN_EVENT_TYPES)
        .values_list("event_type", flat=True)
        .distinct()
        .order_by("event_type")[:SEEN_TYPES_MAX]
    )
    named = (
        CampaignTrigger.objects.for_tenant(tenant)
        .exclude(event_type__in=BUILTIN_EVENT_TYPES)
        .values_list("event_type", flat=True)
        .distinct()
    )
    return sorted({*outbox, *named})[:SEEN_TYPES_MAX]


def trigger_match_count(*, tenant: Tenant, condition: Any) -> int:
    """How many of the tenant's customers the condition's customer part matches now (its
    `event.` rules taken as holding: they are judged per event). ValidationError when the
    condition is not valid."""
    q = customer_condition_q(condition, tenant=tenant)
    return Customer.objects.for_tenant(tenant).filter(q).count()


def member_choices(*, tenant: Tenant) -> list[tuple[int, str]]:
    """(user id, username) of the tenant's active members: whom a lead may be assigned to."""
    return list(
        Membership.objects.filter(tenant=tenant, is_active=True)
        .order_by("user__username")
        .values_list("user_id", "user__username")
    )


def trigger_runs(*, trigger: CampaignTrigger) -> QuerySet[TriggerRun]:
    return (
        TriggerRun.objects.filter(tenant=trigger.tenant, trigger=trigger)
        .select_related("customer")
        .order_by("-created_at", "-pk")
    )


def campaign_triggers_overview(*, campaign, runs: int = 10) -> list[dict]:
    """The campaign page's "Triggers" section: each trigger with its actions in words and its
    latest runs (a query per trigger: a campaign has a handful)."""
    from .actions import describe

    out = []
    for trigger in triggers_visible_to(tenant=campaign.tenant).filter(campaign=campaign):
        out.append(
            {
                "trigger": trigger,
                "actions": [describe(action) for action in trigger.actions],
                "runs": list(trigger_runs(trigger=trigger)[:runs]),
            }
        )
    return out
