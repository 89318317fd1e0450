"""Campaign activity per day over the last days, in total and per channel."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from tenancy.dates import last_days
from tenancy.models import Tenant

from ...models import (
    AdMetric,
    Campaign,
    CampaignChannel,
    CampaignExecution,
    CampaignResponse,
    ResponseKind,
)
from .counts import money


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
            "revenue": money(Decimal(total(conversions, day, "revenue"))),
            "spend": money(Decimal(total(sent, day, "cost")) + Decimal(total(ads, day, "spend"))),
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
