"""Trigger reads: the tenant's triggers with their run counts, one trigger (404 otherwise),
its run log."""

from django.db.models import Count, Q, QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import CampaignTrigger, RunOutcome, TriggerRun


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
