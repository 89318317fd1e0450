"""Who sees which lead milestone, and the one way the API and the pages fetch one."""

from django.db.models import QuerySet

from crm.models import Lead
from crm.selectors.leads import leads_visible_to
from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import LeadMilestone


def milestones_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[LeadMilestone]:
    """The milestones of the leads the member sees (managers and admins: every lead of the
    tenant; agents: theirs and the unassigned ones)."""
    return LeadMilestone.objects.for_tenant(tenant).filter(
        lead__in=leads_visible_to(tenant=tenant, membership=membership)
    )


def milestone_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    lead: Lead | None = None,
    queryset: QuerySet[LeadMilestone] | None = None,
) -> LeadMilestone:
    """The milestone `pk` (of `lead`, when given) as the member may see it, or Http404: the same
    for a missing one, another tenant's, one of a lead the member does not see, another lead's
    and a key that is not a number. `queryset` narrows or loads more of the visible ones; it is
    always intersected with them."""
    visible = milestones_visible_to(tenant=tenant, membership=membership)
    if lead is not None:
        visible = visible.filter(lead=lead)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="milestone")
