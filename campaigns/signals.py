"""Receivers of crm's signals."""

from crm.models import Lead
from tenancy.models import Tenant

from .defaults import install_default_catalogue
from .models import BudgetType, CampaignChannel, CampaignStatus, CampaignType
from .services.tracking import convert_won_lead


def install_catalogue_for_new_tenant(sender, *, tenant: Tenant, **kwargs) -> None:
    install_default_catalogue(
        tenant_id=tenant.pk,
        type_model=CampaignType,
        channel_model=CampaignChannel,
        status_model=CampaignStatus,
        budget_type_model=BudgetType,
    )


def convert_attributed_lead(sender, *, lead: Lead, **kwargs) -> None:
    convert_won_lead(lead=lead)
