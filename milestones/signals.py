"""Receivers of tenancy's and crm's signals."""

from tenancy.models import Tenant

from .defaults import install_default_configuration
from .models import MilestoneTemplate, MilestoneTemplateStep, MilestoneType
from .services.projection import open_steps_rebuild, open_steps_refresh


def install_defaults_for_new_tenant(sender, *, tenant: Tenant, **kwargs) -> None:
    install_default_configuration(
        tenant_id=tenant.pk,
        type_model=MilestoneType,
        template_model=MilestoneTemplate,
        step_model=MilestoneTemplateStep,
    )


def refresh_changed_leads(sender, *, tenant: Tenant, lead_ids: list[int], **kwargs) -> None:
    """crm wrote leads (created, a status, archived, restored, imported): their open steps
    follow, in the same transaction."""
    open_steps_refresh(tenant=tenant, lead_ids=lead_ids)


def rebuild_after_timezone_change(sender, *, tenant: Tenant, **kwargs) -> None:
    """A step with no completed milestone before it starts on the lead's creation day, a day in
    the tenant's time zone."""
    open_steps_rebuild(tenant=tenant)
