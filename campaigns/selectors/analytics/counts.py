"""The grouped counts every report starts from (executions, conversions, ad figures) and the
figures derived from them: delivery, open, click and conversion rates, cost, revenue, ROI, CPM,
CTR, CPC, CPL and budget used (definitions: docs/metrics.md, "## Campaigns")."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from tenancy.figures import rate

from ...models import ExecutionStatus, ResponseKind

ZERO = Decimal("0")
CENTS = Decimal("0.01")


def money(value) -> Decimal:
    return (value or ZERO).quantize(CENTS)


def ratio(numerator: Decimal, denominator, scale: int = 1) -> Decimal | None:
    return (numerator * scale / denominator).quantize(CENTS) if denominator else None


def grouped(queryset: QuerySet, group_by: tuple[str, ...], **annotations) -> dict:
    """{group values: figures}; with no grouping, {(): figures} over the whole queryset."""
    if not group_by:
        return {(): queryset.aggregate(**annotations)}
    rows = queryset.order_by().values(*group_by).annotate(**annotations)
    return {tuple(row.pop(g) for g in group_by): row for row in rows}


def execution_counts(executions: QuerySet, *group_by: str) -> dict:
    sent = Q(sent_at__isnull=False)
    return grouped(
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
            # Opened only by machines (campaigns.machine_opens): left out of `opened` unless
            # asked for.
            machine_opened=Count(
                "pk", filter=sent & Q(opened_at__isnull=True, machine_opened_at__isnull=False)
            ),
            clicked=Count("pk", filter=sent & Q(clicked_at__isnull=False)),
            cost=Sum("cost", filter=sent),
        ),
    )


def conversion_counts(responses: QuerySet, *group_by: str) -> dict:
    return grouped(
        responses.filter(kind=ResponseKind.CONVERSION),
        group_by,
        converted=Count("pk"),
        revenue=Sum("value"),
    )


def ad_counts(metrics: QuerySet, *group_by: str) -> dict:
    return grouped(
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
        "machine_opened",
        "clicked",
    ),
    0,
) | {"cost": None}


def derived(
    counts: dict,
    conversions: dict,
    ads: dict,
    *,
    leads: int | None = None,
    budget=None,
    include_machine_opens: bool = False,
) -> dict:
    """The figures of docs/metrics.md from grouped counts. Opens by machines only count as
    opened with `include_machine_opens`; otherwise `machine_opens_left_out` says how many sent
    messages were opened by nothing but a machine."""
    sent, bounced = counts["sent"], counts["bounced"]
    delivered = sent - bounced
    machine_opened = counts["machine_opened"]
    opened = counts["opened"] + (machine_opened if include_machine_opens else 0)
    clicked = counts["clicked"]
    converted = conversions.get("converted", 0)
    revenue = money(conversions.get("revenue"))
    messaging_cost = counts["cost"] or ZERO
    ad_spend = ads.get("spend") or ZERO
    cost = money(messaging_cost + ad_spend)
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
        "machine_opened": machine_opened,
        "machine_opens_included": include_machine_opens,
        "machine_opens_left_out": 0 if include_machine_opens else machine_opened,
        "clicked": clicked,
        "converted": converted,
        "delivery_rate": rate(delivered, sent),
        "open_rate": rate(opened, delivered),
        "click_rate": rate(clicked, delivered),
        "click_to_open_rate": rate(clicked, opened),
        "conversion_rate": rate(converted, delivered),
        "impressions": impressions,
        "clicks": all_clicks,
        "messaging_cost": money(messaging_cost),
        "ad_spend": money(ad_spend),
        "cost": cost,
        "revenue": revenue,
        "roi": round(float((revenue - cost) / cost * 100), 2) if cost else None,
        "cpm": ratio(cost, impressions, 1000),
        "ctr": rate(all_clicks, impressions),
        "cpc": ratio(cost, all_clicks),
    }
    if leads is not None:
        result["leads"] = leads
        result["cpl"] = ratio(cost, leads)
    if budget is not None:
        result["budget"] = money(budget)
        result["budget_used"] = round(float(cost / budget * 100), 2) if budget else None
    return result


def totals(executions: QuerySet, responses: QuerySet, metrics: QuerySet) -> dict:
    counts = execution_counts(executions).get((), EMPTY_EXECUTIONS)
    conversions = conversion_counts(responses).get((), {})
    ads = ad_counts(metrics).get((), {})
    return derived(counts, conversions, ads)
