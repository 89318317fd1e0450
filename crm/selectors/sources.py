"""Reads for lead sources: counters, performance over a date range, daily trends.

Every figure is computed from leads at read time (never stored). Archived leads are left out of
every figure. Definitions: docs/metrics.md.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate

from tenancy.caching import Figures, cached_figures
from tenancy.dates import DEFAULT_DAYS, DateRange, last_days, tenant_today
from tenancy.figures import rate
from tenancy.models import Tenant

from ..models import Lead, LeadSource, LeadStatus, LeadSubSource
from .leads import LEAD_FIGURES


@dataclass(frozen=True)
class Counters:
    leads_generated: int = 0
    conversion_count: int = 0
    last_activity_date: datetime | None = None

    @property
    def conversion_rate(self) -> float:
        return rate(self.conversion_count, self.leads_generated)


NO_LEADS = Counters()


def source_counters(*, tenant: Tenant) -> dict[int, Counters]:
    """All-time counters of the tenant's live leads per source, in one grouped query (an
    index-only scan of the live-leads index; a join from each source would count every lead)."""
    rows = (
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True)
        .order_by()
        .values("source_id")
        .annotate(n=Count("pk"), won=Count("pk", filter=Q(status=LeadStatus.WON)))
    )
    return {row["source_id"]: Counters(row["n"], row["won"]) for row in rows}


def sub_source_counters(*, tenant: Tenant, source: LeadSource) -> dict[int, Counters]:
    """The same per sub-source of one source, with the newest lead's creation time."""
    rows = (
        Lead.objects.for_tenant(tenant)
        .filter(archived_at__isnull=True, source=source, sub_source__isnull=False)
        .order_by()
        .values("sub_source_id")
        .annotate(
            n=Count("pk"),
            won=Count("pk", filter=Q(status=LeadStatus.WON)),
            last=Max("created_at"),
        )
    )
    return {row["sub_source_id"]: Counters(row["n"], row["won"], row["last"]) for row in rows}


def _group_metrics(leads: QuerySet[Lead], *group_by: str) -> dict:
    """Counts, close durations and value per `group_by` value (a tuple of values for several
    fields) in one grouped query."""
    won = Q(status=LeadStatus.WON)
    rows = (
        leads.order_by()
        .values(*group_by)
        .annotate(
            generated=Count("pk"),
            contacted=Count("pk", filter=Q(contacted_at__isnull=False)),
            qualified=Count("pk", filter=Q(qualified_at__isnull=False)),
            converted=Count("pk", filter=won),
            lost=Count("pk", filter=Q(status=LeadStatus.LOST)),
            close_time=Sum(
                ExpressionWrapper(
                    F("converted_at") - F("created_at"), output_field=DurationField()
                ),
                filter=won,
            ),
            value=Sum("estimated_value", filter=won, output_field=DecimalField()),
        )
    )
    if len(group_by) == 1:
        return {row.pop(group_by[0]): row for row in rows}
    return {tuple(row.pop(field) for field in group_by): row for row in rows}


_EMPTY = {
    "generated": 0,
    "contacted": 0,
    "qualified": 0,
    "converted": 0,
    "lost": 0,
    "close_time": None,
    "value": None,
}


def _metrics(counts: dict, cost: Decimal) -> dict:
    generated, converted = counts["generated"], counts["converted"]
    close_time = counts["close_time"] or timedelta(0)
    value = counts["value"] or Decimal("0")
    return {
        "leads_generated": generated,
        "leads_contacted": counts["contacted"],
        "leads_qualified": counts["qualified"],
        "leads_converted": converted,
        "leads_lost": counts["lost"],
        "conversion_rate": rate(converted, generated),
        "qualification_rate": rate(counts["qualified"], generated),
        "average_days_to_close": (
            round(close_time / timedelta(days=1) / converted, 2) if converted else None
        ),
        "total_value": value.quantize(Decimal("0.01")),
        "total_cost": cost.quantize(Decimal("0.01")),
        "cost_per_lead": (cost / generated).quantize(Decimal("0.01")) if generated else None,
        "roi": round(float((value - cost) / cost * 100), 2) if cost else None,
    }


def _sum_counts(groups) -> dict:
    total = dict(_EMPTY, generated=0)
    for counts in groups:
        for key in ("generated", "contacted", "qualified", "converted", "lost"):
            total[key] += counts[key]
        for key in ("close_time", "value"):
            if counts[key] is not None:
                total[key] = counts[key] if total[key] is None else total[key] + counts[key]
    return total


def source_performance(*, tenant: Tenant, source: LeadSource, period: DateRange) -> dict:
    """A source's performance (docs/metrics.md) for leads created in `period`, with sub-sources.

    A sub-source's cost is its cost_per_lead × the leads it generated in the period; a source's
    cost is the sum over its sub-sources.
    """
    start, end = period.bounds(tenant)
    leads = Lead.objects.for_tenant(tenant).filter(
        source=source, archived_at__isnull=True, created_at__gte=start, created_at__lt=end
    )
    groups = _group_metrics(leads, "sub_source")
    subs = {
        sub.pk: sub
        for sub in LeadSubSource.objects.for_tenant(tenant).filter(
            Q(source=source) & (Q(deleted_at__isnull=True) | Q(pk__in=[k for k in groups if k]))
        )
    }
    sub_rows = []
    total_cost = Decimal("0")
    for sub in sorted(subs.values(), key=lambda s: (s.display_order, s.sub_source_code)):
        counts = groups.get(sub.pk, _EMPTY)
        cost = sub.cost_per_lead * counts["generated"]
        total_cost += cost
        sub_rows.append(
            {
                "sub_source_code": sub.sub_source_code,
                "sub_source_name": sub.sub_source_name,
                "is_deleted": sub.is_deleted,
                **_metrics(counts, cost),
            }
        )
    return {
        "source_code": source.source_code,
        "source_name": source.source_name,
        "start_date": period.start,
        "end_date": period.end,
        **_metrics(_sum_counts(groups.values()), total_cost),
        "sub_sources": sub_rows,
    }


def sources_compared(*, tenant: Tenant, period: DateRange) -> list[dict]:
    """Every source side by side over `period` (the same figures as `source_performance`, one
    row per source: live ones, and deleted ones that still have leads in the period), in the
    sources' display order. One grouped query for the leads, one for the sub-sources' costs."""
    start, end = period.bounds(tenant)
    leads = Lead.objects.for_tenant(tenant).filter(
        archived_at__isnull=True, created_at__gte=start, created_at__lt=end
    )
    groups = _group_metrics(leads, "source", "sub_source")
    with_leads = {source_id for source_id, _ in groups}
    sources = LeadSource.objects.for_tenant(tenant).filter(
        Q(deleted_at__isnull=True) | Q(pk__in=with_leads)
    )
    costs = dict(
        LeadSubSource.objects.for_tenant(tenant)
        .filter(pk__in=[sub for _, sub in groups if sub])
        .values_list("pk", "cost_per_lead")
    )
    by_source: dict[int, list] = {}
    for (source_id, sub_id), counts in groups.items():
        by_source.setdefault(source_id, []).append((sub_id, counts))
    rows = []
    for source in sorted(sources, key=lambda s: (s.display_order, s.source_code)):
        parts = by_source.get(source.pk, [])
        cost = sum(
            (costs.get(sub_id, Decimal("0")) * counts["generated"] for sub_id, counts in parts),
            Decimal("0"),
        )
        rows.append(
            {
                "source_code": source.source_code,
                "source_name": source.source_name,
                "is_deleted": source.is_deleted,
                **_metrics(_sum_counts(counts for _, counts in parts), cost),
            }
        )
    return rows


def source_trends(*, tenant: Tenant, days: int) -> dict:
    """Leads generated and converted per source per day over the last `days` days (tenant time)."""
    period = last_days(tenant=tenant, days=days)
    start, end = period.bounds(tenant)
    tz = tenant.tzinfo
    leads = Lead.objects.for_tenant(tenant).filter(archived_at__isnull=True).order_by()

    def per_day(field: str, **filters) -> dict:
        rows = (
            leads.filter(**{f"{field}__gte": start, f"{field}__lt": end}, **filters)
            .annotate(day=TruncDate(field, tzinfo=tz))
            .values("source_id", "day")
            .annotate(n=Count("pk"))
        )
        return {(row["source_id"], row["day"]): row["n"] for row in rows}

    generated = per_day("created_at")
    converted = per_day("converted_at", status=LeadStatus.WON)
    source_ids = {key[0] for key in generated} | {key[0] for key in converted}
    sources = LeadSource.objects.for_tenant(tenant).filter(
        Q(deleted_at__isnull=True) | Q(pk__in=source_ids)
    )
    day_list = period.dates()
    series = []
    for source in sources:
        points = [
            {
                "date": day,
                "leads_generated": generated.get((source.pk, day), 0),
                "leads_converted": converted.get((source.pk, day), 0),
            }
            for day in day_list
        ]
        series.append(
            {
                "source_code": source.source_code,
                "source_name": source.source_name,
                "leads_generated": sum(p["leads_generated"] for p in points),
                "leads_converted": sum(p["leads_converted"] for p in points),
                "series": points,
            }
        )
    return {"days": days, "start_date": period.start, "end_date": period.end, "sources": series}


def sources_dashboard(
    *, tenant: Tenant, source: LeadSource | None, period: DateRange | None, refresh: bool = False
) -> Figures:
    """The source performance page's figures, from the tenant's figures cache (tenancy.caching):
    {"performance", "compared"} for `source` over `period` (None without a valid choice) and
    {"trends"} over the last DEFAULT_DAYS days. Lead and source writes make them stale
    (`bump_figures(tenant_id, LEAD_FIGURES)`); `as_of` is when the oldest part was computed."""
    today = tenant_today(tenant)
    trends = cached_figures(
        tenant_id=tenant.pk,
        scope=LEAD_FIGURES,
        name="source-trends",
        parts=(tenant.timezone, today, DEFAULT_DAYS),
        compute=lambda: source_trends(tenant=tenant, days=DEFAULT_DAYS),
        refresh=refresh,
    )
    value = {"performance": None, "compared": None, "trends": trends.value}
    as_of, cached = trends.as_of, trends.cached
    if source is not None and period is not None:
        figures = cached_figures(
            tenant_id=tenant.pk,
            scope=LEAD_FIGURES,
            name="source-performance",
            parts=(tenant.timezone, source.pk, period.start, period.end),
            compute=lambda: {
                "performance": source_performance(tenant=tenant, source=source, period=period),
                "compared": sources_compared(tenant=tenant, period=period),
            },
            refresh=refresh,
        )
        value.update(figures.value)
        as_of, cached = min(as_of, figures.as_of), cached and figures.cached
    return Figures(value=value, as_of=as_of, cached=cached)
