"""Who sees which campaign, and the one way to fetch one.

Every member of a tenant sees all of its campaigns (agents read them; managers and admins also
build and run them, which the services check). Campaigns have no soft delete: deleting one
(only possible before launch) removes the row, so a deleted campaign is simply not there.
The API, the pages and any admin list campaigns through `campaigns_visible_to` and fetch one
through `campaign_for`, so another tenant's campaign, a deleted one, a missing one and a key
that is not a number are the same 404."""

from django.db.models import QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import Campaign


def campaigns_visible_to(*, tenant: Tenant, membership: Membership) -> QuerySet[Campaign]:
    """The campaigns the member sees: every campaign of the tenant."""
    return Campaign.objects.for_tenant(tenant)


def campaign_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[Campaign] | None = None,
) -> Campaign:
    """The campaign `pk` as the member may see it, or Http404 (the same for a missing campaign,
    a deleted one, another tenant's and a malformed key). `queryset` loads more of the visible
    campaigns (relations); it is always intersected with them."""
    visible = campaigns_visible_to(tenant=tenant, membership=membership)
    return one_or_404(visible if queryset is None else queryset & visible, pk, what="campaign")
