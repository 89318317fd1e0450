"""Who sees which campaign response, and the one way to fetch one.

A member sees the responses of the campaigns they see (every member sees every campaign of the
tenant, campaigns.selectors.campaigns) and of the customers they see (all of the tenant's), but
not a response tied to a lead they may not see: an agent's leads are theirs and unassigned ones
(crm.selectors.leads), so another agent's lead's conversion is not in an agent's list. Machine
opens (campaigns.machine_opens) are left out unless asked for, as every figure that counts
opens leaves them out."""

from django.db.models import Q, QuerySet

from crm.selectors.leads import leads_visible_to
from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import CampaignResponse
from .campaigns import campaigns_visible_to


def responses_visible_to(
    *, tenant: Tenant, membership: Membership, include_machine_opens: bool = True
) -> QuerySet[CampaignResponse]:
    responses = CampaignResponse.objects.for_tenant(tenant).filter(
        campaign__in=campaigns_visible_to(tenant=tenant, membership=membership)
    )
    if not membership.can_manage:
        responses = responses.filter(
            Q(lead__isnull=True)
            | Q(lead__in=leads_visible_to(tenant=tenant, membership=membership))
        )
    if not include_machine_opens:
        responses = responses.exclude(is_machine_open=True)
    return responses


def campaign_response_for(*, tenant: Tenant, membership: Membership, pk: object):
    """The response `pk` as the member may see it (machine opens included: an id names one), or
    Http404 (the same for a missing one, another tenant's and one the member may not see)."""
    return one_or_404(
        responses_visible_to(tenant=tenant, membership=membership), pk, what="response"
    )
