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

from django.db.models import Case, DateTimeField, Exists, IntegerField, OuterRef, Value, When

from crm.services.merge import MergeMove, MergeMover, on_customer_merge
from tenancy.models import Tenant

from .models import CampaignExecution, CampaignResponse, TriggerRun, Unsubscribe


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


def _earliest_wins(rows: list[tuple], key) -> dict[int, int]:
    """{loser pk: winner pk} among rows (pk, created_at, *key fields) sharing `key(row)`: the
    earliest created (then the smallest pk) wins."""
    winners: dict = {}
    losers: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: (r[1], r[0])):
        k = key(row)
        if k in winners:
            losers[row[0]] = winners[k]
        else:
            winners[k] = row[0]
    return losers


def _earliest(values) -> object:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _move_executions(move: MergeMove) -> int:
    """Set-based whatever the number of clashes: the rows of the merged customers are read
    once (a customer has tens to hundreds), then one UPDATE re-points the losers' responses,
    one gives the winners the earliest open and click, one DELETE drops the losers and one
    UPDATE moves the duplicates' remaining rows."""
    tenant, everyone = move.tenant, [move.keep.pk, *move.duplicate_ids]
    executions = CampaignExecution.objects.filter(tenant=tenant, customer_id__in=everyone)
    rows = list(
        executions.values_list(
            "pk", "created_at", "campaign_id", "channel_id", "opened_at", "clicked_at"
        )
    )
    losers = _earliest_wins(rows, key=lambda r: (r[2], r[3]))
    if losers:
        by_pk = {r[0]: r for r in rows}
        CampaignResponse.objects.filter(tenant=tenant, execution_id__in=list(losers)).update(
            execution_id=Case(
                *(When(execution_id=lost, then=Value(won)) for lost, won in losers.items()),
                output_field=IntegerField(),
            )
        )
        firsts: dict[int, dict] = {}
        for won in set(losers.values()):
            group = [by_pk[won], *(by_pk[lost] for lost, w in losers.items() if w == won)]
            opened, clicked = _earliest(r[4] for r in group), _earliest(r[5] for r in group)
            if (opened, clicked) != (by_pk[won][4], by_pk[won][5]):
                firsts[won] = {"opened_at": opened, "clicked_at": clicked}
        if firsts:
            CampaignExecution.objects.filter(pk__in=list(firsts)).update(
                **{
                    name: Case(
                        *(When(pk=pk, then=Value(f[name])) for pk, f in firsts.items()),
                        output_field=DateTimeField(),
                    )
                    for name in ("opened_at", "clicked_at")
                }
            )
        CampaignExecution.objects.filter(pk__in=list(losers)).delete()
    return executions.filter(customer_id__in=move.duplicate_ids).update(customer=move.keep)


def _move(move: MergeMove) -> dict[str, int]:
    tenant, ids = move.tenant, move.duplicate_ids
    messages = _move_executions(move)
    responses = CampaignResponse.objects.filter(tenant=tenant, customer_id__in=ids).update(
        customer=move.keep
    )
    opt_outs = Unsubscribe.objects.filter(tenant=tenant, customer_id__in=[move.keep.pk, *ids])
    rows = list(opt_outs.values_list("pk", "created_at", "channel_id"))
    if losers := _earliest_wins(rows, key=lambda r: r[2]):
        Unsubscribe.objects.filter(pk__in=list(losers)).delete()
    moved_opt_outs = opt_outs.filter(customer_id__in=ids).update(customer=move.keep)
    # Trigger runs: the kept customer's log. A run per (trigger, event) stays unique: an event
    # belongs to one customer, so a clash is not expected, but one would keep the kept's run.
    runs = TriggerRun.objects.filter(tenant=tenant, customer_id__in=ids)
    kept_runs = TriggerRun.objects.filter(
        tenant=tenant, customer=move.keep, trigger=OuterRef("trigger"), event=OuterRef("event")
    )
    runs.filter(Exists(kept_runs)).delete()
    runs.update(customer=move.keep)
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
                "campaigns.TriggerRun.customer",
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
