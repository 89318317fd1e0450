"""What the campaign pages share: the tenant's campaigns and the one way to fetch one, and the
gate that gives members who may not write campaigns a 403."""

from django.core.exceptions import PermissionDenied
from django.utils.functional import cached_property

from tenancy.scoping import TenantPageMixin

from ..models import Campaign
from ..selectors.campaigns import campaign_for, campaigns_visible_to
from ..services.campaigns import CAMPAIGN_WRITE_ROLES


class CampaignsMixin(TenantPageMixin):
    def get_queryset(self):
        return campaigns_visible_to(tenant=self.tenant, membership=self.membership).select_related(
            "campaign_type", "status", "budget_type"
        )

    @cached_property
    def campaign(self) -> Campaign:
        return campaign_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )

    @property
    def can_write(self) -> bool:
        return self.membership.role in CAMPAIGN_WRITE_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_write=self.can_write, **kwargs)


class WriteRequiredMixin:
    """After the tenant checks (list it after CampaignsMixin): members whose role may not
    write campaigns get a 403, as in the API."""

    def dispatch(self, request, *args, **kwargs):
        if request.membership.role not in CAMPAIGN_WRITE_ROLES:
            raise PermissionDenied("Only managers and admins build and run campaigns.")
        return super().dispatch(request, *args, **kwargs)
