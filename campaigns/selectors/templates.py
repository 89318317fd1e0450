"""The template library: the templates a campaign may be created from, and the one way to fetch
one. The API's library, the template page and the campaign list's "from a template" menu use
the same rule: live (not soft-deleted) and active templates of the tenant, which every member
sees. Editing the templates themselves is catalogue work (customization/campaign-templates/)."""

from django.db.models import QuerySet

from tenancy.access import one_or_404
from tenancy.models import Membership, Tenant

from ..models import CampaignTemplate


def templates_available(*, tenant: Tenant) -> QuerySet[CampaignTemplate]:
    """The tenant's live, active templates with their type, in display order."""
    return (
        CampaignTemplate.objects.for_tenant(tenant)
        .live()
        .filter(is_active=True)
        .select_related("campaign_type")
    )


def campaign_template_for(
    *,
    tenant: Tenant,
    membership: Membership,
    pk: object,
    queryset: QuerySet[CampaignTemplate] | None = None,
) -> CampaignTemplate:
    """The available template `pk`, or Http404 (the same for a missing, deleted, inactive or
    another tenant's template and a malformed key)."""
    available = templates_available(tenant=tenant)
    return one_or_404(available if queryset is None else queryset & available, pk, what="template")
