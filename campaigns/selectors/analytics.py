"""Campaign analytics, computed from executions, responses, ad metrics and attributed leads at
read time (grouped queries in the database; nothing is stored). Definitions: docs/metrics.md
("## Campaigns").
"""

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from crm.models import Lead
from tenancy.dates import MAX_DAYS, DateRange, last_days, tenant_today
from tenancy.figures import rate
from tenancy.models import Tenant

from ..models import (
    AdMetric,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    CampaignType,
    ExecutionStatus,
    ResponseKind,
    StatusPhase,
)

ZERO = Decimal("0")
SIGNIFICANCE = 0.05  # two-sided
CENTS = Decimal("0.01")


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENTS)


def _ratio(numerator: Decimal, denominator, scale: int = 1) -> Decimal | None:
    return (numerator * scale / denominator).quantize(CENTS) if denominator else None


def _grouped(queryset: QuerySet, group_by: tuple[str, ...], **annotations) -> dict:
    """{group values: figures}; with no grouping, {(): figures} over the whole queryset."""
    if not group_by:
        return {(): queryset.aggregate(**annotations)}
    rows = queryset.order_by().values(*group_by).annotate(**annotations)
    return {tuple(row.pop(g) for g in group_by): row for row in rows}


def _execution_counts(executions: QuerySet, *group_by: str) -> dict:
    sent = Q(sent_at__isnull=False)
    return _grouped(
        executions,
        group_by,
        **dict(
            audience=Count("pk"),
            sent=Count("pk", filter=sent),
            bounced=Count("pk", filter=Q(status=ExecutionStatus.BOUNCED)),
            confirmed=Count("pk", filter=Q(delivered_at__isnull=False)),
            failed=Count("pk", filter=Q(status=ExecutionStatus.FAILED)),
            skipped=Count("pk", filter=Q(status=ExecutionStatus.SKIPPED)),
            pending=Count("pk", filter=Q(status=ExecutionStatus.PENDING)),
            in_flight=Count("pk", filter=Q(status=ExecutionStatus.SENDING)),
            opened=Count("pk", filter=sent & Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=sent & Q(clicked_at__isnull=False)),
            cost=Sum("cost", filter=sent),
        ),
    )


def _conversion_counts(responses: QuerySet, *group_by: str) -> dict:
    return _grouped(
        responses.filter(kind=ResponseKind.CONVERSION),
        group_by,
        converted=Count("pk"),
        revenue=Sum("value"),
    )


def _ad_counts(metrics: QuerySet, *group_by: str) -> dict:
    return _grouped(
        metrics,
        group_by,
        impressions=Sum("impressions"),
        ad_clicks=Sum("clicks"),
        spend=Sum("spend"),
    )


EMPTY_EXECUTIONS = dict.fromkeys(
    (
        "audience",
        "sent",
        "bounced",
        "confirmed",
        "failed",
        "skipped",
        "pending",
        "in_flight",
        "opened",
        "clicked",
    ),
    0,
) | {"cost": None}


def _metrics(
    counts: dict, conversions: dict, ads: dict, *, leads: int | None = None, budget=None
) -> dict:
    sent, bounced = counts["sent"], counts["bounced"]
    delivered = sent - bounced
    opened, clicked = counts["opened"], counts["clicked"]
    converted = conversions.get("converted", 0)
    revenue = _money(conversions.get("revenue"))
    messaging_cost = counts["cost"] or ZERO
    ad_spend = ads.get("spend") or ZERO
    cost = _money(messaging_cost + ad_spend)
    impressions = delivered + (ads.get("impressions") or 0)
    all_clicks = clicked + (ads.get("ad_clicks") or 0)
    result = {
        "audience": counts["audience"],
        "sent": sent,
        "delivered": delivered,
        "delivery_confirmed": counts["confirmed"],
        "bounced": bounced,
        "failed": counts["failed"],
        "skipped": counts["skipped"],
        "pending": counts["pending"],
        "in_flight": counts["in_flight"],
        "opened": opened,
        "clicked": clicked,
        "converted": converted,
        "delivery_rate": rate(delivered, sent),
        "open_rate": rate(opened, delivered),
        "click_rate": rate(clicked, delivered),
        "click_to_open_rate": rate(clicked, opened),
        "conversion_rate": rate(converted, delivered),
        "impressions": impressions,
        "clicks": all_clicks,
        "messaging_cost": _money(messaging_cost),
        "ad_spend": _money(ad_spend),
        "cost": cost,
        "revenue": revenue,
        "roi": round(float((revenue - cost) / cost * 100), 2) if cost else None,
        "cpm": _ratio(cost, impressions, 1000),
        "ctr": rate(all_clicks, impressions),
        "cpc": _ratio(cost, all_clicks),
    }
    if leads is not None:
        result["leads"] = leads
        result["cpl"] = _ratio(cost, leads)
    if budget is not None:
        result["budget"] = _money(budget)
        result["budget_used"] = round(float(cost / budget * 100), 2) if budget else None
    return result


def z_test(success_a: int, total_a: int, success_b: int, total_b: int) -> tuple[float, float]:
    """Two-proportion z-test (pooled); returns (z, two-sided p-value)."""
    pooled = (success_a + success_b) / (total_a + total_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    if spread == 0:
        return 0.0, 1.0
    z = (success_a / total_a - success_b / total_b) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def ab_test(channel_code: str, variants: list[dict]) -> dict:
    """The variant with the best click rate (clicked ÷ delivered) against the runner-up."""
    ranked = sorted(
        (v for v in variants if v["delivered"]),
        key=lambda v: (v["clicked"] / v["delivered"], v["variant"]),
        reverse=True,
    )
    result = {
        "channel_code": channel_code,
        "metric": "click_rate",
        "test": "two-proportion z-test, two-sided",
        "leader": None,
        "runner_up": None,
        "z": None,
        "p_value": None,
        "significant": False,
        "winner": None,
    }
    if len(ranked) < 2:
        return result
    best, second = ranked[0], ranked[1]
    z, p_value = z_test(best["clicked"], best["delivered"], second["clicked"], second["delivered"])
    significant = p_value < SIGNIFICANCE and z > 0
    return result | {
        "leader": best["variant"],
        "runner_up": second["variant"],
        "z": round(z, 3),
        "p_value": round(p_value, 4),
        "significant": significant,
        "winner": best["variant"] if significant else None,
    }


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
                "revenue": _money(conversions.get(day, {}).get("revenue")),
            }
        )
    return series


def campaign_analytics(*, campaign: Campaign) -> dict:
    """Everything about one campaign: totals, per channel, per variant with the A/B verdict,
    and per day."""
    tenant = campaign.tenant
    executions = CampaignExecution.objects.filter(tenant=tenant, campaign=campaign)
    responses = CampaignResponse.objects.filter(tenant=tenant, campaign=campaign)
    metrics = AdMetric.objects.filter(tenant=tenant, campaign=campaign)
    leads = Lead.objects.filter(tenant=tenant, campaign=campaign, archived_at__isnull=True).count()
    total = _execution_counts(executions).get((), EMPTY_EXECUTIONS)
    by_channel = _execution_counts(executions, "channel_id")
    conversions_by_channel = _conversion_counts(responses, "channel_id")
    ads_by_channel = _ad_counts(metrics, "channel_id")
    plans = list(campaign.plans.select_related("channel"))
    channels = []
    for plan in plans:
        key = (plan.channel_id,)
        channels.append(
            {
                "channel_code": plan.channel.channel_code,
                "channel_name": plan.channel.channel_name,
                "kind": plan.channel.kind,
                **_metrics(
                    by_channel.get(key, EMPTY_EXECUTIONS),
                    conversions_by_channel.get(key, {}),
                    ads_by_channel.get(key, {}),
                    budget=plan.budget,
                ),
            }
        )
    by_variant = _execution_counts(executions, "channel_id", "variant")
    conversions_by_variant = _conversion_counts(
        responses.filter(execution__isnull=False), "execution__channel_id", "execution__variant"
    )
    codes = {plan.channel_id: plan.channel.channel_code for plan in plans}
    variants = []
    for (channel_id, variant), counts in sorted(by_variant.items()):
        variants.append(
            {
                "channel_code": codes.get(channel_id, ""),
                "variant": variant,
                **_metrics(counts, conversions_by_variant.get((channel_id, variant), {}), {}),
            }
        )
    grouped = defaultdict(list)
    for row in variants:
        grouped[row["channel_code"]].append(row)
    return {
        "campaign_id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status.status_code,
        **_metrics(
            total,
            _conversion_counts(responses).get((), {}),
            _ad_counts(metrics).get((), {}),
            leads=leads,
            budget=campaign.budget,
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
    counts = _execution_counts(executions, "campaign_id")
    conversions = _conversion_counts(responses, "campaign_id")
    ads = _ad_counts(metrics, "campaign_id")
    return {
        pk: _metrics(
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
    return {pk: _money(value) for pk, value in spend.items()}


def _totals(executions: QuerySet, responses: QuerySet, metrics: QuerySet) -> dict:
    counts = _execution_counts(executions).get((), EMPTY_EXECUTIONS)
    conversions = _conversion_counts(responses).get((), {})
    ads = _ad_counts(metrics).get((), {})
    return _metrics(counts, conversions, ads)


def type_performance(*, tenant: Tenant, campaign_type: CampaignType) -> dict:
    """Seed 000's CampaignTypePerformance over every campaign of the type (all time)."""
    campaigns = Campaign.objects.for_tenant(tenant).filter(campaign_type=campaign_type)
    summary = campaigns.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status__phase=StatusPhase.ACTIVE)),
        completed=Count("pk", filter=Q(status__phase=StatusPhase.COMPLETED)),
        budget=Sum("budget"),
    )
    figures = _totals(
        CampaignExecution.objects.filter(tenant=tenant, campaign__in=campaigns),
        CampaignResponse.objects.filter(tenant=tenant, campaign__in=campaigns),
        AdMetric.objects.filter(tenant=tenant, campaign__in=campaigns),
    )
    leads = Lead.objects.filter(
        tenant=tenant, campaign__in=campaigns, archived_at__isnull=True
    ).count()
    budget = summary["budget"] or ZERO
    return {
        "type_code": campaign_type.type_code,
        "type_name": campaign_type.type_name,
        "total_campaigns": summary["total"],
        "active_campaigns": summary["active"],
        "completed_campaigns": summary["completed"],
        "total_budget": _money(budget),
        "average_budget": _ratio(budget, summary["total"]),
        "total_spent": figures["cost"],
        "total_revenue": figures["revenue"],
        "total_leads": leads,
        "total_conversions": figures["converted"],
        "messages_sent": figures["sent"],
        "average_cpl": _ratio(figures["cost"], leads),
        "conversion_rate": rate(figures["converted"], leads),
        "roi": figures["roi"],
        "budget_used": round(float(figures["cost"] / budget * 100), 2) if budget else None,
    }


def _channel_budget(campaign: Campaign, channel: CampaignChannel) -> Decimal:
    """A campaign's budget for one channel: its own when the budget type splits it, otherwise
    an equal share of the campaign's budget."""
    plans = list(campaign.plans.all())
    own = next((p for p in plans if p.channel_id == channel.pk), None)
    if campaign.budget_type and campaign.budget_type.per_channel and own and own.budget is not None:
        return own.budget
    return campaign.budget / len(plans) if plans else ZERO


def channel_performance(*, tenant: Tenant, channel: CampaignChannel, period: DateRange) -> dict:
    """Seed 000's ChannelPerformanceMetrics for the channel over `period` (tenant time)."""
    start, end = period.bounds(tenant)
    campaigns = (
        Campaign.objects.for_tenant(tenant)
        .filter(plans__channel=channel, launched_at__lt=end)
        .exclude(completed_at__lt=start)
        .select_related("budget_type")
        .prefetch_related("plans")
        .distinct()
    )
    executions = CampaignExecution.objects.filter(
        tenant=tenant, channel=channel, sent_at__gte=start, sent_at__lt=end
    )
    counts = _execution_counts(executions).get((), EMPTY_EXECUTIONS)
    counts["clicked"] = CampaignExecution.objects.filter(
        tenant=tenant, channel=channel, clicked_at__gte=start, clicked_at__lt=end
    ).count()
    conversions = _conversion_counts(
        CampaignResponse.objects.filter(
            tenant=tenant, channel=channel, occurred_at__gte=start, occurred_at__lt=end
        )
    ).get((), {})
    ads = _ad_counts(
        AdMetric.objects.filter(
            tenant=tenant, channel=channel, date__gte=period.start, date__lte=period.end
        )
    ).get((), {})
    figures = _metrics(counts, conversions, ads)
    leads = Lead.objects.filter(
        tenant=tenant,
        campaign__in=[c.pk for c in campaigns],
        archived_at__isnull=True,
        created_at__gte=start,
        created_at__lt=end,
    ).count()
    return {
        "channel_code": channel.channel_code,
        "channel_name": channel.channel_name,
        "start_date": period.start,
        "end_date": period.end,
        "campaign_count": len(campaigns),
        "total_budget": _money(sum((_channel_budget(c, channel) for c in campaigns), ZERO)),
        "total_spent": figures["cost"],
        "total_impressions": figures["impressions"],
        "total_clicks": figures["clicks"],
        "total_leads": leads,
        "total_conversions": figures["converted"],
        "total_revenue": figures["revenue"],
        "messages_sent": figures["sent"],
        "cpl": _ratio(figures["cost"], leads),
        "cpm": figures["cpm"],
        "ctr": figures["ctr"],
        "cpc": figures["cpc"],
        "conversion_rate": rate(figures["converted"], leads),
        "roi": figures["roi"],
    }


def campaign_trends(*, tenant: Tenant, days: int) -> dict:
    """Per day over the last `days` days (tenant time): campaigns launched, messages sent,
    opens, clicks, conversions, revenue and spend; with the same per channel."""
    period = last_days(tenant=tenant, days=days)
    start, end = period.bounds(tenant)
    tz = tenant.tzinfo
    executions = CampaignExecution.objects.for_tenant(tenant)

    def grouped(queryset: QuerySet, field: str, **annotations) -> dict:
        rows = (
            queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .order_by()
            .annotate(day=TruncDate(field, tzinfo=tz))
            .values("day", *([] if queryset.model is Campaign else ["channel_id"]))
            .annotate(**annotations)
        )
        table: dict = defaultdict(dict)
        for row in rows:
            day, channel_id = row.pop("day"), row.pop("channel_id", None)
            table[(day, channel_id)] = row
        return table

    launched = grouped(Campaign.objects.for_tenant(tenant), "launched_at", n=Count("pk"))
    sent = grouped(executions, "sent_at", n=Count("pk"), cost=Sum("cost"))
    opened = grouped(executions, "opened_at", n=Count("pk"))
    clicked = grouped(executions, "clicked_at", n=Count("pk"))
    conversions = grouped(
        CampaignResponse.objects.for_tenant(tenant).filter(kind=ResponseKind.CONVERSION),
        "occurred_at",
        n=Count("pk"),
        revenue=Sum("value"),
    )
    ad_rows = (
        AdMetric.objects.for_tenant(tenant)
        .filter(date__gte=period.start, date__lte=period.end)
        .order_by()
        .values("date", "channel_id")
        .annotate(spend=Sum("spend"), clicks=Sum("clicks"))
    )
    ads = {(row["date"], row["channel_id"]): row for row in ad_rows}
    channel_ids = {key[1] for table in (sent, clicked, conversions, ads) for key in table}
    channels = CampaignChannel.objects.for_tenant(tenant).filter(
        Q(deleted_at__isnull=True) | Q(pk__in=channel_ids)
    )
    day_list = period.dates()

    def total(table: dict, day: date, field: str, channel_id=None):
        return sum(
            (row.get(field) or 0 for (d, c), row in table.items() if d == day)
            if channel_id is None
            else [(table.get((day, channel_id)) or {}).get(field) or 0]
        )

    series = [
        {
            "date": day,
            "campaigns_launched": total(launched, day, "n"),
            "sent": total(sent, day, "n"),
            "opened": total(opened, day, "n"),
            "clicked": total(clicked, day, "n") + total(ads, day, "clicks"),
            "conversions": total(conversions, day, "n"),
            "revenue": _money(Decimal(total(conversions, day, "revenue"))),
            "spend": _money(Decimal(total(sent, day, "cost")) + Decimal(total(ads, day, "spend"))),
        }
        for day in day_list
    ]
    per_channel = []
    for channel in channels:
        points = [
            {
                "date": day,
                "sent": total(sent, day, "n", channel.pk),
                "clicked": total(clicked, day, "n", channel.pk)
                + total(ads, day, "clicks", channel.pk),
                "conversions": total(conversions, day, "n", channel.pk),
            }
            for day in day_list
        ]
        per_channel.append(
            {
                "channel_code": channel.channel_code,
                "channel_name": channel.channel_name,
                "sent": sum(p["sent"] for p in points),
                "clicked": sum(p["clicked"] for p in points),
                "conversions": sum(p["conversions"] for p in points),
                "series": points,
            }
        )
    return {
        "days": days,
        "start_date": period.start,
        "end_date": period.end,
        "series": series,
        "channels": per_channel,
    }
