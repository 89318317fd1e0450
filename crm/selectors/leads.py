"""Reads for leads: who may see which, statistics."""

from collections import Counter

from django.db.models import Count, Q, QuerySet, Sum

from tenancy.access import one_or_404
from tenancy.caching import Figures, cached_figures
from tenancy.models import Membership, Tenant

from ..models import Lead, LeadStatus, hot_lead_q

# The scope of the tenant's cached lead figures (tenancy.caching): the statistics and the source
# performance page. Every write that changes a lead's status, source, sub-source, score, value,
# dates or archiving, or a source's name, order or costs, bumps it.
LEAD_FIGURES = "leads"


def leads_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[Lead]:
    """Managers and admins see every lead of the tenant; agents see theirs and unassigned ones."""
    leads = Lead.objects.for_tenant(tenant)
    if not membership.can_manage:
        leads = leads.filter(Q(assigned_to=membership.user_id) | Q(assigned_to__isnull=True))
    return leads


def lead_for(
    *, tenant: Tenant, membership: Membership, pk: object, queryset: QuerySet[Lead] | None = None
) -> Lead:
    """The lead `pk` as the member may see it, or Http404 (the same for a missing lead, another
    tenant's and another agent's). `queryset` narrows or loads more of the visible leads; it is
    always intersected with them."""
    visible = leads_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="lead")


def lead_statistics(*, leads: QuerySet[Lead]) -> dict:
    """The lead statistics over `leads` (already scoped and filtered by the caller).

    conversion_rate = WON / all leads × 100 (see docs/metrics.md).
    """
    # One grouped scan (index-only on the live-leads index), added up here.
    rows = (
        leads.order_by()
        .values("status", "source__source_code")
        .annotate(n=Count("pk"), score=Sum("lead_score"), hot=Count("pk", filter=hot_lead_q()))
    )
    by_status: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    score = hot = 0
    for row in rows:
        by_status[row["status"]] += row["n"]
        by_source[row["source__source_code"]] += row["n"]
        score += row["score"]
        hot += row["hot"]
    total = sum(by_status.values())
    return {
        "total_leads": total,
        "leads_by_status": {status: by_status[status] for status in LeadStatus.values},
        "leads_by_source": dict(sorted(by_source.items())),
        "average_lead_score": round(score / total, 2) if total else None,
        "hot_leads_count": hot,
        "conversion_rate": round(100 * by_status[LeadStatus.WON] / total, 2) if total else 0.0,
    }


def live_lead_counts(
    *, tenant: Tenant, membership: Membership, statuses: list[str], refresh: bool = False
) -> Figures:
    """{status: n} of the live leads the member sees among `statuses`, from the tenant's figures
    cache (tenancy.caching): every manager shares one entry, each agent has their own."""
    viewer = None if membership.can_manage else membership.user_id

    def count() -> dict[str, int]:
        return dict(
            leads_visible_to(tenant=tenant, membership=membership)
            .filter(archived_at__isnull=True, status__in=statuses)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )

    return cached_figures(
        tenant_id=tenant.pk,
        scope=LEAD_FIGURES,
        name="live-leads-by-status",
        parts=(viewer, tuple(statuses)),
        compute=count,
        refresh=refresh,
    )
