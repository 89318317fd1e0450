"""One campaign's analytics (totals, per channel, per variant with the A/B verdict, per day),
the campaign list's figures, and the spend so far."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from crm.models import Lead
from tenancy.dates import MAX_DAYS, DateRange, tenant_today
from tenancy.models import Tenant

from ...models import AdMetric, Campaign, CampaignExecution, CampaignResponse, ResponseKind
from .abtest import ab_test
from .counts import (
    EMPTY_EXECUTIONS,
    ZERO,
    ad_counts,
    conversion_counts,
    derived,
    execution_counts,
    money,
)


def _day_range(campaign: Campaign) -> DateRange | None:
    if campaign.launched_at is None:
        return None
    tz = campaign.tenant.tzinfo
    start = campaign.launched_at.astimezone(tz).date()
    end = (
        campaign.completed_at.astimezone(tz).date()
        if campaign.completed_at
        else tenant_today(campaign.tenant)
    )
    end = max(start, min(end, start + timedelta(days=MAX_DAYS - 1)))
    return DateRange(start, end)


def _per_day(queryset: QuerySet, field: str, tz, **annotations) -> dict:
    rows = (
        queryset.order_by()
        .annotate(day=TruncDate(field, tzinfo=tz))
        .values("day")
        .annotate(**annotations)
    )
    return {row.pop("day"): row for row in rows}


def _daily(campaign: Campaign) -> list[dict]:
    period = _day_range(campaign)
    if period is None:
        return []
    tz = campaign.tenant.tzinfo
    start, end = period.bounds(campaign.tenant)
    executions = CampaignExecution.objects.filter(tenant=campaign.tenant, campaign=campaign)

    def between(field):
        return {f"{field}__gte": start, f"{field}__lt": end}

    sent = _per_day(executions.filter(**between("sent_at")), "sent_at", tz, n=Count("pk"))
    opened = _per_day(executions.filter(**between("opened_at")), "opened_at", tz, n=Count("pk"))
    clicked = _per_day(executions.filter(**between("clicked_at")), "clicked_at", tz, n=Count("pk"))
    conversions = _per_day(
        CampaignResponse.objects.filter(
            tenant=campaign.tenant, campaign=campaign, kind=ResponseKind.CONVERSION
        ).filter(**between("occurred_at")),
        "occurred_at",
        tz,
        n=Count("pk"),
        revenue=Sum("value"),
    )
    days = (period.end - period.start).days + 1
    series = []
    for i in range(days):
        day = period.start + timedelta(days=i)
        series.append(
            {
                "date": day,
                "sent": sent.get(day, {}).get("n", 0),
                "opened": opened.get(day, {}).get("n", 0),
                "clicked": clicked.get(day, {}).get("n", 0),
                "converted": conversions.get(day, {}).get("n", 0),
                "revenue": money(conversions.get(day, {}).get("revenue")),
            }
        )
    return series


def campaign_analytics(*, campaign: Campaign, include_machine_opens: bool = False) -> dict:
    """Everything about one campaign: totals, per channel, per variant with the A/B verdict,
    and per day. Machine opens are left out of the opens unless `include_machine_opens` (the
    per-day series always counts readers' first opens)."""
    machine = {"include_machine_opens": include_machine_opens}
    tenant = campaign.tenant
    executions = CampaignExecution.objects.filter(tenant=tenant, campaign=campaign)
    responses = CampaignResponse.objects.filter(tenant=tenant, campaign=campaign)
    metrics = AdMetric.objects.filter(tenant=tenant, campaign=campaign)
    leads = Lead.objects.filter(tenant=tenant, campaign=campaign, archived_at__isnull=True).count()
    total = execution_counts(executions).get((), EMPTY_EXECUTIONS)
    by_channel = execution_counts(executions, "channel_id")
    conversions_by_channel = conversion_counts(responses, "channel_id")
    ads_by_channel = ad_counts(metrics, "channel_id")
    plans = list(campaign.plans.select_related("channel"))
    channels = []
    for plan in plans:
        key = (plan.channel_id,)
        channels.append(
            {
                "channel_code": plan.channel.channel_code,
                "channel_name": plan.channel.channel_name,
                "kind": plan.channel.kind,
                **derived(
                    by_channel.get(key, EMPTY_EXECUTIONS),
                    conversions_by_channel.get(key, {}),
                    ads_by_channel.get(key, {}),
                    budget=plan.budget,
                    **machine,
                ),
            }
        )
    by_variant = execution_counts(executions, "channel_id", "variant")
    conversions_by_variant = conversion_counts(
        responses.filter(execution__isnull=False), "execution__channel_id", "execution__variant"
    )
    codes = {plan.channel_id: plan.channel.channel_code for plan in plans}
    variants = []
    for (channel_id, variant), counts in sorted(by_variant.items()):
        variants.append(
            {
                "channel_code": codes.get(channel_id, ""),
                "variant": variant,
                **derived(
                    counts, conversions_by_variant.get((channel_id, variant), {}), {}, **machine
                ),
            }
        )
    grouped = defaultdict(list)
    for row in variants:
        grouped[row["channel_code"]].append(row)
    return {
        "campaign_id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status.status_code,
        **derived(
            total,
            conversion_counts(responses).get((), {}),
            ad_counts(metrics).get((), {}),
            leads=leads,
            budget=campaign.budget,
            **machine,
        ),
        "unsubscribed": responses.filter(kind=ResponseKind.UNSUBSCRIBE).count(),
        "channels": channels,
        "variants": variants,
        "ab_tests": [ab_test(code, rows) for code, rows in grouped.items() if len(rows) > 1],
        "daily": _daily(campaign),
    }


def campaign_summaries(*, tenant: Tenant, campaign_ids: list[int]) -> dict[int, dict]:
    """The campaign list's figures (the totals of `campaign_analytics`, without leads and
    budget) for many campaigns in three grouped queries."""
    executions = CampaignExecution.objects.filter(tenant=tenant, campaign_id__in=campaign_ids)
    responses = CampaignResponse.objects.filter(tenant=tenant, campaign_id__in=campaign_ids)
    metrics = AdMetric.objects.filter(tenant=tenant, campaign_id__in=campaign_ids)
    counts = execution_counts(executions, "campaign_id")
    conversions = conversion_counts(responses, "campaign_id")
    ads = ad_counts(metrics, "campaign_id")
    return {
        pk: derived(
            counts.get((pk,), EMPTY_EXECUTIONS), conversions.get((pk,), {}), ads.get((pk,), {})
        )
        for pk in campaign_ids
    }


def campaign_spend(campaigns: QuerySet[Campaign]) -> dict[int, Decimal]:
    """Cost so far per campaign: sent messages' cost plus ad spend."""
    spend: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        CampaignExecution.objects.filter(campaign__in=campaigns, sent_at__isnull=False)
        .order_by()
        .values("campaign_id")
        .annotate(total=Sum("cost"))
    ):
        spend[row["campaign_id"]] += row["total"] or ZERO
    for row in (
        AdMetric.objects.filter(campaign__in=campaigns)
        .order_by()
        .values("campaign_id")
        .annotate(total=Sum("spend"))
    ):
        spend[row["campaign_id"]] += row["total"] or ZERO
    return {pk: money(value) for pk, value in spend.items()}
