"""campaigns' part of a customer merge (crm.services.merge). Registered by
CampaignsConfig.ready.

- Executions (one per campaign, customer and channel): where the kept customer and a duplicate
  (or two duplicates) both had one for the same campaign and channel, the earliest created is
  kept — it is the message the person really got first — and takes the others' responses and
  their earliest open and click; the others are deleted (a second message is not invented).
  The rest simply become the kept customer's.
- Responses (opens, clicks, replies, conversions …) become the kept customer's.
- Opt-outs: the union — one opted out on a channel means the merged customer is; where both
  had one for a channel, the earliest stays."""

from collections.abc import Sequence

from django.db.models import Count, Min

from crm.services.merge import MergeMove, MergeMover, on_customer_merge
from tenancy.models import Tenant

from .models import CampaignExecution, CampaignResponse, Unsubscribe


def _count(tenant: Tenant, ids: Sequence[int]) -> dict[str, int]:
    return {
        "campaign_messages": CampaignExecution.objects.filter(
            tenant=tenant, customer_id__in=ids
        ).count(),
        "campaign_responses": CampaignResponse.objects.filter(
            tenant=tenant, customer_id__in=ids
        ).count(),
        "opt_outs": Unsubscribe.objects.filter(tenant=tenant, customer_id__in=ids).count(),
    }


def _move_executions(move: MergeMove) -> int:
    tenant, everyone = move.tenant, [move.keep.pk, *move.duplicate_ids]
    executions = CampaignExecution.objects.filter(tenant=tenant, customer_id__in=everyone)
    clashes = (
        executions.values("campaign_id", "channel_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("campaign_id", "channel_id")
    )
    for campaign_id, channel_id in clashes:
        same = list(
            executions.filter(campaign_id=campaign_id, channel_id=channel_id).order_by(
                "created_at", "pk"
            )
        )
        kept, others = same[0], [e.pk for e in same[1:]]
        firsts = executions.filter(pk__in=[e.pk for e in same]).aggregate(
            opened=Min("opened_at"), clicked=Min("clicked_at")
        )
        CampaignResponse.objects.filter(tenant=tenant, execution_id__in=others).update(
            execution=kept
        )
        CampaignExecution.objects.filter(pk=kept.pk).update(
            opened_at=firsts["opened"], clicked_at=firsts["clicked"]
        )
        CampaignExecution.objects.filter(pk__in=others).delete()
    return executions.filter(customer_id__in=move.duplicate_ids).update(customer=move.keep)


def _move(move: MergeMove) -> dict[str, int]:
    tenant, ids = move.tenant, move.duplicate_ids
    messages = _move_executions(move)
    responses = CampaignResponse.objects.filter(tenant=tenant, customer_id__in=ids).update(
        customer=move.keep
    )
    opt_outs = Unsubscribe.objects.filter(tenant=tenant, customer_id__in=[move.keep.pk, *ids])
    for channel_id in (
        opt_outs.values("channel_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("channel_id", flat=True)
    ):
        same = opt_outs.filter(channel_id=channel_id).order_by("created_at", "pk")
        opt_outs.filter(channel_id=channel_id).exclude(pk=same.first().pk).delete()
    moved_opt_outs = opt_outs.filter(customer_id__in=ids).update(customer=move.keep)
    return {
        "campaign_messages": messages,
        "campaign_responses": responses,
        "opt_outs": moved_opt_outs,
    }


def register_merge() -> None:
    on_customer_merge(
        MergeMover(
            name="campaigns",
            relations=(
                "campaigns.CampaignExecution.customer",
                "campaigns.CampaignResponse.customer",
                "campaigns.Unsubscribe.customer",
            ),
            words={
                "campaign_messages": ("campaign message", "campaign messages"),
                "campaign_responses": ("campaign response", "campaign responses"),
                "opt_outs": ("opt-out", "opt-outs"),
            },
            count=_count,
            move=_move,
        )
    )
