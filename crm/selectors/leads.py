"""Reads for leads: who may see which, statistics."""

from django.db.models import Avg, Count, Q, QuerySet

from ..models import Lead, LeadStatus, Membership, Tenant, hot_lead_q


def leads_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[Lead]:
    """Managers and admins see every lead of the tenant; agents see theirs and unassigned ones."""
    leads = Lead.objects.for_tenant(tenant)
    if not membership.can_manage:
        leads = leads.filter(Q(assigned_to=membership.user_id) | Q(assigned_to__isnull=True))
    return leads


def lead_statistics(*, leads: QuerySet[Lead]) -> dict:
    """Seed 004's statistics over `leads` (already scoped and filtered by the caller).

    conversion_rate = WON / all leads × 100 (see docs/metrics.md).
    """
    leads = leads.order_by()
    totals = leads.aggregate(
        total=Count("pk"),
        average_score=Avg("lead_score"),
        hot=Count("pk", filter=hot_lead_q()),
        won=Count("pk", filter=Q(status=LeadStatus.WON)),
    )
    by_status = dict(leads.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_source = dict(
        leads.values_list("source__source_code")
        .annotate(n=Count("pk"))
        .values_list("source__source_code", "n")
    )
    total = totals["total"]
    return {
        "total_leads": total,
        "leads_by_status": {status: by_status.get(status, 0) for status in LeadStatus.values},
        "leads_by_source": dict(sorted(by_source.items())),
        "average_lead_score": round(totals["average_score"], 2) if total else None,
        "hot_leads_count": totals["hot"],
        "conversion_rate": round(100 * totals["won"] / total, 2) if total else 0.0,
    }
