"""How a campaign type and a channel perform, over their campaigns."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from crm.models import Lead
from tenancy.dates import DateRange
from tenancy.figures import rate
from tenancy.models import Tenant

from ...models import (
    AdMetric,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    CampaignType,
    StatusPhase,
)
from .counts import (
    EMPTY_EXECUTIONS,
    ZERO,
    ad_counts,
    conversion_counts,
    derived,
    execution_counts,
    money,
    ratio,
    totals,
)


def type_performance(*, tenant: Tenant, campaign_type: CampaignType) -> dict:
    """How the type's campaigns did, all time: how many (active, completed), their total and
    average budget, spend, revenue, attributed leads (archived ones left out) and conversions,
    average CPL = spend ÷ leads, conversion rate = conversions ÷ leads, ROI and budget used."""
    campaigns = Campaign.objects.for_tenant(tenant).filter(campaign_type=campaign_type)
    summary = campaigns.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(status__phase=StatusPhase.ACTIVE)),
        completed=Count("pk", filter=Q(status__phase=StatusPhase.COMPLETED)),
        budget=Sum("budget"),
    )
    figures = totals(
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
        "total_budget": money(budget),
        "average_budget": ratio(budget, summary["total"]),
        "total_spent": figures["cost"],
        "total_revenue": figures["revenue"],
        "total_leads": leads,
        "total_conversions": figures["converted"],
        "messages_sent": figures["sent"],
        "average_cpl": ratio(figures["cost"], leads),
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
    """How the channel did over `period` (tenant time): the campaigns on it launched before the
    period's end and not completed before its start, their budget for the channel; spend,
    impressions, clicks and conversions dated in the period; leads created in the period and
    attributed to those campaigns; CPL, CPM, CTR, CPC, conversion rate = conversions ÷ leads,
    ROI."""
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
    counts = execution_counts(executions).get((), EMPTY_EXECUTIONS)
    counts["clicked"] = CampaignExecution.objects.filter(
        tenant=tenant, channel=channel, clicked_at__gte=start, clicked_at__lt=end
    ).count()
    conversions = conversion_counts(
        CampaignResponse.objects.filter(
            tenant=tenant, channel=channel, occurred_at__gte=start, occurred_at__lt=end
        )
    ).get((), {})
    ads = ad_counts(
        AdMetric.objects.filter(
            tenant=tenant, channel=channel, date__gte=period.start, date__lte=period.end
        )
    ).get((), {})
    figures = derived(counts, conversions, ads)
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
        "total_budget": money(sum((_channel_budget(c, channel) for c in campaigns), ZERO)),
        "total_spent": figures["cost"],
        "total_impressions": figures["impressions"],
        "total_clicks": figures["clicks"],
        "total_leads": leads,
        "total_conversions": figures["converted"],
        "total_revenue": figures["revenue"],
        "messages_sent": figures["sent"],
        "cpl": ratio(figures["cost"], leads),
        "cpm": figures["cpm"],
        "ctr": figures["ctr"],
        "cpc": figures["cpc"],
        "conversion_rate": rate(figures["converted"], leads),
        "roi": figures["roi"],
    }
